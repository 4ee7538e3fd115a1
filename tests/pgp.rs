//! PGP keys through the real `gpg`, both ways with `sops`: the sops fixture with its test
//! key, and our files read by sops with a key made here. Each test has its own GNUPGHOME,
//! and its gpg-agent is stopped at the end.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// The fixture key's fingerprint (`extra/pgp-test-secret-key.asc`).
const FIXTURE_FP: &str = "9BC7229D68DBF90AE1E7A2D7B3B1A685447B5C66";

/// A private GNUPGHOME; its agent is killed on drop.
struct Gpg {
    home: PathBuf,
}

impl Gpg {
    fn new(sandbox: &Sandbox) -> Option<Gpg> {
        tool("gpg")?;
        tool("gpgconf")?;
        let home = sandbox.path("gnupg");
        std::fs::create_dir_all(&home).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        Some(Gpg { home })
    }

    fn gpg(&self) -> Command {
        let mut cmd = Command::new("gpg");
        cmd.env("GNUPGHOME", &self.home).arg("--batch");
        cmd
    }

    fn import(&self, key: &Path) {
        ok(run(self.gpg().arg("--import").arg(key)));
    }

    /// A new passphrase-less key (ed25519 + cv25519); its fingerprint.
    fn generate(&self, uid: &str) -> String {
        ok(run(self.gpg().args([
            "--passphrase",
            "",
            "--quick-gen-key",
            uid,
            "future-default",
            "default",
            "never",
        ])));
        let listing = ok(run(self.gpg().args([
            "--with-colons",
            "--list-secret-keys",
            uid,
        ])));
        String::from_utf8(listing)
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("fpr:"))
            .and_then(|l| l.split(':').find(|f| f.len() == 40))
            .expect("a fingerprint")
            .to_string()
    }

    /// A command with this GNUPGHOME and no age key.
    fn with(&self, mut cmd: Command) -> Command {
        cmd.env("GNUPGHOME", &self.home)
            .env_remove("SOPS_AGE_KEY_FILE");
        cmd
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", &self.home)
            .args(["--kill", "gpg-agent"])
            .status();
    }
}

#[test]
fn the_sops_pgp_fixture_decrypts_with_its_key() {
    let sandbox = Sandbox::new();
    let Some(gpg) = Gpg::new(&sandbox) else {
        return;
    };
    let file = fixture("extra/pgp.enc.yaml");
    // Without the key: exit 128 and a hint about gpg.
    let err = fails_with(
        run(gpg.with(sandbox.secrets()).arg("decrypt").arg(&file)),
        128,
    );
    assert!(err.contains(&format!("pgp {FIXTURE_FP}")), "{err}");
    assert!(err.contains("GNUPGHOME"), "{err}");
    gpg.import(&fixture("extra/pgp-test-secret-key.asc"));
    let out = ok(run(gpg.with(sandbox.secrets()).arg("decrypt").arg(&file)));
    assert_eq!(out, read(fixture("extra/pgp.plain.yaml")));
}

#[test]
fn sops_and_secrets_read_each_others_pgp_files() {
    let sandbox = Sandbox::new();
    let Some(gpg) = Gpg::new(&sandbox) else {
        return;
    };
    let Some(_) = sandbox.sops() else { return };
    let fp = gpg.generate("Secrets Test <secrets-test@example.invalid>");
    let plain = sandbox.copy(&fixture("plain/example.yaml"), "app.yaml");

    let ours = ok(run(gpg
        .with(sandbox.secrets())
        .args(["encrypt", "--pgp", &fp])
        .arg(&plain)));
    let ours = sandbox.write("ours.yaml", ours);
    let text = String::from_utf8(read(&ours)).unwrap();
    // As sops writes it: after mac, enc armored without a final newline (|-), then fp.
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let pgp = lines.iter().position(|l| *l == "pgp:").expect("a pgp list");
    assert!(lines[pgp + 1].starts_with("- created_at: \""), "{text}");
    assert_eq!(lines[pgp + 2], "enc: |-", "{text}");
    assert_eq!(lines[pgp + 3], "-----BEGIN PGP MESSAGE-----");
    let end = lines
        .iter()
        .position(|l| *l == "-----END PGP MESSAGE-----")
        .unwrap();
    assert_eq!(lines[end + 1], format!("fp: {fp}"));
    assert!(lines.iter().position(|l| l.starts_with("mac: ")).unwrap() < pgp);
    let by_sops = ok(run(gpg
        .with(sandbox.sops().unwrap())
        .arg("decrypt")
        .arg(&ours)));
    assert_eq!(by_sops, read(fixture("dec-example.yaml")));
    let theirs = ok(run(gpg
        .with(sandbox.sops().unwrap())
        .args(["encrypt", "--pgp", &fp])
        .arg(&plain)));
    let theirs = sandbox.write("theirs.yaml", theirs);
    let by_us = ok(run(gpg.with(sandbox.secrets()).arg("decrypt").arg(&theirs)));
    assert_eq!(by_us, read(fixture("dec-example.yaml")));

    // A rule naming the fingerprint (with spaces, as gpg prints it), next to an age key:
    // the PGP key alone decrypts.
    let spaced: Vec<String> = fp
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    sandbox.write(
        ".sops.yaml",
        format!(
            "creation_rules:\n  - pgp: '{}'\n    age: {RECIPIENT}\n",
            spaced.join(" ")
        ),
    );
    let mixed = ok(run(gpg.with(sandbox.secrets()).arg("encrypt").arg(&plain)));
    let mixed = sandbox.write("mixed.yaml", mixed);
    // sops re-indents; secrets gives the plaintext back as it was.
    for (tool, expected) in [
        (sandbox.secrets(), read(&plain)),
        (sandbox.sops().unwrap(), read(fixture("dec-example.yaml"))),
    ] {
        let out = ok(run(gpg.with(tool).arg("decrypt").arg(&mixed)));
        assert_eq!(out, expected);
    }
}

#[test]
fn rotate_drops_a_pgp_key_and_keeps_the_age_one() {
    let sandbox = Sandbox::new();
    let Some(gpg) = Gpg::new(&sandbox) else {
        return;
    };
    gpg.import(&fixture("extra/pgp-test-secret-key.asc"));
    let plain = sandbox.copy(&fixture("plain/example.env"), "app.env");
    let enc = ok(run(gpg
        .with(sandbox.secrets())
        .args(["encrypt", "--pgp", FIXTURE_FP, "--age", RECIPIENT])
        .arg(&plain)));
    let enc = sandbox.write("app.enc.env", enc);
    ok(run(gpg
        .with(sandbox.secrets())
        .args(["rotate", "-i", "--input-type", "dotenv", "--rm-pgp"])
        .arg(FIXTURE_FP.to_lowercase())
        .arg(&enc)));
    let text = String::from_utf8(read(&enc)).unwrap();
    assert!(!text.contains("sops_pgp"), "{text}");
    fails_with(
        run(gpg
            .with(sandbox.secrets())
            .args(["decrypt", "--input-type", "dotenv"])
            .arg(&enc)),
        128,
    );
    let out = ok(run(gpg
        .with(sandbox.secrets_with_key())
        .env("SOPS_AGE_KEY_FILE", age_key())
        .args(["decrypt", "--input-type", "dotenv"])
        .arg(&enc)));
    assert_eq!(out, read(&plain));
}

#[test]
fn sops_gpg_exec_names_the_binary() {
    let sandbox = Sandbox::new();
    let Some(gpg) = Gpg::new(&sandbox) else {
        return;
    };
    gpg.import(&fixture("extra/pgp-test-secret-key.asc"));
    let log = sandbox.path("gpg.log");
    let wrapper = sandbox.write(
        "my-gpg",
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nexec gpg \"$@\"\n",
            log.display()
        ),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let plain = sandbox.copy(&fixture("plain/example.json"), "app.json");
    let enc = ok(run(gpg
        .with(sandbox.secrets())
        .env("SOPS_GPG_EXEC", &wrapper)
        .args(["encrypt", "--pgp", FIXTURE_FP])
        .arg(&plain)));
    let enc = sandbox.write("app.enc.json", enc);
    ok(run(gpg
        .with(sandbox.secrets())
        .env("SOPS_GPG_EXEC", &wrapper)
        .arg("decrypt")
        .arg(&enc)));
    let calls = String::from_utf8(read(&log)).unwrap();
    assert_eq!(
        calls,
        format!(
            "--no-default-recipient --yes --encrypt -a -r {FIXTURE_FP} --trusted-key B3B1A685447B5C66 --no-encrypt-to\n-d\n"
        )
    );
    let err = fails_with(
        run(gpg
            .with(sandbox.secrets())
            .env("SOPS_GPG_EXEC", sandbox.path("no-such-gpg"))
            .args(["encrypt", "--pgp", FIXTURE_FP])
            .arg(&plain)),
        128,
    );
    assert!(err.contains("install GnuPG or set SOPS_GPG_EXEC"), "{err}");
}

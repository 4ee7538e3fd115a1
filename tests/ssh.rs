//! SSH keys as age recipients and identities (`ssh-ed25519`, `ssh-rsa`), both ways with
//! `sops`; identities from `SOPS_AGE_SSH_PRIVATE_KEY_FILE` and `~/.ssh/id_ed25519`,
//! `~/.ssh/id_rsa`; plugins and unsupported key types refused clearly.

mod common;

use std::path::PathBuf;

use common::*;

/// An SSH key pair made by ssh-keygen: the private key's path and the public key line.
fn ssh_key(sandbox: &Sandbox, kind: &str, passphrase: &str) -> Option<(PathBuf, String)> {
    tool("ssh-keygen")?;
    let path = sandbox.path(&format!("keys/{kind}-{}", passphrase.len()));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut cmd = std::process::Command::new("ssh-keygen");
    cmd.args([
        "-q",
        "-t",
        kind,
        "-N",
        passphrase,
        "-C",
        "dev@example.invalid",
        "-f",
    ])
    .arg(&path);
    if kind == "rsa" {
        cmd.args(["-b", "3072"]);
    }
    ok(run(&mut cmd));
    let public = String::from_utf8(read(path.with_extension("pub")))
        .unwrap()
        .trim()
        .to_string();
    Some((path, public))
}

#[test]
fn ssh_recipients_work_both_ways_with_sops() {
    let sandbox = Sandbox::new();
    let Some((ed, ed_pub)) = ssh_key(&sandbox, "ed25519", "") else {
        return;
    };
    let Some((rsa, rsa_pub)) = ssh_key(&sandbox, "rsa", "") else {
        return;
    };
    let plain = sandbox.copy(&fixture("plain/example.yaml"), "app.yaml");
    let ours = ok(run(sandbox
        .secrets()
        .args(["encrypt", "--age", &format!("{ed_pub},{rsa_pub}")])
        .arg(&plain)));
    let ours = sandbox.write("ours.yaml", ours);
    let text = String::from_utf8(read(&ours)).unwrap();
    // The recipient is stored as given, comment included, as sops does.
    assert!(text.contains(&format!("- recipient: {ed_pub}\n")), "{text}");

    for key in [&ed, &rsa] {
        let out = ok(run(sandbox
            .secrets()
            .env("SOPS_AGE_SSH_PRIVATE_KEY_FILE", key)
            .arg("decrypt")
            .arg(&ours)));
        assert_eq!(out, read(&plain));
    }
    // The default locations, in the sandbox's HOME.
    for (key, name) in [(&ed, "id_ed25519"), (&rsa, "id_rsa")] {
        let home = sandbox.home();
        std::fs::create_dir_all(home.join(".ssh")).unwrap();
        std::fs::copy(key, home.join(".ssh").join(name)).unwrap();
        let out = ok(run(sandbox.secrets().arg("decrypt").arg(&ours)));
        assert_eq!(out, read(&plain));
        std::fs::remove_file(home.join(".ssh").join(name)).unwrap();
    }
    fails_with(run(sandbox.secrets().arg("decrypt").arg(&ours)), 128);

    let Some(_) = sandbox.sops() else { return };
    for key in [&ed, &rsa] {
        let out = ok(run(sandbox
            .sops()
            .unwrap()
            .env_remove("SOPS_AGE_KEY_FILE")
            .env("SOPS_AGE_SSH_PRIVATE_KEY_FILE", key)
            .arg("decrypt")
            .arg(&ours)));
        assert_eq!(out, read(fixture("dec-example.yaml")));
    }
    // A rule naming SSH keys; sops encrypts with it and we decrypt.
    sandbox.write(
        ".sops.yaml",
        format!("creation_rules:\n  - age:\n      - {ed_pub}\n      - {rsa_pub}\n"),
    );
    let theirs = ok(run(sandbox.sops().unwrap().args(["encrypt", "app.yaml"])));
    let theirs = sandbox.write("theirs.yaml", theirs);
    for key in [&ed, &rsa] {
        let out = ok(run(sandbox
            .secrets()
            .env("SOPS_AGE_SSH_PRIVATE_KEY_FILE", key)
            .arg("decrypt")
            .arg(&theirs)));
        assert_eq!(out, read(fixture("dec-example.yaml")));
    }
    let ours = ok(run(sandbox.secrets().args(["encrypt", "app.yaml"])));
    let ours = sandbox.write("ours-rule.yaml", ours);
    ok(run(sandbox
        .sops()
        .unwrap()
        .env_remove("SOPS_AGE_KEY_FILE")
        .env("SOPS_AGE_SSH_PRIVATE_KEY_FILE", &rsa)
        .arg("decrypt")
        .arg(&ours)));
}

#[test]
fn a_passphrase_protected_ssh_key_needs_a_terminal() {
    let sandbox = Sandbox::new();
    let Some((key, public)) = ssh_key(&sandbox, "ed25519", "correct horse") else {
        return;
    };
    let plain = sandbox.copy(&fixture("plain/example.json"), "app.json");
    let enc = ok(run(sandbox
        .secrets()
        .args(["encrypt", "--age", &public])
        .arg(&plain)));
    let enc = sandbox.write("app.enc.json", enc);
    let err = fails_with(
        run(sandbox
            .secrets()
            .env("SOPS_AGE_SSH_PRIVATE_KEY_FILE", &key)
            .arg("decrypt")
            .arg(&enc)),
        128,
    );
    assert!(
        err.contains("is passphrase-protected and there is no terminal to ask for it"),
        "{err}"
    );
}

#[test]
fn unusable_recipients_are_refused_with_the_reason() {
    let sandbox = Sandbox::new();
    let plain = sandbox.copy(&fixture("plain/example.json"), "app.json");
    let mut cases = vec![
        (
            "age1yubikey1qwt50d05nh5vutpdzmlg5wn80xq5negm4uj9ghv0snvdd3yysf5yw3rhl3t".to_string(),
            "Could not find 'age-plugin-yubikey' on the PATH".to_string(),
        ),
        (
            "age1pq1qqqq".to_string(),
            "age1pq1 post-quantum recipients".to_string(),
        ),
        (
            "ssh-ed25519 AAAAnotbase64".to_string(),
            "not a valid SSH public key".to_string(),
        ),
    ];
    if let Some((_, ecdsa)) = ssh_key(&sandbox, "ecdsa", "") {
        cases.push((
            ecdsa,
            "ecdsa-sha2-nistp256 SSH keys cannot be age recipients".into(),
        ));
    }
    for (recipient, reason) in cases {
        let err = fails_with(
            run(sandbox
                .secrets()
                .args(["encrypt", "--age", &recipient])
                .arg(&plain)),
            1,
        );
        assert!(
            err.contains(&format!("invalid age recipient \"{recipient}\""))
                && err.contains(&reason),
            "{recipient}: {err}"
        );
    }
}

#[test]
fn post_quantum_and_tag_recipients_wrap_the_data_key() {
    // age1tagpq1 (ML-KEM-768 + P-256) and age1tag1 (P-256) recipients, for hardware keys,
    // are native to the age crate: the file is written, and decrypting needs the hardware's
    // plugin. (The age1tagpq1 recipient is the age crate's public test vector.)
    let sandbox = Sandbox::new();
    let plain = sandbox.copy(&fixture("plain/example.json"), "app.json");
    let tag = "age1tag1qt8lw0ual6avlwmwatk888yqnmdamm7xfd0wak53ut6elz5c4swx2yqdj4e";
    let tagpq = String::from_utf8(read(data("keys/age1tagpq1-recipient.txt"))).unwrap();
    let tagpq = tagpq.trim();
    let enc = ok(run(sandbox
        .secrets()
        .args(["encrypt", "--age", &format!("{tag},{tagpq},{RECIPIENT}")])
        .arg(&plain)));
    let enc = sandbox.write("app.enc.json", enc);
    let text = String::from_utf8(read(&enc)).unwrap();
    assert!(text.contains(tag) && text.contains(tagpq));
    // The post-quantum stanza (mlkem768p256tag) makes its armored age file much larger.
    let md = secrets::format::FileFormat::Json
        .format()
        .parse(read(&enc))
        .unwrap()
        .metadata
        .take()
        .unwrap();
    let sizes: Vec<usize> = md.key_groups[0]
        .iter()
        .map(|k| k.get("enc").unwrap().len())
        .collect();
    assert!(sizes[1] > 2 * sizes[0], "{sizes:?}");
    let out = ok(run(sandbox.secrets_with_key().arg("decrypt").arg(&enc)));
    assert_eq!(out, read(&plain));
}

//! `--cipher xchacha20-poly1305`: files only secrets reads. Every format round-trips byte for
//! byte, every write says that sops cannot read the file (and the real sops indeed cannot),
//! changes keep the file's cipher and unchanged ciphertexts, and tampering fails as with
//! AES-GCM.

mod common;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use common::*;

const XCHACHA: &str = "ENC[XCHACHA20_POLY1305,data:";
const AES: &str = "ENC[AES256_GCM,";
const PLAIN: &str = "user: admin\npassword: hunter2\ntoken: abc123\nport_unencrypted: 5432\n";

/// `secrets encrypt --cipher xchacha20-poly1305` of `file` as `input_type`; the output and
/// standard error.
fn encrypt_xchacha(sandbox: &Sandbox, file: &Path, input_type: &str) -> (Vec<u8>, String) {
    let out = run(sandbox
        .secrets()
        .args([
            "encrypt",
            "--cipher",
            "xchacha20-poly1305",
            "--age",
            RECIPIENT,
        ])
        .args(["--input-type", input_type])
        .arg(file));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (ok(out), stderr)
}

/// The lines of standard error that warn about sops and the cipher.
fn cipher_warnings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("sops cannot decrypt"))
        .collect()
}

/// Asserts that `stderr` holds exactly the one warning that `name` is unreadable by sops.
#[track_caller]
fn assert_warned(stderr: &str, name: &str) {
    assert_eq!(
        cipher_warnings(stderr),
        [format!(
            "secrets: warning: {name} is encrypted with XCHACHA20_POLY1305, which sops cannot decrypt; if anyone reads this file with sops, encrypt it with the default cipher instead (--cipher aes256-gcm)"
        )],
        "{stderr}"
    );
}

/// Every `ENC[...]` token of `text` (values and the MAC).
fn tokens(text: &str) -> Vec<&str> {
    text.match_indices("ENC[")
        .map(|(i, _)| {
            let rest = &text[i..];
            &rest[..=rest.find(']').unwrap()]
        })
        .collect()
}

/// The decoded IV of an `ENC[...]` token.
fn iv_of(token: &str) -> Vec<u8> {
    let start = token.find(",iv:").unwrap() + 4;
    let end = token.find(",tag:").unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(&token[start..end])
        .unwrap()
}

/// Asserts that every token of `text` is an XChaCha20 one with a 24-byte nonce, and that
/// there are at least `at_least` of them (the MAC is one).
#[track_caller]
fn assert_all_xchacha(text: &str, at_least: usize) {
    let tokens = tokens(text);
    assert!(tokens.len() >= at_least, "{text}");
    for token in tokens {
        assert!(token.starts_with(XCHACHA), "{token}");
        assert_eq!(iv_of(token).len(), 24, "{token}");
    }
}

/// A YAML file encrypted with XChaCha20 in the sandbox.
fn xchacha_yaml(sandbox: &Sandbox) -> PathBuf {
    let plain = sandbox.write("plain.yaml", PLAIN);
    let (bytes, _) = encrypt_xchacha(sandbox, &plain, "yaml");
    sandbox.write("secrets.yaml", bytes)
}

/// The line of `key` in a YAML text.
fn line<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("no {key} in {text}"))
}

#[test]
fn every_format_round_trips_byte_for_byte() {
    let sandbox = Sandbox::new();
    let mut files: Vec<(PathBuf, &str)> = Vec::new();
    for kind in ["yaml", "json", "dotenv", "ini", "toml"] {
        files.extend(corpus(kind).into_iter().map(|f| (f, kind)));
    }
    // Binary: bytes that are no text at all, and a corpus file taken whole.
    let mut blob: Vec<u8> = (0..=255u8).collect();
    blob.extend_from_slice(b"\0\xff\xfe not UTF-8 \x80\n");
    files.push((sandbox.write("blob.bin", blob), "binary"));
    files.push((corpus("yaml")[0].clone(), "binary"));
    let mut formats_seen = std::collections::HashSet::new();
    for (file, kind) in &files {
        let (encrypted, stderr) = encrypt_xchacha(&sandbox, file, kind);
        let text = String::from_utf8(encrypted.clone()).unwrap();
        assert_all_xchacha(&text, 1);
        assert!(!text.contains(AES), "{}: {text}", name(file));
        assert_warned(&stderr, &file.display().to_string());
        let enc = sandbox.write("enc", &encrypted);
        assert_eq!(
            decrypt(&sandbox, &enc, kind),
            read(file),
            "{} ({kind})",
            name(file)
        );
        formats_seen.insert(*kind);
    }
    assert_eq!(formats_seen.len(), 6);
}

#[test]
fn the_real_sops_cannot_decrypt_an_xchacha_file() {
    let sandbox = Sandbox::new();
    let xchacha = xchacha_yaml(&sandbox);
    let Some(mut sops) = sandbox.sops() else {
        return;
    };
    let out = run(sops.args(["decrypt"]).arg(&xchacha));
    // sops fails on the first value, as on any it cannot parse (exit 25, as `secrets` on an
    // unknown cipher).
    let stderr = fails_with(out, 25);
    assert!(
        stderr.contains("does not match sops' data format"),
        "{stderr}"
    );
    // The same content with the default cipher is one sops reads: the cipher is the reason.
    let plain = sandbox.write("plain.yaml", PLAIN);
    let aes = sandbox.write("aes.yaml", encrypt(&sandbox, &plain));
    let out = run(sandbox.sops().unwrap().args(["decrypt"]).arg(&aes));
    assert_eq!(ok(out), PLAIN.as_bytes());
}

/// Runs `cmd`, which changes the value of `changed` in the YAML `file`: it warns, the file
/// stays XChaCha20, and the other values of `keys` keep their exact ciphertext.
fn assert_changes_only(cmd: &mut std::process::Command, file: &Path, keys: &[&str], changed: &str) {
    let before = String::from_utf8(read(file)).unwrap();
    let out = run(cmd);
    assert_warned(
        &String::from_utf8_lossy(&out.stderr),
        &file.display().to_string(),
    );
    ok(out);
    let after = String::from_utf8(read(file)).unwrap();
    assert_all_xchacha(&after, keys.len() + 1);
    for key in keys {
        match after.lines().find(|l| l.starts_with(&format!("{key}: "))) {
            Some(now) if *key == changed => assert_ne!(now, line(&before, key), "{key}"),
            Some(now) => assert_eq!(now, line(&before, key), "{key}"),
            None => assert_eq!(*key, changed, "{key} is gone"),
        }
    }
}

#[test]
fn set_unset_and_edit_keep_the_cipher_and_unchanged_ciphertexts() {
    let sandbox = Sandbox::new();
    let file = xchacha_yaml(&sandbox);
    let keys = ["user", "password", "token"];
    let mut set = sandbox.secrets_with_key();
    set.arg("set")
        .arg(&file)
        .args(["[\"password\"]", "\"correct horse\""]);
    assert_changes_only(&mut set, &file, &keys, "password");

    let editor = script(&sandbox, "ed.sh", "sed -i 's/abc123/def456/' \"$1\"");
    let mut edit = sandbox.secrets_with_key();
    edit.env("EDITOR", &editor)
        .env("XDG_RUNTIME_DIR", sandbox.home())
        .arg("edit")
        .arg(&file);
    assert_changes_only(&mut edit, &file, &keys, "token");

    let mut unset = sandbox.secrets_with_key();
    unset.arg("unset").arg(&file).arg("[\"token\"]");
    assert_changes_only(&mut unset, &file, &keys[..2], "token");
    assert_eq!(
        String::from_utf8(decrypt(&sandbox, &file, "yaml")).unwrap(),
        "user: admin\npassword: correct horse\nport_unencrypted: 5432\n"
    );
}

#[test]
fn encrypt_keeps_the_cipher_of_the_destination_and_changes_it_only_with_a_new_key() {
    let sandbox = Sandbox::new();
    let plain = sandbox.write("plain.yaml", PLAIN);
    let dest = sandbox.path("secrets.yaml");
    let encrypt_to = |cipher: Option<&str>| {
        let mut cmd = sandbox.secrets_with_key();
        cmd.args(["encrypt", "--age", RECIPIENT, "--output"])
            .arg(&dest);
        if let Some(cipher) = cipher {
            cmd.args(["--cipher", cipher]);
        }
        let out = run(cmd.arg(&plain));
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        ok(out);
        (String::from_utf8(read(&dest)).unwrap(), stderr)
    };
    let (first, stderr) = encrypt_to(Some("xchacha20-poly1305"));
    assert_all_xchacha(&first, 4);
    assert_warned(&stderr, &dest.display().to_string());
    // Without --cipher, the destination's data key and cipher are reused: nothing changes.
    let (second, stderr) = encrypt_to(None);
    assert!(stderr.contains("reusing the data key"), "{stderr}");
    assert_warned(&stderr, &dest.display().to_string());
    assert_eq!(second, first);
    // Another cipher takes a new data key, and the file has that cipher only.
    let (third, stderr) = encrypt_to(Some("aes256-gcm"));
    assert!(stderr.contains("the options given differ"), "{stderr}");
    assert!(cipher_warnings(&stderr).is_empty(), "{stderr}");
    assert!(!third.contains("XCHACHA20_POLY1305"), "{third}");
    assert!(tokens(&third).iter().all(|t| t.starts_with(AES)));
    assert_eq!(decrypt(&sandbox, &dest, "yaml"), PLAIN.as_bytes());
}

#[test]
fn edit_refuses_another_cipher_for_an_existing_file_and_creates_new_ones_with_it() {
    let sandbox = Sandbox::new();
    let file = xchacha_yaml(&sandbox);
    let before = read(&file);
    let err = fails_with(
        run(sandbox
            .secrets_with_key()
            .env("EDITOR", "true")
            .args(["edit", "--cipher", "aes256-gcm"])
            .arg(&file)),
        8,
    );
    assert!(
        err.contains("is encrypted with XCHACHA20_POLY1305"),
        "{err}"
    );
    assert_eq!(read(&file), before);

    let editor = script(&sandbox, "ed.sh", "echo 'api_key: s3cret' > \"$1\"");
    let new = sandbox.path("new.yaml");
    let out = run(sandbox
        .secrets_with_key()
        .env("EDITOR", &editor)
        .env("XDG_RUNTIME_DIR", sandbox.home())
        .args(["edit", "--age", RECIPIENT, "--cipher", "xchacha20-poly1305"])
        .arg(&new));
    assert_warned(
        &String::from_utf8_lossy(&out.stderr),
        &new.display().to_string(),
    );
    ok(out);
    assert_all_xchacha(&String::from_utf8(read(&new)).unwrap(), 2);
    assert_eq!(decrypt(&sandbox, &new, "yaml"), b"api_key: s3cret\n");
}

#[test]
fn rotate_keeps_the_cipher() {
    let sandbox = Sandbox::new();
    let file = xchacha_yaml(&sandbox);
    let before = String::from_utf8(read(&file)).unwrap();
    let out = run(sandbox.secrets_with_key().args(["rotate", "-i"]).arg(&file));
    assert_warned(
        &String::from_utf8_lossy(&out.stderr),
        &file.display().to_string(),
    );
    ok(out);
    let after = String::from_utf8(read(&file)).unwrap();
    assert_all_xchacha(&after, 4);
    assert_ne!(line(&after, "password"), line(&before, "password"));
    assert_eq!(decrypt(&sandbox, &file, "yaml"), PLAIN.as_bytes());
}

/// Flips one character of the data of the `password` value.
fn tamper(text: &str) -> String {
    let token = line(text, "password")["password: ".len()..].to_string();
    let at = token.find("data:").unwrap() + 5;
    let mut bytes = token.clone().into_bytes();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    text.replace(&token, &String::from_utf8(bytes).unwrap())
}

#[test]
fn a_tampered_xchacha_value_fails_as_an_aes_one_does() {
    let sandbox = Sandbox::new();
    let xchacha = String::from_utf8(read(xchacha_yaml(&sandbox))).unwrap();
    let plain = sandbox.write("plain.yaml", PLAIN);
    let aes = String::from_utf8(encrypt(&sandbox, &plain)).unwrap();
    let mut codes = Vec::new();
    for text in [aes, xchacha] {
        let file = sandbox.write("tampered.yaml", tamper(&text));
        let out = run(sandbox.secrets_with_key().arg("decrypt").arg(&file));
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.stdout.is_empty());
        assert!(stderr.contains("[\"password\"]"), "{stderr}");
        assert!(stderr.contains("authentication failed"), "{stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
        codes.push(out.status.code());
    }
    assert_eq!(codes, [Some(25), Some(25)]);
}

#[test]
fn a_value_of_an_unknown_cipher_is_named_in_the_error() {
    let sandbox = Sandbox::new();
    let text = String::from_utf8(read(xchacha_yaml(&sandbox))).unwrap();
    let file = sandbox.write(
        "unknown.yaml",
        text.replacen(
            "token: ENC[XCHACHA20_POLY1305,",
            "token: ENC[AES128_SIV,",
            1,
        ),
    );
    let err = fails_with(
        run(sandbox.secrets_with_key().arg("decrypt").arg(&file)),
        25,
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.trim_end().ends_with(": the value at [\"token\"] is encrypted with AES128_SIV, a cipher secrets does not know (it knows AES256_GCM and XCHACHA20_POLY1305); decrypt the file with the tool that wrote it"),
        "{err}"
    );
}

#[test]
fn the_default_cipher_is_aes_and_says_nothing_about_sops() {
    let sandbox = Sandbox::new();
    let plain = sandbox.write("plain.yaml", PLAIN);
    let out = run(sandbox
        .secrets()
        .args(["encrypt", "--age", RECIPIENT])
        .arg(&plain));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let text = String::from_utf8(ok(out)).unwrap();
    assert!(cipher_warnings(&stderr).is_empty(), "{stderr}");
    let tokens = tokens(&text);
    assert_eq!(tokens.len(), 4, "{text}");
    for token in tokens {
        assert!(token.starts_with(AES), "{token}");
        assert_eq!(iv_of(token).len(), 32, "{token}");
    }
    let err = fails_with(
        run(sandbox
            .secrets()
            .args(["encrypt", "--age", RECIPIENT, "--cipher", "des"])
            .arg(&plain)),
        1,
    );
    assert!(err.contains("xchacha20-poly1305"), "{err}");
}

//! Tampered files are refused with their sops exit code, a clear message, and no output.

mod common;

use common::*;

const PLAIN: &str = "user: admin\npassword: hunter2\ntoken: abc123\nport_unencrypted: 5432\n";

fn encrypted(sandbox: &Sandbox) -> String {
    let plain = sandbox.write("plain.yaml", PLAIN);
    String::from_utf8(encrypt(sandbox, &plain)).unwrap()
}

/// The ENC token on the line of `key`.
fn token(text: &str, key: &str) -> String {
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("{key}: ")))
        .unwrap();
    line[key.len() + 2..].to_string()
}

/// Decrypting `text` fails with `code`; neither `--output` nor `-i` writes anything.
fn refused(sandbox: &Sandbox, text: &str, code: i32) -> String {
    let file = sandbox.write("tampered.yaml", text);
    let out = sandbox.path("out.yaml");
    let err = fails_with(
        run(sandbox
            .secrets_with_key()
            .args(["decrypt", "--output"])
            .arg(&out)
            .arg(&file)),
        code,
    );
    assert!(!out.exists(), "an output file was written");
    fails_with(
        run(sandbox
            .secrets_with_key()
            .args(["decrypt", "-i"])
            .arg(&file)),
        code,
    );
    assert_eq!(read(&file), text.as_bytes(), "the input was changed");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(!err.contains("hunter2"));
    err
}

#[test]
fn changed_ciphertext_is_refused() {
    let sandbox = Sandbox::new();
    let text = encrypted(&sandbox);
    let tok = token(&text, "password");
    let data_start = tok.find("data:").unwrap() + 5;
    let mut bytes = tok.clone().into_bytes();
    bytes[data_start] = if bytes[data_start] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let tampered = text.replace(&tok, &String::from_utf8(bytes).unwrap());
    let err = refused(&sandbox, &tampered, 25);
    assert!(err.contains("[\"password\"]"), "{err}");
}

#[test]
fn swapped_values_are_refused() {
    let sandbox = Sandbox::new();
    let text = encrypted(&sandbox);
    let (a, b) = (token(&text, "password"), token(&text, "token"));
    let tampered = text
        .replace(&format!("password: {a}"), "password: SWAP")
        .replace(&format!("token: {b}"), &format!("token: {a}"))
        .replace("password: SWAP", &format!("password: {b}"));
    let err = refused(&sandbox, &tampered, 25);
    assert!(err.contains("authentication failed"), "{err}");
}

#[test]
fn changed_mac_is_refused() {
    let sandbox = Sandbox::new();
    let text = encrypted(&sandbox);
    let mac = text
        .lines()
        .find(|l| l.trim_start().starts_with("mac: "))
        .unwrap();
    let tampered = text.replace(mac, &mac.replacen("data:", "data:AAAA", 1));
    let err = refused(&sandbox, &tampered, 51);
    assert!(err.contains("MAC"), "{err}");
    // A plaintext value covered by the MAC, changed by hand.
    let tampered = text.replace("port_unencrypted: 5432", "port_unencrypted: 5433");
    let err = refused(&sandbox, &tampered, 51);
    assert!(err.contains("MAC mismatch"), "{err}");
    // --ignore-mac accepts it.
    let file = sandbox.write("ignored.yaml", &tampered);
    let out = ok(run(sandbox
        .secrets_with_key()
        .args(["decrypt", "--ignore-mac"])
        .arg(&file)));
    assert!(String::from_utf8(out).unwrap().contains("5433"));
}

#[test]
fn wrong_key_is_refused() {
    let sandbox = Sandbox::new();
    let text = encrypted(&sandbox);
    let file = sandbox.write("e.yaml", &text);
    let other = sandbox.path("other.txt");
    ok(run(sandbox.secrets().args(["keygen", "-o"]).arg(&other)));
    let err = fails_with(
        run(sandbox
            .secrets()
            .env("SOPS_AGE_KEY_FILE", &other)
            .arg("decrypt")
            .arg(&file)),
        128,
    );
    assert!(err.contains("no matching identity"), "{err}");
}

#[test]
fn plaintext_where_a_ciphertext_belongs_is_refused() {
    let sandbox = Sandbox::new();
    let text = encrypted(&sandbox);
    let tampered = text.replace(&token(&text, "password"), "hunter3");
    let err = refused(&sandbox, &tampered, 25);
    assert!(err.contains("edited by hand"), "{err}");
}

/// Replaces the first `from` on the line of `key` (a top-level key) with `to`.
fn on_line(text: &str, key: &str, from: &str, to: &str) -> String {
    text.lines()
        .map(|l| {
            if l.starts_with(&format!("{key}: ")) {
                l.replacen(from, to, 1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn a_truncated_tag_or_a_changed_iv_is_refused() {
    let sandbox = Sandbox::new();
    let text = encrypted(&sandbox);
    let tag = token(&text, "password");
    let tag = &tag[tag.find("tag:").unwrap() + 4..tag.find(",type:").unwrap()];
    let truncated = on_line(&text, "password", tag, &tag[..10]);
    let err = refused(&sandbox, &truncated, 25);
    assert!(err.contains("[\"password\"]"), "{err}");
    let iv = token(&text, "password");
    let iv = &iv[iv.find("iv:").unwrap() + 3..iv.find(",tag:").unwrap()];
    let other = format!(
        "{}{}",
        if iv.starts_with('A') { "B" } else { "A" },
        &iv[1..]
    );
    let err = refused(&sandbox, &on_line(&text, "password", iv, &other), 25);
    assert!(err.contains("authentication failed"), "{err}");
}

#[test]
fn a_renamed_encrypted_key_is_refused() {
    // The value's path is its AAD: under another name it no longer authenticates.
    let sandbox = Sandbox::new();
    let text = encrypted(&sandbox);
    let err = refused(&sandbox, &text.replace("\npassword: ", "\npasswd: "), 25);
    assert!(
        err.contains("[\"passwd\"]") && err.contains("authentication failed"),
        "{err}"
    );
}

#[test]
fn deleted_and_moved_values_are_refused() {
    let sandbox = Sandbox::new();
    let plain = sandbox.write("l.yaml", "hosts:\n  - alpha\n  - beta\nuser: admin\n");
    let text = String::from_utf8(encrypt(&sandbox, &plain)).unwrap();
    let items: Vec<&str> = text.lines().filter(|l| l.starts_with("  - ENC")).collect();
    // List items share their path (`hosts:`), so a swap decrypts; the MAC catches the order.
    let swapped = text
        .replace(items[0], "SWAP")
        .replace(items[1], items[0])
        .replace("SWAP", items[1]);
    let err = refused(&sandbox, &swapped, 51);
    assert!(err.contains("MAC mismatch"), "{err}");
    let deleted: String = text
        .lines()
        .filter(|l| !l.starts_with("user: "))
        .map(|l| format!("{l}\n"))
        .collect();
    let err = refused(&sandbox, &deleted, 51);
    assert!(err.contains("MAC mismatch"), "{err}");
}

#[test]
fn a_removed_recipient_leaves_the_others_able_to_decrypt() {
    // Metadata is not authenticated (SECURITY.md): a removed key entry is not detected, but
    // whoever held only that key can no longer decrypt.
    let sandbox = Sandbox::new();
    let plain = sandbox.write("plain.yaml", PLAIN);
    let both = format!("{RECIPIENT},{}", RECIPIENTS_2_TO_4[0]);
    let text = String::from_utf8(ok(run(sandbox
        .secrets()
        .args(["encrypt", "--age", &both])
        .arg(&plain))))
    .unwrap();
    let start = text.find(&format!("- recipient: {RECIPIENT}")).unwrap();
    let end = start + text[start..].find("END AGE ENCRYPTED FILE-----\n").unwrap() + 28;
    let line_start = text[..start].rfind('\n').unwrap() + 1;
    let removed = format!("{}{}", &text[..line_start], &text[end..]);
    let err = refused(&sandbox, &removed, 128);
    assert!(err.contains("data key"), "{err}");
    let file = sandbox.write("removed.yaml", &removed);
    let out = ok(run(sandbox
        .secrets()
        .env("SOPS_AGE_KEY_FILE", fixture_key(2))
        .arg("decrypt")
        .arg(&file)));
    assert_eq!(out, PLAIN.as_bytes());
}

#[test]
fn metadata_changes_the_format_cannot_detect_are_accepted() {
    // Each is listed in SECURITY.md as a limit of the SOPS format, and sops accepts it too.
    let sandbox = Sandbox::new();
    let text = encrypted(&sandbox);
    let cases = [
        text.replace("version: 3.11.0", "version: 3.0.0"),
        text.replace("\nsops:\n", "\nsops:\n    unknown_field: kept\n"),
        text.replace("port_unencrypted: 5432", "renamed_unencrypted: 5432"),
    ];
    for tampered in cases {
        let file = sandbox.write("meta.yaml", &tampered);
        let out = ok(run(sandbox.secrets_with_key().arg("decrypt").arg(&file)));
        assert!(String::from_utf8(out).unwrap().contains("hunter2"));
    }
}

#[test]
fn a_gigabyte_line_is_refused_before_it_is_read() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("huge.yaml", "key: ");
    // Sparse: a 1 GiB file without the disk space.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    for args in [&["decrypt"][..], &["encrypt", "--age", RECIPIENT][..]] {
        let err = fails_with(run(sandbox.secrets_with_key().args(args).arg(&file)), 2);
        assert!(err.contains("larger than 512 MiB"), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}

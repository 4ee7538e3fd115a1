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

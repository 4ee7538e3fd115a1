//! Every exit code of sops's table that `secrets` uses, each from a real failure, with one
//! clear line on standard error and no panic.

mod common;

use std::process::Command;

use common::*;

/// A sandbox with the files the cases use.
fn setup() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write("plain.yaml", "password: hunter2\nnested:\n  key: value\n");
    sandbox.write("broken.yaml", "a: [\n");
    sandbox.write("empty.yaml", "");
    sandbox.write("intkey.yaml", "1: x\n");
    // Plaintexts using the name SOPS keeps its metadata under. The INI one, reduced from a
    // fuzz finding, was encrypted without its content and decrypted to nothing.
    sandbox.write("sops-entry.yaml", "a: 1\nsops: hello\n");
    sandbox.write("sops-section.ini", "[sops]\nkey = value\n");
    sandbox.write("empty-sops-section.ini", "[app]\nkey = value\n[sops]\n");
    let enc = encrypt(&sandbox, &sandbox.path("plain.yaml"));
    let text = String::from_utf8(enc).unwrap();
    sandbox.write("enc.yaml", &text);
    let value = text.lines().next().unwrap();
    let mut tampered = value.as_bytes().to_vec();
    let at = value.find("data:").unwrap() + 5;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    sandbox.write(
        "tampered.yaml",
        text.replacen(value, std::str::from_utf8(&tampered).unwrap(), 1),
    );
    let mac = text.lines().find(|l| l.contains("mac: ENC")).unwrap();
    sandbox.write(
        "badmac.yaml",
        text.replace(mac, &mac.replacen("data:", "data:AAAA", 1)),
    );
    sandbox
}

type Case = (i32, &'static str, fn(&Sandbox) -> Command);

const CASES: &[Case] = &[
    (1, "not encrypted", |s| decrypt_cmd(s, &["plain.yaml"])),
    (2, "syntax error", |s| encrypt_cmd(s, &["broken.yaml"])),
    (3, "cannot write", |s| {
        decrypt_cmd(s, &["--output", "no/such/dir/out.yaml", "enc.yaml"])
    }),
    (4, "dotenv", |s| {
        decrypt_cmd(s, &["--output-type", "dotenv", "enc.yaml"])
    }),
    (8, "cannot be used together", |s| {
        decrypt_cmd(s, &["-i", "--output", "x.yaml", "enc.yaml"])
    }),
    (23, "string keys", |s| encrypt_cmd(s, &["intkey.yaml"])),
    (25, "authentication failed", |s| {
        decrypt_cmd(s, &["tampered.yaml"])
    }),
    (51, "MAC", |s| decrypt_cmd(s, &["badmac.yaml"])),
    (91, "path", |s| {
        decrypt_cmd(s, &["--extract", "password", "enc.yaml"])
    }),
    (92, "no document", |s| encrypt_cmd(s, &["empty.yaml"])),
    (100, "does not exist", |s| decrypt_cmd(s, &["missing.yaml"])),
    (112, "twice", |s| {
        decrypt_cmd(s, &["--decryption-order", "age,age", "enc.yaml"])
    }),
    (128, "data key", |s| {
        let mut cmd = s.secrets();
        cmd.arg("decrypt").arg("enc.yaml");
        cmd
    }),
    (203, "already encrypted", |s| encrypt_cmd(s, &["enc.yaml"])),
    (203, "rename the entry", |s| {
        encrypt_cmd(s, &["sops-entry.yaml"])
    }),
    (203, "rename the entry", |s| {
        encrypt_cmd(s, &["sops-section.ini"])
    }),
    (203, "rename the entry", |s| {
        encrypt_cmd(s, &["empty-sops-section.ini"])
    }),
];

fn decrypt_cmd(sandbox: &Sandbox, args: &[&str]) -> Command {
    let mut cmd = sandbox.secrets_with_key();
    cmd.arg("decrypt").args(args);
    cmd
}

fn encrypt_cmd(sandbox: &Sandbox, args: &[&str]) -> Command {
    let mut cmd = sandbox.secrets();
    cmd.args(["encrypt", "--age", RECIPIENT]).args(args);
    cmd
}

#[test]
fn every_exit_code_comes_with_one_clear_line() {
    let sandbox = setup();
    for (code, says, command) in CASES {
        let err = fails_with(run(&mut command(&sandbox)), *code);
        assert!(err.contains(says), "exit {code}: {err}");
        assert!(err.starts_with("secrets: "), "exit {code}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "exit {code}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("hunter2"),
            "{err}"
        );
    }
}

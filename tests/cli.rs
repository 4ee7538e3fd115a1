//! Command-line behaviour of the built binary: keygen, encrypt, decrypt, filestatus, errors
//! and exit codes.

mod common;

use common::*;

#[test]
fn keygen_appends_to_the_sops_key_file_and_prints_the_recipient() {
    let sandbox = Sandbox::new();
    let first = String::from_utf8(ok(run(sandbox.secrets().arg("keygen")))).unwrap();
    let first = first.trim();
    assert!(first.starts_with("age1"), "{first}");
    let key_file = sandbox.home().join(".config/sops/age/keys.txt");
    let text = String::from_utf8(read(&key_file)).unwrap();
    assert!(text.contains(&format!("# public key: {first}")));
    assert_eq!(text.matches("AGE-SECRET-KEY-1").count(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // A second key is appended, the first kept.
    let second = String::from_utf8(ok(run(sandbox.secrets().arg("keygen")))).unwrap();
    let text = String::from_utf8(read(&key_file)).unwrap();
    assert_eq!(text.matches("AGE-SECRET-KEY-1").count(), 2);
    assert!(text.contains(first) && text.contains(second.trim()));

    // The key decrypts what is encrypted for its recipient (found in the default location).
    let plain = sandbox.write("s.yaml", "token: abc\n");
    let enc = ok(run(sandbox
        .secrets()
        .args(["encrypt", "--age", first])
        .arg(&plain)));
    let enc = sandbox.write("s.enc.yaml", enc);
    assert_eq!(
        ok(run(sandbox.secrets().arg("decrypt").arg(&enc))),
        b"token: abc\n"
    );
}

#[test]
fn keygen_to_a_chosen_file() {
    let sandbox = Sandbox::new();
    let out = sandbox.path("keys/mine.txt");
    let recipient = ok(run(sandbox.secrets().args(["keygen", "-o"]).arg(&out)));
    assert!(String::from_utf8(read(&out))
        .unwrap()
        .contains(String::from_utf8(recipient).unwrap().trim()));
}

#[test]
fn encrypt_and_decrypt_in_place_and_to_a_file() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("app.env", "USER=admin\nPASSWORD=hunter2\n");
    ok(run(sandbox
        .secrets()
        .args(["encrypt", "-i", "--age", RECIPIENT])
        .arg(&file)));
    let encrypted = String::from_utf8(read(&file)).unwrap();
    assert!(!encrypted.contains("hunter2") && encrypted.contains("sops_mac="));
    let out = sandbox.path("plain.env");
    ok(run(sandbox
        .secrets_with_key()
        .args(["decrypt", "--output"])
        .arg(&out)
        .arg(&file)));
    assert_eq!(read(&out), b"USER=admin\nPASSWORD=hunter2\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "decrypted files are private");
    }
    ok(run(sandbox
        .secrets_with_key()
        .args(["decrypt", "-i"])
        .arg(&file)));
    assert_eq!(read(&file), b"USER=admin\nPASSWORD=hunter2\n");
}

#[test]
fn recipients_from_the_environment_and_stdin() {
    let sandbox = Sandbox::new();
    let enc = run_with_input(
        sandbox
            .secrets()
            .env("SOPS_AGE_RECIPIENTS", RECIPIENT)
            .args(["encrypt", "--input-type", "json", "-"]),
        b"{\"a\": \"b\"}\n",
    );
    let enc = ok(enc);
    let dec = run_with_input(
        sandbox
            .secrets_with_key()
            .args(["decrypt", "--input-type", "json", "/dev/stdin"]),
        &enc,
    );
    assert_eq!(ok(dec), b"{\"a\": \"b\"}\n");
    // Standard input needs a type.
    let out = run_with_input(
        sandbox.secrets().args(["encrypt", "--age", RECIPIENT]),
        b"a: 1\n",
    );
    assert!(fails_with(out, 8).contains("--input-type"));
}

#[test]
fn extract_values_and_subtrees() {
    let sandbox = Sandbox::new();
    let file = sandbox.write(
        "c.yaml",
        "db:\n  password: s3cret\n  port: 5432\nhosts:\n  - a.example\n  - b.example\n",
    );
    let enc = sandbox.write("c.enc.yaml", encrypt(&sandbox, &file));
    let extract = |path: &str| {
        run(sandbox
            .secrets_with_key()
            .args(["decrypt", "--extract", path])
            .arg(&enc))
    };
    assert_eq!(ok(extract(r#"["db"]["password"]"#)), b"s3cret");
    assert_eq!(ok(extract(r#"["db"]["port"]"#)), b"5432\n");
    assert_eq!(ok(extract(r#"["hosts"][1]"#)), b"b.example");
    assert_eq!(ok(extract(r#"["db"]"#)), b"password: s3cret\nport: 5432\n");
    assert!(fails_with(extract(r#"["nope"]"#), 1).contains("not in the file"));
    fails_with(extract("db.password"), 91);
}

#[test]
fn output_type_converts() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("c.yaml", "a: 1\nb: [x, y]\nc: true\n");
    let enc = sandbox.write("c.enc.yaml", encrypt(&sandbox, &file));
    let json = ok(run(sandbox
        .secrets_with_key()
        .args(["decrypt", "--output-type", "json"])
        .arg(&enc)));
    assert_eq!(
        String::from_utf8(json).unwrap(),
        "{\n\t\"a\": 1,\n\t\"b\": [\n\t\t\"x\",\n\t\t\"y\"\n\t],\n\t\"c\": true\n}\n"
    );
}

#[test]
fn filestatus_reports_like_sops() {
    let sandbox = Sandbox::new();
    let plain = sandbox.write("p.yaml", "a: 1\n");
    let enc = sandbox.write("e.yaml", encrypt(&sandbox, &plain));
    assert_eq!(
        ok(run(sandbox.secrets().arg("filestatus").arg(&plain))),
        b"{\"encrypted\":false}\n"
    );
    assert_eq!(
        ok(run(sandbox.secrets().arg("filestatus").arg(&enc))),
        b"{\"encrypted\":true}\n"
    );
}

#[test]
fn crypt_rules_select_values() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("r.yaml", "password: a\nuser: b\nnote_unencrypted: c\n");
    let enc = String::from_utf8(ok(run(sandbox
        .secrets()
        .args(["encrypt", "--age", RECIPIENT, "--encrypted-regex", "^pass"])
        .arg(&file))))
    .unwrap();
    assert!(enc.contains("user: b\n") && enc.contains("note_unencrypted: c\n"));
    assert!(!enc.contains("password: a\n"));
    assert!(enc.contains("encrypted_regex: ^pass"));
    let default = String::from_utf8(encrypt(&sandbox, &file)).unwrap();
    assert!(default.contains("note_unencrypted: c\n") && !default.contains("user: b\n"));
    let out = run(sandbox
        .secrets()
        .args([
            "encrypt",
            "--age",
            RECIPIENT,
            "--encrypted-regex",
            "a",
            "--unencrypted-suffix",
            "_x",
        ])
        .arg(&file));
    fails_with(out, 8);
    let out = run(sandbox
        .secrets()
        .args(["encrypt", "--age", RECIPIENT, "--encrypted-regex", "("])
        .arg(&file));
    assert!(fails_with(out, 1).contains("invalid encrypted_regex"));
}

#[test]
fn errors_have_sops_exit_codes_and_one_line_messages() {
    let sandbox = Sandbox::new();
    let missing = sandbox.path("missing.yaml");
    let err = fails_with(run(sandbox.secrets().args(["decrypt"]).arg(&missing)), 100);
    assert!(err.contains("does not exist"));
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");

    let broken = sandbox.write("broken.yaml", "a: [1, 2\nb: 3\n");
    let err = fails_with(
        run(sandbox
            .secrets()
            .args(["encrypt", "--age", RECIPIENT])
            .arg(&broken)),
        2,
    );
    assert!(err.contains("line") && err.contains("column"), "{err}");

    let broken = sandbox.write("broken.json", "{\"a\": }");
    let err = fails_with(
        run(sandbox
            .secrets()
            .args(["encrypt", "--age", RECIPIENT])
            .arg(&broken)),
        2,
    );
    assert!(err.contains("line 1, column 7"), "{err}");

    let plain = sandbox.write("p.yaml", "a: 1\n");
    let err = fails_with(run(sandbox.secrets().args(["decrypt"]).arg(&plain)), 1);
    assert!(err.contains("sops metadata not found"), "{err}");

    let err = fails_with(run(sandbox.secrets().args(["encrypt"]).arg(&plain)), 1);
    assert!(err.contains("--age"), "{err}");

    let enc = sandbox.write("e.yaml", encrypt(&sandbox, &plain));
    let err = fails_with(
        run(sandbox
            .secrets()
            .args(["encrypt", "--age", RECIPIENT])
            .arg(&enc)),
        203,
    );
    assert!(err.contains("already encrypted"), "{err}");

    let err = fails_with(
        run(sandbox
            .secrets()
            .args(["decrypt", "-i", "--output", "x"])
            .arg(&enc)),
        8,
    );
    assert!(err.contains("--in-place"), "{err}");

    let err = fails_with(
        run(sandbox
            .secrets()
            .args(["encrypt", "--age", "age1bad"])
            .arg(&plain)),
        1,
    );
    assert!(err.contains("age1bad"), "{err}");

    // A name of no known format is a binary file, as sops reads it.
    let unknown = sandbox.write("x.txt", "a");
    let out = ok(run(sandbox
        .secrets()
        .args(["encrypt", "--age", RECIPIENT])
        .arg(&unknown)));
    assert!(out.starts_with(b"{\n\t\"data\": \"ENC["));

    fails_with(
        run(sandbox
            .secrets()
            .args(["decrypt", "--decryption-order", "age,age"])
            .arg(&enc)),
        112, // as sops 3.11: "Duplicate decryption key type"
    );
}

#[test]
fn no_key_fails_with_128_and_writes_nothing() {
    let sandbox = Sandbox::new();
    let plain = sandbox.write("p.yaml", "a: 1\n");
    let enc = sandbox.write("e.yaml", encrypt(&sandbox, &plain));
    let before = read(&enc);
    let out = sandbox.path("out.yaml");
    let err = fails_with(
        run(sandbox
            .secrets()
            .args(["decrypt", "--output"])
            .arg(&out)
            .arg(&enc)),
        128,
    );
    assert!(
        err.contains(RECIPIENT) && err.contains("SOPS_AGE_KEY_FILE"),
        "{err}"
    );
    assert!(!out.exists());
    fails_with(
        run(sandbox.secrets().args(["decrypt", "-i"]).arg(&enc)),
        128,
    );
    assert_eq!(read(&enc), before);
    let leftovers: Vec<_> = std::fs::read_dir(sandbox.path(""))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn help_reads_well() {
    let sandbox = Sandbox::new();
    let help = String::from_utf8(ok(run(sandbox.secrets().arg("--help")))).unwrap();
    for cmd in ["encrypt", "decrypt", "filestatus", "keygen"] {
        assert!(help.contains(cmd), "{cmd} missing from --help");
    }
    let help = String::from_utf8(ok(run(sandbox.secrets().args(["encrypt", "--help"])))).unwrap();
    assert!(help.contains("--encrypted-regex") && help.contains("SOPS_AGE_RECIPIENTS"));
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::process::Stdio;
    let sandbox = Sandbox::new();
    // Far more than a pipe holds, so the write fails once the reader is gone.
    let big: String = (0..20_000)
        .map(|i| format!("key{i}: value {i}\n"))
        .collect();
    let plain = sandbox.write("big.yaml", big);
    let enc = sandbox.write("big.enc.yaml", encrypt(&sandbox, &plain));
    let mut child = sandbox
        .secrets_with_key()
        .arg("decrypt")
        .arg(&enc)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

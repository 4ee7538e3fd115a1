//! INI, TOML, binary and multi-document YAML: lossless round trips on the corpus, interop
//! with the real `sops` both ways, type detection, and errors for input of the wrong type.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use secrets::format::FileFormat;
use secrets::path::{self, PathSeg};
use secrets::plain::{self, Plain, Stored};
use secrets::tree::LeafKind;

/// Every corpus file of every kind.
fn whole_corpus() -> Vec<PathBuf> {
    ["yaml", "json", "dotenv", "ini", "toml"]
        .iter()
        .flat_map(|k| corpus(k))
        .collect()
}

/// Multi-document YAML files of the corpus and the fixtures.
fn multidoc() -> Vec<PathBuf> {
    vec![
        data("corpus/yaml/k8s-metrics-server-rbac-multidoc.yaml"),
        fixture("extra/multidoc.plain.yaml"),
    ]
}

/// Asserts that every value and comment of an encrypted file is an `ENC[...]` (nothing
/// left in plaintext but what the default rule keeps: keys ending in `_unencrypted`), and
/// that there was something to encrypt.
#[track_caller]
fn all_encrypted(format: FileFormat, encrypted: &[u8], what: &str) {
    let doc = format.format().parse(encrypted.to_vec()).unwrap();
    assert!(doc.metadata.is_some(), "{what}: no metadata");
    let mut sealed = 0;
    let mut plain = Vec::new();
    doc.walk(|v| {
        let kept = v
            .path
            .iter()
            .any(|seg| matches!(seg, PathSeg::Key(k) if k.ends_with("_unencrypted")));
        let text: &[u8] = match &doc.leaves[v.leaf].kind {
            LeafKind::Value(v) | LeafKind::Shadowed(v) => v.as_bytes().unwrap_or(b"not a string"),
            LeafKind::Comment(c) => c,
            LeafKind::Alias(_) => return,
        };
        if kept || text.is_empty() {
            return;
        }
        if text.starts_with(b"ENC[AES256_GCM,") {
            sealed += 1;
        } else {
            plain.push(path::Display(v.path).to_string());
        }
    });
    assert!(plain.is_empty(), "{what}: left in plaintext: {plain:?}");
    assert!(sealed > 0, "{what}: nothing encrypted");
}

/// Runs the real `sops` (checked to be there) with `args`, then `file`.
fn sops_with(sandbox: &Sandbox, args: &[&str], file: &Path) -> std::process::Output {
    run(sandbox
        .sops()
        .expect("sops is installed")
        .args(args)
        .arg(file))
}

/// `secrets encrypt` of a file as binary.
fn encrypt_binary(sandbox: &Sandbox, file: &Path) -> Vec<u8> {
    ok(run(sandbox
        .secrets()
        .args(["encrypt", "--input-type", "binary", "--age", RECIPIENT])
        .arg(file)))
}

fn format_of(file: &Path) -> FileFormat {
    FileFormat::from_name(type_of(file)).unwrap()
}

#[test]
fn ini_toml_binary_and_multidoc_files_round_trip_byte_for_byte() {
    let sandbox = Sandbox::new();
    let mut counts = [0usize; 4];
    let structured = corpus("ini").into_iter().chain(corpus("toml"));
    let extra_ini = [
        fixture("plain/example.ini"),
        fixture("extra/ini-edge.plain.ini"),
        // Read as configparser reads it; once encrypted, go-ini could read it otherwise.
        sandbox.write(
            "continued.ini",
            "[a]\nk_unencrypted =\n    x=1\nother =\n    plain line\n",
        ),
        // Found by fuzzing: a comment closing the last section, just before `[sops]`.
        data("fuzz/ini-comment-before-metadata.ini"),
        // Found by fuzzing: a comment line at column 0 inside a continued value.
        data("fuzz/ini-comment-in-continuation.ini"),
        // Found by fuzzing: a backtick opening a value of a file read as configparser does.
        data("fuzz/ini-quote-across-lines.ini"),
        // Found by fuzzing: a comment on a section header line.
        data("fuzz/ini-comment-on-header.ini"),
        // Reduced from a fuzz finding: a backslash ending a value of a file read as configparser
        // reads it.
        data("fuzz/ini-backslash-across-lines.ini"),
        // Reduced from a fuzz finding: the file's only `\r\n` inside an encrypted value.
        data("fuzz/ini-crlf-inside-a-value.ini"),
        // Reduced from a fuzz finding: a plaintext `_unencrypted` value go-ini cannot read.
        data("fuzz/ini-plaintext-value-go-ini-cannot-read.ini"),
        // Reduced from a fuzz finding: a comment after a multi-line value's closing quote.
        data("fuzz/ini-comment-after-multi-line-quote.ini"),
    ];
    for file in structured.chain(extra_ini).chain(multidoc()) {
        let encrypted = encrypt(&sandbox, &file);
        all_encrypted(format_of(&file), &encrypted, name(&file));
        let enc = sandbox.write("enc", &encrypted);
        assert!(
            decrypt(&sandbox, &enc, type_of(&file)) == read(&file),
            "{}: decrypt(encrypt(f)) differs from f",
            name(&file)
        );
        counts[match type_of(&file) {
            "ini" => 0,
            "toml" => 1,
            _ => 2,
        }] += 1;
    }
    // Binary: every corpus file, the sops fixture with NUL and 0xFF, an empty file.
    let bin = [fixture("plain/example.bin"), sandbox.write("empty", b"")];
    for file in whole_corpus().into_iter().chain(bin) {
        let encrypted = encrypt_binary(&sandbox, &file);
        let enc = sandbox.write("enc.bin", &encrypted);
        assert_eq!(
            decrypt(&sandbox, &enc, "binary"),
            read(&file),
            "{} as binary",
            name(&file)
        );
        counts[3] += 1;
    }
    eprintln!(
        "round trips: {} INI, {} TOML, {} multi-document YAML, {} binary",
        counts[0], counts[1], counts[2], counts[3]
    );
    assert_eq!(counts, [17, 6, 2, 48]);
}

#[test]
fn type_comes_from_the_extension_with_binary_as_fallback() {
    for (file, t) in [
        ("a.yaml", FileFormat::Yaml),
        ("a.yml", FileFormat::Yaml),
        ("a.json", FileFormat::Json),
        (".env", FileFormat::Dotenv),
        ("prod.env", FileFormat::Dotenv),
        ("php.ini", FileFormat::Ini),
        ("Cargo.toml", FileFormat::Toml),
        ("tls.key", FileFormat::Binary),
        ("setup.cfg", FileFormat::Binary),
        ("A.YAML", FileFormat::Binary),
        ("noext", FileFormat::Binary),
    ] {
        assert_eq!(FileFormat::from_path(Path::new(file)), t, "{file}");
    }
    // Through the CLI: a `.cfg` file is encrypted whole, a `.ini` one value by value.
    let sandbox = Sandbox::new();
    let cfg = sandbox.copy(&data("corpus/ini/pytest-setup.cfg"), "setup.cfg");
    let out = ok(run(sandbox
        .secrets()
        .args(["encrypt", "--age", RECIPIENT])
        .arg(&cfg)));
    assert!(out.starts_with(b"{\n\t\"data\": \"ENC["));
    let ini = sandbox.copy(&data("corpus/ini/pytest-setup.cfg"), "setup.ini");
    let out = ok(run(sandbox
        .secrets()
        .args(["encrypt", "--age", RECIPIENT])
        .arg(&ini)));
    assert!(out.starts_with(b"[metadata]\nname = ENC["));
}

/// An empty implicit `DEFAULT` section, which sops's JSON shows and ours leaves out.
fn without_empty_default(mut v: serde_json::Value) -> serde_json::Value {
    if let Some(obj) = v.as_object_mut() {
        if obj
            .get("DEFAULT")
            .is_some_and(|d| d == &serde_json::json!({}))
        {
            obj.remove("DEFAULT");
        }
    }
    v
}

#[test]
fn sops_reads_the_ini_binary_and_multidoc_files_secrets_writes() {
    let sandbox = Sandbox::new();
    let Some(_) = sandbox.sops() else { return };
    let mut read_by_sops = [0usize; 3];
    let ini = corpus("ini").into_iter().chain([
        fixture("plain/example.ini"),
        fixture("extra/ini-edge.plain.ini"),
    ]);
    for file in ini {
        let ours = sandbox.write("ours.ini", encrypt(&sandbox, &file));
        let sops_json = ok(sops_with(
            &sandbox,
            &["decrypt", "--input-type", "ini", "--output-type", "json"],
            &ours,
        ));
        let our_json = ok(run(sandbox
            .secrets_with_key()
            .args(["decrypt", "--input-type", "ini", "--output-type", "json"])
            .arg(&ours)));
        assert_eq!(
            without_empty_default(serde_json::from_slice(&sops_json).unwrap()),
            serde_json::from_slice::<serde_json::Value>(&our_json).unwrap(),
            "{}: sops reads other values from our file",
            name(&file)
        );
        // Where sops can encrypt the file itself, it reads ours exactly as its own.
        let theirs = sops_with(
            &sandbox,
            &[
                "encrypt",
                "--input-type",
                "ini",
                "--output-type",
                "ini",
                "--age",
                RECIPIENT,
            ],
            &file,
        );
        if theirs.status.success() {
            let theirs = sandbox.write("theirs.ini", theirs.stdout);
            let decrypt_with_sops = |f: &Path| {
                ok(sops_with(
                    &sandbox,
                    &["decrypt", "--input-type", "ini", "--output-type", "ini"],
                    f,
                ))
            };
            assert_eq!(
                decrypt_with_sops(&ours),
                decrypt_with_sops(&theirs),
                "{}",
                name(&file)
            );
        } else {
            eprintln!("{}: sops cannot encrypt it, but reads ours", name(&file));
        }
        read_by_sops[0] += 1;
    }
    let bin = [fixture("plain/example.bin"), sandbox.write("empty", b"")];
    for file in whole_corpus().into_iter().chain(bin) {
        let ours = encrypt_binary(&sandbox, &file);
        let ours = sandbox.write("ours.bin", ours);
        let back = ok(sops_with(
            &sandbox,
            &[
                "decrypt",
                "--input-type",
                "binary",
                "--output-type",
                "binary",
            ],
            &ours,
        ));
        assert_eq!(back, read(&file), "{} as binary", name(&file));
        read_by_sops[1] += 1;
    }
    for file in multidoc() {
        let ours = sandbox.write("ours.yaml", encrypt(&sandbox, &file));
        let theirs = sandbox.write(
            "theirs.yaml",
            ok(sops_with(&sandbox, &["encrypt", "--age", RECIPIENT], &file)),
        );
        let decrypt_with_sops = |f: &Path| ok(sops_with(&sandbox, &["decrypt"], f));
        assert_eq!(
            decrypt_with_sops(&ours),
            decrypt_with_sops(&theirs),
            "{}",
            name(&file)
        );
        read_by_sops[2] += 1;
    }
    eprintln!(
        "sops reads ours: {} INI, {} binary, {} multi-document YAML",
        read_by_sops[0], read_by_sops[1], read_by_sops[2]
    );
    assert_eq!(read_by_sops, [8, 48, 2]);
}

/// The documents of a YAML text as plain trees.
fn yaml_documents(text: &[u8]) -> Vec<Plain> {
    let yaml = FileFormat::Yaml.format();
    let doc = yaml.parse(text.to_vec()).unwrap();
    plain::documents(yaml, &doc, &Stored)
}

#[test]
fn secrets_reads_the_ini_binary_and_multidoc_files_sops_writes() {
    let sandbox = Sandbox::new();
    let Some(_) = sandbox.sops() else { return };
    let mut read_by_us = [0usize; 3];
    // The fixtures, against sops's own decryption.
    for (enc, dec, t) in [
        ("enc-example.ini", "dec-example.ini", "ini"),
        ("enc-example.bin", "dec-example.bin", "binary"),
    ] {
        assert_eq!(
            decrypt(&sandbox, &fixture(enc), t),
            read(fixture(dec)),
            "{enc}"
        );
        read_by_us[usize::from(t == "binary")] += 1;
    }
    let edge = fixture("extra/ini-edge.enc.ini");
    let sops_view = ok(sops_with(
        &sandbox,
        &["decrypt", "--input-type", "ini", "--output-type", "ini"],
        &edge,
    ));
    assert_eq!(decrypt(&sandbox, &edge, "ini"), sops_view);
    read_by_us[0] += 1;
    // The corpus, encrypted by sops.
    for file in corpus("ini") {
        let theirs = sops_with(
            &sandbox,
            &[
                "encrypt",
                "--input-type",
                "ini",
                "--output-type",
                "ini",
                "--age",
                RECIPIENT,
            ],
            &file,
        );
        if !theirs.status.success() {
            continue;
        }
        let theirs = sandbox.write("theirs.ini", theirs.stdout);
        let sops_view = ok(sops_with(
            &sandbox,
            &["decrypt", "--input-type", "ini", "--output-type", "ini"],
            &theirs,
        ));
        assert_eq!(
            decrypt(&sandbox, &theirs, "ini"),
            sops_view,
            "{}",
            name(&file)
        );
        read_by_us[0] += 1;
    }
    for file in whole_corpus() {
        let theirs = ok(sops_with(
            &sandbox,
            &[
                "encrypt",
                "--input-type",
                "binary",
                "--output-type",
                "binary",
                "--age",
                RECIPIENT,
            ],
            &file,
        ));
        let theirs = sandbox.write("theirs.bin", theirs);
        assert_eq!(
            decrypt(&sandbox, &theirs, "binary"),
            read(&file),
            "{}",
            name(&file)
        );
        read_by_us[1] += 1;
    }
    // Multi-document YAML: every document, as sops reads it.
    let mut multi = vec![fixture("extra/multidoc.enc.yaml")];
    for file in multidoc() {
        multi.push(sandbox.write(
            &format!("theirs-{}", name(&file)),
            ok(sops_with(&sandbox, &["encrypt", "--age", RECIPIENT], &file)),
        ));
    }
    for file in multi {
        let ours = yaml_documents(&decrypt(&sandbox, &file, "yaml"));
        let theirs = yaml_documents(&ok(sops_with(&sandbox, &["decrypt"], &file)));
        assert!(ours.len() >= 2, "{}", name(&file));
        assert_eq!(ours, theirs, "{}", name(&file));
        read_by_us[2] += 1;
    }
    eprintln!(
        "secrets reads sops's: {} INI, {} binary, {} multi-document YAML",
        read_by_us[0], read_by_us[1], read_by_us[2]
    );
    assert_eq!(read_by_us, [6, 47, 3]);
}

#[test]
fn binary_output_is_refused_on_a_terminal_unless_forced() {
    let Some(script) = tool("script") else { return };
    let sandbox = Sandbox::new();
    let enc = fixture("enc-example.bin");
    // `script` runs the command on a pseudo-terminal (its output comes back through it).
    let in_terminal = |extra: &str| {
        let cmd = format!(
            "SOPS_AGE_KEY_FILE={} {} decrypt {extra} {}",
            age_key().display(),
            env!("CARGO_BIN_EXE_secrets"),
            enc.display()
        );
        run(std::process::Command::new(&script)
            .env("HOME", sandbox.home())
            .args(["-qec", &cmd, "/dev/null"]))
    };
    let refused = in_terminal("");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stdout).contains("refusing to write binary data"));
    let forced = in_terminal("--force");
    assert!(forced.status.success());
    assert!(forced.stdout.starts_with(b"Hello\0binary"));
    // Not a terminal: written as it is.
    assert_eq!(
        decrypt(&sandbox, &enc, "binary"),
        read(fixture("dec-example.bin"))
    );
}

#[test]
fn input_of_another_type_fails_with_line_and_column_and_writes_nothing() {
    let sandbox = Sandbox::new();
    let cases: [(&str, &[u8], &str); 6] = [
        (
            "bad.ini",
            b"[server]\nhost = a\n  not a key\n[x\n",
            "line 4, column 1",
        ),
        ("bad.toml", b"a = 1\nb = [1, 2\n", "line 2, column 10"),
        ("yaml.toml", b"a: 1\n", "line 1, column"),
        ("toml.json", b"a = 1\n", "line 1, column 1"),
        ("nul.ini", b"\x00\x01\n", "line 1, column 1"),
        ("bad.yaml", b"a: [1, 2\n", "line 2, column 1"),
    ];
    for (file, content, at) in cases {
        let path = sandbox.write(file, content);
        let out = sandbox.path(&format!("{file}.out"));
        let stderr = fails_with(
            run(sandbox
                .secrets()
                .args(["encrypt", "--age", RECIPIENT, "--output"])
                .arg(&out)
                .arg(&path)),
            2,
        );
        assert!(stderr.contains(at), "{file}: {stderr}");
        assert!(stderr.contains("syntax error"), "{file}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{file}: {stderr}");
        assert!(!out.exists(), "{file}: an output was written");
        // In place: the file is left as it was.
        fails_with(
            run(sandbox
                .secrets()
                .args(["encrypt", "--age", RECIPIENT, "-i"])
                .arg(&path)),
            2,
        );
        assert_eq!(read(&path), content, "{file}");
    }
}

#[test]
fn php_ini_comment_blocks_that_sops_panics_on() {
    let sandbox = Sandbox::new();
    let Some(_) = sandbox.sops() else { return };
    let php = sandbox.write(
        "php.ini",
        ";;;;;;;;;;;;\n; About php.ini ;\n;;;;;;;;;;;;\n[PHP]\nengine = On\n",
    );
    let theirs = sandbox.write(
        "theirs.ini",
        ok(sops_with(&sandbox, &["encrypt", "--age", RECIPIENT], &php)),
    );
    // sops cannot write its own decryption (go-ini indexes the empty first comment line).
    let out = sops_with(&sandbox, &["decrypt"], &theirs);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("panic"));
    assert_eq!(
        String::from_utf8(decrypt(&sandbox, &theirs, "ini")).unwrap(),
        "; \n; About php.ini ;\n;;;;;;;;;;;;\n[PHP]\nengine = On\n"
    );
    // Ours: byte for byte.
    let ours = sandbox.write("ours.ini", encrypt(&sandbox, &php));
    assert_eq!(decrypt(&sandbox, &ours, "ini"), read(&php));
}

/// Found by fuzzing: a flow collection with white space after its `[` or `{` was taken for
/// a block one, and its values written as bare `ENC[...]`, which a flow collection cannot
/// hold. Both tools read the encrypted file.
#[test]
fn flow_collections_with_space_after_the_opener_round_trip() {
    let sandbox = Sandbox::new();
    let file = data("fuzz/yaml-flow-opener-then-space.yaml");
    let encrypted = encrypt(&sandbox, &file);
    let text = String::from_utf8(encrypted.clone()).unwrap();
    assert!(text.contains("apiGroups: [ \"ENC["), "{text}");
    let enc = sandbox.write("enc.yaml", &encrypted);
    assert_eq!(decrypt(&sandbox, &enc, "yaml"), read(&file));
    if let Some(mut sops) = sandbox.sops() {
        let plain = String::from_utf8(ok(run(sops
            .args(["decrypt", "--input-type", "yaml"])
            .arg(&enc))))
        .unwrap();
        assert!(plain.contains("metrics.k8s.io\""), "{plain}");
    }
}

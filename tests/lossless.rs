//! Lossless round trips: `decrypt(encrypt(f)) == f` byte for byte on every corpus file, and
//! the encrypted file keeps the plaintext's lines.

mod common;

use std::path::Path;

use common::*;

/// Lines of an encrypted file that are not its metadata block.
fn data_lines(encrypted: &str, kind: &str) -> usize {
    let lines: Vec<&str> = encrypted.lines().collect();
    match kind {
        "dotenv" => lines.iter().filter(|l| !l.starts_with("sops_")).count(),
        "json" => {
            // The metadata member (or, for an array root, the {"sops": ...} element).
            let mut start = lines
                .iter()
                .position(|l| l.contains("\"sops\": {"))
                .expect("a sops member");
            if !lines[start].trim_start().starts_with("\"sops\": {") {
                // Single-line JSON: the metadata is added on the same line.
                return lines.len();
            }
            if start > 0 && lines[start - 1].trim() == "{" {
                start -= 1;
            }
            let mut depth = 0i32;
            let mut end = start;
            'outer: for (i, l) in lines.iter().enumerate().skip(start) {
                for c in l.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = i;
                                break 'outer;
                            }
                        }
                        _ => {}
                    }
                }
            }
            lines.len() - (end - start + 1)
        }
        _ => {
            // Every `sops:` block: from its line to the last line indented under it.
            let mut count = 0;
            let mut in_block: Option<usize> = None;
            for l in &lines {
                let indent = l.len() - l.trim_start().len();
                if let Some(block_indent) = in_block {
                    if l.trim().is_empty() || indent > block_indent {
                        continue;
                    }
                    in_block = None;
                }
                if l.trim_start() == "sops:" {
                    in_block = Some(indent);
                    continue;
                }
                count += 1;
            }
            count
        }
    }
}

/// Whether a file holds a value that spans lines (a YAML block scalar, a multi-line
/// dotenv value): those collapse to one `ENC[...]` line.
fn has_multiline_values(text: &str, kind: &str) -> bool {
    match kind {
        "yaml" => text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .any(|l| {
                let t = l.trim_end();
                let t = t.split(" #").next().unwrap_or(t).trim_end();
                ["|", "|-", "|+", ">", ">-", ">+"]
                    .iter()
                    .any(|h| t.ends_with(&format!(": {h}")) || t.ends_with(&format!("- {h}")))
            }),
        "dotenv" => text.lines().any(|l| {
            let v = l.split_once('=').map(|(_, v)| v.trim_start()).unwrap_or("");
            (v.starts_with('"') || v.starts_with('\''))
                && v.matches(v.chars().next().unwrap()).count() == 1
        }),
        _ => false,
    }
}

fn round_trip(kind: &str) {
    let sandbox = Sandbox::new();
    let files = corpus(kind);
    assert!(!files.is_empty());
    for file in &files {
        let original = read(file);
        let encrypted = encrypt(&sandbox, file);
        let enc_path = sandbox.write(&format!("enc-{}", name(file)), &encrypted);
        let decrypted = decrypt(&sandbox, &enc_path, type_of(file));
        assert!(
            decrypted == original,
            "{}: decrypt(encrypt(f)) differs from f",
            name(file)
        );
        let original_text = String::from_utf8_lossy(&original);
        let encrypted_text = String::from_utf8(encrypted).unwrap();
        assert!(
            encrypted_text.contains("ENC[AES256_GCM,"),
            "{}: nothing encrypted",
            name(file)
        );
        let lines = data_lines(&encrypted_text, kind);
        if has_multiline_values(&original_text, kind) {
            assert!(lines < original_text.lines().count(), "{}", name(file));
        } else {
            assert_eq!(
                lines,
                original_text.lines().count(),
                "{}: the encrypted file does not keep the plaintext's lines",
                name(file)
            );
        }
    }
}

#[test]
fn yaml_corpus_round_trips_byte_for_byte() {
    round_trip("yaml");
}

#[test]
fn json_corpus_round_trips_byte_for_byte() {
    round_trip("json");
}

#[test]
fn dotenv_corpus_round_trips_byte_for_byte() {
    round_trip("dotenv");
}

#[test]
fn sops_fixture_inputs_round_trip() {
    let sandbox = Sandbox::new();
    let plain = [
        "plain/example.yaml",
        "plain/example.json",
        "plain/example.env",
    ];
    let extra = [
        "extra/comment-regex.plain.yaml",
        "extra/dotenv-edge.plain.env",
        "extra/json-numbers.plain.json",
        "extra/multidoc.plain.yaml",
        "extra/opts.plain.yaml",
        "extra/yaml-edge.plain.yaml",
        "extra/yaml-time.plain.yaml",
    ];
    for rel in plain.iter().chain(&extra) {
        let file = fixture(rel);
        let encrypted = encrypt(&sandbox, &file);
        let enc = sandbox.write("enc", &encrypted);
        assert_eq!(
            decrypt(&sandbox, &enc, type_of(&file)),
            read(&file),
            "{rel}"
        );
    }
}

#[test]
fn files_without_final_newline_or_with_crlf_round_trip() {
    let sandbox = Sandbox::new();
    let cases: [(&str, &[u8]); 6] = [
        ("a.yaml", b"a: 1\nb: two"),
        ("b.yaml", b"a: 1\r\nb: \"two\"\r\n"),
        ("c.env", b"A=1\nB=2"),
        ("d.json", b"{\"a\": 1}"),
        ("e.yaml", b"# only a comment\n"),
        ("f.yaml", b"---\na: 1\n---\n"),
    ];
    for (name, content) in cases {
        let file = sandbox.write(name, content);
        let encrypted = encrypt(&sandbox, &file);
        let enc = sandbox.write(&format!("enc-{name}"), &encrypted);
        assert_eq!(
            decrypt(&sandbox, &enc, type_of(Path::new(name))),
            content,
            "{name}"
        );
    }
}

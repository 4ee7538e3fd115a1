//! rops, the other SOPS-scheme tool that reads TOML, reads the TOML files secrets writes,
//! and secrets reads the files rops writes as rops does: checked with rops's own library
//! (rops 0.1.7, the code its CLI runs, without the AWS KMS integration).

mod common;

use std::str::FromStr;

use common::*;
use rops::cryptography::cipher::AES256GCM;
use rops::cryptography::hasher::SHA512;
use rops::file::builder::RopsFileBuilder;
use rops::file::format::TomlFileFormat;
use rops::file::metadata::PartialEncryptionConfig;
use rops::file::state::EncryptedFile;
use rops::file::RopsFile;
use rops::integration::{AgeIntegration, Integration};
use secrets::format::FileFormat;
use secrets::plain::{self, Plain, Stored};
use secrets::value::Scalar;
use serde_json::Value;

type RopsEncrypted = RopsFile<EncryptedFile<AES256GCM, SHA512>, TomlFileFormat>;

/// Every TOML type and layout: dotted keys, inline tables, arrays of tables, all string
/// styles, date-times, empty strings, comments, a value kept in plaintext.
const EVERY_KIND: &str = r#"# top comment
title = "TOML"
literal = 'C:\path'
empty = ""
multi = """
two
lines"""
int = 0x1F
float = 1.50
inf = -inf
on = true
when = 1979-05-27T07:32:00.5Z
day = 1979-05-27
local = 07:32:00
site."google.com" = true
inline = { a = 1, b = [1, "two", 3.0] }
public_unencrypted = "visible"

[server]  # a table
port = 8080
hosts = ["a", "b"]

[[products]]
name = "Hammer"

[[products]]
name = "Nail"
sku = 284758393
"#;

/// The fixture identity, for rops (`ROPS_AGE`).
fn set_identity() {
    let key = String::from_utf8(read(age_key())).unwrap();
    let secret = key
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap();
    // Every test of this binary sets the same value.
    std::env::set_var("ROPS_AGE", secret);
}

/// A TOML text's values as JSON, as secrets reads them (date-times as text, as rops has
/// them; infinities as text, which JSON cannot hold).
fn values(text: &[u8]) -> Value {
    let toml = FileFormat::Toml.format();
    let doc = toml.parse(text.to_vec()).unwrap();
    json(&plain::documents(toml, &doc, &Stored).remove(0))
}

fn json(p: &Plain) -> Value {
    match p {
        Plain::Map(items) => {
            Value::Object(items.iter().map(|(k, v)| (k.clone(), json(v))).collect())
        }
        Plain::List(items) => Value::Array(items.iter().map(json).collect()),
        Plain::Number(n) => serde_json::from_str(n).unwrap(),
        Plain::Scalar(Scalar::Int(i)) => (*i).into(),
        Plain::Scalar(Scalar::Float(f)) if f.is_finite() => (*f).into(),
        Plain::Scalar(Scalar::Bool(b)) => (*b).into(),
        Plain::Scalar(s) => String::from_utf8_lossy(&s.plaintext()).into_owned().into(),
        Plain::Null => Value::Null,
    }
}

fn toml_files(sandbox: &Sandbox) -> Vec<std::path::PathBuf> {
    let mut files = corpus("toml");
    files.push(sandbox.write("every-kind.toml", EVERY_KIND));
    files
}

#[test]
fn rops_reads_the_toml_files_secrets_writes() {
    set_identity();
    let sandbox = Sandbox::new();
    let mut read_by_rops = 0;
    for file in toml_files(&sandbox) {
        let ours = String::from_utf8(encrypt(&sandbox, &file)).unwrap();
        let parsed = RopsEncrypted::from_str(&ours)
            .unwrap_or_else(|e| panic!("{}: rops cannot parse our file: {e:?}", name(&file)));
        let decrypted = parsed
            .decrypt::<TomlFileFormat>()
            .unwrap_or_else(|e| panic!("{}: rops cannot decrypt our file: {e}", name(&file)));
        let theirs = decrypted.map().to_string();
        assert_eq!(
            values(theirs.as_bytes()),
            values(&read(&file)),
            "{}: rops reads other values",
            name(&file)
        );
        read_by_rops += 1;
    }
    eprintln!("rops reads {read_by_rops} TOML files secrets wrote");
    assert_eq!(read_by_rops, 7);
}

#[test]
fn secrets_reads_the_toml_files_rops_writes_as_rops_does() {
    set_identity();
    let sandbox = Sandbox::new();
    let recipient = AgeIntegration::parse_key_id(RECIPIENT).unwrap();
    let (mut same, mut rops_fails_too) = (0, 0);
    for file in toml_files(&sandbox) {
        let original = String::from_utf8(read(&file)).unwrap();
        let written = RopsFileBuilder::<TomlFileFormat>::new(&original)
            .unwrap()
            .add_integration_key::<AgeIntegration>(recipient.clone())
            .with_partial_encryption(PartialEncryptionConfig::UnencryptedSuffix(
                "_unencrypted".into(),
            ))
            .encrypt::<AES256GCM, SHA512>()
            .unwrap()
            .to_string();
        let path = sandbox.write("rops.toml", &written);
        let ours = run(sandbox
            .secrets_with_key()
            .args(["decrypt", "--input-type", "toml"])
            .arg(&path));
        match RopsEncrypted::from_str(&written)
            .unwrap()
            .decrypt::<TomlFileFormat>()
        {
            Ok(decrypted) => {
                assert_eq!(
                    values(&ok(ours)),
                    values(decrypted.map().to_string().as_bytes()),
                    "{}",
                    name(&file)
                );
                same += 1;
            }
            Err(e) => {
                // rops 0.1.7 writes some files in another order than it hashed them (its
                // TOML writer moves values before tables) and then fails on them: secrets
                // computes the very MAC rops computes.
                let rops_error = e.to_string();
                let computed = rops_error
                    .split("computed ")
                    .nth(1)
                    .and_then(|s| s.get(..128))
                    .unwrap_or_else(|| panic!("{}: {rops_error}", name(&file)));
                let stderr = fails_with(ours, 51);
                assert!(
                    stderr.contains(&format!("computed {computed}")),
                    "{}: {stderr}",
                    name(&file)
                );
                rops_fails_too += 1;
            }
        }
    }
    eprintln!(
        "rops-written TOML: {same} read with rops's values, {rops_fails_too} that rops cannot read either (same MAC computed)"
    );
    assert!(same >= 4, "only {same}");
}

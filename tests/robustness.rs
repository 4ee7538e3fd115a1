//! No input makes the library panic: arbitrary and mutated bytes give `Ok` or an error.

use proptest::prelude::*;
use secrets::decrypt::{decrypt, metadata_of, DecryptOptions};
use secrets::format::FileFormat;
use secrets::keys::{age::AgeIdentities, Keyring};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/fixtures/sops/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn keyring() -> Keyring {
    let key = String::from_utf8(fixture("age-key.txt")).unwrap();
    Keyring::new(vec![Box::new(AgeIdentities::from_text(&key))])
}

/// Parses and, when that works, decrypts; any outcome but a panic is fine.
fn exercise(format: FileFormat, bytes: Vec<u8>, keyring: &Keyring) {
    let f = format.format();
    let Ok(doc) = f.parse(bytes) else { return };
    let Ok(metadata) = metadata_of(&doc) else {
        return;
    };
    let Ok(key) = keyring.data_key(metadata) else {
        return;
    };
    let _ = decrypt(
        f,
        &doc,
        &key,
        DecryptOptions {
            ignore_mac: true,
            ..DecryptOptions::default()
        },
    );
}

/// Interesting fragments of each syntax, so random text reaches deep into the parsers.
fn fragments() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a:",
        " ",
        "  ",
        "\n",
        "- ",
        "#",
        "# c",
        "|",
        ">-",
        "&x ",
        "*x",
        "!!binary ",
        "\"",
        "'",
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "---\n",
        "...\n",
        "=",
        "export ",
        "\\n",
        "\r\n",
        "\t",
        "ENC[AES256_GCM,data:YQ==,iv:YWFhYWFhYWFhYWFh,tag:YWFhYWFhYWFhYWFhYWFhYQ==,type:str]",
        "sops:",
        "sops_version=",
        "\"sops\": ",
        "0x1F",
        "1e400",
        "\u{e9}",
        "\\u00e9",
        "null",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parsers_never_panic(text in fragments(), raw in prop::collection::vec(any::<u8>(), 0..64)) {
        let keyring = keyring();
        for format in FileFormat::ALL {
            exercise(format, text.clone().into_bytes(), &keyring);
            exercise(format, raw.clone(), &keyring);
        }
    }

    #[test]
    fn mutated_encrypted_files_never_panic(
        which in 0usize..3,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let (name, format) = [
            ("enc-example.yaml", FileFormat::Yaml),
            ("enc-example.json", FileFormat::Json),
            ("enc-example.env", FileFormat::Dotenv),
        ][which];
        let mut bytes = fixture(name);
        for (at, byte, op) in edits {
            let i = at.index(bytes.len().max(1)).min(bytes.len());
            match op {
                0 if i < bytes.len() => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ if i < bytes.len() => { bytes.remove(i); }
                _ => {}
            }
        }
        exercise(format, bytes, &keyring());
    }
}

//! Library-level properties: determinism with a reused data key, and lossless round trips of
//! generated documents in every format.

mod common;

use proptest::prelude::*;
use secrets::change;
use secrets::crypto::{is_encrypted, Cipher, DataKey, EncryptedValue};
use secrets::decrypt::{decrypt, metadata_of, DecryptOptions};
use secrets::encrypt::{encrypt, EncryptOptions, Keys};
use secrets::format::FileFormat;
use secrets::keys::{self, age::AgeIdentities, Keyring};
use secrets::path::PathSeg;
use secrets::rewrite::{Opened, Unlocked};
use secrets::tree::LeafKind;
use secrets::value::Scalar;

/// A fresh age identity and the key groups of a new data key wrapped for it.
fn setup() -> (Keys, Keyring) {
    let (identity, recipient) = keys::age::generate("2026-01-01T00:00:00Z");
    let groups = vec![keys::parse_recipients("age", &recipient).unwrap()];
    let data_key = DataKey::generate();
    let key_groups = keys::wrap(&groups, &data_key, 0).unwrap();
    let keyring = Keyring::new(vec![Box::new(AgeIdentities::from_text(&identity))]);
    (
        Keys {
            data_key,
            key_groups,
        },
        keyring,
    )
}

fn seal(
    format: FileFormat,
    text: &str,
    keys: &Keys,
    previous: Option<&secrets::metadata::Metadata>,
) -> Vec<u8> {
    seal_with(format, text, keys, &EncryptOptions::default(), previous)
}

fn seal_with(
    format: FileFormat,
    text: &str,
    keys: &Keys,
    options: &EncryptOptions,
    previous: Option<&secrets::metadata::Metadata>,
) -> Vec<u8> {
    let f = format.format();
    let doc = f.parse(text.as_bytes().to_vec()).unwrap();
    encrypt(f, &doc, keys, options, previous)
        .unwrap()
        .bytes
        .to_vec()
}

fn open(format: FileFormat, bytes: &[u8], keyring: &Keyring) -> Vec<u8> {
    let f = format.format();
    let doc = f.parse(bytes.to_vec()).unwrap();
    let key = keyring.data_key(metadata_of(&doc).unwrap()).unwrap();
    decrypt(f, &doc, &key, DecryptOptions::default())
        .unwrap()
        .bytes
}

fn value_lines(text: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(text)
        .lines()
        .take_while(|l| !l.starts_with("sops:"))
        .map(str::to_string)
        .collect()
}

#[test]
fn same_plaintext_and_data_key_give_the_same_bytes() {
    let (keys, keyring) = setup();
    let text = "# c\na: 1\nb:\n  - x\n  - y\nc: \"z\"\n";
    let first = seal(FileFormat::Yaml, text, &keys, None);
    let second = seal(FileFormat::Yaml, text, &keys, None);
    // Every value and comment line is identical, even without the previous metadata.
    assert_eq!(value_lines(&first), value_lines(&second));
    // With it, lastmodified and mac are kept too: the whole file is byte-identical.
    let doc = FileFormat::Yaml.format().parse(first.clone()).unwrap();
    let previous = metadata_of(&doc).unwrap().clone();
    let third = seal(FileFormat::Yaml, text, &keys, Some(&previous));
    assert_eq!(first, third);
    // A one-value change touches that value's line, and lastmodified and mac.
    let changed = seal(
        FileFormat::Yaml,
        &text.replace("  - y", "  - w"),
        &keys,
        Some(&previous),
    );
    let (a, b) = (
        String::from_utf8(first).unwrap(),
        String::from_utf8(changed.clone()).unwrap(),
    );
    let differing: Vec<&str> = a
        .lines()
        .zip(b.lines())
        .filter(|(x, y)| x != y)
        .map(|(x, _)| x.trim_start())
        .collect();
    // lastmodified changes unless both runs fell in the same second.
    assert!(
        differing.len() == 2 || differing.len() == 3,
        "{differing:#?}"
    );
    assert!(differing[0].starts_with("- ENC["), "{differing:#?}");
    assert!(
        differing.last().unwrap().starts_with("mac: "),
        "{differing:#?}"
    );
    if differing.len() == 3 {
        assert!(differing[1].starts_with("lastmodified: "), "{differing:#?}");
    }
    assert_eq!(
        open(FileFormat::Yaml, &changed, &keyring),
        text.replace("  - y", "  - w").as_bytes()
    );
}

#[test]
fn a_large_file_seals_each_value_as_a_small_one_does() {
    // Files of thousands of values are encrypted and decrypted on every core, small ones on
    // one: the values they share come out the same, and both read back.
    let (keys, keyring) = setup();
    let entry = |i: usize| {
        let duplicate = if i < 3 { "dup: same\n" } else { "" };
        format!("# note {i}\nk{i}: value-{i}\n{duplicate}q{i}: 'quoted {i}'\nl{i}:\n  - {i}\n  - true\n")
    };
    let small: String = (0..20).map(entry).collect();
    let large: String = (0..2000).map(entry).collect();
    let (one, all) = (
        seal(FileFormat::Yaml, &small, &keys, None),
        seal(FileFormat::Yaml, &large, &keys, None),
    );
    let (one_lines, all_lines) = (value_lines(&one), value_lines(&all));
    assert_eq!(one_lines[..], all_lines[..one_lines.len()]);
    assert_eq!(open(FileFormat::Yaml, &all, &keyring), large.as_bytes());
    // The three `dup: same` entries have the same place and value, yet distinct IVs.
    let ivs: std::collections::HashSet<String> = all_lines
        .iter()
        .filter_map(|l| l.split(",iv:").nth(1))
        .map(|rest| rest.split(',').next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        ivs.len(),
        all_lines.iter().filter(|l| l.contains("ENC[")).count()
    );
    // Encrypted again with its metadata, the unchanged file is byte-identical.
    let doc = FileFormat::Yaml.format().parse(all.clone()).unwrap();
    let previous = metadata_of(&doc).unwrap().clone();
    assert_eq!(seal(FileFormat::Yaml, &large, &keys, Some(&previous)), all);
}

#[test]
fn a_new_data_key_changes_every_value() {
    let (keys, _) = setup();
    let (other, _) = setup();
    let text = "a: 1\nb: two\n";
    let one = value_lines(&seal(FileFormat::Yaml, text, &keys, None));
    let two = value_lines(&seal(FileFormat::Yaml, text, &other, None));
    assert!(one.iter().zip(&two).all(|(x, y)| x != y));
}

#[test]
fn a_data_key_keeps_its_cipher() {
    let (keys, _) = setup();
    let text = "a: 1\nb: two\n";
    let first = seal(FileFormat::Yaml, text, &keys, None);
    let doc = FileFormat::Yaml.format().parse(first).unwrap();
    let previous = metadata_of(&doc).unwrap();
    assert_eq!(previous.cipher().unwrap(), Cipher::Aes256Gcm);
    // Encrypting the file again with the same key and another cipher would mix ciphers
    // (or use one key with two): refused.
    let f = FileFormat::Yaml.format();
    let doc = f.parse(text.as_bytes().to_vec()).unwrap();
    let options = EncryptOptions {
        cipher: Cipher::XChaCha20Poly1305,
        ..Default::default()
    };
    let err = encrypt(f, &doc, &keys, &options, Some(previous)).unwrap_err();
    assert_eq!(err.exit_code(), 8, "{err}");
    assert!(err.to_string().contains("needs a new data key"), "{err}");
}

/// A generated tree, written in each format's own syntax.
#[derive(Clone, Debug)]
enum Gen {
    Map(Vec<(String, Gen)>),
    List(Vec<Gen>),
    Str(String),
    Int(i64),
    Bool(bool),
}

fn key() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,8}"
}

fn text_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ]{0,12}",
        "[ -~]{0,16}",
        "\\PC{0,8}",
        Just("yes".to_string()),
        Just("0x1F".to_string()),
        Just("2024-01-02".to_string()),
        Just("line one\nline two\n".to_string()),
    ]
}

fn tree() -> impl Strategy<Value = Gen> {
    let leaf = prop_oneof![
        text_value().prop_map(Gen::Str),
        any::<i64>().prop_map(Gen::Int),
        any::<bool>().prop_map(Gen::Bool),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec((key(), inner.clone()), 1..4).prop_map(Gen::Map),
            prop::collection::vec(inner, 1..4).prop_map(Gen::List),
        ]
    })
}

/// JSON text of `g`; `indent` is `None` for one line.
fn json(g: &Gen, out: &mut String, indent: Option<usize>) {
    match g {
        Gen::Map(items) => {
            out.push('{');
            for (i, (k, v)) in items.iter().enumerate() {
                if let Some(n) = indent {
                    out.push('\n');
                    out.push_str(&"  ".repeat(n + 1));
                }
                out.push_str(&format!("{}: ", serde_json::to_string(k).unwrap()));
                json(v, out, indent.map(|n| n + 1));
                if i + 1 < items.len() {
                    out.push_str(", ");
                }
            }
            if let Some(n) = indent {
                out.push('\n');
                out.push_str(&"  ".repeat(n));
            }
            out.push('}');
        }
        Gen::List(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                json(v, out, indent.map(|n| n + 1));
                if i + 1 < items.len() {
                    out.push_str(", ");
                }
            }
            out.push(']');
        }
        Gen::Str(s) => out.push_str(&serde_json::to_string(s).unwrap()),
        Gen::Int(i) => out.push_str(&i.to_string()),
        Gen::Bool(b) => out.push_str(&b.to_string()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn json_round_trips(entries in prop::collection::vec((key(), tree()), 1..5)) {
        let (keys, keyring) = setup();
        let mut text = String::new();
        json(&Gen::Map(entries), &mut text, Some(0));
        text.push('\n');
        let sealed = seal(FileFormat::Json, &text, &keys, None);
        prop_assert_eq!(open(FileFormat::Json, &sealed, &keyring), text.as_bytes());
    }

    #[test]
    fn yaml_round_trips(entries in prop::collection::vec((key(), tree()), 1..5), comment in "[ -~]{0,10}") {
        // YAML accepts JSON (flow style), plus a comment.
        let (keys, keyring) = setup();
        let mut text = String::new();
        for (k, v) in &entries {
            text.push_str(&format!("# {comment}\n{k}: "));
            let mut value = String::new();
            json(v, &mut value, None);
            text.push_str(&value);
            text.push('\n');
        }
        let sealed = seal(FileFormat::Yaml, &text, &keys, None);
        prop_assert_eq!(String::from_utf8(open(FileFormat::Yaml, &sealed, &keyring)).unwrap(), text);
    }

    #[test]
    fn either_cipher_round_trips_deterministically(
        entries in prop::collection::vec((key(), tree()), 1..5),
        cipher in prop_oneof![Just(Cipher::Aes256Gcm), Just(Cipher::XChaCha20Poly1305)],
    ) {
        let (keys, keyring) = setup();
        let mut text = String::new();
        json(&Gen::Map(entries), &mut text, Some(0));
        text.push('\n');
        let options = EncryptOptions { cipher, ..Default::default() };
        let sealed = seal_with(FileFormat::Json, &text, &keys, &options, None);
        prop_assert_eq!(open(FileFormat::Json, &sealed, &keyring), text.as_bytes());
        // Every value and the MAC are of the chosen cipher, and only of it.
        let written = String::from_utf8(sealed.clone()).unwrap();
        let other = Cipher::ALL.into_iter().find(|&c| c != cipher).unwrap();
        let (ours, theirs) = (format!("\"ENC[{cipher},data:"), format!("ENC[{other},"));
        prop_assert!(written.contains(&ours), "{}", written);
        prop_assert!(!written.contains(&theirs), "{}", written);
        // Encrypting the same plaintext again with the file's key changes nothing.
        let doc = FileFormat::Json.format().parse(sealed.clone()).unwrap();
        let previous = metadata_of(&doc).unwrap();
        prop_assert_eq!(previous.cipher().unwrap(), cipher);
        let again = seal_with(FileFormat::Json, &text, &keys, &options, Some(previous));
        prop_assert_eq!(again, sealed);
    }

    #[test]
    fn dotenv_round_trips(entries in prop::collection::vec(("[A-Z][A-Z0-9_]{0,8}", "[^\n]{0,20}"), 1..8)) {
        let (keys, keyring) = setup();
        let text: String = entries.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        let sealed = seal(FileFormat::Dotenv, &text, &keys, None);
        prop_assert_eq!(open(FileFormat::Dotenv, &sealed, &keyring), text.as_bytes());
    }
}

fn ini_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ./:@-]{0,16}",
        Just("\"quoted\"".to_string()),
        Just("has ; inline comment".to_string()),
        Just("`verbatim; #`".to_string()),
        Just("\"\"\"two\nlines\"\"\"".to_string()),
        Just("continued \\\n  on the next line".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn ini_round_trips(
        sections in prop::collection::vec(
            ("[a-z][a-z0-9_.]{0,8}", prop::collection::vec(("[a-z][a-z0-9_]{0,8}", ini_value(), "[ -~]{0,12}"), 0..5)),
            1..4,
        ),
        pad in " {0,3}",
    ) {
        let (keys, keyring) = setup();
        let mut text = String::new();
        for (name, entries) in &sections {
            text.push_str(&format!("; about {name}\n[{name}]\n"));
            for (k, v, comment) in entries {
                text.push_str(&format!("# {comment}\n{k}{pad}={pad}{v}\n"));
            }
        }
        let sealed = seal(FileFormat::Ini, &text, &keys, None);
        prop_assert_eq!(String::from_utf8(open(FileFormat::Ini, &sealed, &keyring)).unwrap(), text);
    }

    #[test]
    fn toml_round_trips(entries in prop::collection::vec((key(), tree()), 1..5), comment in "[ -~]{0,10}") {
        // TOML inline values are close enough to JSON: strings, integers, booleans, arrays;
        // maps become tables.
        let (keys, keyring) = setup();
        let mut text = format!("# {comment}\n");
        let mut seen = std::collections::HashSet::new();
        for (k, v) in entries.iter().filter(|(k, _)| seen.insert(k.clone())) {
            text.push_str(&format!("{k} = {}\n", toml_inline(v)));
        }
        let sealed = seal(FileFormat::Toml, &text, &keys, None);
        prop_assert_eq!(String::from_utf8(open(FileFormat::Toml, &sealed, &keyring)).unwrap(), text);
    }

    #[test]
    fn binary_round_trips(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let (keys, keyring) = setup();
        let f = FileFormat::Binary.format();
        let doc = f.parse(bytes.clone()).unwrap();
        let sealed = encrypt(f, &doc, &keys, &EncryptOptions { crypt_rule: None, ..Default::default() }, None)
            .unwrap()
            .bytes
            .to_vec();
        prop_assert_eq!(open(FileFormat::Binary, &sealed, &keyring), bytes);
    }
}

/// A generated value as an inline TOML value (maps as inline tables, keys deduplicated).
fn toml_inline(g: &Gen) -> String {
    match g {
        Gen::Map(items) => {
            let mut seen = std::collections::HashSet::new();
            let inner: Vec<String> = items
                .iter()
                .filter(|(k, _)| seen.insert(k.clone()))
                .map(|(k, v)| format!("{k} = {}", toml_inline(v)))
                .collect();
            format!("{{ {} }}", inner.join(", "))
        }
        Gen::List(items) => format!(
            "[{}]",
            items.iter().map(toml_inline).collect::<Vec<_>>().join(", ")
        ),
        Gen::Str(s) => serde_json::to_string(s).unwrap(),
        Gen::Int(i) => i.to_string(),
        Gen::Bool(b) => b.to_string(),
    }
}

/// The encrypted values of a file's first document: their paths, and whether they are strings.
fn encrypted_paths(format: FileFormat, sealed: &[u8]) -> Vec<(Vec<PathSeg>, bool)> {
    let doc = format.format().parse(sealed.to_vec()).unwrap();
    let mut paths = Vec::new();
    doc.walk(|v| {
        if let LeafKind::Value(Scalar::Str(s)) = &doc.leaves[v.leaf].kind {
            if v.document == 0 && is_encrypted(s) {
                let stored = EncryptedValue::parse(s).unwrap();
                paths.push((v.path.to_vec(), stored.type_name == "str"));
            }
        }
    });
    paths
}

/// `set` done in place on the encrypted file changes only the value's line and the
/// metadata's time and MAC, and gives the plaintext that decrypting, changing and encrypting
/// again gives, for values of every format of the corpus; and it is the way taken for
/// nearly all new strings.
#[test]
fn set_in_place_writes_what_the_whole_way_writes() {
    let (keys, keyring) = setup();
    // New strings (for string values, the common set) and changes of type.
    let values = ["\"changed\"", "\"changed again\"", "42", "true", "\"\""]
        .map(|v| change::parse_json_value(v).unwrap());
    let (mut in_place, mut strings_in_place, mut strings) = (0, 0, 0);
    for kind in ["yaml", "json", "dotenv", "ini", "toml"] {
        for file in common::corpus(kind) {
            let format = FileFormat::from_name(kind).unwrap();
            let f = format.format();
            let doc = f.parse(std::fs::read(&file).unwrap()).unwrap();
            let Ok(sealed) = encrypt(f, &doc, &keys, &EncryptOptions::default(), None) else {
                continue; // not a file sops's model holds (a list at the root of JSON)
            };
            let sealed = sealed.bytes.to_vec();
            let paths = encrypted_paths(format, &sealed);
            for (i, (at, was_string)) in paths
                .iter()
                .step_by(paths.len().div_ceil(6).max(1))
                .enumerate()
            {
                let value = &values[i % values.len()];
                let a_string = *was_string && i % values.len() < 2;
                strings += usize::from(a_string);
                let unlocked = Unlocked::open(sealed.clone(), format, &keyring).unwrap();
                let Some(set) = unlocked
                    .set_in_place(at, value, DecryptOptions::default())
                    .unwrap()
                else {
                    continue;
                };
                in_place += 1;
                strings_in_place += usize::from(a_string);
                let opened =
                    Opened::open(sealed.clone(), format, &keyring, DecryptOptions::default())
                        .unwrap();
                let changed = change::set(f, &opened.document().unwrap(), at, value).unwrap();
                assert_eq!(set.changed, changed.changed, "{file:?} {at:?}");
                let whole = opened.seal(changed.text).unwrap().bytes.to_vec();
                // Only the value's line changes, and the metadata's time and MAC.
                let in_place = set.file.bytes.to_vec();
                let (after, before) = (
                    String::from_utf8_lossy(&in_place),
                    String::from_utf8_lossy(&sealed),
                );
                assert_eq!(
                    after.lines().count(),
                    before.lines().count(),
                    "{file:?} {at:?}"
                );
                let changed_lines = after
                    .lines()
                    .zip(before.lines())
                    .filter(|(x, y)| x != y && common::metadata_stamp(x).is_none())
                    .count();
                assert_eq!(changed_lines, usize::from(set.changed), "{file:?} {at:?}");
                assert_eq!(
                    open(format, &in_place, &keyring),
                    open(format, &whole, &keyring),
                    "{file:?} {at:?}"
                );
            }
        }
    }
    eprintln!("{in_place} sets done in place, {strings_in_place} of {strings} new strings");
    assert!(
        strings_in_place * 10 >= strings * 9,
        "only {strings_in_place} of {strings} new strings set in place"
    );
}

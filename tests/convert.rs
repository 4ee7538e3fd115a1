//! Conversions between formats keep every value and its type: on the corpus, and on
//! generated trees. Where the target cannot hold a shape (nested values in dotenv, null in
//! TOML, integers beyond 64 bits in TOML) the conversion fails with a message instead.

mod common;

use common::*;
use proptest::prelude::*;
use secrets::format::FileFormat;
use secrets::plain::{self, number_kind, Plain, Stored};
use secrets::value::Scalar;
use secrets::Error;

const STRUCTURED: [FileFormat; 5] = [
    FileFormat::Yaml,
    FileFormat::Json,
    FileFormat::Dotenv,
    FileFormat::Toml,
    FileFormat::Ini,
];

/// The first document of `text` read as `format`, as a plain tree.
fn plain_of(format: FileFormat, text: &[u8]) -> Plain {
    let f = format.format();
    let doc = f.parse(text.to_vec()).unwrap_or_else(|e| {
        panic!(
            "{format} output does not read back: {e}\n{}",
            String::from_utf8_lossy(text)
        )
    });
    plain::documents(f, &doc, &Stored)
        .into_iter()
        .next()
        .unwrap_or(Plain::Map(Vec::new()))
}

/// Values compared by meaning: a number's digits as the int or float they say (integers
/// beyond 64 bits as their digits).
fn canon(p: &Plain) -> Plain {
    match p {
        Plain::Number(n) => match (number_kind(n.as_bytes()), n.parse::<i64>()) {
            (Some(true), Ok(i)) => Plain::Scalar(Scalar::Int(i)),
            (Some(true), Err(_)) => Plain::Number(n.trim_start_matches('-').to_string()),
            _ => Plain::Scalar(Scalar::Float(n.parse().unwrap())),
        },
        Plain::Map(items) => Plain::Map(items.iter().map(|(k, v)| (k.clone(), canon(v))).collect()),
        Plain::List(items) => Plain::List(items.iter().map(canon).collect()),
        other => other.clone(),
    }
}

/// A value as the string-only formats (dotenv, INI) hold it.
fn text(p: &Plain) -> Plain {
    let s = match p {
        Plain::Scalar(Scalar::Str(b)) => return Plain::Scalar(Scalar::Str(b.clone())),
        Plain::Scalar(Scalar::Int(i)) => i.to_string(),
        Plain::Scalar(Scalar::Float(f)) => format!("{f:?}"),
        Plain::Scalar(Scalar::Bool(b)) => b.to_string(),
        Plain::Scalar(Scalar::Time(t)) => t.to_string(),
        Plain::Number(n) => n.clone(),
        _ => String::new(),
    };
    Plain::Scalar(Scalar::str(s))
}

/// The first place where two trees differ, with both sides shown (test data is public).
fn first_difference(a: &Plain, b: &Plain, at: &str) -> Option<String> {
    let show = |p: &Plain| match p {
        Plain::Scalar(Scalar::Str(s)) => format!("str {:?}", String::from_utf8_lossy(s)),
        Plain::Scalar(s) => format!(
            "{} {:?}",
            s.type_name(),
            String::from_utf8_lossy(&s.plaintext())
        ),
        other => format!("{other:?}"),
    };
    match (a, b) {
        (Plain::Map(x), Plain::Map(y)) if x.len() == y.len() => {
            x.iter()
                .zip(y)
                .find_map(|((ka, va), (kb, vb))| match ka == kb {
                    true => first_difference(va, vb, &format!("{at}.{ka}")),
                    false => Some(format!("{at}: key {ka:?} vs {kb:?}")),
                })
        }
        (Plain::List(x), Plain::List(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (va, vb))| first_difference(va, vb, &format!("{at}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{at}: {} vs {}", show(a), show(b))),
    }
}

/// Asserts that two trees are equal by meaning, naming the first difference.
#[track_caller]
fn same(got: &Plain, want: &Plain, what: &str) {
    let (got, want) = (canon(got), canon(want));
    if let Some(d) = first_difference(&got, &want, "") {
        panic!("{what}: {d}");
    }
}

/// What a tree becomes in `target`, where `target` can hold it.
fn expected(p: &Plain, target: FileFormat) -> Plain {
    match (target, p) {
        (FileFormat::Json, Plain::Scalar(Scalar::Time(t))) => {
            Plain::Scalar(Scalar::str(t.as_bytes()))
        }
        (FileFormat::Dotenv, Plain::Map(items)) => {
            Plain::Map(items.iter().map(|(k, v)| (k.clone(), text(v))).collect())
        }
        (FileFormat::Ini, Plain::Map(items)) => {
            let section = |v: &Plain| match v {
                Plain::Map(keys) => {
                    Plain::Map(keys.iter().map(|(k, v)| (k.clone(), text(v))).collect())
                }
                _ => unreachable!(),
            };
            let defaults: Vec<(String, Plain)> = items
                .iter()
                .take_while(|(_, v)| !matches!(v, Plain::Map(_)))
                .map(|(k, v)| (k.clone(), text(v)))
                .collect();
            let mut out = Vec::new();
            let rest = &items[defaults.len()..];
            if !defaults.is_empty() {
                out.push(("DEFAULT".to_string(), Plain::Map(defaults)));
            }
            out.extend(rest.iter().map(|(k, v)| (k.clone(), section(v))));
            Plain::Map(out)
        }
        (_, Plain::Map(items)) => Plain::Map(
            items
                .iter()
                .map(|(k, v)| (k.clone(), expected(v, target)))
                .collect(),
        ),
        (_, Plain::List(items)) => Plain::List(items.iter().map(|v| expected(v, target)).collect()),
        _ => p.clone(),
    }
}

/// Converts `tree` to `target` and reads it back: `Ok(None)` when `target` cannot hold
/// the tree (with the reason printed), else whether it came back as expected.
fn convert(tree: &Plain, target: FileFormat) -> Result<Option<Plain>, String> {
    if !matches!(tree, Plain::Map(_)) && target != FileFormat::Json {
        eprintln!("  not in {target}: a list at the root");
        return Ok(None);
    }
    match target.format().emit(tree) {
        Ok(bytes) => Ok(Some(plain_of(target, &bytes))),
        Err(Error::Emit(reason)) => {
            eprintln!("  not in {target}: {reason}");
            Ok(None)
        }
        Err(other) => Err(format!("unexpected error: {other}")),
    }
}

#[test]
fn conversions_of_the_corpus_keep_values_and_types() {
    let mut converted = 0;
    let mut not_expressible = 0;
    for source in STRUCTURED {
        for file in corpus(source.name()) {
            let tree = plain_of(source, &read(&file));
            for target in STRUCTURED.into_iter().filter(|t| *t != source) {
                match convert(&tree, target).unwrap() {
                    Some(back) => {
                        same(
                            &back,
                            &expected(&tree, target),
                            &format!("{} as {target}", name(&file)),
                        );
                        converted += 1;
                    }
                    None => not_expressible += 1,
                }
            }
        }
    }
    eprintln!(
        "corpus conversions: {converted} kept every value and type, {not_expressible} refused"
    );
    assert!(converted >= 100, "only {converted} conversions");
}

#[test]
fn json_numbers_keep_their_digits_through_every_format() {
    let json = br#"{"int": 42, "float": 1.50, "exp": 1e5, "big": 123456789012345678901234567890, "neg": -0, "list": [1, 2.0]}"#;
    let tree = plain_of(FileFormat::Json, json);
    let yaml = FileFormat::Yaml.format().emit(&tree).unwrap();
    assert_eq!(
        String::from_utf8(yaml.clone()).unwrap(),
        "int: 42\nfloat: 1.50\nexp: 1e5\nbig: 123456789012345678901234567890\nneg: -0\nlist:\n    - 1\n    - 2.0\n"
    );
    // Back from YAML, and through dotenv, nothing changed.
    assert_eq!(plain_of(FileFormat::Yaml, &yaml), tree);
    let env = FileFormat::Dotenv.format().emit(&tree);
    assert!(env.is_err(), "a list cannot be a dotenv value");
    // TOML holds all but the big integer.
    let Plain::Map(items) = &tree else { panic!() };
    let small = Plain::Map(items.iter().filter(|(k, _)| k != "big").cloned().collect());
    let toml = FileFormat::Toml.format().emit(&small).unwrap();
    assert_eq!(plain_of(FileFormat::Toml, &toml), small);
    assert!(FileFormat::Toml.format().emit(&tree).is_err());
    // Between 2^63 and 2^64, yaml.v3 makes an unsigned integer sops cannot store: refused.
    let unsigned = plain_of(FileFormat::Json, br#"{"n": 12345678901234567890}"#);
    assert!(FileFormat::Yaml.format().emit(&unsigned).is_err());
}

#[test]
fn the_cli_converts_on_encrypt_and_decrypt() {
    let sandbox = Sandbox::new();
    // An integer beyond 64 bits has no TOML form: refused, nothing written.
    let big = sandbox.write("big.json", r#"{"big": 12345678901234567890}"#);
    let out = sandbox.path("big.enc.toml");
    let stderr = fails_with(
        run(sandbox
            .secrets()
            .args([
                "encrypt",
                "--output-type",
                "toml",
                "--age",
                RECIPIENT,
                "--output",
            ])
            .arg(&out)
            .arg(&big)),
        4,
    );
    assert!(stderr.contains("beyond TOML's 64-bit integers"), "{stderr}");
    assert!(!out.exists());
    let file = sandbox.write("d.json", r#"{"port": 8080, "ratio": 0.5, "on": true}"#);
    let enc = sandbox.write(
        "d.enc.toml",
        ok(run(sandbox
            .secrets()
            .args(["encrypt", "--output-type", "toml", "--age", RECIPIENT])
            .arg(&file))),
    );
    let back = ok(run(sandbox.secrets_with_key().arg("decrypt").arg(&enc)));
    assert_eq!(
        String::from_utf8(back).unwrap(),
        "port = 8080\nratio = 0.5\non = true\n"
    );
    let yaml = ok(run(sandbox
        .secrets_with_key()
        .args(["decrypt", "--output-type", "yaml"])
        .arg(&enc)));
    assert_eq!(
        String::from_utf8(yaml).unwrap(),
        "port: 8080\nratio: 0.5\n\"on\": true\n"
    );
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z][a-z0-9_]{0,8}",
        1 => "[ -~]{1,8}",
        1 => "\\PC{1,4}",
    ]
}

fn scalar() -> impl Strategy<Value = Plain> {
    prop_oneof![
        "\\PC{0,12}".prop_map(|s| Plain::Scalar(Scalar::str(s))),
        prop_oneof![
            Just("42"),
            Just("true"),
            Just("null"),
            Just("2024-01-02"),
            Just("0x1F"),
            Just(" padded "),
            Just("a: b # c"),
            Just("line one\nline two\n"),
        ]
        .prop_map(|s| Plain::Scalar(Scalar::str(s))),
        any::<i64>().prop_map(|i| Plain::Scalar(Scalar::Int(i))),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| Plain::Scalar(Scalar::Float(f))),
        prop_oneof![Just("1.50"), Just("-0.0"), Just("1e5"), Just("2.5E-3")]
            .prop_map(|n| Plain::Number(n.to_string())),
        any::<bool>().prop_map(|b| Plain::Scalar(Scalar::Bool(b))),
        (2000u32..2100, 1u32..13, 1u32..29, 0u32..24, 0u32..60).prop_map(|(y, mo, d, h, mi)| {
            Plain::Scalar(Scalar::Time(
                format!("{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:07Z").into(),
            ))
        }),
    ]
}

/// A map with distinct keys (TOML and INI forbid repeated ones).
fn map(inner: impl Strategy<Value = Plain>) -> impl Strategy<Value = Plain> {
    prop::collection::vec((key(), inner), 0..4).prop_map(|items| {
        let mut seen = std::collections::HashSet::new();
        Plain::Map(
            items
                .into_iter()
                .filter(|(k, _)| seen.insert(k.clone()))
                .collect(),
        )
    })
}

fn tree() -> impl Strategy<Value = Plain> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            map(inner.clone()),
            prop::collection::vec(inner, 0..4).prop_map(Plain::List)
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// YAML, JSON and TOML hold every generated tree: any chain of conversions keeps it.
    #[test]
    fn nested_trees_survive_yaml_json_and_toml(root in map(tree())) {
        for (a, b) in [
            (FileFormat::Yaml, FileFormat::Json),
            (FileFormat::Json, FileFormat::Toml),
            (FileFormat::Toml, FileFormat::Yaml),
            (FileFormat::Yaml, FileFormat::Toml),
            (FileFormat::Toml, FileFormat::Json),
            (FileFormat::Json, FileFormat::Yaml),
        ] {
            let first = convert(&root, a).unwrap().expect("a holds the tree");
            prop_assert_eq!(canon(&first), canon(&expected(&root, a)), "as {}", a);
            let second = convert(&first, b).unwrap().expect("b holds the tree");
            prop_assert_eq!(canon(&second), canon(&expected(&expected(&root, a), b)), "{} then {}", a, b);
        }
    }

    /// Flat maps survive dotenv and INI (as strings), and come back from them.
    #[test]
    fn flat_maps_survive_dotenv_and_ini(root in prop::collection::vec(("[A-Za-z_][A-Za-z0-9_.]{0,8}", scalar()), 1..6)) {
        let mut seen = std::collections::HashSet::new();
        let root = Plain::Map(root.into_iter().filter(|(k, _)| seen.insert(k.clone())).collect());
        let sections = Plain::Map(vec![("section".into(), root.clone())]);
        for (tree, target) in [(&root, FileFormat::Dotenv), (&sections, FileFormat::Ini)] {
            let Some(back) = convert(tree, target).unwrap() else {
                // Only a value whose text dotenv/INI cannot hold is refused.
                continue;
            };
            prop_assert_eq!(canon(&back), canon(&expected(tree, target)), "{}", target);
            for onward in [FileFormat::Yaml, FileFormat::Json, FileFormat::Toml] {
                let again = convert(&back, onward).unwrap().expect("strings fit anywhere");
                prop_assert_eq!(canon(&again), canon(&back), "{} then {}", target, onward);
            }
        }
    }
}

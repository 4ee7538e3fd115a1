//! One changed value is one changed line: after `set`, `edit` (with a scripted editor) and
//! `decrypt → change → encrypt --output`, exactly the value's line, `mac` and `lastmodified`
//! differ in the encrypted file. On random documents (property test) and on the corpus, with
//! `sops set`/`sops edit` on the same files side by side.
//!
//! The table: `cargo test --test minimal_diff corpus -- --nocapture`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use proptest::prelude::*;
use secrets::format::FileFormat;
use secrets::tree::{LeafKind, Rendering};
use secrets::value::{Scalar, ScalarRef};

/// Lines of `after` that differ from `before`, for files of equal line count; `None` when
/// the line counts differ.
fn differing(before: &[u8], after: &[u8]) -> Option<Vec<usize>> {
    let (a, b) = (lines(before), lines(after));
    (a.len() == b.len()).then(|| (0..a.len()).filter(|&i| a[i] != b[i]).collect())
}

fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split(|&b| b == b'\n').collect()
}

/// Changed lines between two files as a line diff counts them (the larger of removed and
/// added lines).
fn changed_count(before: &[u8], after: &[u8]) -> usize {
    let (removed, added) = changed_lines(
        &String::from_utf8_lossy(before),
        &String::from_utf8_lossy(after),
    );
    removed.len().max(added.len())
}

/// Whether line `i` of an encrypted file is its `mac` or `lastmodified`.
fn is_metadata_line(text: &[u8], i: usize) -> (bool, bool) {
    let stamp = metadata_stamp(&String::from_utf8_lossy(lines(text)[i]));
    (stamp == Some("mac"), stamp == Some("lastmodified"))
}

/// Checks that exactly one value line (`value_line`, when known), the mac and possibly
/// lastmodified (its resolution is one second) differ.
fn assert_minimal(before: &[u8], after: &[u8], value_line: Option<usize>, what: &str) {
    let diff =
        differing(before, after).unwrap_or_else(|| panic!("{what}: the number of lines changed"));
    let mut mac = false;
    let mut values = Vec::new();
    for &i in &diff {
        let (is_mac, is_lastmodified) = is_metadata_line(after, i);
        mac |= is_mac;
        if !is_mac && !is_lastmodified {
            values.push(i);
        }
    }
    let shown: Vec<String> = values
        .iter()
        .map(|&i| {
            format!(
                "line {}:\n{}\n{}",
                i + 1,
                String::from_utf8_lossy(lines(before)[i]),
                String::from_utf8_lossy(lines(after)[i])
            )
        })
        .collect();
    assert_eq!(
        values.len(),
        1,
        "{what}: value lines changed:\n{}",
        shown.join("\n")
    );
    if let Some(line) = value_line {
        assert_eq!(
            values[0],
            line,
            "{what}: another line changed:\n{}",
            shown.join("\n")
        );
    }
    assert!(mac, "{what}: the mac did not change");
}

/// A file editor that replaces the edited file by `source`.
fn copying_editor(source: &Path) -> String {
    format!("cp '{}'", source.display())
}

/// The three flows on an encrypted `file` whose plaintext changes from `plain` to `edited`
/// at `path` (JSON `value`): the encrypted results of `set`, `edit` and `encrypt --output`.
fn three_flows(
    sandbox: &Sandbox,
    file: &Path,
    kind: &str,
    edited: &[u8],
    path: &str,
    value: &str,
) -> [Vec<u8>; 3] {
    let encrypted = read(file);
    let target = |name: &str| {
        let p = sandbox.path(&format!("{name}.{}", ext(kind)));
        std::fs::write(&p, &encrypted).unwrap();
        p
    };
    let by_set = target("by-set");
    ok(run(sandbox
        .secrets_with_key()
        .args(["set", "--input-type", kind])
        .arg(&by_set)
        .args([path, value])));
    let by_edit = target("by-edit");
    let source = sandbox.write(&format!("edited.{}", ext(kind)), edited);
    ok(run(sandbox
        .secrets_with_key()
        .env("SOPS_EDITOR", copying_editor(&source))
        .args(["edit", "--input-type", kind])
        .arg(&by_edit)));
    let by_encrypt = target("by-encrypt");
    ok(run(sandbox
        .secrets_with_key()
        .args(["encrypt", "--input-type", kind, "--output"])
        .arg(&by_encrypt)
        .arg(&source)));
    [read(by_set), read(by_edit), read(by_encrypt)]
}

fn ext(kind: &str) -> &'static str {
    match kind {
        "yaml" => "yaml",
        "json" => "json",
        _ => "env",
    }
}

// ---- random documents ----

#[derive(Clone, Debug)]
enum Gen {
    Map(Vec<(String, Gen)>),
    Str(String),
    Int(i64),
    Bool(bool),
}

fn leaf() -> impl Strategy<Value = Gen> {
    prop_oneof![
        "[a-zA-Z0-9 _.-]{1,12}".prop_map(Gen::Str),
        any::<i32>().prop_map(|i| Gen::Int(i.into())),
        any::<bool>().prop_map(Gen::Bool),
    ]
}

fn tree() -> impl Strategy<Value = Gen> {
    leaf().prop_recursive(3, 20, 4, |inner| {
        prop::collection::vec(("[a-z][a-z0-9_]{0,6}", inner), 1..4).prop_map(|items| {
            let mut seen = std::collections::HashSet::new();
            Gen::Map(
                items
                    .into_iter()
                    .filter(|(k, _)| seen.insert(k.clone()))
                    .collect(),
            )
        })
    })
}

fn scalar_text(g: &Gen, kind: &str) -> String {
    match (g, kind) {
        (Gen::Str(s), "dotenv") => s.clone(),
        (Gen::Str(s), _) => serde_json::to_string(s).unwrap(),
        (Gen::Int(i), _) => i.to_string(),
        (Gen::Bool(b), _) => b.to_string(),
        (Gen::Map(_), _) => unreachable!("a leaf"),
    }
}

/// The document as YAML (block, indent 2, a comment), JSON (two spaces) or dotenv (flat).
fn render(entries: &[(String, Gen)], kind: &str) -> String {
    fn yaml(out: &mut String, items: &[(String, Gen)], indent: usize) {
        for (k, v) in items {
            out.push_str(&" ".repeat(indent));
            match v {
                Gen::Map(inner) if !inner.is_empty() => {
                    out.push_str(&format!("{k}:\n"));
                    yaml(out, inner, indent + 2);
                }
                Gen::Map(_) => out.push_str(&format!("{k}: {{}}\n")),
                leaf => out.push_str(&format!("{k}: {}\n", scalar_text(leaf, "yaml"))),
            }
        }
    }
    fn json(out: &mut String, items: &[(String, Gen)], indent: usize) {
        out.push('{');
        for (i, (k, v)) in items.iter().enumerate() {
            out.push('\n');
            out.push_str(&"  ".repeat(indent + 1));
            out.push_str(&format!("{}: ", serde_json::to_string(k).unwrap()));
            match v {
                Gen::Map(inner) => json(out, inner, indent + 1),
                leaf => out.push_str(&scalar_text(leaf, "json")),
            }
            if i + 1 < items.len() {
                out.push(',');
            }
        }
        out.push('\n');
        out.push_str(&"  ".repeat(indent));
        out.push('}');
    }
    let mut out = String::new();
    match kind {
        "yaml" => {
            out.push_str("# generated\n");
            yaml(&mut out, entries, 0);
        }
        "json" => {
            json(&mut out, entries, 0);
            out.push('\n');
        }
        _ => {
            out.push_str("# generated\n");
            for (k, v) in entries {
                out.push_str(&format!(
                    "{}={}\n",
                    k.to_uppercase(),
                    scalar_text(v, "dotenv")
                ));
            }
        }
    }
    out
}

/// Paths of every leaf, as `set` paths.
fn leaf_paths(items: &[(String, Gen)], prefix: &str, out: &mut Vec<String>) {
    for (k, v) in items {
        let p = format!("{prefix}[\"{k}\"]");
        match v {
            Gen::Map(inner) => leaf_paths(inner, &p, out),
            _ => out.push(p),
        }
    }
}

fn replace_at(items: &mut [(String, Gen)], path: &[&str], new: &Gen) {
    let (first, rest) = path.split_first().unwrap();
    let entry = items.iter_mut().find(|(k, _)| k == first).unwrap();
    match (&mut entry.1, rest.is_empty()) {
        (v, true) => *v = new.clone(),
        (Gen::Map(inner), false) => replace_at(inner, rest, new),
        _ => unreachable!(),
    }
}

fn flat(entries: Vec<(String, Gen)>) -> Vec<(String, Gen)> {
    let mut seen = std::collections::HashSet::new();
    entries
        .into_iter()
        .map(|(k, v)| match v {
            Gen::Map(_) => (k, Gen::Str("nested".into())),
            v => (k, v),
        })
        .filter(|(k, _)| seen.insert(k.to_uppercase()))
        .collect()
}

fn one_value_change(
    kind: &str,
    entries: Vec<(String, Gen)>,
    pick: prop::sample::Index,
    new: Gen,
) -> Result<(), TestCaseError> {
    let mut entries = if kind == "dotenv" {
        flat(entries)
    } else {
        entries
    };
    if kind == "dotenv" {
        for (k, _) in entries.iter_mut() {
            *k = k.to_uppercase();
        }
    }
    let new = match (kind, new) {
        ("dotenv", Gen::Str(s)) => Gen::Str(s),
        ("dotenv", other) => Gen::Str(scalar_text(&other, "json")),
        (_, other) => other,
    };
    let mut paths = Vec::new();
    leaf_paths(&entries, "", &mut paths);
    prop_assume!(!paths.is_empty());
    let path = pick.get(&paths).clone();
    let keys: Vec<String> = path
        .trim_start_matches("[\"")
        .trim_end_matches("\"]")
        .split("\"][\"")
        .map(str::to_string)
        .collect();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let before = render(&entries, kind);
    replace_at(&mut entries, &keys, &new);
    let after = render(&entries, kind);
    prop_assume!(before != after);
    let value_line = differing(before.as_bytes(), after.as_bytes())
        .expect("a scalar change keeps the line count");
    prop_assert_eq!(value_line.len(), 1);

    let sandbox = Sandbox::new();
    let plain = sandbox.write(&format!("plain.{}", ext(kind)), &before);
    let encrypted = encrypt(&sandbox, &plain);
    let file = sandbox.write(&format!("secret.{}", ext(kind)), &encrypted);
    let value = match &new {
        Gen::Str(s) => serde_json::to_string(s).unwrap(),
        other => scalar_text(other, "json"),
    };
    let results = three_flows(&sandbox, &file, kind, after.as_bytes(), &path, &value);
    for (result, flow) in results
        .iter()
        .zip(["set", "edit", "decrypt → change → encrypt"])
    {
        assert_minimal(&encrypted, result, Some(value_line[0]), flow);
    }
    // Editing writes the text as given; set writes the value in the old value's quoting.
    let as_json = |bytes: &[u8]| {
        let out = ok(run(sandbox
            .secrets_with_key()
            .args(["decrypt", "--input-type", kind, "--output-type", "json"])
            .arg(sandbox.write(&format!("r.{}", ext(kind)), bytes))));
        serde_json::from_slice::<serde_json::Value>(&out).unwrap()
    };
    prop_assert_eq!(
        decrypt(&sandbox, &sandbox.write("r", &results[1]), kind),
        after.as_bytes()
    );
    prop_assert_eq!(
        decrypt(&sandbox, &sandbox.write("r", &results[2]), kind),
        after.as_bytes()
    );
    prop_assert_eq!(as_json(&results[0]), as_json(&results[1]));
    // The three flows write the same ciphertext for the new value.
    let token = |r: &Vec<u8>| {
        let line = String::from_utf8_lossy(lines(r)[value_line[0]]).into_owned();
        line[line.find("ENC[").expect("an encrypted value")..]
            .split(']')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    prop_assert_eq!(token(&results[0]), token(&results[1]));
    prop_assert_eq!(token(&results[1]), token(&results[2]));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn yaml_one_value_change_is_one_line(entries in prop::collection::vec(("[a-z][a-z0-9_]{0,6}", tree()), 1..6), pick: prop::sample::Index, new in leaf()) {
        let entries = dedup(entries);
        one_value_change("yaml", entries, pick, new)?;
    }

    #[test]
    fn json_one_value_change_is_one_line(entries in prop::collection::vec(("[a-z][a-z0-9_]{0,6}", tree()), 1..6), pick: prop::sample::Index, new in leaf()) {
        let entries = dedup(entries);
        one_value_change("json", entries, pick, new)?;
    }

    #[test]
    fn dotenv_one_value_change_is_one_line(entries in prop::collection::vec(("[a-z][a-z0-9_]{0,6}", leaf()), 1..8), pick: prop::sample::Index, new in leaf()) {
        one_value_change("dotenv", entries, pick, new)?;
    }
}

fn dedup(entries: Vec<(String, Gen)>) -> Vec<(String, Gen)> {
    let mut seen = std::collections::HashSet::new();
    entries
        .into_iter()
        .filter(|(k, _)| seen.insert(k.clone()))
        .collect()
}

// ---- the corpus, side by side with sops ----

/// A single-line, encrypted string value near the middle of a plaintext file: its `set`
/// path, its text, and the file with it changed.
struct Target {
    path: String,
    old: String,
    new: String,
    edited: Vec<u8>,
}

fn target(plain: &[u8], kind: &str) -> Option<Target> {
    let format = FileFormat::from_name(kind)?.format();
    let doc = format.parse(plain.to_vec()).ok()?;
    let mut candidates = Vec::new();
    doc.walk(|v| {
        if v.is_comment || v.document != 0 || v.path.is_empty() {
            return;
        }
        let leaf = &doc.leaves[v.leaf];
        let LeafKind::Value(Scalar::Str(s)) = &leaf.kind else {
            return;
        };
        let Ok(text) = std::str::from_utf8(s) else {
            return;
        };
        let plain_text = text.len() >= 3
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " ._-/:".contains(c));
        // Keys the `["key"]` syntax cannot name, and keys that keep values in plaintext.
        let unnamed_or_unencrypted = v.path.iter().any(|seg| {
            matches!(seg, secrets::path::PathSeg::Key(k)
                if k.ends_with("_unencrypted") || k.contains(['\\', '"', '[', ']']))
        });
        let raw = doc.raw(leaf);
        let as_written = raw == text.as_bytes()
            || (raw.len() == text.len() + 2 && &raw[1..raw.len() - 1] == text.as_bytes());
        if plain_text && !unnamed_or_unencrypted && as_written {
            candidates.push((v.path.to_vec(), text.to_string(), v.leaf));
        }
    });
    let (path, old, id) = candidates.get(candidates.len() / 2)?.clone();
    let new = format!("{old}-changed");
    let patch = format
        .patch(
            &doc,
            &doc.leaves[id],
            Rendering::Plain(ScalarRef::Str(new.as_bytes())),
        )
        .ok()?;
    Some(Target {
        path: secrets::path::Display(&path).to_string(),
        old,
        new,
        edited: doc.apply(vec![patch]),
    })
}

/// A scripted editor for sops: replaces the first occurrence of $OLD by $NEW.
fn perl_editor() -> String {
    r#"perl -0pi -e 's/\Q$ENV{OLD}\E/$ENV{NEW}/'"#.to_string()
}

struct Row {
    file: String,
    path: String,
    lines: usize,
    ours: [usize; 3],
    sops: Option<[usize; 3]>,
    ours_on_sops_file: Option<usize>,
    /// Values whose ciphertext changed.
    ours_data_on_sops_file: Option<usize>,
}

/// The lines before the metadata of an encrypted file.
fn data_part(text: &[u8]) -> &[u8] {
    let end = lines(text)
        .iter()
        .scan(0, |at, line| {
            let start = *at;
            *at += line.len() + 1;
            Some((start, *line))
        })
        .find(|(_, line)| {
            line.starts_with(b"sops:")
                || line.starts_with(b"sops_")
                || line.starts_with(b"\t\"sops\"")
        })
        .map_or(text.len(), |(start, _)| start);
    &text[..end]
}

/// The `ENC[...]` values of the lines before the metadata of `before` that `after` no
/// longer has: the values whose ciphertext changed. (sops writes every token bare and comments
/// in lists as list items; secrets writes a token in the quotes its plaintext needs and those
/// comments as comments, so lines may differ in that form, once.)
fn lost_ciphertexts(before: &[u8], after: &[u8]) -> usize {
    fn tokens(text: &[u8]) -> Vec<String> {
        let text = String::from_utf8_lossy(data_part(text)).into_owned();
        text.split("ENC[")
            .skip(1)
            .map(|rest| rest.split(']').next().unwrap_or_default().to_string())
            .collect()
    }
    let mut kept = tokens(after);
    tokens(before)
        .into_iter()
        .filter(|t| match kept.iter().position(|k| k == t) {
            Some(i) => {
                kept.swap_remove(i);
                false
            }
            None => true,
        })
        .count()
}

fn sops_row(
    sandbox: &Sandbox,
    plain: &Path,
    kind: &str,
    t: &Target,
) -> Option<([usize; 3], usize, usize)> {
    let sops = |args: &[&str], file: &Path| -> Command {
        let mut cmd = sandbox.sops().unwrap();
        cmd.args(args).arg(file);
        cmd
    };
    let encrypted = run(&mut sops(
        &[
            "encrypt",
            "--age",
            RECIPIENT,
            "--input-type",
            kind,
            "--output-type",
            kind,
        ],
        plain,
    ));
    if !encrypted.status.success() {
        return None;
    }
    let original = encrypted.stdout;
    let copy = |name: &str| sandbox.write(&format!("sops-{name}.{}", ext(kind)), &original);
    let set_file = copy("set");
    let value = serde_json::to_string(&t.new).unwrap();
    ok(run(sops(
        &["set", "--input-type", kind, "--output-type", kind],
        &set_file,
    )
    .args([t.path.as_str(), value.as_str()])));
    let edit_file = copy("edit");
    ok(run(sops(
        &["edit", "--input-type", kind, "--output-type", kind],
        &edit_file,
    )
    .env("SOPS_EDITOR", perl_editor())
    .env("OLD", &t.old)
    .env("NEW", &t.new)));
    // decrypt → change → encrypt: a fresh encryption.
    let decrypted = ok(run(&mut sops(
        &["decrypt", "--input-type", kind, "--output-type", kind],
        &copy("dec"),
    )));
    let changed = String::from_utf8_lossy(&decrypted).replacen(&t.old, &t.new, 1);
    let changed_file = sandbox.write(&format!("sops-changed.{}", ext(kind)), changed);
    let reencrypted = ok(run(&mut sops(
        &[
            "encrypt",
            "--age",
            RECIPIENT,
            "--input-type",
            kind,
            "--output-type",
            kind,
        ],
        &changed_file,
    )));
    // secrets set on the sops-written file: unchanged values keep sops's ciphertext.
    let ours_file = copy("ours");
    ok(run(sandbox
        .secrets_with_key()
        .args(["set", "--input-type", kind])
        .arg(&ours_file)
        .args([t.path.as_str(), value.as_str()])));
    let after_ours = read(&ours_file);
    let sops_reads_it = run(&mut sops(
        &["decrypt", "--input-type", kind, "--output-type", kind],
        &ours_file,
    ));
    assert!(
        sops_reads_it.status.success(),
        "sops cannot read what secrets set wrote"
    );
    Some((
        [
            changed_count(&original, &read(&set_file)),
            changed_count(&original, &read(&edit_file)),
            changed_count(&original, &reencrypted),
        ],
        changed_count(&original, &after_ours),
        lost_ciphertexts(&original, &after_ours),
    ))
}

#[test]
fn corpus_one_value_change_is_one_line_and_sops_side_by_side() {
    let sandbox = Sandbox::new();
    let with_sops = sandbox.sops().is_some();
    let mut rows = Vec::new();
    for kind in ["yaml", "json", "dotenv"] {
        for file in corpus(kind) {
            let plain = read(&file);
            let Some(t) = target(&plain, kind) else {
                continue;
            };
            let encrypted = encrypt(&sandbox, &file);
            let enc_file: PathBuf = sandbox.write(&format!("secret.{}", ext(kind)), &encrypted);
            let results = three_flows(
                &sandbox,
                &enc_file,
                kind,
                &t.edited,
                &t.path,
                &serde_json::to_string(&t.new).unwrap(),
            );
            let mut ours = [0; 3];
            for (i, (result, flow)) in results
                .iter()
                .zip(["set", "edit", "encrypt --output"])
                .enumerate()
            {
                assert_minimal(
                    &encrypted,
                    result,
                    None,
                    &format!("{} {flow} {}", name(&file), t.path),
                );
                ours[i] = changed_count(&encrypted, result);
            }
            let sops_input = sandbox.write(&format!("plain.{}", ext(kind)), &plain);
            let row = with_sops
                .then(|| sops_row(&sandbox, &sops_input, kind, &t))
                .flatten();
            rows.push(Row {
                file: name(&file).to_string(),
                path: t.path.clone(),
                lines: lines(&plain).len(),
                ours,
                sops: row.map(|r| r.0),
                ours_on_sops_file: row.map(|r| r.1),
                ours_data_on_sops_file: row.map(|r| r.2),
            });
        }
    }
    assert!(
        rows.len() >= 15,
        "only {} corpus files had a value to change",
        rows.len()
    );
    println!("\nchanged lines after one value change (secrets on its file | sops on its file | secrets set on sops's file)");
    println!("| file | lines | secrets set | secrets edit | secrets decrypt→encrypt | sops set | sops edit | sops decrypt→encrypt | secrets set on sops file |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let show = |v: Option<usize>| v.map_or("–".to_string(), |n| n.to_string());
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.file,
            r.lines,
            r.ours[0],
            r.ours[1],
            r.ours[2],
            show(r.sops.map(|s| s[0])),
            show(r.sops.map(|s| s[1])),
            show(r.sops.map(|s| s[2])),
            show(r.ours_on_sops_file),
        );
        if let Some(n) = r.ours_data_on_sops_file {
            assert!(
                n <= 1,
                "{}: secrets set {} on a sops file changed {n} ciphertexts",
                r.file,
                r.path
            );
        }
    }
}

#[test]
fn a_large_sops_file_edited_keeps_every_other_ciphertext() {
    // Large files are re-encrypted on every core, each value ahead of the walk with the IV
    // sops chose for it: a one-value edit must still leave every other line as sops wrote it.
    let sandbox = Sandbox::new();
    let Some(mut sops) = sandbox.sops() else {
        return;
    };
    let plain: String = (0..3000)
        .map(|i| format!("# note {i}\nk{i}: value-{i}\nn{i}: {i}\n"))
        .collect();
    let plain_file = sandbox.write("large.yaml", &plain);
    let original = ok(run(sops
        .args(["encrypt", "--age", RECIPIENT])
        .arg(&plain_file)));
    let file = sandbox.write("large.enc.yaml", &original);
    let edited = sandbox.write(
        "edited.yaml",
        plain.replace("k1500: value-1500\n", "k1500: new\n"),
    );
    ok(run(sandbox
        .secrets_with_key()
        .env("SOPS_EDITOR", copying_editor(&edited))
        .arg("edit")
        .arg(&file)));
    let after = read(&file);
    // secrets writes the metadata block in its own layout; the values are what must stay.
    let (before, after) = (data_part(&original), data_part(&after));
    let changed: Vec<String> = differing(before, after)
        .expect("same line count")
        .iter()
        .map(|&i| String::from_utf8_lossy(lines(after)[i]).into_owned())
        .collect();
    assert_eq!(changed.len(), 1, "{changed:#?}");
    assert!(changed[0].starts_with("k1500: ENC["), "{changed:#?}");
    let decrypted = ok(run(sandbox
        .sops()
        .expect("found above")
        .arg("decrypt")
        .arg(&file)));
    assert!(String::from_utf8_lossy(&decrypted).contains("k1500: new\n"));
}

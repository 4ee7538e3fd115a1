//! Changing who can read files: `updatekeys` (only metadata lines change), `rotate` (every
//! value changes, removed recipients are locked out), `groups add|delete`, and `--all` over
//! a repository.

mod common;

use std::path::Path;
use std::time::Instant;

use common::*;

const A: &str = RECIPIENT;
const B: &str = RECIPIENTS_2_TO_4[0];
const C: &str = RECIPIENTS_2_TO_4[1];

fn rule(recipients: &[&str]) -> String {
    format!("creation_rules:\n  - age: {}\n", recipients.join(","))
}

/// The lines of an age key entry in a YAML metadata block.
fn entry_lines(text: &str, recipient: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_start() == format!("- recipient: {recipient}"))
        .unwrap_or_else(|| panic!("no entry for {recipient}"));
    let dash = lines[start].len() - lines[start].trim_start().len();
    let end = start
        + 1
        + lines[start + 1..]
            .iter()
            .position(|l| l.len() - l.trim_start().len() <= dash)
            .unwrap();
    lines[start..end].iter().map(|l| l.to_string()).collect()
}

fn decrypts(sandbox: &Sandbox, file: &Path, key: &Path) -> bool {
    run(sandbox
        .secrets()
        .env("SOPS_AGE_KEY_FILE", key)
        .arg("decrypt")
        .arg(file))
    .status
    .success()
}

#[test]
fn updatekeys_changes_only_the_metadata_lines_of_changed_keys() {
    let sandbox = Sandbox::new();
    sandbox.write(".sops.yaml", rule(&[A, B]));
    let plain = read(fixture("plain/example.yaml"));
    let file = sandbox.write("app.yaml", &plain);
    ok(run(sandbox.secrets().args(["encrypt", "-i", "app.yaml"])));
    let before = String::from_utf8(read(&file)).unwrap();

    // B leaves, C joins.
    sandbox.write(".sops.yaml", rule(&[A, C]));
    let out = ok(run(sandbox.secrets_with_key().args([
        "updatekeys",
        "-y",
        "app.yaml",
    ])));
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains(&format!("+++ age {C}")), "{out}");
    assert!(out.contains(&format!("--- age {B}")), "{out}");
    assert!(out.contains(&format!("        age {A}")), "{out}");
    let after = String::from_utf8(read(&file)).unwrap();

    let (removed, added) = changed_lines(&before, &after);
    // Every changed line belongs to B's entry (gone) or C's (new).
    let (b_entry, c_entry) = (entry_lines(&before, B), entry_lines(&after, C));
    assert!(removed.iter().all(|l| b_entry.contains(l)), "{removed:?}");
    assert!(added.iter().all(|l| c_entry.contains(l)), "{added:?}");
    assert!(removed.contains(&b_entry[0]) && added.contains(&c_entry[0]));
    let data_lines = before.lines().position(|l| l == "sops:").unwrap();
    eprintln!(
        "updatekeys: {} of {} lines changed ({} removed, {} added), all in the metadata block; {} data lines untouched",
        removed.len() + added.len(),
        before.lines().count(),
        removed.len(),
        added.len(),
        data_lines
    );
    assert_eq!(
        before.lines().take(data_lines).collect::<Vec<_>>(),
        after.lines().take(data_lines).collect::<Vec<_>>()
    );
    for field in ["lastmodified:", "mac:"] {
        assert!(!removed.iter().chain(&added).any(|l| l.contains(field)));
    }
    assert!(decrypts(&sandbox, &file, &fixture_key(3)), "C can read it");
    assert!(decrypts(&sandbox, &file, &fixture_key(1)), "A still can");
    if let Some(mut sops) = sandbox.sops() {
        let out = ok(run(sops
            .env("SOPS_AGE_KEY_FILE", fixture_key(3))
            .arg("decrypt")
            .arg(&file)));
        assert_eq!(out, read(fixture("dec-example.yaml")));
    }

    // Run again: nothing to do, nothing written.
    let out = ok(run(sandbox.secrets().args([
        "updatekeys",
        "-y",
        "app.yaml",
    ])));
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "app.yaml: already up to date\n"
    );
    assert_eq!(read(&file), after.as_bytes());
}

#[test]
fn updatekeys_asks_and_writes_nothing_without_an_answer() {
    let sandbox = Sandbox::new();
    sandbox.write(".sops.yaml", rule(&[A, B]));
    let file = sandbox.write("a.json", "{\"k\": \"v\"}\n");
    ok(run(sandbox.secrets().args(["encrypt", "-i", "a.json"])));
    let before = read(&file);
    sandbox.write(".sops.yaml", rule(&[A]));
    let err = fails_with(
        run(sandbox.secrets_with_key().args(["updatekeys", "a.json"])),
        1,
    );
    assert!(err.contains("pass -y"), "{err}");
    assert_eq!(read(&file), before);
    // Removing a key needs no key of the file: the others' entries are kept as they are.
    ok(run(sandbox.secrets().args(["updatekeys", "-y", "a.json"])));
    let removed = read(&file);
    assert!(!String::from_utf8_lossy(&removed).contains(B));
    assert!(decrypts(&sandbox, &file, &fixture_key(1)));
    // Adding one needs the data key: without a key of the file, nothing is written.
    sandbox.write(".sops.yaml", rule(&[A, C]));
    let err = fails_with(
        run(sandbox.secrets().args(["updatekeys", "-y", "a.json"])),
        128,
    );
    assert!(err.contains("cannot decrypt the data key"), "{err}");
    assert_eq!(read(&file), removed, "a failed update writes nothing");
}

#[test]
fn updatekeys_on_a_file_sops_wrote() {
    let sandbox = Sandbox::new();
    let Some(_) = sandbox.sops() else { return };
    sandbox.write(".sops.yaml", rule(&[A]));
    sandbox.copy(&fixture("plain/example.env"), "app.env");
    let enc = ok(run(sandbox.sops().unwrap().args(["encrypt", "app.env"])));
    let file = sandbox.write("app.enc.env", &enc);
    sandbox.write(
        ".sops.yaml",
        format!("creation_rules:\n  - path_regex: \\.env$\n    age: {A},{B}\n"),
    );
    ok(run(sandbox.secrets_with_key().args([
        "updatekeys",
        "-y",
        "--input-type",
        "dotenv",
        "app.enc.env",
    ])));
    let (removed, added) = changed_lines(
        std::str::from_utf8(&enc).unwrap(),
        &String::from_utf8(read(&file)).unwrap(),
    );
    assert!(
        removed.is_empty()
            && added
                .iter()
                .all(|l| l.starts_with("sops_age__list_1__map_")),
        "removed {removed:?}, added {added:?}"
    );
    let out = ok(run(sandbox
        .sops()
        .unwrap()
        .env("SOPS_AGE_KEY_FILE", fixture_key(2))
        .args([
            "decrypt",
            "--input-type",
            "dotenv",
            "--output-type",
            "dotenv",
        ])
        .arg(&file)));
    assert_eq!(out, read(fixture("plain/example.env")));
}

#[test]
fn rotate_changes_every_value_and_locks_out_removed_recipients() {
    let sandbox = Sandbox::new();
    let file = sandbox.copy(&fixture("plain/example.yaml"), "app.yaml");
    ok(run(sandbox.secrets().args([
        "encrypt",
        "-i",
        "--age",
        &format!("{A},{B}"),
        "app.yaml",
    ])));
    let before = String::from_utf8(read(&file)).unwrap();
    assert!(decrypts(&sandbox, &file, &fixture_key(2)));

    ok(run(sandbox.secrets_with_key().args([
        "rotate",
        "-i",
        "--rm-age",
        B,
        "--add-age",
        C,
        "app.yaml",
    ])));
    let after = String::from_utf8(read(&file)).unwrap();
    let values = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.contains("ENC[AES256_GCM"))
            .map(String::from)
            .collect()
    };
    let (old, new) = (values(&before), values(&after));
    assert_eq!(old.len(), new.len());
    assert!(old.len() > 5);
    for (o, n) in old.iter().zip(&new) {
        assert_ne!(o, n, "a value kept its ciphertext after rotate");
    }
    eprintln!(
        "rotate: {} of {} encrypted lines changed",
        new.len(),
        old.len()
    );
    assert!(!after.contains(B) && after.contains(C));
    assert!(!decrypts(&sandbox, &file, &fixture_key(2)), "B was removed");
    assert!(decrypts(&sandbox, &file, &fixture_key(3)), "C was added");
    let decrypted = ok(run(sandbox.secrets_with_key().arg("decrypt").arg(&file)));
    assert_eq!(decrypted, read(fixture("plain/example.yaml")));
    if let Some(mut sops) = sandbox.sops() {
        fails_with(
            run(sops
                .env("SOPS_AGE_KEY_FILE", fixture_key(2))
                .arg("decrypt")
                .arg(&file)),
            128,
        );
        ok(run(sandbox
            .sops()
            .unwrap()
            .env("SOPS_AGE_KEY_FILE", fixture_key(3))
            .arg("decrypt")
            .arg(&file)));
    }
    // Removing a key the file does not have is a mistake worth hearing about.
    let err = fails_with(
        run(sandbox
            .secrets_with_key()
            .args(["rotate", "-i", "--rm-age", B, "app.yaml"])),
        8,
    );
    assert!(err.contains("the file has no such key"), "{err}");
    assert_eq!(read(&file), after.as_bytes());
}

#[test]
fn rotate_reads_and_writes_sops_files() {
    let sandbox = Sandbox::new();
    let Some(_) = sandbox.sops() else { return };
    let file = sandbox.copy(&fixture("enc-example.json"), "app.json");
    let rotated = ok(run(sandbox.secrets_with_key().args(["rotate", "app.json"])));
    let rotated = sandbox.write("rotated.json", rotated);
    assert_eq!(
        ok(run(sandbox.sops().unwrap().arg("decrypt").arg(&rotated))),
        ok(run(sandbox.sops().unwrap().arg("decrypt").arg(&file)))
    );
}

#[test]
fn groups_add_and_delete_split_the_key_again() {
    let sandbox = Sandbox::new();
    let file = sandbox.copy(&fixture("plain/example.yaml"), "app.yaml");
    ok(run(sandbox
        .secrets()
        .args(["encrypt", "-i", "--age", A, "app.yaml"])));
    ok(run(sandbox.secrets_with_key().args([
        "groups", "add", "-i", "-f", "app.yaml", "--age", B, "--age", C,
    ])));
    let text = String::from_utf8(read(&file)).unwrap();
    assert!(
        text.contains("shamir_threshold: 2") && text.contains("key_groups:"),
        "{text}"
    );
    // Both groups are needed now: A alone, or B alone, cannot decrypt.
    assert!(!decrypts(&sandbox, &file, &fixture_key(1)));
    assert!(!decrypts(&sandbox, &file, &fixture_key(2)));
    let both = sandbox.write(
        "both.txt",
        [read(fixture_key(1)), read(fixture_key(3))].concat(),
    );
    assert!(decrypts(&sandbox, &file, &both));
    if let Some(mut sops) = sandbox.sops() {
        ok(run(sops
            .env("SOPS_AGE_KEY_FILE", &both)
            .arg("decrypt")
            .arg(&file)));
    }
    let err = fails_with(
        run(sandbox
            .secrets()
            .env("SOPS_AGE_KEY_FILE", &both)
            .args(["groups", "delete", "-i", "-f", "app.yaml", "5"])),
        1,
    );
    assert!(err.contains("INDEX must be 0 to 1"), "{err}");
    // Deleting a group the threshold needs is refused (as sops does); lowering it works.
    let err = fails_with(
        run(sandbox
            .secrets()
            .env("SOPS_AGE_KEY_FILE", &both)
            .args(["groups", "delete", "-i", "-f", "app.yaml", "0"])),
        1,
    );
    assert!(err.contains("--shamir-secret-sharing-threshold 1"), "{err}");
    assert_eq!(read(&file), text.as_bytes());
    ok(run(sandbox.secrets().env("SOPS_AGE_KEY_FILE", &both).args(
        [
            "groups",
            "delete",
            "-i",
            "-f",
            "app.yaml",
            "--shamir-secret-sharing-threshold",
            "1",
            "0",
        ],
    )));
    assert!(
        decrypts(&sandbox, &file, &fixture_key(2)),
        "group 1 alone now"
    );
    assert!(
        !decrypts(&sandbox, &file, &fixture_key(1)),
        "group 0 is gone"
    );
}

#[test]
fn all_walks_the_repository_and_reports_every_file() {
    let sandbox = Sandbox::new();
    sandbox.write(
        ".sops.yaml",
        format!("creation_rules:\n  - path_regex: ^secrets/\n    age: {A}\n"),
    );
    sandbox.write(".gitignore", "secrets/ignored/\n");
    let kinds = ["yaml", "json", "env"];
    let mut files = Vec::new();
    for i in 0..200 {
        let ext = kinds[i % 3];
        let body = match ext {
            "yaml" => format!("password: pw{i}\nuser: u{i}\n"),
            "json" => format!("{{\"password\": \"pw{i}\"}}\n"),
            _ => format!("PASSWORD=pw{i}\n"),
        };
        let rel = format!("secrets/team{}/file{i:03}.{ext}", i % 7);
        files.push(sandbox.write(&rel, body));
    }
    // Files the walk must leave alone: ignored by git, matched by no rule, not encrypted.
    let ignored = sandbox.write("secrets/ignored/x.yaml", "a: b\n");
    let unmatched = sandbox.write("docs/x.yaml", "a: b\n");
    sandbox.write("secrets/README.md", "# not a SOPS file\n");

    let started = Instant::now();
    // Encrypt them all once (the rule gives the keys).
    for f in &files {
        ok(run(sandbox.secrets().arg("encrypt").arg("-i").arg(f)));
    }
    let encrypt_time = started.elapsed();
    for f in [&ignored, &unmatched] {
        assert_eq!(read(f), b"a: b\n");
    }

    sandbox.write(
        ".sops.yaml",
        format!("creation_rules:\n  - path_regex: ^secrets/\n    age: {A},{B}\n"),
    );
    let started = Instant::now();
    let out = ok(run(sandbox.secrets_with_key().args([
        "updatekeys",
        "--all",
        "-y",
    ])));
    let updatekeys_time = started.elapsed();
    let out = String::from_utf8(out).unwrap();
    for f in &files {
        let rel = f
            .strip_prefix(sandbox.path(""))
            .unwrap()
            .display()
            .to_string();
        assert!(
            out.contains(&format!("{rel}: updated")),
            "{rel} not reported:\n{out}"
        );
    }
    assert_eq!(out.matches(": updated").count(), 200);
    assert!(!out.contains("ignored/") && !out.contains("docs/") && !out.contains("README"));
    assert_eq!(read(&ignored), b"a: b\n");
    for f in files.iter().step_by(37) {
        assert!(
            decrypts(&sandbox, f, &fixture_key(2)),
            "{} not updated",
            f.display()
        );
    }
    let out = ok(run(sandbox.secrets().args(["updatekeys", "--all", "-y"])));
    assert_eq!(
        String::from_utf8(out)
            .unwrap()
            .matches(": already up to date")
            .count(),
        200
    );

    // A file that never had B: rotating everything to drop B rotates it all the same.
    sandbox.write("secrets/only-a.yaml", "k: v\n");
    ok(run(sandbox.secrets().args([
        "encrypt",
        "-i",
        "--age",
        A,
        "secrets/only-a.yaml",
    ])));
    let started = Instant::now();
    let out = ok(run(sandbox
        .secrets_with_key()
        .args(["rotate", "--all", "-i", "--rm-age", B])));
    let rotate_time = started.elapsed();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(out.matches(": rotated").count(), 201);
    assert!(out.contains("secrets/only-a.yaml: rotated"));
    for f in files.iter().step_by(37) {
        assert!(
            !decrypts(&sandbox, f, &fixture_key(2)),
            "{} still open to B",
            f.display()
        );
        assert!(decrypts(&sandbox, f, &fixture_key(1)));
    }
    eprintln!(
        "200 files: encrypt (200 runs) {encrypt_time:.2?}, updatekeys --all {updatekeys_time:.2?}, rotate --all {rotate_time:.2?}"
    );
}

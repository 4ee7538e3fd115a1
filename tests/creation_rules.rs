//! `.sops.yaml` creation rules: the same rule chosen, and the same file made, as by the real
//! `sops`; key groups with Shamir sharing; clear errors for bad rules and missing keys.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use secrets::format::FileFormat;
use secrets::keys::key_label;
use secrets::metadata::Metadata;

const A: &str = RECIPIENT;
const B: &str = RECIPIENTS_2_TO_4[0];
const C: &str = RECIPIENTS_2_TO_4[1];
const D: &str = RECIPIENTS_2_TO_4[2];

/// A key file in the sandbox holding identities `ns`.
fn keys(sandbox: &Sandbox, ns: &[usize]) -> PathBuf {
    let text: String = ns
        .iter()
        .map(|n| String::from_utf8(read(fixture_key(*n))).unwrap())
        .collect();
    let name: Vec<String> = ns.iter().map(|n| n.to_string()).collect();
    sandbox.write(&format!("keys-{}.txt", name.join("")), text)
}

fn metadata(path: &Path) -> Metadata {
    let format = FileFormat::from_path(path);
    let mut doc = format.format().parse(read(path)).unwrap();
    doc.metadata
        .take()
        .unwrap_or_else(|| panic!("{} has no metadata", path.display()))
}

/// Key groups (sorted labels), threshold, crypt rule, mac_only_encrypted: what a creation
/// rule decides.
fn decided(path: &Path) -> (Vec<Vec<String>>, usize, String, bool) {
    let md = metadata(path);
    let groups = md
        .key_groups
        .iter()
        .map(|g| {
            let mut labels: Vec<String> = g.iter().map(key_label).collect();
            labels.sort();
            labels
        })
        .collect();
    let rule = md
        .crypt_rule
        .map(|r| format!("{}={}", r.field().0, r.field().1))
        .unwrap_or_default();
    (groups, md.shamir_threshold, rule, md.mac_only_encrypted)
}

const SEVERAL_RULES: &str = r#"creation_rules:
  - path_regex: ^prod/.*\.yaml$
    encrypted_regex: ^(password|token)$
    age: AAA,BBB
  - path_regex: ^shared/
    shamir_threshold: 2
    key_groups:
      - age: [AAA]
      - age: [CCC]
      - age: [DDD]
  - path_regex: \.json$
    mac_only_encrypted: true
    age:
      - CCC
  - unencrypted_suffix: _plain
    age: DDD
"#;

fn several_rules() -> String {
    SEVERAL_RULES
        .replace("AAA", A)
        .replace("BBB", B)
        .replace("CCC", C)
        .replace("DDD", D)
}

/// Files of the several-rules config, each with the identities that can read it.
fn rule_files(sandbox: &Sandbox) -> Vec<(&'static str, Vec<usize>)> {
    sandbox.write(".sops.yaml", several_rules());
    sandbox.write(
        "prod/app.yaml",
        "password: hunter2\nuser: bob\n# the API token\ntoken: t0k\n",
    );
    sandbox.write(
        "shared/db.yaml",
        "db:\n    host: db.internal\n    pass: s3cr3t\n",
    );
    sandbox.write("cfg.json", "{\n  \"a\": 1,\n  \"b\": \"two\"\n}\n");
    sandbox.write("other/app.env", "HOST_plain=example.org\nTOKEN=abc\n");
    vec![
        ("prod/app.yaml", vec![2]),
        ("shared/db.yaml", vec![1, 4]),
        ("cfg.json", vec![3]),
        ("other/app.env", vec![4]),
    ]
}

#[test]
fn sops_and_secrets_apply_the_same_rules_and_read_each_others_files() {
    let sandbox = Sandbox::new();
    let Some(_) = sandbox.sops() else { return };
    for (file, readers) in rule_files(&sandbox) {
        let ours_name = sandbox.write(
            &format!("out/ours/{file}"),
            ok(run(sandbox.secrets().args(["encrypt", file]))),
        );
        let theirs_named = sandbox.write(
            &format!("out/theirs/{file}"),
            ok(run(sandbox.sops().unwrap().args(["encrypt", file]))),
        );
        // Same rule chosen: same key groups, threshold, crypt rule and MAC option.
        assert_eq!(
            decided(&ours_name),
            decided(&theirs_named),
            "{file}: secrets and sops chose different settings"
        );
        // Each reads the other's file with the rule's keys, and only with them.
        let readers = keys(&sandbox, &readers);
        let plain = read(sandbox.path(file));
        let by_sops = ok(run(sandbox
            .sops()
            .unwrap()
            .env("SOPS_AGE_KEY_FILE", &readers)
            .arg("decrypt")
            .arg(&ours_name)));
        let by_us = ok(run(sandbox
            .secrets()
            .env("SOPS_AGE_KEY_FILE", &readers)
            .arg("decrypt")
            .arg(&theirs_named)));
        assert_eq!(
            by_us,
            ok(run(sandbox
                .sops()
                .unwrap()
                .env("SOPS_AGE_KEY_FILE", &readers)
                .arg("decrypt")
                .arg(&theirs_named))),
            "{file}: secrets reads sops's file differently"
        );
        if !file.ends_with(".json") {
            // sops re-indents JSON; YAML and dotenv plaintext comes back as it was.
            assert_eq!(by_sops, plain, "{file}: sops reads our file differently");
        }
        let outsider = keys(&sandbox, &[if file.starts_with("prod") { 3 } else { 2 }]);
        fails_with(
            run(sandbox
                .secrets()
                .env("SOPS_AGE_KEY_FILE", &outsider)
                .arg("decrypt")
                .arg(&ours_name)),
            128,
        );
    }
}

#[test]
fn rules_see_the_path_relative_to_the_config_from_any_directory() {
    let sandbox = Sandbox::new();
    rule_files(&sandbox);
    // Run from a subdirectory: .sops.yaml is found in the parent, and prod/app.yaml still
    // matches ^prod/ because rules see paths relative to the config's directory.
    let enc = ok(run(sandbox
        .secrets()
        .current_dir(sandbox.path("prod"))
        .args(["encrypt", "app.yaml"])));
    let path = sandbox.write("prod/app.enc.yaml", enc);
    assert_eq!(
        decided(&path).0,
        vec![vec![format!("age {A}"), format!("age {B}")]]
    );
    // --config and SOPS_CONFIG name a config that is not on the way up.
    let elsewhere = sandbox.write(
        "conf/custom.yaml",
        format!("creation_rules:\n  - age: {C}\n"),
    );
    sandbox.write("plain/x.yaml", "a: b\n");
    for how in ["--config", "SOPS_CONFIG"] {
        let mut cmd = sandbox.secrets();
        cmd.current_dir(sandbox.path("plain"));
        if how == "--config" {
            cmd.arg("--config").arg(&elsewhere);
        } else {
            cmd.env("SOPS_CONFIG", &elsewhere);
        }
        let path = sandbox.write("plain/x.enc.yaml", ok(run(cmd.args(["encrypt", "x.yaml"]))));
        assert_eq!(decided(&path).0, vec![vec![format!("age {C}")]], "{how}");
    }
}

#[test]
fn encrypt_without_keys_says_which_config_it_read_and_why_nothing_matched() {
    let sandbox = Sandbox::new();
    sandbox.write("x.toml.yaml", "a: b\n");
    let err = fails_with(run(sandbox.secrets().args(["encrypt", "x.toml.yaml"])), 1);
    assert!(
        err.contains("no recipients: no .sops.yaml in")
            && err.contains("or its parent directories"),
        "{err}"
    );
    sandbox.write(
        ".sops.yaml",
        "creation_rules:\n  - path_regex: \\.prod\\.yaml$\n    age: AGE\n  - path_regex: ^k8s/\n    pgp: ABCDEF0123456789\n"
            .replace("AGE", A),
    );
    let err = fails_with(run(sandbox.secrets().args(["encrypt", "x.toml.yaml"])), 1);
    let config = sandbox.path(".sops.yaml");
    assert!(
        err.contains(&format!(
            "no creation rule of {} matches \"x.toml.yaml\"",
            config.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(r#"rule 1 (path_regex "\\.prod\\.yaml$"), rule 2 (path_regex "^k8s/")"#),
        "{err}"
    );
    // Keys on the command line need no rule.
    ok(run(sandbox.secrets().args([
        "encrypt",
        "--age",
        A,
        "x.toml.yaml",
    ])));
    sandbox.write(".sops.yaml", "creation_rules:\n  - encrypted_regex: ^x$\n");
    let err = fails_with(run(sandbox.secrets().args(["encrypt", "x.toml.yaml"])), 1);
    assert!(
        err.contains("creation rule 1 of") && err.contains("names no keys"),
        "{err}"
    );
    sandbox.write(".sops.yaml", "stores:\n  yaml:\n    indent: 2\n");
    let err = fails_with(run(sandbox.secrets().args(["encrypt", "x.toml.yaml"])), 1);
    assert!(err.contains("has no creation_rules"), "{err}");
}

#[test]
fn bad_rules_are_refused_before_anything_is_written() {
    let sandbox = Sandbox::new();
    let plain = "password: hunter2\n";
    let file = sandbox.write("app.yaml", plain);
    let cases = [
        (
            "creation_rules:\n  - path_regex: '(prod'\n    age: AGE\n",
            "creation rule 1: invalid path_regex \"(prod\"",
        ),
        (
            "creation_rules:\n  - age: AGE\n    key_groups:\n      - age: [AGE]\n        yubikey: [x]\n",
            "creation rule 1: key group 1: unknown key type \"yubikey\"",
        ),
        (
            "creation_rules:\n  - shamir_threshold: 3\n    key_groups:\n      - age: [AGE]\n      - age: [AGE2]\n",
            "creation rule 1: shamir_threshold 3 is larger than the number of key groups (2)",
        ),
        (
            "creation_rules:\n  - age: AGE\n    shamir_threshold: 2\n",
            "shamir_threshold 2 is larger than the number of key groups (1)",
        ),
        (
            "creation_rules:\n  - age: AGE\n  - path_regex: x\n    encrypted_regexp: ^a$\n",
            "creation rule 2: unknown field \"encrypted_regexp\"",
        ),
        (
            "creation_rules:\n  - age: AGE\n    encrypted_regex: a\n    unencrypted_suffix: _u\n",
            "creation rule 1: sets unencrypted_suffix and encrypted_regex",
        ),
        (
            "creation_rules:\n  - age: not-a-recipient\n",
            "invalid age recipient \"not-a-recipient\"",
        ),
        ("creation_rules: [\n", "YAML syntax error"),
    ];
    for (config, expected) in cases {
        sandbox.write(".sops.yaml", config.replace("AGE2", B).replace("AGE", A));
        let err = fails_with(
            run(sandbox.secrets().args(["encrypt", "-i", "app.yaml"])),
            1,
        );
        assert!(err.contains(expected), "expected {expected:?} in:\n{err}");
        assert!(
            err.contains(".sops.yaml"),
            "the message names the config:\n{err}"
        );
        assert_eq!(
            read(&file),
            plain.as_bytes(),
            "{expected}: the file was changed"
        );
    }
}

#[test]
fn decrypting_never_needs_a_rule() {
    let sandbox = Sandbox::new();
    let enc = sandbox.write(
        "app.enc.yaml",
        encrypt(&sandbox, &fixture("plain/example.yaml")),
    );
    // Neither a config whose rules do not match the file, nor a broken one, stops decryption.
    for config in [
        "creation_rules:\n  - path_regex: ^nothing$\n    age: x\n",
        "creation_rules: [\n",
    ] {
        sandbox.write(".sops.yaml", config);
        ok(run(sandbox
            .secrets_with_key()
            .args(["decrypt", "app.enc.yaml"])));
    }
    let _ = enc;
}

#[test]
fn a_sops_yml_is_ignored_with_a_warning() {
    let sandbox = Sandbox::new();
    sandbox.write(".sops.yml", format!("creation_rules:\n  - age: {A}\n"));
    sandbox.write("x.yaml", "a: b\n");
    let err = fails_with(run(sandbox.secrets().args(["encrypt", "x.yaml"])), 1);
    assert!(
        err.contains("warning: ignoring") && err.contains("must be called .sops.yaml"),
        "{err}"
    );
}

/// Every pair of key groups recovers the data key; a single group does not.
fn check_pairs(sandbox: &Sandbox, file: &Path, groups: [&[usize]; 3], sops_too: bool) {
    let expected = ok(run(sandbox
        .secrets()
        .env("SOPS_AGE_KEY_FILE", keys(sandbox, &[1, 3, 4]))
        .arg("decrypt")
        .arg(file)));
    for (i, j) in [(0, 1), (0, 2), (1, 2)] {
        let ids: Vec<usize> = [groups[i], groups[j]].concat();
        let pair = keys(sandbox, &ids);
        let out = ok(run(sandbox
            .secrets()
            .env("SOPS_AGE_KEY_FILE", &pair)
            .arg("decrypt")
            .arg(file)));
        assert_eq!(out, expected, "groups {i} and {j}");
        if sops_too {
            let out = ok(run(sandbox
                .sops()
                .unwrap()
                .env("SOPS_AGE_KEY_FILE", &pair)
                .arg("decrypt")
                .arg(file)));
            assert_eq!(out, expected, "sops with groups {i} and {j}");
        }
    }
    for group in groups {
        for id in group {
            let err = fails_with(
                run(sandbox
                    .secrets()
                    .env("SOPS_AGE_KEY_FILE", fixture_key(*id))
                    .arg("decrypt")
                    .arg(file)),
                128,
            );
            assert!(err.contains("1 of 2 needed key groups"), "{err}");
        }
    }
}

#[test]
fn the_shamir_fixture_needs_two_of_three_groups() {
    let sandbox = Sandbox::new();
    let file = sandbox.copy(
        &fixture("extra/shamir-3groups-threshold2.enc.yaml"),
        "shamir.enc.yaml",
    );
    // group 1 = age-key + age-key2, group 2 = age-key3, group 3 = age-key4
    check_pairs(&sandbox, &file, [&[1, 2], &[3], &[4]], false);
    assert_eq!(
        ok(run(sandbox
            .secrets()
            .env("SOPS_AGE_KEY_FILE", keys(&sandbox, &[2, 4]))
            .arg("decrypt")
            .arg(&file))),
        read(fixture("extra/shamir.plain.yaml"))
    );
}

#[test]
fn our_shamir_files_need_two_of_three_groups_in_sops_too() {
    let sandbox = Sandbox::new();
    let Some(_) = sandbox.sops() else { return };
    sandbox.copy(&fixture("extra/shamir.sops.yaml"), ".sops.yaml");
    sandbox.copy(&fixture("extra/shamir.plain.yaml"), "s.yaml");
    let ours = sandbox.write(
        "ours.yaml",
        ok(run(sandbox.secrets().args(["encrypt", "s.yaml"]))),
    );
    let md = metadata(&ours);
    assert_eq!((md.key_groups.len(), md.shamir_threshold), (3, 2));
    check_pairs(&sandbox, &ours, [&[1, 2], &[3], &[4]], true);
    // --shamir-secret-sharing-threshold overrides the rule.
    let all = sandbox.write(
        "all.yaml",
        ok(run(sandbox.secrets().args([
            "encrypt",
            "--shamir-secret-sharing-threshold",
            "3",
            "s.yaml",
        ]))),
    );
    assert_eq!(metadata(&all).shamir_threshold, 3);
    fails_with(
        run(sandbox
            .sops()
            .unwrap()
            .env("SOPS_AGE_KEY_FILE", keys(&sandbox, &[1, 3]))
            .arg("decrypt")
            .arg(&all)),
        128,
    );
    ok(run(sandbox
        .sops()
        .unwrap()
        .env("SOPS_AGE_KEY_FILE", keys(&sandbox, &[1, 3, 4]))
        .arg("decrypt")
        .arg(&all)));
}

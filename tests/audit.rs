//! `secrets audit` on real git repositories built in temporary directories: each finding
//! present where it was planted and absent from a clean repository, secrets in history, the
//! access map checked by decrypting, JSON and SARIF validated against their schemas.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use common::{fixture_key, run, Sandbox, RECIPIENT, RECIPIENTS_2_TO_4};
use serde_json::{json, Value};

/// A git repository in a sandbox.
struct Repo {
    sandbox: Sandbox,
}

/// A GitHub token the scanner recognises (made up).
const TOKEN: &str = "ghp_4bX9fR2kLm7QwT1zY8cV3nJ6hP0sD5gA2eUi";
/// An AWS access key id the scanner recognises (made up).
const AWS_KEY: &str = "AKIAZ3MXQ7R4TN2WB6YD";

impl Repo {
    fn new() -> Repo {
        let sandbox = Sandbox::new();
        std::fs::create_dir_all(sandbox.path("repo")).unwrap();
        let repo = Repo { sandbox };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.email", "test@example.org"]);
        repo.git(&["config", "user.name", "Test"]);
        repo
    }

    fn dir(&self) -> PathBuf {
        self.sandbox.path("repo")
    }

    fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
        self.sandbox.write(&format!("repo/{rel}"), text)
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = self.sandbox.command(program);
        cmd.current_dir(self.dir()).env("GIT_CONFIG_NOSYSTEM", "1");
        cmd
    }

    fn git(&self, args: &[&str]) -> String {
        let out = run(self.command("git").args(args));
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    fn commit_all(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// `secrets` in the repository, with fixture key `key` available (0: none).
    fn secrets(&self, key: usize) -> Command {
        let mut cmd = self.sandbox.secrets();
        cmd.current_dir(self.dir());
        if key > 0 {
            cmd.env("SOPS_AGE_KEY_FILE", fixture_key(key));
        }
        cmd
    }

    /// Encrypts `rel` in place (for `recipients`, or by the creation rules when empty).
    fn encrypt(&self, rel: &str, recipients: &[&str]) {
        let mut cmd = self.secrets(1);
        cmd.args(["encrypt", "-i"]);
        if !recipients.is_empty() {
            cmd.args(["--age", &recipients.join(",")]);
        }
        let out = run(cmd.arg(rel));
        assert!(
            out.status.success(),
            "encrypt {rel}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `secrets audit ARGS --format json` with fixture key `key`: the exit status and report.
    fn audit(&self, key: usize, args: &[&str]) -> (Output, Value) {
        let out = run(self
            .secrets(key)
            .args(["audit", "--format", "json"])
            .args(args));
        let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("audit JSON: {e}: {}", String::from_utf8_lossy(&out.stderr))
        });
        (out, report)
    }
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().unwrap()
}

/// The findings of one rule, as (file, severity).
fn of_rule<'a>(report: &'a Value, rule: &str) -> Vec<(&'a str, &'a str)> {
    findings(report)
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| (f["file"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect()
}

const RULES: &str = "creation_rules:
  - path_regex: ^prod/.*\\.yaml$
    age: K1,K2
  - path_regex: ^(dev|staging)/.*\\.yaml$
    age: K1
  - path_regex: ^secrets/.*\\.yaml$
    age: K1
";

fn rules() -> String {
    RULES
        .replace("K1", RECIPIENT)
        .replace("K2", RECIPIENTS_2_TO_4[0])
}

/// A repository with one case of every finding.
fn dirty_repo() -> Repo {
    let repo = Repo::new();
    repo.write(".sops.yaml", rules());
    repo.write(".gitignore", "ignored.env\n");
    // Plaintext that a rule covers.
    repo.write("secrets/plain.yaml", "db_user: admin\n");
    // Tracked .env files: one not ignored, one ignored but force-added.
    repo.write(".env", "DEBUG=1\n");
    repo.write("ignored.env", "PORT=8080\n");
    // A secret in a plain config file.
    repo.write("config/app.yaml", format!("aws_access_key_id: {AWS_KEY}\n"));
    // K1 reads prod (rule 1) and dev (rule 2); prod is also readable by K3, which its
    // rule does not name.
    repo.write("prod/db.yaml", "password: prod-pass\n");
    repo.encrypt(
        "prod/db.yaml",
        &[RECIPIENT, RECIPIENTS_2_TO_4[0], RECIPIENTS_2_TO_4[1]],
    );
    repo.write("dev/db.yaml", "password: dev-pass\n");
    repo.encrypt("dev/db.yaml", &[]);
    // A data key whose age the test controls with --max-age.
    repo.write("secrets/old.yaml", "token: old\n");
    repo.encrypt("secrets/old.yaml", &[]);
    // A damaged ciphertext.
    repo.write("secrets/tampered.yaml", "a: one\nb: two\n");
    repo.encrypt("secrets/tampered.yaml", &[]);
    let text = std::fs::read_to_string(repo.dir().join("secrets/tampered.yaml")).unwrap();
    let at = text.find("data:").unwrap() + 5;
    let flipped = if &text[at..at + 1] == "A" { "B" } else { "A" };
    repo.write(
        "secrets/tampered.yaml",
        format!("{}{flipped}{}", &text[..at], &text[at + 1..]),
    );
    // An alias of an encrypted value, which sops cannot read.
    repo.write("secrets/alias.yaml", "pass: &p s3cret\ncopy: *p\n");
    repo.encrypt("secrets/alias.yaml", &[]);
    repo.git(&["add", "-f", "ignored.env"]);
    repo.commit_all("everything wrong");
    repo
}

#[test]
fn every_finding_is_detected_where_planted() {
    let repo = dirty_repo();
    let (out, report) = repo.audit(1, &[]);
    assert_eq!(out.status.code(), Some(1), "errors fail the audit");
    let expect = |rule: &str, found: &[(&str, &str)]| {
        let mut got = of_rule(&report, rule);
        got.sort();
        assert_eq!(got, found, "{rule}: {report:#}");
    };
    expect("not-encrypted", &[("secrets/plain.yaml", "error")]);
    expect(
        "env-file-tracked",
        &[(".env", "error"), ("ignored.env", "error")],
    );
    let env_messages: Vec<&str> = findings(&report)
        .iter()
        .filter(|f| f["rule"] == "env-file-tracked")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(env_messages
        .iter()
        .any(|m| m.contains("although .gitignore ignores it")));
    expect("aws-access-key-id", &[("config/app.yaml", "error")]);
    expect("shared-recipient", &[(".sops.yaml", "error")]);
    let shared = findings(&report)
        .iter()
        .find(|f| f["rule"] == "shared-recipient")
        .unwrap()["message"]
        .as_str()
        .unwrap();
    assert!(
        shared.contains(RECIPIENT)
            && shared.contains("prod/db.yaml")
            && shared.contains("dev/db.yaml")
    );
    expect("stale-recipient", &[("prod/db.yaml", "warning")]);
    assert!(findings(&report)
        .iter()
        .any(|f| f["rule"] == "stale-recipient"
            && f["message"]
                .as_str()
                .unwrap()
                .contains(RECIPIENTS_2_TO_4[1])));
    // Freshly made data keys are young.
    expect("old-data-key", &[]);
    expect("tampered", &[("secrets/tampered.yaml", "error")]);
    expect("sops-unreadable", &[("secrets/alias.yaml", "warning")]);
    // Keys are available: every MAC was checked.
    expect("mac-unverified", &[]);
    // What the audit says of these files is true.
    assert!(
        !run(repo.secrets(1).args(["decrypt", "secrets/tampered.yaml"]))
            .status
            .success()
    );
    assert!(run(repo.secrets(1).args(["decrypt", "secrets/old.yaml"]))
        .status
        .success());
    if let Some(mut sops) = repo.sandbox.sops() {
        let out = run(sops
            .current_dir(repo.dir())
            .args(["decrypt", "secrets/alias.yaml"]));
        assert!(
            !out.status.success(),
            "sops read an alias of an encrypted value"
        );
        let mut sops = repo.sandbox.sops().unwrap();
        let out = run(sops
            .current_dir(repo.dir())
            .args(["decrypt", "dev/db.yaml"]));
        assert!(
            out.status.success(),
            "sops: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // With --max-age 0 every data key is too old once a second has passed; --fail-on never
    // always passes.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (out, report) = repo.audit(1, &["--max-age", "0d", "--fail-on", "never"]);
    assert!(out.status.success());
    let mut old: Vec<&str> = of_rule(&report, "old-data-key")
        .iter()
        .map(|f| f.0)
        .collect();
    old.sort();
    let encrypted: Vec<&str> = report["access"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["file"].as_str().unwrap())
        .collect();
    assert_eq!(old, encrypted);
    assert!(old.contains(&"secrets/old.yaml"));
}

#[test]
fn an_xchacha20_file_is_reported_as_unreadable_by_sops() {
    let repo = Repo::new();
    repo.write(".sops.yaml", rules());
    let encrypt_xchacha = |rel: &str, text: &str| {
        repo.write(rel, text);
        let out = run(repo
            .secrets(1)
            .args(["encrypt", "-i", "--age", RECIPIENT])
            .args(["--cipher", "xchacha20-poly1305", rel]));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    encrypt_xchacha("secrets/x.yaml", "a: one\nb: two\nc_unencrypted: three\n");
    // Only the MAC names the cipher of a file without encrypted values; in JSON the MAC is
    // no value of the tree, so that finding has no line.
    encrypt_xchacha("secrets/none.yaml", "c_unencrypted: three\n");
    encrypt_xchacha("secrets/none.json", "{\"c_unencrypted\": 3}\n");
    repo.write("secrets/aes.yaml", "a: one\n");
    repo.encrypt("secrets/aes.yaml", &[]);
    repo.commit_all("x");
    let (_, report) = repo.audit(1, &[]);
    // One finding per file, not one per value; the files are intact and verified.
    assert_eq!(
        of_rule(&report, "sops-unreadable"),
        [
            ("secrets/none.json", "warning"),
            ("secrets/none.yaml", "warning"),
            ("secrets/x.yaml", "warning")
        ]
    );
    assert!(of_rule(&report, "tampered").is_empty(), "{report:#}");
    assert!(of_rule(&report, "mac-unverified").is_empty(), "{report:#}");
    let unreadable: Vec<&Value> = findings(&report)
        .iter()
        .filter(|f| f["rule"] == "sops-unreadable")
        .collect();
    for f in &unreadable {
        let message = f["message"].as_str().unwrap();
        assert!(message.contains("XCHACHA20_POLY1305"), "{message}");
    }
    assert_eq!(unreadable[0]["line"], Value::Null);
    // At the first line that uses the cipher: in YAML the MAC's when no value is encrypted.
    for f in &unreadable[1..] {
        let text = std::fs::read_to_string(repo.dir().join(f["file"].as_str().unwrap())).unwrap();
        let line = text
            .lines()
            .nth(f["line"].as_u64().unwrap() as usize - 1)
            .unwrap();
        assert!(line.contains("ENC[XCHACHA20_POLY1305,"), "{line}");
    }
    assert_eq!(unreadable[2]["line"], 1, "the first value");
    // What the audit says is true.
    if let Some(mut sops) = repo.sandbox.sops() {
        let out = run(sops
            .current_dir(repo.dir())
            .args(["decrypt", "secrets/x.yaml"]));
        assert!(!out.status.success(), "sops read an XChaCha20 file");
    }
}

/// A repository of corpus files committed as plain configuration, and correctly encrypted
/// files under the rules.
fn clean_repo() -> Repo {
    let repo = Repo::new();
    repo.write(".sops.yaml", rules());
    for kind in ["yaml", "json", "dotenv", "ini", "toml"] {
        for file in common::corpus(kind) {
            let name = common::name(&file).to_string();
            // The one corpus file that holds a secret (a demo TLS private key): not plain
            // configuration, and `secrets check` rightly refuses it.
            if name == "compose-docker-mailserver-relay.yaml" {
                continue;
            }
            // Plain dotenv configuration is committed as a template; a tracked `.env` in
            // plaintext is a finding of its own.
            let name = if kind == "dotenv" && !name.ends_with(".example") {
                format!("{name}.example")
            } else {
                name
            };
            repo.sandbox
                .copy(&file, &format!("repo/config/{kind}/{name}"));
        }
    }
    for (rel, text) in [
        ("prod/db.yaml", "password: prod-pass\n"),
        ("secrets/api.yaml", "token: abc\n"),
    ] {
        repo.write(rel, text);
    }
    // Production has its own key; dev shares none with it.
    repo.write(
        ".sops.yaml",
        rules().replacen(&format!("age: {RECIPIENT},"), "age: ", 1),
    );
    repo.sandbox.copy(&fixture_key(2), "k2.txt");
    let out = run(repo.secrets(2).args(["encrypt", "-i", "prod/db.yaml"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    repo.encrypt("secrets/api.yaml", &[]);
    std::fs::remove_file(repo.sandbox.path("k2.txt")).unwrap();
    repo.commit_all("plain config and encrypted secrets");
    repo
}

#[test]
fn a_clean_repository_has_no_finding() {
    let repo = clean_repo();
    // Both keys: every MAC verified.
    let keys = repo.sandbox.write(
        "keys.txt",
        [common::read(fixture_key(1)), common::read(fixture_key(2))].concat(),
    );
    let out = run(repo.secrets(0).env("SOPS_AGE_KEY_FILE", &keys).args([
        "audit",
        "--format",
        "json",
        "--fail-on",
        "note",
    ]));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(findings(&report).is_empty(), "{report:#}");
    assert!(out.status.success());
    assert!(report["summary"]["files"].as_u64().unwrap() > 30);
    assert_eq!(report["access"].as_array().unwrap().len(), 2);
    // Without a key the MACs cannot be checked: a note, which fails only --fail-on note.
    let (out, report) = repo.audit(0, &[]);
    assert!(out.status.success());
    assert_eq!(of_rule(&report, "mac-unverified").len(), 2);
    let (out, _) = repo.audit(0, &["--fail-on", "note"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn history_finds_a_secret_removed_fifty_commits_ago() {
    let repo = Repo::new();
    repo.write("README.md", "demo\n");
    repo.commit_all("start");
    repo.write("deploy/ci.yaml", format!("github_token: {TOKEN}\n"));
    let leaked = repo.commit_all("add CI config");
    repo.write("deploy/ci.yaml", "github_token: ${GITHUB_TOKEN}\n");
    repo.commit_all("use the environment");
    for i in 0..50 {
        repo.write("notes.txt", format!("note {i}\n"));
        repo.commit_all(&format!("note {i}"));
    }
    let (out, report) = repo.audit(0, &[]);
    assert!(
        out.status.success() && findings(&report).is_empty(),
        "{report:#}"
    );
    let (out, report) = repo.audit(0, &["--history"]);
    assert_eq!(out.status.code(), Some(1));
    let found: Vec<&Value> = findings(&report)
        .iter()
        .filter(|f| f["rule"] == "secret-in-history")
        .collect();
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["file"], "deploy/ci.yaml");
    assert_eq!(found[0]["commit"], leaked.as_str());
    assert_eq!(found[0]["line"], 1);
    assert!(!found[0]["message"].as_str().unwrap().contains(TOKEN));
    assert!(found[0]["fix"].as_str().unwrap().contains("rotate"));
    assert_eq!(report["summary"]["commits"], 53);
    // The text report names the commit too.
    let out = run(repo.secrets(0).args(["audit", "--history"]));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!("(commit {})", &leaked[..12])),
        "{text}"
    );
}

#[test]
fn history_of_a_thousand_commits() {
    let repo = Repo::new();
    // fast-import builds the history in one process: 1,000 commits over 100 files, a
    // secret in commit 500 that commit 501 removes.
    let mut stream = String::new();
    for i in 1..=1000 {
        let content = if i == 500 {
            format!("key: {AWS_KEY}\n")
        } else {
            format!("setting_{i}: value {i}\n")
        };
        let from = if i == 1 {
            String::new()
        } else {
            format!("from :{}\n", i - 1)
        };
        stream.push_str(&format!(
            "blob\nmark :{}\ndata {}\n{content}\ncommit refs/heads/main\nmark :{i}\ncommitter T <t@example.org> {} +0000\ndata 3\nc{:02}\n{from}M 100644 :{} f{}.yaml\n\n",
            100_000 + i,
            content.len(),
            1_600_000_000 + i,
            i % 100,
            100_000 + i,
            if i == 501 { 500 % 100 } else { i % 100 },
        ));
    }
    let mut child = repo
        .command("git")
        .args(["fast-import", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), stream.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    repo.git(&["reset", "-q", "--hard", "main"]);
    let start = Instant::now();
    let (_, report) = repo.audit(0, &["--history"]);
    let elapsed = start.elapsed();
    eprintln!("audit --history of 1,000 commits: {elapsed:?}");
    assert_eq!(report["summary"]["commits"], 1000);
    let found = of_rule(&report, "secret-in-history");
    assert_eq!(found, [("f0.yaml", "error")]);
    assert!(elapsed.as_secs() < 60, "{elapsed:?}");
}

#[test]
fn the_access_map_matches_what_decrypts() {
    let repo = Repo::new();
    let [k2, k3, k4] = RECIPIENTS_2_TO_4;
    repo.write(
        ".sops.yaml",
        format!("creation_rules:\n  - path_regex: ^groups/\n    shamir_threshold: 2\n    key_groups:\n      - age: [{RECIPIENT}, {k2}]\n      - age: [{k3}]\n  - age: {RECIPIENT},{k2}\n"),
    );
    repo.write("flat.yaml", "a: flat\n");
    repo.encrypt("flat.yaml", &[]);
    repo.write("groups/g.yaml", "a: grouped\n");
    repo.encrypt("groups/g.yaml", &[]);
    repo.commit_all("files");
    let (out, report) = repo.audit(1, &[]);
    assert!(out.status.success(), "{report:#}");
    let access = report["access"].as_array().unwrap();
    assert_eq!(access.len(), 2);
    let key_of = |id: &str| match id {
        id if id == RECIPIENT => 1,
        id => {
            2 + RECIPIENTS_2_TO_4
                .iter()
                .position(|r| *r == id)
                .expect("a fixture key")
        }
    };
    for entry in access {
        let file = entry["file"].as_str().unwrap();
        let groups = entry["key_groups"].as_array().unwrap();
        let listed: Vec<usize> = groups
            .iter()
            .flat_map(|g| g.as_array().unwrap())
            .map(|k| {
                assert_eq!(k["type"], "age");
                key_of(k["id"].as_str().unwrap())
            })
            .collect();
        if file == "flat.yaml" {
            assert_eq!(
                (listed.as_slice(), &entry["threshold"]),
                (&[1, 2][..], &json!(1))
            );
            // Every listed key decrypts alone, and the others fail.
            for key in 1..=4 {
                assert_eq!(
                    decrypts(&repo, file, &[key]),
                    listed.contains(&key),
                    "key {key}"
                );
            }
        } else {
            assert_eq!(groups.len(), 2);
            assert_eq!(
                (listed.as_slice(), &entry["threshold"]),
                (&[1, 2, 3][..], &json!(2))
            );
            // A listed key of each group decrypts; one group alone, or an unlisted key, fails.
            assert!(decrypts(&repo, file, &[1, 3]) && decrypts(&repo, file, &[2, 3]));
            assert!(!decrypts(&repo, file, &[1, 2]) && !decrypts(&repo, file, &[3, 4]));
            assert!(!decrypts(&repo, file, &[4]));
        }
    }
    let out = run(repo.secrets(0).arg("audit"));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("groups/g.yaml (2 of 2 groups)"), "{text}");
    assert!(text.contains(&format!("age {k3}")), "{text}");
    assert!(!text.contains(k4));
}

/// Whether `file` decrypts with the fixture keys `keys` together.
fn decrypts(repo: &Repo, file: &str, keys: &[usize]) -> bool {
    let key_file = repo.sandbox.write(
        "keys.txt",
        keys.iter()
            .flat_map(|k| common::read(fixture_key(*k)))
            .collect::<Vec<u8>>(),
    );
    run(repo
        .secrets(0)
        .env("SOPS_AGE_KEY_FILE", key_file)
        .args(["decrypt", file]))
    .status
    .success()
}

/// Validates `instance` against the schema file with Python's `jsonschema`.
fn validate(schema: &Path, instance: &[u8]) {
    let Some(python) = common::tool("python3") else {
        return;
    };
    let has_jsonschema = Command::new(&python)
        .args(["-c", "import jsonschema"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_jsonschema {
        assert!(
            !common::in_ci(),
            "python3 -m pip install jsonschema: scripts/test.sh does"
        );
        eprintln!("skipping schema validation: python3 lacks jsonschema");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("instance.json");
    std::fs::write(&file, instance).unwrap();
    let out = run(Command::new(python).args([
        "-c",
        "import json, sys, jsonschema\nschema = json.load(open(sys.argv[1]))\njsonschema.Draft7Validator.check_schema(schema)\njsonschema.Draft7Validator(schema).validate(json.load(open(sys.argv[2])))",
    ]).arg(schema).arg(&file));
    assert!(
        out.status.success(),
        "{} does not validate: {}",
        schema.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn json_and_sarif_validate_against_their_schemas() {
    let repo = dirty_repo();
    repo.write("old.yaml", format!("token: {TOKEN}\n"));
    repo.commit_all("leak");
    repo.write("old.yaml", "token: none\n");
    repo.commit_all("unleak");
    let json = run(repo
        .secrets(1)
        .args(["audit", "--history", "--format", "json"]))
    .stdout;
    validate(&common::data("audit-report.schema.json"), &json);
    let out = run(repo
        .secrets(1)
        .args(["audit", "--history", "--format", "sarif"]));
    assert_eq!(out.status.code(), Some(1));
    validate(&common::data("sarif-schema-2.1.0.json"), &out.stdout);
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run0 = &sarif["runs"][0];
    let results = run0["results"].as_array().unwrap();
    let report: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(results.len(), findings(&report).len());
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(result["message"]["text"]
            .as_str()
            .unwrap()
            .contains("Fix: "));
    }
    let history = results
        .iter()
        .find(|r| r["ruleId"] == "secret-in-history")
        .expect("a history result");
    assert_eq!(
        history["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "old.yaml"
    );
    assert!(history["properties"]["commit"].as_str().unwrap().len() == 40);
}

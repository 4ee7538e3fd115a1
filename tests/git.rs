//! The git integration driven through real `git` in temporary repositories: the pre-commit
//! check (plain hook and the pre-commit framework), the merge driver, the diff driver.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{fails_with, ok, run, Sandbox, RECIPIENT};

/// A git repository in a sandbox, with `secrets` on PATH and a `.sops.yaml` whose rule covers
/// `secrets/*.yaml` and `*.env`.
struct Repo {
    sandbox: Sandbox,
}

const SOPS_YAML: &str =
    "creation_rules:\n  - path_regex: (secrets/.*\\.yaml|\\.env)$\n    age: RECIPIENT\n";

impl Repo {
    fn new() -> Repo {
        let sandbox = Sandbox::new();
        std::fs::create_dir_all(sandbox.path("repo")).unwrap();
        let repo = Repo { sandbox };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.email", "test@example.org"]);
        repo.git(&["config", "user.name", "Test"]);
        repo.write(".sops.yaml", &SOPS_YAML.replace("RECIPIENT", RECIPIENT));
        repo
    }

    fn dir(&self) -> PathBuf {
        self.sandbox.path("repo")
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        self.sandbox.write(&format!("repo/{rel}"), text)
    }

    fn read(&self, rel: &str) -> String {
        String::from_utf8(common::read(self.dir().join(rel))).unwrap()
    }

    /// PATH with the built `secrets` first, for hooks and drivers that git runs.
    fn path_var() -> std::ffi::OsString {
        let bin = Path::new(env!("CARGO_BIN_EXE_secrets")).parent().unwrap();
        let rest = std::env::var_os("PATH").unwrap_or_default();
        std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&rest)))
            .unwrap()
    }

    fn with_env(&self, mut cmd: Command) -> Command {
        cmd.current_dir(self.dir())
            .env("HOME", self.sandbox.home())
            .env("XDG_CONFIG_HOME", self.sandbox.home().join(".config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("PATH", Self::path_var())
            .env("SOPS_AGE_KEY_FILE", common::age_key())
            .env("SOPS_DISABLE_VERSION_CHECK", "1");
        cmd
    }

    /// `git ARGS`, which must succeed; its standard output.
    fn git(&self, args: &[&str]) -> String {
        String::from_utf8(ok(self.try_git(args))).unwrap()
    }

    fn try_git(&self, args: &[&str]) -> Output {
        let mut cmd = self.with_env(Command::new("git"));
        run(cmd.args(args))
    }

    /// `secrets ARGS` in the repository, with the fixtures' key.
    fn secrets(&self, args: &[&str]) -> Output {
        let mut cmd = self.with_env(self.sandbox.secrets());
        run(cmd.args(args))
    }

    /// Writes `text` to `rel` encrypted.
    fn write_encrypted(&self, rel: &str, text: &str) {
        self.write(rel, text);
        ok(self.secrets(&["encrypt", "-i", rel]));
    }

    /// Commits everything; the output of `git commit`.
    fn commit_all(&self, message: &str) -> Output {
        self.git(&["add", "-A"]);
        self.try_git(&["commit", "-q", "-m", message])
    }

    /// Every byte git stores or holds in the work tree, for plaintext leak checks.
    fn all_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for entry in walk(&self.dir()) {
            bytes.extend(std::fs::read(entry).unwrap());
        }
        // Objects are compressed: ask git for every object's content too.
        let objects = self.git(&[
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objectname)",
        ]);
        for id in objects.lines() {
            bytes.extend(ok(self.try_git(&["cat-file", "-p", id])));
        }
        bytes
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Standard output and error: git shows a hook's output on its standard error.
fn both(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

const APP: &str = "db:\n  user: app\n  password: hunter2-base\napi:\n  token: tok-base\n";

/// A repository with an encrypted `secrets/app.yaml` committed on `main`, set up.
fn set_up_repo(pre_commit: bool) -> Repo {
    let repo = Repo::new();
    repo.write_encrypted("secrets/app.yaml", APP);
    let mut args = vec!["git-setup"];
    if pre_commit {
        args.push("--pre-commit");
    }
    ok(repo.secrets(&args));
    assert!(repo.commit_all("init").status.success());
    repo
}

/// Replaces `from` by `to` in the decrypted file and encrypts it again.
fn edit(repo: &Repo, rel: &str, from: &str, to: &str) {
    let plain = String::from_utf8(ok(repo.secrets(&["decrypt", rel]))).unwrap();
    assert!(plain.contains(from), "{plain}");
    repo.write(rel, &plain.replace(from, to));
    ok(repo.secrets(&["encrypt", "-i", rel]));
}

#[test]
fn hook_refuses_plaintext_tampering_and_planted_secrets() {
    let repo = set_up_repo(true);
    let hook = repo.dir().join(".git/hooks/pre-commit");
    assert!(repo.read(".git/hooks/pre-commit").contains("secrets check"));
    assert!(
        std::os::unix::fs::PermissionsExt::mode(&hook.metadata().unwrap().permissions()) & 0o111
            != 0
    );

    // A file the rule covers, in plaintext.
    repo.write("secrets/new.yaml", "password: plain\n");
    let out = repo.commit_all("plaintext");
    let stdout = both(&out);
    assert!(!out.status.success());
    assert!(
        stdout.contains("secrets/new.yaml: not-encrypted"),
        "{stdout}"
    );
    assert!(
        stdout.contains("fix: encrypt it: secrets encrypt -i secrets/new.yaml"),
        "{stdout}"
    );
    ok(repo.secrets(&["encrypt", "-i", "secrets/new.yaml"]));
    assert!(
        repo.commit_all("encrypted").status.success(),
        "an encrypted file is accepted"
    );

    // The staged version counts: a tampered file staged, then restored in the work tree.
    let good = repo.read("secrets/app.yaml");
    let line = good.lines().find(|l| l.contains("password:")).unwrap();
    let ciphertext = line.split("data:").nth(1).unwrap();
    let flipped = if ciphertext.starts_with('A') {
        "B"
    } else {
        "A"
    };
    let tampered = good.replace(line, &line.replace("data:", &format!("data:{flipped}")));
    let tampered = tampered.replacen(
        &format!("data:{flipped}{}", &ciphertext[..1]),
        &format!("data:{flipped}"),
        1,
    );
    repo.write("secrets/app.yaml", &tampered);
    repo.git(&["add", "secrets/app.yaml"]);
    repo.write("secrets/app.yaml", &good);
    let out = repo.try_git(&["commit", "-q", "-m", "tampered"]);
    assert!(!out.status.success());
    assert!(
        both(&out).contains("secrets/app.yaml: tampered"),
        "{}",
        both(&out)
    );
    repo.git(&["add", "secrets/app.yaml"]);

    // Planted secrets in plain files, with file:line and rule.
    let aws = format!("AKIA{}", "Z3MXQ7R4TN2WB6YD");
    repo.write(
        "deploy/config.py",
        &format!("REGION = 'eu-west-1'\nKEY_ID = '{aws}'\n"),
    );
    let key = format!(
        "-----BEGIN OPENSSH PRIVATE {}-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
        "KEY", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
    );
    repo.write("id_ed25519", &key);
    let out = repo.commit_all("planted");
    let stdout = both(&out);
    assert!(!out.status.success());
    assert!(
        stdout.contains("deploy/config.py:2: aws-access-key-id"),
        "{stdout}"
    );
    assert!(stdout.contains("id_ed25519:1: private-key"), "{stdout}");
    assert!(
        !stdout.contains(&aws[4..]),
        "the report shows the key: {stdout}"
    );

    // JSON for machines.
    let json: serde_json::Value =
        serde_json::from_slice(&repo.secrets(&["check", "--format", "json"]).stdout).unwrap();
    let rules: Vec<&str> = json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["aws-access-key-id", "private-key"]);
    assert!(json["unverified"].as_array().unwrap().is_empty());

    repo.git(&["rm", "-q", "--cached", "id_ed25519", "deploy/config.py"]);
    assert_eq!(
        repo.git(&["status", "--porcelain", "--untracked-files=no"]),
        ""
    );
}

#[test]
fn check_without_a_key_checks_structure() {
    let repo = set_up_repo(false);
    let mut cmd = repo.with_env(repo.sandbox.secrets());
    let out = run(cmd.env_remove("SOPS_AGE_KEY_FILE").args(["check", "--all"]));
    ok(out.clone());
    assert!(String::from_utf8_lossy(&out.stderr).contains("structure checked only"));
    // A value put back in plaintext by hand is found without a key.
    let text = repo.read("secrets/app.yaml");
    let line = text.lines().find(|l| l.contains("user:")).unwrap();
    let plain_line = format!("{}: app", line.split_once(':').unwrap().0);
    repo.write("secrets/app.yaml", &text.replace(line, &plain_line));
    let mut cmd = repo.with_env(repo.sandbox.secrets());
    let out = run(cmd.env_remove("SOPS_AGE_KEY_FILE").args(["check", "--all"]));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    fails_with(out, 1);
    assert!(stdout.contains("secrets/app.yaml:2: tampered"), "{stdout}");
}

#[test]
fn pre_commit_framework_runs_the_check() {
    let Some(pre_commit) = common::tool("pre-commit") else {
        return;
    };
    let repo = set_up_repo(false);
    // The hook definition this repository publishes, used as a local hook.
    let published = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    assert!(published.contains("id: secrets-check") && published.contains("entry: secrets check"));
    repo.write(
        ".pre-commit-config.yaml",
        "repos:\n  - repo: local\n    hooks:\n      - id: secrets-check\n        name: secrets check\n        entry: secrets check\n        language: system\n",
    );
    repo.git(&["add", ".pre-commit-config.yaml"]);
    let mut cmd = repo.with_env(Command::new(&pre_commit));
    ok(run(cmd.arg("install")));
    repo.write("secrets/db.yaml", "password: plain\n");
    let out = repo.commit_all("plaintext");
    assert!(!out.status.success());
    let all = both(&out);
    assert!(all.contains("secrets/db.yaml: not-encrypted"), "{all}");
    ok(repo.secrets(&["encrypt", "-i", "secrets/db.yaml"]));
    let out = repo.commit_all("encrypted");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Branch `theirs` replaces `theirs.0` by `theirs.1` in `secrets/app.yaml`, `main` does the
/// same with `ours`; the output of merging `theirs` into `main`.
fn merge_edits(repo: &Repo, theirs: (&str, &str), ours: (&str, &str)) -> Output {
    repo.git(&["checkout", "-q", "-b", "theirs"]);
    edit(repo, "secrets/app.yaml", theirs.0, theirs.1);
    assert!(repo.commit_all("theirs").status.success());
    repo.git(&["checkout", "-q", "main"]);
    edit(repo, "secrets/app.yaml", ours.0, ours.1);
    assert!(repo.commit_all("ours").status.success());
    repo.try_git(&["merge", "--no-edit", "theirs"])
}

#[test]
fn branches_changing_different_values_merge() {
    let repo = set_up_repo(false);
    let out = merge_edits(
        &repo,
        ("tok-base", "tok-theirs"),
        ("hunter2-base", "hunter2-ours"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let expected = APP
        .replace("tok-base", "tok-theirs")
        .replace("hunter2-base", "hunter2-ours");
    assert_eq!(
        String::from_utf8(ok(repo.secrets(&["decrypt", "secrets/app.yaml"]))).unwrap(),
        expected
    );
    if let Some(mut sops) = repo.sandbox.sops() {
        let out = ok(run(sops
            .args(["decrypt"])
            .arg(repo.dir().join("secrets/app.yaml"))));
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.contains("password: hunter2-ours") && out.contains("token: tok-theirs"),
            "{out}"
        );
    }
    let committed = repo.git(&["show", "HEAD:secrets/app.yaml"]);
    assert!(!committed.contains("hunter2") && !committed.contains("tok-"));
}

#[test]
fn same_value_conflict_leaves_no_plaintext_in_the_repo() {
    let repo = set_up_repo(false);
    let out = merge_edits(
        &repo,
        ("hunter2-base", "pw-theirs-7f3a"),
        ("hunter2-base", "pw-ours-91bc"),
    );
    let ours_before = repo.git(&["show", "HEAD:secrets/app.yaml"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stderr.contains(r#"conflict in secrets/app.yaml at ["db"]["password"]"#),
        "{stderr}"
    );
    assert_eq!(
        repo.read("secrets/app.yaml"),
        ours_before,
        "ours stays, encrypted"
    );

    let private = stderr
        .split("conflict is in ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    let private = PathBuf::from(private);
    assert!(!private.starts_with(repo.dir()));
    let text = std::fs::read_to_string(&private).unwrap();
    assert!(
        text.contains("<<<<<<< ours:secrets/app.yaml")
            && text.contains("pw-ours-91bc")
            && text.contains("pw-theirs-7f3a"),
        "{text}"
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(&private.metadata().unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    std::fs::remove_file(&private).unwrap();

    let everything = repo.all_bytes();
    for plaintext in ["pw-ours-91bc", "pw-theirs-7f3a", "hunter2-base", "tok-base"] {
        assert!(
            !contains(&everything, plaintext),
            "{plaintext} is in the repository"
        );
    }
}

#[test]
fn diff_and_log_show_decrypted_changes() {
    let repo = set_up_repo(false);
    edit(&repo, "secrets/app.yaml", "tok-base", "tok-new");
    let diff = repo.git(&["diff"]);
    assert!(
        diff.contains("-  token: tok-base\n+  token: tok-new\n"),
        "{diff}"
    );
    assert!(!diff.contains("ENC["), "{diff}");
    assert!(repo.commit_all("rotate token").status.success());
    let log = repo.git(&["log", "-p", "-1"]);
    assert!(log.contains("+  token: tok-new"), "{log}");
    // No key: the encrypted text, with a note.
    let mut cmd = repo.with_env(Command::new("git"));
    let out = run(cmd
        .env_remove("SOPS_AGE_KEY_FILE")
        .args(["log", "-p", "-1"]));
    let log = String::from_utf8(ok(out.clone())).unwrap();
    assert!(log.contains("ENC[AES256_GCM") && !log.contains("tok-new"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("secrets: note: showing"));
}

#[test]
fn git_setup_is_idempotent_and_checks() {
    let repo = Repo::new();
    repo.write_encrypted("secrets/a.yaml", "a: 1\n");
    repo.write_encrypted(".env", "A=1\n");
    repo.write("notes.yaml", "x: 1\n");
    fails_with(repo.secrets(&["git-setup", "--check"]), 1);
    ok(repo.secrets(&["git-setup"]));
    let attributes = repo.read(".gitattributes");
    assert!(attributes.contains("/secrets/a.yaml diff=secrets merge=secrets\n"));
    assert!(attributes.contains("/.env diff=secrets merge=secrets\n"));
    assert!(!attributes.contains("notes.yaml"));
    ok(repo.secrets(&["git-setup"]));
    assert_eq!(repo.read(".gitattributes"), attributes);
    let out = String::from_utf8(ok(repo.secrets(&["git-setup", "--check"]))).unwrap();
    assert_eq!(out, "git is set up for secrets\n");
    assert_eq!(
        repo.git(&["config", "--local", "merge.secrets.driver"])
            .trim(),
        "secrets merge %O %A %B %P"
    );

    // --global writes the drivers to ~/.gitconfig.
    let other = Repo::new();
    ok(other.secrets(&["git-setup", "--global"]));
    let global = std::fs::read_to_string(other.sandbox.home().join(".gitconfig")).unwrap();
    assert!(global.contains("textconv = secrets diff"), "{global}");
}

#[test]
fn demo_repository_walkthrough_works() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("examples/demo-repo/README.md")).unwrap();
    let script = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a sh block in the demo README");
    let repo = Repo::new();
    let mut cmd = repo.with_env(Command::new("bash"));
    cmd.current_dir(root)
        .env_remove("SOPS_AGE_KEY_FILE")
        .env("TMPDIR", repo.sandbox.path(""))
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.org")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.org");
    let out = run(cmd.arg("-c").arg(script));
    let stdout = String::from_utf8(ok(out.clone())).unwrap();
    let all = both(&out);
    assert!(stdout.contains("correct-horse-battery-staple"), "{all}");
    assert!(stdout.contains("git is set up for secrets"), "{all}");
    assert!(
        stdout.contains("-  token: demo-token-1234\n+  token: demo-token-5678"),
        "{all}"
    );
    assert!(all.contains("deploy.ini:1: aws-access-key-id"), "{all}");
    assert!(all.contains("secrets/new.env: not-encrypted"), "{all}");
    assert!(stdout.ends_with("refused, as it should be\n"), "{all}");
}

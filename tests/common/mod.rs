//! Shared helpers for the integration tests: a sandbox with its own HOME, the built
//! `secrets` binary, peer tools (sops, age) that fail the test in CI when missing.

#![allow(dead_code)]

pub mod servers;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The throwaway age recipient of the fixtures (`tests/data/fixtures/sops/age-key.txt`).
pub const RECIPIENT: &str = "age14h2ppxt2azygykrchuwj7pc79wg2k3kdgm3e3jxv8qqm905p09qq7nwkk9";

/// The other fixture recipients: of `age-key2.txt`, `age-key3.txt`, `age-key4.txt`.
pub const RECIPIENTS_2_TO_4: [&str; 3] = [
    "age18emv2keh8y99pp7s00etsm4xcfvy9n5wsek5sp5zxu3ltyj425uq6ez0e4",
    "age13lwrd99lnh5rl8nl26us8zvuqkkpeswy0rvuhzlerew6ae2g0anq872v3z",
    "age1w69f4ucltfpk7wseeqsdf3eurddq4hfewylhtcxaj96089jc9dksuemsdn",
];

/// The key file of fixture identity `n` (1 = `age-key.txt`, 2 to 4 = `age-keyN.txt`).
pub fn fixture_key(n: usize) -> PathBuf {
    match n {
        1 => age_key(),
        n => fixture(&format!("age-key{n}.txt")),
    }
}

/// A file of the test data.
pub fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// A file of the sops fixtures.
pub fn fixture(rel: &str) -> PathBuf {
    data("fixtures/sops").join(rel)
}

/// The fixtures' age key file.
pub fn age_key() -> PathBuf {
    fixture("age-key.txt")
}

/// Every corpus file of one format directory (`yaml`, `json`, `dotenv`, ...), sorted.
pub fn corpus(kind: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data("corpus").join(kind))
        .unwrap_or_else(|e| panic!("corpus/{kind}: {e}"))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Whether tests run in CI, where a missing peer tool is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The path of a peer tool on PATH. In CI a missing tool fails the test; elsewhere the
/// test is skipped with a message.
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            !in_ci(),
            "{name} is required in CI: run ./scripts/test.sh, which installs it"
        );
        eprintln!("skipping: {name} is not installed (CI=true makes this a failure)");
    }
    found
}

/// A temporary directory with its own HOME, so no user key or config is ever read.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    /// A new sandbox.
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("home/.config")).unwrap();
        Sandbox { dir }
    }

    /// A path inside the sandbox.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The sandbox's HOME.
    pub fn home(&self) -> PathBuf {
        self.path("home")
    }

    /// Writes a file and returns its path.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Copies a file into the sandbox under `rel`.
    pub fn copy(&self, from: &Path, rel: &str) -> PathBuf {
        self.write(rel, std::fs::read(from).unwrap())
    }

    fn isolate(&self, cmd: &mut Command) {
        for (key, _) in std::env::vars_os() {
            let key_str = key.to_string_lossy();
            // Nothing of the user's key services, credentials or proxies is used.
            let service = [
                "SOPS_",
                "AWS_",
                "VAULT_",
                "BAO_",
                "GOOGLE_",
                "GCE_",
                "CLOUDSDK_",
                "AZURE_",
                "IDENTITY_",
                "MSI_",
                "SECRETS_",
            ]
            .iter()
            .any(|p| key_str.starts_with(p));
            let proxy = key_str.to_ascii_lowercase().ends_with("_proxy");
            if service || proxy || key_str == "EDITOR" || key_str == "VISUAL" {
                cmd.env_remove(&key);
            }
        }
        // Never the link-local metadata services of a cloud machine.
        cmd.env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AZURE_TOKEN_CREDENTIALS", "dev");
        cmd.env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env("SOPS_DISABLE_VERSION_CHECK", "1")
            .current_dir(self.dir.path());
    }

    /// `secrets` with the sandbox environment.
    pub fn secrets(&self) -> Command {
        self.command(env!("CARGO_BIN_EXE_secrets"))
    }

    /// Any program with the sandbox environment.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        self.isolate(&mut cmd);
        cmd
    }

    /// `secrets` with the fixtures' age key available.
    pub fn secrets_with_key(&self) -> Command {
        let mut cmd = self.secrets();
        cmd.env("SOPS_AGE_KEY_FILE", age_key());
        cmd
    }

    /// The real `sops` with the sandbox environment and the fixtures' age key, if installed.
    pub fn sops(&self) -> Option<Command> {
        let mut cmd = self.command(tool("sops")?);
        cmd.env("SOPS_AGE_KEY_FILE", age_key());
        Some(cmd)
    }
}

/// A shell script in the sandbox, made executable.
pub fn script(sandbox: &Sandbox, name: &str, body: &str) -> PathBuf {
    let path = sandbox.write(name, format!("#!/bin/sh\n{body}\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path
}

/// Runs a command to completion, capturing its output.
pub fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()))
}

/// Runs a command with `input` on standard input.
pub fn run_with_input(cmd: &mut Command, input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()));
    // A command may exit without reading its input (a usage error): that is no test failure.
    match child.stdin.take().unwrap().write_all(input) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("cannot write: {e}"),
        _ => {}
    }
    child.wait_with_output().unwrap()
}

/// Asserts success and returns standard output.
#[track_caller]
pub fn ok(out: Output) -> Vec<u8> {
    assert!(
        out.status.success(),
        "command failed with {}:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Asserts the exit code and returns standard error.
#[track_caller]
pub fn fails_with(out: Output, code: i32) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit code {code}; stderr:\n{stderr}\nstdout:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

/// A file's bytes.
pub fn read(path: impl AsRef<Path>) -> Vec<u8> {
    std::fs::read(path.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

/// The `--input-type` name of a corpus or fixture file.
pub fn type_of(path: &Path) -> &'static str {
    let name = path.to_string_lossy();
    if name.contains("/yaml/") || name.ends_with(".yaml") || name.ends_with(".yml") {
        "yaml"
    } else if name.contains("/json/") || name.ends_with(".json") {
        "json"
    } else if name.contains("/dotenv/") || name.ends_with(".env") {
        "dotenv"
    } else if name.contains("/ini/") || name.ends_with(".ini") {
        "ini"
    } else if name.contains("/toml/") || name.ends_with(".toml") {
        "toml"
    } else {
        "binary"
    }
}

/// Encrypts a file with `secrets` for the fixtures' recipient.
pub fn encrypt(sandbox: &Sandbox, file: &Path) -> Vec<u8> {
    ok(run(sandbox
        .secrets()
        .args(["encrypt", "--input-type", type_of(file), "--age", RECIPIENT])
        .arg(file)))
}

/// Decrypts a file with `secrets` and the fixtures' key.
pub fn decrypt(sandbox: &Sandbox, file: &Path, input_type: &str) -> Vec<u8> {
    ok(run(sandbox
        .secrets_with_key()
        .args(["decrypt", "--input-type", input_type])
        .arg(file)))
}

/// A name for messages.
pub fn name(path: &Path) -> &str {
    path.file_name().and_then(OsStr::to_str).unwrap_or("?")
}

/// Lines of `old` and `new` that a line diff removes and adds (longest common subsequence).
pub fn changed_lines(old: &str, new: &str) -> (Vec<String>, Vec<String>) {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            added.push(b[j].to_string());
            j += 1;
        } else {
            removed.push(a[i].to_string());
            i += 1;
        }
    }
    (removed, added)
}

/// Which of the metadata's `mac` and `lastmodified` `line` holds, in any format's spelling
/// (every change rewrites both). Matched by key: a value's base64 can contain "mac".
pub fn metadata_stamp(line: &str) -> Option<&'static str> {
    let key = line.trim_start().trim_start_matches('"');
    let key = key.strip_prefix("sops_").unwrap_or(key);
    ["mac", "lastmodified"].into_iter().find(|k| {
        key.strip_prefix(k)
            .is_some_and(|rest| rest.starts_with(['"', ':', '=', ' ']))
    })
}

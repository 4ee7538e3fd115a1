//! `secrets audit`: the mistakes teams make with encrypted secret files, checked on a git
//! repository.
//!
//! The audit looks at every file git tracks or would add (not ignored) and reports, each with
//! its fix: plaintext where a creation rule asks for encryption, tracked `.env` files in
//! plaintext, secrets the scanner of `secrets check` recognises, encrypted files that are
//! damaged (MAC checked when a key is at hand) or that `sops` cannot read, data keys older
//! than a maximum age, recipients the rules no longer name, and one key reading both
//! production and non-production files. With `history`, every blob of every reachable
//! commit is scanned too ([`history`]). It also draws the access map: who can decrypt each
//! encrypted file ([`access`]).

pub mod access;
pub mod history;
pub mod sarif;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde_json::{json, Value};

use crate::check::{self, line_of};
use crate::config::{Config, CreationRule};
use crate::crypto::{is_encrypted, Cipher};
use crate::decrypt::metadata_of;
use crate::error::Error;
use crate::format::FileFormat;
use crate::git;
use crate::keys::{self, Keyring};
use crate::metadata::Metadata;
use crate::timestamp::Timestamp;
use crate::tree::{Document, LeafKind};
use crate::value::Scalar;
use access::Access;

/// How much a finding matters; ordered, so `--fail-on` is a comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing (a MAC that could not be verified here).
    Note,
    /// A weakness to fix soon (an old data key, a recipient left behind).
    Warning,
    /// A secret exposed or at risk now.
    Error,
}

impl Severity {
    /// The name used in reports (`note`, `warning`, `error`), as SARIF levels are named.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One thing wrong, where it is and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Identifier of the check ([`RULES`]) or of the scanner's detector.
    pub rule: &'static str,
    /// How much it matters.
    pub severity: Severity,
    /// The file, relative to the top of the repository.
    pub file: String,
    /// 1-based line, when there is one.
    pub line: Option<usize>,
    /// The commit, for a finding in history.
    pub commit: Option<String>,
    /// What is wrong (never a secret's value).
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

/// A check of the audit: identifier, severity, what it finds.
pub struct Rule {
    /// Identifier, as in [`Finding::rule`].
    pub id: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// What it finds, for people.
    pub description: &'static str,
}

const fn rule(id: &'static str, severity: Severity, description: &'static str) -> Rule {
    Rule {
        id,
        severity,
        description,
    }
}

/// The audit's own checks (the scanner's detectors come on top: [`crate::scan::detectors`]).
pub const RULES: &[Rule] = &[
    rule(
        NOT_ENCRYPTED,
        Severity::Error,
        "a creation rule of .sops.yaml covers the file, but it is not encrypted",
    ),
    rule(
        ENV_FILE,
        Severity::Error,
        "a .env file is tracked by git in plaintext",
    ),
    rule(
        history::SECRET_IN_HISTORY,
        Severity::Error,
        "a secret was committed in plaintext and is still in git history",
    ),
    rule(
        SHARED_RECIPIENT,
        Severity::Error,
        "the same key reads production and non-production files",
    ),
    rule(
        TAMPERED,
        Severity::Error,
        "an encrypted file is damaged or its MAC does not verify",
    ),
    rule(
        OLD_DATA_KEY,
        Severity::Warning,
        "a file's data key is older than the maximum age",
    ),
    rule(
        STALE_RECIPIENT,
        Severity::Warning,
        "a file can be read by a key its creation rule no longer names",
    ),
    rule(
        SOPS_UNREADABLE,
        Severity::Warning,
        "an encrypted file that secrets reads but sops cannot",
    ),
    rule(
        MAC_UNVERIFIED,
        Severity::Note,
        "no key here to verify an encrypted file's MAC",
    ),
];

const NOT_ENCRYPTED: &str = "not-encrypted";
const ENV_FILE: &str = "env-file-tracked";
const SHARED_RECIPIENT: &str = "shared-recipient";
const TAMPERED: &str = "tampered";
const OLD_DATA_KEY: &str = "old-data-key";
const STALE_RECIPIENT: &str = "stale-recipient";
const SOPS_UNREADABLE: &str = "sops-unreadable";
const MAC_UNVERIFIED: &str = "mac-unverified";

/// What to audit and how.
#[derive(Clone, Debug)]
pub struct Options {
    /// A data key older than this many seconds is reported.
    pub max_age_secs: i64,
    /// The time to measure ages from, in seconds since the Unix epoch.
    pub now: i64,
    /// Whether to scan every reachable commit too.
    pub history: bool,
}

/// The audit of a repository.
#[derive(Debug, Default)]
pub struct Audit {
    /// What is wrong, most severe first.
    pub findings: Vec<Finding>,
    /// Who can decrypt each encrypted file, by file.
    pub access: Vec<Access>,
    /// Files audited.
    pub files: usize,
    /// The history scan, when asked for.
    pub history: Option<history::History>,
}

impl Audit {
    /// The most severe finding's severity.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// The audit as JSON: `{"summary", "findings", "access"}`.
    pub fn to_json(&self) -> Value {
        let count = |s: Severity| self.findings.iter().filter(|f| f.severity == s).count();
        let findings: Vec<Value> = self
            .findings
            .iter()
            .map(|f| {
                json!({"rule": f.rule, "severity": f.severity.name(), "file": f.file, "line": f.line,
                       "commit": f.commit, "message": f.message, "fix": f.fix})
            })
            .collect();
        let mut summary = json!({
            "files": self.files,
            "errors": count(Severity::Error),
            "warnings": count(Severity::Warning),
            "notes": count(Severity::Note),
        });
        if let Some(h) = &self.history {
            summary["commits"] = json!(h.commits);
            summary["blobs"] = json!(h.blobs);
        }
        let access: Vec<Value> = self.access.iter().map(Access::to_json).collect();
        json!({"summary": summary, "findings": findings, "access": access})
    }
}

/// Audits the files of the git work tree at `top` that lie under `scope` (tracked, or
/// untracked and not ignored), with the creation rules of `config` and the keys of
/// `keyring`. `progress` follows the history scan: (blobs read, blobs to read).
pub fn audit(
    top: &Path,
    scope: &Path,
    config: Option<&Config>,
    keyring: &Keyring,
    options: &Options,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Audit, Error> {
    let tracked = tracked(scope)?;
    let untracked = git::paths(
        scope,
        &[
            "ls-files",
            "-z",
            "--full-name",
            "--others",
            "--exclude-standard",
        ],
    )?;
    let env_files: Vec<String> = tracked.keys().filter(|f| is_env_file(f)).cloned().collect();
    let ignored = git::ignored(top, &env_files)?;
    let mut files: Vec<(String, bool)> = tracked.keys().map(|f| (f.clone(), true)).collect();
    files.extend(
        untracked
            .iter()
            .map(|p| (p.to_string_lossy().into_owned(), false)),
    );
    files.sort();

    let mut audit = Audit::default();
    let mut environments = Environments::default();
    if let Some(config) = config {
        environments.of_rules(config);
    }
    for (file, is_tracked) in &files {
        let path = top.join(file);
        let Ok(bytes) = std::fs::read(&path) else {
            continue; // gone from the work tree, a directory (submodule), or unreadable
        };
        audit.files += 1;
        let rule = config.and_then(|c| c.rule_for(Some(&path)).ok());
        // A rule without path_regex names default keys; it does not make every file of
        // the repository a secret (nor .sops.yaml itself).
        let must_encrypt = rule.is_some_and(|r| r.path_regex.is_some())
            && config.is_some_and(|c| c.rule_path(&path) != crate::config::FILE_NAME);
        let report = check::check(Path::new(file), &bytes, must_encrypt, keyring);
        for p in report.problems {
            audit.findings.push(Finding {
                rule: p.rule,
                severity: Severity::Error,
                file: file.clone(),
                line: p.line,
                commit: None,
                message: p.message,
                fix: p.fix,
            });
        }
        if !report.encrypted {
            if *is_tracked && is_env_file(file) {
                audit
                    .findings
                    .push(env_finding(file, ignored.contains(file)));
            }
            continue;
        }
        if !report.mac_verified {
            audit.findings.push(finding(
                MAC_UNVERIFIED,
                file,
                None,
                "no key available here to verify the MAC (only the structure was checked)".into(),
                format!("run the audit where a key of {file} is available (SOPS_AGE_KEY_FILE, gpg agent)"),
            ));
        }
        let Ok(doc) = FileFormat::from_path(Path::new(file)).format().parse(bytes) else {
            continue;
        };
        let Ok(metadata) = metadata_of(&doc) else {
            continue; // reported as tampered by the check
        };
        audit.access.push(Access::of(file, metadata));
        audit.findings.extend(old_data_key(file, metadata, options));
        if let Some(config) = config {
            audit
                .findings
                .extend(stale_recipients(file, metadata, config, rule));
        }
        audit.findings.extend(sops_unreadable(file, &doc));
        if let Some(env) = rule.and_then(environment_of) {
            for (_, key) in metadata.keys() {
                environments.add(keys::key_label(key), env, file.clone());
            }
        }
    }
    let config_file = config.map_or_else(|| ".sops.yaml".to_string(), |c| relative(top, &c.path));
    audit.findings.extend(environments.shared(&config_file));
    if options.history {
        let current: HashSet<String> = tracked.into_values().collect();
        let found = history::scan_history(top, &current, progress)?;
        audit.findings.extend(found.findings.iter().cloned());
        audit.history = Some(found);
    }
    audit.findings.sort_by(|a, b| {
        (b.severity, &a.file, a.line, a.rule).cmp(&(a.severity, &b.file, b.line, b.rule))
    });
    Ok(audit)
}

fn finding(
    rule: &'static str,
    file: &str,
    line: Option<usize>,
    message: String,
    fix: String,
) -> Finding {
    let severity = RULES
        .iter()
        .find(|r| r.id == rule)
        .map_or(Severity::Error, |r| r.severity);
    Finding {
        rule,
        severity,
        file: file.to_string(),
        line,
        commit: None,
        message,
        fix,
    }
}

/// Tracked files (paths from the top) and their blob ids, under `scope`.
fn tracked(scope: &Path) -> Result<BTreeMap<String, String>, Error> {
    let listing = git::output(scope, &["ls-files", "-z", "-s", "--full-name"])?;
    Ok(listing
        .split(|&b| b == 0)
        .filter_map(|entry| {
            // `mode id stage\tpath`
            let entry = String::from_utf8_lossy(entry);
            let (info, path) = entry.split_once('\t')?;
            let id = info.split(' ').nth(1)?;
            Some((path.to_string(), id.to_string()))
        })
        .collect())
}

fn relative(top: &Path, path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let top = std::fs::canonicalize(top).unwrap_or_else(|_| top.to_path_buf());
    let absolute = absolute
        .parent()
        .and_then(|p| std::fs::canonicalize(p).ok())
        .zip(absolute.file_name())
        .map_or(absolute.clone(), |(p, n)| p.join(n));
    absolute
        .strip_prefix(&top)
        .unwrap_or(&absolute)
        .to_string_lossy()
        .into_owned()
}

/// Whether a file name is a dotenv file people keep secrets in: `.env`, `*.env`, `.env.*`,
/// but not the templates committed on purpose (`.env.example`, `.env.sample`, ...).
pub fn is_env_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let template = [".example", ".sample", ".template", ".dist", ".defaults"]
        .iter()
        .any(|t| name.ends_with(t));
    !template && (name == ".env" || name.ends_with(".env") || name.starts_with(".env."))
}

fn env_finding(file: &str, ignored: bool) -> Finding {
    let (message, fix) = if ignored {
        (
            "this .env file is in plaintext and still tracked, although .gitignore ignores it".to_string(),
            format!("stop tracking it (git rm --cached {file}), or encrypt it (secrets encrypt -i {file}); rotate what it held if it was ever pushed"),
        )
    } else {
        (
            "this .env file is tracked by git in plaintext, and .gitignore does not ignore it".to_string(),
            format!("encrypt it (secrets encrypt -i {file}), or untrack and ignore it (git rm --cached {file}, add it to .gitignore); rotate what it held if it was ever pushed"),
        )
    };
    finding(ENV_FILE, file, None, message, fix)
}

/// The age of the data key: from the oldest `created_at` of the file's keys (when the data
/// key was first wrapped; `updatekeys` adds entries but keeps the key), else `lastmodified`.
fn old_data_key(file: &str, metadata: &Metadata, options: &Options) -> Option<Finding> {
    let created = metadata
        .keys()
        .filter_map(|(_, k)| k.get("created_at").and_then(Timestamp::parse_rfc3339))
        .map(|t| t.unix())
        .min()
        .or_else(|| Timestamp::parse_rfc3339(&metadata.last_modified).map(|t| t.unix()))?;
    let age = options.now - created;
    (age > options.max_age_secs).then(|| {
        finding(
            OLD_DATA_KEY,
            file,
            None,
            format!(
                "the data key is {} days old (maximum {} days)",
                age / 86_400,
                options.max_age_secs / 86_400
            ),
            format!("rotate it: secrets rotate -i {file}"),
        )
    })
}

/// The keys a creation rule names, as [`keys::key_label`] spells stored keys.
fn rule_keys(rule: &CreationRule) -> HashSet<String> {
    rule.key_groups
        .iter()
        .flatten()
        .map(|spec| {
            let id = keys::recipient(spec).map_or_else(
                // Key types this build cannot use: the key as written, without a KMS role.
                |_| spec.key.split('+').next().unwrap_or_default().to_string(),
                |r| r.id(),
            );
            format!("{} {id}", spec.kind)
        })
        .collect()
}

/// Keys of a file that its creation rule (or, when none matches, every rule) no longer names.
fn stale_recipients(
    file: &str,
    metadata: &Metadata,
    config: &Config,
    rule: Option<&CreationRule>,
) -> Vec<Finding> {
    let named: HashSet<String> = match rule {
        Some(rule) => rule_keys(rule),
        None => config
            .creation_rules
            .iter()
            .flatten()
            .flat_map(rule_keys)
            .collect(),
    };
    let mut seen = HashSet::new();
    metadata
        .keys()
        .map(|(_, k)| keys::key_label(k))
        .filter(|label| !named.contains(label) && seen.insert(label.clone()))
        .map(|label| {
            finding(
                STALE_RECIPIENT,
                file,
                None,
                format!("{label} can decrypt this file, but no creation rule for it names that key (left behind after offboarding?)"),
                format!("secrets updatekeys {file}, then secrets rotate -i {file} (the removed key may have kept the old data key)"),
            )
        })
        .collect()
}

/// Values `sops` cannot read: aliases of encrypted values (sops issue 635) and ciphers
/// other than AES256_GCM (once per cipher, at its first value, or for the MAC alone).
fn sops_unreadable(file: &str, doc: &Document) -> Vec<Finding> {
    let encrypted = |leaf: usize| matches!(&doc.leaves[leaf].kind, LeafKind::Value(Scalar::Str(s)) if is_encrypted(s));
    let mut found = Vec::new();
    let mut ciphers = Vec::new();
    let mut cipher_finding = |stored: &[u8], line: Option<usize>, found: &mut Vec<Finding>| {
        let name = match Cipher::of(stored) {
            Ok(Some(cipher)) if !cipher.sops_reads() => cipher.name().to_string(),
            Err(unknown) => unknown,
            _ => return,
        };
        if ciphers.contains(&name) {
            return;
        }
        found.push(finding(
            SOPS_UNREADABLE,
            file,
            line,
            format!("values of this file are encrypted with {name}, which sops cannot decrypt (it knows only AES256_GCM)"),
            format!("if sops or another SOPS tool must read {file}, decrypt it and encrypt it again with the default cipher (secrets encrypt --cipher aes256-gcm)"),
        ));
        ciphers.push(name);
    };
    for leaf in &doc.leaves {
        let line = Some(line_of(&doc.text, leaf.span.start));
        match &leaf.kind {
            LeafKind::Alias(target) if encrypted(*target) => found.push(finding(
                SOPS_UNREADABLE,
                file,
                line,
                "an alias points at an encrypted value: sops cannot decrypt this file (sops issue 635)".into(),
                format!("replace the alias by its value, or keep the anchored value unencrypted, then re-encrypt {file}"),
            )),
            LeafKind::Value(Scalar::Str(s)) => cipher_finding(s, line, &mut found),
            _ => {}
        }
    }
    if let Some(metadata) = &doc.metadata {
        cipher_finding(metadata.mac.as_bytes(), None, &mut found);
    }
    found
}

/// Production or not, as a creation rule's `path_regex` tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Environment {
    NonProduction,
    Production,
}

/// The environment of the files a rule covers: its `path_regex` names production (`prod`,
/// `prd`, `live`) or a non-production environment (`dev`, `staging`, `test`, ...), not both.
fn environment_of(rule: &CreationRule) -> Option<Environment> {
    environment_of_regex(rule.path_regex.as_deref()?)
}

fn environment_of_regex(regex: &str) -> Option<Environment> {
    let regex = regex.to_ascii_lowercase();
    let names = |list: &[&str]| list.iter().any(|n| regex.contains(n));
    let production = names(&["prod", "prd", "live"]);
    let other = names(&[
        "dev", "staging", "stage", "stg", "test", "qa", "uat", "sandbox", "preview",
    ]);
    match (production, other) {
        (true, false) => Some(Environment::Production),
        (false, true) => Some(Environment::NonProduction),
        _ => None,
    }
}

/// Which keys read which environments, and where that is stated.
#[derive(Default)]
struct Environments {
    keys: BTreeMap<String, BTreeMap<Environment, Vec<String>>>,
}

impl Environments {
    fn add(&mut self, key: String, env: Environment, place: String) {
        let places = self.keys.entry(key).or_default().entry(env).or_default();
        if !places.contains(&place) {
            places.push(place);
        }
    }

    fn of_rules(&mut self, config: &Config) {
        for rule in config.creation_rules.iter().flatten() {
            if let Some(env) = environment_of(rule) {
                for key in rule_keys(rule) {
                    self.add(key, env, format!("creation rule {}", rule.number));
                }
            }
        }
    }

    fn shared(&self, config_file: &str) -> Vec<Finding> {
        self.keys
            .iter()
            .filter(|(_, envs)| envs.len() > 1)
            .map(|(key, envs)| {
                let places = |env| envs.get(&env).map(|p| p.join(", ")).unwrap_or_default();
                finding(
                    SHARED_RECIPIENT,
                    config_file,
                    None,
                    format!(
                        "{key} reads production ({}) and non-production ({}): whoever has the dev key has production",
                        places(Environment::Production),
                        places(Environment::NonProduction)
                    ),
                    "give production its own keys: name only production keys in the production rule, then secrets updatekeys and secrets rotate -i each production file".into(),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_files_by_name() {
        for name in [
            ".env",
            "app/.env",
            "prod.env",
            ".env.production",
            "x/.ENV.local",
        ] {
            assert!(is_env_file(name), "{name}");
        }
        for name in [
            ".env.example",
            "a/.env.sample",
            "env.yaml",
            ".envrc",
            "dev.env.template",
            "environment",
        ] {
            assert!(!is_env_file(name), "{name}");
        }
    }

    #[test]
    fn environments_of_path_regexes() {
        let envs: Vec<_> = [
            "secrets/prod/.*",
            "(dev|staging)/",
            "prod-or-dev",
            "common/",
        ]
        .into_iter()
        .map(environment_of_regex)
        .collect();
        use Environment::*;
        assert_eq!(envs, [Some(Production), Some(NonProduction), None, None]);
    }
}

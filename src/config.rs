//! `.sops.yaml`: discovery, creation rules and store settings, as sops 3.11 reads them
//! (SOPS_FORMAT.md §7).
//!
//! The file is looked for in the current directory and its parents (not the target file's
//! directory, as sops does), or named with `--config`/`SOPS_CONFIG`. The first creation rule
//! whose `path_regex` matches the file's path relative to the config's directory wins. Keys
//! come out in a neutral form ([`KeySpec`]) that each key type parses itself, so the config
//! knows every key type sops has, whether or not this build can use it.
//!
//! Unlike sops, the whole file is checked when it is read: an invalid regex, an unknown
//! field or key type, more than one crypt rule, or a Shamir threshold above the number of key
//! groups is an error naming the rule, before anything is written. Decrypting never reads
//! creation rules.

use std::path::{Path, PathBuf};

use regex::Regex;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::format::FileFormat;
use crate::keys::{self, KeySpec};
use crate::plain::{self, Plain};
use crate::rules::{CryptRule, Rules};
use crate::value::Scalar;

/// The name sops looks for.
pub const FILE_NAME: &str = ".sops.yaml";
/// A name people try, which sops ignores with a warning.
const ALTERNATE_NAME: &str = ".sops.yml";
/// How many directories up the search goes, as sops.
const MAX_DEPTH: usize = 100;

/// Fields of a creation rule that name keys as one group, in sops's order.
const FLAT_KEY_FIELDS: [(&str, &str); 7] = [
    ("age", "age"),
    ("pgp", "pgp"),
    ("kms", "kms"),
    ("gcp_kms", "gcp_kms"),
    ("hckms", "hckms"),
    ("azure_keyvault", "azure_kv"),
    ("hc_vault_transit_uri", "hc_vault"),
];

/// Key types of a `key_groups` entry (besides `merge`).
const GROUP_KEY_FIELDS: [&str; 7] = [
    "age",
    "pgp",
    "kms",
    "gcp_kms",
    "hckms",
    "azure_keyvault",
    "hc_vault",
];

/// A parsed and checked `.sops.yaml`.
#[derive(Debug)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    /// Its directory, absolute: rules match paths relative to it.
    pub dir: PathBuf,
    /// `creation_rules`; `None` when the file has none (sops then acts as if there were no
    /// config).
    pub creation_rules: Option<Vec<CreationRule>>,
    /// `stores`.
    pub stores: Stores,
    /// Things the user should know (fields sops would silently ignore).
    pub warnings: Vec<String>,
}

/// Output settings of the `stores` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stores {
    /// `stores.yaml.indent` (default 4).
    pub yaml_indent: usize,
    /// `stores.json.indent`; -1 (the default) is a tab.
    pub json_indent: i64,
    /// `stores.json_binary.indent`; -1 (the default) is a tab.
    pub json_binary_indent: i64,
}

impl Default for Stores {
    fn default() -> Self {
        Stores {
            yaml_indent: 4,
            json_indent: -1,
            json_binary_indent: -1,
        }
    }
}

/// One entry of `creation_rules`.
#[derive(Debug)]
pub struct CreationRule {
    /// Its position in the file, from 1.
    pub number: usize,
    /// `path_regex` as written; `None` matches every file.
    pub path_regex: Option<String>,
    regex: Option<Regex>,
    /// The key groups: one from the flat key lists, or `key_groups`.
    pub key_groups: Vec<Vec<KeySpec>>,
    /// `shamir_threshold` (0 = all groups).
    pub shamir_threshold: usize,
    /// The crypt rule, if the rule sets one.
    pub crypt_rule: Option<CryptRule>,
    /// `mac_only_encrypted`.
    pub mac_only_encrypted: bool,
}

impl CreationRule {
    /// Whether the rule names any key.
    pub fn has_keys(&self) -> bool {
        self.key_groups.iter().any(|g| !g.is_empty())
    }

    fn matches(&self, relative: &str) -> bool {
        self.regex.as_ref().is_none_or(|re| re.is_match(relative))
    }

    fn describe(&self) -> String {
        match &self.path_regex {
            Some(re) => format!("rule {} (path_regex {re:?})", self.number),
            None => format!("rule {}", self.number),
        }
    }
}

/// The config a command runs with, and where it was looked for.
#[derive(Debug)]
pub struct Discovered {
    /// The config, if one was found (or named).
    pub config: Option<Config>,
    /// The directory the search started from.
    pub searched_from: PathBuf,
    /// Warnings of the search and of the config.
    pub warnings: Vec<String>,
}

/// What the command line says: it takes precedence over the creation rule.
#[derive(Debug, Default)]
pub struct Overrides {
    /// Keys from flags or their environment variables: they replace every key of the rule.
    pub keys: Vec<KeySpec>,
    /// A crypt-rule flag: it replaces the rule's value of the same field.
    pub crypt_rule: Option<CryptRule>,
    /// `--mac-only-encrypted`.
    pub mac_only_encrypted: bool,
    /// `--shamir-secret-sharing-threshold`.
    pub shamir_threshold: Option<usize>,
}

/// How a new file is encrypted.
#[derive(Debug)]
pub struct Settings {
    /// Its key groups.
    pub key_groups: Vec<Vec<KeySpec>>,
    /// Shares needed with several groups (0 = all).
    pub shamir_threshold: usize,
    /// Which values are encrypted.
    pub crypt_rule: CryptRule,
    /// MAC only the encrypted values.
    pub mac_only_encrypted: bool,
    /// Where the keys came from, for messages.
    pub source: String,
}

impl Config {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let bytes = std::fs::read(path).map_err(|e| {
            Error::Config(format!(
                "cannot read the config file {}: {e}",
                path.display()
            ))
        })?;
        let dir = std::path::absolute(path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        Config::parse(&bytes, path, dir)
    }

    /// Checks the text of a config file read from `path` in directory `dir`.
    pub fn parse(bytes: &[u8], path: &Path, dir: PathBuf) -> Result<Config, Error> {
        let fail = |msg: String| Error::Config(format!("{}: {msg}", path.display()));
        let root = if bytes.iter().all(u8::is_ascii_whitespace) {
            Plain::Map(Vec::new())
        } else {
            let yaml = FileFormat::Yaml.format();
            let doc = yaml
                .parse(bytes.to_vec())
                .map_err(|e| fail(e.to_string()))?;
            plain::documents(yaml, &doc, &plain::Stored)
                .into_iter()
                .next()
                .unwrap_or(Plain::Null)
        };
        let mut config = Config {
            path: path.to_path_buf(),
            dir,
            creation_rules: None,
            stores: Stores::default(),
            warnings: Vec::new(),
        };
        let top = match &root {
            Plain::Null => Vec::new(),
            Plain::Map(_) => entries(&root),
            _ => return Err(fail("the config must be a map with creation_rules".into())),
        };
        for (field, value) in top {
            match field.as_str() {
                "creation_rules" => {
                    let rules = match value {
                        Plain::Null => Vec::new(),
                        Plain::List(items) => items
                            .iter()
                            .enumerate()
                            .map(|(i, rule)| {
                                creation_rule(i + 1, rule, &mut config.warnings)
                                    .map_err(|e| fail(format!("creation rule {}: {e}", i + 1)))
                            })
                            .collect::<Result<_, _>>()?,
                        _ => return Err(fail("creation_rules must be a list of rules".into())),
                    };
                    config.creation_rules = Some(rules);
                }
                "stores" => config.stores = stores(value).map_err(&fail)?,
                // Other top-level keys are left alone: `destination_rules` is for `sops
                // publish`, and people keep YAML anchors of their keys in their own fields.
                _ => {}
            }
        }
        config.warnings = config
            .warnings
            .iter()
            .map(|w| format!("{}: {w}", path.display()))
            .collect();
        Ok(config)
    }

    /// The path rules see: `file` relative to the config's directory when it is inside it,
    /// else absolute.
    pub fn rule_path(&self, file: &Path) -> String {
        let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        match absolute.strip_prefix(&self.dir) {
            Ok(rel) if !self.dir.as_os_str().is_empty() => rel.to_string_lossy().into_owned(),
            _ => absolute.to_string_lossy().into_owned(),
        }
    }

    /// The first creation rule matching `file` (`None`: standard input without a name,
    /// matched as an empty path).
    pub fn rule_for(&self, file: Option<&Path>) -> Result<&CreationRule, Error> {
        let rules = self.creation_rules.as_deref().ok_or_else(|| {
            Error::Config(format!("{} has no creation_rules", self.path.display()))
        })?;
        let relative = file.map(|f| self.rule_path(f)).unwrap_or_default();
        rules.iter().find(|r| r.matches(&relative)).ok_or_else(|| {
            let tried: Vec<String> = rules.iter().map(CreationRule::describe).collect();
            Error::Config(format!(
                "no creation rule of {} matches {relative:?} (the path relative to {} that path_regex is matched against); {}",
                self.path.display(),
                self.dir.display(),
                if tried.is_empty() {
                    "creation_rules is empty".to_string()
                } else {
                    format!("tried {}", tried.join(", "))
                }
            ))
        })
    }

    /// Every file under the config's directory that a creation rule matches, skipping what
    /// `.gitignore` (and `.ignore`, `.git/info/exclude`) exclude and the `.git` directory;
    /// sorted.
    pub fn matching_files(&self) -> Result<Vec<PathBuf>, Error> {
        let Some(rules) = &self.creation_rules else {
            return Ok(Vec::new());
        };
        let walker = ignore::WalkBuilder::new(&self.dir)
            .hidden(false)
            .require_git(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        let mut files = Vec::new();
        for entry in walker {
            let entry = entry
                .map_err(|e| Error::Config(format!("cannot walk {}: {e}", self.dir.display())))?;
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let relative = self.rule_path(entry.path());
            if rules.iter().any(|r| r.matches(&relative)) {
                files.push(entry.into_path());
            }
        }
        files.sort();
        Ok(files)
    }
}

/// Looks for `.sops.yaml` in `start` and its parents. Returns the path found, and a warning
/// when a `.sops.yml` was seen on the way.
pub fn find(start: &Path) -> (Option<PathBuf>, Option<String>) {
    let mut alternate: Option<PathBuf> = None;
    let mut dir = Some(start);
    for _ in 0..MAX_DEPTH {
        let Some(d) = dir else { break };
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            let warning = alternate.map(|a| {
                format!(
                    "ignoring {}: the config file must be called {FILE_NAME}; using {}",
                    a.display(),
                    candidate.display()
                )
            });
            return (Some(candidate), warning);
        }
        if alternate.is_none() && d.join(ALTERNATE_NAME).is_file() {
            alternate = Some(d.join(ALTERNATE_NAME));
        }
        dir = d.parent();
    }
    let warning = alternate.map(|a| {
        format!(
            "ignoring {}: the config file must be called {FILE_NAME}",
            a.display()
        )
    });
    (None, warning)
}

impl Discovered {
    /// The config of a command: `explicit` (`--config`, `SOPS_CONFIG`) if given, which must
    /// exist, else the first `.sops.yaml` in `cwd` or its parents.
    pub fn new(explicit: Option<&Path>, cwd: &Path) -> Result<Discovered, Error> {
        let (path, mut warnings) = match explicit {
            Some(path) => (Some(path.to_path_buf()), Vec::new()),
            None => {
                let (path, warning) = find(cwd);
                (path, warning.into_iter().collect())
            }
        };
        let config = path.as_deref().map(Config::load).transpose()?;
        if let Some(c) = &config {
            warnings.extend(c.warnings.iter().cloned());
        }
        Ok(Discovered {
            config,
            searched_from: cwd.to_path_buf(),
            warnings,
        })
    }

    /// The config, or an error saying where none was found.
    pub fn require(&self) -> Result<&Config, Error> {
        self.config.as_ref().ok_or_else(|| {
            Error::Config(format!(
                "no {FILE_NAME} in {} or its parent directories; create one with creation_rules, or name it with --config",
                self.searched_from.display()
            ))
        })
    }

    /// The creation rule for `file`, with an explanation when there is none.
    pub fn rule_for(&self, file: Option<&Path>) -> Result<&CreationRule, Error> {
        self.require()?.rule_for(file)
    }

    /// How to encrypt `file` (`None`: standard input without a name): keys from the
    /// command line if any, else from the matching creation rule; crypt rule and options
    /// from both, the command line winning field by field, as sops does.
    pub fn settings_for(
        &self,
        file: Option<&Path>,
        overrides: Overrides,
    ) -> Result<Settings, Error> {
        let keys_given = !overrides.keys.is_empty();
        let rule = match &self.config {
            // With keys on the command line, a config without a matching rule is no error
            // (sops refuses, for no use).
            Some(config) if config.creation_rules.is_some() => match config.rule_for(file) {
                Ok(rule) => Some(rule),
                Err(_) if keys_given => None,
                Err(e) => return Err(no_recipients(e.to_string())),
            },
            _ => None,
        };
        let (key_groups, source) = if keys_given {
            (
                vec![overrides.keys],
                "the keys given on the command line".to_string(),
            )
        } else {
            match (rule, &self.config) {
                (Some(rule), Some(config)) => {
                    let source =
                        format!("creation {} of {}", rule.describe(), config.path.display());
                    if !rule.has_keys() {
                        return Err(no_recipients(format!("{source} names no keys")));
                    }
                    (rule.key_groups.clone(), source)
                }
                (_, Some(config)) => {
                    return Err(no_recipients(format!(
                        "{} has no creation_rules",
                        config.path.display()
                    )))
                }
                (_, None) => {
                    return Err(no_recipients(format!(
                        "no {FILE_NAME} in {} or its parent directories",
                        self.searched_from.display()
                    )))
                }
            }
        };
        let crypt_rule = merge_crypt_rules(rule, overrides.crypt_rule)?;
        let shamir_threshold = overrides
            .shamir_threshold
            .unwrap_or_else(|| rule.map_or(0, |r| r.shamir_threshold));
        check_threshold(shamir_threshold, key_groups.len())
            .map_err(|e| Error::Config(format!("{e} ({source})")))?;
        Ok(Settings {
            key_groups,
            shamir_threshold,
            crypt_rule,
            mac_only_encrypted: overrides.mac_only_encrypted
                || rule.is_some_and(|r| r.mac_only_encrypted),
            source,
        })
    }
}

fn no_recipients(why: String) -> Error {
    Error::Config(format!(
        "no recipients: {why}; pass keys with --age or --pgp (or SOPS_AGE_RECIPIENTS, SOPS_PGP_FP), or add a matching creation rule with keys to {FILE_NAME}"
    ))
}

/// The rule's crypt rule with the command line's replacing the same field; two different
/// fields set is an error, as in sops.
fn merge_crypt_rules(
    rule: Option<&CreationRule>,
    flag: Option<CryptRule>,
) -> Result<CryptRule, Error> {
    let from_rule = rule.and_then(|r| r.crypt_rule.clone());
    match (from_rule, flag) {
        (Some(r), Some(f)) if r.field().0 != f.field().0 => Err(Error::Conflict(format!(
            "--{} conflicts with {} of the creation rule; a file has only one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, unencrypted_comment_regex",
            f.field().0.replace('_', "-"),
            r.field().0
        ))),
        (_, Some(f)) => Ok(f),
        (Some(r), None) => Ok(r),
        (None, None) => Ok(CryptRule::default()),
    }
}

/// A Shamir threshold must not exceed the number of key groups.
pub fn check_threshold(threshold: usize, groups: usize) -> Result<(), String> {
    if threshold > groups.max(1) {
        return Err(format!(
            "shamir_threshold {threshold} is larger than the number of key groups ({groups}): the data key could never be recovered"
        ));
    }
    Ok(())
}

/// A map's entries with YAML merge keys (`<<`) resolved: merged entries come after, and
/// never override, the map's own.
fn entries(value: &Plain) -> Vec<(String, &Plain)> {
    let Plain::Map(items) = value else {
        return Vec::new();
    };
    let mut out: Vec<(String, &Plain)> = items
        .iter()
        .filter(|(k, _)| k != "<<")
        .map(|(k, v)| (k.clone(), v))
        .collect();
    for (_, merged) in items.iter().filter(|(k, _)| k == "<<") {
        let sources: Vec<&Plain> = match merged {
            Plain::List(list) => list.iter().collect(),
            other => vec![other],
        };
        for source in sources {
            for (k, v) in entries(source) {
                if !out.iter().any(|(have, _)| *have == k) {
                    out.push((k, v));
                }
            }
        }
    }
    out
}

/// A scalar as text (YAML may read a fingerprint of digits as a number).
fn text(value: &Plain) -> Option<String> {
    match value {
        Plain::Scalar(s) => Some(String::from_utf8_lossy(&s.plaintext()).into_owned()),
        Plain::Number(digits) => Some(digits.clone()),
        _ => None,
    }
}

/// A whole number, however the YAML reader kept it.
fn integer(value: &Plain) -> Option<i64> {
    match value {
        Plain::Scalar(Scalar::Int(n)) => Some(*n),
        Plain::Number(digits) => digits.parse().ok(),
        _ => None,
    }
}

fn string(value: &Plain, field: &str) -> Result<String, String> {
    match value {
        Plain::Null => Ok(String::new()),
        v => text(v).ok_or_else(|| format!("{field} must be a string")),
    }
}

fn boolean(value: &Plain, field: &str) -> Result<bool, String> {
    match value {
        Plain::Null => Ok(false),
        Plain::Scalar(Scalar::Bool(b)) => Ok(*b),
        _ => Err(format!("{field} must be true or false")),
    }
}

fn count(value: &Plain, field: &str) -> Result<usize, String> {
    match value {
        Plain::Null => Ok(0),
        v => integer(v)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| format!("{field} must be a whole number, 0 or more")),
    }
}

/// A key list: a comma-separated string, or a list of strings (each of which may itself
/// be comma-separated, as sops joins and splits them).
fn key_list(value: &Plain, field: &str) -> Result<Vec<String>, String> {
    let items: Vec<String> = match value {
        Plain::Null => Vec::new(),
        Plain::List(list) => list
            .iter()
            .map(|item| text(item).ok_or_else(|| format!("{field} must list keys as strings")))
            .collect::<Result<_, _>>()?,
        other => vec![text(other).ok_or_else(|| {
            format!("{field} must be a comma-separated string or a list of keys")
        })?],
    };
    Ok(items
        .iter()
        .flat_map(|s| keys::split_list(s))
        .map(str::to_string)
        .collect())
}

/// The items of a list of maps (`kms: [{arn: …}]`).
fn map_list<'a>(value: &'a Plain, field: &str) -> Result<Vec<&'a Plain>, String> {
    match value {
        Plain::Null => Ok(Vec::new()),
        Plain::List(items) if items.iter().all(|i| matches!(i, Plain::Map(_))) => {
            Ok(items.iter().collect())
        }
        _ => Err(format!("{field} must be a list of maps")),
    }
}

/// The fields of a map entry of a key group, checked against the allowed ones.
fn object<'a>(
    value: &'a Plain,
    kind: &str,
    allowed: &[&str],
) -> Result<Vec<(String, &'a Plain)>, String> {
    let fields = entries(value);
    for (k, _) in &fields {
        if !allowed.contains(&k.as_str()) {
            return Err(format!(
                "unknown field {k:?} in a {kind} key (allowed: {})",
                allowed.join(", ")
            ));
        }
    }
    Ok(fields)
}

fn field<'a>(fields: &[(String, &'a Plain)], name: &str) -> Option<&'a Plain> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
}

fn required(fields: &[(String, &Plain)], name: &str, kind: &str) -> Result<String, String> {
    let value = field(fields, name)
        .map(|v| string(v, name))
        .transpose()?
        .unwrap_or_default();
    if value.is_empty() {
        return Err(format!("a {kind} key needs {name}"));
    }
    Ok(value)
}

fn creation_rule(
    number: usize,
    value: &Plain,
    warnings: &mut Vec<String>,
) -> Result<CreationRule, String> {
    if !matches!(value, Plain::Map(_)) {
        return Err("a creation rule must be a map".into());
    }
    let fields = entries(value);
    let known: Vec<&str> = [
        "path_regex",
        "aws_profile",
        "key_groups",
        "shamir_threshold",
    ]
    .into_iter()
    .chain(FLAT_KEY_FIELDS.iter().map(|(f, _)| *f))
    .chain(CryptRule::FIELDS)
    .chain(["mac_only_encrypted"])
    .collect();
    for (k, _) in &fields {
        if !known.contains(&k.as_str()) {
            return Err(format!(
                "unknown field {k:?} (a creation rule has {})",
                known.join(", ")
            ));
        }
    }
    let get = |name: &str| field(&fields, name);
    let path_regex = get("path_regex")
        .map(|v| string(v, "path_regex"))
        .transpose()?
        .filter(|s| !s.is_empty());
    let regex = path_regex
        .as_deref()
        .map(|re| {
            Regex::new(re).map_err(|e| {
                format!(
                    "invalid path_regex {re:?}: {}",
                    e.to_string().lines().last().unwrap_or_default().trim()
                )
            })
        })
        .transpose()?;
    let aws_profile = get("aws_profile")
        .map(|v| string(v, "aws_profile"))
        .transpose()?
        .unwrap_or_default();

    let mut flat = Vec::new();
    for (name, kind) in FLAT_KEY_FIELDS {
        let Some(v) = get(name) else { continue };
        if name == "hckms" && !matches!(v, Plain::List(_) | Plain::Null) {
            return Err("hckms must be a list of REGION:KEY_ID".into());
        }
        for key in key_list(v, name)? {
            let mut spec = KeySpec::new(kind, &key);
            if kind == "kms" && !aws_profile.is_empty() {
                spec.options
                    .insert("aws_profile".into(), Value::String(aws_profile.clone()));
            }
            flat.push(spec);
        }
    }
    let key_groups = match get("key_groups") {
        Some(Plain::List(groups)) if !groups.is_empty() => {
            if !flat.is_empty() {
                warnings.push(format!(
                    "creation rule {number} has both key_groups and flat key lists; the flat lists are ignored, as sops does"
                ));
            }
            groups
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    let group = key_group(g).map_err(|e| format!("key group {}: {e}", i + 1))?;
                    if group.is_empty() {
                        return Err(format!("key group {} has no keys", i + 1));
                    }
                    Ok(group)
                })
                .collect::<Result<Vec<_>, _>>()?
        }
        Some(Plain::List(_)) | Some(Plain::Null) | None => vec![dedup(flat)],
        Some(_) => return Err("key_groups must be a list of key groups".into()),
    };
    let shamir_threshold = get("shamir_threshold")
        .map(|v| count(v, "shamir_threshold"))
        .transpose()?
        .unwrap_or(0);
    check_threshold(shamir_threshold, key_groups.len())?;

    let mut crypt_rules = Vec::new();
    for name in CryptRule::FIELDS {
        if let Some(v) = get(name) {
            let text = string(v, name)?;
            if !text.is_empty() {
                crypt_rules.push(CryptRule::from_field(name, text).expect("a crypt rule field"));
            }
        }
    }
    if crypt_rules.len() > 1 {
        return Err(format!(
            "sets {}: use only one of {}",
            crypt_rules
                .iter()
                .map(|r| r.field().0)
                .collect::<Vec<_>>()
                .join(" and "),
            CryptRule::FIELDS.join(", ")
        ));
    }
    let crypt_rule = crypt_rules.pop();
    Rules::new(crypt_rule.as_ref()).map_err(|e| e.to_string())?;
    let mac_only_encrypted = get("mac_only_encrypted")
        .map(|v| boolean(v, "mac_only_encrypted"))
        .transpose()?
        .unwrap_or(false);
    Ok(CreationRule {
        number,
        path_regex,
        regex,
        key_groups,
        shamir_threshold,
        crypt_rule,
        mac_only_encrypted,
    })
}

/// One `key_groups` entry, with `merge` groups flattened into it, duplicates dropped.
fn key_group(value: &Plain) -> Result<Vec<KeySpec>, String> {
    if !matches!(value, Plain::Map(_)) {
        return Err("a key group must be a map of key types".into());
    }
    let mut group = Vec::new();
    let fields = entries(value);
    for (name, _) in &fields {
        if name != "merge" && !GROUP_KEY_FIELDS.contains(&name.as_str()) {
            return Err(format!(
                "unknown key type {name:?} (a key group has {}, merge)",
                GROUP_KEY_FIELDS.join(", ")
            ));
        }
    }
    if let Some(merge) = field(&fields, "merge") {
        for sub in map_list(merge, "merge")? {
            group.extend(key_group(sub)?);
        }
    }
    for name in GROUP_KEY_FIELDS {
        let Some(v) = field(&fields, name) else {
            continue;
        };
        match name {
            "age" | "pgp" | "hc_vault" => {
                for key in key_list(v, name)? {
                    group.push(KeySpec::new(name, &key));
                }
            }
            "kms" => {
                for item in map_list(v, name)? {
                    let f = object(item, "kms", &["arn", "role", "context", "aws_profile"])?;
                    let mut key = required(&f, "arn", "kms")?;
                    let role = field(&f, "role")
                        .map(|v| string(v, "role"))
                        .transpose()?
                        .unwrap_or_default();
                    if !role.is_empty() {
                        key = format!("{key}+{role}");
                    }
                    let mut spec = KeySpec::new("kms", &key);
                    if let Some(context) = field(&f, "context") {
                        spec.options.insert("context".into(), kms_context(context)?);
                    }
                    if let Some(profile) = field(&f, "aws_profile") {
                        let profile = string(profile, "aws_profile")?;
                        if !profile.is_empty() {
                            spec.options
                                .insert("aws_profile".into(), Value::String(profile));
                        }
                    }
                    group.push(spec);
                }
            }
            "gcp_kms" => {
                for item in map_list(v, name)? {
                    let f = object(item, "gcp_kms", &["resource_id"])?;
                    group.push(KeySpec::new(
                        "gcp_kms",
                        &required(&f, "resource_id", "gcp_kms")?,
                    ));
                }
            }
            "hckms" => {
                for item in map_list(v, name)? {
                    let f = object(item, "hckms", &["key_id"])?;
                    group.push(KeySpec::new("hckms", &required(&f, "key_id", "hckms")?));
                }
            }
            "azure_keyvault" => {
                for item in map_list(v, name)? {
                    let f = object(item, "azure_keyvault", &["vaultUrl", "key", "version"])?;
                    let url = required(&f, "vaultUrl", "azure_keyvault")?;
                    let mut key = format!(
                        "{}/keys/{}",
                        url.trim_end_matches('/'),
                        required(&f, "key", "azure_keyvault")?
                    );
                    let version = field(&f, "version")
                        .map(|v| string(v, "version"))
                        .transpose()?
                        .unwrap_or_default();
                    if !version.is_empty() {
                        key = format!("{key}/{version}");
                    }
                    group.push(KeySpec::new("azure_kv", &key));
                }
            }
            _ => unreachable!("every key type of GROUP_KEY_FIELDS is handled"),
        }
    }
    Ok(dedup(group))
}

/// A kms `context` map: string keys and values.
fn kms_context(value: &Plain) -> Result<Value, String> {
    let mut context = Map::new();
    match value {
        Plain::Null => {}
        Plain::Map(_) => {
            for (k, v) in entries(value) {
                let v = text(v).ok_or("kms context values must be strings")?;
                context.insert(k, Value::String(v));
            }
        }
        _ => return Err("kms context must be a map of strings".into()),
    }
    Ok(Value::Object(context))
}

fn dedup(specs: Vec<KeySpec>) -> Vec<KeySpec> {
    let mut out: Vec<KeySpec> = Vec::new();
    for spec in specs {
        if !out.contains(&spec) {
            out.push(spec);
        }
    }
    out
}

fn stores(value: &Plain) -> Result<Stores, String> {
    let mut stores = Stores::default();
    for (name, settings) in entries(value) {
        let indent = entries(settings)
            .into_iter()
            .find(|(k, _)| k == "indent")
            .map(|(_, v)| v);
        let Some(indent) = indent else { continue };
        let n = integer(indent)
            .ok_or_else(|| format!("stores.{name}.indent must be a whole number"))?;
        match name.as_str() {
            "yaml" => {
                stores.yaml_indent = usize::try_from(n)
                    .map_err(|_| "stores.yaml.indent must be 0 or more".to_string())?
            }
            "json" => stores.json_indent = n,
            "json_binary" => stores.json_binary_indent = n,
            _ => {}
        }
    }
    Ok(stores)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Error> {
        Config::parse(
            text.as_bytes(),
            Path::new("/repo/.sops.yaml"),
            PathBuf::from("/repo"),
        )
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    const A: &str = "age14h2ppxt2azygykrchuwj7pc79wg2k3kdgm3e3jxv8qqm905p09qq7nwkk9";
    const B: &str = "age18emv2keh8y99pp7s00etsm4xcfvy9n5wsek5sp5zxu3ltyj425uq6ez0e4";

    #[test]
    fn first_matching_rule_wins_on_the_path_relative_to_the_config() {
        let c = parse(&format!(
            "creation_rules:\n  - path_regex: ^prod/.*\\.yaml$\n    age: {A}\n    encrypted_regex: ^data$\n  - path_regex: \\.yaml$\n    age: '{A}, {B},'\n  - age: [{B}]\n"
        ))
        .unwrap();
        let rule = c.rule_for(Some(Path::new("/repo/prod/x.yaml"))).unwrap();
        assert_eq!(rule.number, 1);
        assert_eq!(
            rule.crypt_rule,
            Some(CryptRule::EncryptedRegex("^data$".into()))
        );
        let rule = c.rule_for(Some(Path::new("/repo/dev/x.yaml"))).unwrap();
        assert_eq!(rule.number, 2);
        assert_eq!(
            rule.key_groups,
            vec![vec![KeySpec::new("age", A), KeySpec::new("age", B)]]
        );
        assert_eq!(
            c.rule_for(Some(Path::new("/repo/x.json"))).unwrap().number,
            3
        );
        // Outside the config's directory the absolute path is matched.
        assert_eq!(
            c.rule_path(Path::new("/elsewhere/prod/x.yaml")),
            "/elsewhere/prod/x.yaml"
        );
    }

    #[test]
    fn no_match_explains_every_rule() {
        let c = parse("creation_rules:\n  - path_regex: \\.prod\\.yaml$\n    age: x\n").unwrap();
        let e = c
            .rule_for(Some(Path::new("/repo/dev.yaml")))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no creation rule of /repo/.sops.yaml matches \"dev.yaml\""),
            "{e}"
        );
        assert!(
            e.contains(r#"rule 1 (path_regex "\\.prod\\.yaml$")"#),
            "{e}"
        );
        let empty = parse("stores: {yaml: {indent: 2}}\n").unwrap();
        assert!(empty.creation_rules.is_none());
        assert_eq!(empty.stores.yaml_indent, 2);
        assert_eq!(empty.stores.json_indent, -1);
    }

    #[test]
    fn key_groups_merge_anchors_and_every_key_type() {
        let c = parse(&format!(
            "keys:\n  admin: &admin {A}\ncreation_rules:\n  - shamir_threshold: 2\n    key_groups:\n      - age: [*admin]\n        pgp: ['9BC7 229D 68DB F90A E1E7  A2D7 B3B1 A685 447B 5C66']\n        merge:\n          - age: [{B}, *admin]\n      - kms:\n          - arn: arn:aws:kms:us-east-1:1:key/k\n            role: arn:aws:iam::1:role/r\n            context: {{app: web}}\n            aws_profile: p\n        gcp_kms: [{{resource_id: projects/p/locations/l/keyRings/r/cryptoKeys/k}}]\n        azure_keyvault: [{{vaultUrl: 'https://v.vault.azure.net/', key: k, version: v1}}]\n        hc_vault: [https://vault:8200/v1/transit/keys/dev]\n        hckms: [{{key_id: 'eu-west-0:1234'}}]\n"
        ))
        .unwrap();
        let rule = c.rule_for(Some(Path::new("/repo/a"))).unwrap();
        assert_eq!(rule.shamir_threshold, 2);
        let g0: Vec<(&str, &str)> = rule.key_groups[0]
            .iter()
            .map(|s| (s.kind.as_str(), s.key.as_str()))
            .collect();
        // merged keys first, the duplicate admin key dropped
        assert_eq!(
            g0,
            [
                ("age", B),
                ("age", A),
                ("pgp", "9BC7 229D 68DB F90A E1E7  A2D7 B3B1 A685 447B 5C66")
            ]
        );
        let g1 = &rule.key_groups[1];
        assert_eq!(
            g1[0].key,
            "arn:aws:kms:us-east-1:1:key/k+arn:aws:iam::1:role/r"
        );
        assert_eq!(g1[0].options["context"], serde_json::json!({"app": "web"}));
        assert_eq!(g1[0].options["aws_profile"], "p");
        let kinds: Vec<&str> = g1.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(kinds, ["kms", "gcp_kms", "hckms", "azure_kv", "hc_vault"]);
        assert_eq!(g1[3].key, "https://v.vault.azure.net/keys/k/v1");
    }

    #[test]
    fn yaml_merge_keys_share_settings_between_rules() {
        let c = parse(&format!(
            "base: &base\n  encrypted_regex: ^data$\n  age: {A}\ncreation_rules:\n  - <<: *base\n    path_regex: ^k8s/\n  - <<: *base\n    age: {B}\n"
        ))
        .unwrap();
        let k8s = c.rule_for(Some(Path::new("/repo/k8s/a.yaml"))).unwrap();
        assert_eq!(
            k8s.crypt_rule,
            Some(CryptRule::EncryptedRegex("^data$".into()))
        );
        assert_eq!(k8s.key_groups, vec![vec![KeySpec::new("age", A)]]);
        // A rule's own field wins over the merged one.
        let other = c.rule_for(Some(Path::new("/repo/x"))).unwrap();
        assert_eq!(other.key_groups, vec![vec![KeySpec::new("age", B)]]);
    }

    #[test]
    fn bad_rules_are_refused_with_the_rule_named() {
        let e = err("creation_rules:\n  - path_regex: '(unclosed'\n    age: x\n");
        assert!(
            e.contains("creation rule 1: invalid path_regex \"(unclosed\""),
            "{e}"
        );
        let e = err("creation_rules:\n  - age: x\n  - key_groups:\n      - agee: [x]\n");
        assert!(
            e.contains("creation rule 2: key group 1: unknown key type \"agee\""),
            "{e}"
        );
        let e = err("creation_rules:\n  - shamir_threshold: 3\n    key_groups:\n      - age: [a]\n      - age: [b]\n");
        assert!(
            e.contains("shamir_threshold 3 is larger than the number of key groups (2)"),
            "{e}"
        );
        let e = err(
            "creation_rules:\n  - encrypted_regex: a\n    unencrypted_suffix: _u\n    age: x\n",
        );
        assert!(
            e.contains("sets unencrypted_suffix and encrypted_regex"),
            "{e}"
        );
        let e = err("creation_rules:\n  - encrypted_regexp: a\n");
        assert!(e.contains("unknown field \"encrypted_regexp\""), "{e}");
        let e = err("creation_rules:\n  - encrypted_regex: '['\n");
        assert!(e.contains("invalid encrypted_regex"), "{e}");
        let e = err("creation_rules:\n  - key_groups:\n      - {}\n");
        assert!(e.contains("key group 1 has no keys"), "{e}");
        let e = err("creation_rules:\n  - key_groups:\n      - kms: [{arn: a, rol: r}]\n");
        assert!(e.contains("unknown field \"rol\" in a kms key"), "{e}");
    }

    #[test]
    fn command_line_keys_replace_the_rule_and_crypt_flags_merge_per_field() {
        let c = parse(&format!(
            "creation_rules:\n  - path_regex: \\.yaml$\n    age: {A}\n    encrypted_regex: ^x$\n    mac_only_encrypted: true\n"
        ))
        .unwrap();
        let d = Discovered {
            config: Some(c),
            searched_from: PathBuf::from("/repo"),
            warnings: Vec::new(),
        };
        let file = Some(Path::new("/repo/a.yaml"));
        let s = d.settings_for(file, Overrides::default()).unwrap();
        assert_eq!(s.key_groups, vec![vec![KeySpec::new("age", A)]]);
        assert!(s.mac_only_encrypted);
        assert_eq!(s.crypt_rule, CryptRule::EncryptedRegex("^x$".into()));
        let s = d
            .settings_for(
                file,
                Overrides {
                    keys: vec![KeySpec::new("age", B)],
                    crypt_rule: Some(CryptRule::EncryptedRegex("^y$".into())),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(s.key_groups, vec![vec![KeySpec::new("age", B)]]);
        assert_eq!(s.crypt_rule, CryptRule::EncryptedRegex("^y$".into()));
        let e = d
            .settings_for(
                file,
                Overrides {
                    crypt_rule: Some(CryptRule::UnencryptedSuffix("_p".into())),
                    ..Default::default()
                },
            )
            .unwrap_err();
        assert!(matches!(e, Error::Conflict(_)), "{e}");
        // No rule matches: keys on the command line still work, none is an error.
        let json = Some(Path::new("/repo/a.json"));
        let keys = Overrides {
            keys: vec![KeySpec::new("age", B)],
            ..Default::default()
        };
        assert_eq!(
            d.settings_for(json, keys).unwrap().crypt_rule,
            CryptRule::default()
        );
        let e = d
            .settings_for(json, Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("no recipients: no creation rule of /repo/.sops.yaml matches \"a.json\""),
            "{e}"
        );
    }

    #[test]
    fn discovery_walks_up_and_warns_about_sops_yml() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(dir.path().join("a/.sops.yml"), "creation_rules: []\n").unwrap();
        let (found, warning) = find(&sub);
        assert_eq!(found, None);
        assert!(warning.unwrap().contains("must be called .sops.yaml"));
        std::fs::write(dir.path().join(".sops.yaml"), "creation_rules: []\n").unwrap();
        let (found, warning) = find(&sub);
        assert_eq!(found, Some(dir.path().join(".sops.yaml")));
        assert!(warning.unwrap().contains("using"));
    }
}

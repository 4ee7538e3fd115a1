//! The `sops` metadata block: key groups, MAC, crypt rule, version (SOPS_FORMAT.md §3).
//!
//! Every format stores the same structure (a YAML map, a JSON object, flattened `sops_*`
//! dotenv keys); this module converts it to and from a generic JSON value in SOPS's field
//! order. Key entries are kept as ordered field maps so that each key service owns its own
//! fields, and unknown fields are carried through unchanged.

use serde_json::{Map, Value};

use crate::crypto::Cipher;
use crate::error::Error;
use crate::rules::CryptRule;
use crate::timestamp::Timestamp;

/// The metadata key at the document root.
pub const SOPS_KEY: &str = "sops";
/// The `version` we write: the SOPS format level we implement (sops compares it with 3.3.0
/// for an old KMS bug, so it must be a SOPS version).
pub const FORMAT_VERSION: &str = "3.11.0";
/// Our field with the original spelling of values (see [`crate::layout`]); sops ignores it.
pub const LAYOUT_KEY: &str = "secrets_layout";

/// Key types SOPS stores, in the order of its metadata struct (`pgp` comes after `mac`).
const KEY_TYPES_BEFORE_MAC: [&str; 6] = ["kms", "gcp_kms", "hckms", "azure_kv", "hc_vault", "age"];
const KEY_TYPES_AFTER_MAC: [&str; 1] = ["pgp"];
/// Order of key types inside a `key_groups` entry.
const GROUP_KEY_TYPES: [&str; 7] = [
    "pgp", "kms", "gcp_kms", "hckms", "azure_kv", "hc_vault", "age",
];

/// A master key as stored: its type (`age`, `pgp`, `kms`, ...) and its fields in order.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredKey {
    /// The metadata list it is stored in.
    pub kind: String,
    /// Its fields (`recipient`, `enc`, `created_at`, ...), as stored.
    pub fields: Map<String, Value>,
}

impl StoredKey {
    /// A string field, if present.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(Value::as_str)
    }
}

/// The master keys of one key group; any one of them recovers the group's share.
pub type KeyGroup = Vec<StoredKey>;

/// The parsed `sops` block.
#[derive(Clone, Debug, PartialEq)]
pub struct Metadata {
    /// Key groups (one unless Shamir secret sharing is used).
    pub key_groups: Vec<KeyGroup>,
    /// Shares needed to recover the data key with several groups (0 = all).
    pub shamir_threshold: usize,
    /// `lastmodified`, as stored.
    pub last_modified: String,
    /// `mac`: the encrypted MAC.
    pub mac: String,
    /// The crypt rule; `None` for binary files, which encrypt everything.
    pub crypt_rule: Option<CryptRule>,
    /// MAC only the encrypted values.
    pub mac_only_encrypted: bool,
    /// `version`.
    pub version: String,
    /// Our encrypted record of original spellings, if any.
    pub layout: Option<String>,
    /// Fields we do not know, kept as they were.
    pub unknown: Vec<(String, Value)>,
}

/// How a format writes an empty key list inside a key group (Go's nil slice).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmptyList {
    /// JSON: `null`.
    Null,
    /// YAML: `[]`.
    Empty,
}

impl Metadata {
    /// Reads the `sops` value of a file.
    pub fn from_value(value: &Value) -> Result<Metadata, Error> {
        let invalid = |msg: String| Error::InvalidMetadata(msg);
        let obj = value
            .as_object()
            .ok_or_else(|| invalid("the sops block is not a map".into()))?;
        let mut md = Metadata {
            key_groups: Vec::new(),
            shamir_threshold: 0,
            last_modified: String::new(),
            mac: String::new(),
            crypt_rule: None,
            mac_only_encrypted: false,
            version: String::new(),
            layout: None,
            unknown: Vec::new(),
        };
        let mut flat_group = Vec::new();
        let mut rules = Vec::new();
        for (field, v) in obj {
            match field.as_str() {
                "shamir_threshold" => {
                    md.shamir_threshold = as_count(v).ok_or_else(|| {
                        invalid(format!("shamir_threshold {v} is not a whole number"))
                    })?
                }
                "key_groups" => {
                    for group in as_list(v) {
                        md.key_groups.push(read_group(group)?);
                    }
                }
                "lastmodified" => md.last_modified = as_string(v),
                "mac" => md.mac = as_string(v),
                "mac_only_encrypted" => {
                    md.mac_only_encrypted =
                        matches!(v, Value::Bool(true)) || v.as_str().is_some_and(|s| s == "true")
                }
                "version" => md.version = as_string(v),
                LAYOUT_KEY => md.layout = Some(as_string(v)),
                f if KEY_TYPES_BEFORE_MAC.contains(&f) || KEY_TYPES_AFTER_MAC.contains(&f) => {
                    for entry in as_list(v) {
                        flat_group.push(read_key(f, entry)?);
                    }
                }
                f if CryptRule::FIELDS.contains(&f) => {
                    let text = as_string(v);
                    if !text.is_empty() {
                        rules.push(CryptRule::from_field(f, text).expect("known field"));
                    }
                }
                _ => md.unknown.push((field.clone(), v.clone())),
            }
        }
        if !flat_group.is_empty() {
            // Top-level lists form the single group; SOPS orders it kms, gcp_kms, hckms,
            // azure_kv, hc_vault, pgp, age.
            let rank = |k: &StoredKey| {
                [
                    "kms", "gcp_kms", "hckms", "azure_kv", "hc_vault", "pgp", "age",
                ]
                .iter()
                .position(|t| *t == k.kind)
                .unwrap_or(usize::MAX)
            };
            flat_group.sort_by_key(rank);
            md.key_groups = vec![flat_group];
        }
        if md.key_groups.is_empty() || md.key_groups.iter().all(Vec::is_empty) {
            return Err(invalid("no keys found in the file".into()));
        }
        if rules.len() > 1 {
            return Err(invalid(
                "more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, unencrypted_comment_regex".into(),
            ));
        }
        // A file without any rule uses the default suffix (files written before rules existed).
        md.crypt_rule = Some(rules.pop().unwrap_or_default());
        if Timestamp::parse_rfc3339(&md.last_modified).is_none() {
            return Err(invalid(format!(
                "lastmodified {:?} is not an RFC 3339 time",
                md.last_modified
            )));
        }
        if !is_version(&md.version) {
            return Err(invalid(format!(
                "version {:?} is not a version number like 3.11.0",
                md.version
            )));
        }
        Ok(md)
    }

    /// The `sops` value in SOPS's field order.
    pub fn to_value(&self, empty_list: EmptyList) -> Value {
        let mut obj = Map::new();
        if self.shamir_threshold > 0 {
            obj.insert("shamir_threshold".into(), self.shamir_threshold.into());
        }
        let single = self.key_groups.len() == 1;
        if !single {
            let groups = self
                .key_groups
                .iter()
                .map(|g| Value::Object(group_value(g, empty_list)))
                .collect();
            obj.insert("key_groups".into(), Value::Array(groups));
        }
        let keys_of = |kind: &str| -> Vec<Value> {
            self.key_groups[0]
                .iter()
                .filter(|k| k.kind == kind)
                .map(|k| Value::Object(k.fields.clone()))
                .collect()
        };
        if single {
            for kind in KEY_TYPES_BEFORE_MAC {
                let keys = keys_of(kind);
                if !keys.is_empty() {
                    obj.insert(kind.into(), Value::Array(keys));
                }
            }
            for kind in unknown_kinds(&self.key_groups[0]) {
                obj.insert(kind.clone(), Value::Array(keys_of(&kind)));
            }
        }
        obj.insert("lastmodified".into(), self.last_modified.clone().into());
        obj.insert("mac".into(), self.mac.clone().into());
        if single {
            for kind in KEY_TYPES_AFTER_MAC {
                let keys = keys_of(kind);
                if !keys.is_empty() {
                    obj.insert(kind.into(), Value::Array(keys));
                }
            }
        }
        if let Some(rule) = &self.crypt_rule {
            let (field, text) = rule.field();
            obj.insert(field.into(), text.into());
        }
        if self.mac_only_encrypted {
            obj.insert("mac_only_encrypted".into(), true.into());
        }
        for (field, v) in &self.unknown {
            obj.insert(field.clone(), v.clone());
        }
        if let Some(layout) = &self.layout {
            obj.insert(LAYOUT_KEY.into(), layout.clone().into());
        }
        obj.insert("version".into(), self.version.clone().into());
        Value::Object(obj)
    }

    /// The value cipher of the file: the one its MAC is encrypted with, which is the one of
    /// every value we write (AES256_GCM when there is no MAC to tell).
    pub fn cipher(&self) -> Result<Cipher, Error> {
        Cipher::of(self.mac.as_bytes())
            .map(Option::unwrap_or_default)
            .map_err(|name| Error::UnknownCipher {
                place: "the MAC".into(),
                name,
            })
    }

    /// Every stored key, with its group index.
    pub fn keys(&self) -> impl Iterator<Item = (usize, &StoredKey)> {
        self.key_groups
            .iter()
            .enumerate()
            .flat_map(|(i, g)| g.iter().map(move |k| (i, k)))
    }
}

fn group_value(group: &[StoredKey], empty_list: EmptyList) -> Map<String, Value> {
    let mut obj = Map::new();
    let mut kinds: Vec<String> = GROUP_KEY_TYPES.iter().map(|s| s.to_string()).collect();
    kinds.extend(unknown_kinds(group));
    for kind in kinds {
        let keys: Vec<Value> = group
            .iter()
            .filter(|k| k.kind == kind)
            .map(|k| Value::Object(k.fields.clone()))
            .collect();
        // Go writes hc_vault and age without omitempty: present even when empty.
        let always = kind == "hc_vault" || kind == "age";
        if !keys.is_empty() {
            obj.insert(kind, Value::Array(keys));
        } else if always {
            let empty = match empty_list {
                EmptyList::Null => Value::Null,
                EmptyList::Empty => Value::Array(Vec::new()),
            };
            obj.insert(kind, empty);
        }
    }
    obj
}

/// Key types in `group` that SOPS 3.11 does not know, in first-seen order.
fn unknown_kinds(group: &[StoredKey]) -> Vec<String> {
    let mut kinds: Vec<String> = Vec::new();
    for k in group {
        let known = GROUP_KEY_TYPES.contains(&k.kind.as_str());
        if !known && !kinds.contains(&k.kind) {
            kinds.push(k.kind.clone());
        }
    }
    kinds
}

fn read_group(value: &Value) -> Result<KeyGroup, Error> {
    let obj = value
        .as_object()
        .ok_or_else(|| Error::InvalidMetadata("a key group is not a map".into()))?;
    let mut group = Vec::new();
    for (kind, list) in obj {
        for entry in as_list(list) {
            group.push(read_key(kind, entry)?);
        }
    }
    Ok(group)
}

fn read_key(kind: &str, value: &Value) -> Result<StoredKey, Error> {
    let fields = value
        .as_object()
        .ok_or_else(|| Error::InvalidMetadata(format!("a {kind} key entry is not a map")))?
        .clone();
    if let Some(created) = fields.get("created_at") {
        let text = as_string(created);
        if Timestamp::parse_rfc3339(&text).is_none() {
            return Err(Error::InvalidMetadata(format!(
                "created_at {text:?} of a {kind} key is not an RFC 3339 time"
            )));
        }
    }
    Ok(StoredKey {
        kind: kind.to_string(),
        fields,
    })
}

fn as_list(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or_default()
}

fn as_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A count stored as a number or (dotenv/INI) as an integral string.
fn as_count(v: &Value) -> Option<usize> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                    .map(|f| f as u64)
            })
            .map(|n| n as usize),
        Value::String(s) => s.parse::<usize>().ok().or_else(|| {
            s.parse::<f64>()
                .ok()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as usize)
        }),
        _ => None,
    }
}

/// SOPS accepts any semver (optionally `v`-prefixed) and the `1.x` versions of Python sops.
fn is_version(v: &str) -> bool {
    if v.starts_with("1.") {
        return true;
    }
    let v = v.strip_prefix('v').unwrap_or(v);
    let core = v.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
}

/// Flattens a metadata value into `(key, value)` pairs as SOPS stores it in dotenv and INI
/// files: nested map keys become `__map_<key>`, list indexes `__list_<i>`, nulls are dropped,
/// booleans and numbers become text. Sorted bytewise, as sops writes dotenv metadata.
pub fn flatten(value: &Value) -> Vec<(String, String)> {
    fn walk(prefix: String, v: &Value, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(obj) => {
                for (k, v) in obj {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}__map_{k}")
                    };
                    walk(key, v, out);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(format!("{prefix}__list_{i}"), v, out);
                }
            }
            Value::Null => {}
            Value::String(s) => out.push((prefix, s.clone())),
            other => out.push((prefix, other.to_string())),
        }
    }
    let mut out = Vec::new();
    walk(String::new(), value, &mut out);
    out.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    out
}

/// Rebuilds the metadata value from flattened pairs (the inverse of [`flatten`]).
pub fn unflatten<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> Value {
    enum Step<'s> {
        Key(&'s str),
        Index(usize),
    }
    fn steps(key: &str) -> Vec<Step<'_>> {
        let mut out = Vec::new();
        let mut is_index = false;
        let mut rest = key;
        loop {
            let cut = [rest.find("__map_"), rest.find("__list_")]
                .into_iter()
                .flatten()
                .min();
            let head = cut.map_or(rest, |c| &rest[..c]);
            out.push(if is_index {
                Step::Index(head.parse().unwrap_or(0))
            } else {
                Step::Key(head)
            });
            let Some(c) = cut else { return out };
            match rest[c..].strip_prefix("__map_") {
                Some(tail) => (is_index, rest) = (false, tail),
                None => (is_index, rest) = (true, &rest[c + "__list_".len()..]),
            }
        }
    }
    const MAX_LIST_INDEX: usize = 1 << 12;
    fn insert(node: &mut Value, path: &[Step<'_>], value: String) {
        let Some((step, rest)) = path.split_first() else {
            *node = Value::String(value);
            return;
        };
        let child = match step {
            Step::Key(k) => {
                if !node.is_object() {
                    *node = Value::Object(Map::new());
                }
                node.as_object_mut()
                    .expect("made an object above")
                    .entry(k.to_string())
                    .or_insert(Value::Null)
            }
            Step::Index(i) => {
                // Metadata lists are short; a huge index is a damaged or hostile file, and
                // filling the list up to it would exhaust memory.
                if *i >= MAX_LIST_INDEX {
                    return;
                }
                if !node.is_array() {
                    *node = Value::Array(Vec::new());
                }
                let list = node.as_array_mut().expect("made an array above");
                if list.len() <= *i {
                    list.resize(i + 1, Value::Null);
                }
                &mut list[*i]
            }
        };
        insert(child, rest, value);
    }
    let mut root = Value::Object(Map::new());
    for (key, value) in pairs {
        insert(&mut root, &steps(key), value);
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({
            "age": [{"recipient": "age1x", "enc": "-----BEGIN AGE ENCRYPTED FILE-----\nAAA\n-----END AGE ENCRYPTED FILE-----\n"}],
            "lastmodified": "2026-11-22T22:11:14Z",
            "mac": "ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]",
            "unencrypted_suffix": "_unencrypted",
            "version": "3.11.0"
        })
    }

    #[test]
    fn reads_and_writes_in_sops_order() {
        let md = Metadata::from_value(&sample()).unwrap();
        assert_eq!(md.key_groups.len(), 1);
        assert_eq!(md.key_groups[0][0].get("recipient"), Some("age1x"));
        assert_eq!(md.to_value(EmptyList::Null), sample());
    }

    #[test]
    fn a_huge_list_index_is_ignored_not_allocated() {
        // A fuzz finding: `sops_age__list_777777777777777=...` in a dotenv file.
        let value = unflatten([
            ("age__list_777777777777777__map_enc", "x".to_string()),
            ("age__list_0__map_recipient", "age1x".to_string()),
        ]);
        assert_eq!(value["age"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn rejects_bad_metadata() {
        let mut v = sample();
        v["version"] = "three".into();
        assert!(Metadata::from_value(&v).is_err());
        let mut v = sample();
        v["lastmodified"] = "yesterday".into();
        assert!(Metadata::from_value(&v).is_err());
        let mut v = sample();
        v["encrypted_regex"] = "x".into();
        assert!(Metadata::from_value(&v).is_err());
        let mut v = sample();
        v.as_object_mut().unwrap().remove("age");
        assert!(Metadata::from_value(&v).is_err());
    }

    #[test]
    fn missing_rule_means_default_suffix_and_unknown_fields_survive() {
        let mut v = sample();
        v.as_object_mut().unwrap().remove("unencrypted_suffix");
        v["future_field"] = json!({"a": 1});
        let md = Metadata::from_value(&v).unwrap();
        assert_eq!(md.crypt_rule, Some(CryptRule::default()));
        assert_eq!(
            md.unknown,
            vec![("future_field".to_string(), json!({"a": 1}))]
        );
    }

    #[test]
    fn flatten_round_trip_and_sorting() {
        let mut v = sample();
        v["shamir_threshold"] = 2.into();
        let flat = flatten(&v);
        let keys: Vec<&str> = flat.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "age__list_0__map_enc",
                "age__list_0__map_recipient",
                "lastmodified",
                "mac",
                "shamir_threshold",
                "unencrypted_suffix",
                "version"
            ]
        );
        let back = unflatten(flat.iter().map(|(k, v)| (k.as_str(), v.clone())));
        let md = Metadata::from_value(&back).unwrap();
        assert_eq!(md.shamir_threshold, 2);
        assert_eq!(md.key_groups[0][0].get("recipient"), Some("age1x"));
    }

    #[test]
    fn groups_write_nil_lists_per_format() {
        let mut md = Metadata::from_value(&sample()).unwrap();
        md.key_groups.push(md.key_groups[0].clone());
        let v = md.to_value(EmptyList::Null);
        assert_eq!(v["key_groups"][0]["hc_vault"], Value::Null);
        let v = md.to_value(EmptyList::Empty);
        assert_eq!(v["key_groups"][1]["hc_vault"], json!([]));
        assert!(v.get("age").is_none());
    }
}

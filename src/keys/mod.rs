//! Key services: wrapping a file's data key for recipients, and recovering it.
//!
//! Each key type (`age`, `pgp`, `kms`, ...) is one module implementing [`Recipient`] (wrap for
//! one master key, as named on the command line or in `.sops.yaml`) and [`Identity`] (try to
//! unwrap stored keys of its type). Like `age::Identity`, unwrapping answers `None` for "not
//! mine" and `Some(Err)` for "mine, but it failed". Key groups and Shamir sharing sit on top
//! and never look inside a key type.
//!
//! The cloud key services (`kms`, `gcp_kms`, `azure_kv`, `hc_vault`) are each behind a cargo
//! feature; a file that needs one this build lacks fails with a message saying so. When many
//! files are decrypted together ([`Keyring::data_keys`]), their data keys are recovered
//! concurrently, with a bounded number of requests in flight, and a wrapped key that several
//! files share is unwrapped once.

pub mod age;
#[cfg(feature = "aws-kms")]
pub mod aws_kms;
#[cfg(feature = "azure-kv")]
pub mod azure_kv;
#[cfg(feature = "gcp-kms")]
pub mod gcp_kms;
#[cfg(feature = "http-client")]
mod http;
pub mod pgp;
pub mod service;
#[cfg(feature = "hc-vault")]
pub mod vault_transit;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::crypto::{shamir, DataKey};
use crate::error::Error;
use crate::metadata::{KeyGroup, Metadata, StoredKey};
use crate::timestamp::Timestamp;

/// Bytes recovered from a stored key: the data key, or a Shamir share of it.
pub type Secret = Zeroizing<Vec<u8>>;

/// A master key a data key can be wrapped for.
pub trait Recipient: Send + Sync {
    /// The metadata list its entries go to (`age`, `pgp`, ...).
    fn kind(&self) -> &'static str;
    /// How users name it (recipient, fingerprint, ARN).
    fn id(&self) -> String;
    /// Wraps `secret` (a data key or a share) into a stored key entry.
    fn wrap(&self, secret: &[u8]) -> Result<StoredKey, Error>;
    /// Whether `stored` was wrapped for this master key (so re-wrapping can keep it).
    fn matches(&self, stored: &StoredKey) -> bool {
        stored.kind == self.kind() && stored_id(stored) == self.id()
    }
}

/// A master key as named on the command line or in `.sops.yaml`, before its key type
/// parses it: the neutral form [`crate::config`] produces for every key type.
#[derive(Clone, Debug, PartialEq)]
pub struct KeySpec {
    /// The metadata list its entries go to: `age`, `pgp`, `kms`, `gcp_kms`, `azure_kv`,
    /// `hc_vault` or `hckms`.
    pub kind: String,
    /// The key as its command-line flag takes it: an age recipient, a PGP fingerprint,
    /// `ARN[+ROLE_ARN]`, a GCP resource id, `https://VAULT/keys/NAME[/VERSION]`, a Vault
    /// transit URI, `REGION:KEY_ID`.
    pub key: String,
    /// Settings `.sops.yaml` gives beside the key (kms `context`, `aws_profile`).
    pub options: Map<String, Value>,
}

impl KeySpec {
    /// A key without options.
    pub fn new(kind: &str, key: &str) -> KeySpec {
        KeySpec {
            kind: kind.to_string(),
            key: key.to_string(),
            options: Map::new(),
        }
    }
}

/// The recipient a key spec names.
pub fn recipient(spec: &KeySpec) -> Result<Box<dyn Recipient>, Error> {
    Ok(match spec.kind.as_str() {
        "age" => Box::new(age::AgeRecipient::parse(&spec.key)?),
        "pgp" => Box::new(pgp::PgpRecipient::parse(&spec.key)?),
        #[cfg(feature = "aws-kms")]
        aws_kms::KIND => Box::new(aws_kms::KmsRecipient::from_spec(spec)?),
        #[cfg(feature = "gcp-kms")]
        gcp_kms::KIND => Box::new(gcp_kms::GcpKmsRecipient::parse(&spec.key)?),
        #[cfg(feature = "azure-kv")]
        azure_kv::KIND => Box::new(azure_kv::AzureKvRecipient::parse(&spec.key)?),
        #[cfg(feature = "hc-vault")]
        vault_transit::KIND => Box::new(vault_transit::VaultRecipient::parse(&spec.key)?),
        other => return Err(Error::Unsupported(missing_backend(other))),
    })
}

/// The recipient a stored key was wrapped for, to wrap a new data key for it (`rotate`,
/// `groups`).
pub fn recipient_of(stored: &StoredKey) -> Result<Box<dyn Recipient>, Error> {
    match stored.kind.as_str() {
        #[cfg(feature = "aws-kms")]
        aws_kms::KIND => Ok(Box::new(aws_kms::KmsRecipient::of_stored(stored)?)),
        _ => recipient(&KeySpec::new(&stored.kind, &stored_id(stored))),
    }
}

/// The recipients of every group of key specs.
pub fn recipient_groups(groups: &[Vec<KeySpec>]) -> Result<RecipientGroups, Error> {
    groups
        .iter()
        .map(|group| group.iter().map(recipient).collect())
        .collect()
}

/// Something that can recover secrets from stored keys of one type.
pub trait Identity: Send + Sync {
    /// The metadata list it reads (`age`, `pgp`, ...).
    fn kind(&self) -> &'static str;
    /// `None` when this machine holds nothing for `key`; `Some(Err)` when it does but
    /// unwrapping failed.
    fn unwrap(&self, key: &StoredKey) -> Option<Result<Secret, Error>>;
    /// A hint on how to make keys of this type available, for error messages.
    fn hint(&self) -> String;
}

/// Recipients grouped as the file's key groups.
pub type RecipientGroups = Vec<Vec<Box<dyn Recipient>>>;

/// Wraps a new data key for every recipient: the whole key with one group, a Shamir share
/// per group with several.
pub fn wrap(
    groups: &RecipientGroups,
    key: &DataKey,
    threshold: usize,
) -> Result<Vec<KeyGroup>, Error> {
    if groups.iter().all(|g| g.is_empty()) {
        return Err(Error::NoRecipients);
    }
    let shares: Vec<Secret> = if groups.len() == 1 {
        vec![Zeroizing::new(key.expose().to_vec())]
    } else {
        let threshold = if threshold == 0 {
            groups.len()
        } else {
            threshold
        };
        shamir::split(key.expose(), groups.len(), threshold).map_err(Error::Rules)?
    };
    groups
        .iter()
        .zip(&shares)
        .map(|(group, share)| group.iter().map(|r| r.wrap(share)).collect())
        .collect()
}

/// How many unwrap requests may be in flight at once by default.
pub const DEFAULT_PARALLEL_REQUESTS: usize = 16;

/// The outcome of unwrapping one stored key, kept so an identical key is unwrapped once.
type Unwrapped = Option<Result<Secret, String>>;

/// Every identity this machine can use, one per key type.
pub struct Keyring {
    identities: Vec<Box<dyn Identity>>,
    /// Key types to try first, in order (`--decryption-order`).
    order: Vec<String>,
    /// Unwrap requests in flight at most.
    parallel: usize,
    /// Outcomes by stored key (type and fields but `created_at`).
    unwrapped: Mutex<HashMap<String, Arc<OnceLock<Unwrapped>>>>,
}

impl Keyring {
    /// The identities of every key type built in, configured from the environment as sops
    /// does; nothing is loaded or contacted until a key of that type needs unwrapping.
    pub fn from_env() -> Keyring {
        #[allow(unused_mut)] // with no cloud feature, nothing is added
        let mut identities: Vec<Box<dyn Identity>> = vec![
            Box::new(age::AgeIdentities::from_env()),
            Box::new(pgp::PgpIdentity::from_env()),
        ];
        #[cfg(feature = "aws-kms")]
        identities.push(Box::new(aws_kms::KmsIdentity));
        #[cfg(feature = "gcp-kms")]
        identities.push(Box::new(gcp_kms::GcpKmsIdentity));
        #[cfg(feature = "azure-kv")]
        identities.push(Box::new(azure_kv::AzureKvIdentity));
        #[cfg(feature = "hc-vault")]
        identities.push(Box::new(vault_transit::VaultIdentity));
        Keyring::new(identities)
    }

    /// A keyring of the given identities.
    pub fn new(identities: Vec<Box<dyn Identity>>) -> Keyring {
        Keyring {
            identities,
            order: vec!["age".into(), "pgp".into()],
            parallel: DEFAULT_PARALLEL_REQUESTS,
            unwrapped: Mutex::new(HashMap::new()),
        }
    }

    /// Sets how many unwrap requests may be in flight at once (at least one).
    pub fn set_parallel_requests(&mut self, n: usize) {
        self.parallel = n.max(1);
    }

    /// Sets the order in which key types are tried (`age,pgp,kms,...`); a type named twice
    /// is an error.
    pub fn set_order(&mut self, order: &[String]) -> Result<(), Error> {
        for (i, kind) in order.iter().enumerate() {
            if order[..i].contains(kind) {
                return Err(Error::DuplicateKeyType(kind.clone()));
            }
        }
        self.order = order.to_vec();
        Ok(())
    }

    /// Recovers the data keys of many files, in their order. Up to the parallel-request
    /// bound of files are worked on at once (each has at most one request in flight), and a
    /// stored key several files share is unwrapped once.
    pub fn data_keys(&self, files: &[&Metadata]) -> Vec<Result<DataKey, Error>> {
        let workers = self.parallel.min(files.len());
        if workers <= 1 {
            return files.iter().map(|md| self.data_key(md)).collect();
        }
        let next = AtomicUsize::new(0);
        let results: Vec<Mutex<Option<Result<DataKey, Error>>>> =
            files.iter().map(|_| Mutex::new(None)).collect();
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(md) = files.get(i) else { break };
                    let key = self.data_key(md);
                    *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(key);
                });
            }
        });
        results
            .into_iter()
            .map(|slot| {
                slot.into_inner()
                    .unwrap_or_else(|e| e.into_inner())
                    .expect("every file was worked on")
            })
            .collect()
    }

    /// Recovers the data key of a file.
    pub fn data_key(&self, metadata: &Metadata) -> Result<DataKey, Error> {
        let groups = &metadata.key_groups;
        let mut failures = Vec::new();
        let mut shares = Vec::new();
        for (index, group) in groups.iter().enumerate() {
            match self.unwrap_group(group, &mut failures) {
                Some(secret) if groups.len() == 1 => {
                    return DataKey::from_slice(&secret).ok_or_else(|| {
                        Error::NoDataKey("the recovered data key is not 32 bytes long".into())
                    });
                }
                Some(secret) => shares.push(secret),
                None if groups.len() > 1 => {
                    failures.push(format!("key group {} gave no share", index + 1))
                }
                None => {}
            }
        }
        if groups.len() > 1 {
            let threshold = if metadata.shamir_threshold == 0 {
                groups.len()
            } else {
                metadata.shamir_threshold
            };
            if shares.len() >= threshold {
                let parts: Vec<&[u8]> = shares.iter().map(|s| s.as_slice()).collect();
                let key = shamir::combine(&parts).map_err(Error::NoDataKey)?;
                return DataKey::from_slice(&key).ok_or_else(|| {
                    Error::NoDataKey("the combined data key is not 32 bytes long".into())
                });
            }
            failures.push(format!(
                "{} of {threshold} needed key groups could be decrypted",
                shares.len()
            ));
        }
        Err(Error::NoDataKey(format!(
            "no key of the file is available here ({}); {}",
            failures.join("; "),
            self.hints(metadata)
        )))
    }

    fn unwrap_group(&self, group: &[StoredKey], failures: &mut Vec<String>) -> Option<Secret> {
        let rank = |k: &StoredKey| {
            self.order
                .iter()
                .position(|o| *o == k.kind)
                .unwrap_or(self.order.len())
        };
        let mut keys: Vec<&StoredKey> = group.iter().collect();
        keys.sort_by_key(|k| rank(k));
        for key in keys {
            let label = key_label(key);
            let Some(identity) = self.identities.iter().find(|i| i.kind() == key.kind) else {
                failures.push(format!("{label}: {}", missing_backend(&key.kind)));
                continue;
            };
            match self.unwrap_once(identity.as_ref(), key) {
                Some(Ok(secret)) => return Some(secret),
                Some(Err(e)) => failures.push(format!("{label}: {e}")),
                None => failures.push(format!("{label}: no matching identity")),
            }
        }
        None
    }

    /// Unwraps `key`, or returns the outcome of an identical key unwrapped before (waiting
    /// for it when another thread is unwrapping it now).
    fn unwrap_once(&self, identity: &dyn Identity, key: &StoredKey) -> Unwrapped {
        let mut fields = key.fields.clone();
        fields.remove("created_at");
        let id = format!("{}:{}", key.kind, Value::Object(fields));
        let slot = self
            .unwrapped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(id)
            .or_default()
            .clone();
        slot.get_or_init(|| identity.unwrap(key).map(|r| r.map_err(|e| e.to_string())))
            .clone()
    }

    fn hints(&self, metadata: &Metadata) -> String {
        let mut hints: Vec<String> = Vec::new();
        for (_, key) in metadata.keys() {
            if let Some(identity) = self.identities.iter().find(|i| i.kind() == key.kind) {
                let hint = identity.hint();
                if !hints.contains(&hint) {
                    hints.push(hint);
                }
            }
        }
        if hints.is_empty() {
            "make one of the file's keys available".into()
        } else {
            hints.join("; ")
        }
    }
}

/// How a stored key is named in messages: its type and id (the URL of Vault and Azure keys).
pub fn key_label(key: &StoredKey) -> String {
    format!("{} {}", key.kind, stored_id(key))
}

/// The id of a stored key as [`Recipient::id`] spells it and sops's `ToString` does: the
/// age recipient, the PGP fingerprint, the KMS ARN, the GCP resource id, the Azure key URL,
/// the Vault transit URI, the HuaweiCloud key id.
pub fn stored_id(key: &StoredKey) -> String {
    let field = |f: &str| key.get(f).unwrap_or_default();
    match key.kind.as_str() {
        "azure_kv" => format!(
            "{}/keys/{}/{}",
            field("vault_url").trim_end_matches('/'),
            field("name"),
            field("version")
        ),
        "hc_vault" => format!(
            "{}/v1/{}/keys/{}",
            field("vault_address"),
            field("engine_path"),
            field("key_name")
        ),
        _ => ["recipient", "fp", "arn", "resource_id", "key_id"]
            .iter()
            .find_map(|f| key.get(f))
            .unwrap_or("?")
            .to_string(),
    }
}

/// Splits a comma-separated list of keys as sops does: items trimmed, empty ones skipped.
pub fn split_list(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Parses an AWS KMS encryption context as sops does (`--encryption-context`): `key:value`
/// pairs separated by commas; empty means none. The map goes into a kms [`KeySpec`]'s
/// `context` option, as `.sops.yaml` gives it.
pub fn parse_kms_context(text: &str) -> Result<Map<String, Value>, Error> {
    let mut context = Map::new();
    if text.is_empty() {
        return Ok(context);
    }
    for pair in text.split(',') {
        match pair.split(':').collect::<Vec<_>>()[..] {
            [k, v] => {
                context.insert(k.to_string(), v.into());
            }
            _ => {
                return Err(Error::EncryptionContext(format!(
                    "{pair:?} is not a key:value pair"
                )))
            }
        }
    }
    Ok(context)
}

/// Parses recipients of one key type from a comma-separated list, as on the command line.
pub fn parse_recipients(kind: &str, list: &str) -> Result<Vec<Box<dyn Recipient>>, Error> {
    split_list(list)
        .map(|key| recipient(&KeySpec::new(kind, key)))
        .collect()
}

/// Why this build cannot use keys of `kind`: which cargo feature it lacks, if any.
pub fn missing_backend(kind: &str) -> String {
    let feature = match kind {
        "kms" => "aws-kms",
        "gcp_kms" => "gcp-kms",
        "azure_kv" => "azure-kv",
        "hc_vault" => "hc-vault",
        other => {
            return format!(
                "{other} keys are not supported by secrets (it handles age, pgp, kms, gcp_kms, azure_kv and hc_vault)"
            )
        }
    };
    format!("this build of secrets has no {kind} support: build it with the cargo feature `{feature}` (on by default)")
}

/// A stored key entry of `kind` with `fields` in the order given (the order sops writes).
pub fn stored_key<'a>(kind: &str, fields: impl IntoIterator<Item = (&'a str, Value)>) -> StoredKey {
    StoredKey {
        kind: kind.to_string(),
        fields: fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<Map<String, Value>>(),
    }
}

/// `created_at` of a new entry: now, in UTC seconds.
pub fn created_at() -> Value {
    Timestamp::now().to_rfc3339().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    /// An identity that unwraps `test` keys whose `enc` is hex, counting calls and the most
    /// calls in flight at once.
    #[derive(Default)]
    struct Counting {
        calls: AtomicUsize,
        in_flight: AtomicUsize,
        most_in_flight: AtomicUsize,
    }

    impl Identity for Arc<Counting> {
        fn kind(&self) -> &'static str {
            "test"
        }

        fn unwrap(&self, key: &StoredKey) -> Option<Result<Secret, Error>> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.most_in_flight.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(20));
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            let enc = key.get("enc")?;
            if enc == "fail" {
                return Some(Err(Error::Identity("denied".into())));
            }
            let bytes = (0..enc.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&enc[i..i + 2], 16).unwrap())
                .collect();
            Some(Ok(Zeroizing::new(bytes)))
        }

        fn hint(&self) -> String {
            "none".into()
        }
    }

    fn metadata(encs: &[&str]) -> Metadata {
        let keys: Vec<StoredKey> = encs
            .iter()
            .map(|enc| {
                stored_key(
                    "test",
                    [("created_at", created_at()), ("enc", (*enc).into())],
                )
            })
            .collect();
        Metadata {
            key_groups: vec![keys],
            shamir_threshold: 0,
            last_modified: String::new(),
            mac: String::new(),
            crypt_rule: None,
            mac_only_encrypted: false,
            version: "3.11.0".into(),
            layout: None,
            unknown: Vec::new(),
        }
    }

    fn stored(kind: &str, fields: &[(&str, &str)]) -> StoredKey {
        StoredKey {
            kind: kind.into(),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), Value::from(*v)))
                .collect(),
        }
    }

    #[test]
    fn many_files_share_unwraps_and_bound_requests() {
        let counting = Arc::new(Counting::default());
        let mut keyring = Keyring::new(vec![Box::new(counting.clone())]);
        keyring.set_order(&["test".to_string()]).unwrap();
        keyring.set_parallel_requests(4);
        // 40 files, 10 distinct wrapped keys; a failing key before the good one in each.
        let files: Vec<Metadata> = (0..40)
            .map(|i| {
                let enc = format!("{:02x}", i % 10).repeat(32);
                metadata(&["fail", &enc])
            })
            .collect();
        let refs: Vec<&Metadata> = files.iter().collect();
        let keys = keyring.data_keys(&refs);
        for (i, key) in keys.iter().enumerate() {
            let key = key.as_ref().unwrap();
            assert_eq!(key.expose(), &[(i % 10) as u8; 32]);
        }
        // Ten distinct keys and one distinct failing key, each asked for once.
        assert_eq!(counting.calls.load(Ordering::SeqCst), 11);
        let most = counting.most_in_flight.load(Ordering::SeqCst);
        assert!(
            (2..=4).contains(&most),
            "{most} requests were in flight at once"
        );
    }

    #[test]
    fn a_failing_key_is_reported_and_the_next_one_used() {
        let counting = Arc::new(Counting::default());
        let keyring = Keyring::new(vec![Box::new(counting)]);
        let md = metadata(&["fail"]);
        let e = keyring.data_key(&md).unwrap_err().to_string();
        assert!(e.contains("test ?: denied"), "{e}");
        let md = metadata(&["fail", &"01".repeat(32)]);
        assert_eq!(keyring.data_key(&md).unwrap().expose(), &[1; 32]);
    }

    #[test]
    fn encryption_contexts_parse_as_sops_does() {
        let context = parse_kms_context("env:prod,app:web").unwrap();
        assert_eq!(
            Value::Object(context),
            serde_json::json!({"env": "prod", "app": "web"})
        );
        assert!(parse_kms_context("").unwrap().is_empty());
        for bad in ["env", "a:b:c", "env:prod,"] {
            let e = parse_kms_context(bad).unwrap_err();
            assert_eq!(e.exit_code(), 6, "{bad}");
        }
    }

    #[test]
    fn missing_backends_name_their_feature() {
        assert!(missing_backend("kms").contains("`aws-kms`"));
        assert!(missing_backend("hc_vault").contains("`hc-vault`"));
        assert!(missing_backend("hckms").starts_with("hckms keys are not supported by secrets"));
        let keyring = Keyring::new(Vec::new());
        let md = metadata(&["00"]);
        let e = keyring.data_key(&md).unwrap_err().to_string();
        assert!(e.contains("test keys are not supported by secrets"), "{e}");
    }

    #[test]
    fn stored_ids_spell_keys_as_sops_does() {
        assert_eq!(
            stored_id(&stored("age", &[("recipient", "age1x")])),
            "age1x"
        );
        assert_eq!(stored_id(&stored("pgp", &[("fp", "ABCD")])), "ABCD");
        assert_eq!(
            stored_id(&stored("kms", &[("arn", "arn:k"), ("role", "r")])),
            "arn:k"
        );
        assert_eq!(
            stored_id(&stored(
                "azure_kv",
                &[("vault_url", "https://v/"), ("name", "k"), ("version", "1")]
            )),
            "https://v/keys/k/1"
        );
        assert_eq!(
            stored_id(&stored(
                "hc_vault",
                &[
                    ("vault_address", "http://h:8200"),
                    ("engine_path", "transit"),
                    ("key_name", "k")
                ]
            )),
            "http://h:8200/v1/transit/keys/k"
        );
    }

    #[test]
    fn specs_become_recipients_of_their_type() {
        let r = recipient(&KeySpec::new(
            "age",
            "age14h2ppxt2azygykrchuwj7pc79wg2k3kdgm3e3jxv8qqm905p09qq7nwkk9",
        ))
        .unwrap();
        assert!(r.matches(&stored("age", &[("recipient", &r.id())])));
        assert!(!r.matches(&stored("pgp", &[("fp", &r.id())])));
        let e = recipient(&KeySpec::new("hckms", "eu-west-0:1234"))
            .err()
            .unwrap();
        assert!(
            e.to_string()
                .contains("hckms keys are not supported by secrets"),
            "{e}"
        );
        assert_eq!(split_list(" a, ,b ,").collect::<Vec<_>>(), ["a", "b"]);
    }
}

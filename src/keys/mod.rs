//! Key services: wrapping a file's data key for recipients, and recovering it.
//!
//! Each key type (`age`, `pgp`, `kms`, ...) is one module implementing [`Recipient`] (wrap for
//! one master key, as named on the command line or in `.sops.yaml`) and [`Identity`] (try to
//! unwrap stored keys of its type). Like `age::Identity`, unwrapping answers `None` for "not
//! mine" and `Some(Err)` for "mine, but it failed". Key groups and Shamir sharing sit on top
//! and never look inside a key type.

pub mod age;
pub mod pgp;

use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::crypto::{shamir, DataKey};
use crate::error::Error;
use crate::metadata::{KeyGroup, Metadata, StoredKey};

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

/// The key types this build can wrap data keys for.
pub const RECIPIENT_KINDS: [&str; 2] = ["age", "pgp"];

/// The recipient a key spec names.
pub fn recipient(spec: &KeySpec) -> Result<Box<dyn Recipient>, Error> {
    Ok(match spec.kind.as_str() {
        "age" => Box::new(age::AgeRecipient::parse(&spec.key)?),
        "pgp" => Box::new(pgp::PgpRecipient::parse(&spec.key)?),
        other => return Err(unsupported(other)),
    })
}

/// The recipient a stored key was wrapped for, to wrap a new data key for it (`rotate`,
/// `groups`).
pub fn recipient_of(stored: &StoredKey) -> Result<Box<dyn Recipient>, Error> {
    match stored.kind.as_str() {
        "age" | "pgp" => recipient(&KeySpec::new(&stored.kind, &stored_id(stored))),
        other => Err(unsupported(other)),
    }
}

/// The recipients of every group of key specs.
pub fn recipient_groups(groups: &[Vec<KeySpec>]) -> Result<RecipientGroups, Error> {
    groups
        .iter()
        .map(|group| group.iter().map(recipient).collect())
        .collect()
}

fn unsupported(kind: &str) -> Error {
    Error::Unsupported(format!(
        "{kind} keys are not supported by this build of secrets (it handles {})",
        RECIPIENT_KINDS.join(", ")
    ))
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

/// Every identity this machine can use, one per key type.
pub struct Keyring {
    identities: Vec<Box<dyn Identity>>,
    /// Key types to try first, in order (`--decryption-order`).
    order: Vec<String>,
}

impl Keyring {
    /// The identities of every key type, configured from the environment as sops does;
    /// nothing is loaded or contacted until a key of that type needs unwrapping.
    pub fn from_env() -> Keyring {
        Keyring {
            identities: vec![
                Box::new(age::AgeIdentities::from_env()),
                Box::new(pgp::PgpIdentity::from_env()),
            ],
            order: vec!["age".into(), "pgp".into()],
        }
    }

    /// A keyring of the given identities.
    pub fn new(identities: Vec<Box<dyn Identity>>) -> Keyring {
        Keyring {
            identities,
            order: vec!["age".into(), "pgp".into()],
        }
    }

    /// Sets the order in which key types are tried (`age,pgp,kms,...`); a type named twice
    /// is an error.
    pub fn set_order(&mut self, order: &[String]) -> Result<(), Error> {
        for (i, kind) in order.iter().enumerate() {
            if order[..i].contains(kind) {
                return Err(Error::Conflict(format!(
                    "--decryption-order names {kind} twice"
                )));
            }
        }
        self.order = order.to_vec();
        Ok(())
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
                failures.push(format!("{label}: this build cannot use {} keys", key.kind));
                continue;
            };
            match identity.unwrap(key) {
                Some(Ok(secret)) => return Some(secret),
                Some(Err(e)) => failures.push(format!("{label}: {e}")),
                None => failures.push(format!("{label}: no matching identity")),
            }
        }
        None
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

/// How a stored key is named in messages: its type and id.
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

/// Parses recipients of one key type from a comma-separated list, as on the command line.
pub fn parse_recipients(kind: &str, list: &str) -> Result<Vec<Box<dyn Recipient>>, Error> {
    split_list(list)
        .map(|key| recipient(&KeySpec::new(kind, key)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let e = recipient(&KeySpec::new("kms", "arn:aws:kms:x"))
            .err()
            .unwrap();
        assert!(
            e.to_string()
                .contains("kms keys are not supported by this build"),
            "{e}"
        );
        assert_eq!(split_list(" a, ,b ,").collect::<Vec<_>>(), ["a", "b"]);
    }
}

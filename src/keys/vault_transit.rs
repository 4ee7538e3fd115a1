//! HashiCorp Vault (and OpenBao) transit keys, `hc_vault` in the metadata.
//!
//! A key is named by its URI, `https://vault.example.org:8200/v1/MOUNT/keys/NAME`, where the
//! mount may be nested (`team/sops`). The data key is sent base64-encoded to
//! `MOUNT/encrypt/NAME`; Vault's ciphertext (`vault:v1:...`) is stored as it is. The token
//! comes from `VAULT_TOKEN`, else from `~/.vault-token` (written by `vault login`), and
//! `VAULT_NAMESPACE` is sent when set, as the Vault client sops uses does.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use super::http::{self, Body, Patience};
use super::service::{Failure, Service, ServiceError};
use super::{stored_key, Identity, Recipient, Secret};
use crate::error::Error;
use crate::metadata::StoredKey;

/// The metadata list of Vault keys.
pub const KIND: &str = "hc_vault";

struct Vault;

impl Service for Vault {
    const NAME: &'static str = "Vault transit";
    const KIND: &'static str = KIND;

    fn hint(failure: Failure) -> &'static str {
        match failure {
            Failure::Denied | Failure::Credentials => "set VAULT_TOKEN or run `vault login` (which writes ~/.vault-token), with a policy allowing update on the key's encrypt and decrypt paths",
            Failure::NotFound => "check the mount path and key name of the key URI (https://HOST:8200/v1/MOUNT/keys/NAME)",
            Failure::Network => "check the address in the key URI and that the server runs and is unsealed",
            Failure::Rejected => "the stored ciphertext does not belong to this transit key, or its key version is no longer available",
        }
    }
}

/// A transit key: where the server is, the mount and the key name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaultKey {
    /// `https://host:port`.
    pub address: String,
    /// The transit mount, without slashes at the ends (`transit`, `team/sops`).
    pub engine_path: String,
    /// The key's name.
    pub key_name: String,
}

impl VaultKey {
    /// Parses a key URI as sops does. A URI without scheme and host
    /// (`/v1/transit/keys/NAME`) is taken relative to `VAULT_ADDR`, when that is set.
    pub fn parse(uri: &str) -> Result<VaultKey, Error> {
        let invalid = |reason: &str| {
            Error::InvalidRecipient {
            kind: KIND,
            recipient: uri.to_string(),
            reason: format!("{reason} (expected a URI like https://vault.example.org:8200/v1/transit/keys/NAME)"),
        }
        };
        let full = match uri.split_once("://") {
            Some(_) => uri.to_string(),
            None => match std::env::var("VAULT_ADDR").ok().filter(|a| !a.is_empty()) {
                Some(addr) if uri.starts_with('/') => {
                    format!("{}{uri}", addr.trim_end_matches('/'))
                }
                _ => return Err(invalid("the URI has no scheme, and VAULT_ADDR is not set")),
            },
        };
        let (scheme, rest) = full.split_once("://").expect("has a scheme");
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if scheme.is_empty() || authority.is_empty() {
            return Err(invalid("the URI has no host"));
        }
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let prefixed = regex::Regex::new(r"/[^/]+/v\d+/[^/]+/[^/]+/[^/]+").expect("valid");
        let shaped = regex::Regex::new(r"/v\d+/[^/]+/[^/]+/[^/]+").expect("valid");
        if prefixed.is_match(path) {
            return Err(invalid("Vault behind a path prefix is not supported"));
        }
        if !shaped.is_match(path) {
            return Err(invalid("the path is not /v1/MOUNT/keys/NAME"));
        }
        let dirs: Vec<&str> = path.trim_matches('/').split('/').collect();
        Ok(VaultKey {
            address: format!("{scheme}://{authority}"),
            engine_path: dirs[1..dirs.len() - 2].join("/"),
            key_name: dirs[dirs.len() - 1].to_string(),
        })
    }

    fn from_stored(key: &StoredKey) -> Option<VaultKey> {
        Some(VaultKey {
            address: key.get("vault_address")?.to_string(),
            engine_path: key.get("engine_path")?.trim_matches('/').to_string(),
            key_name: key.get("key_name")?.to_string(),
        })
    }

    /// The key URI, as users write it.
    pub fn uri(&self) -> String {
        format!(
            "{}/v1/{}/keys/{}",
            self.address, self.engine_path, self.key_name
        )
    }

    /// `POST /v1/MOUNT/{op}/NAME` with the token of this machine.
    fn call(&self, op: &str, body: &Value) -> Result<Value, ServiceError> {
        let url = format!(
            "{}/v1/{}/{op}/{}",
            self.address.trim_end_matches('/'),
            self.engine_path,
            self.key_name
        );
        let token = token();
        let namespace = std::env::var("VAULT_NAMESPACE").unwrap_or_default();
        let mut headers = Vec::new();
        if let Some(token) = &token {
            headers.push(("X-Vault-Token", token.as_str()));
        }
        if !namespace.is_empty() {
            headers.push(("X-Vault-Namespace", namespace.as_str()));
        }
        http::request("POST", &url, &headers, Body::Json(body), Patience::Normal).map_err(
            |mut e| {
                // Transit answers 400 for a key it does not have.
                if e.failure == Failure::Rejected && e.detail.contains("not found") {
                    e.failure = Failure::NotFound;
                }
                if token.is_none() && e.failure == Failure::Denied {
                    e.failure = Failure::Credentials;
                }
                e
            },
        )
    }
}

/// The token: `VAULT_TOKEN`, else the file `vault login` writes.
fn token() -> Option<Zeroizing<String>> {
    if let Some(t) = std::env::var("VAULT_TOKEN").ok().filter(|t| !t.is_empty()) {
        return Some(Zeroizing::new(t));
    }
    let home = std::env::var_os("HOME")?;
    let text = std::fs::read_to_string(std::path::Path::new(&home).join(".vault-token")).ok()?;
    Some(Zeroizing::new(text.trim().to_string())).filter(|t| !t.is_empty())
}

/// A Vault transit key to wrap data keys with.
pub struct VaultRecipient(VaultKey);

impl VaultRecipient {
    /// Parses a key URI (see [`VaultKey::parse`]).
    pub fn parse(uri: &str) -> Result<VaultRecipient, Error> {
        VaultKey::parse(uri).map(VaultRecipient)
    }
}

impl Recipient for VaultRecipient {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn id(&self) -> String {
        self.0.uri()
    }

    fn wrap(&self, secret: &[u8]) -> Result<StoredKey, Error> {
        let plaintext = Zeroizing::new(STANDARD.encode(secret));
        let answer = self
            .0
            .call("encrypt", &json!({ "plaintext": plaintext.as_str() }))
            .and_then(|a| http::field(&a, "/data/ciphertext").map(str::to_string))
            .map_err(|e| Vault::wrap_error(&self.id(), e))?;
        let key = &self.0;
        Ok(stored_key(
            KIND,
            [
                ("vault_address", key.address.clone().into()),
                ("engine_path", key.engine_path.clone().into()),
                ("key_name", key.key_name.clone().into()),
                ("created_at", super::created_at()),
                ("enc", answer.into()),
            ],
        ))
    }
}

/// Unwraps `hc_vault` keys with this machine's token.
pub struct VaultIdentity;

impl Identity for VaultIdentity {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn unwrap(&self, key: &StoredKey) -> Option<Result<Secret, Error>> {
        let vault = VaultKey::from_stored(key)?;
        let enc = key.get("enc")?;
        Some(
            vault
                .call("decrypt", &json!({ "ciphertext": enc }))
                .and_then(|answer| http::secret_field(&answer, "/data/plaintext"))
                .map_err(Vault::unwrap_error),
        )
    }

    fn hint(&self) -> String {
        Vault::hint(Failure::Credentials).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_key_uris_as_sops_does() {
        let k = VaultKey::parse("https://vault.example.org:8200/v1/transit/keys/dev").unwrap();
        assert_eq!(k.address, "https://vault.example.org:8200");
        assert_eq!(k.engine_path, "transit");
        assert_eq!(k.key_name, "dev");
        assert_eq!(
            k.uri(),
            "https://vault.example.org:8200/v1/transit/keys/dev"
        );
        let nested = VaultKey::parse("http://127.0.0.1:8200/v1/team/sops/keys/k2").unwrap();
        assert_eq!(nested.engine_path, "team/sops");
        assert_eq!(nested.key_name, "k2");
        assert!(VaultKey::parse("https://vault:8200/prefix/v1/transit/keys/dev").is_err());
        assert!(VaultKey::parse("https://vault:8200/transit/keys/dev").is_err());
        assert!(VaultKey::parse("https://vault:8200/v1/keys/dev").is_err());
    }

    #[test]
    fn stored_entries_have_sops_field_order() {
        let key = stored_key(
            KIND,
            [
                ("vault_address", "http://h:1".into()),
                ("engine_path", "transit".into()),
                ("key_name", "k".into()),
                ("created_at", "2026-01-01T00:00:00Z".into()),
                ("enc", "vault:v1:abc".into()),
            ],
        );
        let fields: Vec<&str> = key.fields.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "vault_address",
                "engine_path",
                "key_name",
                "created_at",
                "enc"
            ]
        );
        assert_eq!(
            VaultKey::from_stored(&key).unwrap().uri(),
            "http://h:1/v1/transit/keys/k"
        );
    }
}

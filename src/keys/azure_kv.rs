//! Azure Key Vault keys, `azure_kv` in the metadata, through the REST API.
//!
//! As sops does, the data key is encrypted by the vault with `RSA-OAEP-256` (the `encrypt`
//! operation, not `wrapkey`) and `enc` holds the result in base64url without padding. A key
//! URL without version (`https://NAME.vault.azure.net/keys/KEY`) is pinned to the key's
//! current version when it is first used. Tokens come from the sources of Azure's
//! `DefaultAzureCredential`, in its order: environment (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
//! `AZURE_CLIENT_SECRET`), workload identity (`AZURE_FEDERATED_TOKEN_FILE`), managed identity
//! (`IDENTITY_ENDPOINT` on App Service and Functions, else the instance metadata service), and
//! the Azure CLI (`az login`); `AZURE_TOKEN_CREDENTIALS` (`prod`, `dev` or a credential's
//! name) narrows the chain. `SECRETS_AZURE_KEYVAULT_ENDPOINT` sends the requests of every
//! vault to another origin (private endpoints, tests).

use std::collections::HashMap;
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use super::http::{self, Body, Patience};
use super::service::{Failure, Service, ServiceError};
use super::{stored_key, Identity, Recipient, Secret};
use crate::error::Error;
use crate::metadata::StoredKey;

/// The metadata list of Azure Key Vault keys.
pub const KIND: &str = "azure_kv";
const API_VERSION: &str = "7.4";
const ALGORITHM: &str = "RSA-OAEP-256";

struct Azure;

impl Service for Azure {
    const NAME: &'static str = "Azure Key Vault";
    const KIND: &'static str = KIND;

    fn hint(failure: Failure) -> &'static str {
        match failure {
            Failure::Denied => "grant the identity the encrypt and decrypt key permissions (role Key Vault Crypto User, or an access policy), and check which identity is used",
            Failure::NotFound => "check the vault URL, key name and version (https://VAULT.vault.azure.net/keys/NAME/VERSION)",
            Failure::Network => "check the vault URL and the network path to it (and HTTPS_PROXY)",
            Failure::Credentials => "run `az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or use a managed identity",
            Failure::Rejected => "the stored ciphertext was not made by this key version",
        }
    }
}

/// A Key Vault key: the vault, the key's name, and its version (empty until pinned).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaultKey {
    /// `https://NAME.vault.azure.net`.
    pub vault_url: String,
    /// The key's name.
    pub name: String,
    /// The key version; empty means the current one.
    pub version: String,
}

impl VaultKey {
    /// Parses `https://VAULT/keys/NAME[/VERSION]` as sops does (https only).
    pub fn parse(url: &str) -> Result<VaultKey, Error> {
        let url = url.trim();
        let shape = regex::Regex::new(r"^(https://[^/]+)/keys/([^/]+)(/[^/]*)?$").expect("valid");
        let parts = shape.captures(url).ok_or_else(|| Error::InvalidRecipient {
            kind: KIND,
            recipient: url.to_string(),
            reason: "expected https://VAULT.vault.azure.net/keys/NAME[/VERSION]".into(),
        })?;
        Ok(VaultKey {
            vault_url: parts[1].to_string(),
            name: parts[2].to_string(),
            version: parts
                .get(3)
                .map_or("", |v| v.as_str().trim_start_matches('/'))
                .to_string(),
        })
    }

    fn from_stored(key: &StoredKey) -> Option<VaultKey> {
        Some(VaultKey {
            vault_url: key.get("vault_url")?.to_string(),
            name: key.get("name")?.to_string(),
            version: key.get("version")?.to_string(),
        })
    }

    /// The key URL, as users write it.
    pub fn url(&self) -> String {
        let mut url = format!("{}/keys/{}", self.vault_url, self.name);
        if !self.version.is_empty() {
            url.push('/');
            url.push_str(&self.version);
        }
        url
    }

    /// The URL of `keys/NAME/VERSION/{op}` (or of the key itself), on the overriding origin
    /// when one is set.
    fn api_url(&self, op: Option<&str>) -> String {
        let origin = std::env::var("SECRETS_AZURE_KEYVAULT_ENDPOINT")
            .ok()
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| self.vault_url.clone());
        let mut url = format!("{}/keys/{}", origin.trim_end_matches('/'), self.name);
        for part in [Some(self.version.as_str()), op].into_iter().flatten() {
            if !part.is_empty() {
                url.push('/');
                url.push_str(part);
            }
        }
        format!("{url}?api-version={API_VERSION}")
    }

    fn call(&self, method: &str, op: Option<&str>, body: Body<'_>) -> Result<Value, ServiceError> {
        let token = token(&resource_of(&self.vault_url))?;
        let bearer = Zeroizing::new(format!("Bearer {}", token.as_str()));
        http::request(
            method,
            &self.api_url(op),
            &[("Authorization", bearer.as_str())],
            body,
            Patience::Normal,
        )
    }

    /// The key with its version: as given, or the current one.
    fn pinned(&self) -> Result<VaultKey, ServiceError> {
        if !self.version.is_empty() {
            return Ok(self.clone());
        }
        let answer = self.call("GET", None, Body::Empty)?;
        let kid = http::field(&answer, "/key/kid")?;
        let version = kid.rsplit('/').next().unwrap_or_default();
        Ok(VaultKey {
            version: version.to_string(),
            ..self.clone()
        })
    }
}

/// The token audience of a vault: its host without the vault's own name
/// (`https://vault.azure.net` for `https://x.vault.azure.net`), as the vault's 401 challenge
/// names it.
fn resource_of(vault_url: &str) -> String {
    let host = vault_url
        .trim_start_matches("https://")
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    match host.split_once('.') {
        Some((_, parent)) if parent.contains('.') && host.parse::<std::net::IpAddr>().is_err() => {
            format!("https://{parent}")
        }
        _ => "https://vault.azure.net".into(),
    }
}

/// An access token for `resource`, found once per resource and process.
fn token(resource: &str) -> Result<Zeroizing<String>, ServiceError> {
    type Slot = Arc<OnceLock<Result<Zeroizing<String>, ServiceError>>>;
    static TOKENS: OnceLock<Mutex<HashMap<String, Slot>>> = OnceLock::new();
    let slot = TOKENS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(resource.to_string())
        .or_default()
        .clone();
    slot.get_or_init(|| find_token(resource)).clone()
}

/// The credential sources of `DefaultAzureCredential`, in its order.
const SOURCES: [&str; 4] = [
    "EnvironmentCredential",
    "WorkloadIdentityCredential",
    "ManagedIdentityCredential",
    "AzureCliCredential",
];

fn find_token(resource: &str) -> Result<Zeroizing<String>, ServiceError> {
    let selected = std::env::var("AZURE_TOKEN_CREDENTIALS").unwrap_or_default();
    let allowed = |source: &str| match selected.trim().to_ascii_lowercase().as_str() {
        "" => true,
        "prod" => source != "AzureCliCredential",
        "dev" => source == "AzureCliCredential",
        name => name == source.to_ascii_lowercase(),
    };
    let mut tried = Vec::new();
    for source in SOURCES.into_iter().filter(|s| allowed(s)) {
        let attempt = match source {
            "EnvironmentCredential" => environment(resource),
            "WorkloadIdentityCredential" => workload_identity(resource),
            "ManagedIdentityCredential" => managed_identity(resource),
            _ => azure_cli(resource),
        };
        match attempt {
            Some(Ok(token)) => return Ok(token),
            Some(Err(e)) => tried.push(format!("{source}: {e}")),
            None => {}
        }
    }
    let detail = if tried.is_empty() {
        "no credential source is configured".to_string()
    } else {
        tried.join("; ")
    };
    Err(ServiceError::new(Failure::Credentials, detail))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// A client-credentials grant at Microsoft Entra ID, with a secret or an assertion.
fn entra_token(
    tenant: &str,
    client_id: &str,
    credential: &[(&str, &str)],
    resource: &str,
) -> Result<Zeroizing<String>, String> {
    let authority =
        env("AZURE_AUTHORITY_HOST").unwrap_or_else(|| "https://login.microsoftonline.com".into());
    let url = format!(
        "{}/{tenant}/oauth2/v2.0/token",
        authority.trim_end_matches('/')
    );
    let scope = format!("{resource}/.default");
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("scope", scope.as_str()),
    ];
    form.extend_from_slice(credential);
    let answer = http::request("POST", &url, &[], Body::Form(&form), Patience::Normal)
        .map_err(|e| e.detail)?;
    http::field(&answer, "/access_token")
        .map(|t| Zeroizing::new(t.to_string()))
        .map_err(|e| e.detail)
}

fn environment(resource: &str) -> Option<Result<Zeroizing<String>, String>> {
    let (tenant, client) = (env("AZURE_TENANT_ID")?, env("AZURE_CLIENT_ID")?);
    if let Some(secret) = env("AZURE_CLIENT_SECRET").map(Zeroizing::new) {
        let credential = [("client_secret", secret.as_str())];
        return Some(entra_token(&tenant, &client, &credential, resource));
    }
    env("AZURE_CLIENT_CERTIFICATE_PATH").map(|_| {
        Err("certificate credentials are not supported; use AZURE_CLIENT_SECRET, a managed identity or `az login`".into())
    })
}

fn workload_identity(resource: &str) -> Option<Result<Zeroizing<String>, String>> {
    let file = env("AZURE_FEDERATED_TOKEN_FILE")?;
    let (tenant, client) = (env("AZURE_TENANT_ID")?, env("AZURE_CLIENT_ID")?);
    let assertion = match std::fs::read_to_string(&file) {
        Ok(text) => Zeroizing::new(text.trim().to_string()),
        Err(e) => return Some(Err(format!("cannot read {file}: {e}"))),
    };
    let credential = [
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", assertion.as_str()),
    ];
    Some(entra_token(&tenant, &client, &credential, resource))
}

fn managed_identity(resource: &str) -> Option<Result<Zeroizing<String>, String>> {
    let client_id = env("AZURE_CLIENT_ID")
        .map(|id| format!("&client_id={}", query_escape(&id)))
        .unwrap_or_default();
    let resource_q = query_escape(resource);
    let (url, header, patience) = match (env("IDENTITY_ENDPOINT"), env("IDENTITY_HEADER")) {
        (Some(endpoint), Some(secret)) => (
            format!("{endpoint}?api-version=2019-08-01&resource={resource_q}{client_id}"),
            ("X-IDENTITY-HEADER", secret),
            Patience::Normal,
        ),
        _ => (
            format!("http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource={resource_q}{client_id}"),
            ("Metadata", "true".to_string()),
            Patience::Probe,
        ),
    };
    match http::request(
        "GET",
        &url,
        &[(header.0, header.1.as_str())],
        Body::Empty,
        patience,
    ) {
        Ok(answer) => Some(
            http::field(&answer, "/access_token")
                .map(|t| Zeroizing::new(t.to_string()))
                .map_err(|e| e.detail),
        ),
        // No metadata service: this is not an Azure machine.
        Err(e) if patience == Patience::Probe && e.failure == Failure::Network => None,
        Err(e) => Some(Err(e.detail)),
    }
}

fn azure_cli(resource: &str) -> Option<Result<Zeroizing<String>, String>> {
    let mut cmd = Command::new(if cfg!(windows) { "az.cmd" } else { "az" });
    cmd.args([
        "account",
        "get-access-token",
        "--output",
        "json",
        "--resource",
        resource,
    ]);
    if let Some(tenant) = env("AZURE_TENANT_ID") {
        cmd.args(["--tenant", &tenant]);
    }
    let output = cmd.stdin(std::process::Stdio::null()).output().ok()?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        return Some(Err(format!(
            "`az account get-access-token` failed: {}",
            said.trim()
        )));
    }
    let answer: Value = match serde_json::from_slice(&output.stdout) {
        Ok(v) => v,
        Err(e) => {
            return Some(Err(format!(
                "`az account get-access-token` printed no JSON: {e}"
            )))
        }
    };
    Some(
        http::field(&answer, "/accessToken")
            .map(|t| Zeroizing::new(t.to_string()))
            .map_err(|e| e.detail),
    )
}

/// Percent-encodes a query parameter value.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Decodes base64url with or without padding (Key Vault answers either way).
fn decode_url(text: &str) -> Result<Zeroizing<Vec<u8>>, ServiceError> {
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .or_else(|_| URL_SAFE.decode(text))
        .or_else(|_| STANDARD.decode(text))
        .map(Zeroizing::new)
        .map_err(|e| {
            ServiceError::new(
                Failure::Rejected,
                format!("the value is not base64url: {e}"),
            )
        })
}

/// An Azure Key Vault key to wrap data keys with.
pub struct AzureKvRecipient(VaultKey);

impl AzureKvRecipient {
    /// Parses a key URL (see [`VaultKey::parse`]).
    pub fn parse(url: &str) -> Result<AzureKvRecipient, Error> {
        VaultKey::parse(url).map(AzureKvRecipient)
    }
}

impl Recipient for AzureKvRecipient {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn id(&self) -> String {
        self.0.url()
    }

    /// The same vault and key; a URL without version matches every version of the key.
    fn matches(&self, stored: &StoredKey) -> bool {
        let Some(other) = VaultKey::from_stored(stored).filter(|_| stored.kind == KIND) else {
            return false;
        };
        other.vault_url.trim_end_matches('/') == self.0.vault_url
            && other.name == self.0.name
            && (self.0.version.is_empty() || other.version == self.0.version)
    }

    fn wrap(&self, secret: &[u8]) -> Result<StoredKey, Error> {
        let value = Zeroizing::new(URL_SAFE_NO_PAD.encode(secret));
        let body = json!({ "alg": ALGORITHM, "value": value.as_str() });
        let (key, enc) = self
            .0
            .pinned()
            .and_then(|key| {
                let answer = key.call("POST", Some("encrypt"), Body::Json(&body))?;
                let enc = URL_SAFE_NO_PAD.encode(decode_url(http::field(&answer, "/value")?)?);
                Ok((key, enc))
            })
            .map_err(|e| Azure::wrap_error(&self.id(), e))?;
        Ok(stored_key(
            KIND,
            [
                ("vault_url", key.vault_url.into()),
                ("name", key.name.into()),
                ("version", key.version.into()),
                ("created_at", super::created_at()),
                ("enc", enc.into()),
            ],
        ))
    }
}

/// Unwraps `azure_kv` keys with this machine's Azure credentials.
pub struct AzureKvIdentity;

impl Identity for AzureKvIdentity {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn unwrap(&self, key: &StoredKey) -> Option<Result<Secret, Error>> {
        let vault = VaultKey::from_stored(key)?;
        let enc = key.get("enc")?;
        let body = json!({ "alg": ALGORITHM, "value": enc });
        Some(
            vault
                .call("POST", Some("decrypt"), Body::Json(&body))
                .and_then(|answer| decode_url(http::field(&answer, "/value")?))
                .map_err(Azure::unwrap_error),
        )
    }

    fn hint(&self) -> String {
        Azure::hint(Failure::Credentials).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_key_urls_as_sops_does() {
        let k = VaultKey::parse("https://v.vault.azure.net/keys/sops/0123abcd").unwrap();
        assert_eq!(
            (k.vault_url.as_str(), k.name.as_str(), k.version.as_str()),
            ("https://v.vault.azure.net", "sops", "0123abcd")
        );
        let k = VaultKey::parse(" https://v.vault.azure.net/keys/sops ").unwrap();
        assert_eq!(k.version, "");
        assert_eq!(k.url(), "https://v.vault.azure.net/keys/sops");
        assert!(VaultKey::parse("http://v.vault.azure.net/keys/sops").is_err());
        assert!(VaultKey::parse("https://v.vault.azure.net/secrets/sops").is_err());
    }

    #[test]
    fn token_audience_follows_the_cloud() {
        assert_eq!(
            resource_of("https://x.vault.azure.net"),
            "https://vault.azure.net"
        );
        assert_eq!(
            resource_of("https://x.vault.azure.cn"),
            "https://vault.azure.cn"
        );
        assert_eq!(
            resource_of("https://x.managedhsm.azure.net"),
            "https://managedhsm.azure.net"
        );
        assert_eq!(
            resource_of("https://127.0.0.1:8443"),
            "https://vault.azure.net"
        );
    }

    #[test]
    fn escapes_query_values() {
        assert_eq!(
            query_escape("https://vault.azure.net"),
            "https%3A%2F%2Fvault.azure.net"
        );
    }

    #[test]
    fn values_decode_with_or_without_padding() {
        assert_eq!(decode_url("-_8").unwrap().as_slice(), &[0xfb, 0xff]);
        assert_eq!(decode_url("-_8=").unwrap().as_slice(), &[0xfb, 0xff]);
        assert_eq!(decode_url("+/8=").unwrap().as_slice(), &[0xfb, 0xff]);
    }
}

//! Google Cloud KMS keys, `gcp_kms` in the metadata, through the REST API.
//!
//! The data key is encrypted with `cryptoKeys.encrypt`; `enc` holds the ciphertext in
//! standard base64, as sops writes it. Credentials are found as sops finds them:
//! `GOOGLE_CREDENTIALS` (a key file's path or its JSON), then `GOOGLE_OAUTH_ACCESS_TOKEN`, then
//! application-default credentials (`GOOGLE_APPLICATION_CREDENTIALS`, the file
//! `gcloud auth application-default login` writes, the metadata server on Google Cloud).
//! `SECRETS_GCP_KMS_ENDPOINT` replaces `https://cloudkms.googleapis.com` (private endpoints,
//! tests).

use std::path::PathBuf;
use std::sync::OnceLock;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use super::http::{self, Body, Patience};
use super::service::{Failure, Service, ServiceError};
use super::{stored_key, Identity, Recipient, Secret};
use crate::error::Error;
use crate::metadata::StoredKey;

/// The metadata list of GCP KMS keys.
pub const KIND: &str = "gcp_kms";
const DEFAULT_ENDPOINT: &str = "https://cloudkms.googleapis.com";
const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
const SCOPE: &str = "https://www.googleapis.com/auth/cloudkms";

struct Gcp;

impl Service for Gcp {
    const NAME: &'static str = "GCP KMS";
    const KIND: &'static str = KIND;

    fn hint(failure: Failure) -> &'static str {
        match failure {
            Failure::Denied => "grant the caller roles/cloudkms.cryptoKeyEncrypterDecrypter on the key, and check which credentials are used (GOOGLE_CREDENTIALS, GOOGLE_OAUTH_ACCESS_TOKEN, application-default credentials)",
            Failure::NotFound => "check the resource ID (projects/P/locations/L/keyRings/R/cryptoKeys/K) and that its primary version is enabled",
            Failure::Network => "check the network path to cloudkms.googleapis.com (and HTTPS_PROXY)",
            Failure::Credentials => "set GOOGLE_CREDENTIALS to a service-account key file (or its JSON), set GOOGLE_OAUTH_ACCESS_TOKEN, or run `gcloud auth application-default login`",
            Failure::Rejected => "the stored ciphertext was not made by this key",
        }
    }
}

/// Checks a resource ID (`projects/P/locations/L/keyRings/R/cryptoKeys/K`); spaces are
/// dropped, as sops does.
fn resource_id(text: &str) -> Result<String, Error> {
    let id: String = text.chars().filter(|c| *c != ' ').collect();
    let shape =
        regex::Regex::new(r"^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$")
            .expect("valid");
    if !shape.is_match(&id) {
        return Err(Error::InvalidRecipient {
            kind: KIND,
            recipient: text.to_string(),
            reason: "expected projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY"
                .into(),
        });
    }
    Ok(id)
}

/// `POST {endpoint}/v1/{resource}:{op}` with this machine's access token.
fn call(resource: &str, op: &str, body: &Value) -> Result<Value, ServiceError> {
    let endpoint = std::env::var("SECRETS_GCP_KMS_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| DEFAULT_ENDPOINT.into());
    let url = format!("{}/v1/{resource}:{op}", endpoint.trim_end_matches('/'));
    let token = access_token()?;
    let bearer = Zeroizing::new(format!("Bearer {}", token.as_str()));
    http::request(
        "POST",
        &url,
        &[("Authorization", bearer.as_str())],
        Body::Json(body),
        Patience::Normal,
    )
}

/// The access token, found once per process.
fn access_token() -> Result<Zeroizing<String>, ServiceError> {
    static TOKEN: OnceLock<Result<Zeroizing<String>, ServiceError>> = OnceLock::new();
    TOKEN.get_or_init(find_token).clone()
}

fn find_token() -> Result<Zeroizing<String>, ServiceError> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let Some(value) = env("GOOGLE_CREDENTIALS") {
        let json = match std::fs::read_to_string(&value) {
            Ok(text) => Zeroizing::new(text),
            Err(_) => Zeroizing::new(value),
        };
        return token_from_credentials(&json, "GOOGLE_CREDENTIALS");
    }
    if let Some(token) = env("GOOGLE_OAUTH_ACCESS_TOKEN") {
        return Ok(Zeroizing::new(token));
    }
    if let Some(path) = env("GOOGLE_APPLICATION_CREDENTIALS") {
        let json = std::fs::read_to_string(&path).map_err(|e| {
            ServiceError::new(
                Failure::Credentials,
                format!("cannot read GOOGLE_APPLICATION_CREDENTIALS {path}: {e}"),
            )
        })?;
        return token_from_credentials(&Zeroizing::new(json), &path);
    }
    if let Some(path) = well_known_file() {
        if let Ok(json) = std::fs::read_to_string(&path) {
            return token_from_credentials(&Zeroizing::new(json), &path.display().to_string());
        }
    }
    if let Some(host) = metadata_host() {
        let url =
            format!("http://{host}/computeMetadata/v1/instance/service-accounts/default/token");
        let answer = http::request(
            "GET",
            &url,
            &[("Metadata-Flavor", "Google")],
            Body::Empty,
            Patience::Probe,
        )
        .map_err(|e| {
            ServiceError::new(
                Failure::Credentials,
                format!("metadata server: {}", e.detail),
            )
        })?;
        return http::field(&answer, "/access_token").map(|t| Zeroizing::new(t.to_string()));
    }
    Err(ServiceError::new(
        Failure::Credentials,
        "no GOOGLE_CREDENTIALS, GOOGLE_OAUTH_ACCESS_TOKEN or application-default credentials",
    ))
}

/// The file `gcloud auth application-default login` writes.
fn well_known_file() -> Option<PathBuf> {
    let dir = match std::env::var_os("CLOUDSDK_CONFIG") {
        Some(dir) => PathBuf::from(dir),
        None if cfg!(windows) => PathBuf::from(std::env::var_os("APPDATA")?).join("gcloud"),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".config/gcloud"),
    };
    Some(dir.join("application_default_credentials.json"))
}

/// The metadata server, when this is a Google Cloud machine (or `GCE_METADATA_HOST` names
/// one); nothing is probed elsewhere.
fn metadata_host() -> Option<String> {
    if let Some(host) = std::env::var("GCE_METADATA_HOST")
        .ok()
        .filter(|h| !h.is_empty())
    {
        return Some(host);
    }
    let product = std::fs::read_to_string("/sys/class/dmi/id/product_name").ok()?;
    product
        .contains("Google")
        .then(|| "169.254.169.254".to_string())
}

/// Exchanges a credentials file (service account or authorized user) for an access token.
fn token_from_credentials(json: &str, origin: &str) -> Result<Zeroizing<String>, ServiceError> {
    let bad =
        |reason: String| ServiceError::new(Failure::Credentials, format!("{origin}: {reason}"));
    let creds: Value = serde_json::from_str(json).map_err(|e| bad(format!("not JSON: {e}")))?;
    let text = |field: &str| {
        creds
            .get(field)
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("no {field}")))
    };
    let token_uri = creds
        .get("token_uri")
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_TOKEN_URI);
    let answer = match text("type")? {
        "service_account" => {
            let assertion = service_account_assertion(&creds, token_uri).map_err(bad)?;
            let form = [
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ];
            http::request("POST", token_uri, &[], Body::Form(&form), Patience::Normal)
        }
        "authorized_user" => {
            let form = [
                ("grant_type", "refresh_token"),
                ("client_id", text("client_id")?),
                ("client_secret", text("client_secret")?),
                ("refresh_token", text("refresh_token")?),
            ];
            http::request("POST", token_uri, &[], Body::Form(&form), Patience::Normal)
        }
        other => {
            return Err(bad(format!(
                "credentials of type {other:?} are not supported; use a service-account key, `gcloud auth application-default login`, or GOOGLE_OAUTH_ACCESS_TOKEN=$(gcloud auth print-access-token)"
            )))
        }
    }
    .map_err(|e| ServiceError::new(Failure::Credentials, format!("token exchange for {origin}: {}", e.detail)))?;
    http::field(&answer, "/access_token").map(|t| Zeroizing::new(t.to_string()))
}

/// The signed JWT a service account presents to the token endpoint (RS256).
fn service_account_assertion(creds: &Value, token_uri: &str) -> Result<Zeroizing<String>, String> {
    let field = |f: &str| {
        creds
            .get(f)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("no {f}"))
    };
    let pem = Zeroizing::new(field("private_key")?.to_string());
    let der = pem_body(&pem).ok_or("private_key is not a PEM private key")?;
    let key = ring::signature::RsaKeyPair::from_pkcs8(&der)
        .map_err(|e| format!("private_key is not a PKCS#8 RSA key: {e}"))?;
    let now = crate::timestamp::Timestamp::now().unix();
    let mut header = json!({"alg": "RS256", "typ": "JWT"});
    if let Ok(kid) = field("private_key_id") {
        header["kid"] = kid.into();
    }
    let claims = json!({
        "iss": field("client_email")?,
        "scope": SCOPE,
        "aud": token_uri,
        "iat": now,
        "exp": now + 3600,
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        signing_input.as_bytes(),
        &mut signature,
    )
    .map_err(|_| "cannot sign the token request".to_string())?;
    Ok(Zeroizing::new(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    )))
}

/// The DER bytes of a PEM block.
fn pem_body(pem: &str) -> Option<Zeroizing<Vec<u8>>> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .collect();
    STANDARD.decode(body).ok().map(Zeroizing::new)
}

/// A GCP KMS key to wrap data keys with.
pub struct GcpKmsRecipient {
    resource_id: String,
}

impl GcpKmsRecipient {
    /// Parses a resource ID.
    pub fn parse(text: &str) -> Result<GcpKmsRecipient, Error> {
        resource_id(text).map(|resource_id| GcpKmsRecipient { resource_id })
    }
}

impl Recipient for GcpKmsRecipient {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn id(&self) -> String {
        self.resource_id.clone()
    }

    fn wrap(&self, secret: &[u8]) -> Result<StoredKey, Error> {
        let plaintext = Zeroizing::new(STANDARD.encode(secret));
        let enc = call(
            &self.resource_id,
            "encrypt",
            &json!({ "plaintext": plaintext.as_str() }),
        )
        .and_then(|answer| {
            let ciphertext = http::field(&answer, "/ciphertext")?;
            // Re-encoded, so `enc` is standard padded base64 whatever the server sent.
            STANDARD
                .decode(ciphertext)
                .map(|bytes| STANDARD.encode(bytes))
                .map_err(|e| {
                    ServiceError::new(
                        Failure::Rejected,
                        format!("the ciphertext is not base64: {e}"),
                    )
                })
        })
        .map_err(|e| Gcp::wrap_error(&self.resource_id, e))?;
        Ok(stored_key(
            KIND,
            [
                ("resource_id", self.resource_id.clone().into()),
                ("created_at", super::created_at()),
                ("enc", enc.into()),
            ],
        ))
    }
}

/// Unwraps `gcp_kms` keys with this machine's Google credentials.
pub struct GcpKmsIdentity;

impl Identity for GcpKmsIdentity {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn unwrap(&self, key: &StoredKey) -> Option<Result<Secret, Error>> {
        let resource = key.get("resource_id")?;
        let enc = key.get("enc")?;
        Some(
            call(resource, "decrypt", &json!({ "ciphertext": enc }))
                .and_then(|answer| http::secret_field(&answer, "/plaintext"))
                .map_err(Gcp::unwrap_error),
        )
    }

    fn hint(&self) -> String {
        Gcp::hint(Failure::Credentials).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_ids_are_checked_and_spaces_dropped() {
        assert_eq!(
            resource_id("projects/p/locations/global/keyRings/r/cryptoKeys/ k").unwrap(),
            "projects/p/locations/global/keyRings/r/cryptoKeys/k"
        );
        assert!(resource_id("projects/p/keyRings/r/cryptoKeys/k").is_err());
        assert!(
            resource_id("projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1")
                .is_err()
        );
    }

    #[test]
    fn unsupported_credential_types_are_named() {
        let e =
            token_from_credentials(r#"{"type": "external_account"}"#, "creds.json").unwrap_err();
        assert_eq!(e.failure, Failure::Credentials);
        assert!(e.detail.contains("external_account"), "{}", e.detail);
        let e = token_from_credentials("{not json", "creds.json").unwrap_err();
        assert!(e.detail.starts_with("creds.json: not JSON"), "{}", e.detail);
    }

    #[test]
    fn pem_bodies_decode() {
        let pem = "-----BEGIN PRIVATE KEY-----\nAAEC\nAwQ=\n-----END PRIVATE KEY-----\n";
        assert_eq!(pem_body(pem).unwrap().as_slice(), &[0, 1, 2, 3, 4]);
    }
}

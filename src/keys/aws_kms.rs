//! AWS KMS keys, `kms` in the metadata, through the AWS SDK.
//!
//! As sops does, the data key is sent to `Encrypt` with the key's ARN and encryption context,
//! and `enc` holds the `CiphertextBlob` in standard base64. The region comes from the ARN;
//! credentials, endpoints (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_KMS`) and profiles come from
//! the SDK's standard chain, with the key's `aws_profile` as the profile when it has one. A
//! key with a role (`ARN+arn:aws:iam::ACCOUNT:role/NAME`) is used with credentials of that
//! role, assumed through STS with the session name `sops@HOSTNAME`.
//!
//! The SDK is asynchronous: its runtime (two threads) and clients are made on first use, so
//! a command that needs no KMS key starts none of it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_kms::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::Client;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::service::{Failure, Service, ServiceError};
use super::{stored_key, Identity, KeySpec, Recipient, Secret};
use crate::error::Error;
use crate::metadata::StoredKey;

/// The metadata list of AWS KMS keys.
pub const KIND: &str = "kms";

struct Kms;

impl Service for Kms {
    const NAME: &'static str = "AWS KMS";
    const KIND: &'static str = KIND;

    fn hint(failure: Failure) -> &'static str {
        match failure {
            Failure::Denied => "check that the credentials in use (AWS_PROFILE or --aws-profile, the key's role) are allowed kms:Encrypt and kms:Decrypt on the key",
            Failure::NotFound => "check the key ARN (region, account, key id or alias) and that the key is enabled",
            Failure::Network => "check the network path to KMS in the key's region (AWS_ENDPOINT_URL_KMS, HTTPS_PROXY)",
            Failure::Credentials => "configure AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE or --aws-profile, `aws sso login`), and check that the key's role can be assumed",
            Failure::Rejected => "the ciphertext or its encryption context does not match: decrypt with the context the file was encrypted with",
        }
    }
}

/// Where and as whom a key is used: what a client is made for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Access {
    region: String,
    profile: String,
    role: String,
}

/// A KMS key as stored or named: ARN, role, encryption context, profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KmsKey {
    /// The key or alias ARN.
    pub arn: String,
    /// The role to assume, or empty.
    pub role: String,
    /// The encryption context.
    pub context: BTreeMap<String, String>,
    /// The AWS profile, or empty for the default chain.
    pub profile: String,
}

impl KmsKey {
    /// Parses `ARN[+ROLE_ARN]` (spaces dropped, as sops does) with a context and profile.
    pub fn parse(
        spec: &str,
        context: &BTreeMap<String, String>,
        profile: &str,
    ) -> Result<KmsKey, Error> {
        let spec: String = spec.chars().filter(|c| *c != ' ').collect();
        let (arn, role) = match spec.find("+arn:") {
            Some(i) if i > 0 => (&spec[..i], &spec[i + 1..]),
            _ => (spec.as_str(), ""),
        };
        if region_of(arn).is_none() {
            return Err(Error::InvalidRecipient {
                kind: KIND,
                recipient: spec.clone(),
                reason: "expected a key or alias ARN like arn:aws:kms:REGION:ACCOUNT:key/ID, optionally followed by +ROLE_ARN".into(),
            });
        }
        Ok(KmsKey {
            arn: arn.to_string(),
            role: role.to_string(),
            context: context.clone(),
            profile: profile.to_string(),
        })
    }

    fn from_stored(key: &StoredKey) -> Option<KmsKey> {
        Some(KmsKey {
            arn: key.get("arn")?.to_string(),
            role: key.get("role").unwrap_or_default().to_string(),
            context: context_of(key.fields.get("context")),
            profile: key.get("aws_profile").unwrap_or_default().to_string(),
        })
    }

    /// `ARN[+ROLE]`, as users write it.
    pub fn spec(&self) -> String {
        if self.role.is_empty() {
            self.arn.clone()
        } else {
            format!("{}+{}", self.arn, self.role)
        }
    }

    fn access(&self) -> Result<Access, ServiceError> {
        let region = region_of(&self.arn).ok_or_else(|| {
            ServiceError::new(
                Failure::Rejected,
                format!("{} is not a KMS key ARN", self.arn),
            )
        })?;
        Ok(Access {
            region,
            profile: self.profile.clone(),
            role: self.role.clone(),
        })
    }

    fn context(&self) -> Option<HashMap<String, String>> {
        (!self.context.is_empty()).then(|| self.context.clone().into_iter().collect())
    }
}

/// The region of a key or alias ARN (`arn:aws[-partition]:kms:REGION:ACCOUNT:key/ID`).
fn region_of(arn: &str) -> Option<String> {
    let shape =
        regex::Regex::new(r"^arn:aws[\w-]*:kms:(.+):[0-9]+:(key|alias)/.+$").expect("valid");
    shape.captures(arn).map(|c| c[1].to_string())
}

/// The SDK's runtime and one client per region, profile and role, made on first use.
struct Sdk {
    runtime: tokio::runtime::Runtime,
    clients: Mutex<HashMap<Access, Arc<OnceLock<Client>>>>,
}

fn sdk() -> Result<&'static Sdk, ServiceError> {
    static SDK: OnceLock<Result<Sdk, ServiceError>> = OnceLock::new();
    SDK.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("secrets-aws")
            .enable_all()
            .build()
            .map_err(|e| {
                ServiceError::new(
                    Failure::Network,
                    format!("cannot start the AWS SDK runtime: {e}"),
                )
            })?;
        Ok(Sdk {
            runtime,
            clients: Mutex::new(HashMap::new()),
        })
    })
    .as_ref()
    .map_err(Clone::clone)
}

impl Sdk {
    fn client(&self, access: &Access) -> Result<Client, ServiceError> {
        let slot = self
            .clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(access.clone())
            .or_default()
            .clone();
        Ok(slot
            .get_or_init(|| self.runtime.block_on(make_client(access)))
            .clone())
    }
}

/// A client; nothing is sent until it is used (credentials are resolved then).
async fn make_client(access: &Access) -> Client {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(10))
        .operation_attempt_timeout(Duration::from_secs(30))
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(access.region.clone()))
        .http_client(http)
        .timeout_config(timeouts);
    if !access.profile.is_empty() {
        loader = loader.profile_name(&access.profile);
    }
    let base = loader.load().await;
    if access.role.is_empty() {
        return Client::new(&base);
    }
    let role = AssumeRoleProvider::builder(&access.role)
        .session_name(session_name())
        .configure(&base)
        .build()
        .await;
    let config = aws_sdk_kms::config::Builder::from(&base)
        .credentials_provider(role)
        .build();
    Client::from_conf(config)
}

/// `sops@HOSTNAME`, cut to the 64 characters STS allows.
fn session_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_default();
    // The characters sops keeps (its class `=,.@-_` is the range `@`..=`_`).
    let host: String = host
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "=,.".contains(*c) || ('@'..='_').contains(c))
        .collect();
    let mut name = format!("sops@{host}");
    name.truncate(64);
    name
}

/// Sends the request `request` makes with the client for `key`, on the SDK's runtime.
fn send<T, E, R, F>(key: &KmsKey, request: impl FnOnce(&Client) -> F) -> Result<T, ServiceError>
where
    F: std::future::Future<Output = Result<T, SdkError<E, R>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let sdk = sdk()?;
    let client = sdk.client(&key.access()?)?;
    sdk.runtime
        .block_on(request(&client))
        .map_err(|e| classify(&e))
}

/// Says why an SDK call failed.
fn classify<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    e: &SdkError<E, R>,
) -> ServiceError {
    let context = DisplayErrorContext(e).to_string();
    if let SdkError::ServiceError(service) = e {
        let err = service.err();
        let code = err.code().unwrap_or("unknown error");
        let failure = match code {
            "AccessDeniedException"
            | "UnrecognizedClientException"
            | "InvalidSignatureException"
            | "IncompleteSignature"
            | "ExpiredTokenException" => Failure::Denied,
            "NotFoundException"
            | "DisabledException"
            | "KMSInvalidStateException"
            | "InvalidKeyUsageException" => Failure::NotFound,
            _ => Failure::Rejected,
        };
        let detail = match err.message() {
            Some(message) => format!("{code}: {message}"),
            None => code.to_string(),
        };
        return ServiceError::new(failure, detail);
    }
    let failure = if context.contains("credential") || context.contains("AssumeRole") {
        Failure::Credentials
    } else if matches!(e, SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)) {
        Failure::Network
    } else {
        Failure::Rejected
    };
    ServiceError::new(failure, context)
}

/// An AWS KMS key to wrap data keys with.
pub struct KmsRecipient(KmsKey);

/// An encryption context as stored or given in a key spec's `context`: a map of strings.
fn context_of(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

impl KmsRecipient {
    /// The recipient a key spec names: `ARN[+ROLE_ARN]`, with the options `context` (a map
    /// of strings) and `aws_profile`.
    pub fn from_spec(spec: &KeySpec) -> Result<KmsRecipient, Error> {
        let profile = spec.options.get("aws_profile").and_then(Value::as_str);
        KmsKey::parse(
            &spec.key,
            &context_of(spec.options.get("context")),
            profile.unwrap_or_default(),
        )
        .map(KmsRecipient)
    }

    /// The recipient a stored entry was wrapped for: its ARN, role, context and profile.
    pub fn of_stored(stored: &StoredKey) -> Result<KmsRecipient, Error> {
        KmsKey::from_stored(stored)
            .map(KmsRecipient)
            .ok_or_else(|| Error::InvalidRecipient {
                kind: KIND,
                recipient: String::new(),
                reason: "a kms entry of the file has no arn".into(),
            })
    }
}

impl Recipient for KmsRecipient {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn id(&self) -> String {
        self.0.spec()
    }

    /// The same ARN, as sops compares KMS keys (role and context aside).
    fn matches(&self, stored: &StoredKey) -> bool {
        stored.kind == KIND && stored.get("arn") == Some(self.0.arn.as_str())
    }

    fn wrap(&self, secret: &[u8]) -> Result<StoredKey, Error> {
        let key = &self.0;
        let blob = send(key, |client| {
            client
                .encrypt()
                .key_id(&key.arn)
                .plaintext(Blob::new(secret))
                .set_encryption_context(key.context())
                .send()
        })
        .and_then(|answer| {
            answer
                .ciphertext_blob()
                .map(|b| STANDARD.encode(b.as_ref()))
                .ok_or_else(|| {
                    ServiceError::new(Failure::Rejected, "the answer has no CiphertextBlob")
                })
        })
        .map_err(|e| Kms::wrap_error(&key.spec(), e))?;
        let mut fields: Vec<(&str, Value)> = vec![("arn", key.arn.clone().into())];
        if !key.role.is_empty() {
            fields.push(("role", key.role.clone().into()));
        }
        if !key.context.is_empty() {
            let context: Map<String, Value> = key
                .context
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            fields.push(("context", Value::Object(context)));
        }
        fields.push(("created_at", super::created_at()));
        fields.push(("enc", blob.into()));
        fields.push(("aws_profile", key.profile.clone().into()));
        Ok(stored_key(KIND, fields))
    }
}

/// Unwraps `kms` keys with this machine's AWS credentials.
pub struct KmsIdentity;

impl Identity for KmsIdentity {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn unwrap(&self, stored: &StoredKey) -> Option<Result<Secret, Error>> {
        let key = KmsKey::from_stored(stored)?;
        let enc = stored.get("enc")?;
        let result = STANDARD
            .decode(enc)
            .map_err(|e| ServiceError::new(Failure::Rejected, format!("enc is not base64: {e}")))
            .and_then(|blob| {
                send(&key, |client| {
                    client
                        .decrypt()
                        .key_id(&key.arn)
                        .ciphertext_blob(Blob::new(blob))
                        .set_encryption_context(key.context())
                        .send()
                })
            })
            .and_then(|answer| {
                answer
                    .plaintext()
                    .map(|b| Zeroizing::new(b.as_ref().to_vec()))
                    .ok_or_else(|| {
                        ServiceError::new(Failure::Rejected, "the answer has no Plaintext")
                    })
            });
        Some(result.map_err(Kms::unwrap_error))
    }

    fn hint(&self) -> String {
        Kms::hint(Failure::Credentials).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_arns_roles_and_regions() {
        let none = BTreeMap::new();
        let k = KmsKey::parse(
            "arn:aws:kms:eu-west-1:123456789012:key/abc +arn:aws:iam::123456789012:role/r",
            &none,
            "",
        )
        .unwrap();
        assert_eq!(k.arn, "arn:aws:kms:eu-west-1:123456789012:key/abc");
        assert_eq!(k.role, "arn:aws:iam::123456789012:role/r");
        assert_eq!(k.access().unwrap().region, "eu-west-1");
        assert_eq!(
            k.spec(),
            "arn:aws:kms:eu-west-1:123456789012:key/abc+arn:aws:iam::123456789012:role/r"
        );
        let alias = KmsKey::parse(
            "arn:aws-cn:kms:cn-north-1:123456789012:alias/app",
            &none,
            "p",
        )
        .unwrap();
        assert_eq!(alias.access().unwrap().region, "cn-north-1");
        assert_eq!(alias.role, "");
        assert!(KmsKey::parse("arn:aws:s3:::bucket", &none, "").is_err());
        assert!(KmsKey::parse("alias/app", &none, "").is_err());
    }

    #[test]
    fn session_names_are_sanitised_and_short() {
        let name = session_name();
        assert!(name.starts_with("sops@"));
        assert!(name.len() <= 64);
        assert!(!name.contains(' '));
    }

    #[test]
    fn stored_entries_read_back() {
        let mut context = BTreeMap::new();
        context.insert("env".to_string(), "prod".to_string());
        let stored = stored_key(
            KIND,
            [
                ("arn", "arn:aws:kms:us-east-1:1:key/k".into()),
                ("context", serde_json::json!({"env": "prod"})),
                ("created_at", "2026-01-01T00:00:00Z".into()),
                ("enc", "AAAA".into()),
                ("aws_profile", "".into()),
            ],
        );
        let key = KmsKey::from_stored(&stored).unwrap();
        assert_eq!(key.context, context);
        assert_eq!(key.role, "");
        assert_eq!(key.context().unwrap().get("env").unwrap(), "prod");
    }
}

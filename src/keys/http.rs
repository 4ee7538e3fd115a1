//! The small blocking HTTPS client shared by the REST key services (GCP KMS, Azure Key
//! Vault, Vault transit) and their credential sources.
//!
//! Like sops, it trusts the system's certificate store (`SSL_CERT_FILE` and `SSL_CERT_DIR`
//! replace it) and goes through `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` unless `NO_PROXY`
//! says otherwise. The client is built on first use: nothing happens at start-up.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use super::service::{Failure, ServiceError};

/// A request body.
#[cfg_attr(
    not(any(feature = "gcp-kms", feature = "azure-kv")),
    allow(dead_code) // Vault sends only JSON
)]
pub enum Body<'a> {
    /// No body (`GET`).
    Empty,
    /// A JSON document.
    Json(&'a Value),
    /// `application/x-www-form-urlencoded` fields.
    Form(&'a [(&'a str, &'a str)]),
}

/// How long to wait.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Patience {
    /// A request to a service: connect within 10 s, done within 60 s.
    Normal,
    /// A probe of a link-local metadata endpoint that may not exist: 1 s to connect.
    Probe,
}

fn agent() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        use ureq::tls::{Certificate, RootCerts, TlsConfig};
        let native = rustls_native_certs::load_native_certs();
        let roots = if native.certs.is_empty() {
            RootCerts::WebPki
        } else {
            let certs: Vec<Certificate<'static>> = native
                .certs
                .iter()
                .map(|c| Certificate::from_der(c.as_ref()).to_owned())
                .collect();
            RootCerts::new_with_certs(&certs)
        };
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(60)))
            .user_agent(concat!("secrets/", env!("CARGO_PKG_VERSION")))
            .tls_config(TlsConfig::builder().root_certs(roots).build())
            .build()
            .into()
    })
}

/// Sends a request and returns the JSON answer of a 2xx response. Anything else is a
/// [`ServiceError`]: a transport failure is [`Failure::Network`], a refusal is classified by
/// its status, with the service's own error message as detail.
pub fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Body<'_>,
    patience: Patience,
) -> Result<Value, ServiceError> {
    let network = |e: ureq::Error| ServiceError::new(Failure::Network, format!("{url}: {e}"));
    let agent = agent();
    let with_headers = |mut b: ureq::RequestBuilder<ureq::typestate::WithBody>| {
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b
    };
    let mut response = match (method, body) {
        ("GET", _) => {
            let mut b = agent.get(url);
            for (k, v) in headers {
                b = b.header(*k, *v);
            }
            if patience == Patience::Probe {
                b = b
                    .config()
                    .timeout_connect(Some(Duration::from_secs(1)))
                    .timeout_global(Some(Duration::from_secs(5)))
                    .build();
            }
            b.call()
        }
        (_, Body::Json(json)) => with_headers(agent.post(url))
            .header("Content-Type", "application/json")
            .send(json.to_string()),
        (_, Body::Form(fields)) => with_headers(agent.post(url)).send_form(fields.iter().copied()),
        (_, Body::Empty) => with_headers(agent.post(url)).send_empty(),
    }
    .map_err(network)?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(1 << 20)
        .read_to_string()
        .map_err(network)?;
    let json = serde_json::from_str::<Value>(&text);
    if (200..300).contains(&status) {
        return json.map_err(|e| {
            ServiceError::new(
                Failure::Rejected,
                format!("{url} answered with something that is not JSON: {e}"),
            )
        });
    }
    let said = json
        .ok()
        .and_then(|v| error_message(&v))
        .unwrap_or_else(|| text.chars().take(200).collect::<String>());
    Err(ServiceError::new(
        Failure::from_status(status),
        format!("HTTP {status}: {}", said.trim()),
    ))
}

/// The message in the error shapes of the services we talk to: Google and Azure
/// (`{"error": {"code", "message"}}`), OAuth (`error_description`), Vault (`{"errors": [...]}`).
fn error_message(v: &Value) -> Option<String> {
    if let Some(e) = v.get("error") {
        if let Some(message) = e.get("message").and_then(Value::as_str) {
            let code = e
                .get("status")
                .or_else(|| e.get("code"))
                .and_then(Value::as_str);
            return Some(match code {
                Some(code) => format!("{code}: {message}"),
                None => message.to_string(),
            });
        }
        if let Some(description) = v.get("error_description").and_then(Value::as_str) {
            return Some(description.to_string());
        }
        if let Some(code) = e.as_str() {
            return Some(code.to_string());
        }
    }
    if let Some(errors) = v.get("errors").and_then(Value::as_array) {
        let all: Vec<&str> = errors.iter().filter_map(Value::as_str).collect();
        if !all.is_empty() {
            return Some(all.join("; "));
        }
    }
    v.get("message").and_then(Value::as_str).map(str::to_string)
}

/// The string at `pointer` (`/data/ciphertext`) of an answer, or a [`Failure::Rejected`].
pub fn field<'v>(answer: &'v Value, pointer: &str) -> Result<&'v str, ServiceError> {
    answer
        .pointer(pointer)
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ServiceError::new(
                Failure::Rejected,
                format!("the answer has no {pointer} field"),
            )
        })
}

/// The secret a service answered at `pointer`, in standard base64 (`/plaintext`), decoded.
#[cfg(any(feature = "gcp-kms", feature = "hc-vault"))]
pub fn secret_field(answer: &Value, pointer: &str) -> Result<super::Secret, ServiceError> {
    use base64::Engine;
    let encoded = zeroize::Zeroizing::new(field(answer, pointer)?.to_string());
    base64::engine::general_purpose::STANDARD
        .decode(encoded.as_bytes())
        .map(zeroize::Zeroizing::new)
        .map_err(|e| ServiceError::new(Failure::Rejected, format!("{pointer} is not base64: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_messages_of_each_service_shape() {
        let google =
            json!({"error": {"code": 404, "message": "Key not found", "status": "NOT_FOUND"}});
        assert_eq!(error_message(&google).unwrap(), "NOT_FOUND: Key not found");
        let azure = json!({"error": {"code": "KeyNotFound", "message": "no key"}});
        assert_eq!(error_message(&azure).unwrap(), "KeyNotFound: no key");
        let oauth = json!({"error": "invalid_grant", "error_description": "bad assertion"});
        assert_eq!(error_message(&oauth).unwrap(), "bad assertion");
        let vault = json!({"errors": ["permission denied"]});
        assert_eq!(error_message(&vault).unwrap(), "permission denied");
        assert_eq!(error_message(&json!({})), None);
    }

    #[test]
    fn a_closed_port_is_a_network_failure() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/v1/x");
        let e = request("POST", &url, &[], Body::Json(&json!({})), Patience::Normal).unwrap_err();
        assert_eq!(e.failure, Failure::Network);
    }
}

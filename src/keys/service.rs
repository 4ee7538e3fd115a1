//! What the cloud key services have in common: why a request failed, said the same way for
//! every service (which service, which key, what went wrong, what to do about it).

use crate::error::Error;

/// Why a key service did not wrap or unwrap a data key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The service refused: the caller lacks permission (or the ciphertext is not theirs).
    Denied,
    /// The service does not know the key (or the key is disabled).
    NotFound,
    /// The service could not be reached, or did not answer in time.
    Network,
    /// No credentials for the service could be found on this machine.
    Credentials,
    /// The service rejected the request (wrong encryption context, corrupt ciphertext).
    Rejected,
}

impl Failure {
    /// The failure for an HTTP status of a refused request.
    pub fn from_status(status: u16) -> Failure {
        match status {
            401 | 403 => Failure::Denied,
            404 => Failure::NotFound,
            _ => Failure::Rejected,
        }
    }

    fn describe(self, service: &str) -> String {
        match self {
            Failure::Denied => format!("{service} denied access"),
            Failure::NotFound => format!("{service} does not know the key"),
            Failure::Network => format!("cannot reach {service}"),
            Failure::Credentials => format!("no {service} credentials found"),
            Failure::Rejected => format!("{service} rejected the request"),
        }
    }
}

/// A failed request to a key service.
#[derive(Clone, Debug)]
pub struct ServiceError {
    /// Why.
    pub failure: Failure,
    /// The service's own words (error code and message), or the transport error.
    pub detail: String,
}

impl ServiceError {
    /// A failure with the service's words.
    pub fn new(failure: Failure, detail: impl Into<String>) -> ServiceError {
        ServiceError {
            failure,
            detail: detail.into(),
        }
    }

    /// One line: what went wrong at `service`, the detail, and `hint`.
    pub fn message(&self, service: &str, hint: &str) -> String {
        let mut text = self.failure.describe(service);
        if !self.detail.is_empty() {
            text.push_str(" (");
            text.push_str(self.detail.trim());
            text.push(')');
        }
        if !hint.is_empty() {
            text.push_str("; ");
            text.push_str(hint);
        }
        text
    }
}

/// How a backend names itself and what it advises for each failure.
pub trait Service {
    /// The service's name in messages (`AWS KMS`, `Vault transit`, ...).
    const NAME: &'static str;
    /// The metadata list its keys are stored in.
    const KIND: &'static str;
    /// What to do about `failure`.
    fn hint(failure: Failure) -> &'static str;

    /// The error for a failed unwrap (the key is named by the caller).
    fn unwrap_error(e: ServiceError) -> Error {
        Error::Identity(e.message(Self::NAME, Self::hint(e.failure)))
    }

    /// The error for a failed wrap for `key`.
    fn wrap_error(key: &str, e: ServiceError) -> Error {
        Error::Wrap {
            kind: Self::KIND,
            key: key.to_string(),
            reason: e.message(Self::NAME, Self::hint(e.failure)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_service_the_reason_and_the_hint() {
        let e = ServiceError::new(Failure::Denied, "AccessDeniedException: no kms:Decrypt ");
        assert_eq!(
            e.message("AWS KMS", "check the key policy"),
            "AWS KMS denied access (AccessDeniedException: no kms:Decrypt); check the key policy"
        );
        let e = ServiceError::new(Failure::Network, "");
        assert_eq!(e.message("Vault transit", ""), "cannot reach Vault transit");
        assert_eq!(Failure::from_status(403), Failure::Denied);
        assert_eq!(Failure::from_status(404), Failure::NotFound);
        assert_eq!(Failure::from_status(400), Failure::Rejected);
    }
}

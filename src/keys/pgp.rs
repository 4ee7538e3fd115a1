//! PGP keys through the `gpg` binary, as sops does when a key is not in a legacy keyring:
//! so gpg-agent, pinentry and smartcards work as they do for the user's other tools.
//!
//! Wrapping runs `gpg --no-default-recipient --yes --encrypt -a -r FP --trusted-key ID
//! --no-encrypt-to` and stores the armored message with surrounding whitespace trimmed (YAML
//! `enc: |-`); unwrapping runs `gpg -d`. `SOPS_GPG_EXEC` names another binary; `GNUPGHOME`
//! is gpg's own.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::{Identity, Recipient, Secret};
use crate::error::Error;
use crate::metadata::StoredKey;
use crate::timestamp::Timestamp;

const KIND: &str = "pgp";

/// A PGP key, named by its fingerprint.
pub struct PgpRecipient {
    fingerprint: String,
}

impl PgpRecipient {
    /// Parses a fingerprint as sops does (spaces removed); it must be hexadecimal (a long key
    /// id works too), optionally ending in `!` to force that exact (sub)key.
    pub fn parse(s: &str) -> Result<PgpRecipient, Error> {
        let fingerprint: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        let hex = fingerprint.strip_suffix('!').unwrap_or(&fingerprint);
        if !(8..=64).contains(&hex.len()) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::InvalidRecipient {
                kind: KIND,
                recipient: s.to_string(),
                reason: "a PGP key is named by its fingerprint: 40 hex digits, as `gpg --list-keys` prints it".into(),
            });
        }
        Ok(PgpRecipient { fingerprint })
    }
}

/// The short key id gpg is told to trust: the last 16 hex digits, keeping a final `!`.
fn trusted_key_id(fingerprint: &str) -> &str {
    let mut start = fingerprint.len().saturating_sub(16);
    if fingerprint.ends_with('!') {
        start = start.saturating_sub(1);
    }
    &fingerprint[start..]
}

impl Recipient for PgpRecipient {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn id(&self) -> String {
        self.fingerprint.clone()
    }

    fn wrap(&self, secret: &[u8]) -> Result<StoredKey, Error> {
        let args = [
            "--no-default-recipient",
            "--yes",
            "--encrypt",
            "-a",
            "-r",
            &self.fingerprint,
            "--trusted-key",
            trusted_key_id(&self.fingerprint),
            "--no-encrypt-to",
        ];
        let output = gpg(&args, secret).map_err(|reason| Error::Wrap {
            kind: KIND,
            key: self.fingerprint.clone(),
            reason,
        })?;
        let enc = String::from_utf8_lossy(&output).trim().to_string();
        let mut fields = Map::new();
        fields.insert("created_at".into(), Timestamp::now().to_rfc3339().into());
        fields.insert("enc".into(), Value::String(enc));
        fields.insert("fp".into(), Value::String(self.fingerprint.clone()));
        Ok(StoredKey {
            kind: KIND.into(),
            fields,
        })
    }

    fn matches(&self, stored: &StoredKey) -> bool {
        stored.kind == KIND
            && stored
                .get("fp")
                .is_some_and(|fp| fp.eq_ignore_ascii_case(&self.fingerprint))
    }
}

/// Decrypts PGP-wrapped keys with whatever secret keys gpg has.
pub struct PgpIdentity;

impl PgpIdentity {
    /// gpg as the environment configures it.
    pub fn from_env() -> PgpIdentity {
        PgpIdentity
    }
}

impl Identity for PgpIdentity {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn unwrap(&self, key: &StoredKey) -> Option<Result<Secret, Error>> {
        let enc = key.get("enc")?;
        match gpg(&["-d"], enc.as_bytes()) {
            Ok(secret) if secret.is_empty() => Some(Err(Error::Identity(
                "gpg returned no data (an older gpg cannot read this message)".into(),
            ))),
            Ok(secret) => Some(Ok(secret)),
            Err(reason) if reason.contains("No secret key") => None,
            Err(reason) => Some(Err(Error::Identity(reason))),
        }
    }

    fn hint(&self) -> String {
        format!(
            "import the secret key of one of the file's PGP fingerprints into {} (GNUPGHOME), or point SOPS_GPG_EXEC at the gpg that has it",
            binary()
        )
    }
}

/// The gpg binary: `SOPS_GPG_EXEC`, else `gpg`.
fn binary() -> String {
    std::env::var("SOPS_GPG_EXEC")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "gpg".into())
}

/// Runs gpg with `input` on standard input and returns its standard output; on failure,
/// the reason as gpg printed it.
fn gpg(args: &[&str], input: &[u8]) -> Result<Secret, String> {
    let program = binary();
    let mut child = Command::new(&program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("cannot run {program}: {e}; install GnuPG or set SOPS_GPG_EXEC to its path")
        })?;
    // Small inputs (a data key, an armored message) fit in the pipe: no writer thread.
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input)
            .map_err(|e| format!("cannot write to {program}: {e}"))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("{program} failed: {e}"))?;
    let stdout = Zeroizing::new(output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        return Err(format!(
            "{program} failed ({}): {}",
            output.status,
            reason.join("; ")
        ));
    }
    Ok(stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_as_sops_takes_them() {
        let r = PgpRecipient::parse("9BC7 229D 68DB F90A E1E7  A2D7 B3B1 A685 447B 5C66").unwrap();
        assert_eq!(r.id(), "9BC7229D68DBF90AE1E7A2D7B3B1A685447B5C66");
        assert_eq!(trusted_key_id(&r.id()), "B3B1A685447B5C66");
        assert_eq!(trusted_key_id("AB12CD34EF56AB78CD90!"), "CD34EF56AB78CD90!");
        assert!(PgpRecipient::parse("not-a-fingerprint").is_err());
        assert!(PgpRecipient::parse("").is_err());
        let stored = StoredKey {
            kind: "pgp".into(),
            fields: [(
                "fp".to_string(),
                Value::from("9bc7229d68dbf90ae1e7a2d7b3b1a685447b5c66"),
            )]
            .into_iter()
            .collect(),
        };
        assert!(r.matches(&stored));
    }
}

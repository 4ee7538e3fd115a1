//! age keys: X25519 recipients, identities from `SOPS_AGE_KEY`, `SOPS_AGE_KEY_FILE`,
//! `SOPS_AGE_KEY_CMD` and the default key file (all combined, as sops does), and the armored
//! age file sops stores in `enc`.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::Command;
use std::str::FromStr;
use std::sync::OnceLock;

use age::armor::{ArmoredReader, ArmoredWriter, Format as ArmorFormat};
use age::secrecy::ExposeSecret;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::{Identity, Recipient, Secret};
use crate::error::Error;
use crate::metadata::StoredKey;

const KIND: &str = "age";

/// An age recipient (`age1...`).
pub struct AgeRecipient {
    text: String,
    recipient: age::x25519::Recipient,
}

impl AgeRecipient {
    /// Parses an `age1...` recipient.
    pub fn parse(s: &str) -> Result<AgeRecipient, Error> {
        let recipient =
            age::x25519::Recipient::from_str(s).map_err(|e| Error::InvalidRecipient {
                kind: KIND,
                recipient: s.to_string(),
                reason: format!(
                    "{e} (an age recipient looks like age1…, as printed by `secrets keygen`)"
                ),
            })?;
        Ok(AgeRecipient {
            text: s.to_string(),
            recipient,
        })
    }
}

impl Recipient for AgeRecipient {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn id(&self) -> String {
        self.text.clone()
    }

    fn wrap(&self, secret: &[u8]) -> Result<StoredKey, Error> {
        let fail = |e: &dyn std::fmt::Display| Error::Wrap {
            kind: KIND,
            key: self.text.clone(),
            reason: e.to_string(),
        };
        let encryptor = age::Encryptor::with_recipients(std::iter::once(
            &self.recipient as &dyn age::Recipient,
        ))
        .map_err(|e| fail(&e))?;
        let mut out = Vec::new();
        let armor =
            ArmoredWriter::wrap_output(&mut out, ArmorFormat::AsciiArmor).map_err(|e| fail(&e))?;
        let mut writer = encryptor.wrap_output(armor).map_err(|e| fail(&e))?;
        writer.write_all(secret).map_err(|e| fail(&e))?;
        writer
            .finish()
            .and_then(|armor| armor.finish())
            .map_err(|e| fail(&e))?;
        let enc = String::from_utf8(out).map_err(|e| fail(&e))?;
        let mut fields = Map::new();
        fields.insert("recipient".into(), Value::String(self.text.clone()));
        fields.insert("enc".into(), Value::String(enc));
        Ok(StoredKey {
            kind: KIND.into(),
            fields,
        })
    }
}

/// The age identities of this machine, loaded on first use.
pub struct AgeIdentities {
    sources: Vec<Source>,
    loaded: OnceLock<Result<Loaded, String>>,
}

enum Source {
    /// `SOPS_AGE_KEY`.
    Inline(Zeroizing<String>),
    /// `SOPS_AGE_KEY_FILE`: must exist.
    File(PathBuf),
    /// The default key file: used when it exists.
    DefaultFile(PathBuf),
    /// `SOPS_AGE_KEY_CMD`.
    Command(String),
}

struct Loaded {
    /// X25519 identities with their recipient, so a stored key is only tried with its own.
    x25519: Vec<(String, age::x25519::Identity)>,
    /// Other identities (plugins), tried on every stored key.
    others: Vec<Box<dyn age::Identity + Send + Sync>>,
}

impl AgeIdentities {
    /// The identity sources sops reads, from the environment.
    pub fn from_env() -> AgeIdentities {
        let mut sources = Vec::new();
        if let Ok(key) = std::env::var("SOPS_AGE_KEY") {
            sources.push(Source::Inline(Zeroizing::new(key)));
        }
        if let Some(path) = std::env::var_os("SOPS_AGE_KEY_FILE") {
            sources.push(Source::File(path.into()));
        }
        if let Ok(cmd) = std::env::var("SOPS_AGE_KEY_CMD") {
            sources.push(Source::Command(cmd));
        }
        if let Some(path) = default_key_file() {
            sources.push(Source::DefaultFile(path));
        }
        AgeIdentities {
            sources,
            loaded: OnceLock::new(),
        }
    }

    /// Identities given as the text of a key file.
    pub fn from_text(text: &str) -> AgeIdentities {
        AgeIdentities {
            sources: vec![Source::Inline(Zeroizing::new(text.to_string()))],
            loaded: OnceLock::new(),
        }
    }

    fn load(&self) -> Result<&Loaded, Error> {
        self.loaded
            .get_or_init(|| {
                let mut loaded = Loaded {
                    x25519: Vec::new(),
                    others: Vec::new(),
                };
                for source in &self.sources {
                    let (text, origin) = match source {
                        Source::Inline(text) => (text.clone(), "SOPS_AGE_KEY".to_string()),
                        Source::File(path) => {
                            let text = std::fs::read_to_string(path).map_err(|e| {
                                format!("cannot read SOPS_AGE_KEY_FILE {}: {e}", path.display())
                            })?;
                            (Zeroizing::new(text), path.display().to_string())
                        }
                        Source::DefaultFile(path) => match std::fs::read_to_string(path) {
                            Ok(text) => (Zeroizing::new(text), path.display().to_string()),
                            Err(_) => continue,
                        },
                        Source::Command(cmd) => (run_key_command(cmd)?, "SOPS_AGE_KEY_CMD".into()),
                    };
                    parse_identities(&text, &origin, &mut loaded)?;
                }
                Ok(loaded)
            })
            .as_ref()
            .map_err(|e| Error::Identity(e.clone()))
    }
}

/// Reads identity lines: X25519 keys directly, anything else (plugins) through age.
fn parse_identities(text: &str, origin: &str, loaded: &mut Loaded) -> Result<(), String> {
    let mut rest = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with("AGE-SECRET-KEY-1") {
            let identity = age::x25519::Identity::from_str(line)
                .map_err(|e| format!("invalid age identity in {origin}: {e}"))?;
            let recipient = identity.to_public().to_string();
            loaded.x25519.push((recipient, identity));
        } else {
            rest.push_str(line);
            rest.push('\n');
        }
    }
    if !rest.is_empty() {
        let file = age::IdentityFile::from_buffer(rest.as_bytes())
            .map_err(|e| format!("invalid age identity in {origin}: {e}"))?;
        let identities = file
            .into_identities()
            .map_err(|e| format!("invalid age identity in {origin}: {e}"))?;
        loaded.others.extend(identities);
    }
    Ok(())
}

fn run_key_command(cmd: &str) -> Result<Zeroizing<String>, String> {
    let words =
        split_command(cmd).ok_or_else(|| format!("cannot parse SOPS_AGE_KEY_CMD {cmd:?}"))?;
    let (program, args) = words.split_first().ok_or("SOPS_AGE_KEY_CMD is empty")?;
    let output = Command::new(program)
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run SOPS_AGE_KEY_CMD {program:?}: {e}"))?;
    if !output.status.success() {
        return Err(format!("SOPS_AGE_KEY_CMD failed with {}", output.status));
    }
    String::from_utf8(output.stdout)
        .map(Zeroizing::new)
        .map_err(|_| "SOPS_AGE_KEY_CMD printed something that is not UTF-8".into())
}

/// Splits a command line into words, with shell-like quotes and backslashes.
pub fn split_command(cmd: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = cmd.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => word.push(c),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => word.push(chars.next()?),
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.push(chars.next()?);
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

impl Identity for AgeIdentities {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn unwrap(&self, key: &StoredKey) -> Option<Result<Secret, Error>> {
        let loaded = match self.load() {
            Ok(l) => l,
            Err(e) => return Some(Err(e)),
        };
        let recipient = key.get("recipient").unwrap_or_default();
        let enc = key.get("enc")?;
        let mine: Vec<&dyn age::Identity> = loaded
            .x25519
            .iter()
            .filter(|(r, _)| r == recipient)
            .map(|(_, i)| i as &dyn age::Identity)
            .chain(
                loaded
                    .others
                    .iter()
                    .map(|i| i.as_ref() as &dyn age::Identity),
            )
            .collect();
        if mine.is_empty() {
            return None;
        }
        let decryptor = match age::Decryptor::new(ArmoredReader::new(enc.as_bytes())) {
            Ok(d) => d,
            Err(e) => {
                return Some(Err(Error::Identity(format!(
                    "the stored age key is invalid: {e}"
                ))))
            }
        };
        match decryptor.decrypt(mine.into_iter()) {
            Ok(mut reader) => {
                let mut secret = Zeroizing::new(Vec::new());
                Some(
                    reader
                        .read_to_end(&mut secret)
                        .map(|_| secret)
                        .map_err(|e| Error::Identity(format!("cannot read the age payload: {e}"))),
                )
            }
            Err(age::DecryptError::NoMatchingKeys) => None,
            Err(e) => Some(Err(Error::Identity(format!("age: {e}")))),
        }
    }

    fn hint(&self) -> String {
        let default = default_key_file()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the default key file".into());
        format!("put the age identity of one of the file's recipients in SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or {default}")
    }
}

/// A new X25519 identity: its key-file text and its recipient.
pub fn generate(created: &str) -> (Zeroizing<String>, String) {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let text = Zeroizing::new(format!(
        "# created: {created}\n# public key: {recipient}\n{}\n",
        identity.to_string().expose_secret()
    ));
    (text, recipient)
}

/// sops's default age key file: `$XDG_CONFIG_HOME/sops/age/keys.txt`, else the platform's
/// user configuration directory.
pub fn default_key_file() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None if cfg!(windows) => PathBuf::from(std::env::var_os("APPDATA")?),
        None if cfg!(target_os = "macos") => {
            PathBuf::from(std::env::var_os("HOME")?).join("Library/Application Support")
        }
        None => PathBuf::from(std::env::var_os("HOME")?).join(".config"),
    };
    Some(base.join("sops").join("age").join("keys.txt"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_then_unwrap_with_the_matching_identity_only() {
        let (text, recipient) = generate("2026-01-01T00:00:00Z");
        let stored = AgeRecipient::parse(&recipient)
            .unwrap()
            .wrap(&[7u8; 32])
            .unwrap();
        let enc = stored.get("enc").unwrap();
        assert!(enc.starts_with("-----BEGIN AGE ENCRYPTED FILE-----\n"));
        assert!(enc.ends_with("\n-----END AGE ENCRYPTED FILE-----\n"));
        assert!(enc.lines().all(|l| l.len() <= 64));
        let ids = AgeIdentities::from_text(&text);
        assert_eq!(ids.unwrap(&stored).unwrap().unwrap().as_slice(), &[7u8; 32]);
        let (other, _) = generate("2026-01-01T00:00:00Z");
        assert!(AgeIdentities::from_text(&other).unwrap(&stored).is_none());
    }

    #[test]
    fn rejects_bad_recipients_and_identities() {
        assert!(AgeRecipient::parse("age1nope").is_err());
        let ids = AgeIdentities::from_text("AGE-SECRET-KEY-1NOTAKEY\n");
        let (_, recipient) = generate("x");
        let stored = AgeRecipient::parse(&recipient)
            .unwrap()
            .wrap(&[1; 32])
            .unwrap();
        assert!(matches!(ids.unwrap(&stored), Some(Err(_))));
    }

    #[test]
    fn splits_commands_like_a_shell() {
        assert_eq!(
            split_command(r#"cat "my keys.txt" 'a b' c\ d"#).unwrap(),
            ["cat", "my keys.txt", "a b", "c d"]
        );
        assert!(split_command("unterminated 'quote").is_none());
    }
}

//! age keys: recipients (X25519 `age1…`, SSH `ssh-ed25519 …`/`ssh-rsa …`, plugins
//! `age1NAME1…` through `age-plugin-NAME` on PATH, hardware tag recipients `age1tag1…` and
//! post-quantum `age1tagpq1…`), identities from `SOPS_AGE_KEY`, `SOPS_AGE_KEY_FILE`,
//! `SOPS_AGE_KEY_CMD`, the default key file and SSH private keys
//! (`SOPS_AGE_SSH_PRIVATE_KEY_FILE`, `~/.ssh/id_ed25519`, `~/.ssh/id_rsa`), all combined as
//! sops does; and the armored age file sops stores in `enc`.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::Command;
use std::str::FromStr;
use std::sync::OnceLock;

use age::armor::{ArmoredReader, ArmoredWriter, Format as ArmorFormat};
use age::secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::{Identity, Recipient, Secret};
use crate::error::Error;
use crate::metadata::StoredKey;

const KIND: &str = "age";

type AnyRecipient = Box<dyn age::Recipient + Send + Sync>;

/// An age recipient of any kind age supports here.
pub struct AgeRecipient {
    text: String,
    recipient: AnyRecipient,
}

impl AgeRecipient {
    /// Parses a recipient as sops does: `ssh-…` is an SSH key, `age1` followed by a name and
    /// another `1` is a plugin (or a native tag recipient), plain `age1…` is X25519.
    pub fn parse(s: &str) -> Result<AgeRecipient, Error> {
        let s = s.trim();
        let fail = |reason: String| Error::InvalidRecipient {
            kind: KIND,
            recipient: s.to_string(),
            reason,
        };
        let ssh = ["ssh-", "ecdsa-", "sk-"].iter().any(|p| s.starts_with(p));
        let recipient: AnyRecipient = if ssh {
            Box::new(age::ssh::Recipient::from_str(s).map_err(|e| fail(ssh_reason(e)))?)
        } else if s.starts_with("age1pq1") {
            return Err(fail(
                "age1pq1 post-quantum recipients (ML-KEM-768 + X25519, age 1.3) are not implemented by the Rust age crate yet; use an age1… X25519 recipient, or age1tagpq1… for a hardware key".into(),
            ));
        } else if s.starts_with("age1tagpq1") {
            Box::new(age::tagpq::Recipient::from_str(s).map_err(|e| fail(e.to_string()))?)
        } else if s.starts_with("age1tag1") {
            Box::new(age::tag::Recipient::from_str(s).map_err(|e| fail(e.to_string()))?)
        } else if s.starts_with("age1") && s[4..].contains('1') {
            let plugin = age::plugin::Recipient::from_str(s).map_err(|e| fail(e.to_string()))?;
            let v1 = age::plugin::RecipientPluginV1::new(
                plugin.plugin(),
                std::slice::from_ref(&plugin),
                &[],
                Terminal,
            )
            .map_err(|e| fail(one_line(&e.to_string())))?;
            Box::new(v1)
        } else if s.starts_with("age1") {
            Box::new(age::x25519::Recipient::from_str(s).map_err(|e| {
                fail(format!(
                    "{e} (an age recipient looks like age1…, as printed by `secrets keygen`)"
                ))
            })?)
        } else {
            return Err(fail(
                "unknown recipient type: expected age1… (age), ssh-ed25519 … or ssh-rsa … (SSH public key)".into(),
            ));
        };
        Ok(AgeRecipient {
            text: s.to_string(),
            recipient,
        })
    }
}

fn ssh_reason(e: age::ssh::ParseRecipientKeyError) -> String {
    use age::ssh::ParseRecipientKeyError as E;
    match e {
        E::RsaModulusTooLarge => "the RSA key is larger than age supports (4096 bits)".into(),
        E::RsaModulusTooSmall => "the RSA key is smaller than 2048 bits, too weak for age".into(),
        E::Unsupported(kind) => {
            format!("{kind} SSH keys cannot be age recipients: use an ssh-ed25519 or ssh-rsa key")
        }
        _ => "not a valid SSH public key line (ssh-ed25519 AAAA… or ssh-rsa AAAA…)".into(),
    }
}

/// A message from age on one line (its localized messages may span lines and wrap names
/// in Unicode isolation marks).
fn one_line(s: &str) -> String {
    s.replace(['\u{2068}', '\u{2069}'], "")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
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
            reason: one_line(&e.to_string()),
        };
        let encryptor = age::Encryptor::with_recipients(std::iter::once(
            self.recipient.as_ref() as &dyn age::Recipient
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

/// Talks to the user for age plugins (touch the YubiKey, enter the PIN) and for SSH key
/// passphrases: on the terminal, never when standard error is not one.
#[derive(Clone, Copy)]
struct Terminal;

impl Terminal {
    fn available() -> bool {
        std::io::stderr().is_terminal()
    }
}

impl age::Callbacks for Terminal {
    fn display_message(&self, message: &str) {
        eprintln!("secrets: {message}");
    }

    fn confirm(&self, message: &str, yes: &str, no: Option<&str>) -> Option<bool> {
        if !Terminal::available() {
            return None;
        }
        dialoguer::Confirm::new()
            .with_prompt(format!("{message} ({yes}/{})", no.unwrap_or("no")))
            .interact_opt()
            .ok()
            .flatten()
    }

    fn request_public_string(&self, description: &str) -> Option<String> {
        if !Terminal::available() {
            return None;
        }
        dialoguer::Input::<String>::new()
            .with_prompt(description)
            .interact_text()
            .ok()
    }

    fn request_passphrase(&self, description: &str) -> Option<SecretString> {
        if !Terminal::available() {
            return None;
        }
        dialoguer::Password::new()
            .with_prompt(description)
            .interact()
            .ok()
            .map(SecretString::from)
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
    /// `SOPS_AGE_SSH_PRIVATE_KEY_FILE`: must exist and be a usable SSH key.
    SshFile(PathBuf),
    /// `~/.ssh/id_ed25519`, `~/.ssh/id_rsa`: used when they exist and age can use them.
    DefaultSshFile(PathBuf),
}

struct Loaded {
    /// X25519 identities with their recipient, so a stored key is only tried with its own.
    x25519: Vec<(String, age::x25519::Identity)>,
    /// SSH identities, likewise only tried on their own recipient.
    ssh: Vec<SshKey>,
    /// Other identities (plugins), tried on every stored key.
    others: Vec<Box<dyn age::Identity + Send + Sync>>,
    /// Identity lines skipped because age cannot use them here, for hints.
    skipped: Vec<String>,
}

/// An SSH private key as an age identity; a passphrase-protected one is unlocked once, on
/// first use.
struct SshKey {
    /// `ssh-ed25519 AAAA…`: the recipient without a comment.
    recipient: String,
    origin: String,
    identity: age::ssh::Identity,
    unlocked: OnceLock<Result<age::ssh::Identity, String>>,
}

impl SshKey {
    fn parse(text: &str, origin: &str) -> Result<SshKey, String> {
        let identity =
            age::ssh::Identity::from_buffer(text.as_bytes(), Some(origin.to_string()))
                .map_err(|e| format!("{origin} is not an SSH private key age can use: {e}"))?;
        let recipient = age::ssh::Recipient::try_from(identity.clone())
            .map_err(|e| format!("{origin}: {}", ssh_reason(e)))?
            .to_string();
        Ok(SshKey {
            recipient,
            origin: origin.to_string(),
            identity,
            unlocked: OnceLock::new(),
        })
    }

    fn unlocked(&self) -> Result<&age::ssh::Identity, Error> {
        self.unlocked
            .get_or_init(|| match &self.identity {
                age::ssh::Identity::Encrypted(key) => {
                    let prompt = format!("Passphrase for the SSH key {}", self.origin);
                    let passphrase = age::Callbacks::request_passphrase(&Terminal, &prompt)
                        .ok_or_else(|| {
                            format!(
                                "the SSH key {} is passphrase-protected and there is no terminal to ask for it; use an unprotected key in SOPS_AGE_SSH_PRIVATE_KEY_FILE or an age key",
                                self.origin
                            )
                        })?;
                    key.decrypt(passphrase)
                        .map(age::ssh::Identity::from)
                        .map_err(|e| format!("cannot unlock the SSH key {}: {e}", self.origin))
                }
                other => Ok(other.clone()),
            })
            .as_ref()
            .map_err(|e| Error::Identity(e.clone()))
    }
}

/// The home directory, as Go's `os.UserHomeDir` finds it.
fn home_dir() -> Option<PathBuf> {
    let var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

impl AgeIdentities {
    /// The identity sources sops reads, from the environment.
    pub fn from_env() -> AgeIdentities {
        let mut sources = Vec::new();
        if let Some(path) = std::env::var_os("SOPS_AGE_SSH_PRIVATE_KEY_FILE") {
            sources.push(Source::SshFile(path.into()));
        }
        if let Some(home) = home_dir() {
            for name in ["id_ed25519", "id_rsa"] {
                sources.push(Source::DefaultSshFile(home.join(".ssh").join(name)));
            }
        }
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
                    ssh: Vec::new(),
                    others: Vec::new(),
                    skipped: Vec::new(),
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
                        Source::SshFile(path) => {
                            let text =
                                std::fs::read_to_string(path)
                                    .map(Zeroizing::new)
                                    .map_err(|e| {
                                        format!(
                                            "cannot read SOPS_AGE_SSH_PRIVATE_KEY_FILE {}: {e}",
                                            path.display()
                                        )
                                    })?;
                            loaded
                                .ssh
                                .push(SshKey::parse(&text, &path.display().to_string())?);
                            continue;
                        }
                        Source::DefaultSshFile(path) => {
                            let Ok(text) = std::fs::read_to_string(path).map(Zeroizing::new) else {
                                continue;
                            };
                            match SshKey::parse(&text, &path.display().to_string()) {
                                Ok(key) => loaded.ssh.push(key),
                                Err(e) => loaded.skipped.push(e),
                            }
                            continue;
                        }
                    };
                    parse_identities(&text, &origin, &mut loaded)?;
                }
                Ok(loaded)
            })
            .as_ref()
            .map_err(|e| Error::Identity(e.clone()))
    }
}

/// Reads identity lines: X25519 keys directly, plugin identities through age.
fn parse_identities(text: &str, origin: &str, loaded: &mut Loaded) -> Result<(), String> {
    let mut rest = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with("AGE-SECRET-KEY-PQ-1") {
            // age 1.3's hybrid identities: the Rust age crate cannot use them yet; the
            // other identities of the file still work.
            loaded.skipped.push(format!(
                "{origin} holds an AGE-SECRET-KEY-PQ-1 identity, which this build cannot use"
            ));
        } else if line.starts_with("AGE-SECRET-KEY-1") {
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
            .map_err(|e| format!("invalid age identity in {origin}: {e}"))?
            .with_callbacks(Terminal);
        let identities = file.into_identities().map_err(|e| {
            format!(
                "invalid age identity in {origin}: {}",
                one_line(&e.to_string())
            )
        })?;
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
        // An SSH recipient is stored as given, comment included.
        let ssh_recipient: String = recipient
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        let mut mine: Vec<&dyn age::Identity> = Vec::new();
        for ssh in loaded.ssh.iter().filter(|k| k.recipient == ssh_recipient) {
            match ssh.unlocked() {
                Ok(identity) => mine.push(identity),
                Err(e) => return Some(Err(e)),
            }
        }
        mine.extend(
            loaded
                .x25519
                .iter()
                .filter(|(r, _)| r == recipient)
                .map(|(_, i)| i as &dyn age::Identity),
        );
        mine.extend(
            loaded
                .others
                .iter()
                .map(|i| i.as_ref() as &dyn age::Identity),
        );
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
            Err(e) => Some(Err(Error::Identity(format!(
                "age: {}",
                one_line(&e.to_string())
            )))),
        }
    }

    fn hint(&self) -> String {
        let default = default_key_file()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the default key file".into());
        let mut hint = format!("put the age identity of one of the file's recipients in SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or {default} (an SSH key in SOPS_AGE_SSH_PRIVATE_KEY_FILE, ~/.ssh/id_ed25519 or ~/.ssh/id_rsa)");
        if let Ok(loaded) = self.load() {
            for skipped in &loaded.skipped {
                hint.push_str("; ");
                hint.push_str(skipped);
            }
        }
        hint
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

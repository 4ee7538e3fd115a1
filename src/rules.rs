//! Which values are encrypted: SOPS's six mutually exclusive crypt rules (SOPS_FORMAT.md §3.3).

use regex::bytes::Regex;

use crate::error::Error;
use crate::path::PathSeg;

/// The suffix that keeps a value in plaintext when no rule is given.
pub const DEFAULT_UNENCRYPTED_SUFFIX: &str = "_unencrypted";

/// A crypt rule as written in the metadata: which field, and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CryptRule {
    /// Values below a key ending with this suffix stay plaintext.
    UnencryptedSuffix(String),
    /// Only values below a key ending with this suffix are encrypted.
    EncryptedSuffix(String),
    /// Values below a key matching this regex stay plaintext.
    UnencryptedRegex(String),
    /// Only values below a key matching this regex are encrypted.
    EncryptedRegex(String),
    /// Values after a comment matching this regex stay plaintext.
    UnencryptedCommentRegex(String),
    /// Only values after a comment matching this regex are encrypted.
    EncryptedCommentRegex(String),
}

impl CryptRule {
    /// The metadata field names, in the order SOPS writes them.
    pub const FIELDS: [&'static str; 6] = [
        "unencrypted_suffix",
        "encrypted_suffix",
        "unencrypted_regex",
        "encrypted_regex",
        "unencrypted_comment_regex",
        "encrypted_comment_regex",
    ];

    /// The rule stored under metadata field `field`.
    pub fn from_field(field: &str, value: String) -> Option<CryptRule> {
        Some(match field {
            "unencrypted_suffix" => CryptRule::UnencryptedSuffix(value),
            "encrypted_suffix" => CryptRule::EncryptedSuffix(value),
            "unencrypted_regex" => CryptRule::UnencryptedRegex(value),
            "encrypted_regex" => CryptRule::EncryptedRegex(value),
            "unencrypted_comment_regex" => CryptRule::UnencryptedCommentRegex(value),
            "encrypted_comment_regex" => CryptRule::EncryptedCommentRegex(value),
            _ => return None,
        })
    }

    /// The metadata field and its value.
    pub fn field(&self) -> (&'static str, &str) {
        match self {
            CryptRule::UnencryptedSuffix(v) => (Self::FIELDS[0], v),
            CryptRule::EncryptedSuffix(v) => (Self::FIELDS[1], v),
            CryptRule::UnencryptedRegex(v) => (Self::FIELDS[2], v),
            CryptRule::EncryptedRegex(v) => (Self::FIELDS[3], v),
            CryptRule::UnencryptedCommentRegex(v) => (Self::FIELDS[4], v),
            CryptRule::EncryptedCommentRegex(v) => (Self::FIELDS[5], v),
        }
    }
}

impl Default for CryptRule {
    fn default() -> Self {
        CryptRule::UnencryptedSuffix(DEFAULT_UNENCRYPTED_SUFFIX.into())
    }
}

/// A compiled crypt rule; `None` (the binary format) encrypts everything.
pub struct Rules {
    rule: Option<Compiled>,
}

enum Compiled {
    UnencryptedSuffix(String),
    EncryptedSuffix(String),
    UnencryptedRegex(Regex),
    EncryptedRegex(Regex),
    UnencryptedCommentRegex(Regex),
    EncryptedCommentRegex(Regex),
}

impl Rules {
    /// Compiles `rule`; an invalid regex is an error that names the option.
    pub fn new(rule: Option<&CryptRule>) -> Result<Rules, Error> {
        let regex = |field: &str, re: &str| {
            Regex::new(re).map_err(|e| {
                Error::Rules(format!(
                    "invalid {field} {re:?}: {}",
                    e.to_string().lines().last().unwrap_or_default()
                ))
            })
        };
        let rule = match rule {
            None => None,
            Some(r) => Some(match r {
                CryptRule::UnencryptedSuffix(s) => Compiled::UnencryptedSuffix(s.clone()),
                CryptRule::EncryptedSuffix(s) => Compiled::EncryptedSuffix(s.clone()),
                CryptRule::UnencryptedRegex(s) => {
                    Compiled::UnencryptedRegex(regex("unencrypted_regex", s)?)
                }
                CryptRule::EncryptedRegex(s) => {
                    Compiled::EncryptedRegex(regex("encrypted_regex", s)?)
                }
                CryptRule::UnencryptedCommentRegex(s) => {
                    Compiled::UnencryptedCommentRegex(regex("unencrypted_comment_regex", s)?)
                }
                CryptRule::EncryptedCommentRegex(s) => {
                    Compiled::EncryptedCommentRegex(regex("encrypted_comment_regex", s)?)
                }
            }),
        };
        Ok(Rules { rule })
    }

    /// Whether the leaf at `path` is encrypted, given SOPS's comment stack (the comments of
    /// each nesting level since its last non-comment item, the leaf itself included when it
    /// is a comment).
    pub fn should_encrypt(
        &self,
        path: &[PathSeg],
        comments: &[Vec<&[u8]>],
        is_comment: bool,
    ) -> bool {
        let keys = || {
            path.iter().filter_map(|s| match s {
                PathSeg::Key(k) => Some(k.as_str()),
                PathSeg::Index(_) => None,
            })
        };
        match &self.rule {
            None => true,
            Some(Compiled::UnencryptedSuffix(s)) => !keys().any(|k| k.ends_with(s.as_str())),
            Some(Compiled::EncryptedSuffix(s)) => keys().any(|k| k.ends_with(s.as_str())),
            Some(Compiled::UnencryptedRegex(re)) => !keys().any(|k| re.is_match(k.as_bytes())),
            Some(Compiled::EncryptedRegex(re)) => keys().any(|k| re.is_match(k.as_bytes())),
            Some(Compiled::UnencryptedCommentRegex(re)) => {
                !comments.iter().flatten().any(|c| re.is_match(c))
            }
            Some(Compiled::EncryptedCommentRegex(re)) => {
                let last_level = comments.len().saturating_sub(1);
                comments.iter().enumerate().any(|(i, level)| {
                    level.iter().enumerate().any(|(j, c)| {
                        // The marker comment itself stays plaintext.
                        let is_self = is_comment && i == last_level && j + 1 == level.len();
                        !is_self && re.is_match(c)
                    })
                })
            }
        }
    }

    /// With an `unencrypted_comment_regex`, an encrypted comment must not match it (sops
    /// refuses such files, since decryption would then skip the comment).
    pub fn check_encrypted_comment(&self, encrypted: &str) -> Result<(), Error> {
        if let Some(Compiled::UnencryptedCommentRegex(re)) = &self.rule {
            if re.is_match(encrypted.as_bytes()) {
                return Err(Error::Rules(
                    "an encrypted comment matches --unencrypted-comment-regex; use a regex that cannot match ENC[...] text".into(),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(ks: &[&str]) -> Vec<PathSeg> {
        ks.iter().map(|k| PathSeg::Key(k.to_string())).collect()
    }

    #[test]
    fn suffix_rules_apply_to_any_component() {
        let r = Rules::new(Some(&CryptRule::default())).unwrap();
        assert!(r.should_encrypt(&keys(&["a", "b"]), &[], false));
        assert!(!r.should_encrypt(&keys(&["a_unencrypted", "b"]), &[], false));
        let r = Rules::new(Some(&CryptRule::EncryptedSuffix("_secret".into()))).unwrap();
        assert!(!r.should_encrypt(&keys(&["a"]), &[], false));
        assert!(r.should_encrypt(&keys(&["db_secret", "x"]), &[], false));
        // A top-level comment has an empty path: never encrypted under encrypted_* rules.
        assert!(!r.should_encrypt(&[], &[], true));
    }

    #[test]
    fn regex_rules_search_unanchored() {
        let r = Rules::new(Some(&CryptRule::EncryptedRegex(
            "^(password|token)$".into(),
        )))
        .unwrap();
        assert!(r.should_encrypt(&keys(&["data", "token"]), &[], false));
        assert!(!r.should_encrypt(&keys(&["tokens"]), &[], false));
        let r = Rules::new(Some(&CryptRule::UnencryptedRegex("pub".into()))).unwrap();
        assert!(!r.should_encrypt(&keys(&["public"]), &[], false));
        assert!(Rules::new(Some(&CryptRule::EncryptedRegex("(".into()))).is_err());
    }

    #[test]
    fn comment_rules_follow_the_stack() {
        let r = Rules::new(Some(&CryptRule::EncryptedCommentRegex("sops:enc".into()))).unwrap();
        let marker: &[u8] = b" sops:enc";
        assert!(r.should_encrypt(&keys(&["a"]), &[vec![marker]], false));
        assert!(
            !r.should_encrypt(&[], &[vec![marker]], true),
            "the marker stays plain"
        );
        assert!(!r.should_encrypt(&keys(&["a"]), &[vec![]], false));
        let r = Rules::new(Some(&CryptRule::UnencryptedCommentRegex(
            "sops:plain".into(),
        )))
        .unwrap();
        let plain: &[u8] = b" sops:plain";
        assert!(!r.should_encrypt(&keys(&["b"]), &[vec![], vec![plain]], false));
        assert!(r.should_encrypt(&keys(&["b"]), &[vec![]], false));
    }
}

//! Checks of a file about to be committed: a file a creation rule covers must be encrypted,
//! an encrypted file must be intact (its MAC verified when a key is at hand, its structure
//! otherwise), and plaintext must not hold anything that looks like a secret ([`crate::scan`]).

use std::path::Path;

use crate::crypto::is_encrypted;
use crate::decrypt::{decrypt, metadata_of, DecryptOptions};
use crate::format::{FileFormat, Format};
use crate::keys::Keyring;
use crate::path;
use crate::rules::Rules;
use crate::scan;
use crate::tree::{Document, LeafKind};
use crate::value::Scalar;

/// Something wrong with a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// Short identifier of the check or detector (`not-encrypted`, `aws-access-key-id`).
    pub rule: &'static str,
    /// What is wrong (never a secret's value).
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

/// The outcome of checking one file.
#[derive(Debug, Default)]
pub struct Report {
    /// What is wrong.
    pub problems: Vec<Problem>,
    /// Whether the file is encrypted.
    pub encrypted: bool,
    /// For an encrypted file, whether its MAC was verified (`false`: no key was available,
    /// only its structure was checked).
    pub mac_verified: bool,
}

/// Checks `bytes`, the content of `name` (which names its format and is shown in fixes);
/// `rule_matches` says a creation rule covers it.
pub fn check(name: &Path, bytes: &[u8], rule_matches: bool, keyring: &Keyring) -> Report {
    let file_format = FileFormat::from_path(name);
    let format = file_format.format();
    let shown = name.display();
    let parsed = format.parse(bytes.to_vec());
    let mut report = Report::default();
    let doc = match parsed {
        Ok(doc) if doc.metadata.is_some() || doc.metadata_error.is_some() => doc,
        _ => {
            if rule_matches {
                report.problems.push(Problem {
                    line: None,
                    rule: "not-encrypted",
                    message:
                        "a creation rule of .sops.yaml covers this file, but it is not encrypted"
                            .into(),
                    fix: format!("encrypt it: secrets encrypt -i {shown} (then git add it again)"),
                });
            }
            report
                .problems
                .extend(scan_problems(bytes, &shown.to_string()));
            return report;
        }
    };
    report.encrypted = true;
    let metadata = match metadata_of(&doc) {
        Ok(md) => md,
        Err(e) => {
            report
                .problems
                .push(tampered(None, e.to_string(), &shown.to_string()));
            return report;
        }
    };
    if metadata.mac.is_empty()
        || metadata.version.is_empty()
        || metadata.key_groups.iter().all(|g| g.is_empty())
    {
        report.problems.push(tampered(
            None,
            "the sops metadata lacks its mac, version or keys".into(),
            &shown.to_string(),
        ));
    }
    report
        .problems
        .extend(plaintext_values(format, &doc, &shown.to_string()));
    // Values left in plaintext on purpose (`_unencrypted`) may still hold secrets.
    report
        .problems
        .extend(scan_problems(bytes, &shown.to_string()));
    if let Ok(key) = keyring.data_key(metadata) {
        report.mac_verified = true;
        if let Err(e) = decrypt(format, &doc, &key, DecryptOptions::default()) {
            report
                .problems
                .push(tampered(None, e.to_string(), &shown.to_string()));
        }
    }
    report
}

fn tampered(line: Option<usize>, what: String, shown: &str) -> Problem {
    Problem {
        line,
        rule: "tampered",
        message: format!("the encrypted file is damaged or was edited by hand: {what}"),
        fix: format!(
            "restore it (git checkout -- {shown}) and change it with `secrets edit`/`secrets encrypt`"
        ),
    }
}

/// Values the file's crypt rule says are encrypted but that are in plaintext.
fn plaintext_values(format: &dyn Format, doc: &Document, shown: &str) -> Vec<Problem> {
    let Ok(rules) = Rules::new(doc.metadata.as_ref().and_then(|m| m.crypt_rule.as_ref())) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    doc.walk(|v| {
        let leaf = &doc.leaves[v.leaf];
        let plaintext = match &leaf.kind {
            LeafKind::Value(Scalar::Str(s)) if s.is_empty() => format.encrypts_empty_strings(),
            LeafKind::Value(Scalar::Str(s)) => !is_encrypted(s),
            LeafKind::Value(_) => true,
            _ => false,
        };
        if plaintext && rules.should_encrypt(v.path, v.comments, v.is_comment) {
            problems.push(tampered(
                Some(line_of(&doc.text, leaf.span.start)),
                format!("the value at {} is in plaintext", path::Display(v.path)),
                shown,
            ));
        }
    });
    problems
}

/// The 1-based line of byte `offset` of `text`.
pub(crate) fn line_of(text: &[u8], offset: usize) -> usize {
    text[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn scan_problems(bytes: &[u8], shown: &str) -> Vec<Problem> {
    scan::scan(bytes)
        .into_iter()
        .map(|f| Problem {
            line: Some(f.line),
            rule: f.detector.id,
            message: format!("{} ({})", f.detector.description, f.excerpt),
            fix: format!(
                "move the secret into an encrypted file (secrets encrypt -i FILE) and rotate it if it was ever pushed, or mark a false alarm with `{}` on the line of {shown}",
                scan::ALLOW_MARKER
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules_of(report: &Report) -> Vec<&'static str> {
        report.problems.iter().map(|p| p.rule).collect()
    }

    #[test]
    fn plaintext_under_a_rule_is_refused() {
        let keyring = Keyring::new(Vec::new());
        let r = check(Path::new("a.yaml"), b"user: admin\n", true, &keyring);
        assert_eq!(rules_of(&r), ["not-encrypted"]);
        let r = check(Path::new("a.yaml"), b"user: admin\n", false, &keyring);
        assert!(r.problems.is_empty());
    }

    #[test]
    fn plaintext_values_in_an_encrypted_file_are_found() {
        let text = b"a: ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]\nb: plain\nsops:\n    mac: ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]\n    lastmodified: \"2024-01-01T00:00:00Z\"\n    age:\n        - recipient: age1x\n          enc: x\n    version: 3.11.0\n";
        let r = check(Path::new("a.yaml"), text, true, &Keyring::new(Vec::new()));
        assert!(r.encrypted && !r.mac_verified);
        assert_eq!(rules_of(&r), ["tampered"]);
        assert_eq!(r.problems[0].line, Some(2));
    }
}

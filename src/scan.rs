//! Finding secrets in plaintext: cloud keys, private-key blocks, tokens of well-known
//! providers, credentials in URLs, and high-entropy values assigned to names like
//! `*_PASSWORD` or `client_secret`.
//!
//! The scanner works on lines of any text file (configuration, code, documentation), so it
//! knows nothing of formats: a provider token is recognised by its shape, a generic secret by
//! the name it is assigned to (`NAME=value`, `name: value`, `"name": "value"`,
//! `name = "value"`) and by the value looking random. Values that are clearly not secrets are
//! left alone: `ENC[...]` values, references (`${VAR}`, `{{ .Values.x }}`, `$(cmd)`), paths,
//! URLs without credentials, placeholders (`changeme`, `<password>`, `xxxx`), numbers and
//! booleans, and prose.
//!
//! A line holding `secrets:allow` (or detect-secrets' `pragma: allowlist secret`) is
//! skipped. Findings never hold the secret: only a redacted excerpt.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// The marker that exempts a line from scanning.
pub const ALLOW_MARKER: &str = "secrets:allow";
/// detect-secrets' marker, honoured too so that existing exemptions keep working.
const DETECT_SECRETS_MARKER: &str = "pragma: allowlist secret";

/// A kind of secret the scanner looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detector {
    /// Short identifier, used in reports (`aws-access-key-id`).
    pub id: &'static str,
    /// What it finds, for people.
    pub description: &'static str,
}

/// Something that looks like a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// 1-based line of the text.
    pub line: usize,
    /// What was found.
    pub detector: Detector,
    /// A redacted excerpt that locates the secret without revealing it.
    pub excerpt: String,
}

/// A detector that recognises a secret by its shape.
struct Shape {
    detector: Detector,
    /// Literals one of which the line must contain before the regex runs (the regex crate
    /// is built without its literal optimisations).
    needles: &'static [&'static str],
    /// The pattern; its first group (or the whole match) is the secret.
    pattern: &'static str,
    /// Extra validation of a match: the whole text and the match's end offset in it.
    check: Option<fn(&str, usize) -> bool>,
}

const SHAPES: &[Shape] = &[
    Shape {
        detector: Detector {
            id: "aws-access-key-id",
            description: "AWS access key ID",
        },
        needles: &[
            "AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA",
        ],
        pattern: r"\b((?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16})\b",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "private-key",
            description: "private key block",
        },
        needles: &["PRIVATE KEY", "PuTTY-User-Key-File"],
        pattern: r"(-----BEGIN (?:[A-Z0-9]+ ){0,2}PRIVATE KEY(?: BLOCK)?-----|PuTTY-User-Key-File-\d+)",
        check: Some(key_body_follows),
    },
    Shape {
        detector: Detector {
            id: "age-secret-key",
            description: "age identity (AGE-SECRET-KEY-1...)",
        },
        needles: &["AGE-SECRET-KEY-1"],
        pattern: r"\b(AGE-SECRET-KEY-1[0-9A-Z]{58})\b",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "github-token",
            description: "GitHub token",
        },
        needles: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        pattern: r"\b(gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{60,255})\b",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "gitlab-token",
            description: "GitLab token",
        },
        needles: &["glpat-", "gldt-", "glrt-", "glptt-"],
        pattern: r"\b((?:glpat|gldt|glrt|glptt)-[A-Za-z0-9_\-]{20,})",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "slack-token",
            description: "Slack token or webhook",
        },
        needles: &["xox", "hooks.slack.com/"],
        pattern: r"\b(xox[abposre]-[0-9A-Za-z\-]{10,}|https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9+/_\-]{20,})",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "stripe-key",
            description: "Stripe secret or restricted key",
        },
        needles: &["_live_", "_test_"],
        pattern: r"\b((?:sk|rk)_(?:live|test)_[0-9A-Za-z]{20,})\b",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "google-api-key",
            description: "Google API key",
        },
        needles: &["AIza"],
        pattern: r"\b(AIza[0-9A-Za-z_\-]{35})(?:[^0-9A-Za-z_\-]|$)",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "openai-api-key",
            description: "OpenAI API key",
        },
        needles: &["sk-"],
        pattern: r"\b(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{16,}T3BlbkFJ[A-Za-z0-9_\-]{16,}|sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,})",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "anthropic-api-key",
            description: "Anthropic API key",
        },
        needles: &["sk-ant-"],
        pattern: r"\b(sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_\-]{80,})",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "sendgrid-api-key",
            description: "SendGrid API key",
        },
        needles: &["SG."],
        pattern: r"\b(SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})\b",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "twilio-api-key",
            description: "Twilio API key",
        },
        needles: &["SK"],
        pattern: r"\b(SK[0-9a-f]{32})\b",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "npm-token",
            description: "npm access token",
        },
        needles: &["npm_"],
        pattern: r"\b(npm_[A-Za-z0-9]{36})\b",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "pypi-token",
            description: "PyPI upload token",
        },
        needles: &["pypi-AgE"],
        pattern: r"\b(pypi-AgE[A-Za-z0-9_\-]{50,})",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "hashicorp-vault-token",
            description: "HashiCorp Vault token",
        },
        needles: &["hvs.", "hvb."],
        pattern: r"\b(hv[sb]\.[A-Za-z0-9_\-]{24,})",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "digitalocean-token",
            description: "DigitalOcean token",
        },
        needles: &["dop_v1_", "doo_v1_", "dor_v1_"],
        pattern: r"\b(do[opr]_v1_[a-f0-9]{64})\b",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "shopify-token",
            description: "Shopify access token",
        },
        needles: &["shpat_", "shpss_", "shpca_", "shppa_"],
        pattern: r"\b(shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32})\b",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "databricks-token",
            description: "Databricks access token",
        },
        needles: &["dapi"],
        pattern: r"\b(dapi[a-f0-9]{32}(?:-\d)?)\b",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "telegram-bot-token",
            description: "Telegram bot token",
        },
        needles: &[":AA"],
        pattern: r"\b(\d{8,10}:AA[0-9A-Za-z_\-]{33})\b",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "jwt",
            description: "JSON Web Token",
        },
        needles: &["eyJ"],
        pattern: r"\b(eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{20,})",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "azure-storage-key",
            description: "Azure storage account key",
        },
        needles: &["AccountKey="],
        pattern: r"AccountKey=([A-Za-z0-9+/]{86}==)",
        check: None,
    },
    Shape {
        detector: Detector {
            id: "url-credentials",
            description: "password in a URL",
        },
        needles: &["://"],
        pattern: r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@'\x22]+:([^\s:/@'\x22]+)@[^\s/'\x22]+",
        check: Some(url_password_is_real),
    },
];

/// High-entropy values assigned to names that say they are secret.
pub const SECRET_ASSIGNMENT: Detector = Detector {
    id: "secret-assignment",
    description: "random-looking value assigned to a secret name",
};

/// The AWS secret key: a 40-character value assigned to an AWS secret name.
pub const AWS_SECRET_ACCESS_KEY: Detector = Detector {
    id: "aws-secret-access-key",
    description: "AWS secret access key",
};

/// Every detector, in the order findings on one line are reported.
pub fn detectors() -> impl Iterator<Item = Detector> {
    SHAPES
        .iter()
        .map(|s| s.detector)
        .chain([AWS_SECRET_ACCESS_KEY, SECRET_ASSIGNMENT])
}

static COMPILED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    SHAPES
        .iter()
        .map(|s| Regex::new(s.pattern).expect("a valid detector pattern"))
        .collect()
});

/// A name followed by an assignment operator; the value is read after the match.
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?:^|[^A-Za-z0-9_.\-])["']?([A-Za-z_][A-Za-z0-9_.\-]*)["']?\s*(?::=|=>|=|:)[ \t]*"#,
    )
    .expect("a valid pattern")
});

/// Whether text looks binary (a NUL byte early on, as git decides).
pub fn is_binary(text: &[u8]) -> bool {
    text.iter().take(8000).any(|&b| b == 0)
}

/// Scans a text for secrets; at most one finding per line and detector. Binary data gives
/// nothing.
pub fn scan(text: &[u8]) -> Vec<Finding> {
    if is_binary(text) {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(text);
    let mut findings = Vec::new();
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        if line.contains(ALLOW_MARKER) || line.contains(DETECT_SECRETS_MARKER) {
            continue;
        }
        let line = &*without_ciphertext(line);
        let before = findings.len();
        for (shape, regex) in SHAPES.iter().zip(COMPILED.iter()) {
            if !shape.needles.iter().any(|n| line.contains(n)) {
                continue;
            }
            let found = regex.captures_iter(line).find_map(|c| {
                let m = c.get(1).or_else(|| c.get(0))?;
                let ok = shape
                    .check
                    .is_none_or(|check| check(&text, start + m.end()));
                ok.then(|| m.as_str().to_string())
            });
            if let Some(secret) = found {
                findings.push(Finding {
                    line: index + 1,
                    detector: shape.detector,
                    excerpt: redact(&secret),
                });
            }
        }
        // A line a specific detector explained needs no generic finding.
        if findings.len() == before {
            if let Some(finding) = assignment(line, index + 1) {
                findings.push(finding);
            }
        }
    }
    findings
}

/// `line` with every `ENC[...]` value blanked out, byte for byte so that offsets hold:
/// ciphertext is random by design, and a run of base64 can spell a secret's name followed
/// by `=` (`...X5atpwdVh...=,iv:...`) or a provider key's shape.
fn without_ciphertext(line: &str) -> Cow<'_, str> {
    if !line.contains("ENC[") {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("ENC[") {
        let end = rest[start..]
            .find(']')
            .map_or(rest.len(), |e| start + e + 1);
        out.push_str(&rest[..start]);
        out.extend(std::iter::repeat_n(' ', end - start));
        rest = &rest[end..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The first secret-looking assignment of a line.
fn assignment(line: &str, number: usize) -> Option<Finding> {
    for caps in ASSIGNMENT.captures_iter(line) {
        let name = caps.get(1).expect("group 1").as_str();
        if !secret_name(name) {
            continue;
        }
        let rest = &line[caps.get(0).expect("match").end()..];
        let Some(value) = value_of(rest) else {
            continue;
        };
        if !random_looking(&value) {
            continue;
        }
        let normalized = normalize(name);
        let detector = if normalized.contains("aws")
            && normalized.contains("secret")
            && value.len() == 40
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+')
        {
            AWS_SECRET_ACCESS_KEY
        } else {
            SECRET_ASSIGNMENT
        };
        return Some(Finding {
            line: number,
            detector,
            excerpt: format!("{name} = …({} characters)", value.chars().count()),
        });
    }
    None
}

/// A name in lower case without separators: `DB_PASSWORD` → `dbpassword`.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Words that make a name a secret's name.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "secretkey",
    "token",
    "apikey",
    "accesskey",
    "privatekey",
    "credential",
    "signingkey",
    "encryptionkey",
    "masterkey",
    "appkey",
    "authkey",
    "sessionkey",
];

/// Endings of names that hold something about a secret rather than the secret itself.
const NOT_SECRET_ENDINGS: &[&str] = &[
    "name",
    "names",
    "file",
    "files",
    "path",
    "dir",
    "ref",
    "url",
    "uri",
    "id",
    "ids",
    "length",
    "len",
    "size",
    "ttl",
    "timeout",
    "expiry",
    "expires",
    "expiration",
    "type",
    "enabled",
    "required",
    "count",
    "format",
    "prefix",
    "suffix",
    "template",
    "regex",
    "pattern",
    "policy",
    "field",
    "header",
    "endpoint",
    "tokens",
    "hash",
    "digest",
    "version",
    "mode",
    "env",
    "command",
    "cmd",
    "key",
];

/// Beginnings of such names (`existingSecret`, `usePassword`).
const NOT_SECRET_BEGINNINGS: &[&str] = &[
    "existing", "use", "enable", "allow", "require", "min", "max", "num", "show", "reset",
    "forgot", "is", "has",
];

fn secret_name(name: &str) -> bool {
    let n = normalize(name);
    SECRET_WORDS.iter().any(|w| n.contains(w))
        && !NOT_SECRET_ENDINGS
            .iter()
            .any(|e| n.ends_with(e) && !SECRET_WORDS.iter().any(|w| n.ends_with(w)))
        && !NOT_SECRET_BEGINNINGS.iter().any(|b| n.starts_with(b))
        && !n.contains("tokenizer")
}

/// The value after an assignment operator: a quoted string, or the rest of the line without
/// a trailing comment and punctuation. `None` when there is none.
fn value_of(rest: &str) -> Option<String> {
    let rest = rest.trim_end_matches(['\n', '\r']);
    let first = rest.chars().next()?;
    if first == '"' || first == '\'' || first == '`' {
        let mut out = String::new();
        let mut chars = rest[1..].chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' if first != '\'' => out.extend(chars.next()),
                c if c == first => return Some(out),
                c => out.push(c),
            }
        }
        return None;
    }
    let end = rest.find(" #").unwrap_or(rest.len());
    let value = rest[..end]
        .trim()
        .trim_end_matches([',', ';', ')', '}', ']']);
    Some(value.to_string())
}

/// Values that stand for a secret instead of being one.
const PLACEHOLDERS: &[&str] = &[
    "example",
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "placeholder",
    "dummy",
    "redacted",
    "your",
    "replace",
    "xxxx",
    "****",
    "....",
    "fake",
    "sample",
    "secret",
    "password",
    "notasecret",
];

/// Whether a value looks like a real, random secret.
fn random_looking(value: &str) -> bool {
    let len = value.chars().count();
    if !(8..=2000).contains(&len) || value.chars().any(char::is_whitespace) {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    let reference = [
        "${", "{{", "}}", "$(", "%(", "#{", "://", "enc[", "vault:", "ref+",
    ]
    .iter()
    .any(|r| lower.contains(r))
        || value.starts_with([
            '$', '%', '<', '{', '[', '/', '~', '@', '*', '(', '&', '!', '.', '#', '|', '>',
        ])
        || value.ends_with(['>', '(']);
    if reference || PLACEHOLDERS.iter().any(|p| lower.contains(p)) {
        return false;
    }
    if value.parse::<f64>().is_ok() {
        return false;
    }
    // Identifiers and dotted names (`app.config.password_field`) are references to code.
    if value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.' || b == b'-')
    {
        return false;
    }
    let classes = [
        value.bytes().any(|b| b.is_ascii_lowercase()),
        value.bytes().any(|b| b.is_ascii_uppercase()),
        value.bytes().any(|b| b.is_ascii_digit()),
        value.bytes().any(|b| !b.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|&&c| c)
    .count();
    classes >= 2 && entropy(value) >= 3.0
}

/// Shannon entropy of a string, in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut total = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&n| {
            let p = n as f64 / total as f64;
            -p * p.log2()
        })
        .sum()
}

/// A private key's BEGIN line counts only when key material follows: a line of base64 of a
/// real key's width within the next few lines (documentation shows the header alone, or with
/// `...` for a body). PEM headers (`Proc-Type: ...`) and blank lines may come first.
fn key_body_follows(text: &str, end: usize) -> bool {
    let window: String = text[end..]
        .chars()
        .take(1000)
        .collect::<String>()
        .replace("\\n", "\n");
    for line in window.lines().skip(1).take(5) {
        let body = line
            .trim()
            .trim_matches(|c| matches!(c, '"' | '\'' | ',' | '|' | '#'));
        let body = body.trim();
        if body.starts_with("-----") {
            return false;
        }
        if body.len() >= 40
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        {
            return true;
        }
        if !(body.is_empty() || body.contains(':')) {
            return false;
        }
    }
    false
}

/// A URL's password counts when it is not a placeholder or a reference.
fn url_password_is_real(text: &str, end: usize) -> bool {
    let line_start = text[..end].rfind('\n').map_or(0, |p| p + 1);
    let line = &text[line_start..];
    let Some(url) = COMPILED
        .iter()
        .zip(SHAPES)
        .find(|(_, s)| s.detector.id == "url-credentials")
        .and_then(|(re, _)| re.captures_at(line, 0))
        .and_then(|c| c.get(1))
    else {
        return false;
    };
    let password = url.as_str();
    let lower = password.to_ascii_lowercase();
    password.chars().count() >= 4
        && !password.starts_with(['$', '<', '{', '%', '*'])
        && !password.chars().all(|c| c == 'x' || c == 'X' || c == '*')
        && ![
            "${", "{{", "pass", "secret", "changeme", "example", "your", "xxx",
        ]
        .iter()
        .any(|p| lower.contains(p))
}

/// Enough of a secret to find it again, never enough to use it.
fn redact(secret: &str) -> String {
    let count = secret.chars().count();
    if secret.starts_with("-----BEGIN") || secret.starts_with("PuTTY") {
        return secret.to_string();
    }
    let shown: String = secret.chars().take(4.min(count / 4)).collect();
    format!("{shown}…({count} characters)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<(usize, &'static str)> {
        scan(text.as_bytes())
            .into_iter()
            .map(|f| (f.line, f.detector.id))
            .collect()
    }

    #[test]
    fn provider_tokens_are_found_by_shape() {
        let text = "\
aws_access_key_id = AKIAZ3MXQ7R4TN2WB6YD
token: ghp_4bX9fR2kLm7QwT1zY8cV3nJ6hP0sD5gA2eUi
slack: xoxb-2048-1024-Zk8fQ2mX9pLr
stripe = \"sk_live_51HxQ2mK8vR3tY6uW9zA1bC4d\"
key=AIzaSyD3fK9mQ2xL7vR1tY8uW4zA6bC0dE5gH2j
";
        assert_eq!(
            ids(text),
            [
                (1, "aws-access-key-id"),
                (2, "github-token"),
                (3, "slack-token"),
                (4, "stripe-key"),
                (5, "google-api-key"),
            ]
        );
    }

    #[test]
    fn private_keys_need_a_body() {
        let real = "key: |\n  -----BEGIN RSA PRIVATE KEY-----\n  MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2Kq8nT5XkR9zQvW1b\n";
        assert_eq!(ids(real), [(2, "private-key")]);
        let json = r#"{"private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"}"#;
        assert_eq!(ids(json), [(1, "private-key")]);
        let doc = "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n";
        assert!(ids(doc).is_empty());
    }

    #[test]
    fn secret_names_with_random_values() {
        let text = "\
DB_PASSWORD=Xk9#mP2vL7qR4nT
db_password_file=/run/secrets/db
password: changeme
client_secret: \"8f3a9b2c7d1e4f5a6b7c8d9e0f1a2b3c\"
token_ttl: 3600
secretName: my-tls-secret
API_KEY=${API_KEY}
password: ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]
export GITHUB_TOKEN=\"$(cat token)\"
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY
aws_secret_access_key = q8Zt0Vd3bN1xW7yK4mR9sF2hJ6pL5cG0aE3uT8iO
";
        assert_eq!(
            ids(text),
            [
                (1, "secret-assignment"),
                (4, "secret-assignment"),
                (11, "aws-secret-access-key")
            ]
        );
    }

    #[test]
    fn ciphertext_that_spells_a_secret_name_is_no_finding() {
        // A MAC `secrets encrypt` wrote whose base64 holds `pwd` and ends in `=`: once a flaky
        // CI failure of the pre-commit hook test.
        let line = "    mac: ENC[AES256_GCM,data:i5QkTPrsnZKKsUBBx3A5F6TIUpN+b3nLfLNvV9SUR85sMzHYTK6aeA/RGfjruRG+Gca6EKBikN3ufT9jvZVxRIlT4s2hI/AqciuHHCCy6b3xaBJUMPHxJs4sMr+elPkX5atpwdVhDeUhY4FekfbrbpZdyqw0lXPzQtv8mz1FZhM=,iv:HjMo8/rORwd3UO+mv79+ACPGsfBXdvnaO8EYsR3lfeY=,tag:4VxSJW6t7Q0OQ6kW4BhcIA==,type:str]\n";
        assert!(ids(line).is_empty());
        let line =
            "token: ENC[AES256_GCM,data:AKIAABCDEFGHIJKLMNOP+A==,iv:AA==,tag:AA==,type:str]\n";
        assert!(ids(line).is_empty());
        // What follows an encrypted value is still scanned.
        let line = "a: ENC[AES256_GCM,data:AA==,type:str] # DB_PASSWORD=Xk9#mP2vL7qR4nT\n";
        assert_eq!(ids(line), [(1, "secret-assignment")]);
    }

    #[test]
    fn urls_with_real_passwords() {
        assert_eq!(
            ids("url: postgres://app:Zq8vN2kLx4@db.internal:5432/app\n"),
            [(1, "url-credentials")]
        );
        assert!(ids(
            "url: postgres://app:${DB_PASSWORD}@db/app\nurl: https://user:password@host\n"
        )
        .is_empty());
    }

    #[test]
    fn allow_markers_exempt_a_line() {
        assert!(ids("TOKEN=ghp_4bX9fR2kLm7QwT1zY8cV3nJ6hP0sD5gA2eUi # secrets:allow\n").is_empty());
        assert!(ids("k = AKIAZ3MXQ7R4TN2WB6YD  # pragma: allowlist secret\n").is_empty());
    }

    #[test]
    fn findings_never_hold_the_secret() {
        let secret = "ghp_4bX9fR2kLm7QwT1zY8cV3nJ6hP0sD5gA2eUi";
        for f in scan(format!("t: {secret}\nPASSWORD=Xk9#mP2vL7qR4nT\n").as_bytes()) {
            assert!(!f.excerpt.contains(&secret[4..]), "{}", f.excerpt);
            assert!(!f.excerpt.contains("Xk9#"), "{}", f.excerpt);
        }
    }

    #[test]
    fn binary_data_is_skipped() {
        assert!(scan(b"\0AKIAZ3MXQ7R4TN2WB6YD").is_empty());
    }

    #[test]
    fn entropy_of_strings() {
        assert_eq!(entropy(""), 0.0);
        assert_eq!(entropy("aaaa"), 0.0);
        assert!((entropy("abcd") - 2.0).abs() < 1e-9);
    }
}

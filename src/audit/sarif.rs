//! SARIF 2.1.0, the format code-scanning services (GitHub, GitLab, Azure DevOps) import.

use serde_json::{json, Value};

use super::{Audit, Severity, RULES};
use crate::scan;

/// The audit as one SARIF 2.1.0 log with one run; every check and detector is a rule, every
/// finding a result whose message ends with its fix.
pub fn to_sarif(audit: &Audit) -> Value {
    let mut rules: Vec<(&str, Severity, &str)> = RULES
        .iter()
        .map(|r| (r.id, r.severity, r.description))
        .collect();
    rules.extend(scan::detectors().map(|d| (d.id, Severity::Error, d.description)));
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|(id, severity, description)| {
            json!({
                "id": id,
                "shortDescription": {"text": description},
                "defaultConfiguration": {"level": severity.name()},
            })
        })
        .collect();
    let results: Vec<Value> = audit
        .findings
        .iter()
        .map(|f| {
            let mut location = json!({"artifactLocation": {"uri": uri(&f.file)}});
            if let Some(line) = f.line {
                location["region"] = json!({"startLine": line});
            }
            let mut result = json!({
                "ruleId": f.rule,
                "level": f.severity.name(),
                "message": {"text": format!("{} Fix: {}", sentence(&f.message), f.fix)},
                "locations": [{"physicalLocation": location}],
            });
            if let Some(index) = rules.iter().position(|r| r.0 == f.rule) {
                result["ruleIndex"] = json!(index);
            }
            if let Some(commit) = &f.commit {
                result["properties"] = json!({"commit": commit});
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "secrets",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": descriptors,
            }},
            "results": results,
        }],
    })
}

fn sentence(s: &str) -> String {
    if s.ends_with('.') {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

/// A relative path as a URI reference: bytes outside the unreserved set and `/` are
/// percent-encoded.
fn uri(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("a b/é.env"), "a%20b/%C3%A9.env");
    }
}

//! The access map: who can decrypt each encrypted file, from its own metadata.

use serde_json::{json, Value};

use crate::keys;
use crate::metadata::Metadata;

/// Who can decrypt one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    /// The file, relative to the top of the repository.
    pub file: String,
    /// The key groups: each a list of keys as `TYPE ID` (`age age1...`, `pgp FINGERPRINT`).
    /// Any one key of a group opens that group.
    pub groups: Vec<Vec<String>>,
    /// How many groups are needed (the number of groups when the file sets none).
    pub threshold: usize,
}

impl Access {
    /// The access of `file` as its metadata states it.
    pub fn of(file: &str, metadata: &Metadata) -> Access {
        let groups: Vec<Vec<String>> = metadata
            .key_groups
            .iter()
            .map(|g| g.iter().map(keys::key_label).collect())
            .collect();
        let threshold = match metadata.shamir_threshold {
            0 => groups.len(),
            t => t,
        };
        Access {
            file: file.to_string(),
            groups,
            threshold,
        }
    }

    /// The access as JSON: `{"file", "threshold", "key_groups": [[{"type", "id"}]]}`.
    pub fn to_json(&self) -> Value {
        let groups: Vec<Vec<Value>> = self
            .groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|label| {
                        let (kind, id) = label.split_once(' ').unwrap_or(("", label));
                        json!({"type": kind, "id": id})
                    })
                    .collect()
            })
            .collect();
        json!({"file": self.file, "threshold": self.threshold, "key_groups": groups})
    }
}

/// The access map as a text table: one line per key, `FILE  GROUP  KEY`, with the
/// threshold on the file's first line when there is more than one group.
pub fn table(map: &[Access]) -> String {
    let shown: Vec<String> = map
        .iter()
        .map(|a| match a.groups.len() {
            0 | 1 => a.file.clone(),
            n => format!("{} ({} of {n} groups)", a.file, a.threshold),
        })
        .collect();
    let width = shown.iter().map(String::len).max().unwrap_or(0).max(4);
    let mut out = format!("{:width$}  GROUP  KEY\n", "FILE");
    for (access, shown) in map.iter().zip(shown) {
        let mut file = shown;
        for (g, group) in access.groups.iter().enumerate() {
            for key in group {
                out.push_str(&format!("{file:width$}  {:<5}  {key}\n", g + 1));
                file.clear();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lists_each_key_under_its_group() {
        let map = [Access {
            file: "prod.yaml".into(),
            groups: vec![
                vec!["age age1a".into(), "pgp F00".into()],
                vec!["age age1b".into()],
            ],
            threshold: 1,
        }];
        let table = table(&map);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(
            lines[1].starts_with("prod.yaml (1 of 2 groups)")
                && lines[1].ends_with("1      age age1a")
        );
        assert!(lines[3].trim_start().starts_with("2      age age1b"));
        assert_eq!(
            map[0].to_json()["key_groups"][0][1],
            json!({"type": "pgp", "id": "F00"})
        );
    }
}

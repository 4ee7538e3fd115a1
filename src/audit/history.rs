//! Secrets in git history: every blob of every reachable commit, read once, scanned with
//! the detectors of `secrets check`.
//!
//! `git log --all --raw` names, oldest commit first, the blob each commit introduced at each
//! path; the first commit that introduced a blob is where it leaked. The blobs are then read
//! in one `git cat-file --batch`, each once however many commits and paths share it.

use std::collections::HashSet;
use std::path::Path;

use super::{Finding, Severity};
use crate::error::Error;
use crate::{git, scan};

/// What the history scan read and found.
#[derive(Debug, Default)]
pub struct History {
    /// Commits walked.
    pub commits: usize,
    /// Distinct blobs read.
    pub blobs: usize,
    /// Secrets found, at the commit and path that introduced them.
    pub findings: Vec<Finding>,
}

/// Where a blob first appeared.
#[derive(Debug, PartialEq, Eq)]
struct Introduced {
    commit: String,
    path: String,
    blob: String,
}

/// Scans the history of the repository at `top`, skipping the blobs `skip` (the current
/// files, audited as they are). `progress` is called with (blobs read, blobs to read).
pub fn scan_history(
    top: &Path,
    skip: &HashSet<String>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<History, Error> {
    let log = git::output(
        top,
        &[
            "log",
            "--all",
            "--reverse",
            "--no-renames",
            "--raw",
            "--no-abbrev",
            "--root",
            "--diff-merges=first-parent",
            "--format=%x01%H",
            "-z",
        ],
    )?;
    let (commits, introduced) = introductions(&log);
    let todo: Vec<&Introduced> = introduced
        .iter()
        .filter(|i| !skip.contains(&i.blob))
        .collect();
    let ids: Vec<String> = todo.iter().map(|i| i.blob.clone()).collect();
    let mut findings = Vec::new();
    let total = ids.len();
    progress(0, total);
    git::blobs(top, &ids, |index, content| {
        let at = todo[index];
        findings.extend(scan::scan(content).into_iter().map(|f| Finding {
            rule: SECRET_IN_HISTORY,
            severity: Severity::Error,
            file: at.path.clone(),
            line: Some(f.line),
            commit: Some(at.commit.clone()),
            message: format!(
                "{} ({}) committed in {}",
                f.detector.description,
                f.excerpt,
                &at.commit[..at.commit.len().min(12)]
            ),
            fix: "rotate the secret at its provider now and keep the new one in an encrypted file: every clone holds this commit, and rewriting history (git filter-repo) does not un-leak it".into(),
        }));
        progress(index + 1, total);
    })?;
    Ok(History {
        commits,
        blobs: total,
        findings,
    })
}

/// The rule id of a secret found in history.
pub const SECRET_IN_HISTORY: &str = "secret-in-history";

/// Parses `git log --raw -z --format=%x01%H` (oldest first): the number of commits, and
/// each distinct blob with the first commit and path that introduced it.
fn introductions(log: &[u8]) -> (usize, Vec<Introduced>) {
    let mut commits = 0;
    let mut commit = String::new();
    let mut seen = HashSet::new();
    let mut introduced = Vec::new();
    let mut tokens = log.split(|&b| b == 0);
    while let Some(token) = tokens.next() {
        let token = token.strip_prefix(b"\n").unwrap_or(token);
        if let Some(hash) = token.strip_prefix(b"\x01") {
            commits += 1;
            commit = String::from_utf8_lossy(hash).into_owned();
        } else if let Some(raw) = token.strip_prefix(b":") {
            let Some(path) = tokens.next() else { break };
            // `old_mode new_mode old_id new_id status`
            let fields: Vec<&[u8]> = raw.split(|&b| b == b' ').collect();
            let (Some(mode), Some(id)) = (fields.get(1), fields.get(3)) else {
                continue;
            };
            // Regular files only: not deletions, symlinks or submodules.
            if !mode.starts_with(b"100") {
                continue;
            }
            let blob = String::from_utf8_lossy(id).into_owned();
            if seen.insert(blob.clone()) {
                introduced.push(Introduced {
                    commit: commit.clone(),
                    path: String::from_utf8_lossy(path).into_owned(),
                    blob,
                });
            }
        }
    }
    (commits, introduced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_introductions_of_regular_blobs() {
        let z = "0".repeat(40);
        let (a, b, c) = ("a".repeat(40), "b".repeat(40), "c".repeat(40));
        let log = format!(
            "\x01c1\0\n:000000 100644 {z} {a} A\0x y\0\x01c2\0\n:100644 100644 {a} {b} M\0x y\0:000000 100644 {z} {a} A\0copy\0:000000 120000 {z} {c} A\0link\0\x01c3\0\n:100644 000000 {b} {z} D\0x y\0\x01c4\0"
        );
        let (commits, found) = introductions(log.as_bytes());
        assert_eq!(commits, 4);
        assert_eq!(
            found,
            [
                Introduced {
                    commit: "c1".into(),
                    path: "x y".into(),
                    blob: a
                },
                Introduced {
                    commit: "c2".into(),
                    path: "x y".into(),
                    blob: b
                },
            ]
        );
    }
}

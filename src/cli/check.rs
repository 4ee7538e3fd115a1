//! `secrets check`: the pre-commit check.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::ValueEnum;
use secrets::check::{check, Report};
use serde_json::json;

use super::{git, keyring, Globals};

/// Check files before they are committed: files a .sops.yaml creation rule covers must be
/// encrypted, encrypted files must be intact, and plaintext must not hold secrets
///
/// With no FILE and no --all, checks the files staged for commit, as staged (the index, not
/// the work tree). Each problem is printed as FILE:LINE: RULE: what, with the fix. Exits 1
/// when there is a problem. The MAC of an encrypted file is verified when a key is
/// available; otherwise only its structure is checked. A line holding `secrets:allow` is not
/// scanned.
#[derive(clap::Args)]
pub struct Args {
    /// Files to check (their staged version when they are staged)
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Check every file of the work tree (tracked or not ignored), as it is on disk
    #[arg(long, conflicts_with = "files")]
    all: bool,
    /// How to print problems
    #[arg(long, value_enum, default_value = "text", value_name = "FORMAT")]
    format: ReportFormat,
    /// Key types to try first, comma-separated (e.g. age,pgp)
    #[arg(long, env = "SOPS_DECRYPTION_ORDER", value_name = "TYPES")]
    decryption_order: Option<String>,
}

/// Output formats of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// FILE:LINE: RULE: message, and the fix
    Text,
    /// One JSON object: {"files_checked", "problems": [...], "unverified": [...]}
    Json,
}

/// A file to check: where it is, how to show it, and whether to read it from the index.
struct Target {
    path: PathBuf,
    shown: String,
    staged: Option<(PathBuf, String)>,
}

pub fn run(args: Args, globals: &Globals) -> anyhow::Result<()> {
    let cwd = std::env::current_dir().context("cannot tell the current directory")?;
    let top = git::toplevel(&cwd);
    let targets = targets(&args, &cwd, top.as_deref())?;
    let discovered = globals.discover()?;
    let keyring = keyring(args.decryption_order.as_deref())?;
    let mut problems = Vec::new();
    let mut unverified = Vec::new();
    let mut checked = 0;
    for target in &targets {
        let Some(bytes) = read(target)? else { continue };
        checked += 1;
        let rule_matches = discovered
            .config
            .as_ref()
            .is_some_and(|c| c.rule_for(Some(&target.path)).is_ok());
        let report: Report = check(Path::new(&target.shown), &bytes, rule_matches, &keyring);
        if report.encrypted && !report.mac_verified {
            unverified.push(target.shown.clone());
        }
        problems.extend(
            report
                .problems
                .into_iter()
                .map(|p| (target.shown.clone(), p)),
        );
    }
    match args.format {
        ReportFormat::Json => {
            let list: Vec<_> = problems
                .iter()
                .map(|(file, p)| {
                    json!({"file": file, "line": p.line, "rule": p.rule, "message": p.message, "fix": p.fix})
                })
                .collect();
            let out = json!({"files_checked": checked, "problems": list, "unverified": unverified});
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        ReportFormat::Text => {
            for (file, p) in &problems {
                let line = p.line.map(|l| format!("{l}:")).unwrap_or_default();
                println!(
                    "{file}:{line} {}: {}\n    fix: {}",
                    p.rule, p.message, p.fix
                );
            }
            if !unverified.is_empty() {
                eprintln!(
                    "secrets: note: no key to verify the MAC of {} (structure checked only)",
                    unverified.join(", ")
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "{} problem(s) found in {} file(s) checked",
            problems.len(),
            checked
        ))
    }
}

/// The files to check.
fn targets(args: &Args, cwd: &Path, top: Option<&Path>) -> anyhow::Result<Vec<Target>> {
    let in_tree = |path: PathBuf, staged: bool| {
        let rel = top.and_then(|t| path.strip_prefix(t).ok().map(Path::to_path_buf));
        let shown = rel
            .as_ref()
            .map_or_else(|| path.display().to_string(), |r| r.display().to_string());
        let staged = staged
            .then(|| top.zip(rel))
            .flatten()
            .map(|(t, r)| (t.to_path_buf(), r.to_string_lossy().into_owned()));
        Target {
            path,
            shown,
            staged,
        }
    };
    let absolute = |p: &Path| std::path::absolute(cwd.join(p)).unwrap_or_else(|_| cwd.join(p));
    if !args.files.is_empty() {
        return Ok(args
            .files
            .iter()
            .map(|f| in_tree(absolute(f), true))
            .collect());
    }
    match (top, args.all) {
        (Some(top), all) => {
            let listing: &[&str] = if all {
                &[
                    "ls-files",
                    "-z",
                    "--cached",
                    "--others",
                    "--exclude-standard",
                ]
            } else {
                &[
                    "diff",
                    "--cached",
                    "--name-only",
                    "-z",
                    "--diff-filter=ACMR",
                ]
            };
            Ok(git::paths(top, listing)?
                .into_iter()
                .map(|p| in_tree(top.join(p), !all))
                .collect())
        }
        (None, true) => {
            let mut files = Vec::new();
            for entry in ignore::WalkBuilder::new(cwd).hidden(false).build() {
                let entry = entry?;
                if entry.file_type().is_some_and(|t| t.is_file()) {
                    files.push(in_tree(entry.into_path(), false));
                }
            }
            files.sort_by(|a, b| a.path.cmp(&b.path));
            Ok(files)
        }
        (None, false) => Err(secrets::Error::Conflict(
            "not in a git repository: name the files to check, or use --all".into(),
        )
        .into()),
    }
}

/// The content to check: the staged blob when there is one, else the file; `None` for a
/// file that is gone.
fn read(target: &Target) -> anyhow::Result<Option<Vec<u8>>> {
    if let Some((top, rel)) = &target.staged {
        if let Ok(blob) = git::output(top, &["cat-file", "blob", &format!(":{rel}")]) {
            return Ok(Some(blob));
        }
    }
    match std::fs::read(&target.path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(_) if target.path.is_dir() => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", target.shown)),
    }
}

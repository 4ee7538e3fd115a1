//! Running `git` for the git integration commands.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

/// Runs `git ARGS` in `dir` and returns its standard output; fails when git does.
pub fn output(dir: &Path, args: &[&str]) -> anyhow::Result<Vec<u8>> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .context("cannot run git; is it installed?")?;
    if !out.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}

/// `git ARGS` output as trimmed text.
pub fn text(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    Ok(String::from_utf8_lossy(&output(dir, args)?)
        .trim()
        .to_string())
}

/// The top of the work tree `dir` is in, or `None` outside a repository.
pub fn toplevel(dir: &Path) -> Option<PathBuf> {
    text(dir, &["rev-parse", "--show-toplevel"])
        .ok()
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
}

/// NUL-separated paths of a git listing (`-z`).
pub fn paths(dir: &Path, args: &[&str]) -> anyhow::Result<Vec<PathBuf>> {
    Ok(output(dir, args)?
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| PathBuf::from(String::from_utf8_lossy(p).into_owned()))
        .collect())
}

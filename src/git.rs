//! Running `git`: for the git integration commands and the audit of a repository.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::Error;

fn failed(args: &[&str], why: impl std::fmt::Display) -> Error {
    Error::Git(format!("git {} failed: {why}", args.join(" ")))
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.args(args).current_dir(dir);
    cmd
}

/// Runs `git ARGS` in `dir` and returns its standard output; fails when git does.
pub fn output(dir: &Path, args: &[&str]) -> Result<Vec<u8>, Error> {
    let out = command(dir, args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::Git(format!("cannot run git ({e}); is it installed?")))?;
    if !out.status.success() {
        return Err(failed(args, String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(out.stdout)
}

/// `git ARGS` output as trimmed text.
pub fn text(dir: &Path, args: &[&str]) -> Result<String, Error> {
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
pub fn paths(dir: &Path, args: &[&str]) -> Result<Vec<PathBuf>, Error> {
    Ok(output(dir, args)?
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| PathBuf::from(String::from_utf8_lossy(p).into_owned()))
        .collect())
}

/// Reads the blobs `ids` with one `git cat-file --batch`, calling `each` with every blob's
/// index in `ids` and content, in order; missing objects are skipped.
pub fn blobs(dir: &Path, ids: &[String], mut each: impl FnMut(usize, &[u8])) -> Result<(), Error> {
    let args = ["cat-file", "--batch"];
    let mut child = command(dir, &args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| failed(&args, e))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| failed(&args, "no stdin"))?;
    let requests: Vec<u8> = ids
        .iter()
        .flat_map(|id| format!("{id}\n").into_bytes())
        .collect();
    // A thread feeds the requests while this one reads, so neither pipe fills up.
    let writer = std::thread::spawn(move || stdin.write_all(&requests));
    let mut out = BufReader::new(
        child
            .stdout
            .take()
            .ok_or_else(|| failed(&args, "no stdout"))?,
    );
    let mut header = String::new();
    let mut content = Vec::new();
    for index in 0..ids.len() {
        header.clear();
        if out.read_line(&mut header).map_err(|e| failed(&args, e))? == 0 {
            return Err(failed(&args, "its output ended early"));
        }
        // `<id> <type> <size>`, or `<id> missing`.
        let Some(size) = header
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse::<usize>().ok())
        else {
            continue;
        };
        content.clear();
        content.resize(size + 1, 0);
        out.read_exact(&mut content).map_err(|e| failed(&args, e))?;
        each(index, &content[..size]);
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(())
}

/// Which of `paths` (from the top of the work tree `top`) `.gitignore` and the other
/// exclude files ignore, whether or not they are tracked.
pub fn ignored(top: &Path, paths: &[String]) -> Result<HashSet<String>, Error> {
    if paths.is_empty() {
        return Ok(HashSet::new());
    }
    let args = ["check-ignore", "--no-index", "--stdin", "-z"];
    let mut child = command(top, &args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(&args, e))?;
    let list: Vec<u8> = paths
        .iter()
        .flat_map(|p| [p.as_bytes(), b"\0"].concat())
        .collect();
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| failed(&args, "no stdin"))?;
    let writer = std::thread::spawn(move || stdin.write_all(&list));
    let out = child.wait_with_output().map_err(|e| failed(&args, e))?;
    let _ = writer.join();
    // Exit status 1: none is ignored.
    if !out.status.success() && out.status.code() != Some(1) {
        return Err(failed(&args, String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(out
        .stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect())
}

//! `secrets git-setup`: wire the diff and merge drivers and the pre-commit check into git.

use std::path::{Path, PathBuf};

use anyhow::Context;
use secrets::Error;

use super::{git, Globals};

/// Set up git for encrypted files: .gitattributes lines for the files the creation rules
/// match, and the git config of the `secrets` diff and merge drivers
///
/// Idempotent: only what is missing is added. Run it again after adding encrypted files.
/// The textconv cache stays off, so no decrypted text is ever stored by git.
#[derive(clap::Args)]
pub struct Args {
    /// Also install a git pre-commit hook that runs `secrets check`
    #[arg(long)]
    pre_commit: bool,
    /// Write the driver config to the global git config (~/.gitconfig) instead of the
    /// repository's
    #[arg(long)]
    global: bool,
    /// Only report what is missing (exit 1 when something is)
    #[arg(long)]
    check: bool,
}

/// The git config of the drivers.
const CONFIG: [(&str, &str); 3] = [
    ("diff.secrets.textconv", "secrets diff"),
    ("merge.secrets.name", "secrets: merge decrypted values"),
    ("merge.secrets.driver", "secrets merge %O %A %B %P"),
];

/// The attributes given to every encrypted file.
const ATTRIBUTES: &str = "diff=secrets merge=secrets";

/// The line of the hook that runs the check.
const HOOK_LINE: &str = "secrets check || exit 1";

/// Something to add.
enum Missing {
    Attribute(String),
    Config(&'static str, &'static str),
    Hook(PathBuf),
}

pub fn run(args: Args, globals: &Globals) -> anyhow::Result<()> {
    let cwd = std::env::current_dir().context("cannot tell the current directory")?;
    let top = git::toplevel(&cwd).ok_or_else(|| {
        Error::Conflict("not in a git repository: run git-setup inside one".into())
    })?;
    let missing = missing(&args, globals, &top)?;
    if args.check {
        for m in &missing {
            println!("missing: {}", describe(m));
        }
        if missing.is_empty() {
            println!("git is set up for secrets");
            return Ok(());
        }
        anyhow::bail!(
            "{} thing(s) missing; run `secrets git-setup` to add them",
            missing.len()
        );
    }
    let attributes: Vec<&str> = missing
        .iter()
        .filter_map(|m| match m {
            Missing::Attribute(line) => Some(line.as_str()),
            _ => None,
        })
        .collect();
    if !attributes.is_empty() {
        add_attributes(&top.join(".gitattributes"), &attributes)?;
    }
    for m in &missing {
        match m {
            Missing::Config(key, value) => {
                let scope = if args.global { "--global" } else { "--local" };
                git::output(&top, &["config", scope, key, value])?;
            }
            Missing::Hook(path) => install_hook(path)?,
            Missing::Attribute(_) => {}
        }
        eprintln!("secrets: added {}", describe(m));
    }
    if missing.is_empty() {
        eprintln!("secrets: git is already set up");
    }
    Ok(())
}

fn describe(m: &Missing) -> String {
    match m {
        Missing::Attribute(line) => format!(".gitattributes line `{line}`"),
        Missing::Config(key, value) => format!("git config {key} = {value:?}"),
        Missing::Hook(path) => format!(
            "pre-commit hook running `secrets check` ({})",
            path.display()
        ),
    }
}

/// What is not set up yet.
fn missing(args: &Args, globals: &Globals, top: &Path) -> anyhow::Result<Vec<Missing>> {
    let mut missing = Vec::new();
    let discovered = globals.discover()?;
    let present = std::fs::read_to_string(top.join(".gitattributes")).unwrap_or_default();
    let present: Vec<&str> = present.lines().map(str::trim).collect();
    if let Some(config) = &discovered.config {
        for file in config.matching_files()? {
            let Ok(rel) = file.strip_prefix(top) else {
                continue;
            };
            let pattern = rel.to_string_lossy().replace('\\', "/");
            // Spaces would split the pattern; git reads them escaped in a quoted pattern.
            let pattern = if pattern.contains(' ') {
                format!("\"/{}\"", pattern.replace('"', "\\\""))
            } else {
                format!("/{pattern}")
            };
            let line = format!("{pattern} {ATTRIBUTES}");
            if !present.contains(&line.as_str()) {
                missing.push(Missing::Attribute(line));
            }
        }
    }
    for (key, value) in CONFIG {
        let scope = if args.global {
            "--global"
        } else {
            "--includes"
        };
        let current = git::text(top, &["config", scope, "--get", key]).unwrap_or_default();
        if current != value {
            missing.push(Missing::Config(key, value));
        }
    }
    if args.pre_commit {
        let hooks = PathBuf::from(git::text(top, &["rev-parse", "--git-path", "hooks"])?);
        let hook = top.join(hooks).join("pre-commit");
        let has_check = std::fs::read_to_string(&hook).is_ok_and(|s| s.contains(HOOK_LINE));
        if !has_check {
            missing.push(Missing::Hook(hook));
        }
    }
    Ok(missing)
}

fn add_attributes(path: &Path, lines: &[&str]) -> anyhow::Result<()> {
    let mut text = std::fs::read_to_string(path).unwrap_or_default();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    if !text.contains("# secrets git-setup") {
        text.push_str("# secrets git-setup: encrypted files diff and merge decrypted\n");
    }
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    Ok(secrets::io::write_atomic(path, text.as_bytes(), 0o644)?)
}

/// Writes a new hook, or refuses to change someone else's.
fn install_hook(path: &Path) -> anyhow::Result<()> {
    if path.exists() {
        anyhow::bail!(
            "{} exists and does not run secrets: add the line `{HOOK_LINE}` to it",
            path.display()
        );
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let script = format!(
        "#!/bin/sh\n# Installed by `secrets git-setup --pre-commit`: refuse plaintext secrets.\n{HOOK_LINE}\n"
    );
    Ok(secrets::io::write_atomic(path, script.as_bytes(), 0o755)?)
}

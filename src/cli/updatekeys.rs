//! `secrets updatekeys`: give files' data keys to the recipients their creation rules name
//! now. Values, `mac` and `lastmodified` stay: only the metadata block changes.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Context;
use secrets::config::Config;
use secrets::keys::{self, RecipientGroups};
use secrets::rewrap::{self, GroupDiff, Rekey};

use super::batch::{self, Progress};
use super::{keyring, warn_cipher, Globals, TypeArg};

/// Re-wrap files' data keys for the recipients .sops.yaml names now (values untouched)
#[derive(clap::Args)]
pub struct Args {
    /// Encrypted files to update
    #[arg(value_name = "FILE", required_unless_present = "all")]
    files: Vec<PathBuf>,
    /// Update every encrypted file under the config's directory that a creation rule
    /// matches (files .gitignore excludes are skipped)
    #[arg(long, conflicts_with = "files")]
    all: bool,
    /// Update without asking
    #[arg(short, long)]
    yes: bool,
    /// Format of the files, instead of guessing it from their names
    #[arg(long, value_enum, value_name = "TYPE")]
    input_type: Option<TypeArg>,
    /// Shares needed with several key groups (default: the rule's, else the file's)
    #[arg(long, value_name = "N")]
    shamir_secret_sharing_threshold: Option<usize>,
    /// Key types to try first to recover data keys, comma-separated
    #[arg(long, env = "SOPS_DECRYPTION_ORDER", value_name = "TYPES")]
    decryption_order: Option<String>,
}

/// What updating one file would do.
enum Outcome {
    Change(Box<Plan>),
    UpToDate,
    /// With `--all`: a file a rule matches that is not encrypted.
    NotEncrypted,
}

/// One file's planned change.
struct Plan {
    path: PathBuf,
    file: Rekey,
    recipients: RecipientGroups,
    diffs: Vec<GroupDiff>,
    threshold: usize,
}

pub fn run(args: Args, globals: &Globals) -> anyhow::Result<()> {
    let discovered = globals.discover()?;
    let config = discovered.require()?;
    let files = batch::files(args.files.clone(), args.all, config)?;
    // With one file, its error is the command's (with its exit code), as in sops.
    let single = files.len() == 1;
    let mut plans = Vec::new();
    let mut failed = 0;
    for path in &files {
        match plan(&args, config, path) {
            Ok(Outcome::Change(plan)) => {
                plan.print();
                plans.push(*plan);
            }
            Ok(Outcome::UpToDate) => println!("{}: already up to date", path.display()),
            Ok(Outcome::NotEncrypted) => {}
            Err(e) if single => return Err(e),
            Err(e) => {
                failed += 1;
                eprintln!("secrets: {}: {}", path.display(), super::one_line(&e));
            }
        }
    }
    if !plans.is_empty() {
        if args.yes || confirm(plans.len())? {
            failed += apply(plans, args.decryption_order.as_deref(), single)?;
        } else {
            println!("nothing was changed");
        }
    }
    batch::summary("updatekeys", failed, files.len())
}

/// Writes every planned change; returns how many failed (with `single`, the error).
fn apply(plans: Vec<Plan>, decryption_order: Option<&str>, single: bool) -> anyhow::Result<usize> {
    let keyring = keyring(decryption_order)?;
    let mut progress = Progress::new(plans.len());
    for plan in plans {
        let result = plan
            .file
            .rewrap(&keyring, &plan.recipients, plan.threshold)
            .and_then(|bytes| secrets::io::write_atomic(&plan.path, &bytes, 0o644));
        match result {
            Ok(()) => {
                if let Ok(cipher) = plan.file.metadata().cipher() {
                    warn_cipher(&plan.path, cipher);
                }
                progress.report(&format!("{}: updated", plan.path.display()))
            }
            Err(e) if single => return Err(e.into()),
            Err(e) => progress.fail(&plan.path, &e.into()),
        }
    }
    Ok(progress.finish())
}

/// What would change in one file.
fn plan(args: &Args, config: &Config, path: &Path) -> anyhow::Result<Outcome> {
    let Some((bytes, format)) = batch::read_encrypted(path, args.input_type, args.all)? else {
        return Ok(Outcome::NotEncrypted);
    };
    let file = Rekey::open(bytes, format)?;
    let rule = config.rule_for(Some(path))?;
    let source = || format!("creation rule {} of {}", rule.number, config.path.display());
    if !rule.has_keys() {
        anyhow::bail!("{} names no keys", source());
    }
    let recipients =
        keys::recipient_groups(&rule.key_groups).with_context(|| format!("in {}", source()))?;
    let metadata = file.metadata();
    let requested = args
        .shamir_secret_sharing_threshold
        .or((rule.shamir_threshold > 0).then_some(rule.shamir_threshold));
    let threshold = rewrap::threshold(metadata, requested, recipients.len());
    let diffs = rewrap::diff(&metadata.key_groups, &recipients);
    if !diffs.iter().any(GroupDiff::changes) && threshold == metadata.shamir_threshold {
        return Ok(Outcome::UpToDate);
    }
    Ok(Outcome::Change(Box::new(Plan {
        path: path.to_path_buf(),
        file,
        recipients,
        diffs,
        threshold,
    })))
}

impl Plan {
    /// The changes, as sops shows them.
    fn print(&self) {
        println!("{}:", self.path.display());
        let old = self.file.metadata().shamir_threshold;
        if old != self.threshold {
            if old > 0 {
                println!("  --- shamir_threshold: {old}");
            }
            if self.threshold > 0 {
                println!("  +++ shamir_threshold: {}", self.threshold);
            }
        }
        for (i, diff) in self.diffs.iter().enumerate() {
            println!("  group {}", i + 1);
            for k in &diff.kept {
                println!("        {k}");
            }
            for k in &diff.added {
                println!("    +++ {k}");
            }
            for k in &diff.removed {
                println!("    --- {k}");
            }
        }
    }
}

fn confirm(files: usize) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        anyhow::bail!(
            "updatekeys asks before changing files, and there is no terminal to ask on: pass -y to update without asking"
        );
    }
    let prompt = if files == 1 {
        "Update this file?".to_string()
    } else {
        format!("Update these {files} files?")
    };
    Ok(dialoguer::Confirm::new()
        .with_prompt(prompt)
        .default(false)
        .interact()?)
}

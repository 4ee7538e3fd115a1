//! `secrets exec-env`.

use std::path::PathBuf;
use std::process::Command;

use anyhow::Context;

use super::child;
use super::{file_format, OpenArgs, TypeArg};

/// The encrypted file and the command, for `exec-env` and `exec-file`.
#[derive(clap::Args)]
pub struct Target {
    /// The encrypted file
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The command, after `--` (for exec-file, {} stands for the plaintext's path)
    #[arg(value_name = "COMMAND", required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

/// Run a command with the file's values as environment variables
///
/// Top-level keys become variable names; nested values are flattened as sops flattens its
/// metadata (`db__map_password`, `hosts__list_0`). The values never appear in any process's
/// arguments. One COMMAND argument runs with /bin/sh -c (as sops does); several run as they
/// are. The command's exit status is secrets' exit status; signals are passed on to it.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: Target,
    /// Give the command only the file's values, not secrets' own environment
    #[arg(long)]
    pristine: bool,
    /// Replace secrets by the command (exec) instead of running it as a child
    #[arg(long)]
    same_process: bool,
    /// Format of the file, instead of guessing it from its name
    #[arg(long, value_enum, value_name = "TYPE")]
    input_type: Option<TypeArg>,
    #[command(flatten)]
    open: OpenArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let format = file_format(args.input_type, &args.target.file);
    let opened = args.open.open_file(&args.target.file, format)?;
    let variables = secrets::env::variables(&opened.values()?)?;
    drop(opened);
    let mut cmd = command(&args.target.command, |word| word.to_string());
    if args.pristine {
        cmd.env_clear();
    }
    for (name, value) in &variables {
        cmd.env(name, value.as_str());
    }
    drop(variables);
    if args.same_process {
        return same_process(cmd);
    }
    child::install();
    let ended =
        child::run(&mut cmd).with_context(|| format!("cannot run {:?}", args.target.command[0]))?;
    child::exit_with(ended.code())
}

/// The command to run: one word is a shell command line (as sops runs it), several are the
/// program and its arguments; `word` rewrites each word.
pub fn command(words: &[String], word: impl Fn(&str) -> String) -> Command {
    match words {
        [line] => {
            let mut cmd = Command::new("/bin/sh");
            cmd.arg("-c").arg(word(line));
            cmd
        }
        _ => {
            let mut cmd = Command::new(word(&words[0]));
            cmd.args(words[1..].iter().map(|w| word(w)));
            cmd
        }
    }
}

#[cfg(unix)]
fn same_process(mut cmd: Command) -> anyhow::Result<()> {
    use std::os::unix::process::CommandExt;
    let err = cmd.exec();
    Err(anyhow::Error::new(err).context("cannot run the command"))
}

#[cfg(not(unix))]
fn same_process(_cmd: Command) -> anyhow::Result<()> {
    Err(secrets::Error::Unsupported("--same-process needs a Unix system".into()).into())
}

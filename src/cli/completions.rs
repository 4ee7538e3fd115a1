//! `secrets completions` and `secrets man`: generated from the command-line definitions.

use std::path::PathBuf;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

use super::Cli;

/// Print the shell completion script for SHELL, or write all of them (--write-all DIR)
///
/// bash: `source <(secrets completions bash)`, or save it as
/// ~/.local/share/bash-completion/completions/secrets. zsh: save as `_secrets` in a
/// directory of $fpath. fish: save in ~/.config/fish/completions/secrets.fish.
#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum, required_unless_present = "write_all")]
    shell: Option<Shell>,
    /// Write the scripts of every shell into DIR instead
    #[arg(long, value_name = "DIR", conflicts_with = "shell")]
    write_all: Option<PathBuf>,
}

/// Print the manual page (roff), or write one per command into a directory (--dir DIR)
#[derive(clap::Args)]
pub struct ManArgs {
    /// Write `secrets.1` and a page per subcommand (`secrets-encrypt.1`, ...) into DIR
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

const BIN: &str = "secrets";

pub fn completions(args: CompletionsArgs) -> anyhow::Result<()> {
    let mut cmd = Cli::command();
    match (args.shell, args.write_all) {
        (_, Some(dir)) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for shell in [
                Shell::Bash,
                Shell::Zsh,
                Shell::Fish,
                Shell::PowerShell,
                Shell::Elvish,
            ] {
                clap_complete::generate_to(shell, &mut cmd, BIN, &dir)
                    .with_context(|| format!("cannot write into {}", dir.display()))?;
            }
        }
        (Some(shell), None) => {
            clap_complete::generate(shell, &mut cmd, BIN, &mut std::io::stdout());
        }
        (None, None) => unreachable!("clap requires a shell or --write-all"),
    }
    Ok(())
}

pub fn man(args: ManArgs) -> anyhow::Result<()> {
    let cmd = Cli::command();
    match args.dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .with_context(|| format!("cannot write into {}", dir.display()))
        }
        // As generate_to renders the top page: without the `help` subcommand.
        None => clap_mangen::Man::new(cmd.disable_help_subcommand(true))
            .render(&mut std::io::stdout())
            .context("cannot write to standard output"),
    }
}

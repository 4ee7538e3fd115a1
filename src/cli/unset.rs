//! `secrets unset`.

use std::path::PathBuf;

use anyhow::Context;
use secrets::change;
use secrets::rewrite::Opened;
use secrets::Error;

use super::{format_of, warn, OpenArgs, TypeArg};

/// Remove one key or list item from an encrypted file (only its lines change)
#[derive(clap::Args)]
pub struct Args {
    /// The encrypted file (changed in place)
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// What to remove, e.g. '["db"]["password"]' or '["hosts"][0]'
    #[arg(value_name = "PATH")]
    path: String,
    /// Succeed without writing when the path is not in the file
    #[arg(long)]
    idempotent: bool,
    /// Format of the file, instead of guessing it from its name
    #[arg(long, value_enum, value_name = "TYPE")]
    input_type: Option<TypeArg>,
    #[command(flatten)]
    open: OpenArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let format = format_of(&args.file, args.input_type)?;
    let at = secrets::path::parse(&args.path)
        .map_err(|e| Error::InvalidSet(format!("invalid unset path: {e}")))?;
    let bytes = secrets::io::read_input(&args.file)?;
    let opened = Opened::open(bytes, format, &args.open.keyring()?, args.open.options())
        .with_context(|| format!("cannot decrypt {}", args.file.display()))?;
    warn(&opened.warnings);
    let doc = opened.document()?;
    let text = match change::unset(format.format(), &doc, &at) {
        Err(Error::PathNotFound(_)) if args.idempotent => return Ok(()),
        other => other?,
    };
    let sealed = opened.seal(text)?;
    warn(&sealed.warnings);
    secrets::io::write_atomic(&args.file, &sealed.bytes, 0o644)?;
    Ok(())
}

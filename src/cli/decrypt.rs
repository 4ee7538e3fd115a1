//! `secrets decrypt`.

use anyhow::Context;
use secrets::decrypt::decrypt_file;

use super::{warn, Input, OpenArgs, Output};

/// Decrypt a file to standard output (or in place, or to --output).
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: Input,
    #[command(flatten)]
    output: Output,
    /// Output only the value at this path, e.g. '["db"]["password"]' or '["hosts"][0]'
    #[arg(long, value_name = "PATH")]
    extract: Option<String>,
    #[command(flatten)]
    open: OpenArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    args.output.check(&args.input)?;
    let (input_format, output_format) = args.input.formats()?;
    let extract = args
        .extract
        .as_deref()
        .map(secrets::path::parse)
        .transpose()?;
    let keyring = args.open.keyring()?;
    let bytes = args.input.read()?;
    let plaintext = decrypt_file(
        bytes,
        input_format,
        output_format,
        &keyring,
        args.open.options(),
        extract.as_deref(),
    )
    .with_context(|| format!("cannot decrypt {}", args.input.path().display()))?;
    warn(&plaintext.warnings);
    args.output.write(&args.input, &plaintext.bytes, 0o600)
}

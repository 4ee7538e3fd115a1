//! `secrets decrypt`.

use std::io::IsTerminal;

use anyhow::Context;
use secrets::decrypt::{decrypt_file, DecryptOptions};
use secrets::format::FileFormat;

use super::{keyring, warn, Input, Output};

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
    /// Do not verify the MAC (only for files whose content you trust)
    #[arg(long)]
    ignore_mac: bool,
    /// Key types to try first, comma-separated (e.g. age,pgp)
    #[arg(long, env = "SOPS_DECRYPTION_ORDER", value_name = "TYPES")]
    decryption_order: Option<String>,
    /// Write binary output to a terminal anyway
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    args.output.check(&args.input)?;
    let (input_format, output_format) = args.input.formats()?;
    let extract = args
        .extract
        .as_deref()
        .map(secrets::path::parse)
        .transpose()?;
    let keyring = keyring(args.decryption_order.as_deref())?;
    let bytes = args.input.read()?;
    let options = DecryptOptions {
        ignore_mac: args.ignore_mac,
    };
    let plaintext = decrypt_file(
        bytes,
        input_format,
        output_format,
        &keyring,
        options,
        extract.as_deref(),
    )
    .with_context(|| format!("cannot decrypt {}", args.input.path().display()))?;
    warn(&plaintext.warnings);
    let to_terminal =
        !args.output.in_place && args.output.output.is_none() && std::io::stdout().is_terminal();
    if to_terminal
        && output_format == FileFormat::Binary
        && !args.force
        && !is_text(&plaintext.bytes)
    {
        anyhow::bail!(
            "refusing to write binary data to the terminal; redirect the output, use --output FILE, or pass --force"
        );
    }
    args.output.write(&args.input, &plaintext.bytes, 0o600)
}

/// Whether bytes are text a terminal shows as it is: UTF-8 without control characters other
/// than tab and line breaks.
fn is_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|s| {
        !s.chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    })
}

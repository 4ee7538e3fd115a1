//! `secrets decrypt`.

use anyhow::Context;
use secrets::decrypt::{decrypt_file, DecryptOptions};

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
    args.output.write(&args.input, &plaintext.bytes, 0o600)
}

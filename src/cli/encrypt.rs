//! `secrets encrypt`.

use anyhow::Context;
use secrets::encrypt::{encrypt_file, EncryptOptions};
use secrets::keys::{self, RecipientGroups};
use secrets::Error;

use super::{warn, CloudKeyArgs, CryptRuleArgs, Input, Output};

/// Encrypt a plaintext file (values only; keys, comments and layout stay).
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: Input,
    #[command(flatten)]
    output: Output,
    /// age recipients to encrypt for, comma-separated
    #[arg(short, long, env = "SOPS_AGE_RECIPIENTS", value_name = "RECIPIENTS")]
    age: Option<String>,
    #[command(flatten)]
    cloud: CloudKeyArgs,
    #[command(flatten)]
    rules: CryptRuleArgs,
    /// Compute the MAC over encrypted values only, so plaintext values may be edited freely
    #[arg(long)]
    mac_only_encrypted: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    args.output.check(&args.input)?;
    let (input_format, output_format) = args.input.formats()?;
    let mut group = Vec::new();
    if let Some(list) = &args.age {
        group.extend(keys::parse_recipients("age", list)?);
    }
    group.extend(args.cloud.recipients()?);
    if group.is_empty() {
        return Err(Error::NoRecipients.into());
    }
    let recipients: RecipientGroups = vec![group];
    let options = EncryptOptions {
        crypt_rule: Some(args.rules.rule()?.unwrap_or_default()),
        mac_only_encrypted: args.mac_only_encrypted,
        shamir_threshold: 0,
    };
    let bytes = args.input.read()?;
    let encrypted = encrypt_file(bytes, input_format, output_format, &recipients, &options)
        .with_context(|| format!("cannot encrypt {}", args.input.path().display()))?;
    warn(&encrypted.warnings);
    args.output.write(&args.input, &encrypted.bytes, 0o644)
}

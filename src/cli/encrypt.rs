//! `secrets encrypt`.

use anyhow::Context;
use secrets::config::Overrides;
use secrets::encrypt::{encrypt_file, EncryptOptions};

use super::recipients::{recipient_groups, KeyArgs};
use super::{warn, CryptRuleArgs, Globals, Input, Output};

/// Encrypt a plaintext file (values only; keys, comments and layout stay).
///
/// Keys come from --age/--pgp, else from the first creation rule of .sops.yaml whose
/// path_regex matches the file.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: Input,
    #[command(flatten)]
    output: Output,
    #[command(flatten)]
    keys: KeyArgs,
    /// With several key groups, how many must be decrypted to recover the data key
    #[arg(long, value_name = "N")]
    shamir_secret_sharing_threshold: Option<usize>,
    #[command(flatten)]
    rules: CryptRuleArgs,
    /// Compute the MAC over encrypted values only, so plaintext values may be edited freely
    #[arg(long)]
    mac_only_encrypted: bool,
}

pub fn run(args: Args, globals: &Globals) -> anyhow::Result<()> {
    args.output.check(&args.input)?;
    let (input_format, output_format) = args.input.formats()?;
    let bytes = args.input.read()?;
    let settings = globals.discover()?.settings_for(
        args.input.name(),
        Overrides {
            keys: args.keys.specs()?,
            crypt_rule: args.rules.rule()?,
            mac_only_encrypted: args.mac_only_encrypted,
            shamir_threshold: args.shamir_secret_sharing_threshold,
        },
    )?;
    let recipients = recipient_groups(&settings)?;
    let options = EncryptOptions {
        crypt_rule: Some(settings.crypt_rule),
        mac_only_encrypted: settings.mac_only_encrypted,
        shamir_threshold: settings.shamir_threshold,
    };
    let encrypted = encrypt_file(bytes, input_format, output_format, &recipients, &options)
        .with_context(|| format!("cannot encrypt {}", args.input.path().display()))?;
    warn(&encrypted.warnings);
    args.output.write(&args.input, &encrypted.bytes, 0o644)
}

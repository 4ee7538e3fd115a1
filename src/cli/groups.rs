//! `secrets groups add|delete`: change a file's key groups; the data key stays, its shares
//! are made again for the new groups.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use secrets::keys::{self, Recipient};
use secrets::rewrap::Rekey;

use super::recipients::{KmsOptions, SOPS_ORDER};
use super::{file_format, keyring, to_stdout, warn_cipher, TypeArg};

/// Add or delete key groups (Shamir secret sharing: any N groups recover the data key)
#[derive(Subcommand)]
pub enum Command {
    /// Add a key group of the given keys
    Add(AddArgs),
    /// Delete the key group at INDEX (counted from 0, as sops does)
    Delete(DeleteArgs),
}

/// Options of both subcommands.
#[derive(clap::Args)]
pub struct Common {
    /// The encrypted file
    #[arg(short, long, value_name = "FILE")]
    file: PathBuf,
    /// Write the result back to the file instead of standard output
    #[arg(short = 'i', long)]
    in_place: bool,
    /// How many key groups are needed to recover the data key (default: the file's, or all)
    #[arg(long, value_name = "N")]
    shamir_secret_sharing_threshold: Option<usize>,
    /// Format of the file, instead of guessing it from its name
    #[arg(long, value_enum, value_name = "TYPE")]
    input_type: Option<TypeArg>,
    /// Key types to try first, comma-separated
    #[arg(long, env = "SOPS_DECRYPTION_ORDER", value_name = "TYPES")]
    decryption_order: Option<String>,
}

#[derive(clap::Args)]
pub struct AddArgs {
    #[command(flatten)]
    common: Common,
    /// An age recipient of the new group (repeatable, or comma-separated)
    #[arg(long, value_name = "RECIPIENT")]
    age: Vec<String>,
    /// A PGP fingerprint of the new group (repeatable, or comma-separated)
    #[arg(long, value_name = "FINGERPRINT")]
    pgp: Vec<String>,
    /// An AWS KMS key ARN (ARN[+ROLE_ARN]) of the new group (repeatable, or comma-separated)
    #[arg(long, value_name = "ARN")]
    kms: Vec<String>,
    /// A GCP KMS resource ID of the new group (repeatable, or comma-separated)
    #[arg(long, value_name = "ID")]
    gcp_kms: Vec<String>,
    /// An Azure Key Vault key URL of the new group (repeatable, or comma-separated)
    #[arg(long, value_name = "URL")]
    azure_kv: Vec<String>,
    /// A Vault transit key URI of the new group (repeatable, or comma-separated)
    #[arg(long, value_name = "URI")]
    hc_vault_transit: Vec<String>,
    #[command(flatten)]
    kms_options: KmsOptions,
}

#[derive(clap::Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    common: Common,
    /// Which group (0 is the first)
    #[arg(value_name = "INDEX")]
    index: usize,
}

pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Add(args) => {
            let lists = [
                &args.kms,
                &args.gcp_kms,
                &args.azure_kv,
                &args.pgp,
                &args.hc_vault_transit,
                &args.age,
            ];
            let lists: Vec<(&str, Option<String>)> = SOPS_ORDER
                .into_iter()
                .zip(lists)
                .flat_map(|(kind, lists)| lists.iter().map(move |l| (kind, Some(l.clone()))))
                .collect();
            let group = args
                .kms_options
                .specs(lists.iter().map(|(kind, list)| (*kind, list)))?
                .iter()
                .map(keys::recipient)
                .collect::<Result<Vec<Box<dyn Recipient>>, _>>()?;
            if group.is_empty() {
                anyhow::bail!(secrets::Error::NoRecipients);
            }
            change(&args.common, |groups| {
                groups.push(group);
                Ok(())
            })
        }
        Command::Delete(args) => change(&args.common, |groups| {
            if args.index >= groups.len() {
                anyhow::bail!(
                    "the file has {} key groups: INDEX must be 0 to {}",
                    groups.len(),
                    groups.len().saturating_sub(1)
                );
            }
            groups.remove(args.index);
            if groups.is_empty() {
                anyhow::bail!("the file's only key group cannot be deleted");
            }
            Ok(())
        }),
    }
}

/// Applies `edit` to the file's key groups and writes the re-wrapped file.
fn change(
    args: &Common,
    edit: impl FnOnce(&mut keys::RecipientGroups) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let format = file_format(args.input_type, &args.file);
    let file = Rekey::open(secrets::io::read_input(&args.file)?, format)?;
    let mut groups = file.recipients()?;
    edit(&mut groups)?;
    let threshold = args
        .shamir_secret_sharing_threshold
        .unwrap_or(file.metadata().shamir_threshold);
    if threshold > groups.len() {
        anyhow::bail!(secrets::Error::Rules(format!(
            "{} key groups would be left, fewer than the Shamir threshold {threshold}: lower it with --shamir-secret-sharing-threshold {}",
            groups.len(),
            groups.len()
        )));
    }
    let keyring = keyring(args.decryption_order.as_deref())?;
    let bytes = file
        .rewrap(&keyring, &groups, threshold)
        .with_context(|| format!("cannot change the key groups of {}", args.file.display()))?;
    if let Ok(cipher) = file.metadata().cipher() {
        warn_cipher(&args.file, cipher);
    }
    if args.in_place {
        return Ok(secrets::io::write_atomic(&args.file, &bytes, 0o644)?);
    }
    to_stdout(&bytes)
}

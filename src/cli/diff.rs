//! `secrets diff`: git's textconv for encrypted files.

use std::path::PathBuf;

use secrets::decrypt::{decrypt_file, DecryptOptions};
use secrets::format::FileFormat;
use secrets::Error;

use super::{keyring, to_stdout};

/// Print a file decrypted, for `git diff` and `git log -p` (textconv of the `secrets` diff
/// driver that `secrets git-setup` configures)
///
/// A file that is not encrypted is printed as it is. When it cannot be decrypted (no key,
/// damaged file), it is printed as it is too, with a one-line note on standard error.
#[derive(clap::Args)]
pub struct Args {
    /// The file (git passes a temporary copy named like the original)
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Key types to try first, comma-separated (e.g. age,pgp)
    #[arg(long, env = "SOPS_DECRYPTION_ORDER", value_name = "TYPES")]
    decryption_order: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let bytes = secrets::io::read_input(&args.file)?;
    let format = FileFormat::from_path(&args.file);
    let keyring = keyring(args.decryption_order.as_deref())?;
    let shown = match decrypt_file(
        bytes.clone(),
        format,
        format,
        &keyring,
        DecryptOptions::default(),
        None,
    ) {
        Ok(plain) => plain.bytes,
        Err(Error::MetadataNotFound) => bytes,
        Err(e) => {
            eprintln!(
                "secrets: note: showing {} encrypted: {e}",
                args.file.display()
            );
            bytes
        }
    };
    to_stdout(&shown)
}

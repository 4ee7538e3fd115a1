//! `secrets rotate`: a new data key for files, every value encrypted again, recipients
//! added or removed on the way.

use std::path::{Path, PathBuf};

use anyhow::Context;
use secrets::decrypt::DecryptOptions;
use secrets::format::FileFormat;
use secrets::keys::Keyring;
use secrets::tree::Patched;

use super::batch::{self, Progress};
use super::recipients::KeyChangeArgs;
use super::{keyring, to_stdout, warn, warn_cipher, Globals, TypeArg};

/// Generate a new data key and encrypt every value again with it
///
/// After --rm-age/--rm-pgp, the removed keys cannot decrypt the new file (they may still
/// have the old one in git history: rotate the secrets themselves too).
#[derive(clap::Args)]
pub struct Args {
    /// Encrypted files to rotate; with more than one, --in-place is needed
    #[arg(value_name = "FILE", required_unless_present = "all")]
    files: Vec<PathBuf>,
    /// Rotate every encrypted file under the .sops.yaml directory that a creation rule
    /// matches (files .gitignore excludes are skipped); needs --in-place
    #[arg(long, conflicts_with = "files", requires = "in_place")]
    all: bool,
    /// Write the result back to the file
    #[arg(short = 'i', long)]
    in_place: bool,
    /// Write the result to this file instead of standard output
    #[arg(long, value_name = "FILE", conflicts_with = "in_place")]
    output: Option<PathBuf>,
    /// Format of the input, instead of guessing it from the file name
    #[arg(long, value_enum, value_name = "TYPE")]
    input_type: Option<TypeArg>,
    /// Format of the output (default: the input's)
    #[arg(long, value_enum, value_name = "TYPE")]
    output_type: Option<TypeArg>,
    #[command(flatten)]
    changes: KeyChangeArgs,
    /// Do not verify the MAC (only for files whose content you trust)
    #[arg(long)]
    ignore_mac: bool,
    /// Key types to try first, comma-separated
    #[arg(long, env = "SOPS_DECRYPTION_ORDER", value_name = "TYPES")]
    decryption_order: Option<String>,
}

pub fn run(args: Args, globals: &Globals) -> anyhow::Result<()> {
    if args.files.len() > 1 && !args.in_place {
        anyhow::bail!(secrets::Error::Conflict(
            "rotating several files writes each back in place: pass --in-place".into()
        ));
    }
    // Check the key flags before any file is touched.
    args.changes.changes(args.all)?;
    let files = if args.all {
        let discovered = globals.discover()?;
        batch::files(Vec::new(), true, discovered.require()?)?
    } else {
        args.files.clone()
    };
    let keyring = keyring(args.decryption_order.as_deref())?;
    if !args.all && files.len() == 1 {
        let path = &files[0];
        let bytes = rotate_one(&args, &keyring, path)?.context("the file is not encrypted")?;
        return match (&args.output, args.in_place) {
            (Some(out), _) => Ok(secrets::io::write_atomic(out, &bytes, 0o644)?),
            (None, true) => Ok(secrets::io::write_atomic(path, &bytes, 0o644)?),
            (None, false) => to_stdout(&bytes),
        };
    }
    let mut progress = Progress::new(files.len());
    for path in &files {
        let result = rotate_one(&args, &keyring, path).and_then(|bytes| match bytes {
            Some(bytes) => {
                secrets::io::write_atomic(path, &bytes, 0o644)?;
                Ok(true)
            }
            None => Ok(false),
        });
        match result {
            Ok(true) => progress.report(&format!("{}: rotated", path.display())),
            Ok(false) => progress.skip(),
            Err(e) => progress.fail(path, &e),
        }
    }
    batch::summary("rotate", progress.finish(), files.len())
}

/// The rotated file; `None` with `--all` when the file is not encrypted.
fn rotate_one(args: &Args, keyring: &Keyring, path: &Path) -> anyhow::Result<Option<Patched>> {
    let Some((bytes, input_format)) = batch::read_encrypted(path, args.input_type, args.all)?
    else {
        return Ok(None);
    };
    let output_format = args.output_type.map_or(input_format, FileFormat::from);
    let rotated = secrets::rotate::rotate(
        bytes,
        input_format,
        output_format,
        keyring,
        args.changes.changes(args.all)?,
        DecryptOptions {
            ignore_mac: args.ignore_mac,
            ..DecryptOptions::default()
        },
    )
    .with_context(|| format!("cannot rotate {}", path.display()))?;
    warn(&rotated.warnings);
    warn_cipher(args.output.as_deref().unwrap_or(path), rotated.cipher);
    Ok(Some(rotated.bytes))
}

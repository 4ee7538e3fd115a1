//! `secrets decrypt`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Context;
use secrets::decrypt::{decrypt_file, decrypt_files, DecryptOptions, FileInput};
use secrets::format::FileFormat;
use secrets::keys::Keyring;
use secrets::Error;

use super::{keyring, warn, Input, Output};

/// Decrypt a file to standard output (or in place, or to --output); several files to
/// --output-dir or in place, their data keys recovered together.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: Input,
    /// More files to decrypt (with --output-dir or --in-place)
    #[arg(value_name = "MORE")]
    more: Vec<PathBuf>,
    #[command(flatten)]
    output: Output,
    /// Write each decrypted file into this directory, under its own name
    #[arg(long, value_name = "DIR")]
    output_dir: Option<PathBuf>,
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
    let keyring = keyring(args.decryption_order.as_deref())?;
    let options = DecryptOptions {
        ignore_mac: args.ignore_mac,
        ..DecryptOptions::default()
    };
    if !args.more.is_empty() || args.output_dir.is_some() {
        return run_many(&args, &keyring, options);
    }
    args.output.check(&args.input)?;
    let (input_format, output_format) = args.input.formats()?;
    let extract = args
        .extract
        .as_deref()
        .map(secrets::path::parse)
        .transpose()?;
    let bytes = args.input.read()?;
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
        && !args.output.force
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

/// Several files: each is written (atomically) where `--output-dir` or `--in-place` says;
/// a file that fails is reported and the others are still written.
fn run_many(args: &Args, keyring: &Keyring, options: DecryptOptions) -> anyhow::Result<()> {
    let conflict = |m: &str| Err(Error::Conflict(m.into()).into());
    if args.extract.is_some() || args.output.output.is_some() {
        return conflict("--extract and --output take one file; use --output-dir for several");
    }
    if args.output.in_place == args.output_dir.is_some() {
        return conflict("several files need either --output-dir DIR or --in-place");
    }
    let paths: Vec<&Path> = args
        .input
        .file
        .iter()
        .chain(&args.more)
        .map(PathBuf::as_path)
        .collect();
    let mut targets: Vec<PathBuf> = Vec::new();
    let mut inputs = Vec::new();
    for path in &paths {
        if secrets::io::is_stdin(path) {
            return conflict("standard input cannot be one of several files");
        }
        let target = match &args.output_dir {
            Some(dir) => dir.join(path.file_name().ok_or_else(|| {
                Error::Conflict(format!("{} is not a file name", path.display()))
            })?),
            None => path.to_path_buf(),
        };
        if targets.contains(&target) {
            return Err(Error::Conflict(format!(
                "two of the files would be written to {}",
                target.display()
            ))
            .into());
        }
        targets.push(target);
        let input = Input {
            file: Some(path.to_path_buf()),
            input_type: args.input.input_type,
            output_type: args.input.output_type,
            filename_override: None,
        };
        let (input_format, output_format) = input.formats()?;
        inputs.push(FileInput {
            bytes: input.read()?,
            input_format,
            output_format,
        });
    }
    if let Some(dir) = &args.output_dir {
        std::fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: dir.clone(),
            source,
        })?;
    }
    let results = decrypt_files(inputs, keyring, options);
    let mut first_error = None;
    let mut failed = 0;
    for ((path, target), result) in paths.iter().zip(&targets).zip(results) {
        let written = result.map_err(anyhow::Error::from).and_then(|plaintext| {
            warn(&plaintext.warnings);
            Ok(secrets::io::write_atomic(target, &plaintext.bytes, 0o600)?)
        });
        if let Err(e) = written {
            let e = e.context(format!("cannot decrypt {}", path.display()));
            failed += 1;
            match first_error {
                None => first_error = Some(e),
                Some(_) => {
                    super::report(&e);
                }
            }
        }
    }
    match first_error {
        None => Ok(()),
        Some(e) => Err(e.context(format!(
            "{failed} of {} files could not be decrypted, the first",
            paths.len()
        ))),
    }
}

//! `secrets set`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use secrets::change;
use secrets::encrypt::Encrypted;
use secrets::io::DirLock;
use secrets::path::PathSeg;
use secrets::rewrite::{Opened, Unlocked};
use secrets::tree::Document;
use secrets::Error;
use zeroize::Zeroizing;

use super::{file_format, lock_for_change, warn, warn_cipher, OpenArgs, TypeArg};

/// Set one value of an encrypted file (only that value's line changes, plus mac/lastmodified)
///
/// The value is JSON: '"text"', 42, true, null, '{"key": "value"}', '["a", "b"]'. A missing
/// key is added (with the maps above it); an index past the end of a list appends. To keep a
/// secret out of the process list, pass it with --value-stdin or --value-file.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    place: Place,
    /// The value as JSON (with --value-file: the file holding it)
    #[arg(
        value_name = "VALUE",
        required_unless_present = "value_stdin",
        allow_hyphen_values = true
    )]
    value: Option<String>,
    /// Read the value (JSON) from standard input
    #[arg(long, conflicts_with_all = ["value_file", "value"])]
    value_stdin: bool,
    /// VALUE is a file to read the value (JSON) from
    #[arg(long)]
    value_file: bool,
    /// Do not write the file when the value is already there
    #[arg(long)]
    idempotent: bool,
}

/// A place in an encrypted file, for `set` and `unset`.
#[derive(clap::Args)]
pub struct Place {
    /// The encrypted file (changed in place)
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Where, e.g. '["db"]["password"]' or '["hosts"][0]'
    #[arg(value_name = "PATH")]
    path: String,
    /// Format of the file, instead of guessing it from its name
    #[arg(long, value_enum, value_name = "TYPE")]
    input_type: Option<TypeArg>,
    #[command(flatten)]
    open: OpenArgs,
}

impl Place {
    /// The file (locked until the lock is dropped) with its data key, and the path.
    fn unlock(&self) -> anyhow::Result<(DirLock, Unlocked, Vec<PathSeg>)> {
        let format = file_format(self.input_type, &self.file);
        let at = secrets::path::parse(&self.path)
            .map_err(|e| Error::InvalidSet(format!("invalid path: {e}")))?;
        let lock = lock_for_change(&self.file)?;
        let unlocked = self.open.unlock_file(&self.file, format)?;
        Ok((lock, unlocked, at))
    }

    /// The file decrypted (and locked until the lock is dropped), its plaintext parsed,
    /// and the path.
    pub fn open(&self) -> anyhow::Result<(DirLock, Opened, Document, Vec<PathSeg>)> {
        let (lock, unlocked, at) = self.unlock()?;
        let opened = self.open.decrypt(&self.file, unlocked)?;
        let doc = opened.document()?;
        Ok((lock, opened, doc, at))
    }

    /// Writes the file again with `plaintext`, unless that changes nothing.
    pub fn save(&self, opened: &Opened, plaintext: Vec<u8>) -> anyhow::Result<()> {
        self.write(opened.seal(plaintext)?)
    }

    /// Writes the file, unless its content would not change.
    fn write(&self, sealed: Encrypted) -> anyhow::Result<()> {
        warn(&sealed.warnings);
        let before = secrets::io::read_input(&self.file)?;
        if sealed.bytes != *before {
            warn_cipher(&self.file, sealed.cipher);
            secrets::io::write_atomic(&self.file, &sealed.bytes, 0o644)?;
        }
        Ok(())
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let value = Zeroizing::new(if args.value_stdin {
        text_of(Path::new("-"))?
    } else if args.value_file {
        text_of(Path::new(args.value.as_deref().unwrap_or_default()))?
    } else {
        args.value.clone().unwrap_or_default()
    });
    let value = change::parse_json_value(&value)?;
    let (_lock, unlocked, at) = args.place.unlock()?;
    // Most sets replace one encrypted value: done on the encrypted file, it costs one
    // decryption pass instead of a decryption and an encryption.
    let options = args.place.open.options();
    let in_place = unlocked
        .set_in_place(&at, &value, options)
        .with_context(|| format!("cannot decrypt {}", args.place.file.display()))?;
    if let Some(set) = in_place {
        if !set.changed && args.idempotent {
            return Ok(());
        }
        return args.place.write(set.file);
    }
    let opened = args.place.open.decrypt(&args.place.file, unlocked)?;
    let doc = opened.document()?;
    let changed = change::set(opened.format().format(), &doc, &at, &value)?;
    if !changed.changed && args.idempotent {
        return Ok(());
    }
    args.place.save(&opened, changed.text)
}

fn text_of(path: &Path) -> anyhow::Result<String> {
    let bytes = secrets::io::read_input(path)?;
    Ok(String::from_utf8(bytes).map_err(|_| Error::InvalidSet("the value is not UTF-8".into()))?)
}

//! `secrets set`.

use std::path::PathBuf;

use anyhow::Context;
use secrets::change;
use secrets::rewrite::Opened;
use secrets::Error;

use super::{format_of, warn, OpenArgs, TypeArg};

/// Set one value of an encrypted file (only that value's line changes, plus mac/lastmodified)
///
/// The value is JSON: '"text"', 42, true, null, '{"key": "value"}', '["a", "b"]'. A missing
/// key is added (with the maps above it); an index past the end of a list appends. To keep a
/// secret out of the process list, pass it with --value-stdin or --value-file.
#[derive(clap::Args)]
pub struct Args {
    /// The encrypted file (changed in place)
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Where, e.g. '["db"]["password"]' or '["hosts"][0]'
    #[arg(value_name = "PATH")]
    path: String,
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
    /// Format of the file, instead of guessing it from its name
    #[arg(long, value_enum, value_name = "TYPE")]
    input_type: Option<TypeArg>,
    #[command(flatten)]
    open: OpenArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let format = format_of(&args.file, args.input_type)?;
    let at = secrets::path::parse(&args.path)
        .map_err(|e| Error::InvalidSet(format!("invalid set path: {e}")))?;
    let text = if args.value_stdin {
        let bytes = secrets::io::read_input(std::path::Path::new("-"))?;
        String::from_utf8(bytes).map_err(|_| Error::InvalidSet("the value is not UTF-8".into()))?
    } else if args.value_file {
        let path = PathBuf::from(args.value.as_deref().unwrap_or_default());
        let bytes = secrets::io::read_input(&path)?;
        String::from_utf8(bytes).map_err(|_| Error::InvalidSet("the value is not UTF-8".into()))?
    } else {
        args.value.clone().unwrap_or_default()
    };
    let value = zeroize::Zeroizing::new(text);
    let value = change::parse_json_value(&value)?;

    let bytes = secrets::io::read_input(&args.file)?;
    let opened = Opened::open(
        bytes.clone(),
        format,
        &args.open.keyring()?,
        args.open.options(),
    )
    .with_context(|| format!("cannot decrypt {}", args.file.display()))?;
    warn(&opened.warnings);
    let doc = opened.document()?;
    let changed = change::set(format.format(), &doc, &at, &value)?;
    if !changed.changed && args.idempotent {
        return Ok(());
    }
    let sealed = opened.seal(changed.text)?;
    warn(&sealed.warnings);
    if sealed.bytes != bytes {
        secrets::io::write_atomic(&args.file, &sealed.bytes, 0o644)?;
    }
    Ok(())
}

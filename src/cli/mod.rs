//! Command-line definitions (one module per subcommand) and error reporting.

mod child;
mod decrypt;
mod edit;
mod encrypt;
mod exec_env;
mod exec_file;
mod filestatus;
mod keygen;
mod set;
mod unset;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use secrets::decrypt::DecryptOptions;
use secrets::format::FileFormat;
use secrets::keys::{self, Keyring, RecipientGroups};
use secrets::rewrite::Opened;
use secrets::rules::CryptRule;
use secrets::Error;

/// Keep secret files encrypted in git, value by value, in the SOPS format.
///
/// secrets encrypts only the values of YAML, JSON and dotenv files: keys, comments and
/// layout stay readable, and `git diff` shows which setting changed. Files are SOPS files:
/// `sops` reads what secrets writes, and the other way round.
#[derive(Parser)]
#[command(name = "secrets", version, max_term_width = 100)]
#[command(
    after_help = "Quick start:\n  secrets keygen                      # new age key in the SOPS key file\n  secrets encrypt --age age1... -i config.yaml\n  secrets decrypt config.yaml"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Encrypt(encrypt::Args),
    Decrypt(decrypt::Args),
    Edit(edit::Args),
    Set(set::Args),
    Unset(unset::Args),
    ExecEnv(exec_env::Args),
    ExecFile(exec_file::Args),
    Filestatus(filestatus::Args),
    Keygen(keygen::Args),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => secrets::exit_code::GENERIC,
            };
        }
    };
    let result = match cli.command {
        Command::Encrypt(args) => encrypt::run(args),
        Command::Decrypt(args) => decrypt::run(args),
        Command::Edit(args) => edit::run(args),
        Command::Set(args) => set::run(args),
        Command::Unset(args) => unset::run(args),
        Command::ExecEnv(args) => exec_env::run(args),
        Command::ExecFile(args) => exec_file::run(args),
        Command::Filestatus(args) => filestatus::run(args),
        Command::Keygen(args) => keygen::run(args),
    };
    match result {
        Ok(()) => 0,
        Err(err) => report(&err),
    }
}

/// Prints an error as one line and returns its exit code.
fn report(err: &anyhow::Error) -> i32 {
    if let Some(exit) = err.downcast_ref::<child::Exit>() {
        if let Some(message) = &exit.message {
            eprintln!("secrets: {message}");
        }
        return exit.code;
    }
    let message = err
        .chain()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join(": ");
    eprintln!("secrets: {message}");
    err.chain()
        .find_map(|e| e.downcast_ref::<Error>())
        .map_or(secrets::exit_code::GENERIC, Error::exit_code)
}

/// Prints warnings from the library.
fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("secrets: warning: {w}");
    }
}

/// A file format on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum TypeArg {
    Yaml,
    Json,
    Dotenv,
}

impl From<TypeArg> for FileFormat {
    fn from(t: TypeArg) -> FileFormat {
        match t {
            TypeArg::Yaml => FileFormat::Yaml,
            TypeArg::Json => FileFormat::Json,
            TypeArg::Dotenv => FileFormat::Dotenv,
        }
    }
}

/// The input file and its formats.
#[derive(Args)]
struct Input {
    /// The file; `-` or none reads standard input
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    /// Format of the input, instead of guessing it from the file name
    #[arg(long, value_enum, value_name = "TYPE")]
    input_type: Option<TypeArg>,
    /// Format of the output (default: the input's)
    #[arg(long, value_enum, value_name = "TYPE")]
    output_type: Option<TypeArg>,
    /// Name to guess formats from, for standard input
    #[arg(long, value_name = "NAME")]
    filename_override: Option<PathBuf>,
}

impl Input {
    fn path(&self) -> &Path {
        self.file.as_deref().unwrap_or(Path::new("-"))
    }

    fn is_stdin(&self) -> bool {
        secrets::io::is_stdin(self.path())
    }

    fn read(&self) -> anyhow::Result<Vec<u8>> {
        Ok(secrets::io::read_input(self.path())?)
    }

    /// The input and output formats.
    fn formats(&self) -> anyhow::Result<(FileFormat, FileFormat)> {
        let name = self.filename_override.as_deref().or(if self.is_stdin() {
            None
        } else {
            self.file.as_deref()
        });
        let input = match (self.input_type, name) {
            (Some(t), _) => t.into(),
            (None, Some(name)) => FileFormat::from_path(name).ok_or_else(|| {
                Error::Unsupported(format!(
                    "cannot tell the format of {} from its name; pass --input-type yaml, json or dotenv",
                    name.display()
                ))
            })?,
            (None, None) => {
                return Err(Error::Conflict(
                    "reading standard input needs --input-type (or --filename-override)".into(),
                )
                .into())
            }
        };
        let output = self.output_type.map_or(input, FileFormat::from);
        Ok((input, output))
    }
}

/// Where the result goes.
#[derive(Args)]
struct Output {
    /// Write the result back to the input file
    #[arg(short = 'i', long)]
    in_place: bool,
    /// Write the result to this file instead of standard output
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

impl Output {
    /// Writes `bytes`; files are replaced atomically, new ones created with `mode`.
    fn write(&self, input: &Input, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
        match (self.in_place, &self.output) {
            (true, Some(_)) => Err(Error::Conflict(
                "--in-place and --output cannot be used together".into(),
            )
            .into()),
            (true, None) if input.is_stdin() => {
                Err(Error::Conflict("--in-place needs a file, not standard input".into()).into())
            }
            (true, None) => Ok(secrets::io::write_atomic(input.path(), bytes, mode)?),
            (false, Some(path)) => Ok(secrets::io::write_atomic(path, bytes, mode)?),
            (false, None) => {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes)
                    .and_then(|()| out.flush())
                    .context("cannot write to standard output")
            }
        }
    }

    /// Checks the options before any work is done.
    fn check(&self, input: &Input) -> anyhow::Result<()> {
        if self.in_place && (self.output.is_some() || input.is_stdin()) {
            return self.write(input, &[], 0);
        }
        Ok(())
    }
}

/// Which values are encrypted (at most one of these).
#[derive(Args, Default)]
struct CryptRuleArgs {
    /// Keep values under keys ending with this suffix in plaintext [default: _unencrypted]
    #[arg(long, value_name = "SUFFIX")]
    unencrypted_suffix: Option<String>,
    /// Encrypt only values under keys ending with this suffix
    #[arg(long, value_name = "SUFFIX")]
    encrypted_suffix: Option<String>,
    /// Keep values under keys matching this regex in plaintext
    #[arg(long, value_name = "REGEX")]
    unencrypted_regex: Option<String>,
    /// Encrypt only values under keys matching this regex
    #[arg(long, value_name = "REGEX")]
    encrypted_regex: Option<String>,
    /// Keep values after a comment matching this regex in plaintext
    #[arg(long, value_name = "REGEX")]
    unencrypted_comment_regex: Option<String>,
    /// Encrypt only values after a comment matching this regex
    #[arg(long, value_name = "REGEX")]
    encrypted_comment_regex: Option<String>,
}

impl CryptRuleArgs {
    /// The rule given, if any; more than one is an error.
    fn rule(&self) -> anyhow::Result<Option<CryptRule>> {
        let given: Vec<CryptRule> = [
            self.unencrypted_suffix
                .clone()
                .map(CryptRule::UnencryptedSuffix),
            self.encrypted_suffix
                .clone()
                .map(CryptRule::EncryptedSuffix),
            self.unencrypted_regex
                .clone()
                .map(CryptRule::UnencryptedRegex),
            self.encrypted_regex.clone().map(CryptRule::EncryptedRegex),
            self.unencrypted_comment_regex
                .clone()
                .map(CryptRule::UnencryptedCommentRegex),
            self.encrypted_comment_regex
                .clone()
                .map(CryptRule::EncryptedCommentRegex),
        ]
        .into_iter()
        .flatten()
        .collect();
        if given.len() > 1 {
            return Err(Error::Conflict(
                "use only one of --unencrypted-suffix, --encrypted-suffix, --unencrypted-regex, --encrypted-regex, --unencrypted-comment-regex, --encrypted-comment-regex".into(),
            )
            .into());
        }
        Ok(given.into_iter().next())
    }
}

/// How to open an encrypted file.
#[derive(Args)]
struct OpenArgs {
    /// Do not verify the MAC (only for files whose content you trust)
    #[arg(long)]
    ignore_mac: bool,
    /// Key types to try first, comma-separated (e.g. age,pgp)
    #[arg(long, env = "SOPS_DECRYPTION_ORDER", value_name = "TYPES")]
    decryption_order: Option<String>,
}

impl OpenArgs {
    /// The identities of this machine, tried in the order asked for.
    fn keyring(&self) -> anyhow::Result<Keyring> {
        let mut keyring = Keyring::from_env();
        if let Some(order) = &self.decryption_order {
            let order: Vec<String> = order
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            keyring.set_order(&order)?;
        }
        Ok(keyring)
    }

    fn options(&self) -> DecryptOptions {
        DecryptOptions {
            ignore_mac: self.ignore_mac,
        }
    }

    /// Reads and decrypts an encrypted file, keeping what re-encrypting it needs.
    fn open_file(&self, file: &Path, format: FileFormat) -> anyhow::Result<Opened> {
        let bytes = secrets::io::read_input(file)?;
        let opened = Opened::open(bytes, format, &self.keyring()?, self.options())
            .with_context(|| format!("cannot decrypt {}", file.display()))?;
        warn(&opened.warnings);
        Ok(opened)
    }
}

/// The keys a new file is encrypted for.
#[derive(Args)]
struct KeyArgs {
    /// age recipients to encrypt for, comma-separated
    #[arg(short, long, env = "SOPS_AGE_RECIPIENTS", value_name = "RECIPIENTS")]
    age: Option<String>,
}

impl KeyArgs {
    /// Whether keys were given.
    fn given(&self) -> bool {
        self.age.as_deref().is_some_and(|a| !a.trim().is_empty())
    }

    /// The recipients of a new file. Every command that creates an encrypted file resolves
    /// its keys here.
    fn recipients(&self) -> anyhow::Result<RecipientGroups> {
        let mut group = Vec::new();
        if let Some(list) = &self.age {
            group.extend(keys::parse_recipients("age", list)?);
        }
        if group.is_empty() {
            return Err(Error::NoRecipients.into());
        }
        Ok(vec![group])
    }
}

/// The format of a file named on the command line.
fn format_of(path: &Path, given: Option<TypeArg>) -> anyhow::Result<FileFormat> {
    match given {
        Some(t) => Ok(t.into()),
        None => FileFormat::from_path(path).ok_or_else(|| {
            Error::Unsupported(format!(
                "cannot tell the format of {} from its name; pass --input-type yaml, json or dotenv",
                path.display()
            ))
            .into()
        }),
    }
}

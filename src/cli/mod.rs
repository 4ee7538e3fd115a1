//! Command-line definitions (one module per subcommand) and error reporting.

mod audit;
mod batch;
mod check;
mod child;
mod completions;
mod decrypt;
mod diff;
mod edit;
mod encrypt;
mod exec_env;
mod exec_file;
mod filestatus;
mod gitsetup;
mod groups;
mod keygen;
mod merge;
mod recipients;
mod rotate;
mod set;
mod unset;
mod updatekeys;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use secrets::config::Discovered;
use secrets::crypto::Cipher;
use secrets::decrypt::DecryptOptions;
use secrets::format::FileFormat;
use secrets::git;
use secrets::io::Contents;
use secrets::keys::Keyring;
use secrets::rewrite::{Opened, Unlocked};
use secrets::rules::CryptRule;
use secrets::Error;

/// Keep secret files encrypted in git, value by value, in the SOPS format.
///
/// secrets encrypts only the values of YAML, JSON, dotenv, INI and TOML files (other files
/// whole): keys, comments and layout stay readable, and `git diff` shows which setting
/// changed. Files are SOPS files: `sops` reads what secrets writes, and the other way round.
#[derive(Parser)]
#[command(name = "secrets", version, max_term_width = 100)]
#[command(
    after_help = "Quick start:\n  secrets keygen                      # new age key in the SOPS key file\n  secrets encrypt --age age1... -i config.yaml\n  secrets decrypt config.yaml"
)]
pub struct Cli {
    #[command(flatten)]
    globals: Globals,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Encrypt(Box<encrypt::Args>),
    Decrypt(decrypt::Args),
    Edit(edit::Args),
    Set(set::Args),
    Unset(unset::Args),
    ExecEnv(exec_env::Args),
    ExecFile(exec_file::Args),
    Rotate(rotate::Args),
    Updatekeys(updatekeys::Args),
    #[command(subcommand)]
    Groups(groups::Command),
    Filestatus(filestatus::Args),
    Keygen(keygen::Args),
    Check(check::Args),
    Audit(audit::Args),
    Diff(diff::Args),
    Merge(merge::Args),
    GitSetup(gitsetup::Args),
    Completions(completions::CompletionsArgs),
    Man(completions::ManArgs),
}

/// Options of every command.
#[derive(Args)]
struct Globals {
    /// The .sops.yaml to use, instead of the first one found from the current directory up
    #[arg(long, global = true, env = "SOPS_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
}

impl Globals {
    /// The `.sops.yaml` in effect, its warnings printed.
    fn discover(&self) -> anyhow::Result<Discovered> {
        let cwd = std::env::current_dir().context("cannot tell the current directory")?;
        let discovered = Discovered::new(self.config.as_deref(), &cwd)?;
        warn(&discovered.warnings);
        Ok(discovered)
    }
}

/// The keyring of this machine, trying key types in `order` (`--decryption-order`) first.
fn keyring(order: Option<&str>) -> anyhow::Result<Keyring> {
    let mut keyring = Keyring::from_env();
    if let Some(order) = order {
        let order: Vec<String> = order
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        keyring.set_order(&order)?;
    }
    Ok(keyring)
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
        Command::Encrypt(args) => encrypt::run(*args, &cli.globals),
        Command::Decrypt(args) => decrypt::run(args),
        Command::Edit(args) => edit::run(args, &cli.globals),
        Command::Set(args) => set::run(args),
        Command::Unset(args) => unset::run(args),
        Command::ExecEnv(args) => exec_env::run(args),
        Command::ExecFile(args) => exec_file::run(args),
        Command::Rotate(args) => rotate::run(args, &cli.globals),
        Command::Updatekeys(args) => updatekeys::run(args, &cli.globals),
        Command::Groups(command) => groups::run(command),
        Command::Filestatus(args) => filestatus::run(args),
        Command::Keygen(args) => keygen::run(args),
        Command::Check(args) => check::run(args, &cli.globals),
        Command::Audit(args) => audit::run(args, &cli.globals),
        Command::Diff(args) => diff::run(args),
        Command::Merge(args) => merge::run(args),
        Command::GitSetup(args) => gitsetup::run(args, &cli.globals),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => completions::man(args),
    };
    match result {
        Ok(()) => 0,
        Err(err) => report(&err),
    }
}

/// An error and its causes on one line.
fn one_line(err: &anyhow::Error) -> String {
    err.chain()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join(": ")
}

/// Prints an error as one line and returns its exit code.
fn report(err: &anyhow::Error) -> i32 {
    if let Some(exit) = err.downcast_ref::<child::Exit>() {
        if let Some(message) = &exit.message {
            eprintln!("secrets: {message}");
        }
        return exit.code;
    }
    // A reader that stopped reading (`secrets decrypt f | head`) is not an error to report.
    let broken_pipe = err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return 0;
    }
    eprintln!("secrets: {}", one_line(err));
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

/// Says that sops cannot read `file` when it is written with such a cipher: everyone who
/// reads it needs secrets.
fn warn_cipher(file: &Path, cipher: Cipher) {
    if !cipher.sops_reads() {
        eprintln!(
            "secrets: warning: {} is encrypted with {cipher}, which sops cannot decrypt; if anyone reads this file with sops, encrypt it with the default cipher instead (--cipher aes256-gcm)",
            file.display()
        );
    }
}

/// A value cipher on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum CipherArg {
    /// AES256_GCM, the SOPS cipher: sops and secrets read the file (the default)
    #[value(name = "aes256-gcm")]
    Aes256Gcm,
    /// XCHACHA20_POLY1305: only secrets reads the file, sops cannot
    #[value(name = "xchacha20-poly1305")]
    XChaCha20Poly1305,
}

impl From<CipherArg> for Cipher {
    fn from(c: CipherArg) -> Cipher {
        match c {
            CipherArg::Aes256Gcm => Cipher::Aes256Gcm,
            CipherArg::XChaCha20Poly1305 => Cipher::XChaCha20Poly1305,
        }
    }
}

/// A file format on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum TypeArg {
    Yaml,
    Json,
    Dotenv,
    Ini,
    Toml,
    Binary,
}

impl From<TypeArg> for FileFormat {
    fn from(t: TypeArg) -> FileFormat {
        match t {
            TypeArg::Yaml => FileFormat::Yaml,
            TypeArg::Json => FileFormat::Json,
            TypeArg::Dotenv => FileFormat::Dotenv,
            TypeArg::Ini => FileFormat::Ini,
            TypeArg::Toml => FileFormat::Toml,
            TypeArg::Binary => FileFormat::Binary,
        }
    }
}

/// The input file and its formats.
#[derive(Args)]
struct Input {
    /// The file; `-` or none reads standard input
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    /// Format of the input, instead of the one its file name says (unknown names: binary)
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

    /// The name formats and creation rules go by: `--filename-override`, else the file.
    fn name(&self) -> Option<&Path> {
        self.filename_override.as_deref().or(if self.is_stdin() {
            None
        } else {
            self.file.as_deref()
        })
    }

    /// The input and output formats.
    fn formats(&self) -> anyhow::Result<(FileFormat, FileFormat)> {
        let input = match self.name() {
            Some(name) => file_format(self.input_type, name),
            None => self.input_type.map(FileFormat::from).ok_or_else(|| {
                Error::Conflict(
                    "reading standard input needs --input-type (or --filename-override)".into(),
                )
            })?,
        };
        let output = self.output_type.map_or(input, FileFormat::from);
        Ok((input, output))
    }
}

/// The format of a file: the type given, else guessed from its name.
fn file_format(given: Option<TypeArg>, name: &Path) -> FileFormat {
    given.map_or_else(|| FileFormat::from_path(name), FileFormat::from)
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
    /// Write through a symbolic link that leads out of the file's directory, or binary data
    /// to a terminal
    #[arg(long)]
    force: bool,
}

impl Output {
    /// Writes `bytes`; files are replaced atomically, new ones created with `mode`.
    fn write(
        &self,
        input: &Input,
        bytes: &(impl Contents + ?Sized),
        mode: u32,
    ) -> anyhow::Result<()> {
        match (self.in_place, &self.output) {
            (true, Some(_)) => Err(Error::Conflict(
                "--in-place and --output cannot be used together".into(),
            )
            .into()),
            (true, None) if input.is_stdin() => {
                Err(Error::Conflict("--in-place needs a file, not standard input".into()).into())
            }
            (true, None) => self.to_file(input.path(), bytes, mode),
            (false, Some(path)) => self.to_file(path, bytes, mode),
            (false, None) => to_stdout(bytes),
        }
    }

    fn to_file(
        &self,
        path: &Path,
        bytes: &(impl Contents + ?Sized),
        mode: u32,
    ) -> anyhow::Result<()> {
        Ok(match self.force {
            true => secrets::io::write_atomic_through(path, bytes, mode),
            false => secrets::io::write_atomic(path, bytes, mode),
        }?)
    }

    /// Checks the options before any work is done.
    fn check(&self, input: &Input) -> anyhow::Result<()> {
        if self.in_place && (self.output.is_some() || input.is_stdin()) {
            return self.write(input, b"", 0);
        }
        Ok(())
    }
}

/// Writes `bytes` to standard output.
fn to_stdout(bytes: &(impl Contents + ?Sized)) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    bytes
        .write_to(&mut out)
        .and_then(|()| out.flush())
        .context("cannot write to standard output")
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

/// The lock that makes runs changing `file` take turns, saying so when it has to wait.
fn lock_for_change(file: &Path) -> anyhow::Result<secrets::io::DirLock> {
    Ok(secrets::io::DirLock::acquire(file, |dir| {
        eprintln!(
            "secrets: waiting for another secrets run changing files in {}",
            dir.display()
        )
    })?)
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
    fn keyring(&self) -> anyhow::Result<Keyring> {
        keyring(self.decryption_order.as_deref())
    }

    fn options(&self) -> DecryptOptions {
        DecryptOptions {
            ignore_mac: self.ignore_mac,
            ..DecryptOptions::default()
        }
    }

    /// Reads and decrypts an encrypted file, keeping what re-encrypting it needs.
    fn open_file(&self, file: &Path, format: FileFormat) -> anyhow::Result<Opened> {
        self.decrypt(file, self.unlock_file(file, format)?)
    }

    /// Reads an encrypted file and recovers its data key.
    fn unlock_file(&self, file: &Path, format: FileFormat) -> anyhow::Result<Unlocked> {
        let bytes = secrets::io::read_input(file)?;
        Unlocked::open(bytes, format, &self.keyring()?)
            .with_context(|| format!("cannot decrypt {}", file.display()))
    }

    /// Decrypts a file [`OpenArgs::unlock_file`] read.
    fn decrypt(&self, file: &Path, unlocked: Unlocked) -> anyhow::Result<Opened> {
        let opened = unlocked
            .decrypt(self.options())
            .with_context(|| format!("cannot decrypt {}", file.display()))?;
        warn(&opened.warnings);
        Ok(opened)
    }
}

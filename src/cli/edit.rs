//! `secrets edit`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use secrets::config::Overrides;
use secrets::crypto::Cipher;
use secrets::encrypt::{encrypt_file, EncryptOptions, Encrypted};
use secrets::format::FileFormat;
use secrets::keys::age::split_command;
use secrets::plain::Plain;
use secrets::rewrite::Opened;
use secrets::value::Scalar;
use secrets::Error;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::child::{self, Exit, PrivateDir};
use super::recipients::{recipient_groups, KeyArgs};
use super::{
    file_format, lock_for_change, warn, warn_cipher, CipherArg, CryptRuleArgs, Globals, OpenArgs,
    TypeArg,
};

/// Edit an encrypted file in your editor; only the values you change are re-encrypted
///
/// The plaintext goes to a private file (mode 0600, in $XDG_RUNTIME_DIR or the system's
/// temporary directory, never next to the file), removed however the edit ends. The editor
/// is $SOPS_EDITOR, $VISUAL or $EDITOR (arguments allowed), else vi. Saving re-encrypts with
/// the file's data key: unchanged values keep their ciphertext. A file that does not exist
/// is created from a short template, for the keys given with --age/--pgp, else those of the
/// first creation rule of .sops.yaml whose path_regex matches it.
#[derive(clap::Args)]
pub struct Args {
    /// The encrypted file
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Format of the file, instead of guessing it from its name
    #[arg(long, value_enum, value_name = "TYPE")]
    input_type: Option<TypeArg>,
    #[command(flatten)]
    keys: KeyArgs,
    #[command(flatten)]
    rules: CryptRuleArgs,
    /// Cipher of the values of a new file (default: aes256-gcm); a file keeps its own
    #[arg(long, value_enum, value_name = "CIPHER")]
    cipher: Option<CipherArg>,
    #[command(flatten)]
    open: OpenArgs,
}

/// What the edited plaintext is encrypted into.
enum Target {
    /// An existing file, with its data key.
    Existing(Box<Opened>),
    /// A new file.
    New {
        recipients: secrets::keys::RecipientGroups,
        options: EncryptOptions,
    },
}

impl Target {
    fn seal(&self, format: FileFormat, plaintext: Vec<u8>) -> Result<Encrypted, Error> {
        match self {
            Target::Existing(opened) => opened.seal(plaintext),
            Target::New {
                recipients,
                options,
            } => encrypt_file(plaintext, format, format, recipients, options),
        }
    }
}

pub fn run(args: Args, globals: &Globals) -> anyhow::Result<()> {
    let format = file_format(args.input_type, &args.file);
    child::install();
    // Held until the file is written: a concurrent `set` or `edit` waits for this edit.
    let _lock = lock_for_change(&args.file)?;
    let (target, plaintext) = if args.file.exists() {
        let opened = args.open.open_file(&args.file, format)?;
        let cipher = opened.metadata().cipher()?;
        if let Some(asked) = args.cipher.map(Cipher::from).filter(|&c| c != cipher) {
            return Err(Error::Conflict(format!(
                "{} is encrypted with {cipher}, and edit keeps a file's cipher: to change it to {asked}, decrypt the file and encrypt it again with --cipher",
                args.file.display()
            ))
            .into());
        }
        let plaintext = Zeroizing::new(opened.plaintext().to_vec());
        (Target::Existing(Box::new(opened)), plaintext)
    } else {
        let settings = globals.discover()?.settings_for(
            Some(&args.file),
            Overrides {
                keys: args.keys.specs()?,
                crypt_rule: args.rules.rule()?,
                mac_only_encrypted: false,
                shamir_threshold: None,
            },
        )?;
        let target = Target::New {
            recipients: recipient_groups(&settings)?,
            options: EncryptOptions {
                crypt_rule: Some(settings.crypt_rule),
                mac_only_encrypted: settings.mac_only_encrypted,
                shamir_threshold: settings.shamir_threshold,
                cipher: args.cipher.map_or_else(Cipher::default, Cipher::from),
            },
        };
        (target, Zeroizing::new(template(format)?))
    };
    let editor = editor()?;
    let dir = PrivateDir::new(&private_base(), ".secrets-edit-")
        .context("cannot create a private directory for the plaintext")?;
    let name = args
        .file
        .file_name()
        .map_or_else(|| "secrets".into(), |n| n.to_os_string());
    let temp = dir.path().join(name);
    child::create_private_file(&temp, &plaintext)
        .with_context(|| format!("cannot write {}", temp.display()))?;
    let original = digest(&plaintext);
    let mut last_failure = None;
    loop {
        run_editor(&editor, &temp)?;
        let edited = Zeroizing::new(
            std::fs::read(&temp).with_context(|| format!("cannot read {}", temp.display()))?,
        );
        let hash = digest(&edited);
        if hash == original {
            return Err(Error::FileUnchanged.into());
        }
        match target.seal(format, edited.to_vec()) {
            Ok(sealed) => {
                warn(&sealed.warnings);
                warn_cipher(&args.file, sealed.cipher);
                secrets::io::write_atomic(&args.file, &sealed.bytes, 0o644)?;
                return Ok(());
            }
            Err(e) => {
                eprintln!("secrets: the edited file cannot be saved: {e}");
                if !reopen(last_failure == Some(hash))? {
                    return Err(Exit {
                        code: e.exit_code(),
                        message: Some(format!(
                            "nothing was written; {} is unchanged",
                            args.file.display()
                        )),
                    }
                    .into());
                }
                last_failure = Some(hash);
            }
        }
    }
}

/// Whether to open the editor again after a failed save: asked on a terminal; otherwise yes,
/// unless the editor returned the same failing text twice (it cannot fix it).
fn reopen(same_as_last_failure: bool) -> anyhow::Result<bool> {
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        let answer = dialoguer::Confirm::new()
            .with_prompt("Open the editor again to fix it? (no discards your changes)")
            .default(true)
            .interact_opt()
            .unwrap_or(Some(false));
        return Ok(answer == Some(true));
    }
    Ok(!same_as_last_failure)
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Where the plaintext may be written: a per-user runtime directory (memory-backed on most
/// systems) when there is one.
fn private_base() -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute() && d.is_dir())
        .unwrap_or_else(std::env::temp_dir)
}

/// The editor command: $SOPS_EDITOR, $VISUAL or $EDITOR, split as a shell would; else vi.
fn editor() -> anyhow::Result<Vec<String>> {
    for var in ["SOPS_EDITOR", "VISUAL", "EDITOR"] {
        let Ok(value) = std::env::var(var) else {
            continue;
        };
        if value.trim().is_empty() {
            continue;
        }
        return match split_command(&value) {
            Some(words) if !words.is_empty() => Ok(words),
            _ => Err(Error::NoEditor(format!(
                "cannot read the editor command in ${var}: check its quotes"
            ))
            .into()),
        };
    }
    Ok(vec!["vi".into()])
}

fn run_editor(editor: &[String], file: &Path) -> anyhow::Result<()> {
    let mut cmd = Command::new(&editor[0]);
    cmd.args(&editor[1..]).arg(file);
    let ended = child::run(&mut cmd).map_err(|e| {
        Error::NoEditor(format!(
            "cannot start the editor {:?}: {e}; set SOPS_EDITOR, VISUAL or EDITOR",
            editor[0]
        ))
    })?;
    if let Some(signal) = ended.signal {
        return Err(Exit {
            code: child::signal_exit_code(signal),
            message: Some("interrupted; nothing was written".into()),
        }
        .into());
    }
    if !ended.status.success() {
        return Err(Error::NoEditor(format!(
            "the editor {:?} failed ({}); nothing was written",
            editor[0], ended.status
        ))
        .into());
    }
    Ok(())
}

/// The content of a new file: an example value, under a comment where the format has
/// `#` comments; nothing for a binary file.
fn template(format: FileFormat) -> anyhow::Result<Vec<u8>> {
    if format == FileFormat::Binary {
        // The whole text is the secret: a hint would be encrypted with it.
        return Ok(Vec::new());
    }
    let example = Plain::Map(vec![(
        "example_key".into(),
        Plain::Scalar(Scalar::str("example value")),
    )]);
    let body = format.format().emit(&example)?;
    let mut commented = b"# New secrets file: values are encrypted when you save, keys and\n# comments stay readable. Replace the example below.\n".to_vec();
    commented.extend_from_slice(&body);
    Ok(if format.format().parse(commented.clone()).is_ok() {
        commented
    } else {
        body
    })
}

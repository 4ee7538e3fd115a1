//! `secrets encrypt`.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::Context;
use secrets::config::Overrides;
use secrets::crypto::Cipher;
use secrets::decrypt::DecryptOptions;
use secrets::encrypt::{encrypt_new, plaintext_document, EncryptOptions};
use secrets::format::FileFormat;
use secrets::keys::{self, Keyring};
use secrets::rewrite::Opened;

use super::recipients::{recipient_groups, KeyArgs};
use super::{warn, warn_cipher, CipherArg, CryptRuleArgs, Globals, Input, Output};

/// Encrypt a plaintext file (values only; keys, comments and layout stay)
///
/// Keys come from --age/--pgp, else from the first creation rule of .sops.yaml whose
/// path_regex matches the file. When the destination (--output FILE, or with -i the file's version in git) is already an
/// encrypted file this machine can decrypt, its data key, keys, options and cipher are reused,
/// so unchanged values keep their exact ciphertext and the diff shows only what changed.
///
/// Values are encrypted with AES256_GCM, the SOPS cipher. --cipher xchacha20-poly1305 uses
/// XChaCha20-Poly1305 instead, for files that only secrets reads: sops cannot decrypt them.
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
    /// Cipher of the values (default: aes256-gcm; a reused destination keeps its own)
    #[arg(long, value_enum, value_name = "CIPHER")]
    cipher: Option<CipherArg>,
}

pub fn run(args: Args, globals: &Globals) -> anyhow::Result<()> {
    args.output.check(&args.input)?;
    let (input_format, output_format) = args.input.formats()?;
    let bytes = args.input.read()?;
    let context = || format!("cannot encrypt {}", args.input.path().display());
    let doc = plaintext_document(bytes, input_format, output_format).with_context(context)?;
    let encrypted = match reusable(&args, output_format)? {
        Some((opened, source)) => {
            let sealed = opened.seal_document(&doc).with_context(context)?;
            eprintln!(
                "secrets: reusing the data key and keys of {source}: unchanged values keep their ciphertext"
            );
            sealed
        }
        None => {
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
                cipher: args.cipher.map_or_else(Cipher::default, Cipher::from),
            };
            encrypt_new(&doc, output_format, &recipients, &options).with_context(context)?
        }
    };
    warn(&encrypted.warnings);
    let destination = match &args.output.output {
        Some(path) => path.as_path(),
        None => args
            .input
            .name()
            .unwrap_or(Path::new("the encrypted output")),
    };
    warn_cipher(destination, encrypted.cipher);
    args.output.write(&args.input, &encrypted.bytes, 0o644)
}

/// The previous encrypted version of the destination, opened, when its data key may be
/// reused, and how to name it.
fn reusable(args: &Args, format: FileFormat) -> anyhow::Result<Option<(Opened, String)>> {
    let (bytes, source) = match (&args.output.output, args.output.in_place) {
        (Some(path), false) => match std::fs::read(path) {
            Ok(bytes) => (bytes, path.display().to_string()),
            Err(_) => return Ok(None),
        },
        (None, true) => match git_version(args.input.path()) {
            Some((bytes, rev)) => (
                bytes,
                format!("{} in git ({rev})", args.input.path().display()),
            ),
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    if !format
        .format()
        .parse(bytes.clone())
        .is_ok_and(|d| d.has_metadata())
    {
        return Ok(None);
    }
    let note = |why: String| {
        eprintln!("secrets: note: {why}; encrypting with a new data key");
        Ok(None)
    };
    let opened = match Opened::open(
        bytes,
        format,
        &Keyring::from_env(),
        DecryptOptions::default(),
    ) {
        Ok(opened) => opened,
        Err(e) => return note(format!("cannot reuse the data key of {source} ({e})")),
    };
    let md = opened.metadata();
    let specs = args.keys.specs()?;
    if !specs.is_empty() {
        let mut given: Vec<String> = specs
            .iter()
            .map(|s| format!("{} {}", s.kind, s.key))
            .collect();
        let mut stored: Vec<String> = md.keys().map(|(_, k)| keys::key_label(k)).collect();
        given.sort();
        stored.sort();
        if md.key_groups.len() != 1 || given != stored {
            return note(format!("the keys given differ from those of {source}"));
        }
    }
    let rule = args.rules.rule()?;
    let threshold = args.shamir_secret_sharing_threshold;
    let cipher = md.cipher()?;
    if (rule.is_some() && md.crypt_rule != rule)
        || (args.mac_only_encrypted && !md.mac_only_encrypted)
        || threshold.is_some_and(|t| t != md.shamir_threshold)
        || args.cipher.is_some_and(|c| Cipher::from(c) != cipher)
    {
        return note(format!("the options given differ from those of {source}"));
    }
    Ok(Some((opened, source)))
}

/// The version of `path` in git's index, else in HEAD, and which one it is.
fn git_version(path: &Path) -> Option<(Vec<u8>, &'static str)> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name()?.to_str()?;
    for (rev, label) in [("", "staged"), ("HEAD", "HEAD")] {
        let output = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["show", &format!("{rev}:./{name}")])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        if output.status.success() {
            return Some((output.stdout, label));
        }
    }
    None
}

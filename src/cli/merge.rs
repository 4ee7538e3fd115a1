//! `secrets merge`: git's merge driver for encrypted files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use secrets::decrypt::{decrypt, metadata_of, DecryptOptions};
use secrets::encrypt::{encrypt, EncryptOptions, Keys};
use secrets::format::{FileFormat, Format};
use secrets::keys::Keyring;
use secrets::merge::merge_values;
use zeroize::Zeroizing;

use super::keyring;

/// Merge three versions of an encrypted file (git merge driver: secrets merge %O %A %B %P)
///
/// Decrypts the common ancestor, ours and theirs, merges the plaintext (value by value for
/// YAML, JSON, dotenv, INI and TOML files with the same keys; line by line with `git
/// merge-file` otherwise), and writes the result into OURS encrypted with ours' data key and
/// recipients. On a conflict OURS is left as it was, the conflict (decrypted, with conflict
/// markers) is written to a private file outside the repository, and the command exits 1.
#[derive(clap::Args)]
pub struct Args {
    /// The common ancestor's version (%O)
    #[arg(value_name = "BASE")]
    base: PathBuf,
    /// Ours (%A); receives the result
    #[arg(value_name = "OURS")]
    ours: PathBuf,
    /// Theirs (%B)
    #[arg(value_name = "THEIRS")]
    theirs: PathBuf,
    /// The path of the file in the repository (%P), which names its format
    #[arg(value_name = "PATH")]
    path: Option<PathBuf>,
    /// Key types to try first, comma-separated (e.g. age,pgp)
    #[arg(long, env = "SOPS_DECRYPTION_ORDER", value_name = "TYPES")]
    decryption_order: Option<String>,
}

/// A decrypted version; the plaintext is wiped when dropped.
type Plaintext = Zeroizing<Vec<u8>>;

pub fn run(args: Args) -> anyhow::Result<()> {
    let name = args.path.clone().unwrap_or_else(|| args.ours.clone());
    let file_format = FileFormat::from_path(&name);
    let format = file_format.format();
    let keyring = keyring(args.decryption_order.as_deref())?;
    let ours_doc = format.parse(std::fs::read(&args.ours)?)?;
    let Ok(metadata) = metadata_of(&ours_doc) else {
        // Not encrypted on our side: nothing to decrypt, a plain line merge.
        return line_merge_in_place(&args);
    };
    let key = keyring
        .data_key(metadata)
        .with_context(|| format!("cannot merge {}", name.display()))?;
    let ours = Plaintext::new(decrypt(format, &ours_doc, &key, DecryptOptions::default())?.bytes);
    let base = open(format, &args.base, &keyring)?;
    let theirs = open(format, &args.theirs, &keyring)?;

    let values = if file_format == FileFormat::Binary {
        None
    } else {
        merge_values(format, &base, &ours, &theirs).ok().flatten()
    };
    let (merged, conflicts) = match values {
        Some(m) if m.conflicts.is_empty() => (Plaintext::new(m.bytes), Vec::new()),
        Some(m) => (Plaintext::new(Vec::new()), m.conflicts),
        None => match merge_file(&base, &ours, &theirs, &name)? {
            (merged, 0) => (merged, Vec::new()),
            (_, n) => (
                Plaintext::new(Vec::new()),
                vec![format!("{n} conflicting hunk(s)")],
            ),
        },
    };
    if !conflicts.is_empty() {
        let (text, _) = merge_file(&base, &ours, &theirs, &name)?;
        let private = write_private(&name, &text)?;
        bail!(
            "conflict in {} at {}: the encrypted file is left as ours; the decrypted conflict is in {} (private, outside the repository): resolve it there, then `secrets encrypt` it over {} and delete it",
            name.display(),
            conflicts.join(", "),
            private.display(),
            name.display()
        );
    }
    let doc = format.parse(merged.to_vec())?;
    let keys = Keys {
        data_key: key,
        key_groups: metadata.key_groups.clone(),
    };
    let options = EncryptOptions {
        crypt_rule: metadata.crypt_rule.clone(),
        mac_only_encrypted: metadata.mac_only_encrypted,
        shamir_threshold: metadata.shamir_threshold,
        cipher: metadata.cipher()?,
    };
    let sealed = encrypt(format, &doc, &keys, &options, Some(metadata))?;
    super::warn(&sealed.warnings);
    super::warn_cipher(&name, sealed.cipher);
    secrets::io::write_atomic(&args.ours, &sealed.bytes, 0o600)?;
    Ok(())
}

/// The plaintext of a version; an empty file (no common ancestor) is empty.
fn open(format: &dyn Format, path: &Path, keyring: &Keyring) -> anyhow::Result<Plaintext> {
    let bytes = std::fs::read(path)?;
    if bytes.is_empty() {
        return Ok(Plaintext::new(bytes));
    }
    let doc = format.parse(bytes)?;
    let key = keyring.data_key(metadata_of(&doc)?)?;
    Ok(Plaintext::new(
        decrypt(format, &doc, &key, DecryptOptions::default())?.bytes,
    ))
}

/// `git merge-file -p` of three plaintexts, in a private temporary directory; the merged
/// text (with conflict markers) and the number of conflicts.
fn merge_file(
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
    name: &Path,
) -> anyhow::Result<(Plaintext, i32)> {
    let dir = tempfile::Builder::new()
        .prefix("secrets-merge-")
        .tempdir()
        .context("cannot create a private temporary directory")?;
    let mut paths = Vec::new();
    for (label, text) in [("base", base), ("ours", ours), ("theirs", theirs)] {
        let path = dir.path().join(label);
        secrets::io::write_atomic(&path, text, 0o600)?;
        paths.push(path);
    }
    let shown = name.display().to_string();
    let out = Command::new("git")
        .arg("merge-file")
        .arg("-p")
        .args([
            "-L",
            &format!("ours:{shown}"),
            "-L",
            "base",
            "-L",
            &format!("theirs:{shown}"),
        ])
        .args([&paths[1], &paths[0], &paths[2]])
        .output()
        .context("cannot run git merge-file")?;
    match out.status.code() {
        Some(n) if (0..128).contains(&n) => Ok((Plaintext::new(out.stdout), n)),
        _ => bail!(
            "git merge-file failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
    }
}

/// Merges files that are not encrypted as git would.
fn line_merge_in_place(args: &Args) -> anyhow::Result<()> {
    let status = Command::new("git")
        .arg("merge-file")
        .args([&args.ours, &args.base, &args.theirs])
        .status()
        .context("cannot run git merge-file")?;
    match status.code() {
        Some(0) => Ok(()),
        _ => bail!(
            "conflict in {}",
            args.path.as_ref().unwrap_or(&args.ours).display()
        ),
    }
}

/// Writes a conflict into a new private file (0600) in the temporary directory.
fn write_private(name: &Path, text: &[u8]) -> anyhow::Result<PathBuf> {
    let file_name = name
        .file_name()
        .map(|n| format!(".{}", n.to_string_lossy()))
        .unwrap_or_default();
    let mut file = tempfile::Builder::new()
        .prefix("secrets-conflict-")
        .suffix(&file_name)
        .tempfile()
        .context("cannot create a private file for the conflict")?;
    file.write_all(text)?;
    let (_, path) = file.keep().context("cannot keep the conflict file")?;
    Ok(path)
}

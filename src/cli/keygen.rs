//! `secrets keygen`.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use secrets::keys::age;
use secrets::timestamp::Timestamp;

/// Create an age identity, add it to the SOPS key file and print its recipient
///
/// The key file is $SOPS_AGE_KEY_FILE if set, else the file sops reads by default
/// ($XDG_CONFIG_HOME/sops/age/keys.txt, ~/.config/sops/age/keys.txt on Linux). The identity is
/// appended; an existing file is never overwritten.
#[derive(clap::Args)]
pub struct Args {
    /// Add the identity to this file instead
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let path = args
        .output
        .or_else(|| std::env::var_os("SOPS_AGE_KEY_FILE").map(PathBuf::from))
        .or_else(age::default_key_file)
        .context("cannot find the SOPS key file location; pass -o FILE")?;
    let (text, recipient) = age::generate(&Timestamp::now().to_rfc3339());
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let needs_break =
        file.metadata().map(|m| m.len() > 0).unwrap_or(false) && !fs::read(&path)?.ends_with(b"\n");
    if needs_break {
        file.write_all(b"\n")?;
    }
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("secrets: added a new age identity to {}", path.display());
    println!("{recipient}");
    Ok(())
}

fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

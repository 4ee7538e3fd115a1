//! `secrets exec-file`.

use std::path::Path;

use anyhow::Context;
use secrets::decrypt::decrypt_file;
use zeroize::Zeroizing;

use super::child::{self, PrivateDir};
use super::exec_env::{command, Target};
use super::{warn, OpenArgs, TypeArg};

/// Run a command with the decrypted file at a private path, given as {}
///
/// The plaintext goes through a named pipe (FIFO) that can be read once, or with --no-fifo a
/// 0600 file; either is in a new private directory of the system's temporary directory,
/// removed when the command ends. '{}' in the command is replaced by the path. One COMMAND
/// argument runs with /bin/sh -c (as sops does); several run as they are. The command's exit
/// status is secrets' exit status; signals are passed on to it.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: Target,
    /// Write a regular 0600 file instead of a FIFO (for commands that read it twice)
    #[arg(long)]
    no_fifo: bool,
    /// Name of the plaintext file
    #[arg(long, value_name = "NAME", default_value = "tmp-file")]
    filename: String,
    /// Format of the file, instead of guessing it from its name
    #[arg(long, value_enum, value_name = "TYPE")]
    input_type: Option<TypeArg>,
    /// Format of the plaintext (default: the file's)
    #[arg(long, value_enum, value_name = "TYPE")]
    output_type: Option<TypeArg>,
    #[command(flatten)]
    open: OpenArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let input_format = super::file_format(args.input_type, &args.target.file);
    let output_format = args.output_type.map_or(input_format, Into::into);
    if args.filename.is_empty() || args.filename.contains('/') || args.filename == ".." {
        return Err(secrets::Error::Conflict(
            "--filename is a plain file name, without '/'".into(),
        )
        .into());
    }
    let bytes = secrets::io::read_input(&args.target.file)?;
    let plaintext = decrypt_file(
        bytes,
        input_format,
        output_format,
        &args.open.keyring()?,
        args.open.options(),
        None,
    )
    .with_context(|| format!("cannot decrypt {}", args.target.file.display()))?;
    warn(&plaintext.warnings);
    let plaintext = Zeroizing::new(plaintext.bytes);
    child::install();
    let dir = PrivateDir::new(&std::env::temp_dir(), ".secrets-exec-")
        .context("cannot create a private directory for the plaintext")?;
    let path = dir.path().join(&args.filename);
    if args.no_fifo {
        child::create_private_file(&path, &plaintext)
            .with_context(|| format!("cannot write {}", path.display()))?;
    } else {
        fifo::serve(&path, plaintext)?;
    }
    let shown = path.to_string_lossy().into_owned();
    let mut cmd = command(&args.target.command, |word| word.replace("{}", &shown));
    let ended =
        child::run(&mut cmd).with_context(|| format!("cannot run {:?}", args.target.command[0]))?;
    drop(dir);
    child::exit_with(ended.code())
}

#[cfg(unix)]
mod fifo {
    use std::io::Write;

    use super::*;

    /// Creates a FIFO at `path` and writes `plaintext` to the first reader, from a thread
    /// (opening a FIFO for writing waits for a reader).
    pub fn serve(path: &Path, plaintext: Zeroizing<Vec<u8>>) -> anyhow::Result<()> {
        use std::os::unix::ffi::OsStrExt;
        let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
            .context("the FIFO path holds a NUL byte")?;
        // SAFETY: mkfifo(3) with a NUL-terminated path.
        if unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) } != 0 {
            return Err(std::io::Error::last_os_error())
                .with_context(|| format!("cannot create the FIFO {}", path.display()));
        }
        let path = path.to_path_buf();
        std::thread::spawn(move || {
            if let Ok(mut pipe) = std::fs::OpenOptions::new().write(true).open(&path) {
                // A reader that stops early is its own business.
                let _ = pipe.write_all(&plaintext);
            }
        });
        Ok(())
    }
}

#[cfg(not(unix))]
mod fifo {
    use super::*;

    pub fn serve(path: &Path, plaintext: Zeroizing<Vec<u8>>) -> anyhow::Result<()> {
        child::create_private_file(path, &plaintext)
            .with_context(|| format!("cannot write {}", path.display()))
    }
}

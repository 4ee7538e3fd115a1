//! Commands over many files (`updatekeys`, `rotate`): which files, a progress bar on a
//! terminal, one report line per file, and a summary error when some failed.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use secrets::config::Config;
use secrets::format::FileFormat;
use secrets::Error;

use super::{file_format, TypeArg};

/// The files named, or with `--all` every file under the config's directory that a
/// creation rule matches (`.gitignore` respected).
pub fn files(named: Vec<PathBuf>, all: bool, config: &Config) -> anyhow::Result<Vec<PathBuf>> {
    if !all {
        return Ok(named);
    }
    let root = std::env::current_dir()?;
    Ok(config
        .matching_files()?
        .into_iter()
        .map(|f| match f.strip_prefix(&root) {
            Ok(rel) => rel.to_path_buf(),
            Err(_) => f,
        })
        .collect())
}

/// An encrypted file to work on: its bytes and format. With `--all`, files that are not
/// SOPS files (plaintext, other formats) are `None`: the rules matched them, but there is
/// nothing to do.
pub fn read_encrypted(
    path: &Path,
    input_type: Option<TypeArg>,
    all: bool,
) -> Result<Option<(Vec<u8>, FileFormat)>, Error> {
    let format = file_format(input_type, path);
    let bytes = secrets::io::read_input(path)?;
    if all {
        match format.format().parse(bytes.clone()) {
            Ok(doc) if doc.has_metadata() || doc.metadata_error.is_some() => {}
            _ => return Ok(None),
        }
    }
    Ok(Some((bytes, format)))
}

/// Progress over files: a bar on standard error when it is a terminal, reports on
/// standard output either way.
pub struct Progress {
    bar: Option<ProgressBar>,
    failed: usize,
}

impl Progress {
    /// Progress over `total` files.
    pub fn new(total: usize) -> Progress {
        let bar = (total > 1 && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}") {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar, failed: 0 }
    }

    /// Prints a report line for one file and advances.
    pub fn report(&mut self, line: &str) {
        match &self.bar {
            Some(bar) => {
                bar.suspend(|| println!("{line}"));
                bar.inc(1);
            }
            None => println!("{line}"),
        }
    }

    /// Advances past a file with nothing to do.
    pub fn skip(&mut self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Prints a failure for one file and advances.
    pub fn fail(&mut self, path: &Path, err: &anyhow::Error) {
        self.failed += 1;
        let message = format!("secrets: {}: {}", path.display(), super::one_line(err));
        match &self.bar {
            Some(bar) => {
                bar.suspend(|| eprintln!("{message}"));
                bar.inc(1);
            }
            None => eprintln!("{message}"),
        }
    }

    /// Ends, returning how many files failed.
    pub fn finish(self) -> usize {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
        self.failed
    }
}

/// The error of a command over `total` files of which `failed` failed.
pub fn summary(what: &str, failed: usize, total: usize) -> anyhow::Result<()> {
    if failed > 0 {
        anyhow::bail!("{what} failed for {failed} of {total} files");
    }
    Ok(())
}

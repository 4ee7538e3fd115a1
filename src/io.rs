//! Reading inputs and writing outputs: nothing is written until the whole output is ready,
//! and a file is replaced atomically, so a failed run leaves the old file as it was.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::tree::Patched;

/// Whether a path names standard input (`-` or `/dev/stdin`, as sops accepts).
pub fn is_stdin(path: &Path) -> bool {
    path == Path::new("-") || path == Path::new("/dev/stdin")
}

/// The largest input read: 512 MiB. Every byte of a file is held in memory several times
/// over (text, tree, output), so a bigger one would exhaust memory rather than fail cleanly.
pub const MAX_INPUT: u64 = 512 << 20;

/// Reads a whole file, or standard input, of at most [`MAX_INPUT`] bytes.
pub fn read_input(path: &Path) -> Result<Vec<u8>, Error> {
    let mut size = 0;
    let (name, reader): (PathBuf, Box<dyn Read>) = if is_stdin(path) {
        (PathBuf::from("standard input"), Box::new(std::io::stdin()))
    } else {
        let file = fs::File::open(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound {
                path: path.to_path_buf(),
            },
            _ => Error::Read {
                path: path.to_path_buf(),
                source,
            },
        })?;
        size = file.metadata().map_or(0, |m| m.len());
        if size > MAX_INPUT {
            return Err(Error::TooLarge {
                path: path.to_path_buf(),
            });
        }
        (path.to_path_buf(), Box::new(file))
    };
    // Sized up front: growing by doubling copies a large file several times over.
    let mut bytes = Vec::with_capacity(size as usize + 1);
    // One byte more than the limit tells a file at the limit from a bigger one.
    reader
        .take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Read {
            path: name.clone(),
            source,
        })?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(Error::TooLarge { path: name });
    }
    Ok(bytes)
}

/// Replaces `path` with `bytes` atomically: written to a temporary file beside it, flushed,
/// then renamed over it. An existing file keeps its permissions; a new one gets `mode`.
/// A symbolic link is kept and its target replaced, when the target is in the link's own
/// directory (or below it); a link that leads elsewhere is refused, so a planted link cannot
/// make a run overwrite a file outside the requested path. [`write_atomic_through`] follows
/// any link.
pub fn write_atomic(path: &Path, bytes: &(impl Contents + ?Sized), mode: u32) -> Result<(), Error> {
    write(path, bytes, mode, false)
}

/// [`write_atomic`], following a symbolic link wherever it leads (`--force`).
pub fn write_atomic_through(
    path: &Path,
    bytes: &(impl Contents + ?Sized),
    mode: u32,
) -> Result<(), Error> {
    write(path, bytes, mode, true)
}

/// What is written out: bytes, or a file kept in pieces ([`Patched`]).
pub trait Contents {
    /// Writes all of it to `out`.
    fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()>;
}

impl<T: AsRef<[u8]> + ?Sized> Contents for T {
    fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        out.write_all(self.as_ref())
    }
}

impl Contents for Patched {
    fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        Patched::write_to(self, out)
    }
}

fn write(
    path: &Path,
    bytes: &(impl Contents + ?Sized),
    mode: u32,
    follow_any_link: bool,
) -> Result<(), Error> {
    let write_err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let target = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            let target = fs::canonicalize(path).map_err(write_err)?;
            let home = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let home = fs::canonicalize(home).map_err(write_err)?;
            if !follow_any_link && !target.starts_with(&home) {
                return Err(Error::SymlinkOutside {
                    path: path.to_path_buf(),
                    target,
                });
            }
            target
        }
        _ => path.to_path_buf(),
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(write_err)?;
    bytes.write_to(tmp.as_file_mut()).map_err(write_err)?;
    let permissions = match fs::metadata(&target) {
        Ok(m) => m.permissions(),
        Err(_) => permissions_with_mode(mode),
    };
    fs::set_permissions(tmp.path(), permissions).map_err(write_err)?;
    tmp.as_file().sync_all().map_err(write_err)?;
    tmp.persist(&target).map_err(|e| write_err(e.error))?;
    Ok(())
}

/// An exclusive advisory lock held while a file is read, changed and written back, so that
/// two runs changing it take turns instead of one losing the other's update. The lock is on
/// the file's directory: the file itself is replaced by a rename, which a lock on it would not
/// survive. Released when dropped.
pub struct DirLock {
    _dir: fs::File,
}

impl DirLock {
    /// Locks the directory of `file`; when another run holds it, calls `on_wait` once and
    /// waits for it.
    pub fn acquire(file: &Path, on_wait: impl FnOnce(&Path)) -> Result<DirLock, Error> {
        let dir = match file.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let err = |source| Error::Write {
            path: file.to_path_buf(),
            source,
        };
        let handle = fs::File::open(dir).map_err(err)?;
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            let fd = handle.as_raw_fd();
            // SAFETY: flock(2) on a descriptor we own.
            if unsafe { libc::flock(fd, libc::LOCK_EX | libc::LOCK_NB) } != 0 {
                on_wait(dir);
                if unsafe { libc::flock(fd, libc::LOCK_EX) } != 0 {
                    return Err(err(std::io::Error::last_os_error()));
                }
            }
        }
        #[cfg(not(unix))]
        let _ = on_wait;
        Ok(DirLock { _dir: handle })
    }
}

#[cfg(unix)]
fn permissions_with_mode(mode: u32) -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    fs::Permissions::from_mode(mode)
}

#[cfg(not(unix))]
fn permissions_with_mode(_mode: u32) -> fs::Permissions {
    fs::metadata(".")
        .map(|m| m.permissions())
        .expect("current directory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_keeps_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.yaml");
        write_atomic(&path, b"one", 0o600).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"one");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
            write_atomic(&path, b"two", 0o600).unwrap();
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o640);
        }
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let leftovers = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_directory_are_followed_only_when_forced() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("victim");
        fs::write(&victim, b"keep").unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        let inner = dir.path().join("sub/real.yaml");
        fs::write(&inner, b"old").unwrap();

        // A link to a file beside it (or below) is written through.
        let near = dir.path().join("near.yaml");
        std::os::unix::fs::symlink("sub/real.yaml", &near).unwrap();
        write_atomic(&near, b"new", 0o644).unwrap();
        assert_eq!(fs::read(&inner).unwrap(), b"new");
        assert!(fs::symlink_metadata(&near)
            .unwrap()
            .file_type()
            .is_symlink());

        let far = dir.path().join("far.yaml");
        std::os::unix::fs::symlink(&victim, &far).unwrap();
        let err = write_atomic(&far, b"evil", 0o644).unwrap_err();
        assert!(matches!(err, Error::SymlinkOutside { .. }), "{err}");
        assert!(err.to_string().contains("--force"), "{err}");
        assert_eq!(fs::read(&victim).unwrap(), b"keep");
        write_atomic_through(&far, b"forced", 0o644).unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"forced");
    }

    #[test]
    fn missing_input_is_not_found() {
        assert!(matches!(
            read_input(Path::new("/nonexistent/file.yaml")),
            Err(Error::NotFound { .. })
        ));
    }
}

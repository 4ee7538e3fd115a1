//! Child processes of `edit`, `exec-env` and `exec-file`, and the private directories that
//! hold plaintext meanwhile.
//!
//! A signal that would end `secrets` (INT, TERM, HUP, QUIT) is forwarded to the running
//! child, which decides what to do; when no child runs, the private directories are removed
//! and `secrets` exits with 128 + the signal number, as a shell reports it. Keyboard signals
//! (Ctrl-C, Ctrl-\) from the terminal already reach the child, which shares our foreground
//! process group, so they are not sent a second time.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::Mutex;

/// What the signal thread needs to know.
struct State {
    child: Option<u32>,
    private: Vec<PathBuf>,
    /// A terminating signal forwarded to the child during the current run.
    forwarded: Option<i32>,
}

static STATE: Mutex<State> = Mutex::new(State {
    child: None,
    private: Vec::new(),
    forwarded: None,
});

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Installs the signal handling (once per process).
pub fn install() {
    #[cfg(unix)]
    unix::install();
}

/// A private (0700) directory for plaintext, removed when dropped and when `secrets` is
/// ended by a signal.
pub struct PrivateDir {
    dir: tempfile::TempDir,
}

impl PrivateDir {
    /// A new directory in `base`, named `prefix…`.
    pub fn new(base: &Path, prefix: &str) -> io::Result<PrivateDir> {
        let mut builder = tempfile::Builder::new();
        builder.prefix(prefix);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o700));
        }
        let dir = builder.tempdir_in(base)?;
        state().private.push(dir.path().to_path_buf());
        Ok(PrivateDir { dir })
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        state().private.retain(|p| p != self.dir.path());
    }
}

/// Creates `path` for plaintext: readable and writable by the owner only, never an existing
/// file.
pub fn create_private_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// How a child run ended.
pub struct Ended {
    /// The child's status.
    pub status: ExitStatus,
    /// A terminating signal `secrets` received and forwarded meanwhile.
    pub signal: Option<i32>,
}

impl Ended {
    /// The exit code a shell would report for the child.
    pub fn code(&self) -> i32 {
        if let Some(code) = self.status.code() {
            return code;
        }
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            if let Some(sig) = self.status.signal() {
                return 128 + sig;
            }
        }
        1
    }
}

/// Runs `cmd` to its end with signals forwarded to it.
pub fn run(cmd: &mut Command) -> io::Result<Ended> {
    let mut child = {
        // Spawned under the lock, so a signal is never handled between spawn and record.
        let mut st = state();
        st.forwarded = None;
        let child = cmd.spawn()?;
        st.child = Some(child.id());
        child
    };
    let status = child.wait();
    let mut st = state();
    st.child = None;
    let signal = st.forwarded.take();
    Ok(Ended {
        status: status?,
        signal,
    })
}

/// The exit code after a terminating signal.
pub fn signal_exit_code(signal: i32) -> i32 {
    128 + signal
}

#[cfg(unix)]
mod unix {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    use signal_hook::iterator::Signals;

    use super::state;

    pub fn install() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            no_core_dumps();
            let Ok(mut signals) = Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT]) else {
                return;
            };
            std::thread::spawn(move || {
                for sig in signals.forever() {
                    handle(sig);
                }
            });
        });
    }

    fn handle(sig: i32) {
        let mut st = state();
        match st.child {
            Some(pid) => {
                let from_keyboard = matches!(sig, SIGINT | SIGQUIT) && foreground_on_terminal();
                if !from_keyboard {
                    // SAFETY: kill(2) with a pid we spawned and have not reaped yet.
                    unsafe {
                        libc::kill(pid as libc::pid_t, sig);
                    }
                    st.forwarded.get_or_insert(sig);
                }
            }
            None => {
                for dir in &st.private {
                    let _ = std::fs::remove_dir_all(dir);
                }
                std::process::exit(super::signal_exit_code(sig));
            }
        }
    }

    /// A crash while plaintext is in memory (ours, or the editor's, which inherits the limit)
    /// must not write it to a core file.
    fn no_core_dumps() {
        let zero = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: setrlimit(2) and prctl(2) only change this process's own limits and flags.
        unsafe {
            libc::setrlimit(libc::RLIMIT_CORE, &zero);
            #[cfg(target_os = "linux")]
            libc::prctl(libc::PR_SET_DUMPABLE, 0);
        }
    }

    /// Whether we are the foreground process group of the terminal on standard input, so
    /// that keyboard signals reach our children without us.
    fn foreground_on_terminal() -> bool {
        // SAFETY: both calls only read process state.
        unsafe {
            let group = libc::tcgetpgrp(libc::STDIN_FILENO);
            group > 0 && group == libc::getpgrp()
        }
    }
}

/// Ends `secrets` with an exit code (a child's), and a message when there is one to say.
#[derive(Debug)]
pub struct Exit {
    /// The exit code.
    pub code: i32,
    /// What to print first.
    pub message: Option<String>,
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.message {
            Some(m) => f.write_str(m),
            None => write!(f, "exit code {}", self.code),
        }
    }
}

impl std::error::Error for Exit {}

/// The result of a command that ran a child: `Ok` when it succeeded, else its exit code.
pub fn exit_with(code: i32) -> anyhow::Result<()> {
    if code == 0 {
        Ok(())
    } else {
        Err(Exit {
            code,
            message: None,
        }
        .into())
    }
}

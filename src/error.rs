//! The library's error type, with the SOPS exit code each error maps to.

use std::io;
use std::path::PathBuf;

use crate::crypto::DecryptError;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Exit codes shared with `sops` (`cmd/sops/codes/codes.go`), so scripts written against
/// `sops` keep working.
pub mod exit_code {
    /// Anything without a more specific code.
    pub const GENERIC: i32 = 1;
    /// The input could not be read or parsed.
    pub const COULD_NOT_READ_INPUT_FILE: i32 = 2;
    /// The output could not be written.
    pub const COULD_NOT_WRITE_OUTPUT_FILE: i32 = 3;
    /// The result cannot be written in the requested output format.
    pub const ERROR_DUMPING_TREE: i32 = 4;
    /// `--encryption-context` is malformed.
    pub const INVALID_KMS_ENCRYPTION_CONTEXT_FORMAT: i32 = 6;
    /// A `set`/`unset` path or value is malformed.
    pub const INVALID_SET_FORMAT: i32 = 7;
    /// Options that cannot be combined.
    pub const CONFLICTING_PARAMETERS: i32 = 8;
    /// A value could not be encrypted.
    pub const ERROR_ENCRYPTING_TREE: i32 = 23;
    /// A value could not be decrypted.
    pub const ERROR_DECRYPTING_TREE: i32 = 25;
    /// The MAC does not verify, cannot be decrypted, or is missing.
    pub const MAC_MISMATCH: i32 = 51;
    /// An `--extract` path is malformed.
    pub const INVALID_TREE_PATH_FORMAT: i32 = 91;
    /// A YAML input without any document.
    pub const NEED_AT_LEAST_ONE_DOCUMENT: i32 = 92;
    /// The named input file does not exist.
    pub const NO_FILE_SPECIFIED: i32 = 100;
    /// `--decryption-order` names a key type twice.
    pub const DUPLICATE_DECRYPTION_KEY_TYPE: i32 = 112;
    /// No master key could recover the data key.
    pub const COULD_NOT_RETRIEVE_KEY: i32 = 128;
    /// `edit` closed without changes.
    pub const FILE_HAS_NOT_BEEN_MODIFIED: i32 = 200;
    /// No editor could be started.
    pub const NO_EDITOR_FOUND: i32 = 201;
    /// `encrypt` was given a file that is already encrypted.
    pub const FILE_ALREADY_ENCRYPTED: i32 = 203;
}

/// Everything that can go wrong in the library. Messages say what went wrong and, where there
/// is one, what to do about it; they never contain plaintext values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The input file does not exist.
    #[error("{} does not exist; check the path", path.display())]
    NotFound {
        /// The file.
        path: PathBuf,
    },
    /// The input is larger than [`crate::io::MAX_INPUT`].
    #[error("{} is larger than {} MiB, the most secrets reads (it holds a whole file in memory, as sops does); split the file", path.display(), crate::io::MAX_INPUT >> 20)]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// An output path is a symbolic link to a file outside its directory.
    #[error("{} is a symbolic link to {}, outside its directory; nothing was written: write to the target itself, or pass --force to write through the link", path.display(), target.display())]
    SymlinkOutside {
        /// The link.
        path: PathBuf,
        /// Where it leads.
        target: PathBuf,
    },
    /// A file could not be written.
    #[error("cannot write {}: {source}; nothing was changed", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The input is not valid in its format.
    #[error("{format} syntax error at line {line}, column {column}: {message}")]
    Syntax {
        /// Format name (`YAML`, `JSON`, ...).
        format: &'static str,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The input parses but has a shape SOPS files cannot have.
    #[error("{0}")]
    Unsupported(String),
    /// A YAML input holds no document.
    #[error("the YAML input holds no document; add at least one mapping")]
    NoDocument,
    /// `encrypt` was given an encrypted file.
    #[error(
        "the file is already encrypted (it has SOPS metadata); decrypt it first, or use `edit`"
    )]
    AlreadyEncrypted,
    /// `encrypt` was given a plaintext holding a `sops` entry that is not SOPS metadata.
    #[error("the file has a top-level `sops` entry that is not valid SOPS metadata ({0}); SOPS keeps its metadata under that name, so if this is a plaintext, rename the entry")]
    ReservedSopsEntry(String),
    /// The input has no SOPS metadata.
    #[error("sops metadata not found: the file is not encrypted, or not in the expected format (use --input-type)")]
    MetadataNotFound,
    /// The SOPS metadata is malformed.
    #[error("invalid sops metadata: {0}")]
    InvalidMetadata(String),
    /// No recipient was given to encrypt for.
    #[error("no recipients: pass --age, --kms, --gcp-kms, --azure-kv or --hc-vault-transit (or set their SOPS_* variables), or add a creation rule to .sops.yaml")]
    NoRecipients,
    /// A recipient string could not be parsed.
    #[error("invalid {kind} recipient {recipient:?}: {reason}")]
    InvalidRecipient {
        /// Key type (`age`, ...).
        kind: &'static str,
        /// The recipient as given.
        recipient: String,
        /// Why it is invalid.
        reason: String,
    },
    /// Wrapping the data key for a recipient failed.
    #[error("cannot wrap the data key for {kind} key {key}: {reason}")]
    Wrap {
        /// Key type.
        kind: &'static str,
        /// The key.
        key: String,
        /// Why.
        reason: String,
    },
    /// `--encryption-context` is malformed.
    #[error("invalid KMS encryption context: {0}; write it as key:value pairs separated by commas, e.g. env:prod,app:web")]
    EncryptionContext(String),
    /// No master key recovered the data key.
    #[error("cannot decrypt the data key: {0}")]
    NoDataKey(String),
    /// An identity source (key file, command) could not be used.
    #[error("{0}")]
    Identity(String),
    /// A value could not be decrypted.
    #[error("cannot decrypt the value at {path}: {reason}")]
    DecryptValue {
        /// The value's path, as `["a"]["b"]`.
        path: String,
        /// Why.
        reason: String,
    },
    /// A value or the MAC names a cipher we do not know.
    #[error("{place} is encrypted with {name}, a cipher secrets does not know (it knows AES256_GCM and XCHACHA20_POLY1305); decrypt the file with the tool that wrote it")]
    UnknownCipher {
        /// What is encrypted: `the value at ["a"]`, `the MAC`.
        place: String,
        /// The cipher's name as written in `ENC[NAME,...]`.
        name: String,
    },
    /// A value could not be encrypted.
    #[error("cannot encrypt the value at {path}: {reason}")]
    EncryptValue {
        /// The value's path.
        path: String,
        /// Why.
        reason: String,
    },
    /// The stored MAC does not match the content.
    #[error("MAC mismatch: the file was modified outside sops/secrets or is corrupt (file has {stored}, computed {computed}); use --ignore-mac only if you trust the content")]
    MacMismatch {
        /// MAC in the file.
        stored: String,
        /// MAC of the content.
        computed: String,
    },
    /// The MAC is missing or cannot be decrypted.
    #[error("{0}; use --ignore-mac only if you trust the content")]
    BadMac(String),
    /// A crypt rule (regex) is invalid or rules conflict.
    #[error("{0}")]
    Rules(String),
    /// `.sops.yaml` is invalid, or has no creation rule for a file that needs one.
    #[error("{0}")]
    Config(String),
    /// Options that cannot be combined.
    #[error("{0}")]
    Conflict(String),
    /// `--decryption-order` names a key type twice.
    #[error("--decryption-order names {0} twice; list each key type once, e.g. age,pgp")]
    DuplicateKeyType(String),
    /// Running `git` failed.
    #[error("{0}")]
    Git(String),
    /// A malformed `--extract` path.
    #[error("invalid path {path:?}: {reason} (expected a form like '[\"key\"][0]')")]
    InvalidPath {
        /// The path as given.
        path: String,
        /// Why.
        reason: String,
    },
    /// A path that names nothing.
    #[error("{0}")]
    PathNotFound(String),
    /// The data cannot be written in the output format.
    #[error("{0}")]
    Emit(String),
    /// A malformed `set`/`unset` path or value.
    #[error("{0}")]
    InvalidSet(String),
    /// `edit` ended without a change.
    #[error("file has not changed; nothing was written")]
    FileUnchanged,
    /// No editor could be started.
    #[error("{0}")]
    NoEditor(String),
}

impl Error {
    /// The process exit code for this error, as `sops` uses it.
    pub fn exit_code(&self) -> i32 {
        use exit_code::*;
        match self {
            Error::Read { .. }
            | Error::TooLarge { .. }
            | Error::Syntax { .. }
            | Error::Unsupported(_) => COULD_NOT_READ_INPUT_FILE,
            Error::NotFound { .. } => NO_FILE_SPECIFIED,
            Error::Write { .. } | Error::SymlinkOutside { .. } => COULD_NOT_WRITE_OUTPUT_FILE,
            Error::NoDocument => NEED_AT_LEAST_ONE_DOCUMENT,
            Error::AlreadyEncrypted | Error::ReservedSopsEntry(_) => FILE_ALREADY_ENCRYPTED,
            Error::MetadataNotFound
            | Error::InvalidMetadata(_)
            | Error::NoRecipients
            | Error::InvalidRecipient { .. }
            | Error::Identity(_)
            | Error::Rules(_)
            | Error::Config(_)
            | Error::Git(_)
            | Error::PathNotFound(_) => GENERIC,
            Error::Wrap { .. } | Error::NoDataKey(_) => COULD_NOT_RETRIEVE_KEY,
            Error::DecryptValue { .. } | Error::UnknownCipher { .. } => ERROR_DECRYPTING_TREE,
            Error::EncryptValue { .. } => ERROR_ENCRYPTING_TREE,
            Error::MacMismatch { .. } | Error::BadMac(_) => MAC_MISMATCH,
            Error::Conflict(_) => CONFLICTING_PARAMETERS,
            Error::DuplicateKeyType(_) => DUPLICATE_DECRYPTION_KEY_TYPE,
            Error::EncryptionContext(_) => INVALID_KMS_ENCRYPTION_CONTEXT_FORMAT,
            Error::InvalidPath { .. } => INVALID_TREE_PATH_FORMAT,
            Error::Emit(_) => ERROR_DUMPING_TREE,
            Error::InvalidSet(_) => INVALID_SET_FORMAT,
            Error::FileUnchanged => FILE_HAS_NOT_BEEN_MODIFIED,
            Error::NoEditor(_) => NO_EDITOR_FOUND,
        }
    }

    /// The error of a value at `path` (shown as `["a"]["b"]`) that cannot be decrypted.
    pub(crate) fn decrypt_value(path: String, e: DecryptError) -> Error {
        match e {
            DecryptError::UnknownCipher(name) => Error::UnknownCipher {
                place: format!("the value at {path}"),
                name,
            },
            DecryptError::Invalid(reason) => Error::DecryptValue { path, reason },
        }
    }

    /// A syntax error at a byte offset of `text`, with line and column computed from it.
    pub(crate) fn syntax_at(
        format: &'static str,
        text: &[u8],
        offset: usize,
        message: impl Into<String>,
    ) -> Error {
        let (line, column) = line_col(text, offset);
        Error::Syntax {
            format,
            line,
            column,
            message: message.into(),
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let text = "a: 1\nb: é x".as_bytes();
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 5), (2, 1));
        // 'x' follows a two-byte 'é': byte 11, character column 6.
        assert_eq!(line_col(text, 11), (2, 6));
    }

    #[test]
    fn exit_codes_match_sops() {
        assert_eq!(Error::NoDataKey(String::new()).exit_code(), 128);
        assert_eq!(
            Error::MacMismatch {
                stored: String::new(),
                computed: String::new()
            }
            .exit_code(),
            51
        );
        assert_eq!(Error::AlreadyEncrypted.exit_code(), 203);
        assert_eq!(Error::MetadataNotFound.exit_code(), 1);
        // sops fails on a value it cannot parse as one decrypting the tree.
        let unknown = Error::decrypt_value(
            "[\"a\"]".into(),
            DecryptError::UnknownCipher("AES128_SIV".into()),
        );
        assert_eq!(unknown.exit_code(), 25);
        assert_eq!(
            unknown.to_string(),
            "the value at [\"a\"] is encrypted with AES128_SIV, a cipher secrets does not know (it knows AES256_GCM and XCHACHA20_POLY1305); decrypt the file with the tool that wrote it"
        );
    }
}

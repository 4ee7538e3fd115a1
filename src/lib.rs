//! `secrets` keeps secret files encrypted in git, value by value, in the SOPS file format.
//!
//! A file is parsed into a [`tree::Document`]: its original text plus a tree of leaves that
//! point at byte spans. Encryption replaces each selected value's span with its
//! `ENC[AES256_GCM,...]` and appends the metadata block; decryption does the reverse. Nothing
//! else in the file changes, so layout, comments and key order survive, and with
//! deterministic IVs an unchanged value keeps its exact ciphertext.
//!
//! ```no_run
//! use secrets::{format::FileFormat, keys, encrypt, decrypt, crypto::DataKey};
//!
//! let format = FileFormat::Yaml.format();
//! let doc = format.parse(b"password: hunter2\n".to_vec())?;
//! let recipients = vec![keys::parse_recipients("age", "age1...")?];
//! let data_key = DataKey::generate();
//! let key_groups = keys::wrap(&recipients, &data_key, 0)?;
//! let keys = encrypt::Keys { data_key, key_groups };
//! let sealed = encrypt::encrypt(format, &doc, &keys, &Default::default(), None)?;
//!
//! let doc = format.parse(sealed.bytes.to_vec())?;
//! let key = keys::Keyring::from_env().data_key(decrypt::metadata_of(&doc)?)?;
//! let plain = decrypt::decrypt(format, &doc, &key, Default::default())?;
//! assert_eq!(plain.bytes, b"password: hunter2\n");
//! # Ok::<(), secrets::Error>(())
//! ```

#![deny(missing_docs)]

pub mod audit;
pub mod change;
pub mod check;
pub mod config;
pub mod crypto;
pub mod decrypt;
pub mod encrypt;
pub mod env;
mod error;
pub mod format;
pub mod git;
pub mod io;
pub mod keys;
pub mod layout;
pub mod merge;
pub mod metadata;
mod parallel;
pub mod path;
pub mod plain;
pub mod rewrap;
pub mod rewrite;
pub mod rotate;
pub mod rules;
pub mod scan;
pub mod text;
pub mod timestamp;
pub mod tree;
pub mod value;
mod visits;

pub use error::{exit_code, Error, Result};

/// Bytes to write, and what the user should know about them.
#[derive(Debug)]
pub struct Output {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Warnings to show.
    pub warnings: Vec<String>,
}

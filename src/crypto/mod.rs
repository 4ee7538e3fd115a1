//! Cryptography with no I/O: the SOPS value cipher, the MAC, deterministic IVs, Shamir.

mod cipher;
mod iv;
mod mac;
pub mod shamir;
mod stash;

pub use cipher::{is_encrypted, DataKey, Decrypted, EncryptedValue, ValueCipher};
pub use iv::{IvDeriver, IvPath};
pub use mac::Mac;
pub use stash::IvStash;

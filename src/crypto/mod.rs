//! Cryptography with no I/O: the value ciphers, the MAC, deterministic IVs, Shamir.

mod b64;
mod cipher;
mod iv;
mod mac;
pub mod shamir;
mod stash;

pub use cipher::{
    is_encrypted, Cipher, DataKey, DecryptError, Decrypted, EncryptedValue, Opened, ValueCipher,
};
pub use iv::{Iv, IvDeriver, IvPath};
pub use mac::Mac;
pub use stash::IvStash;

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

/// Hashes keys that are uniformly distributed bytes already (IVs, digests) by folding them
/// into a word: as good as any hash of them, and cheaper where a file has one per value.
#[derive(Clone, Copy, Default)]
pub(crate) struct UniformHash;

impl std::hash::BuildHasher for UniformHash {
    type Hasher = UniformHasher;

    fn build_hasher(&self) -> UniformHasher {
        UniformHasher(0)
    }
}

/// The hasher of [`UniformHash`].
pub(crate) struct UniformHasher(u64);

impl std::hash::Hasher for UniformHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(23) ^ u64::from_le_bytes(word);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

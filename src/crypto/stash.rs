//! IVs kept from a decryption, so that re-encrypting an unchanged value gives back its exact
//! ciphertext (SOPS_FORMAT.md §1.5), even when another tool chose the IV at random or the
//! value moved to another list index.
//!
//! Reusing an IV is safe only for the same key, AAD and plaintext: GCM then produces the same
//! bytes again and reveals nothing new. A slot is therefore keyed by all three (the key is the
//! cipher's), and every IV is handed out at most once per encryption.

use std::collections::{HashMap, VecDeque};

use sha2::{Digest, Sha256};

/// IVs of decrypted values, by AAD, type and plaintext.
#[derive(Clone, Default)]
pub struct IvStash {
    /// Digest of (AAD, type, plaintext) → IVs in file order. A digest, so the stash holds no
    /// plaintext of its own.
    slots: HashMap<[u8; 32], VecDeque<[u8; 32]>>,
}

impl std::fmt::Debug for IvStash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IvStash({} slots)", self.slots.len())
    }
}

fn slot(aad: &str, type_name: &str, plaintext: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [aad.as_bytes(), type_name.as_bytes(), plaintext] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.finalize().into()
}

impl IvStash {
    /// Records that `plaintext` of type `type_name`, authenticated with `aad`, was stored with
    /// `iv`. IVs that are not 32 bytes long (written by other tools) are not kept.
    pub fn record(&mut self, aad: &str, type_name: &str, plaintext: &[u8], iv: &[u8]) {
        if let Ok(iv) = <[u8; 32]>::try_from(iv) {
            self.slots
                .entry(slot(aad, type_name, plaintext))
                .or_default()
                .push_back(iv);
        }
    }

    /// A recorded IV for this value, removed from the stash: `preferred` if it was recorded
    /// for it (the value stayed where it was), else the first one recorded.
    pub fn take(
        &mut self,
        aad: &str,
        type_name: &str,
        plaintext: &[u8],
        preferred: &[u8; 32],
    ) -> Option<[u8; 32]> {
        let ivs = self.slots.get_mut(&slot(aad, type_name, plaintext))?;
        match ivs.iter().position(|iv| iv == preferred) {
            Some(i) => ivs.remove(i),
            None => ivs.pop_front(),
        }
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_out_each_iv_once_for_the_exact_value() {
        let mut s = IvStash::default();
        s.record("a:", "str", b"x", &[1; 32]);
        s.record("a:", "str", b"x", &[2; 32]);
        s.record("a:", "str", b"short iv", &[3; 12]);
        s.record("a:", "str", b"x", &[4; 32]);
        let any = [0; 32];
        assert_eq!(s.take("a:", "int", b"x", &any), None);
        assert_eq!(s.take("b:", "str", b"x", &any), None);
        assert_eq!(s.take("a:", "str", b"short iv", &any), None);
        assert_eq!(s.take("a:", "str", b"x", &[2; 32]), Some([2; 32]));
        assert_eq!(s.take("a:", "str", b"x", &any), Some([1; 32]));
        assert_eq!(s.take("a:", "str", b"x", &any), Some([4; 32]));
        assert_eq!(s.take("a:", "str", b"x", &any), None);
    }
}

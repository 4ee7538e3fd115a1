//! IVs kept from a decryption, so that re-encrypting an unchanged value gives back its exact
//! ciphertext (SOPS_FORMAT.md §1.5), even when another tool chose the IV at random or the
//! value moved to another list index.
//!
//! Reusing an IV is safe only for the same key, AAD and plaintext: the cipher then produces
//! the same bytes again and reveals nothing new. A slot is therefore keyed by all three (the
//! key is the cipher's), and every IV is handed out at most once per encryption, and only to
//! the cipher it fits (by its length: 32 bytes for AES-GCM, 24 for XChaCha20).

use std::collections::{HashMap, VecDeque};

use sha2::{Digest, Sha256};

use super::{Iv, UniformHash};

/// IVs of decrypted values, by AAD, type and plaintext.
#[derive(Clone, Default)]
pub struct IvStash {
    /// Digest of (AAD, type, plaintext) → IVs in file order. A digest, so the stash holds no
    /// plaintext of its own.
    slots: HashMap<[u8; 32], Ivs, UniformHash>,
}

/// A slot's IVs in file order: nearly always one, kept inline (a file has as many slots as
/// values).
#[derive(Clone, Default)]
struct Ivs {
    first: Option<Iv>,
    rest: VecDeque<Iv>,
}

impl Ivs {
    fn push(&mut self, iv: Iv) {
        match self.first {
            None => self.first = Some(iv),
            Some(_) => self.rest.push_back(iv),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &Iv> {
        self.first.iter().chain(&self.rest)
    }

    fn get(&self, i: usize) -> Option<Iv> {
        self.iter().nth(i).copied()
    }

    fn remove(&mut self, i: usize) -> Option<Iv> {
        if i > 0 {
            return self.rest.remove(i - 1);
        }
        let first = self.first.take();
        self.first = self.rest.pop_front();
        first
    }
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

/// Which of a slot's IVs to hand out: `preferred`, else the first of its length.
fn choose(ivs: &Ivs, preferred: &Iv) -> Option<usize> {
    let fits = |iv: &Iv| iv.as_bytes().len() == preferred.as_bytes().len();
    ivs.iter()
        .position(|iv| iv == preferred)
        .or_else(|| ivs.iter().position(fits))
}

impl IvStash {
    /// Records that `plaintext` of type `type_name`, authenticated with `aad`, was stored with
    /// `iv`.
    pub fn record(&mut self, aad: &str, type_name: &str, plaintext: &[u8], iv: &[u8]) {
        if let Some(iv) = Iv::from_slice(iv) {
            self.slots
                .entry(slot(aad, type_name, plaintext))
                .or_default()
                .push(iv);
        }
    }

    /// A recorded IV for this value, removed from the stash: `preferred` (the IV the cipher
    /// derives) if it was recorded for it (the value stayed where it was), else the first one
    /// recorded of the same length (IVs of another length, as rops's 12-byte ones, are not
    /// reused).
    pub fn take(
        &mut self,
        aad: &str,
        type_name: &str,
        plaintext: &[u8],
        preferred: &Iv,
    ) -> Option<Iv> {
        // A new file has no stash: skip the digest.
        if self.slots.is_empty() {
            return None;
        }
        let ivs = self.slots.get_mut(&slot(aad, type_name, plaintext))?;
        let i = choose(ivs, preferred)?;
        ivs.remove(i)
    }

    /// The IV [`IvStash::take`] would hand out now, left in the stash.
    pub fn peek(&self, aad: &str, type_name: &str, plaintext: &[u8], preferred: &Iv) -> Option<Iv> {
        if self.slots.is_empty() {
            return None;
        }
        let ivs = self.slots.get(&slot(aad, type_name, plaintext))?;
        ivs.get(choose(ivs, preferred)?)
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(byte: u8, len: usize) -> Iv {
        Iv::from_slice(&vec![byte; len]).unwrap()
    }

    #[test]
    fn hands_out_each_iv_once_for_the_exact_value() {
        let mut s = IvStash::default();
        s.record("a:", "str", b"x", &[1; 32]);
        s.record("a:", "str", b"x", &[2; 32]);
        s.record("a:", "str", b"short iv", &[3; 12]);
        s.record("a:", "str", b"x", &[4; 32]);
        let any = iv(0, 32);
        assert_eq!(s.take("a:", "int", b"x", &any), None);
        assert_eq!(s.take("b:", "str", b"x", &any), None);
        assert_eq!(s.take("a:", "str", b"short iv", &any), None);
        assert_eq!(s.take("a:", "str", b"x", &iv(2, 32)), Some(iv(2, 32)));
        assert_eq!(s.take("a:", "str", b"x", &any), Some(iv(1, 32)));
        assert_eq!(s.take("a:", "str", b"x", &any), Some(iv(4, 32)));
        assert_eq!(s.take("a:", "str", b"x", &any), None);
    }

    #[test]
    fn peek_tells_what_take_hands_out_and_keeps_it() {
        let mut stash = IvStash::default();
        stash.record("a:", "str", b"x", iv(1, 32).as_bytes());
        stash.record("a:", "str", b"x", iv(2, 32).as_bytes());
        for preferred in [iv(2, 32), iv(9, 32)] {
            let peeked = stash.peek("a:", "str", b"x", &preferred);
            assert_eq!(peeked, stash.clone().take("a:", "str", b"x", &preferred));
        }
        assert_eq!(stash.peek("a:", "str", b"x", &iv(2, 32)), Some(iv(2, 32)));
        assert_eq!(stash.peek("a:", "str", b"y", &iv(2, 32)), None);
        assert_eq!(stash.take("a:", "str", b"x", &iv(2, 32)), Some(iv(2, 32)));
        assert_eq!(stash.peek("a:", "str", b"x", &iv(2, 32)), Some(iv(1, 32)));
    }

    #[test]
    fn hands_out_ivs_only_to_the_cipher_they_fit() {
        let mut s = IvStash::default();
        s.record("a:", "str", b"x", &[1; 32]);
        s.record("a:", "str", b"x", &[2; 24]);
        assert_eq!(s.take("a:", "str", b"x", &iv(0, 24)), Some(iv(2, 24)));
        assert_eq!(s.take("a:", "str", b"x", &iv(0, 24)), None);
        assert_eq!(s.take("a:", "str", b"x", &iv(0, 32)), Some(iv(1, 32)));
    }
}

//! The SOPS MAC: SHA-512 over the plaintext of every value in tree order.

use sha2::{Digest, Sha256, Sha512};

/// Accumulates the MAC of a tree.
pub struct Mac {
    hash: Sha512,
}

impl Mac {
    /// A new MAC; with `mac_only_encrypted` it starts with `SHA-256("sops")` so the two modes
    /// never produce the same MAC.
    pub fn new(mac_only_encrypted: bool) -> Mac {
        let mut hash = Sha512::new();
        if mac_only_encrypted {
            hash.update(Sha256::digest(b"sops"));
        }
        Mac { hash }
    }

    /// Adds one value's plaintext bytes.
    pub fn update(&mut self, plaintext: &[u8]) {
        self.hash.update(plaintext);
    }

    /// The MAC as SOPS stores it: 128 uppercase hex digits.
    pub fn finish(self) -> String {
        self.hash
            .finalize()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_macs_differ_by_mode() {
        let plain = Mac::new(false).finish();
        assert_eq!(plain.len(), 128);
        assert!(plain.starts_with("CF83E1357EEFB8BD"));
        assert_ne!(plain, Mac::new(true).finish());
    }
}

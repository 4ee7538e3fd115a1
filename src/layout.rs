//! The original spelling of encrypted values, so decryption gives back the exact bytes.
//!
//! An encrypted value only holds what SOPS defines: the typed plaintext (`0x1F` is the int
//! `31`, a folded YAML block is its folded text, `"caf\u00e9"` is `café`). When writing the
//! plaintext back from the value and the quoting kept in the file would not reproduce the
//! original text, the original goes into this record, keyed by the value's IV (which, being
//! derived from place, type and plaintext, says exactly which value it belongs to). The
//! record is encrypted with the data key and stored as `secrets_layout` in the metadata,
//! which sops ignores; files that need no record have no such field.

use std::collections::BTreeMap;

use zeroize::Zeroizing;

/// Bytes of an IV used as the key of a record entry.
const KEY_LEN: usize = 12;
const VERSION: u8 = 1;

/// Original spellings of values, keyed by the value's IV.
#[derive(Default)]
pub struct Layout {
    entries: BTreeMap<[u8; KEY_LEN], Zeroizing<Vec<u8>>>,
}

impl Layout {
    /// Records `raw` as the spelling of the value encrypted with `iv`.
    pub fn insert(&mut self, iv: &[u8], raw: &[u8]) {
        if let Some(key) = key_of(iv) {
            self.entries.insert(key, Zeroizing::new(raw.to_vec()));
        }
    }

    /// The recorded spelling of the value encrypted with `iv`.
    pub fn get(&self, iv: &[u8]) -> Option<&[u8]> {
        self.entries.get(&key_of(iv)?).map(|v| v.as_slice())
    }

    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Serializes the record: a version byte, then per entry the IV prefix, a 32-bit
    /// big-endian length and the spelling.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(vec![VERSION]);
        for (key, raw) in &self.entries {
            out.extend_from_slice(key);
            out.extend_from_slice(&(raw.len() as u32).to_be_bytes());
            out.extend_from_slice(raw);
        }
        out
    }

    /// Reads a serialized record; `None` if it is not one we wrote.
    pub fn from_bytes(bytes: &[u8]) -> Option<Layout> {
        let (&version, mut rest) = bytes.split_first()?;
        if version != VERSION {
            return None;
        }
        let mut layout = Layout::default();
        while !rest.is_empty() {
            let key: [u8; KEY_LEN] = rest.get(..KEY_LEN)?.try_into().ok()?;
            let len = u32::from_be_bytes(rest.get(KEY_LEN..KEY_LEN + 4)?.try_into().ok()?) as usize;
            let raw = rest.get(KEY_LEN + 4..KEY_LEN + 4 + len)?;
            layout.entries.insert(key, Zeroizing::new(raw.to_vec()));
            rest = &rest[KEY_LEN + 4 + len..];
        }
        Some(layout)
    }
}

fn key_of(iv: &[u8]) -> Option<[u8; KEY_LEN]> {
    iv.get(..KEY_LEN)?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut l = Layout::default();
        l.insert(&[1u8; 32], b"0x1F");
        l.insert(&[2u8; 32], b">\n  folded\n  text");
        let back = Layout::from_bytes(&l.to_bytes()).unwrap();
        assert_eq!(back.get(&[1u8; 32]), Some(&b"0x1F"[..]));
        assert_eq!(back.get(&[2u8; 32]), Some(&b">\n  folded\n  text"[..]));
        assert_eq!(back.get(&[3u8; 32]), None);
        assert!(Layout::from_bytes(&[9]).is_none());
        assert!(Layout::from_bytes(&[1, 0, 0]).is_none());
    }
}

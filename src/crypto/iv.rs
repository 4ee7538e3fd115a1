//! Deterministic IVs (DESIGN.md §3).
//!
//! `iv = HMAC-SHA256(k_iv, path ‖ 0x00 ‖ type ‖ 0x00 ‖ plaintext)` with
//! `k_iv = HKDF-SHA256(data_key, info = "secrets/v1 value-iv")`, its first 32 bytes for
//! AES-GCM (all of it) and 24 for XChaCha20. The same value at the same place encrypts to the
//! same bytes, so re-encrypting an unchanged file changes nothing and a one-value edit is a
//! one-line diff. What this reveals: that a value at a given place equals an earlier value
//! there. A new data key changes every IV.

use hkdf::Hkdf;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{Cipher, DataKey};
use crate::path::PathSeg;

const INFO: &[u8] = b"secrets/v1 value-iv";

/// The most bytes an IV has (SOPS's AES-GCM IVs).
const MAX_LEN: usize = 32;

/// Where a site ([`IvDeriver::site`]) holds the occurrence: after the document index.
const OCCURRENCE: std::ops::Range<usize> = 8..12;

/// An IV (nonce) of up to 32 bytes, kept inline so that sets of them cost no allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Iv {
    bytes: [u8; MAX_LEN],
    len: u8,
}

impl Iv {
    /// The IV `bytes`; `None` when empty or longer than 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Iv> {
        if bytes.is_empty() || bytes.len() > MAX_LEN {
            return None;
        }
        let mut iv = Iv {
            bytes: [0; MAX_LEN],
            len: bytes.len() as u8,
        };
        iv.bytes[..bytes.len()].copy_from_slice(bytes);
        Some(iv)
    }

    /// The IV's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// Where a value sits, for IV derivation: document index and the path with list indexes.
#[derive(Clone, Copy, Debug)]
pub struct IvPath<'a> {
    /// Index of the document (multi-document YAML), 0 otherwise.
    pub document: usize,
    /// Keys and list indexes from the document root.
    pub segments: &'a [PathSeg],
}

/// Derives the IVs of one data key for one cipher.
pub struct IvDeriver {
    mac: Hmac<Sha256>,
    len: usize,
}

impl IvDeriver {
    /// The deriver for `key`, making IVs of the length `cipher` needs.
    pub fn new(key: &DataKey, cipher: Cipher) -> IvDeriver {
        let mut k_iv = Zeroizing::new([0u8; 32]);
        Hkdf::<Sha256>::new(None, key.expose())
            .expand(INFO, k_iv.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        IvDeriver {
            mac: Hmac::new_from_slice(k_iv.as_ref()).expect("HMAC takes keys of any length"),
            len: cipher.iv_len(),
        }
    }

    /// The IV of `plaintext` of type `type_name` at `path`; `occurrence` tells apart values
    /// that are equal in all of that (duplicate keys), and is 0 otherwise.
    pub fn derive(
        &self,
        path: IvPath<'_>,
        type_name: &str,
        plaintext: &[u8],
        occurrence: u32,
    ) -> Iv {
        let mut site = Vec::new();
        IvDeriver::site(path, type_name, occurrence, &mut site);
        self.derive_at(&site, plaintext)
    }

    /// Appends to `out` what [`IvDeriver::derive`] hashes before the plaintext, so that the
    /// IVs of many values can be derived later, elsewhere, with [`IvDeriver::derive_at`].
    pub fn site(path: IvPath<'_>, type_name: &str, occurrence: u32, out: &mut Vec<u8>) {
        // An unambiguous encoding: every component is tagged and length-prefixed. The
        // occurrence is at `OCCURRENCE`, for `derive_again`.
        out.extend_from_slice(&(path.document as u64).to_be_bytes());
        out.extend_from_slice(&occurrence.to_be_bytes());
        for seg in path.segments {
            match seg {
                PathSeg::Key(k) => {
                    out.push(b'k');
                    out.extend_from_slice(&(k.len() as u64).to_be_bytes());
                    out.extend_from_slice(k.as_bytes());
                }
                PathSeg::Index(i) => {
                    out.push(b'i');
                    out.extend_from_slice(&(*i as u64).to_be_bytes());
                }
            }
        }
        out.push(0);
        out.extend_from_slice(type_name.as_bytes());
        out.push(0);
    }

    /// The IV of `plaintext` at `site` (from [`IvDeriver::site`]).
    pub fn derive_at(&self, site: &[u8], plaintext: &[u8]) -> Iv {
        let mut mac = self.mac.clone();
        mac.update(site);
        mac.update(plaintext);
        self.finish(mac)
    }

    /// [`IvDeriver::derive_at`] for the `occurrence` of a value whose site was made for
    /// another occurrence: the site's occurrence field is replaced.
    pub fn derive_again(&self, site: &[u8], occurrence: u32, plaintext: &[u8]) -> Iv {
        let mut mac = self.mac.clone();
        mac.update(&site[..OCCURRENCE.start]);
        mac.update(&occurrence.to_be_bytes());
        mac.update(&site[OCCURRENCE.end..]);
        mac.update(plaintext);
        self.finish(mac)
    }

    fn finish(&self, mac: Hmac<Sha256>) -> Iv {
        let digest = mac.finalize().into_bytes();
        Iv::from_slice(&digest[..self.len]).expect("IV lengths are at most the 32 bytes of SHA-256")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_input_same_iv_any_change_another() {
        let key = DataKey::generate();
        let d = IvDeriver::new(&key, Cipher::Aes256Gcm);
        let p = [PathSeg::Key("a".into()), PathSeg::Index(0)];
        let at = |segments| IvPath {
            document: 0,
            segments,
        };
        let iv = d.derive(at(&p), "str", b"x", 0);
        assert_eq!(iv, d.derive(at(&p), "str", b"x", 0));
        assert_ne!(iv, d.derive(at(&p), "str", b"y", 0));
        assert_ne!(iv, d.derive(at(&p), "int", b"x", 0));
        assert_ne!(iv, d.derive(at(&p[..1]), "str", b"x", 0));
        let q = [PathSeg::Key("a".into()), PathSeg::Index(1)];
        assert_ne!(iv, d.derive(at(&q), "str", b"x", 0));
        assert_ne!(iv, d.derive(at(&p), "str", b"x", 1));
        let other = IvDeriver::new(&DataKey::generate(), Cipher::Aes256Gcm);
        assert_ne!(iv, other.derive(at(&p), "str", b"x", 0));
    }

    #[test]
    fn the_iv_is_the_hmac_of_the_documented_encoding() {
        // Files encrypted by earlier versions keep their ciphertext only while this holds.
        let key = DataKey::from_slice(&[9; 32]).unwrap();
        let d = IvDeriver::new(&key, Cipher::Aes256Gcm);
        let p = [PathSeg::Key("db".into()), PathSeg::Index(3)];
        let at = IvPath {
            document: 1,
            segments: &p,
        };
        let mut k_iv = [0u8; 32];
        Hkdf::<Sha256>::new(None, key.expose())
            .expand(INFO, &mut k_iv)
            .unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&k_iv).unwrap();
        for part in [
            &1u64.to_be_bytes()[..],
            &2u32.to_be_bytes(),
            b"k",
            &2u64.to_be_bytes(),
            b"db",
            b"i",
            &3u64.to_be_bytes(),
            b"\0int\0",
            b"42",
        ] {
            mac.update(part);
        }
        let expected = mac.finalize().into_bytes();
        assert_eq!(d.derive(at, "int", b"42", 2).as_bytes(), &expected[..]);
        let xchacha = IvDeriver::new(&key, Cipher::XChaCha20Poly1305);
        assert_eq!(
            xchacha.derive(at, "int", b"42", 2).as_bytes(),
            &expected[..24]
        );
    }

    #[test]
    fn deriving_again_is_deriving_with_that_occurrence() {
        let d = IvDeriver::new(&DataKey::generate(), Cipher::Aes256Gcm);
        let p = [PathSeg::Key("a".into()), PathSeg::Index(7)];
        let at = IvPath {
            document: 2,
            segments: &p,
        };
        let mut site = Vec::new();
        IvDeriver::site(at, "str", 0, &mut site);
        assert_eq!(d.derive_at(&site, b"x"), d.derive(at, "str", b"x", 0));
        for occurrence in [0, 1, 300] {
            assert_eq!(
                d.derive_again(&site, occurrence, b"x"),
                d.derive(at, "str", b"x", occurrence)
            );
        }
    }

    #[test]
    fn an_iv_holds_1_to_32_bytes() {
        assert_eq!(Iv::from_slice(&[5; 24]).unwrap().as_bytes(), &[5; 24]);
        assert!(Iv::from_slice(&[]).is_none());
        assert!(Iv::from_slice(&[0; 33]).is_none());
        // Equal bytes of different lengths are different IVs.
        assert_ne!(Iv::from_slice(&[0; 24]), Iv::from_slice(&[0; 32]));
    }
}

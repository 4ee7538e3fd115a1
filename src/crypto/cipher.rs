//! The value cipher: `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`.
//!
//! AES-256-GCM with the file's data key, as SOPS does: 32-byte IVs (GCM derives its counter
//! block through GHASH for nonces that are not 12 bytes long); the AAD is the value's path
//! string. A file may instead use XChaCha20-Poly1305 (`ENC[XCHACHA20_POLY1305,...]`, 24-byte
//! nonces, same AAD and 16-byte tag), which `sops` cannot read. A file has one cipher; every
//! value names its own, so decryption needs no setting.

use std::fmt;
use std::ops::Range;

use aes_gcm::aead::consts::{U12, U16, U32};
use aes_gcm::aead::generic_array::typenum::Unsigned;
use aes_gcm::aead::generic_array::{ArrayLength, GenericArray};
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::aes::Aes256;
use aes_gcm::AesGcm;
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use zeroize::Zeroizing;

use super::{b64, Iv};

const TAG_LEN: usize = 16;

/// A value cipher, as named in `ENC[NAME,...]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Cipher {
    /// `AES256_GCM`: SOPS's cipher, the only one `sops` reads.
    #[default]
    Aes256Gcm,
    /// `XCHACHA20_POLY1305`: XChaCha20-Poly1305, for files no `sops` has to read.
    XChaCha20Poly1305,
}

impl Cipher {
    /// Every cipher.
    pub const ALL: [Cipher; 2] = [Cipher::Aes256Gcm, Cipher::XChaCha20Poly1305];

    /// The name written in `ENC[NAME,...]`.
    pub fn name(self) -> &'static str {
        match self {
            Cipher::Aes256Gcm => "AES256_GCM",
            Cipher::XChaCha20Poly1305 => "XCHACHA20_POLY1305",
        }
    }

    /// The cipher named `name` in `ENC[NAME,...]`.
    pub fn from_name(name: &[u8]) -> Option<Cipher> {
        Cipher::ALL
            .into_iter()
            .find(|c| c.name().as_bytes() == name)
    }

    /// The cipher named by a stored `ENC[NAME,data:...]` value; `Err` with the name when it
    /// is no cipher we know, `Ok(None)` when `stored` is not an `ENC[...]` value at all.
    pub fn of(stored: &[u8]) -> Result<Option<Cipher>, String> {
        match cipher_name(stored) {
            None => Ok(None),
            Some(name) => Cipher::from_name(name)
                .map(Some)
                .ok_or_else(|| String::from_utf8_lossy(name).into_owned()),
        }
    }

    /// Length of the IVs (nonces) this cipher writes: SOPS's 32 bytes for AES-GCM, 24 for
    /// XChaCha20.
    pub fn iv_len(self) -> usize {
        match self {
            Cipher::Aes256Gcm => 32,
            Cipher::XChaCha20Poly1305 => 24,
        }
    }

    /// Whether `sops` can decrypt values of this cipher.
    pub fn sops_reads(self) -> bool {
        self == Cipher::Aes256Gcm
    }
}

impl fmt::Display for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The `NAME` of a stored `ENC[NAME,data:...]`: uppercase letters, digits and `_`, so that
/// text which merely starts with `ENC[` is not taken for a value.
fn cipher_name(stored: &[u8]) -> Option<&[u8]> {
    // Nearly every value of a file is SOPS's cipher.
    const AES: &[u8] = b"ENC[AES256_GCM,data:";
    if stored.starts_with(AES) {
        return Some(&stored[4..AES.len() - 6]);
    }
    let rest = stored.strip_prefix(b"ENC[")?;
    let end = rest.iter().position(|&b| b == b',')?;
    let (name, after) = rest.split_at(end);
    let valid = |b: &u8| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_';
    (!name.is_empty() && name.len() <= 32 && name.iter().all(valid) && after.starts_with(b",data:"))
        .then_some(name)
}

/// Why a stored value cannot be decrypted.
#[derive(Debug, thiserror::Error)]
pub enum DecryptError {
    /// The value names a cipher we do not know.
    #[error("it is encrypted with {0}, a cipher secrets does not know (it knows AES256_GCM and XCHACHA20_POLY1305)")]
    UnknownCipher(String),
    /// The value is malformed, or does not authenticate.
    #[error("{0}")]
    Invalid(String),
}

impl From<String> for DecryptError {
    fn from(reason: String) -> DecryptError {
        DecryptError::Invalid(reason)
    }
}

impl From<&str> for DecryptError {
    fn from(reason: &str) -> DecryptError {
        DecryptError::Invalid(reason.into())
    }
}

/// A file's 32-byte data key. Zeroized on drop; `Debug` does not show it.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    /// A fresh random data key.
    pub fn generate() -> DataKey {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        DataKey(key)
    }

    /// A data key from its 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<DataKey> {
        let array: [u8; 32] = bytes.try_into().ok()?;
        Some(DataKey(Zeroizing::new(array)))
    }

    /// The key bytes.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

impl PartialEq for DataKey {
    fn eq(&self, other: &Self) -> bool {
        use subtle_eq::ct_eq;
        ct_eq(self.0.as_ref(), other.0.as_ref())
    }
}

mod subtle_eq {
    /// Constant-time comparison, so key equality checks do not leak timing.
    pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// Whether a stored string is a ciphertext, `ENC[NAME,data:...`, of any cipher (one we do
/// not know is still no plaintext).
pub fn is_encrypted(s: &[u8]) -> bool {
    cipher_name(s).is_some()
}

/// The parts of an `ENC[...]` string, borrowed from it.
#[derive(Debug, PartialEq, Eq)]
pub struct EncryptedValue<'a> {
    /// The cipher it names.
    pub cipher: Cipher,
    /// The base64 of the ciphertext without the tag.
    data: &'a [u8],
    /// The IV (nonce).
    pub iv: Iv,
    /// The authentication tag.
    pub tag: [u8; TAG_LEN],
    /// The SOPS type name of the plaintext.
    pub type_name: &'a str,
}

impl<'a> EncryptedValue<'a> {
    /// Parses a stored value the way sops's regular expression
    /// `^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]` does (with our other
    /// cipher's name in place of `AES256_GCM` as well): on the first line, greedy groups,
    /// anything after the closing bracket ignored.
    pub fn parse(stored: &'a [u8]) -> Result<EncryptedValue<'a>, DecryptError> {
        let line = match memchr::memchr(b'\n', stored) {
            Some(end) => &stored[..end],
            None => stored,
        };
        let cipher = Cipher::of(line)
            .map_err(DecryptError::UnknownCipher)?
            .ok_or("not an ENC[...] value")?;
        let rest = &line[cipher.name().len() + "ENC[,data:".len()..];
        let malformed = || DecryptError::from("malformed ENC[...] value");
        // Greedy groups: each field ends at the last separator that still lets the rest match.
        let close = memchr::memrchr(b']', rest).ok_or_else(malformed)?;
        let body = &rest[..close];
        let t = rfind(body, b",type:").ok_or_else(malformed)?;
        let g = rfind(&body[..t], b",tag:").ok_or_else(malformed)?;
        let i = rfind(&body[..g], b",iv:").ok_or_else(malformed)?;
        let (data, iv, tag) = (&body[..i], &body[i + 4..g], &body[g + 5..t]);
        let type_name = std::str::from_utf8(&body[t + 6..])
            .map_err(|_| DecryptError::from("the type of the ENC[...] value is not UTF-8"))?;
        // Empty data is an encrypted empty string: rops writes those (sops never does).
        if iv.is_empty() || tag.is_empty() || type_name.is_empty() {
            return Err(malformed());
        }
        let invalid = |what: &str| format!("the {what} of the ENC[...] value is not valid base64");
        let too_long = |what: &str| format!("the {what} of the ENC[...] value is too long");
        // The IV and tag are decoded on the stack (64 characters are 48 bytes at most); the
        // data, when the value is decrypted, into the caller's buffer.
        let short = |field: &[u8], what: &str| {
            if field.len() > 64 {
                return Err(too_long(what));
            }
            b64::decode_array::<48>(field).ok_or_else(|| invalid(what))
        };
        let (bytes, n) = short(iv, "iv")?;
        let iv = Iv::from_slice(&bytes[..n]).ok_or_else(|| too_long("iv"))?;
        let (bytes, n) = short(tag, "tag")?;
        let tag = bytes[..n]
            .try_into()
            .map_err(|_| "the tag of the ENC[...] value is not 16 bytes")?;
        Ok(EncryptedValue {
            cipher,
            data,
            iv,
            tag,
            type_name,
        })
    }

    /// The ciphertext without the tag.
    pub fn data(&self) -> Result<Vec<u8>, DecryptError> {
        let mut out = Vec::new();
        self.data_into(&mut out)?;
        Ok(out)
    }

    /// Appends the ciphertext without the tag to `out`.
    fn data_into(&self, out: &mut Vec<u8>) -> Result<(), DecryptError> {
        b64::decode_into(self.data, out)
            .ok_or_else(|| "the data of the ENC[...] value is not valid base64".into())
    }
}

/// The last `needle` in `hay`. The fields searched are short, so a backwards scan for the
/// needle's first byte beats setting up a substring searcher for every value of a file.
fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let mut end = hay.len();
    while let Some(at) = memchr::memrchr(needle[0], &hay[..end]) {
        if hay[at..].starts_with(needle) {
            return Some(at);
        }
        end = at;
    }
    None
}

/// A decrypted value: its type name and plaintext.
pub struct Decrypted {
    /// The cipher it was encrypted with.
    pub cipher: Cipher,
    /// SOPS type name.
    pub type_name: String,
    /// The plaintext bytes.
    pub plaintext: Zeroizing<Vec<u8>>,
    /// The value's IV, which keys the records kept per value (layout, re-encryption).
    pub iv: Iv,
}

/// A value decrypted into a buffer of the caller's ([`ValueCipher::open`]).
#[derive(Debug)]
pub struct Opened<'a> {
    /// The cipher it was encrypted with.
    pub cipher: Cipher,
    /// SOPS type name, borrowed from the stored value.
    pub type_name: &'a str,
    /// The value's IV, which keys the records kept per value (layout, re-encryption).
    pub iv: Iv,
    /// Where the plaintext is in the buffer.
    pub plaintext: Range<usize>,
}

/// The value cipher for one data key: encrypts with one [`Cipher`], decrypts values of
/// any. Holds the expanded AES key so that a file's many values do not each pay for the key
/// schedule.
pub struct ValueCipher {
    key: DataKey,
    cipher: Cipher,
    gcm: AesGcm<Aes256, U32>,
    xchacha: XChaCha20Poly1305,
}

impl ValueCipher {
    /// A cipher for `key` that encrypts with SOPS's AES-GCM.
    pub fn new(key: &DataKey) -> ValueCipher {
        ValueCipher::with_cipher(key, Cipher::default())
    }

    /// A cipher for `key` that encrypts with `cipher`.
    pub fn with_cipher(key: &DataKey, cipher: Cipher) -> ValueCipher {
        ValueCipher {
            key: key.clone(),
            cipher,
            gcm: AesGcm::new(GenericArray::from_slice(key.expose())),
            xchacha: XChaCha20Poly1305::new(GenericArray::from_slice(key.expose())),
        }
    }

    /// The data key.
    pub fn key(&self) -> &DataKey {
        &self.key
    }

    /// The cipher [`ValueCipher::encrypt`] uses.
    pub fn cipher(&self) -> Cipher {
        self.cipher
    }

    /// Encrypts `plaintext` of SOPS type `type_name` into an `ENC[...]` string.
    ///
    /// # Panics
    /// When `iv` is not [`Cipher::iv_len`] bytes long (the [`super::IvDeriver`] of the same
    /// cipher makes IVs of the right length).
    pub fn encrypt(&self, plaintext: &[u8], type_name: &str, aad: &[u8], iv: &Iv) -> String {
        let mut out = Vec::new();
        self.seal(plaintext, type_name, aad, iv, &mut out);
        String::from_utf8(out).expect("ENC[...] is the cipher's name, base64 and the type name")
    }

    /// [`ValueCipher::encrypt`], the `ENC[...]` string appended to `out`.
    ///
    /// # Panics
    /// As [`ValueCipher::encrypt`].
    pub fn seal(&self, plaintext: &[u8], type_name: &str, aad: &[u8], iv: &Iv, out: &mut Vec<u8>) {
        let iv = iv.as_bytes();
        assert_eq!(
            iv.len(),
            self.cipher.iv_len(),
            "IV length of {}",
            self.cipher
        );
        // Encrypted in place, on the stack for the usual short values: once sealed the buffer
        // holds ciphertext, which needs no wipe.
        let mut stack = [0u8; 256];
        let mut heap = Vec::new();
        let buf = match stack.get_mut(..plaintext.len()) {
            Some(buf) => buf,
            None => {
                heap.resize(plaintext.len(), 0);
                &mut heap[..]
            }
        };
        buf.copy_from_slice(plaintext);
        let sealed = match self.cipher {
            Cipher::Aes256Gcm => {
                self.gcm
                    .encrypt_in_place_detached(GenericArray::from_slice(iv), aad, buf)
            }
            Cipher::XChaCha20Poly1305 => {
                self.xchacha
                    .encrypt_in_place_detached(XNonce::from_slice(iv), aad, buf)
            }
        };
        let tag = sealed.expect("encrypting an in-memory value cannot fail");
        let name = self.cipher.name();
        out.reserve(
            "ENC[,data:,iv:,tag:,type:]".len()
                + name.len()
                + type_name.len()
                + b64::encoded_len(buf.len())
                + b64::encoded_len(iv.len())
                + b64::encoded_len(tag.len()),
        );
        out.extend_from_slice(b"ENC[");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b",data:");
        b64::encode_into(buf, out);
        out.extend_from_slice(b",iv:");
        b64::encode_into(iv, out);
        out.extend_from_slice(b",tag:");
        b64::encode_into(&tag, out);
        out.extend_from_slice(b",type:");
        out.extend_from_slice(type_name.as_bytes());
        out.push(b']');
    }

    /// Decrypts an `ENC[...]` string of any cipher with AAD `aad`.
    pub fn decrypt(&self, stored: &str, aad: &[u8]) -> Result<Decrypted, DecryptError> {
        let mut buf = Zeroizing::new(Vec::new());
        let opened = self.open(stored.as_bytes(), aad, &mut buf)?;
        Ok(Decrypted {
            cipher: opened.cipher,
            type_name: opened.type_name.to_string(),
            iv: opened.iv,
            plaintext: buf,
        })
    }

    /// [`ValueCipher::decrypt`], the plaintext appended to `out` (which is left as it was
    /// when the value does not decrypt).
    pub fn open<'a>(
        &self,
        stored: &'a [u8],
        aad: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Opened<'a>, DecryptError> {
        let value = EncryptedValue::parse(stored)?;
        let start = out.len();
        value.data_into(out)?;
        let buf = &mut out[start..];
        let tag = GenericArray::from_slice(&value.tag);
        let nonce = value.iv.as_bytes();
        let ok = match (value.cipher, nonce.len()) {
            (Cipher::Aes256Gcm, 32) => self
                .gcm
                .decrypt_in_place_detached(GenericArray::from_slice(nonce), aad, buf, tag)
                .is_ok(),
            (Cipher::Aes256Gcm, 12) => open::<U12>(&self.key, nonce, aad, buf, tag),
            (Cipher::Aes256Gcm, 16) => open::<U16>(&self.key, nonce, aad, buf, tag),
            (Cipher::XChaCha20Poly1305, 24) => self
                .xchacha
                .decrypt_in_place_detached(XNonce::from_slice(nonce), aad, buf, tag)
                .is_ok(),
            (cipher, n) => {
                out.truncate(start);
                return Err(format!("unsupported IV length {n} for {cipher}").into());
            }
        };
        if !ok {
            out.truncate(start);
            return Err(
                "authentication failed (wrong key, or the value or its path was changed)".into(),
            );
        }
        Ok(Opened {
            cipher: value.cipher,
            type_name: value.type_name,
            iv: value.iv,
            plaintext: start..out.len(),
        })
    }
}

/// Decrypts AES-GCM with a nonce length other than SOPS's 32 bytes (files written by other
/// tools).
fn open<N: ArrayLength<u8> + Unsigned>(
    key: &DataKey,
    iv: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &GenericArray<u8, U16>,
) -> bool {
    let gcm = AesGcm::<Aes256, N>::new(GenericArray::from_slice(key.expose()));
    gcm.decrypt_in_place_detached(GenericArray::from_slice(iv), aad, buf, tag)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{IvDeriver, IvPath};
    use crate::path::PathSeg;
    use base64::engine::general_purpose::STANDARD as B64;
    use base64::Engine as _;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len() / 2)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    fn fixture_key() -> DataKey {
        // Data key of shared/fixtures/sops/enc-example.yaml (datakeys.txt).
        let key = hex("a541a46faadeece5b333bb02a14a1f121e7af568706b95168d3f3e5a644b4e13");
        DataKey::from_slice(&key).unwrap()
    }

    fn iv(byte: u8, cipher: Cipher) -> Iv {
        Iv::from_slice(&vec![byte; cipher.iv_len()]).unwrap()
    }

    #[test]
    fn round_trip_of_each_cipher() {
        for cipher in Cipher::ALL {
            let key = DataKey::generate();
            let values = ValueCipher::with_cipher(&key, cipher);
            let s = values.encrypt(b"hunter2", "str", b"db:password:", &iv(7, cipher));
            assert!(
                s.starts_with(&format!("ENC[{},data:", cipher.name())),
                "{s}"
            );
            assert!(s.ends_with(",type:str]"), "{s}");
            let value = EncryptedValue::parse(s.as_bytes()).unwrap();
            assert_eq!(value.cipher, cipher);
            assert_eq!(value.iv.as_bytes().len(), cipher.iv_len());
            assert_eq!(value.tag.len(), TAG_LEN);
            // Any ValueCipher of the key decrypts it, whatever cipher it encrypts with.
            for reader in Cipher::ALL {
                let d = ValueCipher::with_cipher(&key, reader)
                    .decrypt(&s, b"db:password:")
                    .unwrap();
                assert_eq!(d.plaintext.as_slice(), b"hunter2");
                assert_eq!((&*d.type_name, d.cipher), ("str", cipher));
                assert_eq!(d.iv, value.iv);
            }
            assert!(values.decrypt(&s, b"db:user:").is_err());
            let other = ValueCipher::new(&DataKey::generate());
            assert!(other.decrypt(&s, b"db:password:").is_err());
        }
    }

    #[test]
    fn a_changed_tag_data_or_cipher_name_fails_to_decrypt() {
        let key = DataKey::generate();
        let values = ValueCipher::with_cipher(&key, Cipher::XChaCha20Poly1305);
        let s = values.encrypt(b"hunter2", "str", b"a:", &iv(1, Cipher::XChaCha20Poly1305));
        let v = EncryptedValue::parse(s.as_bytes()).unwrap();
        let with = |data: &[u8], tag: &[u8]| {
            format!(
                "ENC[XCHACHA20_POLY1305,data:{},iv:{},tag:{},type:str]",
                B64.encode(data),
                B64.encode(v.iv.as_bytes()),
                B64.encode(tag)
            )
        };
        assert!(values
            .decrypt(&with(&v.data().unwrap(), &v.tag), b"a:")
            .is_ok());
        let mut tag = v.tag;
        tag[0] ^= 1;
        assert!(values
            .decrypt(&with(&v.data().unwrap(), &tag), b"a:")
            .is_err());
        let mut data = v.data().unwrap();
        data[0] ^= 1;
        assert!(values.decrypt(&with(&data, &v.tag), b"a:").is_err());
        // The same bytes read as AES-GCM: the IV length does not fit, and neither would the tag.
        let relabelled = s.replacen("XCHACHA20_POLY1305", "AES256_GCM", 1);
        let Err(err) = values.decrypt(&relabelled, b"a:") else {
            panic!("a relabelled value decrypted");
        };
        assert!(err.to_string().contains("IV length 24"), "{err}");
    }

    #[test]
    fn xchacha_values_hold_standard_xchacha20_poly1305() {
        // Test vector A.3.1 of draft-irtf-cfrg-xchacha (key 80..9f, nonce 40..57): other
        // implementations can read what we write.
        let key = DataKey::from_slice(&hex(
            "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
        ))
        .unwrap();
        let nonce =
            Iv::from_slice(&hex("404142434445464748494a4b4c4d4e4f5051525354555657")).unwrap();
        let aad = hex("50515253c0c1c2c3c4c5c6c7");
        let plaintext = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
        let s = ValueCipher::with_cipher(&key, Cipher::XChaCha20Poly1305)
            .encrypt(plaintext, "str", &aad, &nonce);
        let v = EncryptedValue::parse(s.as_bytes()).unwrap();
        assert_eq!(
            v.data().unwrap(),
            hex("bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e")
        );
        assert_eq!(v.tag.to_vec(), hex("c0875924c1c7987947deafd8780acf49"));
    }

    #[test]
    fn deterministic_ivs_have_the_length_of_the_cipher() {
        let key = DataKey::generate();
        let path = [PathSeg::Key("a".into())];
        let at = IvPath {
            document: 0,
            segments: &path,
        };
        let encrypted = |cipher| {
            let iv = IvDeriver::new(&key, cipher).derive(at, "str", b"x", 0);
            assert_eq!(iv.as_bytes().len(), cipher.iv_len());
            let values = ValueCipher::with_cipher(&key, cipher);
            let s = values.encrypt(b"x", "str", b"a:", &iv);
            assert_eq!(values.decrypt(&s, b"a:").unwrap().iv, iv);
            (iv, s)
        };
        let (aes, aes_value) = encrypted(Cipher::Aes256Gcm);
        let (xchacha, xchacha_value) = encrypted(Cipher::XChaCha20Poly1305);
        // Deterministic: a new deriver gives the same value at the same place the same bytes.
        assert_eq!(encrypted(Cipher::XChaCha20Poly1305).1, xchacha_value);
        assert_eq!(encrypted(Cipher::Aes256Gcm).1, aes_value);
        // One derivation, cut to each cipher's length.
        assert_eq!(xchacha.as_bytes(), &aes.as_bytes()[..24]);
    }

    #[test]
    #[should_panic(expected = "IV length of XCHACHA20_POLY1305")]
    fn an_iv_of_the_wrong_length_is_a_bug() {
        let values = ValueCipher::with_cipher(&DataKey::generate(), Cipher::XChaCha20Poly1305);
        values.encrypt(b"x", "str", b"a:", &iv(0, Cipher::Aes256Gcm));
    }

    #[test]
    fn an_unknown_cipher_is_named_in_a_typed_error() {
        let s = "ENC[AES128_SIV,data:YQ==,iv:Yg==,tag:Yw==,type:str]";
        assert!(is_encrypted(s.as_bytes()));
        match ValueCipher::new(&DataKey::generate()).decrypt(s, b"a:") {
            Err(DecryptError::UnknownCipher(name)) => assert_eq!(name, "AES128_SIV"),
            other => panic!("{:?}", other.map(|d| d.type_name)),
        }
        assert_eq!(Cipher::of(s.as_bytes()), Err("AES128_SIV".into()));
        // Text that merely starts like a value is plaintext.
        for plain in [
            "ENC[",
            "ENC[]",
            "ENC[aes,data:x]",
            "ENC[AES256_GCM]",
            "ENC[,data:",
        ] {
            assert!(!is_encrypted(plain.as_bytes()), "{plain}");
            assert_eq!(Cipher::of(plain.as_bytes()), Ok(None));
        }
        for cipher in Cipher::ALL {
            assert_eq!(Cipher::from_name(cipher.name().as_bytes()), Some(cipher));
        }
    }

    #[test]
    fn parse_is_greedy_and_ignores_trailing_text() {
        let s = "ENC[AES256_GCM,data:YQ==,iv:Yg==,tag:Y2NjY2NjY2NjY2NjY2NjYw==,type:str]\ntrailing";
        let v = EncryptedValue::parse(s.as_bytes()).unwrap();
        assert_eq!(
            (v.data().unwrap().as_slice(), v.type_name),
            (&b"a"[..], "str")
        );
        // rops writes encrypted empty strings.
        let empty = EncryptedValue::parse(
            b"ENC[AES256_GCM,data:,iv:Yg==,tag:Y2NjY2NjY2NjY2NjY2NjYw==,type:str]",
        );
        assert!(empty.unwrap().data().unwrap().is_empty());
        assert!(EncryptedValue::parse(
            b"ENC[AES256_GCM,data:YQ==,iv:,tag:Y2NjY2NjY2NjY2NjY2NjYw==,type:str]"
        )
        .is_err());
        assert!(EncryptedValue::parse(b"plain").is_err());
        // A tag is 16 bytes.
        assert!(
            EncryptedValue::parse(b"ENC[AES256_GCM,data:YQ==,iv:Yg==,tag:Yw==,type:str]").is_err()
        );
        let x = EncryptedValue::parse(
            b"ENC[XCHACHA20_POLY1305,data:YQ==,iv:Yg==,tag:Y2NjY2NjY2NjY2NjY2NjYw==,type:int]",
        );
        assert_eq!(x.unwrap().cipher, Cipher::XChaCha20Poly1305);
    }

    #[test]
    fn decrypts_a_value_written_by_sops() {
        let stored = "ENC[AES256_GCM,data:5SY/BxA=,iv:IKfGBj5j1Qha+8ID7g/znfJxg8iNQDkbQ94CPek8C/I=,tag:3Hs1y239BMYDN6v6lUfUbg==,type:str]";
        let d = ValueCipher::new(&fixture_key())
            .decrypt(stored, b"hello:")
            .unwrap();
        assert_eq!(d.plaintext.as_slice(), b"world");
        assert_eq!((&*d.type_name, d.cipher), ("str", Cipher::Aes256Gcm));
    }
}

//! The SOPS value cipher: `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`.
//!
//! AES-256-GCM with the file's data key; SOPS uses 32-byte IVs (GCM derives its counter block
//! through GHASH for nonces that are not 12 bytes long); the AAD is the value's path string.

use std::fmt;

use aes_gcm::aead::consts::{U12, U16, U32};
use aes_gcm::aead::generic_array::typenum::Unsigned;
use aes_gcm::aead::generic_array::{ArrayLength, GenericArray};
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::aes::Aes256;
use aes_gcm::AesGcm;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rand::RngCore;
use zeroize::Zeroizing;

const PREFIX: &str = "ENC[AES256_GCM,data:";
const TAG_LEN: usize = 16;

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

/// Whether a stored string is a SOPS ciphertext.
pub fn is_encrypted(s: &[u8]) -> bool {
    s.starts_with(PREFIX.as_bytes())
}

/// The parts of an `ENC[...]` string.
#[derive(Debug, PartialEq, Eq)]
pub struct EncryptedValue<'a> {
    /// Ciphertext without the tag.
    pub data: Vec<u8>,
    /// The IV (nonce).
    pub iv: Vec<u8>,
    /// The 16-byte GCM tag.
    pub tag: Vec<u8>,
    /// The SOPS type name of the plaintext.
    pub type_name: &'a str,
}

impl<'a> EncryptedValue<'a> {
    /// Parses a stored value the way sops's regular expression
    /// `^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]` does: on the first line,
    /// greedy groups, anything after the closing bracket ignored.
    pub fn parse(s: &'a str) -> Result<EncryptedValue<'a>, String> {
        let line = s.split('\n').next().unwrap_or_default();
        let rest = line
            .strip_prefix(PREFIX)
            .ok_or("not an ENC[AES256_GCM,...] value")?;
        let malformed = || "malformed ENC[...] value".to_string();
        // Greedy groups: each field ends at the last separator that still lets the rest match.
        let close = rest.rfind(']').ok_or_else(malformed)?;
        let body = &rest[..close];
        let t = rfind(body, ",type:").ok_or_else(malformed)?;
        let g = rfind(&body[..t], ",tag:").ok_or_else(malformed)?;
        let i = rfind(&body[..g], ",iv:").ok_or_else(malformed)?;
        let (data, iv, tag) = (&body[..i], &body[i + 4..g], &body[g + 5..t]);
        let type_name = &body[t + 6..];
        // Empty data is an encrypted empty string: rops writes those (sops never does).
        if [iv, tag, type_name].iter().any(|f| f.is_empty()) {
            return Err(malformed());
        }
        let decode = |field: &str, what: &str| {
            B64.decode(field)
                .map_err(|_| format!("the {what} of the ENC[...] value is not valid base64"))
        };
        Ok(EncryptedValue {
            data: decode(data, "data")?,
            iv: decode(iv, "iv")?,
            tag: decode(tag, "tag")?,
            type_name,
        })
    }
}

/// The last `needle` in `hay`. The fields searched are short, so a plain backwards scan beats
/// setting up a substring searcher for every value of a file.
fn rfind(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes()
        .windows(needle.len())
        .rposition(|w| w == needle.as_bytes())
}

/// A decrypted value: its type name and plaintext.
pub struct Decrypted {
    /// SOPS type name.
    pub type_name: String,
    /// The plaintext bytes.
    pub plaintext: Zeroizing<Vec<u8>>,
    /// The value's IV, which keys the records kept per value (layout, re-encryption).
    pub iv: Vec<u8>,
}

/// The value cipher for one data key; holds the expanded AES key so that a file's many values
/// do not each pay for the key schedule.
pub struct ValueCipher {
    key: DataKey,
    gcm: AesGcm<Aes256, U32>,
}

impl ValueCipher {
    /// A cipher for `key`.
    pub fn new(key: &DataKey) -> ValueCipher {
        ValueCipher {
            key: key.clone(),
            gcm: AesGcm::new(GenericArray::from_slice(key.expose())),
        }
    }

    /// The data key.
    pub fn key(&self) -> &DataKey {
        &self.key
    }

    /// Encrypts `plaintext` of SOPS type `type_name` into an `ENC[...]` string.
    pub fn encrypt(&self, plaintext: &[u8], type_name: &str, aad: &[u8], iv: &[u8; 32]) -> String {
        let mut buf = Zeroizing::new(plaintext.to_vec());
        let tag = self
            .gcm
            .encrypt_in_place_detached(GenericArray::from_slice(iv), aad, &mut buf)
            .expect("AES-GCM encryption of an in-memory value cannot fail");
        format!(
            "{PREFIX}{},iv:{},tag:{},type:{type_name}]",
            B64.encode(buf.as_slice()),
            B64.encode(iv),
            B64.encode(tag)
        )
    }

    /// Decrypts an `ENC[...]` string with AAD `aad`.
    pub fn decrypt(&self, stored: &str, aad: &[u8]) -> Result<Decrypted, String> {
        let value = EncryptedValue::parse(stored)?;
        if value.tag.len() != TAG_LEN {
            return Err("the tag of the ENC[...] value is not 16 bytes".into());
        }
        let EncryptedValue {
            data,
            iv,
            tag,
            type_name,
        } = value;
        let mut buf = Zeroizing::new(data);
        let tag = GenericArray::from_slice(&tag);
        let ok = match iv.len() {
            32 => self
                .gcm
                .decrypt_in_place_detached(GenericArray::from_slice(&iv), aad, &mut buf, tag)
                .is_ok(),
            12 => open::<U12>(&self.key, &iv, aad, &mut buf, tag),
            16 => open::<U16>(&self.key, &iv, aad, &mut buf, tag),
            n => return Err(format!("unsupported IV length {n}")),
        };
        if !ok {
            return Err(
                "authentication failed (wrong key, or the value or its path was changed)".into(),
            );
        }
        Ok(Decrypted {
            type_name: type_name.to_string(),
            plaintext: buf,
            iv,
        })
    }
}

/// Decrypts with a nonce length other than SOPS's 32 bytes (files written by other tools).
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

    fn fixture_key() -> DataKey {
        // Data key of shared/fixtures/sops/enc-example.yaml (datakeys.txt).
        let hex = "a541a46faadeece5b333bb02a14a1f121e7af568706b95168d3f3e5a644b4e13";
        let bytes: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        DataKey::from_slice(&bytes).unwrap()
    }

    #[test]
    fn round_trip_with_32_byte_iv() {
        let key = DataKey::generate();
        let cipher = ValueCipher::new(&key);
        let s = cipher.encrypt(b"hunter2", "str", b"db:password:", &[7u8; 32]);
        assert!(s.starts_with("ENC[AES256_GCM,data:") && s.ends_with(",type:str]"));
        let d = cipher.decrypt(&s, b"db:password:").unwrap();
        assert_eq!(d.plaintext.as_slice(), b"hunter2");
        assert_eq!(d.type_name, "str");
        assert!(cipher.decrypt(&s, b"db:user:").is_err());
        let other = ValueCipher::new(&DataKey::generate());
        assert!(other.decrypt(&s, b"db:password:").is_err());
    }

    #[test]
    fn parse_is_greedy_and_ignores_trailing_text() {
        let s = "ENC[AES256_GCM,data:YQ==,iv:Yg==,tag:Yw==,type:str]\ntrailing";
        let v = EncryptedValue::parse(s).unwrap();
        assert_eq!((v.data.as_slice(), v.type_name), (&b"a"[..], "str"));
        // rops writes encrypted empty strings.
        let empty = EncryptedValue::parse("ENC[AES256_GCM,data:,iv:Yg==,tag:Yw==,type:str]");
        assert!(empty.unwrap().data.is_empty());
        assert!(EncryptedValue::parse("ENC[AES256_GCM,data:YQ==,iv:,tag:Yw==,type:str]").is_err());
        assert!(EncryptedValue::parse("plain").is_err());
    }

    #[test]
    fn decrypts_a_value_written_by_sops() {
        let stored = "ENC[AES256_GCM,data:5SY/BxA=,iv:IKfGBj5j1Qha+8ID7g/znfJxg8iNQDkbQ94CPek8C/I=,tag:3Hs1y239BMYDN6v6lUfUbg==,type:str]";
        let d = ValueCipher::new(&fixture_key())
            .decrypt(stored, b"hello:")
            .unwrap();
        assert_eq!(d.plaintext.as_slice(), b"world");
        assert_eq!(d.type_name, "str");
    }
}

//! A fixed data key and key group for the fuzz targets.
#![allow(dead_code)] // Each target uses part of it.

use std::sync::OnceLock;

use secrets::crypto::DataKey;
use secrets::decrypt::{decrypt, DecryptOptions};
use secrets::encrypt::{encrypt, EncryptOptions, Keys};
use secrets::format::FileFormat;
use secrets::metadata::StoredKey;

/// The format a fuzz input is read as: its first byte chooses.
pub fn format(selector: u8) -> FileFormat {
    FileFormat::ALL[selector as usize % FileFormat::ALL.len()]
}

/// One data key for every run; the stored key entry is a placeholder, never unwrapped.
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut key = StoredKey {
            kind: "age".into(),
            fields: Default::default(),
        };
        key.fields.insert("recipient".into(), "age1fuzz".into());
        key.fields.insert("enc".into(), "placeholder".into());
        Keys {
            data_key: DataKey::from_slice(&[7u8; 32]).expect("32 bytes"),
            key_groups: vec![vec![key]],
        }
    })
}

/// Any input `format` accepts encrypts, and decrypts back to the same bytes
/// (losslessness); anything else is an error, never a panic.
pub fn roundtrip(format: FileFormat, text: &[u8]) {
    // A plaintext holding ciphertexts under the fixed fuzz key (copied from an encrypted seed)
    // decrypts to their plaintext: a round trip is only defined for real plaintext.
    if text.windows(4).any(|w| w == b"ENC[") {
        return;
    }
    let format = format.format();
    let Ok(doc) = format.parse(text.to_vec()) else { return };
    let keys = keys();
    let Ok(sealed) = encrypt(format, &doc, keys, &EncryptOptions::default(), None) else { return };
    let doc = format
        .parse(sealed.bytes.to_vec())
        .expect("our encrypted output parses");
    let opened = decrypt(format, &doc, &keys.data_key, DecryptOptions::default())
        .expect("our encrypted output decrypts");
    assert_eq!(opened.bytes, text, "decrypt(encrypt(f)) != f");
}

//! The `ENC[...]` syntax: parsing and decrypting arbitrary text never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secrets::crypto::{EncryptedValue, ValueCipher};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = EncryptedValue::parse(text);
    let _ = ValueCipher::new(&common::keys().data_key).decrypt(text, b"a:");
});

//! The `ENC[...]` syntax: parsing and decrypting arbitrary text never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secrets::crypto::{EncryptedValue, ValueCipher};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let _ = EncryptedValue::parse(data);
    let mut out = vec![7];
    if ValueCipher::new(&common::keys().data_key).open(data, b"a:", &mut out).is_err() {
        assert_eq!(out, [7], "a value that does not decrypt leaves the buffer as it was");
    }
});

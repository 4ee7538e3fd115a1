//! Any input a format accepts encrypts, and decrypts back to the same bytes (losslessness).
#![no_main]

use libfuzzer_sys::fuzz_target;
use secrets::decrypt::{decrypt, DecryptOptions};
use secrets::encrypt::{encrypt, EncryptOptions};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, text)) = data.split_first() else { return };
    let format = common::format(selector).format();
    let Ok(doc) = format.parse(text.to_vec()) else { return };
    let keys = common::keys();
    let Ok(sealed) = encrypt(format, &doc, keys, &EncryptOptions::default(), None) else { return };
    let doc = format
        .parse(sealed.bytes.clone())
        .expect("our encrypted output parses");
    let opened = decrypt(format, &doc, &keys.data_key, DecryptOptions::default())
        .expect("our encrypted output decrypts");
    assert_eq!(opened.bytes, text, "decrypt(encrypt(f)) != f");
});

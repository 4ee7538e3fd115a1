//! Decrypting arbitrary bytes gives an error or a result, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secrets::decrypt::{decrypt, DecryptOptions};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, text)) = data.split_first() else { return };
    let format = common::format(selector).format();
    let Ok(doc) = format.parse(text.to_vec()) else { return };
    let _ = decrypt(format, &doc, &common::keys().data_key, DecryptOptions { ignore_mac: selector & 0x80 != 0, ..DecryptOptions::default() });
});

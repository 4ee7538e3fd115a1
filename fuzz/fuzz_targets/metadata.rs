//! The metadata block: reading arbitrary JSON, and flattened dotenv/INI pairs, never panics,
//! and what reads writes back to an equal value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secrets::metadata::{self, EmptyList, Metadata};

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(md) = Metadata::from_value(&value) {
            let again = Metadata::from_value(&md.to_value(EmptyList::Null)).expect("re-reads");
            assert_eq!(again, md);
        }
    }
    let text = String::from_utf8_lossy(data);
    let pairs = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k, v.to_string()));
    let _ = Metadata::from_value(&metadata::unflatten(pairs));
});

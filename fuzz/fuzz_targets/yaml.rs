//! YAML: any input the parser accepts round-trips byte for byte through encrypt and
//! decrypt; any other input is an error, never a panic. Where the fast reader of block-style
//! YAML reads an input, its events are saphyr-parser's.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secrets::format::FileFormat;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        assert_ne!(
            secrets::format::fast_reader_agrees(text),
            Some(false),
            "the fast reader and saphyr-parser read this differently"
        );
    }
    common::roundtrip(FileFormat::Yaml, data)
});

//! dotenv: any input the parser accepts round-trips byte for byte through encrypt and
//! decrypt; any other input is an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secrets::format::FileFormat;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::roundtrip(FileFormat::Dotenv, data));

//! `.sops.yaml`: any bytes give a configuration or an error, never a panic, and a rule
//! lookup on a parsed configuration never panics either.
#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use secrets::config::Config;

fuzz_target!(|data: &[u8]| {
    if let Ok(config) = Config::parse(data, Path::new("/repo/.sops.yaml"), PathBuf::from("/repo")) {
        let _ = config.rule_for(Some(Path::new("/repo/secrets/prod.yaml")));
        let _ = config.rule_for(None);
    }
});

//! Encrypts a YAML document for a new age key and decrypts it again with the library API.
//!
//! Run with `cargo run --example roundtrip`.

use secrets::crypto::DataKey;
use secrets::decrypt::{decrypt, metadata_of, DecryptOptions};
use secrets::encrypt::{encrypt, EncryptOptions, Keys};
use secrets::format::FileFormat;
use secrets::keys::{self, age::AgeIdentities, Keyring};

fn main() -> Result<(), secrets::Error> {
    let plaintext = "# Production database\ndb:\n  user: admin\n  password: hunter2\n";
    let (identity, recipient) = keys::age::generate("2026-01-01T00:00:00Z");

    let format = FileFormat::Yaml.format();
    let doc = format.parse(plaintext.as_bytes().to_vec())?;
    let data_key = DataKey::generate();
    let key_groups = keys::wrap(
        &vec![keys::parse_recipients("age", &recipient)?],
        &data_key,
        0,
    )?;
    let sealed = encrypt(
        format,
        &doc,
        &Keys {
            data_key,
            key_groups,
        },
        &EncryptOptions::default(),
        None,
    )?;
    let sealed = sealed.bytes.to_vec();
    println!("{}", String::from_utf8_lossy(&sealed));

    let doc = format.parse(sealed)?;
    let keyring = Keyring::new(vec![Box::new(AgeIdentities::from_text(&identity))]);
    let key = keyring.data_key(metadata_of(&doc)?)?;
    let opened = decrypt(format, &doc, &key, DecryptOptions::default())?;
    assert_eq!(opened.bytes, plaintext.as_bytes());
    println!(
        "decrypted back to the original {} bytes",
        opened.bytes.len()
    );
    Ok(())
}

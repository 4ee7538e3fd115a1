//! `rotate`: a new data key, every value encrypted again with it (with the file's cipher),
//! and the key wrapped for the file's recipients with some added or removed (`--add-*` go to
//! the first key group, `--rm-*` leave every group, as in sops). A removed recipient cannot
//! read the result.

use zeroize::Zeroizing;

use crate::decrypt::{decrypt_file, DecryptOptions};
use crate::encrypt::{encrypt_file, EncryptOptions, Encrypted};
use crate::error::Error;
use crate::format::FileFormat;
use crate::keys::{self, Keyring, Recipient, RecipientGroups};
use crate::rewrap::Rekey;

/// Recipients to add to and remove from a file.
#[derive(Default)]
pub struct KeyChanges {
    /// Added to the first key group.
    pub add: Vec<Box<dyn Recipient>>,
    /// Removed from every group; each must be in the file unless `missing_ok`.
    pub remove: Vec<Box<dyn Recipient>>,
    /// A removed key the file does not have is no error (over many files, most may not).
    pub missing_ok: bool,
}

/// Rotates the data key of an encrypted file read as `input_format`, written as
/// `output_format`.
pub fn rotate(
    input: Vec<u8>,
    input_format: FileFormat,
    output_format: FileFormat,
    keyring: &Keyring,
    changes: KeyChanges,
    options: DecryptOptions,
) -> Result<Encrypted, Error> {
    let file = Rekey::open(input.clone(), input_format)?;
    let metadata = file.metadata().clone();
    for r in changes.remove.iter().filter(|_| !changes.missing_ok) {
        if !metadata.keys().any(|(_, k)| r.matches(k)) {
            return Err(Error::Conflict(format!(
                "cannot remove {} {}: the file has no such key",
                r.kind(),
                r.id()
            )));
        }
    }
    let mut groups: RecipientGroups = Vec::new();
    for (i, group) in metadata.key_groups.iter().enumerate() {
        let kept = group
            .iter()
            .filter(|k| !changes.remove.iter().any(|r| r.matches(k)))
            .map(keys::recipient_of)
            .collect::<Result<Vec<_>, _>>()?;
        let gets_added_keys = i == 0 && !changes.add.is_empty();
        if kept.is_empty() && !gets_added_keys {
            return Err(Error::Conflict(format!(
                "removing these keys leaves key group {} without keys; add another key to it (--add-age, --add-pgp) or delete the group with `secrets groups delete`",
                i + 1
            )));
        }
        groups.push(kept);
    }
    for r in changes.add {
        if !groups[0]
            .iter()
            .any(|have| have.kind() == r.kind() && have.id() == r.id())
        {
            groups[0].push(r);
        }
    }
    let plaintext = Zeroizing::new(
        decrypt_file(input, input_format, input_format, keyring, options, None)?.bytes,
    );
    let options = EncryptOptions {
        crypt_rule: metadata.crypt_rule.clone(),
        mac_only_encrypted: metadata.mac_only_encrypted,
        shamir_threshold: metadata.shamir_threshold,
        cipher: metadata.cipher()?,
    };
    encrypt_file(
        plaintext.to_vec(),
        input_format,
        output_format,
        &groups,
        &options,
    )
}

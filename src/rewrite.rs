//! Changing an encrypted file: decrypt it once, change the plaintext (an editor, `set`,
//! `unset`, or a new plaintext for the same file), and encrypt it again with the same data
//! key, key groups and crypt rule. Unchanged values keep their exact ciphertext, and
//! `lastmodified`/`mac` change only when the content did, so the diff shows what changed.

use zeroize::Zeroizing;

use crate::crypto::{DataKey, IvStash};
use crate::decrypt::{self, DecryptOptions};
use crate::encrypt::{self, EncryptOptions, Encrypted, Keys};
use crate::error::Error;
use crate::format::FileFormat;
use crate::keys::Keyring;
use crate::metadata::Metadata;
use crate::plain::{self, Plain};
use crate::tree::Document;

/// An encrypted file, decrypted and ready to be encrypted again after a change.
pub struct Opened {
    format: FileFormat,
    key: DataKey,
    metadata: Metadata,
    stash: IvStash,
    plaintext: Zeroizing<Vec<u8>>,
    /// Things the user should know (from decryption).
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl Opened {
    /// Decrypts an encrypted file of `format`, with the data key `keyring` recovers.
    pub fn open(
        bytes: Vec<u8>,
        format: FileFormat,
        keyring: &Keyring,
        options: DecryptOptions,
    ) -> Result<Opened, Error> {
        let doc = format.format().parse(bytes)?;
        let metadata = decrypt::metadata_of(&doc)?.clone();
        let key = keyring.data_key(&metadata)?;
        let decrypted = decrypt::decrypt(format.format(), &doc, &key, options)?;
        Ok(Opened {
            format,
            key,
            metadata,
            stash: decrypted.stash().clone(),
            plaintext: Zeroizing::new(decrypted.bytes.clone()),
            warnings: decrypted.warnings.clone(),
        })
    }

    /// The file's format.
    pub fn format(&self) -> FileFormat {
        self.format
    }

    /// The decrypted file, in its own layout.
    pub fn plaintext(&self) -> &[u8] {
        &self.plaintext
    }

    /// The metadata of the file as it was opened.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The decrypted file, parsed.
    pub fn document(&self) -> Result<Document, Error> {
        self.format.format().parse(self.plaintext.to_vec())
    }

    /// The first document of the decrypted file as a plain tree of typed values.
    pub fn values(&self) -> Result<Plain, Error> {
        let doc = self.document()?;
        Ok(plain::typed_documents(&doc, &plain::Stored)
            .into_iter()
            .next()
            .unwrap_or(Plain::Map(Vec::new())))
    }

    /// Encrypts a new plaintext of the file (same format) with the file's data key, key
    /// groups and crypt rule.
    pub fn seal(&self, plaintext: Vec<u8>) -> Result<Encrypted, Error> {
        let doc = self.format.format().parse(plaintext)?;
        self.seal_document(&doc)
    }

    /// [`Opened::seal`] for a parsed plaintext.
    pub fn seal_document(&self, doc: &Document) -> Result<Encrypted, Error> {
        let keys = Keys {
            data_key: self.key.clone(),
            key_groups: self.metadata.key_groups.clone(),
        };
        let options = EncryptOptions {
            crypt_rule: self.metadata.crypt_rule.clone(),
            mac_only_encrypted: self.metadata.mac_only_encrypted,
            shamir_threshold: self.metadata.shamir_threshold,
        };
        encrypt::reencrypt(
            self.format,
            doc,
            &keys,
            &options,
            &self.metadata,
            &self.stash,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{self, age::AgeIdentities};

    fn keyring() -> (Keyring, String) {
        let (text, recipient) = keys::age::generate("2024-01-01T00:00:00Z");
        let identities = AgeIdentities::from_text(&text);
        (Keyring::new(vec![Box::new(identities)]), recipient)
    }

    #[test]
    fn a_changed_value_is_the_only_changed_line() {
        let (keyring, recipient) = keyring();
        let groups = vec![keys::parse_recipients("age", &recipient).unwrap()];
        let plain = b"a: 1\nb: two\nc: [x, y]\n".to_vec();
        let sealed = encrypt::encrypt_file(
            plain,
            FileFormat::Yaml,
            FileFormat::Yaml,
            &groups,
            &EncryptOptions::default(),
        )
        .unwrap();
        let opened = Opened::open(
            sealed.bytes.clone(),
            FileFormat::Yaml,
            &keyring,
            DecryptOptions::default(),
        )
        .unwrap();
        assert_eq!(opened.plaintext(), b"a: 1\nb: two\nc: [x, y]\n");
        let same = opened.seal(opened.plaintext().to_vec()).unwrap();
        assert_eq!(same.bytes, sealed.bytes, "nothing changed, nothing differs");
        let changed = opened
            .seal(b"a: 1\nb: three\nc: [x, y]\n".to_vec())
            .unwrap();
        let before = String::from_utf8(sealed.bytes).unwrap();
        let after = String::from_utf8(changed.bytes).unwrap();
        let differing: Vec<(&str, &str)> = before
            .lines()
            .zip(after.lines())
            .filter(|(a, b)| a != b)
            .collect();
        // lastmodified has a resolution of one second: it may not have moved yet.
        let kinds: Vec<&str> = differing
            .iter()
            .map(|(line, _)| line.trim_start().split(':').next().unwrap_or_default())
            .filter(|k| *k != "lastmodified")
            .collect();
        assert_eq!(kinds, ["b", "mac"], "{differing:#?}");
    }
}

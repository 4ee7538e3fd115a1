//! Changing an encrypted file: decrypt it once, change the plaintext (an editor, `set`,
//! `unset`, or a new plaintext for the same file), and encrypt it again with the same data
//! key, key groups and crypt rule. Unchanged values keep their exact ciphertext, and
//! `lastmodified`/`mac` change only when the content did, so the diff shows what changed.

use zeroize::Zeroizing;

use crate::change;
use crate::crypto::{is_encrypted, Cipher, DataKey, IvDeriver, IvPath, IvStash, ValueCipher};
use crate::decrypt::{self, DecryptOptions};
use crate::encrypt::{self, EncryptOptions, Encrypted, Keys};
use crate::error::Error;
use crate::format::FileFormat;
use crate::keys::Keyring;
use crate::metadata::{Metadata, FORMAT_VERSION};
use crate::path::{self, PathSeg};
use crate::plain::{self, Plain};
use crate::timestamp::Timestamp;
use crate::tree::{Document, LeafKind, NodeRef, Patches, Quote, Rendering};
use crate::value::Scalar;

/// An encrypted file, parsed, with its data key recovered: ready to be decrypted, or to
/// have one value changed in place.
pub struct Unlocked {
    format: FileFormat,
    doc: Document,
    key: DataKey,
}

impl std::fmt::Debug for Unlocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unlocked")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// The result of [`Unlocked::set_in_place`].
pub struct SetInPlace {
    /// The file with the value set (the file as it was when nothing changed).
    pub file: Encrypted,
    /// Whether the value changed.
    pub changed: bool,
}

impl Unlocked {
    /// Parses an encrypted file of `format` and recovers its data key with `keyring`.
    pub fn open(bytes: Vec<u8>, format: FileFormat, keyring: &Keyring) -> Result<Unlocked, Error> {
        let doc = format.format().parse(bytes)?;
        let key = keyring.data_key(decrypt::metadata_of(&doc)?)?;
        Ok(Unlocked { format, doc, key })
    }

    /// Decrypts the file, keeping what encrypting it again needs.
    pub fn decrypt(self, options: DecryptOptions) -> Result<Opened, Error> {
        let options = DecryptOptions {
            keep_ivs: true,
            ..options
        };
        let decrypted = decrypt::decrypt(self.format.format(), &self.doc, &self.key, options)?;
        let metadata = decrypt::metadata_of(&self.doc)?.clone();
        let (bytes, mut warnings, stash) = decrypted.into_parts();
        warnings.extend(mixed_ciphers(&self.doc, metadata.cipher()?));
        Ok(Opened {
            format: self.format,
            metadata,
            key: self.key,
            stash,
            plaintext: Zeroizing::new(bytes),
            warnings,
        })
    }

    /// Sets the encrypted scalar at `at` to `value` in the encrypted file itself: only that
    /// value, `lastmodified` and `mac` change, and the cost is one decryption pass (to verify
    /// and recompute the MAC) instead of a decryption and an encryption of every value.
    /// The result decrypts to what [`Opened::seal`] would write after the same change; it can
    /// differ from that file only where the whole way would also re-encrypt a sibling value
    /// with the same AAD (list items), which this path leaves as it was.
    ///
    /// `None` when the change is not that simple (a new key, a container, a value kept in
    /// plaintext, a value with a recorded spelling, aliases, duplicate keys): the caller
    /// goes the whole way with [`Unlocked::decrypt`].
    pub fn set_in_place(
        &self,
        at: &[PathSeg],
        value: &Plain,
        options: DecryptOptions,
    ) -> Result<Option<SetInPlace>, Error> {
        let format = self.format.format();
        let doc = &self.doc;
        let Some(NodeRef::Leaf(id)) = doc.find(at) else {
            return Ok(None);
        };
        let leaf = &doc.leaves[id];
        // A block scalar's header says how the value ends: a change of layout.
        let simple = matches!(&leaf.kind, LeafKind::Value(Scalar::Str(s)) if is_encrypted(s))
            && !matches!(leaf.style.quote, Quote::Block { .. })
            && !doc.leaves.iter().any(|l| {
                matches!(l.kind, LeafKind::Shadowed(_))
                    || matches!(l.kind, LeafKind::Alias(target) if target == id)
            });
        let Some(scalar) = simple
            .then(|| change::stored_scalar(format, value))
            .flatten()
        else {
            return Ok(None);
        };
        let type_name = scalar.type_name();
        let plaintext = format.plaintext(scalar.as_ref());
        let mut metadata = decrypt::metadata_of(doc)?.clone();
        let cipher_kind = metadata.cipher()?;
        let (decrypted, replacement) =
            decrypt::decrypt_replacing(format, doc, &self.key, options, Some((id, &plaintext)))?;
        let file = |bytes| Encrypted {
            bytes,
            warnings: decrypted.warnings.clone(),
            cipher: cipher_kind,
        };
        let Some((type_before, before)) = replacement.before else {
            return Ok(None);
        };
        if type_before == type_name && before.as_slice() == &*plaintext {
            return Ok(Some(SetInPlace {
                file: file(doc.patched(Patches::default())),
                changed: false,
            }));
        }
        // A new type can change how the value is written (its quotes), and an empty string
        // stays in plaintext in most formats: changes of layout, for the whole way; as is a
        // file whose values are not all in its cipher.
        if replacement.spelled
            || type_before != type_name
            || mixed_ciphers(doc, cipher_kind).is_some()
            || (plaintext.is_empty() && !format.encrypts_empty_strings())
        {
            return Ok(None);
        }
        let cipher = ValueCipher::with_cipher(&self.key, cipher_kind);
        let ivs = IvDeriver::new(&self.key, cipher_kind);
        let iv = ivs.derive(
            IvPath {
                document: 0,
                segments: at,
            },
            type_name,
            &plaintext,
            0,
        );
        let aad = path::aad(at);
        let enc = cipher.encrypt(&plaintext, type_name, aad.as_bytes(), &iv);
        // A format may not write a value into its encrypted form (binary): the whole way.
        let Ok(patch) = format.patch(doc, leaf, Rendering::Encrypted(&enc)) else {
            return Ok(None);
        };
        let mut patches = vec![patch];
        metadata.last_modified = Timestamp::now().to_rfc3339();
        metadata.mac = encrypt::seal_mac(&cipher, &ivs, &metadata.last_modified, &replacement.mac)?;
        metadata.version = FORMAT_VERSION.into();
        patches.extend(format.metadata_patches(doc, Some(&metadata))?);
        Ok(Some(SetInPlace {
            file: file(doc.patched(patches)),
            changed: true,
        }))
    }
}

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
        Unlocked::open(bytes, format, keyring)?.decrypt(options)
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
            cipher: self.metadata.cipher()?,
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

/// A warning when values of an encrypted `doc` name another cipher than `cipher`, the file's
/// (its MAC's): writing the file encrypts them all with the file's cipher, which is worth
/// saying, since a file put together from parts is odd and the diff shows every such value.
fn mixed_ciphers(doc: &Document, cipher: Cipher) -> Option<String> {
    let mut others: Vec<Cipher> = Vec::new();
    let mut count = 0;
    for leaf in &doc.leaves {
        let stored = match &leaf.kind {
            LeafKind::Value(Scalar::Str(s)) | LeafKind::Shadowed(Scalar::Str(s)) => s.as_slice(),
            LeafKind::Comment(text) => text,
            _ => continue,
        };
        if let Ok(Some(other)) = Cipher::of(stored) {
            if other != cipher {
                count += 1;
                if !others.contains(&other) {
                    others.push(other);
                }
            }
        }
    }
    let names: Vec<&str> = others.iter().map(|c| c.name()).collect();
    (count > 0).then(|| {
        format!(
            "{count} value(s) of the file are encrypted with {}, the rest and the MAC with {cipher}: writing the file encrypts them all with {cipher}",
            names.join(" and ")
        )
    })
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
    fn values_of_another_cipher_are_named_and_then_re_encrypted() {
        let (keyring, recipient) = keyring();
        let groups = vec![keys::parse_recipients("age", &recipient).unwrap()];
        let data_key = DataKey::generate();
        let keys = Keys {
            key_groups: keys::wrap(&groups, &data_key, 0).unwrap(),
            data_key,
        };
        let format = FileFormat::Yaml;
        let doc = format.format().parse(b"a: 1\nb: two\n".to_vec()).unwrap();
        let seal_with = |cipher| {
            let options = EncryptOptions {
                cipher,
                ..Default::default()
            };
            let sealed = encrypt::encrypt(format.format(), &doc, &keys, &options, None);
            String::from_utf8(sealed.unwrap().bytes.to_vec()).unwrap()
        };
        let (aes, xchacha) = (
            seal_with(Cipher::Aes256Gcm),
            seal_with(Cipher::XChaCha20Poly1305),
        );
        let line_a = |text: &str| text.lines().next().unwrap().to_string();
        // An XChaCha20 file with one AES-GCM value: it decrypts (the MAC covers plaintexts).
        let mixed = xchacha.replacen(&line_a(&xchacha), &line_a(&aes), 1);
        let opened = Opened::open(
            mixed.into_bytes(),
            format,
            &keyring,
            DecryptOptions::default(),
        )
        .unwrap();
        assert_eq!(
            opened.warnings,
            ["1 value(s) of the file are encrypted with AES256_GCM, the rest and the MAC with XCHACHA20_POLY1305: writing the file encrypts them all with XCHACHA20_POLY1305"]
        );
        let resealed = opened.seal(opened.plaintext().to_vec()).unwrap();
        assert_eq!(resealed.cipher, Cipher::XChaCha20Poly1305);
        // Back to the XChaCha20 file as it was: same key, place and value, same ciphertext.
        assert_eq!(String::from_utf8(resealed.bytes.to_vec()).unwrap(), xchacha);
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
            sealed.bytes.to_vec(),
            FileFormat::Yaml,
            &keyring,
            DecryptOptions::default(),
        )
        .unwrap();
        assert_eq!(opened.plaintext(), b"a: 1\nb: two\nc: [x, y]\n");
        let same = opened.seal(opened.plaintext().to_vec()).unwrap();
        assert_eq!(
            same.bytes.to_vec(),
            sealed.bytes.to_vec(),
            "nothing changed, nothing differs"
        );
        let changed = opened
            .seal(b"a: 1\nb: three\nc: [x, y]\n".to_vec())
            .unwrap();
        let before = String::from_utf8(sealed.bytes.to_vec()).unwrap();
        let after = String::from_utf8(changed.bytes.to_vec()).unwrap();
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

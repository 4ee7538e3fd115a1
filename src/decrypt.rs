//! Decrypting a parsed encrypted document: every `ENC[...]` is replaced in place by its
//! plaintext (in its original spelling where the file records one), the MAC is verified, and
//! the metadata block removed.

use crate::crypto::{is_encrypted, DataKey, DecryptError, IvStash, Mac, ValueCipher};
use crate::encrypt::{layout_aad, mac_aad};
use crate::error::Error;
use crate::format::{FileFormat, Format};
use crate::keys::Keyring;
use crate::layout::Layout;
use crate::metadata::Metadata;
use crate::parallel;
use crate::path::{self, PathSeg};
use crate::plain::{self, Plain, Values};
use crate::rules::Rules;
use crate::tree::{Document, LeafId, LeafKind, Patch, Rendering, Visit};
use crate::value::Scalar;
use std::borrow::Cow;
use std::ops::Range;

use zeroize::Zeroizing;

/// How to decrypt.
#[derive(Clone, Copy, Debug, Default)]
pub struct DecryptOptions {
    /// Do not verify the MAC.
    pub ignore_mac: bool,
    /// Keep every value's IV ([`Decrypted::stash`]), which re-encrypting needs; it costs a
    /// hash per value, so a plain decryption goes without.
    pub keep_ivs: bool,
}

/// A decrypted file.
pub struct Decrypted {
    /// The plaintext file, in the format it was read in.
    pub bytes: Vec<u8>,
    /// Every leaf's plaintext value (`None` for comments).
    values: Vec<Option<Scalar>>,
    /// Every value's plaintext as spelled in the file.
    spellings: Vec<Option<Zeroizing<Vec<u8>>>>,
    /// Things the user should know (comments that could not be decrypted).
    pub warnings: Vec<String>,
    /// The IV of every decrypted value, for [`crate::encrypt::reencrypt`] (empty unless
    /// [`DecryptOptions::keep_ivs`]).
    stash: IvStash,
}

impl Decrypted {
    /// The IVs of the decrypted values, so that re-encrypting keeps unchanged ciphertexts;
    /// empty unless decrypted with [`DecryptOptions::keep_ivs`].
    pub fn stash(&self) -> &IvStash {
        &self.stash
    }

    /// The documents as plain trees (comments left out); `format` is the one `doc` was
    /// parsed with.
    pub fn documents(&self, format: &dyn Format, doc: &Document) -> Vec<Plain> {
        plain::documents(format, doc, self)
    }

    /// The plaintext at `path` of the first document.
    pub fn extract(
        &self,
        format: &dyn Format,
        doc: &Document,
        at: &[PathSeg],
    ) -> Result<Plain, Error> {
        let node = doc.find(at).ok_or_else(|| {
            Error::PathNotFound(format!(
                "{} is not in the file; check the path",
                path::Display(at)
            ))
        })?;
        Ok(plain::node(format, doc, node, self))
    }
}

impl Values for Decrypted {
    fn value(&self, _doc: &Document, id: LeafId) -> Option<Scalar> {
        self.values[id].clone()
    }

    fn spelling<'a>(&'a self, _doc: &'a Document, id: LeafId) -> &'a [u8] {
        self.spellings[id].as_deref().map_or(&[], |s| s.as_slice())
    }
}

/// Decrypts `doc` with its data key.
pub fn decrypt(
    format: &dyn Format,
    doc: &Document,
    key: &DataKey,
    options: DecryptOptions,
) -> Result<Decrypted, Error> {
    decrypt_replacing(format, doc, key, options, None, true).map(|(decrypted, _)| decrypted)
}

/// What one value's replacement would do to a file: found by [`decrypt_replacing`].
pub(crate) struct Replacement {
    /// The value's type and plaintext before.
    pub before: Option<(String, Zeroizing<Vec<u8>>)>,
    /// Whether the value before had a spelling recorded in the layout record.
    pub spelled: bool,
    /// The file's MAC with the value replaced.
    pub mac: String,
}

/// [`decrypt`], and in the same pass the MAC the file would have if the encrypted value of
/// leaf `replace.0` had the plaintext `replace.1` (for changing one value in place). Without
/// `keep_spellings`, only the plaintext bytes, values and warnings are wanted: each value's
/// spelling, which [`Decrypted::documents`] needs, is not copied.
pub(crate) fn decrypt_replacing(
    format: &dyn Format,
    doc: &Document,
    key: &DataKey,
    options: DecryptOptions,
    replace: Option<(LeafId, &[u8])>,
    keep_spellings: bool,
) -> Result<(Decrypted, Replacement), Error> {
    let metadata = metadata_of(doc)?;
    let rules = Rules::new(metadata.crypt_rule.as_ref())?;
    let cipher = ValueCipher::new(key);
    let layout = match &metadata.layout {
        None => Layout::default(),
        Some(stored) => cipher
            .decrypt(stored, layout_aad().as_bytes())
            .ok()
            .and_then(|d| Layout::from_bytes(&d.plaintext))
            .ok_or_else(|| {
                Error::BadMac(
                    "the secrets_layout record of the metadata cannot be decrypted: the file was modified".into(),
                )
            })?,
    };
    let mut run = Run {
        format,
        doc,
        rules: &rules,
        cipher: &cipher,
        layout: &layout,
        mac: Mac::new(metadata.mac_only_encrypted),
        mac_only: metadata.mac_only_encrypted,
        values: vec![None; doc.leaves.len()],
        spellings: vec![None; doc.leaves.len()],
        patches: Vec::new(),
        warnings: Vec::new(),
        keep_ivs: options.keep_ivs,
        keep_spellings,
        ahead: Ahead::new(doc),
        stash: IvStash::default(),
        replace: replace
            .map(|(id, plaintext)| (id, plaintext, Mac::new(metadata.mac_only_encrypted))),
        replacement: Replacement {
            before: None,
            spelled: false,
            mac: String::new(),
        },
    };
    doc.try_walk(|visit| run.visit(visit))?;
    // Freed before the output is built, where memory peaks.
    drop(std::mem::take(&mut run.ahead));
    let computed = run.mac.finish();
    if !options.ignore_mac {
        verify_mac(&cipher, metadata, &computed)?;
    }
    let mut replacement = run.replacement;
    if let Some((_, _, mac)) = run.replace {
        replacement.mac = mac.finish();
    }
    let mut patches = run.patches;
    patches.extend(format.metadata_patches(doc, None)?);
    let decrypted = Decrypted {
        bytes: doc.apply(patches),
        values: run.values,
        spellings: run.spellings,
        warnings: run.warnings,
        stash: run.stash,
    };
    Ok((decrypted, replacement))
}

/// A plaintext file produced by [`decrypt_file`], and warnings.
pub type Plaintext = crate::Output;

/// Decrypts a whole file: parses `input` as `input_format`, recovers the data key with
/// `keyring`, and writes the plaintext as `output_format` (converting when they differ), or
/// only the value at `extract`.
pub fn decrypt_file(
    input: Vec<u8>,
    input_format: FileFormat,
    output_format: FileFormat,
    keyring: &Keyring,
    options: DecryptOptions,
    extract: Option<&[PathSeg]>,
) -> Result<Plaintext, Error> {
    let doc = input_format.format().parse(input)?;
    let key = keyring.data_key(metadata_of(&doc)?)?;
    plaintext(&doc, &key, input_format, output_format, options, extract)
}

/// One of several files to decrypt together.
pub struct FileInput {
    /// The encrypted file.
    pub bytes: Vec<u8>,
    /// Its format.
    pub input_format: FileFormat,
    /// The format of the plaintext.
    pub output_format: FileFormat,
}

/// Decrypts many files, with their data keys recovered together (concurrently, and a
/// wrapped key that several files share is unwrapped once: see [`Keyring::data_keys`]).
/// Each file succeeds or fails on its own.
pub fn decrypt_files(
    inputs: Vec<FileInput>,
    keyring: &Keyring,
    options: DecryptOptions,
) -> Vec<Result<Plaintext, Error>> {
    let parsed: Vec<Result<(Document, FileInput), Error>> = inputs
        .into_iter()
        .map(|mut input| {
            let doc = input
                .input_format
                .format()
                .parse(std::mem::take(&mut input.bytes))?;
            metadata_of(&doc)?;
            Ok((doc, input))
        })
        .collect();
    let metadata: Vec<&Metadata> = parsed
        .iter()
        .filter_map(|p| p.as_ref().ok())
        .map(|(doc, _)| metadata_of(doc).expect("checked"))
        .collect();
    let mut keys = keyring.data_keys(&metadata).into_iter();
    parsed
        .into_iter()
        .map(|p| {
            let (doc, input) = p?;
            let key = keys.next().expect("one key per parsed file")?;
            plaintext(
                &doc,
                &key,
                input.input_format,
                input.output_format,
                options,
                None,
            )
        })
        .collect()
}

/// The plaintext of a parsed file, in `output_format` or only the value at `extract`.
fn plaintext(
    doc: &Document,
    key: &DataKey,
    input_format: FileFormat,
    output_format: FileFormat,
    options: DecryptOptions,
    extract: Option<&[PathSeg]>,
) -> Result<Plaintext, Error> {
    let format = input_format.format();
    let bytes_only = extract.is_none() && input_format == output_format;
    let (mut decrypted, _) = decrypt_replacing(format, doc, key, options, None, !bytes_only)?;
    let bytes = match extract {
        Some(at) => match decrypted.extract(format, doc, at)? {
            // A string is written as its bytes, without a line break (as sops does).
            Plain::Scalar(Scalar::Str(s)) => s.to_vec(),
            value => output_format.format().emit(&value)?,
        },
        None if bytes_only => std::mem::take(&mut decrypted.bytes),
        None => {
            let first = decrypted
                .documents(format, doc)
                .into_iter()
                .next()
                .unwrap_or(Plain::Map(Vec::new()));
            output_format.format().emit(&first)?
        }
    };
    Ok(Plaintext {
        bytes,
        warnings: decrypted.warnings,
    })
}

/// The AAD of every container of a document.
fn container_aads(doc: &Document) -> Vec<String> {
    let mut aads = std::collections::BTreeSet::new();
    doc.walk(|v| {
        for end in 0..=v.path.len() {
            aads.insert(path::aad(&v.path[..end]));
        }
    });
    aads.into_iter().collect()
}

/// The metadata of an encrypted document.
pub fn metadata_of(doc: &Document) -> Result<&Metadata, Error> {
    match (&doc.metadata, &doc.metadata_error) {
        (Some(md), _) => Ok(md),
        (None, Some(e)) => Err(Error::InvalidMetadata(
            e.trim_start_matches("invalid sops metadata: ").to_string(),
        )),
        (None, None) => Err(Error::MetadataNotFound),
    }
}

fn verify_mac(cipher: &ValueCipher, metadata: &Metadata, computed: &str) -> Result<(), Error> {
    if metadata.mac.is_empty() {
        return Err(Error::BadMac("the file has no MAC".into()));
    }
    let aad = mac_aad(&metadata.last_modified)?;
    let stored = cipher
        .decrypt(&metadata.mac, aad.as_bytes())
        .map_err(|e| Error::BadMac(format!("cannot decrypt the MAC: {e}")))?;
    let stored = String::from_utf8_lossy(&stored.plaintext).into_owned();
    if stored != computed {
        return Err(Error::MacMismatch {
            stored,
            computed: computed.to_string(),
        });
    }
    Ok(())
}

/// The decryptions of a large file's `ENC[...]` values, done ahead of the walk on every core,
/// a window of values at a time.
#[derive(Default)]
struct Ahead<'a> {
    /// Per leaf, its index in `jobs`.
    index: Vec<Option<u32>>,
    /// Each value's stored text and the range of its AAD in `aads`.
    jobs: Vec<(&'a str, Range<usize>)>,
    /// The AADs of all values, in one buffer: a file has as many as values.
    aads: String,
    window: parallel::Window<Result<crate::crypto::Decrypted, DecryptError>>,
}

impl<'a> Ahead<'a> {
    fn new(doc: &'a Document) -> Ahead<'a> {
        let mut ahead = Ahead::default();
        if !parallel::worthwhile(doc.leaves.len()) {
            return ahead;
        }
        ahead.index = vec![None; doc.leaves.len()];
        doc.walk(|v| {
            if let LeafKind::Value(Scalar::Str(s)) | LeafKind::Shadowed(Scalar::Str(s)) =
                &doc.leaves[v.leaf].kind
            {
                // Values the crypt rule leaves in plaintext are decrypted for nothing, but
                // none are decrypted wrongly: the walk asks only for those it decrypts.
                if let Some(Ok(stored)) = is_encrypted(s).then(|| std::str::from_utf8(s)) {
                    let start = ahead.aads.len();
                    ahead.aads.push_str(v.aad);
                    ahead.index[v.leaf] = u32::try_from(ahead.jobs.len()).ok();
                    ahead.jobs.push((stored, start..ahead.aads.len()));
                }
            }
        });
        ahead
    }

    /// The decryption of leaf `id`, when it is one done ahead.
    fn take(
        &mut self,
        id: LeafId,
        cipher: &ValueCipher,
    ) -> Option<Result<crate::crypto::Decrypted, DecryptError>> {
        let i = (*self.index.get(id)?)?;
        let aads = &self.aads;
        self.window.take(&self.jobs, i as usize, |(stored, aad)| {
            cipher.decrypt(stored, aads[aad.clone()].as_bytes())
        })
    }
}

struct Run<'a> {
    format: &'a dyn Format,
    doc: &'a Document,
    rules: &'a Rules,
    cipher: &'a ValueCipher,
    layout: &'a Layout,
    mac: Mac,
    mac_only: bool,
    values: Vec<Option<Scalar>>,
    spellings: Vec<Option<Zeroizing<Vec<u8>>>>,
    patches: Vec<Patch>,
    warnings: Vec<String>,
    keep_ivs: bool,
    /// Whether to record each value's spelling: only the plaintext bytes are wanted otherwise.
    keep_spellings: bool,
    ahead: Ahead<'a>,
    stash: IvStash,
    /// The leaf replaced, its new plaintext, and the MAC with it.
    replace: Option<(LeafId, &'a [u8], Mac)>,
    replacement: Replacement,
}

impl Run<'_> {
    fn visit(&mut self, v: Visit<'_>) -> Result<(), Error> {
        let leaf = &self.doc.leaves[v.leaf];
        let encrypted = self.rules.should_encrypt(v.path, v.comments, v.is_comment);
        let aad = v.aad;
        match &leaf.kind {
            LeafKind::Comment(stored) => {
                if !encrypted || !is_encrypted(stored) {
                    return Ok(());
                }
                let text = std::str::from_utf8(stored).unwrap_or_default();
                // Where a tool attaches a comment is a matter of layout heuristics; another
                // tool's choice is found among the document's other containers.
                let decrypted = match self.cipher.decrypt(text, aad.as_bytes()) {
                    Ok(d) => Some((Cow::Borrowed(aad), d)),
                    Err(_) => container_aads(self.doc).into_iter().find_map(|other| {
                        let d = self.cipher.decrypt(text, other.as_bytes()).ok()?;
                        Some((Cow::Owned(other), d))
                    }),
                };
                match decrypted {
                    Some((aad, d)) => {
                        self.record_iv(&aad, &d);
                        let patch = self.restore(
                            v.leaf,
                            d.iv.as_bytes(),
                            Rendering::Comment(&d.plaintext),
                        )?;
                        self.patches.push(patch);
                    }
                    None => self.warnings.push(format!(
                        "a comment in {} could not be decrypted and was kept as it is",
                        path::Display(v.path)
                    )),
                }
            }
            LeafKind::Value(scalar) | LeafKind::Shadowed(scalar) => {
                // A shadowed value is not in sops's tree: not in the MAC, not in plain trees.
                let in_mac = matches!(leaf.kind, LeafKind::Value(_));
                if !encrypted {
                    if in_mac && !self.mac_only {
                        self.hash(v.leaf, &self.format.plaintext(scalar));
                    }
                    self.keep(v.leaf, in_mac, scalar.clone(), self.doc.raw(leaf));
                    return Ok(());
                }
                let failure = |reason: String| Error::DecryptValue {
                    path: path::Display(v.path).to_string(),
                    reason,
                };
                let stored = match scalar {
                    Scalar::Str(s) if s.is_empty() => {
                        self.keep(v.leaf, in_mac, scalar.clone(), self.doc.raw(leaf));
                        return Ok(());
                    }
                    Scalar::Str(s) if is_encrypted(s) => std::str::from_utf8(s)
                        .map_err(|_| failure("the ENC[...] value is not UTF-8".into()))?,
                    other => {
                        return Err(failure(format!(
                            "expected an ENC[...] value, found a plaintext {}; the file was edited by hand: restore the value or re-encrypt the file",
                            other.type_name()
                        )))
                    }
                };
                let mut d = self
                    .ahead
                    .take(v.leaf, self.cipher)
                    .unwrap_or_else(|| self.cipher.decrypt(stored, aad.as_bytes()))
                    .map_err(|e| Error::decrypt_value(path::Display(v.path).to_string(), e))?;
                self.record_iv(aad, &d);
                if d.type_name == "comment" {
                    // sops stores comments inside lists as list elements.
                    let patch =
                        self.restore(v.leaf, d.iv.as_bytes(), Rendering::Comment(&d.plaintext))?;
                    self.patches.push(patch);
                    return Ok(());
                }
                if self.replace.as_ref().is_some_and(|r| r.0 == v.leaf) {
                    self.replacement.spelled = self.layout.get(d.iv.as_bytes()).is_some();
                    self.replacement.before = Some((d.type_name.to_string(), d.plaintext.clone()));
                }
                // Moved, not copied: the value takes over the zeroized buffer.
                let plaintext = std::mem::take(&mut *d.plaintext);
                let value = Scalar::from_plaintext(&d.type_name, plaintext).map_err(failure)?;
                if in_mac {
                    self.hash(v.leaf, &self.format.plaintext(&value));
                }
                let patch = self.restore(v.leaf, d.iv.as_bytes(), Rendering::Plain(&value))?;
                self.keep(v.leaf, in_mac, value, &patch.text);
                self.patches.push(patch);
            }
            LeafKind::Alias(target) => {
                let value = self.values[*target].clone();
                if let Some(value) = &value {
                    if !self.mac_only || encrypted {
                        self.hash(*target, &self.format.plaintext(value));
                    }
                }
                self.values[v.leaf] = value;
            }
        }
        Ok(())
    }

    /// Adds the plaintext of leaf `id` to the MAC, and to the MAC with the replacement.
    fn hash(&mut self, id: LeafId, plaintext: &[u8]) {
        self.mac.update(plaintext);
        if let Some((replaced, new, mac)) = &mut self.replace {
            mac.update(if *replaced == id { new } else { plaintext });
        }
    }

    fn record_iv(&mut self, aad: &str, d: &crate::crypto::Decrypted) {
        if self.keep_ivs {
            self.stash
                .record(aad, &d.type_name, &d.plaintext, d.iv.as_bytes());
        }
    }

    /// Records the plaintext of a value sops's tree holds, and its spelling in the file.
    fn keep(&mut self, id: LeafId, in_mac: bool, value: Scalar, spelling: &[u8]) {
        if in_mac {
            self.values[id] = Some(value);
            if self.keep_spellings {
                self.spellings[id] = Some(Zeroizing::new(spelling.to_vec()));
            }
        }
    }

    /// The patch that puts a plaintext back: the spelling recorded for the value with IV
    /// `iv`, if there is one.
    fn restore(&self, id: usize, iv: &[u8], plain: Rendering<'_>) -> Result<Patch, Error> {
        let leaf = &self.doc.leaves[id];
        if let Some(raw) = self.layout.get(iv) {
            return Ok(Patch {
                range: leaf.span.clone(),
                text: raw.to_vec(),
            });
        }
        self.format.render(self.doc, leaf, plain)
    }
}

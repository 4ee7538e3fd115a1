//! Decrypting a parsed encrypted document: every `ENC[...]` is replaced in place by its
//! plaintext (in its original spelling where the file records one), the MAC is verified, and
//! the metadata block removed.

use crate::crypto::{is_encrypted, DataKey, DecryptError, Iv, IvStash, Mac, ValueCipher};
use crate::encrypt::{layout_aad, mac_aad};
use crate::error::Error;
use crate::format::{FileFormat, Format};
use crate::keys::Keyring;
use crate::layout::Layout;
use crate::metadata::Metadata;
use crate::path::{self, PathSeg};
use crate::plain::{self, Plain};
use crate::rules::Rules;
use crate::text::Span;
use crate::tree::{Document, Leaf, LeafId, LeafKind, Patches, Rendering};
use crate::value::{Decoded, Scalar};
use crate::visits::{Step, Visits};
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
    /// Keep every value's plaintext, which [`Decrypted::documents`] and
    /// [`Decrypted::extract`] read; without it only the file's bytes are made.
    pub keep_values: bool,
}

/// A decrypted file.
pub struct Decrypted {
    /// The plaintext file, in the format it was read in.
    pub bytes: Vec<u8>,
    /// Every leaf's plaintext value (`None` for comments), when kept.
    values: Option<Values>,
    /// Things the user should know (comments that could not be decrypted).
    pub warnings: Vec<String>,
    /// The IV of every decrypted value, for [`crate::encrypt::reencrypt`] (empty unless
    /// [`DecryptOptions::keep_ivs`]).
    stash: IvStash,
}

/// Every leaf's plaintext value and its spelling in the plaintext file.
struct Values {
    values: Vec<Option<Scalar>>,
    spellings: Vec<Option<Zeroizing<Vec<u8>>>>,
}

impl Decrypted {
    /// The IVs of the decrypted values, so that re-encrypting keeps unchanged ciphertexts;
    /// empty unless decrypted with [`DecryptOptions::keep_ivs`].
    pub fn stash(&self) -> &IvStash {
        &self.stash
    }

    /// The documents as plain trees (comments left out); `format` is the one `doc` was
    /// parsed with.
    ///
    /// # Panics
    /// When decrypted without [`DecryptOptions::keep_values`].
    pub fn documents(&self, format: &dyn Format, doc: &Document) -> Vec<Plain> {
        plain::documents(format, doc, self)
    }

    /// The plaintext at `path` of the first document.
    ///
    /// # Panics
    /// When decrypted without [`DecryptOptions::keep_values`].
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

    /// The plaintext file, the warnings and the IVs, taken apart.
    pub fn into_parts(self) -> (Vec<u8>, Vec<String>, IvStash) {
        (self.bytes, self.warnings, self.stash)
    }

    fn kept(&self) -> &Values {
        self.values
            .as_ref()
            .expect("values are read only after a decryption that keeps them")
    }
}

impl plain::Values for Decrypted {
    fn value(&self, _doc: &Document, id: LeafId) -> Option<Scalar> {
        self.kept().values[id].clone()
    }

    fn spelling<'a>(&'a self, _doc: &'a Document, id: LeafId) -> &'a [u8] {
        self.kept().spellings[id]
            .as_deref()
            .map_or(&[], |s| s.as_slice())
    }
}

/// Decrypts `doc` with its data key.
pub fn decrypt(
    format: &dyn Format,
    doc: &Document,
    key: &DataKey,
    options: DecryptOptions,
) -> Result<Decrypted, Error> {
    decrypt_replacing(format, doc, key, options, None).map(|(decrypted, _)| decrypted)
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
/// leaf `replace.0` had the plaintext `replace.1` (for changing one value in place).
pub(crate) fn decrypt_replacing(
    format: &dyn Format,
    doc: &Document,
    key: &DataKey,
    options: DecryptOptions,
    replace: Option<(LeafId, &[u8])>,
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
    let visits = Visits::new(doc, &rules, None);
    // An alias hashes its target's value: the values are kept for them too.
    let has_aliases = doc
        .leaves
        .iter()
        .any(|l| matches!(l.kind, LeafKind::Alias(_)));
    let keep_values = options.keep_values || has_aliases;
    let opener = Opener {
        format,
        doc,
        cipher: &cipher,
        layout: &layout,
        keep_ivs: options.keep_ivs,
    };
    // The cipher work of every encrypted value, on every core; the walk below takes the
    // results in order.
    let mut ahead = visits.ahead(
        |step| match step.encrypted {
            true => stored_ciphertext(&doc.leaves[step.leaf].kind),
            false => None,
        },
        Opened::default,
        |out, step, stored| opener.open(out, step, visits.aad(step), stored),
    );
    let mut run = Run {
        format,
        doc,
        visits: &visits,
        cipher: &cipher,
        layout: &layout,
        mac: Mac::new(metadata.mac_only_encrypted),
        mac_only: metadata.mac_only_encrypted,
        values: keep_values.then(|| Values {
            values: vec![None; doc.leaves.len()],
            spellings: vec![None; doc.leaves.len()],
        }),
        patches: Patches::with_capacity(doc.leaves.len()),
        warnings: Vec::new(),
        keep_ivs: options.keep_ivs,
        stash: IvStash::default(),
        replace: replace
            .map(|(id, plaintext)| (id, plaintext, Mac::new(metadata.mac_only_encrypted))),
        replacement: Replacement {
            before: None,
            spelled: false,
            mac: String::new(),
        },
    };
    // Each thread's plaintexts stay with it; its text becomes the patches'.
    let opened: Vec<Adopted> = std::mem::take(&mut ahead.states)
        .into_iter()
        .map(|Opened { buf, text }| Adopted {
            buf,
            text: run.patches.adopt(text),
        })
        .collect();
    for (n, step) in visits.steps().iter().enumerate() {
        let taken = ahead.take(n);
        run.visit(n, step, taken.map(|(part, r)| (&opened[part], r)))?;
    }
    drop(ahead);
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
        warnings: run.warnings,
        stash: run.stash,
    };
    Ok((decrypted, replacement))
}

/// The stored `ENC[...]` of a value leaf, when it holds one.
fn stored_ciphertext(kind: &LeafKind) -> Option<&[u8]> {
    match kind {
        LeafKind::Value(Scalar::Str(s)) | LeafKind::Shadowed(Scalar::Str(s)) if is_encrypted(s) => {
            Some(s)
        }
        _ => None,
    }
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
    let options = DecryptOptions {
        keep_values: !bytes_only,
        ..options
    };
    let (mut decrypted, _) = decrypt_replacing(format, doc, key, options, None)?;
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

/// What decrypting one value needs besides the value: shared by the threads that decrypt a
/// file's values.
struct Opener<'a> {
    format: &'a dyn Format,
    doc: &'a Document,
    cipher: &'a ValueCipher,
    layout: &'a Layout,
    keep_ivs: bool,
}

/// Appends `bytes` to `buf`, returning where they are.
fn append(buf: &mut Vec<u8>, bytes: &[u8]) -> Span {
    let start = buf.len();
    buf.extend_from_slice(bytes);
    (start..buf.len()).into()
}

/// One thread's decrypted values: their plaintexts (and the bytes the MAC hashes, where a
/// type writes them otherwise) in one buffer, and the text that writes them back in another.
#[derive(Default)]
struct Opened {
    buf: Zeroizing<Vec<u8>>,
    text: Vec<u8>,
}

/// A thread's [`Opened`] once its text is the patches' (buffer `text` of them).
struct Adopted {
    buf: Zeroizing<Vec<u8>>,
    text: usize,
}

/// One value decrypted, its plaintext in its thread's [`Opened`].
struct Value {
    /// The SOPS type name: one of [`TYPES`], which are all a value decrypts as.
    type_name: u8,
    /// The value had a spelling in the layout record.
    spelled: bool,
    /// Where its thread's buffer has its plaintext, the bytes the MAC hashes, and its IV
    /// (only when IVs are kept).
    plaintext: Span,
    mac: Span,
    iv: Span,
    /// The text the value replaces, and the range of its thread's text that replaces it.
    replaced: Span,
    text: Span,
}

/// The type names of values; `comment` is a comment sops stored as a list element.
const TYPES: [&str; 6] = ["str", "int", "float", "bool", "time", "comment"];
const COMMENT: u8 = 5;

impl Value {
    fn type_name(&self) -> &'static str {
        TYPES[usize::from(self.type_name)]
    }

    fn iv(&self, buf: &[u8]) -> Iv {
        Iv::from_slice(&buf[self.iv.range()]).expect("kept IVs are IVs")
    }
}

/// Why a value could not be decrypted (the walk, which knows its path, makes the error).
enum Failure {
    Cipher(DecryptError),
    Type(String),
    Render(Error),
}

impl Opener<'_> {
    /// Decrypts the value `stored` of `step` (whose AAD is `aad`) and renders its plaintext.
    fn open(
        &self,
        out: &mut Opened,
        step: &Step,
        aad: &str,
        stored: &[u8],
    ) -> Result<Value, Box<Failure>> {
        let leaf = &self.doc.leaves[step.leaf];
        let d = self
            .cipher
            .open(stored, aad.as_bytes(), &mut out.buf)
            .map_err(|e| Box::new(Failure::Cipher(e)))?;
        let plaintext = &out.buf[d.plaintext.clone()];
        let decoded = match d.type_name {
            "comment" => None,
            type_name => Some(
                crate::value::decode(type_name, plaintext)
                    .map_err(|e| Box::new(Failure::Type(e)))?,
            ),
        };
        let rendering = match &decoded {
            Some(decoded) => Rendering::Plain(decoded.as_ref()),
            // sops stores comments inside lists as list elements.
            None => Rendering::Comment(plaintext),
        };
        let (replaced, text) = self
            .restore(&mut out.text, leaf, &d.iv, rendering)
            .map_err(Box::new)?;
        let type_name = TYPES
            .iter()
            .position(|t| *t == d.type_name)
            .expect("a value decodes as one of the types") as u8;
        let mut value = Value {
            type_name,
            spelled: self.layout.get(d.iv.as_bytes()).is_some(),
            plaintext: d.plaintext.clone().into(),
            mac: d.plaintext.clone().into(),
            iv: Span::default(),
            replaced: replaced.into(),
            text: text.into(),
        };
        if let Some(Decoded::Typed(typed)) = &decoded {
            let mac = self.format.plaintext(typed.as_ref());
            if *mac != out.buf[d.plaintext] {
                value.mac = append(&mut out.buf, &mac);
            }
        }
        if self.keep_ivs {
            value.iv = append(&mut out.buf, d.iv.as_bytes());
        }
        Ok(value)
    }

    /// Writes a plaintext back, appended to `text`: the spelling recorded for the value with
    /// IV `iv`, if there is one. Returns the range of the document it replaces, and the range
    /// of `text` that replaces it.
    fn restore(
        &self,
        text: &mut Vec<u8>,
        leaf: &Leaf,
        iv: &Iv,
        plain: Rendering<'_>,
    ) -> Result<(Range<usize>, Range<usize>), Failure> {
        let start = text.len();
        let range = match self.layout.get(iv.as_bytes()) {
            Some(raw) => {
                text.extend_from_slice(raw);
                leaf.span.clone()
            }
            None => self
                .format
                .render(self.doc, leaf, plain, text)
                .map_err(|e| {
                    text.truncate(start);
                    Failure::Render(e)
                })?,
        };
        Ok((range, start..text.len()))
    }
}

struct Run<'a> {
    format: &'a dyn Format,
    doc: &'a Document,
    visits: &'a Visits,
    cipher: &'a ValueCipher,
    layout: &'a Layout,
    mac: Mac,
    mac_only: bool,
    values: Option<Values>,
    patches: Patches,
    warnings: Vec<String>,
    keep_ivs: bool,
    stash: IvStash,
    /// The leaf replaced, its new plaintext, and the MAC with it.
    replace: Option<(LeafId, &'a [u8], Mac)>,
    replacement: Replacement,
}

impl Run<'_> {
    /// Visit `n` of the walk; `opened` is its value decrypted ahead, with its thread's
    /// buffers, when it is an encrypted value.
    fn visit(
        &mut self,
        n: usize,
        step: &Step,
        opened: Option<(&Adopted, Result<Value, Box<Failure>>)>,
    ) -> Result<(), Error> {
        let leaf = &self.doc.leaves[step.leaf];
        let aad = self.visits.aad(step);
        let path = || Visits::path(self.doc, n);
        match &leaf.kind {
            LeafKind::Comment(stored) => {
                if !step.encrypted || !is_encrypted(stored) {
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
                        self.record_iv(&aad, &d.type_name, &d.plaintext, &d.iv);
                        match self.layout.get(d.iv.as_bytes()) {
                            Some(raw) => self.patches.push_bytes(leaf.span.clone(), raw),
                            None => self.patches.render(
                                self.format,
                                self.doc,
                                leaf,
                                Rendering::Comment(&d.plaintext),
                            )?,
                        }
                    }
                    None => self.warnings.push(format!(
                        "a comment in {} could not be decrypted and was kept as it is",
                        path()
                    )),
                }
            }
            LeafKind::Value(scalar) | LeafKind::Shadowed(scalar) => {
                // A shadowed value is not in sops's tree: not in the MAC, not in plain trees.
                let in_mac = matches!(leaf.kind, LeafKind::Value(_));
                if !step.encrypted {
                    if in_mac && !self.mac_only {
                        self.hash(step.leaf, &self.format.plaintext(scalar.as_ref()));
                    }
                    self.keep(step.leaf, in_mac, scalar.clone(), self.doc.raw(leaf));
                    return Ok(());
                }
                let failure = |reason: String| Error::DecryptValue {
                    path: path(),
                    reason,
                };
                let (out, opened) = match (scalar, opened) {
                    (Scalar::Str(s), _) if s.is_empty() => {
                        self.keep(step.leaf, in_mac, scalar.clone(), self.doc.raw(leaf));
                        return Ok(());
                    }
                    (_, Some(opened)) => opened,
                    (other, None) => {
                        return Err(failure(format!(
                            "expected an ENC[...] value, found a plaintext {}; the file was edited by hand: restore the value or re-encrypt the file",
                            other.type_name()
                        )))
                    }
                };
                let d = match opened {
                    Ok(d) => d,
                    Err(e) => {
                        return Err(match *e {
                            Failure::Cipher(e) => Error::decrypt_value(path(), e),
                            Failure::Type(reason) => failure(reason),
                            Failure::Render(e) => e,
                        })
                    }
                };
                let Adopted { buf, text } = out;
                let plaintext = &buf[d.plaintext.range()];
                if self.keep_ivs {
                    self.record_iv(aad, d.type_name(), plaintext, &d.iv(buf));
                }
                self.patches
                    .push_in(d.replaced.range(), *text, d.text.range());
                if d.type_name == COMMENT {
                    return Ok(());
                }
                if self.replace.as_ref().is_some_and(|r| r.0 == step.leaf) {
                    self.replacement.spelled = d.spelled;
                    self.replacement.before = Some((
                        d.type_name().to_string(),
                        Zeroizing::new(plaintext.to_vec()),
                    ));
                }
                if in_mac {
                    self.hash(step.leaf, &buf[d.mac.range()]);
                }
                if self.values.is_some() && in_mac {
                    let value = Scalar::from_plaintext(d.type_name(), plaintext.to_vec())
                        .map_err(failure)?;
                    let spelling = self.patches.buf(*text)[d.text.range()].to_vec();
                    self.keep(step.leaf, in_mac, value, &spelling);
                }
            }
            LeafKind::Alias(target) => {
                let value = self.values.as_ref().and_then(|v| v.values[*target].clone());
                if let Some(value) = &value {
                    if !self.mac_only || step.encrypted {
                        self.hash(*target, &self.format.plaintext(value.as_ref()));
                    }
                }
                if let Some(values) = &mut self.values {
                    values.values[step.leaf] = value;
                }
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

    fn record_iv(&mut self, aad: &str, type_name: &str, plaintext: &[u8], iv: &Iv) {
        if self.keep_ivs {
            self.stash.record(aad, type_name, plaintext, iv.as_bytes());
        }
    }

    /// Records the plaintext of a value sops's tree holds, and its spelling in the file.
    fn keep(&mut self, id: LeafId, in_mac: bool, value: Scalar, spelling: &[u8]) {
        if let (true, Some(values)) = (in_mac, &mut self.values) {
            values.values[id] = Some(value);
            values.spellings[id] = Some(Zeroizing::new(spelling.to_vec()));
        }
    }
}

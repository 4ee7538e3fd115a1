//! Encrypting a parsed plaintext document: every value the crypt rule selects is replaced in
//! place by its `ENC[...]`, and the metadata block is added.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::crypto::{
    Cipher, DataKey, Iv, IvDeriver, IvPath, IvStash, Mac, UniformHash, ValueCipher,
};
use crate::error::Error;
use crate::format::{FileFormat, Format};
use crate::keys::{self, RecipientGroups};
use crate::layout::Layout;
use crate::metadata::{KeyGroup, Metadata, FORMAT_VERSION, LAYOUT_KEY, SOPS_KEY};
use crate::path::{self, PathSeg};
use crate::plain::{self, Plain, Stored};
use crate::rules::{CryptRule, Rules};
use crate::text::Span;
use crate::timestamp::Timestamp;
use crate::tree::{Document, Leaf, LeafId, LeafKind, Node, Patched, Patches, Rendering};
use crate::value::Scalar;
use crate::visits::{Step, Visits};

/// What to encrypt, and how.
pub struct EncryptOptions {
    /// The crypt rule; `None` encrypts everything (binary files).
    pub crypt_rule: Option<CryptRule>,
    /// MAC only the encrypted values.
    pub mac_only_encrypted: bool,
    /// Shares needed with several key groups (0 = all).
    pub shamir_threshold: usize,
    /// The value cipher: AES256_GCM (the one sops reads) unless the file never meets sops.
    pub cipher: Cipher,
}

impl Default for EncryptOptions {
    fn default() -> Self {
        EncryptOptions {
            crypt_rule: Some(CryptRule::default()),
            mac_only_encrypted: false,
            shamir_threshold: 0,
            cipher: Cipher::default(),
        }
    }
}

/// The data key and its wrapped forms.
pub struct Keys {
    /// The data key.
    pub data_key: DataKey,
    /// The data key wrapped for every recipient, by key group.
    pub key_groups: Vec<KeyGroup>,
}

/// An encrypted file, and warnings (for example, aliases sops cannot read).
#[derive(Debug)]
pub struct Encrypted {
    /// The file's bytes, in pieces: write them with [`Patched::write_to`] (or
    /// [`crate::io::write_atomic`]), join them with [`Patched::to_vec`].
    pub bytes: Patched,
    /// Warnings to show.
    pub warnings: Vec<String>,
    /// The cipher of its values and MAC (the CLI says when sops cannot read it).
    pub cipher: Cipher,
}

/// Encrypts a whole file with a new data key: parses `input` as `input_format`, converts it
/// to `output_format` when they differ, and wraps the data key for `recipients`.
pub fn encrypt_file(
    input: Vec<u8>,
    input_format: FileFormat,
    output_format: FileFormat,
    recipients: &RecipientGroups,
    options: &EncryptOptions,
) -> Result<Encrypted, Error> {
    let doc = plaintext_document(input, input_format, output_format)?;
    encrypt_new(&doc, output_format, recipients, options)
}

/// Encrypts a plaintext document of `format` (from [`plaintext_document`]) with a new data
/// key, wrapped for `recipients`.
pub fn encrypt_new(
    doc: &Document,
    format: FileFormat,
    recipients: &RecipientGroups,
    options: &EncryptOptions,
) -> Result<Encrypted, Error> {
    let data_key = DataKey::generate();
    let key_groups = keys::wrap(recipients, &data_key, options.shamir_threshold)?;
    let keys = Keys {
        data_key,
        key_groups,
    };
    encrypt_as(format, doc, &keys, options, None, IvStash::default())
}

/// [`seal`] for a file of `format`: a binary file is one value, always encrypted, always in
/// the MAC (as sops does), whatever the options say.
fn encrypt_as(
    format: FileFormat,
    doc: &Document,
    keys: &Keys,
    options: &EncryptOptions,
    previous: Option<&Metadata>,
    stash: IvStash,
) -> Result<Encrypted, Error> {
    if format != FileFormat::Binary {
        return seal(format.format(), doc, keys, options, previous, stash);
    }
    let whole = EncryptOptions {
        crypt_rule: None,
        mac_only_encrypted: false,
        ..*options
    };
    let mut encrypted = seal(format.format(), doc, keys, &whole, previous, stash)?;
    let default_rule = Some(CryptRule::default());
    if options.crypt_rule.is_some() && options.crypt_rule != default_rule
        || options.mac_only_encrypted
    {
        encrypted.warnings.push(
            "crypt rules and --mac-only-encrypted do not apply to binary files: the whole file is encrypted".into(),
        );
    }
    Ok(encrypted)
}

/// Parses a plaintext file of `input_format` as a document of `output_format` (converting
/// the first document when they differ); an encrypted file is an error.
pub fn plaintext_document(
    input: Vec<u8>,
    input_format: FileFormat,
    output_format: FileFormat,
) -> Result<Document, Error> {
    let mut doc = input_format.format().parse(input)?;
    refuse_metadata(&doc)?;
    if input_format != output_format {
        let first = plain::documents(input_format.format(), &doc, &Stored)
            .into_iter()
            .next()
            .ok_or(Error::NoDocument)?;
        if !matches!(first, Plain::Map(_)) && output_format != FileFormat::Json {
            return Err(Error::Emit(format!(
                "the root of the file is a list, which only JSON holds; {output_format} needs a map"
            )));
        }
        let text = output_format.format().emit(&first)?;
        doc = output_format.format().parse(text)?;
    }
    Ok(doc)
}

/// Refuses to encrypt a document that holds a metadata block, valid (it is encrypted) or not
/// (a plaintext using the name SOPS reserves).
fn refuse_metadata(doc: &Document) -> Result<(), Error> {
    match (&doc.metadata, &doc.metadata_error) {
        (Some(_), _) => Err(Error::AlreadyEncrypted),
        (None, Some(e)) => Err(Error::ReservedSopsEntry(e.clone())),
        (None, None) => Ok(()),
    }
}

/// The AAD of the MAC: `lastmodified` as Go re-formats it (fraction dropped, offset kept).
pub(crate) fn mac_aad(last_modified: &str) -> Result<String, Error> {
    Timestamp::parse_rfc3339(last_modified)
        .map(|t| t.to_rfc3339())
        .ok_or_else(|| {
            Error::InvalidMetadata(format!(
                "lastmodified {last_modified:?} is not an RFC 3339 time"
            ))
        })
}

const MAC_PATH: [&str; 2] = [SOPS_KEY, "mac"];
const LAYOUT_PATH: [&str; 2] = [SOPS_KEY, LAYOUT_KEY];

fn sops_path(keys: [&str; 2]) -> Vec<PathSeg> {
    keys.iter().map(|k| PathSeg::Key(k.to_string())).collect()
}

/// Encrypts `doc` with `keys`. With `previous` (the metadata of an earlier encryption with
/// the same data key), `lastmodified` and `mac` stay as they were when the MAC is unchanged,
/// so re-encrypting an unchanged file changes nothing.
pub fn encrypt(
    format: &dyn Format,
    doc: &Document,
    keys: &Keys,
    options: &EncryptOptions,
    previous: Option<&Metadata>,
) -> Result<Encrypted, Error> {
    seal(format, doc, keys, options, previous, IvStash::default())
}

/// Encrypts `doc` again after a change, with the data key and metadata of its previous
/// encryption: a value found in `stash` (the IVs its decryption saw) keeps its exact
/// ciphertext, even where another tool chose the IV or the value moved to another list index;
/// other values get deterministic IVs.
pub fn reencrypt(
    format: FileFormat,
    doc: &Document,
    keys: &Keys,
    options: &EncryptOptions,
    previous: &Metadata,
    stash: &IvStash,
) -> Result<Encrypted, Error> {
    encrypt_as(format, doc, keys, options, Some(previous), stash.clone())
}

fn seal(
    format: &dyn Format,
    doc: &Document,
    keys: &Keys,
    options: &EncryptOptions,
    previous: Option<&Metadata>,
    stash: IvStash,
) -> Result<Encrypted, Error> {
    refuse_metadata(doc)?;
    if doc.branches.is_empty() {
        return Err(Error::NoDocument);
    }
    let rules = Rules::new(options.crypt_rule.as_ref())?;
    if let Some(used) = previous.map(Metadata::cipher).transpose()? {
        // One data key, one cipher: switching ciphers takes a new key (`encrypt` makes one).
        if used != options.cipher {
            return Err(Error::Conflict(format!(
                "the file is encrypted with {used}: encrypting it with {} needs a new data key",
                options.cipher
            )));
        }
    }
    let cipher = ValueCipher::with_cipher(&keys.data_key, options.cipher);
    let ivs = IvDeriver::new(&keys.data_key, options.cipher);
    let sealer = Sealer {
        format,
        doc,
        rules: &rules,
        cipher: &cipher,
    };
    let type_of = |id: LeafId| sealer.type_of(&doc.leaves[id]);
    let visits = Visits::new(doc, &rules, Some(&type_of));
    // The cipher work of every value, on every core, each with the IV the walk below will
    // most likely pick: the one the stash holds for it, else its derived one. The walk picks
    // again, in tree order, and seals anew where it picks another (duplicate values).
    let mut ahead = visits.ahead(
        |step| (step.encrypted && sealer.seals(&doc.leaves[step.leaf])).then_some(()),
        Scratch::default,
        |scratch, step, ()| sealer.seal_ahead(scratch, step, &visits, &ivs, &stash),
    );
    let mut run = Run {
        sealer,
        visits: &visits,
        ivs: &ivs,
        mac: Mac::new(options.mac_only_encrypted),
        mac_only: options.mac_only_encrypted,
        layout: Layout::default(),
        patches: Patches::with_capacity(doc.leaves.len()),
        warnings: Vec::new(),
        encrypted: vec![false; doc.leaves.len()],
        seen_ivs: HashSet::with_capacity_and_hasher(doc.leaves.len(), UniformHash),
        stash,
        scratch: Scratch::default(),
    };
    // Each thread's text becomes the patches'.
    let texts: Vec<usize> = std::mem::take(&mut ahead.states)
        .into_iter()
        .map(|scratch| run.patches.adopt(scratch.text))
        .collect();
    for (n, step) in visits.steps().iter().enumerate() {
        let taken = ahead.take(n).map(|(part, sealed)| (texts[part], sealed));
        run.visit(n, step, taken)?;
    }
    drop(ahead);
    let Run {
        mac,
        layout,
        mut patches,
        mut warnings,
        ..
    } = run;
    if doc.branches.iter().any(|b| matches!(b, Node::List(_))) {
        warnings.push(
            "the root of the file is a list: secrets reads the encrypted file, sops cannot (it needs a map at the root)".into(),
        );
    }
    let mac_hex = mac.finish();

    let mut last_modified = None;
    let mut mac_enc = None;
    if let Some(prev) = previous {
        let unchanged = mac_aad(&prev.last_modified)
            .ok()
            .and_then(|aad| cipher.decrypt(&prev.mac, aad.as_bytes()).ok())
            .is_some_and(|d| d.plaintext.as_slice() == mac_hex.as_bytes());
        if unchanged {
            last_modified = Some(prev.last_modified.clone());
            mac_enc = Some(prev.mac.clone());
        }
    }
    let last_modified = last_modified.unwrap_or_else(|| Timestamp::now().to_rfc3339());
    let mac_enc = match mac_enc {
        Some(m) => m,
        None => seal_mac(&cipher, &ivs, &last_modified, &mac_hex)?,
    };
    let layout = (!layout.is_empty()).then(|| {
        let bytes = layout.to_bytes();
        seal_field(&cipher, &ivs, LAYOUT_PATH, &bytes, &bytes, &layout_aad())
    });
    let shamir_threshold = match (keys.key_groups.len(), options.shamir_threshold) {
        (n, 0) if n > 1 => n,
        (_, t) => t,
    };
    let metadata = Metadata {
        key_groups: keys.key_groups.clone(),
        shamir_threshold,
        last_modified,
        mac: mac_enc,
        crypt_rule: options.crypt_rule.clone(),
        mac_only_encrypted: options.mac_only_encrypted,
        version: FORMAT_VERSION.into(),
        layout,
        unknown: previous.map(|p| p.unknown.clone()).unwrap_or_default(),
    };
    patches.extend(format.metadata_patches(doc, Some(&metadata))?);
    Ok(Encrypted {
        bytes: doc.patched(patches),
        warnings,
        cipher: options.cipher,
    })
}

/// The `mac` field for a MAC computed at `last_modified`.
pub(crate) fn seal_mac(
    cipher: &ValueCipher,
    ivs: &IvDeriver,
    last_modified: &str,
    mac_hex: &str,
) -> Result<String, Error> {
    let seed = format!("{last_modified}\0{mac_hex}");
    let aad = mac_aad(last_modified)?;
    Ok(seal_field(
        cipher,
        ivs,
        MAC_PATH,
        mac_hex.as_bytes(),
        seed.as_bytes(),
        &aad,
    ))
}

/// Encrypts a metadata field's value with an IV derived from its place and `seed`.
fn seal_field(
    cipher: &ValueCipher,
    ivs: &IvDeriver,
    field: [&str; 2],
    plaintext: &[u8],
    seed: &[u8],
    aad: &str,
) -> String {
    let segments = sops_path(field);
    let at = IvPath {
        document: 0,
        segments: &segments,
    };
    let iv = ivs.derive(at, "str", seed, 0);
    cipher.encrypt(plaintext, "str", aad.as_bytes(), &iv)
}

/// The AAD of the layout record.
pub(crate) fn layout_aad() -> String {
    path::aad(&sops_path(LAYOUT_PATH))
}

/// What sealing one leaf needs besides its place: shared by the walk and the threads that
/// seal values ahead of it.
struct Sealer<'a> {
    format: &'a dyn Format,
    doc: &'a Document,
    rules: &'a Rules,
    cipher: &'a ValueCipher,
}

/// What a leaf encrypts: its SOPS type, its plaintext bytes, and how the plaintext is written.
struct Input<'a> {
    type_name: &'static str,
    plaintext: Cow<'a, [u8]>,
    plain: Rendering<'a>,
}

/// One leaf encrypted with a given IV: the text that replaces it, and whether the file must
/// record the plaintext's spelling (decryption would not write it back as it is).
struct Sealed {
    /// The range of the document replaced, and the range of the text that replaces it.
    replaced: Span,
    text: Span,
    keeps_spelling: bool,
}

/// Buffers for sealing: the text that replaces leaves, and room for one `ENC[...]` and
/// one rendering at a time.
#[derive(Default)]
struct Scratch {
    text: Vec<u8>,
    enc: Vec<u8>,
    rendered: Vec<u8>,
}

/// A leaf sealed ahead of the walk, with the IV it derives and the IV it was sealed with.
struct Ahead {
    derived: Iv,
    iv: Iv,
    sealed: Result<Sealed, Box<Error>>,
}

impl<'a> Sealer<'a> {
    /// What `leaf` holds to encrypt; `None` for aliases, which stand for another leaf.
    fn input(&self, leaf: &'a Leaf) -> Option<Input<'a>> {
        match &leaf.kind {
            LeafKind::Comment(text) => Some(Input {
                type_name: "comment",
                plaintext: Cow::Borrowed(text),
                plain: Rendering::Comment(text),
            }),
            LeafKind::Value(scalar) | LeafKind::Shadowed(scalar) => Some(Input {
                type_name: scalar.type_name(),
                plaintext: self.format.plaintext(scalar.as_ref()),
                plain: Rendering::Plain(scalar.as_ref()),
            }),
            LeafKind::Alias(_) => None,
        }
    }

    /// The type `leaf` is encrypted as, without making its plaintext.
    fn type_of(&self, leaf: &Leaf) -> Option<&'static str> {
        match &leaf.kind {
            LeafKind::Comment(_) => Some("comment"),
            LeafKind::Value(scalar) | LeafKind::Shadowed(scalar) => Some(scalar.type_name()),
            LeafKind::Alias(_) => None,
        }
    }

    /// Whether `leaf` is written encrypted where the crypt rule encrypts it: an empty comment
    /// never is, an empty string only where the format encrypts those (every other type's
    /// plaintext has digits or letters).
    fn seals(&self, leaf: &Leaf) -> bool {
        match &leaf.kind {
            LeafKind::Comment(text) => !text.is_empty(),
            LeafKind::Value(Scalar::Str(s)) | LeafKind::Shadowed(Scalar::Str(s)) => {
                !s.is_empty() || self.format.encrypts_empty_strings()
            }
            LeafKind::Value(_) | LeafKind::Shadowed(_) => true,
            LeafKind::Alias(_) => false,
        }
    }

    /// Seals the leaf of `step` with the IV the walk will most likely pick.
    fn seal_ahead(
        &self,
        scratch: &mut Scratch,
        step: &Step,
        visits: &Visits,
        ivs: &IvDeriver,
        stash: &IvStash,
    ) -> Ahead {
        let input = self
            .input(&self.doc.leaves[step.leaf])
            .expect("only leaves that seal are sealed ahead");
        let aad = visits.aad(step);
        let derived = ivs.derive_at(visits.site(step), &input.plaintext);
        let iv = stash
            .peek(aad, input.type_name, &input.plaintext, &derived)
            .unwrap_or(derived);
        Ahead {
            derived,
            iv,
            sealed: self
                .seal(scratch, step.leaf, &input, aad, &iv)
                .map_err(Box::new),
        }
    }

    /// Encrypts leaf `id` with `iv`, its text appended to `scratch.text`.
    fn seal(
        &self,
        scratch: &mut Scratch,
        id: LeafId,
        input: &Input<'_>,
        aad: &str,
        iv: &Iv,
    ) -> Result<Sealed, Error> {
        let leaf = &self.doc.leaves[id];
        scratch.enc.clear();
        self.cipher.seal(
            &input.plaintext,
            input.type_name,
            aad.as_bytes(),
            iv,
            &mut scratch.enc,
        );
        let enc = std::str::from_utf8(&scratch.enc).expect("ENC[...] strings are ASCII");
        let written = match input.plain {
            Rendering::Comment(_) => {
                self.rules.check_encrypted_comment(enc)?;
                Rendering::Comment(enc.as_bytes())
            }
            _ => Rendering::Encrypted(enc),
        };
        let start = scratch.text.len();
        let range = self
            .format
            .render(self.doc, leaf, written, &mut scratch.text)
            .inspect_err(|_| scratch.text.truncate(start))?;
        let text = start..scratch.text.len();
        Ok(Sealed {
            replaced: range.into(),
            text: text.into(),
            keeps_spelling: !self.renders_back(&mut scratch.rendered, leaf, input.plain),
        })
    }

    /// Whether decryption, writing `plain` where `leaf` will be once encrypted, gives back
    /// the text the file has.
    fn renders_back(&self, rendered: &mut Vec<u8>, leaf: &Leaf, plain: Rendering<'_>) -> bool {
        rendered.clear();
        let style = self.format.encrypted_style(&leaf.style);
        let range = if style == leaf.style {
            self.format.render(self.doc, leaf, plain, rendered)
        } else {
            let mut reparsed = leaf.clone();
            reparsed.style = style;
            self.format.render(self.doc, &reparsed, plain, rendered)
        };
        range.is_ok_and(|range| range == leaf.span && *rendered == *self.doc.raw(leaf))
    }
}

struct Run<'a> {
    sealer: Sealer<'a>,
    visits: &'a Visits,
    ivs: &'a IvDeriver,
    mac: Mac,
    mac_only: bool,
    layout: Layout,
    patches: Patches,
    warnings: Vec<String>,
    /// Which leaves were encrypted, for aliases that point at them.
    encrypted: Vec<bool>,
    seen_ivs: HashSet<Iv, UniformHash>,
    stash: IvStash,
    /// For the leaves sealed again in the walk.
    scratch: Scratch,
}

impl Run<'_> {
    /// Visits `step`, visit `n` of the walk; `ahead` is its leaf sealed ahead (with the id of
    /// its thread's text in the patches), when it is one that seals.
    fn visit(&mut self, n: usize, step: &Step, ahead: Option<(usize, Ahead)>) -> Result<(), Error> {
        let Sealer { format, doc, .. } = self.sealer;
        let leaf = &doc.leaves[step.leaf];
        let encrypt = step.encrypted;
        // The plaintext is made once, for the MAC and the cipher both.
        let input = self.sealer.input(leaf);
        match (&leaf.kind, &input) {
            (LeafKind::Value(_), Some(input)) if !self.mac_only || encrypt => {
                self.mac.update(&input.plaintext);
            }
            (LeafKind::Alias(target), _) => {
                if let LeafKind::Value(scalar) = &doc.leaves[*target].kind {
                    let plaintext = format.plaintext(scalar.as_ref());
                    if !self.mac_only || encrypt {
                        self.mac.update(&plaintext);
                    }
                    let target_encrypted = self.encrypted.get(*target).copied().unwrap_or(false);
                    if target_encrypted || (encrypt && !plaintext.is_empty()) {
                        let path = Visits::path(doc, n);
                        self.warnings.push(format!(
                            "{path} is an alias of an encrypted value: secrets reads this file, sops cannot (sops issue 635); keep anchored values unencrypted or avoid the alias"
                        ));
                    }
                }
            }
            _ => {}
        }
        let (Some(input), Some((text, ahead))) = (input, ahead) else {
            return Ok(());
        };
        let iv = self.pick_iv(step, &input, ahead.derived);
        let sealed = if iv == ahead.iv {
            let sealed = ahead.sealed.map_err(|e| *e)?;
            self.patches
                .push_in(sealed.replaced.range(), text, sealed.text.range());
            sealed
        } else {
            self.scratch.text.clear();
            let sealed = self.sealer.seal(
                &mut self.scratch,
                step.leaf,
                &input,
                self.visits.aad(step),
                &iv,
            )?;
            self.patches.push_bytes(
                sealed.replaced.range(),
                &self.scratch.text[sealed.text.range()],
            );
            sealed
        };
        if sealed.keeps_spelling {
            self.layout.insert(iv.as_bytes(), doc.raw(leaf));
        }
        self.encrypted[step.leaf] = true;
        Ok(())
    }

    /// The IV for a leaf whose derived IV is `derived`: the stashed one when the value is
    /// unchanged, and one no other leaf has.
    fn pick_iv(&mut self, step: &Step, input: &Input<'_>, derived: Iv) -> Iv {
        let (type_name, plaintext) = (input.type_name, &input.plaintext);
        let aad = self.visits.aad(step);
        if let Some(iv) = self.stash.take(aad, type_name, plaintext, &derived) {
            if self.seen_ivs.insert(iv) {
                return iv;
            }
        }
        // Two leaves with the same place, type and value (duplicate keys, repeated
        // comments) still get distinct IVs, so each can have its own spelling.
        let mut iv = derived;
        let mut occurrence = 0;
        while !self.seen_ivs.insert(iv) {
            occurrence += 1;
            iv = self
                .ivs
                .derive_again(self.visits.site(step), occurrence, plaintext);
        }
        iv
    }
}

//! Encrypting a parsed plaintext document: every value the crypt rule selects is replaced in
//! place by its `ENC[...]`, and the metadata block is added.

use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::Range;

use crate::crypto::{Cipher, DataKey, Iv, IvDeriver, IvPath, IvStash, Mac, ValueCipher};
use crate::error::Error;
use crate::format::{FileFormat, Format};
use crate::keys::{self, RecipientGroups};
use crate::layout::Layout;
use crate::metadata::{KeyGroup, Metadata, FORMAT_VERSION, LAYOUT_KEY, SOPS_KEY};
use crate::parallel;
use crate::path::{self, PathSeg};
use crate::plain::{self, Plain, Stored};
use crate::rules::{CryptRule, Rules};
use crate::timestamp::Timestamp;
use crate::tree::{Document, Leaf, LeafId, LeafKind, Node, Patch, Rendering, Visit};

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
    /// The file's bytes.
    pub bytes: Vec<u8>,
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
    let data_key = DataKey::generate();
    let key_groups = keys::wrap(recipients, &data_key, options.shamir_threshold)?;
    let keys = Keys {
        data_key,
        key_groups,
    };
    encrypt_as(
        output_format,
        &doc,
        &keys,
        options,
        None,
        IvStash::default(),
    )
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
    let mut run = Run {
        ahead: Ahead::new(&sealer),
        sealer,
        ivs: &ivs,
        mac: Mac::new(options.mac_only_encrypted),
        mac_only: options.mac_only_encrypted,
        layout: Layout::default(),
        patches: Vec::new(),
        warnings: Vec::new(),
        encrypted: vec![false; doc.leaves.len()],
        seen_ivs: HashSet::with_capacity(doc.leaves.len()),
        stash,
    };
    doc.try_walk(|visit| run.visit(visit))?;
    // Freed before the output is built, where memory peaks.
    drop(std::mem::take(&mut run.ahead));
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
        bytes: doc.apply(patches),
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

/// What sealing one leaf needs besides its place: shared by the walk and, for large files,
/// by the threads that seal values ahead of it.
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

/// One leaf encrypted with a given IV: the patch that writes it, and whether the file must
/// record the plaintext's spelling (decryption would not write it back as it is).
struct Sealed {
    patch: Patch,
    keeps_spelling: bool,
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
                plaintext: self.format.plaintext(scalar),
                plain: Rendering::Plain(scalar),
            }),
            LeafKind::Alias(_) => None,
        }
    }

    /// Whether `input` is written encrypted: an empty comment never is, an empty string only
    /// where the format encrypts those.
    fn sealable(&self, input: &Input<'_>) -> bool {
        !input.plaintext.is_empty()
            || matches!(input.plain, Rendering::Plain(_)) && self.format.encrypts_empty_strings()
    }

    /// [`Sealer::input`] for what is written encrypted.
    fn sealable_input(&self, leaf: &'a Leaf) -> Option<Input<'a>> {
        self.input(leaf).filter(|input| self.sealable(input))
    }

    /// Encrypts leaf `id` with `iv`.
    fn seal(&self, id: LeafId, input: &Input<'_>, aad: &str, iv: &Iv) -> Result<Sealed, Error> {
        let leaf = &self.doc.leaves[id];
        let enc = self
            .cipher
            .encrypt(&input.plaintext, input.type_name, aad.as_bytes(), iv);
        let written = match input.plain {
            Rendering::Comment(_) => {
                self.rules.check_encrypted_comment(&enc)?;
                Rendering::Comment(enc.as_bytes())
            }
            _ => Rendering::Encrypted(&enc),
        };
        Ok(Sealed {
            patch: self.format.render(self.doc, leaf, written)?,
            keeps_spelling: !self.renders_back(leaf, input.plain),
        })
    }

    /// Whether decryption, writing `plain` where `leaf` will be once encrypted, gives back
    /// the text the file has.
    fn renders_back(&self, leaf: &Leaf, plain: Rendering<'_>) -> bool {
        let mut reparsed = leaf.clone();
        reparsed.style = self.format.encrypted_style(&leaf.style);
        match self.format.render(self.doc, &reparsed, plain) {
            Ok(p) => p.range == leaf.span && p.text == self.doc.raw(leaf),
            Err(_) => false,
        }
    }
}

/// A large file's leaves sealed ahead of the walk on every core, a window at a time, each
/// with the IV the walk will most likely pick: the one the stash holds for it, else its
/// derived one. The walk picks again, in file order, and seals anew where it picks another
/// (duplicate values).
#[derive(Default)]
struct Ahead {
    /// Per leaf, its index in `jobs`.
    index: Vec<Option<u32>>,
    /// Each leaf and the ranges of its AAD in `aads` and its IV site in `sites`.
    jobs: Vec<(LeafId, Range<usize>, Range<usize>)>,
    /// The AADs and IV sites of all leaves, each in one buffer: a file has as many as values.
    aads: String,
    sites: Vec<u8>,
    window: parallel::Window<Option<SealedAhead>>,
}

struct SealedAhead {
    derived: Iv,
    iv: Iv,
    sealed: Result<Sealed, Error>,
}

impl Ahead {
    fn new(sealer: &Sealer<'_>) -> Ahead {
        let mut ahead = Ahead::default();
        let doc = sealer.doc;
        if !parallel::worthwhile(doc.leaves.len()) {
            return ahead;
        }
        ahead.index = vec![None; doc.leaves.len()];
        doc.walk(|v| {
            let leaf = &doc.leaves[v.leaf];
            if !sealer
                .rules
                .should_encrypt(v.path, v.comments, v.is_comment)
            {
                return;
            }
            if let Some(input) = sealer.sealable_input(leaf) {
                let (aad_start, site_start) = (ahead.aads.len(), ahead.sites.len());
                ahead.aads.push_str(v.aad);
                let at = IvPath {
                    document: v.document,
                    segments: v.path,
                };
                IvDeriver::site(at, input.type_name, 0, &mut ahead.sites);
                ahead.index[v.leaf] = u32::try_from(ahead.jobs.len()).ok();
                ahead.jobs.push((
                    v.leaf,
                    aad_start..ahead.aads.len(),
                    site_start..ahead.sites.len(),
                ));
            }
        });
        ahead
    }

    /// Leaf `id` sealed ahead, when it is one.
    fn take(
        &mut self,
        id: LeafId,
        sealer: &Sealer<'_>,
        ivs: &IvDeriver,
        stash: &IvStash,
    ) -> Option<SealedAhead> {
        let i = (*self.index.get(id)?)?;
        let (aads, sites) = (&self.aads, &self.sites);
        let seal = |(id, aad, site): &(LeafId, Range<usize>, Range<usize>)| {
            let input = sealer.sealable_input(&sealer.doc.leaves[*id])?;
            let aad = &aads[aad.clone()];
            let derived = ivs.derive_at(&sites[site.clone()], &input.plaintext);
            let iv = stash
                .peek(aad, input.type_name, &input.plaintext, &derived)
                .unwrap_or(derived);
            Some(SealedAhead {
                derived,
                iv,
                sealed: sealer.seal(*id, &input, aad, &iv),
            })
        };
        self.window.take(&self.jobs, i as usize, seal)?
    }
}

struct Run<'a> {
    sealer: Sealer<'a>,
    ivs: &'a IvDeriver,
    mac: Mac,
    mac_only: bool,
    layout: Layout,
    patches: Vec<Patch>,
    warnings: Vec<String>,
    /// Which leaves were encrypted, for aliases that point at them.
    encrypted: Vec<bool>,
    seen_ivs: HashSet<Iv>,
    stash: IvStash,
    ahead: Ahead,
}

impl Run<'_> {
    fn visit(&mut self, v: Visit<'_>) -> Result<(), Error> {
        let Sealer { format, doc, .. } = self.sealer;
        let leaf = &doc.leaves[v.leaf];
        let encrypt = self
            .sealer
            .rules
            .should_encrypt(v.path, v.comments, v.is_comment);
        // The plaintext is made once, for the MAC and the cipher both.
        let input = self.sealer.input(leaf);
        match (&leaf.kind, &input) {
            (LeafKind::Value(_), Some(input)) if !self.mac_only || encrypt => {
                self.mac.update(&input.plaintext);
            }
            (LeafKind::Alias(target), _) => {
                if let LeafKind::Value(scalar) = &doc.leaves[*target].kind {
                    let plaintext = format.plaintext(scalar);
                    if !self.mac_only || encrypt {
                        self.mac.update(&plaintext);
                    }
                    let target_encrypted = self.encrypted.get(*target).copied().unwrap_or(false);
                    if target_encrypted || (encrypt && !plaintext.is_empty()) {
                        self.warnings.push(format!(
                            "{} is an alias of an encrypted value: secrets reads this file, sops cannot (sops issue 635); keep anchored values unencrypted or avoid the alias",
                            path::Display(v.path)
                        ));
                    }
                }
            }
            _ => {}
        }
        if let Some(input) = input.filter(|i| encrypt && self.sealer.sealable(i)) {
            let (iv, sealed) = self.seal(&v, &input)?;
            if sealed.keeps_spelling {
                self.layout.insert(iv.as_bytes(), doc.raw(leaf));
            }
            self.patches.push(sealed.patch);
            self.encrypted[v.leaf] = true;
        }
        Ok(())
    }

    /// Encrypts one leaf with its deterministic IV, or the IV the stash holds for it.
    fn seal(&mut self, v: &Visit<'_>, input: &Input<'_>) -> Result<(Iv, Sealed), Error> {
        let at = IvPath {
            document: v.document,
            segments: v.path,
        };
        let ahead = self.ahead.take(v.leaf, &self.sealer, self.ivs, &self.stash);
        let derived = match &ahead {
            Some(a) => a.derived,
            None => self.ivs.derive(at, input.type_name, &input.plaintext, 0),
        };
        let iv = self.pick_iv(v.aad, at, input, derived);
        match ahead {
            Some(a) if a.iv == iv => a.sealed,
            _ => self.sealer.seal(v.leaf, input, v.aad, &iv),
        }
        .map(|sealed| (iv, sealed))
    }

    /// The IV for a leaf whose derived IV is `derived`: the stashed one when the value is
    /// unchanged, and one no other leaf has.
    fn pick_iv(&mut self, aad: &str, at: IvPath<'_>, input: &Input<'_>, derived: Iv) -> Iv {
        let (type_name, plaintext) = (input.type_name, &input.plaintext);
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
            iv = self.ivs.derive(at, type_name, plaintext, occurrence);
        }
        iv
    }
}

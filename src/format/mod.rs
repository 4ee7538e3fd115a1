//! File formats. Each is one implementation of [`Format`]: it parses bytes into a
//! [`Document`] (the text plus a tree of leaves pointing at spans), says what to write in
//! place of a leaf, and where the metadata block goes. Formatting survives because
//! rendering patches spans of the original text instead of re-serializing a tree.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::path::Path;

use crate::change::Change;
use crate::error::Error;
use crate::metadata::Metadata;
use crate::path::PathSeg;
use crate::plain::{self, Plain};
use crate::tree::{Document, Leaf, Patch, Rendering, Style};
use crate::value::{Scalar, ScalarRef};

mod binary;
mod dotenv;
mod ini;
mod json;
mod tail;
mod toml;
mod yaml;

pub use binary::Binary;
pub use dotenv::Dotenv;
pub use ini::Ini;
pub use json::Json;
pub use toml::Toml;
#[cfg(fuzzing)]
pub use yaml::fast_reader_agrees;
pub use yaml::Yaml;

/// A file format.
pub trait Format: Send + Sync {
    /// Parses a file. SOPS metadata, if present, is read into [`Document::metadata`] and
    /// left out of the tree.
    fn parse(&self, text: Vec<u8>) -> Result<Document, Error>;

    /// Writes `value` in place of `leaf`: appends the new text to `out` and returns the
    /// range of the document's text it replaces.
    fn render(
        &self,
        doc: &Document,
        leaf: &Leaf,
        value: Rendering<'_>,
        out: &mut Vec<u8>,
    ) -> Result<Range<usize>, Error>;

    /// [`Format::render`] as a patch of its own.
    fn patch(&self, doc: &Document, leaf: &Leaf, value: Rendering<'_>) -> Result<Patch, Error> {
        let mut text = Vec::new();
        let range = self.render(doc, leaf, value, &mut text)?;
        Ok(Patch { range, text })
    }

    /// The style a leaf has once its value is written encrypted and the file parsed again
    /// (the format may have to quote an `ENC[...]` where the plaintext was bare).
    fn encrypted_style(&self, style: &Style) -> Style {
        style.clone()
    }

    /// Patches that write `metadata` into the file, replacing any there, or remove the
    /// metadata block when `metadata` is `None`.
    fn metadata_patches(
        &self,
        doc: &Document,
        metadata: Option<&Metadata>,
    ) -> Result<Vec<Patch>, Error>;

    /// Writes a plain tree as a new file of this format (used by `--extract` and
    /// conversions, where there is no original layout to keep).
    fn emit(&self, value: &Plain) -> Result<Vec<u8>, Error>;

    /// Patches that make one change at `path` of the first document of a plaintext file, in
    /// the file's own layout (`set` and `unset`; see [`crate::change`]). A map key in the
    /// path names its first entry with that key.
    fn change(
        &self,
        doc: &Document,
        path: &[PathSeg],
        change: Change<'_>,
    ) -> Result<Vec<Patch>, Error> {
        let _ = (doc, path, change);
        Err(Error::Unsupported(
            "this format cannot add or remove values in place yet; use `secrets edit`".into(),
        ))
    }

    /// The bytes SOPS encrypts and hashes for a value of this format.
    fn plaintext<'a>(&self, value: ScalarRef<'a>) -> Cow<'a, [u8]> {
        value.plaintext()
    }

    /// Whether empty strings are encrypted too (SOPS leaves them as they are; rops 0.1.7,
    /// the released rops, cannot read a TOML file with an empty string in plaintext).
    fn encrypts_empty_strings(&self) -> bool {
        false
    }

    /// The plain form of a value spelled `spelling` in a plaintext file of this format, for
    /// conversions: numbers keep their digits where the spelling says their kind.
    fn plain_value(&self, value: Scalar, spelling: &[u8]) -> Plain {
        plain::number_or_scalar(value, spelling)
    }
}

/// A scalar as text, for the formats whose values are all strings (dotenv, INI): strings
/// as they are, numbers in digits that keep their kind (`1.0` stays a float's spelling).
pub(crate) fn scalar_text(s: ScalarRef<'_>) -> Cow<'_, [u8]> {
    match s {
        ScalarRef::Str(b) => Cow::Borrowed(b),
        ScalarRef::Int(i) => Cow::Owned(i.to_string().into_bytes()),
        ScalarRef::Float(f) if f.is_finite() => Cow::Owned(format!("{f:?}").into_bytes()),
        ScalarRef::Float(f) => Cow::Owned(crate::value::go_format_float(f).into_bytes()),
        ScalarRef::Bool(b) => Cow::Borrowed(if b { b"true" } else { b"false" }),
        ScalarRef::Time(t) => Cow::Borrowed(t.as_bytes()),
    }
}

/// The formats, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// YAML, multi-document.
    Yaml,
    /// JSON.
    Json,
    /// dotenv (`KEY=value` lines).
    Dotenv,
    /// INI (`[section]` and `key = value` lines).
    Ini,
    /// TOML.
    Toml,
    /// Any file, encrypted whole.
    Binary,
}

impl FileFormat {
    /// Every format.
    pub const ALL: [FileFormat; 6] = [
        FileFormat::Yaml,
        FileFormat::Json,
        FileFormat::Dotenv,
        FileFormat::Ini,
        FileFormat::Toml,
        FileFormat::Binary,
    ];

    /// The format a `--input-type`/`--output-type` names.
    pub fn from_name(name: &str) -> Option<FileFormat> {
        Some(match name {
            "yaml" | "yml" => FileFormat::Yaml,
            "json" => FileFormat::Json,
            "dotenv" | "env" => FileFormat::Dotenv,
            "ini" => FileFormat::Ini,
            "toml" => FileFormat::Toml,
            "binary" => FileFormat::Binary,
            _ => return None,
        })
    }

    /// The format of a file, from its name as sops decides it (case-sensitive suffix;
    /// anything else is binary), plus `.toml`, which sops does not read.
    pub fn from_path(path: &Path) -> FileFormat {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let suffixes: [(&[&str], FileFormat); 5] = [
            (&[".yaml", ".yml"], FileFormat::Yaml),
            (&[".json"], FileFormat::Json),
            (&[".env"], FileFormat::Dotenv),
            (&[".ini"], FileFormat::Ini),
            (&[".toml"], FileFormat::Toml),
        ];
        suffixes
            .iter()
            .find(|(ends, _)| ends.iter().any(|e| name.ends_with(e)))
            .map_or(FileFormat::Binary, |(_, format)| *format)
    }

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Yaml => "yaml",
            FileFormat::Json => "json",
            FileFormat::Dotenv => "dotenv",
            FileFormat::Ini => "ini",
            FileFormat::Toml => "toml",
            FileFormat::Binary => "binary",
        }
    }

    /// The implementation.
    pub fn format(self) -> &'static dyn Format {
        match self {
            FileFormat::Yaml => &Yaml,
            FileFormat::Json => &Json,
            FileFormat::Dotenv => &Dotenv,
            FileFormat::Ini => &Ini,
            FileFormat::Toml => &Toml,
            FileFormat::Binary => &Binary,
        }
    }
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

//! File formats. Each is one implementation of [`Format`]: it parses bytes into a
//! [`Document`] (the text plus a tree of leaves pointing at spans), says what to write in
//! place of a leaf, and where the metadata block goes. Formatting survives because
//! rendering patches spans of the original text instead of re-serializing a tree.

use std::fmt;
use std::path::Path;

use crate::change::Change;
use crate::error::Error;
use crate::metadata::Metadata;
use crate::path::PathSeg;
use crate::plain::Plain;
use crate::tree::{Document, Leaf, Patch, Rendering, Style};

mod dotenv;
mod json;
mod yaml;

pub use dotenv::Dotenv;
pub use json::Json;
pub use yaml::Yaml;

/// A file format.
pub trait Format: Send + Sync {
    /// Parses a file. SOPS metadata, if present, is read into [`Document::metadata`] and
    /// left out of the tree.
    fn parse(&self, text: Vec<u8>) -> Result<Document, Error>;

    /// The patch that writes `value` in place of `leaf`.
    fn render(&self, doc: &Document, leaf: &Leaf, value: Rendering<'_>) -> Result<Patch, Error>;

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
}

impl FileFormat {
    /// Every format.
    pub const ALL: [FileFormat; 3] = [FileFormat::Yaml, FileFormat::Json, FileFormat::Dotenv];

    /// The format a `--input-type`/`--output-type` names.
    pub fn from_name(name: &str) -> Option<FileFormat> {
        Some(match name {
            "yaml" | "yml" => FileFormat::Yaml,
            "json" => FileFormat::Json,
            "dotenv" | "env" => FileFormat::Dotenv,
            _ => return None,
        })
    }

    /// The format of a file, from its name as sops decides it (case-sensitive suffix).
    pub fn from_path(path: &Path) -> Option<FileFormat> {
        let name = path.file_name()?.to_str()?;
        if name.ends_with(".yaml") || name.ends_with(".yml") {
            Some(FileFormat::Yaml)
        } else if name.ends_with(".json") {
            Some(FileFormat::Json)
        } else if name.ends_with(".env") || name == ".env" {
            Some(FileFormat::Dotenv)
        } else {
            None
        }
    }

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Yaml => "yaml",
            FileFormat::Json => "json",
            FileFormat::Dotenv => "dotenv",
        }
    }

    /// The implementation.
    pub fn format(self) -> &'static dyn Format {
        match self {
            FileFormat::Yaml => &Yaml,
            FileFormat::Json => &Json,
            FileFormat::Dotenv => &Dotenv,
        }
    }
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

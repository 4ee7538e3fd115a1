//! Binary: any file encrypted whole, as sops stores it (SOPS_FORMAT.md §6.5). The plaintext
//! is the file's bytes, held as one string `data`; the encrypted file is JSON
//! `{"data": "ENC[...]", "sops": {...}}`, tab-indented as sops writes it. Decrypting writes
//! the bytes back exactly, NUL bytes and invalid UTF-8 included.

use std::ops::Range;
use std::sync::Arc;

use super::json::{metadata_member, Json};
use super::Format;
use crate::error::Error;
use crate::metadata::Metadata;
use crate::plain::Plain;
use crate::text::{Source, Text};
use crate::tree::{Document, Leaf, LeafKind, MapItem, Node, Patch, Rendering, Style};
use crate::value::Scalar;

/// The binary format.
pub struct Binary;

/// The one key of a binary file's tree.
const DATA: &str = "data";

/// Whether the document is the encrypted JSON form (else the file's bytes themselves).
struct State {
    encrypted: bool,
}

impl Format for Binary {
    fn parse(&self, text: Vec<u8>) -> Result<Document, Error> {
        let looks_like_json = text
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{');
        let json = looks_like_json
            .then(|| Json.parse(text.clone()).ok())
            .flatten()
            .filter(Document::has_metadata);
        let Some(mut json) = json else {
            let source = Source::new(text);
            let value = Scalar::Str(Text::shared(&source, 0..source.len()));
            return Ok(whole(source, value, None, false));
        };
        let value = match json.branches.as_slice() {
            [Node::Map(items)] => match items.as_slice() {
                [MapItem::Pair(key, Node::Leaf(id))] if key == DATA => {
                    match &json.leaves[*id].kind {
                        LeafKind::Value(v @ Scalar::Str(_)) => Some(v.clone()),
                        _ => None,
                    }
                }
                _ => None,
            },
            _ => None,
        };
        let value = value.ok_or_else(|| {
            Error::Unsupported(
                "not an encrypted binary file: it must be {\"data\": \"ENC[...]\", \"sops\": {...}}; pass --input-type json to read it as JSON".into(),
            )
        })?;
        let metadata = (json.metadata.take(), json.metadata_error.take());
        Ok(whole(Arc::clone(&json.text), value, Some(metadata), true))
    }

    fn render(
        &self,
        doc: &Document,
        leaf: &Leaf,
        value: Rendering<'_>,
        out: &mut Vec<u8>,
    ) -> Result<Range<usize>, Error> {
        let state: &State = doc.state();
        match value {
            Rendering::Encrypted(enc) if !state.encrypted => {
                out.extend_from_slice(format!("{{\n\t\"{DATA}\": \"{enc}\"").as_bytes())
            }
            Rendering::Encrypted(_) | Rendering::Comment(_) => {
                return Err(Error::Emit(
                    "a binary file holds one value and no comments".into(),
                ))
            }
            Rendering::Plain(scalar) => out.extend_from_slice(&scalar.plaintext()),
        }
        Ok(leaf.span.clone())
    }

    fn metadata_patches(
        &self,
        doc: &Document,
        metadata: Option<&Metadata>,
    ) -> Result<Vec<Patch>, Error> {
        let state: &State = doc.state();
        let len = doc.text.len();
        // An empty file is never encrypted, so no value patch writes the JSON around it.
        let empty = doc.leaves.first().is_some_and(|l| match &l.kind {
            LeafKind::Value(v) => v.plaintext().is_empty(),
            _ => false,
        });
        Ok(match metadata {
            Some(md) => {
                let open = if empty && !state.encrypted {
                    format!("{{\n\t\"{DATA}\": \"\"")
                } else {
                    String::new()
                };
                let member = metadata_member(md)?;
                vec![Patch {
                    range: len..len,
                    text: format!("{open},\n\t{member}\n}}\n").into_bytes(),
                }]
            }
            // Decrypting replaces the whole file with the value's patch, or with nothing.
            None if state.encrypted && empty => vec![Patch {
                range: 0..len,
                text: Vec::new(),
            }],
            None => Vec::new(),
        })
    }

    fn emit(&self, value: &Plain) -> Result<Vec<u8>, Error> {
        match value {
            Plain::Map(items) => items
                .iter()
                .find_map(|(k, v)| match v {
                    Plain::Scalar(Scalar::Str(s)) if k == DATA => Some(s.to_vec()),
                    _ => None,
                })
                .ok_or_else(|| {
                    Error::Emit(
                        "no binary data found in tree: binary output needs a string under \"data\"; choose another --output-type".into(),
                    )
                }),
            _ => Err(Error::Emit(
                "binary output needs a map with a \"data\" string".into(),
            )),
        }
    }
}

/// A document whose one leaf, `data`, spans the whole file.
fn whole(
    text: Arc<Source>,
    value: Scalar,
    metadata: Option<(Option<Metadata>, Option<String>)>,
    encrypted: bool,
) -> Document {
    let len = text.len();
    let mut doc = Document::new(text, Box::new(State { encrypted }));
    doc.leaves = vec![Leaf {
        span: 0..len,
        kind: LeafKind::Value(value),
        style: Style::default(),
    }];
    doc.branches = vec![Node::Map(vec![MapItem::Pair(DATA.into(), Node::Leaf(0))])];
    if let Some((metadata, error)) = metadata {
        doc.metadata = metadata;
        doc.metadata_error = error;
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintext_is_the_whole_file() {
        let bytes = b"Hello\0binary\xff\nworld\n".to_vec();
        let doc = Binary.parse(bytes.clone()).unwrap();
        assert!(!doc.has_metadata());
        assert_eq!(doc.leaves[0].span, 0..bytes.len());
        // JSON without metadata is data too.
        let doc = Binary.parse(b"{\"a\": 1}".to_vec()).unwrap();
        assert_eq!(doc.leaves[0].span, 0..8);
    }

    #[test]
    fn emit_needs_data() {
        let tree = Plain::Map(vec![(DATA.into(), Plain::Scalar(Scalar::str("x\0")))]);
        assert_eq!(Binary.emit(&tree).unwrap(), b"x\0");
        assert!(Binary.emit(&Plain::Map(vec![])).is_err());
    }
}

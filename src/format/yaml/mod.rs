//! YAML, losslessly: values are replaced where they stand, comments encrypted in place, the
//! metadata appended as a `sops:` key at the end of every document (SOPS_FORMAT.md §6.1).

mod change;
mod comments;
mod events;
mod parse;
mod resolve;
mod scan;
mod write;

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use serde_json::{Map, Value};

use self::parse::{line_start, Built, Child, Item};
use super::Format;
use crate::change::Change;
use crate::error::Error;
use crate::metadata::{EmptyList, Metadata, SOPS_KEY};
use crate::path::PathSeg;
use crate::plain::Plain;
use crate::text::{Key, Source};
use crate::tree::{
    Document, Leaf, LeafId, LeafKind, MapItem, Node, Patch, Quote, Rendering, Style,
};
use crate::value::{Scalar, ScalarRef};

/// The YAML format.
pub struct Yaml;

/// For the fuzz targets: whether the fast reader of block-style YAML, where it reads `text`
/// (`None` where it gives way to saphyr-parser), reports the events saphyr-parser reports.
#[cfg(fuzzing)]
pub fn fast_reader_agrees(text: &str) -> Option<bool> {
    scan::agrees_with_saphyr(text)
}

/// Where a document's metadata goes.
struct DocState {
    /// End of the document's content (before its `...`/next `---`).
    end: usize,
    /// Column of the root map's keys.
    root_col: usize,
    /// The `sops:` block already in the document.
    metadata: Option<Range<usize>>,
    flow_root: bool,
}

struct State {
    docs: Vec<DocState>,
    indent_step: usize,
    newline: &'static str,
}

impl Format for Yaml {
    fn parse(&self, text: Vec<u8>) -> Result<Document, Error> {
        let source = Source::new(text);
        let text: &[u8] = &source;
        let s = std::str::from_utf8(text).map_err(|e| {
            Error::syntax_at("YAML", text, e.valid_up_to(), "the file is not valid UTF-8")
        })?;
        let mut built = parse::build(&source, s)?;
        if built.documents.is_empty() && !s.trim().is_empty() {
            // Only comments: one empty document holds them (and the metadata).
            built.documents.push(parse::DocInfo {
                root: None,
                end: s.len(),
                flow_root: false,
            });
        }
        let mut metadata_value = None;
        let mut metadata_ranges = Vec::new();
        let mut docs = Vec::new();
        for d in 0..built.documents.len() {
            let info = &built.documents[d];
            let (root, end, flow_root) = (info.root, info.end, info.flow_root);
            let mut state = DocState {
                end,
                root_col: root.and_then(|r| built.containers[r].col).unwrap_or(0),
                metadata: None,
                flow_root,
            };
            if let Some(root) = root {
                if let Some((range, value)) = take_metadata(text, &mut built, root) {
                    metadata_value.get_or_insert(value);
                    metadata_ranges.push(range.clone());
                    state.metadata = Some(range);
                }
            }
            docs.push(state);
        }
        // Comments are placed as sops sees them: before the document's `sops:` entry.
        let metadata_entries: Vec<(usize, usize)> = docs
            .iter()
            .map(|d| match &d.metadata {
                Some(range) => (range.start + d.root_col, d.root_col),
                None => (d.end, d.root_col),
            })
            .collect();
        comments::attach(text, &mut built, &metadata_ranges, &metadata_entries);
        let indent_step = indent_step(&built);
        let newline = if s.contains("\r\n") { "\r\n" } else { "\n" };
        let Built {
            mut leaves,
            containers,
            documents,
            ..
        } = built;
        let mut branches = Vec::new();
        for doc in &documents {
            branches.push(match doc.root {
                Some(root) => convert(&containers, root, &mut leaves),
                None => Node::Map(Vec::new()),
            });
        }
        let mut doc = Document::new(
            Arc::clone(&source),
            Box::new(State {
                docs,
                indent_step,
                newline,
            }),
        );
        doc.leaves = leaves;
        doc.branches = branches;
        if let Some(value) = metadata_value {
            doc.set_metadata(Metadata::from_value(&value));
        }
        Ok(doc)
    }

    fn render(
        &self,
        doc: &Document,
        leaf: &Leaf,
        value: Rendering<'_>,
        out: &mut Vec<u8>,
    ) -> Result<Range<usize>, Error> {
        let state: &State = doc.state();
        let text = match value {
            Rendering::Encrypted(enc) => encrypted_token(doc, leaf, enc, state),
            Rendering::Comment(text) => {
                return match (&leaf.kind, leaf.style.item_start) {
                    // A comment sops stored as a list element becomes a comment line again.
                    (LeafKind::Value(_), Some(dash)) => {
                        out.push(b'#');
                        out.extend_from_slice(text);
                        Ok(dash as usize..leaf.span.end)
                    }
                    (LeafKind::Value(_), None) => Err(Error::Emit(
                        "a comment stored as a value outside a list cannot be written back".into(),
                    )),
                    _ => {
                        out.extend_from_slice(text);
                        Ok(leaf.span.clone())
                    }
                };
            }
            Rendering::Plain(scalar) => plain_text(doc, leaf, scalar, state)?,
        };
        out.extend_from_slice(text.as_bytes());
        Ok(leaf.span.clone())
    }

    fn encrypted_style(&self, style: &Style) -> Style {
        match style.quote {
            Quote::Bare if style.in_flow => Style {
                quote: Quote::Double,
                ..style.clone()
            },
            _ => style.clone(),
        }
    }

    fn metadata_patches(
        &self,
        doc: &Document,
        metadata: Option<&Metadata>,
    ) -> Result<Vec<Patch>, Error> {
        let state: &State = doc.state();
        let text = &doc.text;
        let mut patches = Vec::new();
        let block = metadata.map(|md| Plain::from_json(&md.to_value(EmptyList::Empty)));
        for d in &state.docs {
            let mut insert_at = d.end;
            if let Some(range) = &d.metadata {
                let mut range = range.clone();
                // A block that ends the file without a final line break brought one before it.
                if range.end == text.len() && !text.ends_with(b"\n") && range.start > 0 {
                    range.start -= 1;
                }
                insert_at = range.start;
                patches.push(Patch {
                    range,
                    text: Vec::new(),
                });
            }
            let Some(block) = &block else { continue };
            if d.flow_root {
                return Err(Error::Unsupported(
                    "a flow-style root map ({...}) cannot hold the sops metadata; write the root map in block style".into(),
                ));
            }
            let mut out = String::new();
            let entry = Plain::Map(vec![(SOPS_KEY.to_string(), block.clone())]);
            write::emit_block(&mut out, &entry, d.root_col, state.indent_step)?;
            if state.newline != "\n" {
                out = out.replace('\n', state.newline);
            }
            let at_line_start = insert_at == 0 || text[insert_at - 1] == b'\n';
            if !at_line_start {
                // The file ends without a line break: so does the metadata block.
                let body = out.trim_end_matches(['\n', '\r']).to_string();
                out = format!("{}{body}", state.newline);
            }
            patches.push(Patch {
                range: insert_at..insert_at,
                text: out.into_bytes(),
            });
        }
        Ok(patches)
    }

    fn emit(&self, value: &Plain) -> Result<Vec<u8>, Error> {
        let mut out = String::new();
        write::emit_block(&mut out, value, 0, 4)?;
        Ok(out.into_bytes())
    }

    fn change(
        &self,
        doc: &Document,
        path: &[PathSeg],
        change: Change<'_>,
    ) -> Result<Vec<Patch>, Error> {
        change::change(doc, path, change)
    }
}

/// The `ENC[...]` token as it stands in place of a value.
fn encrypted_token<'a>(doc: &Document, leaf: &Leaf, enc: &'a str, state: &State) -> Cow<'a, str> {
    Cow::Owned(match leaf.style.quote {
        Quote::Bare if leaf.style.in_flow => format!("\"{enc}\""),
        Quote::Bare => return Cow::Borrowed(enc),
        Quote::Single => format!("'{enc}'"),
        Quote::Double => format!("\"{enc}\""),
        Quote::Block { content_indent, .. } => {
            let pad = " ".repeat(content_indent as usize);
            match block_header(doc, leaf) {
                // The header is kept without an indentation indicator: the token line
                // sets the indentation.
                Some(header) => {
                    let header: String = header.chars().filter(|c| !c.is_ascii_digit()).collect();
                    format!("{header}{}{pad}{enc}", state.newline)
                }
                None => format!("{pad}{enc}"),
            }
        }
    })
}

/// The header (`|`, `>-`, `|2+`) of a block scalar leaf whose span starts with it.
fn block_header<'d>(doc: &'d Document, leaf: &Leaf) -> Option<&'d str> {
    let rest = &doc.text[leaf.span.start..leaf.span.end];
    if !matches!(rest.first(), Some(b'|' | b'>')) {
        return None;
    }
    let len = rest
        .iter()
        .take_while(|b| matches!(b, b'|' | b'>' | b'+' | b'-' | b'0'..=b'9'))
        .count();
    std::str::from_utf8(&rest[..len]).ok()
}

/// Plaintext for a leaf, in its style.
fn plain_text<'a>(
    doc: &Document,
    leaf: &Leaf,
    scalar: ScalarRef<'a>,
    state: &State,
) -> Result<Cow<'a, str>, Error> {
    let style = &leaf.style;
    let inline = || match style.quote {
        Quote::Block { .. } if block_header(doc, leaf).is_none() => Err(unrepresentable()),
        _ => Ok(Cow::Owned(write::inline_scalar(scalar, style.in_flow))),
    };
    let ScalarRef::Str(bytes) = scalar else {
        return inline();
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return inline();
    };
    if style.quote == Quote::Bare && write::plain_ok(text, style.in_flow) {
        return Ok(Cow::Borrowed(text));
    }
    let nl = state.newline;
    let text = match style.quote {
        Quote::Double => write::double_quoted(text),
        Quote::Single => write::single_quoted(text).unwrap_or_else(|| write::double_quoted(text)),
        Quote::Bare if text.contains('\n') && !style.in_flow => {
            let indent = style.indent as usize + state.indent_step.max(1);
            literal(doc, leaf, text, indent, None, nl).unwrap_or_else(|| write::double_quoted(text))
        }
        Quote::Bare => write::inline_string(text, style.in_flow),
        Quote::Block { content_indent, .. } => match block_header(doc, leaf) {
            Some(_) => literal(doc, leaf, text, content_indent as usize, None, nl)
                .unwrap_or_else(|| write::double_quoted(text)),
            None => {
                // The header stays in the file: the value must fit it.
                let header = header_before(doc, leaf).ok_or_else(unrepresentable)?;
                literal(doc, leaf, text, content_indent as usize, Some(header), nl)
                    .ok_or_else(unrepresentable)?
            }
        },
    };
    Ok(Cow::Owned(text))
}

fn unrepresentable() -> Error {
    Error::Emit("the value no longer fits the block scalar header kept in the file".into())
}

/// The header of a block scalar whose header is not part of the leaf's span.
fn header_before<'d>(doc: &'d Document, leaf: &Leaf) -> Option<&'d str> {
    let text = &doc.text;
    let header_line_end = leaf.span.start.checked_sub(1)?;
    let start = line_start(text, header_line_end);
    let line = std::str::from_utf8(&text[start..header_line_end]).ok()?;
    let pos = line.find(['|', '>'])?;
    let rest = &line[pos..];
    let len = rest
        .bytes()
        .take_while(|b| matches!(b, b'|' | b'>' | b'+' | b'-' | b'0'..=b'9'))
        .count();
    Some(&rest[..len])
}

/// A literal block for `text`: with `fixed` the header in the file is kept and only the body
/// written (its chomping must fit the value), else a header is written too. The line breaks
/// after the span, which stay in the file, count toward the value's final line breaks.
fn literal(
    doc: &Document,
    leaf: &Leaf,
    text: &str,
    indent: usize,
    fixed: Option<&str>,
    nl: &str,
) -> Option<String> {
    let (chomp, lines) = write::literal_lines(text, indent)?;
    let trailing = text.len() - text.trim_end_matches('\n').len();
    let after = &doc.text[leaf.span.end..];
    let gap_breaks = after
        .iter()
        .take_while(|b| matches!(b, b'\n' | b'\r' | b' '))
        .filter(|&&b| b == b'\n')
        .count();
    let (chomp, extra) = match fixed {
        Some(header) => {
            // Under a folding header, line breaks inside the value would fold away.
            if header.starts_with('>') && text.trim_end_matches('\n').contains('\n') {
                return None;
            }
            let keep = header.contains('+');
            let strip = header.contains('-');
            let digits = header.bytes().any(|b| b.is_ascii_digit());
            let first_line = text.split('\n').find(|l| !l.is_empty()).unwrap_or_default();
            if first_line.starts_with(' ') && !digits {
                return None;
            }
            match (keep, strip, trailing) {
                (false, true, 0) | (false, false, 1) => ("", 0),
                (true, _, n) if n >= gap_breaks && gap_breaks >= 1 => ("", n - gap_breaks),
                _ => return None,
            }
        }
        None => match chomp {
            "+" if trailing >= gap_breaks && gap_breaks >= 1 => ("+", trailing - gap_breaks),
            "+" => return None,
            c => (c, 0),
        },
    };
    let mut out = String::new();
    if fixed.is_none() {
        out.push('|');
        out.push_str(chomp);
        out.push_str(nl);
    }
    // Without a header in the span, the span starts at the first line's start.
    out.push_str(&lines.join(nl));
    for _ in 0..extra {
        out.push_str(nl);
    }
    Some(out)
}

/// Takes the `sops` entry out of a root map: the range of its lines and its value.
fn take_metadata(text: &[u8], built: &mut Built, root: usize) -> Option<(Range<usize>, Value)> {
    let items = &built.containers[root].items;
    let index = items
        .iter()
        .position(|i| matches!(i, Item::Entry { key: Some(k), .. } if k == SOPS_KEY))?;
    let (start, value) = match &items[index] {
        Item::Entry { start, value, .. } => (*start, to_value(text, built, value)),
        Item::Comment { .. } => unreachable!("found an entry"),
    };
    let end = match &items[index] {
        Item::Entry {
            value: Child::Container(c),
            ..
        } => built.containers[*c].last_token_end,
        Item::Entry {
            value: Child::Leaf(l),
            ..
        } => built.leaves[*l].span.end,
        _ => start,
    };
    let end = if end > 0 && text[end - 1] == b'\n' {
        end
    } else {
        memchr::memchr(b'\n', &text[end..]).map_or(text.len(), |i| end + i + 1)
    };
    built.containers[root].items.remove(index);
    Some((line_start(text, start)..end, value))
}

/// A parsed node as a JSON value (for the metadata).
fn to_value(text: &[u8], built: &Built, child: &Child) -> Value {
    match child {
        Child::Null => Value::Null,
        Child::Leaf(id) => leaf_value(text, &built.leaves, *id),
        Child::Container(c) | Child::AliasOf(c) => {
            let container = &built.containers[*c];
            let entries = container.items.iter().filter_map(|i| match i {
                Item::Entry { key, value, .. } => Some((key, value)),
                Item::Comment { .. } => None,
            });
            if container.is_map {
                let mut obj = Map::new();
                for (key, value) in entries {
                    obj.insert(
                        key.as_deref().unwrap_or_default().to_string(),
                        to_value(text, built, value),
                    );
                }
                Value::Object(obj)
            } else {
                Value::Array(entries.map(|(_, v)| to_value(text, built, v)).collect())
            }
        }
    }
}

fn leaf_value(text: &[u8], leaves: &[Leaf], id: LeafId) -> Value {
    let leaf = &leaves[id];
    match &leaf.kind {
        LeafKind::Alias(target) => leaf_value(text, leaves, *target),
        LeafKind::Comment(_) | LeafKind::Shadowed(_) => Value::Null,
        LeafKind::Value(Scalar::Int(i)) => (*i).into(),
        LeafKind::Value(Scalar::Bool(b)) => (*b).into(),
        // Timestamps and floats are read as the text written (sops's struct fields are strings).
        LeafKind::Value(Scalar::Time(_)) | LeafKind::Value(Scalar::Float(_)) => {
            String::from_utf8_lossy(&text[leaf.span.clone()])
                .into_owned()
                .into()
        }
        LeafKind::Value(Scalar::Str(s)) => String::from_utf8_lossy(s).into_owned().into(),
    }
}

/// The indentation step the file uses (default 4, as sops writes).
fn indent_step(built: &Built) -> usize {
    let containers = &built.containers;
    containers
        .iter()
        .filter(|c| !c.flow)
        .find_map(|c| {
            let parent = &containers[c.parent?];
            if parent.flow || !parent.is_map {
                return None;
            }
            let (cc, pc) = (c.col?, parent.col?);
            cc.checked_sub(pc).filter(|&step| step > 0)
        })
        .unwrap_or(4)
}

/// Builds the tree node of a container.
fn convert(containers: &[parse::Container], cid: usize, leaves: &mut Vec<Leaf>) -> Node {
    let c = &containers[cid];
    if c.is_map {
        let items = c
            .items
            .iter()
            .map(|item| match item {
                Item::Entry { key, value, .. } => MapItem::Pair(
                    key.clone().unwrap_or_else(|| Key::from("")),
                    convert_child(containers, value, leaves),
                ),
                Item::Comment { leaf, .. } => MapItem::Comment(*leaf),
            })
            .collect();
        Node::Map(items)
    } else {
        let items = c
            .items
            .iter()
            .map(|item| match item {
                Item::Entry { value, .. } => convert_child(containers, value, leaves),
                Item::Comment { leaf, .. } => Node::Leaf(*leaf),
            })
            .collect();
        Node::List(items)
    }
}

fn convert_child(containers: &[parse::Container], child: &Child, leaves: &mut Vec<Leaf>) -> Node {
    match child {
        Child::Container(c) => convert(containers, *c, leaves),
        Child::Leaf(l) => Node::Leaf(*l),
        Child::Null => Node::Null,
        Child::AliasOf(c) => expand(containers, *c, leaves),
    }
}

/// An alias to a collection, as sops sees it: a copy whose leaves stand for the originals.
fn expand(containers: &[parse::Container], cid: usize, leaves: &mut Vec<Leaf>) -> Node {
    let c = &containers[cid];
    let child_node = |value: &Child, leaves: &mut Vec<Leaf>| match value {
        Child::Container(c) | Child::AliasOf(c) => expand(containers, *c, leaves),
        Child::Null => Node::Null,
        Child::Leaf(l) => {
            let target = match leaves[*l].kind {
                LeafKind::Alias(t) => t,
                _ => *l,
            };
            leaves.push(Leaf {
                span: 0..0,
                kind: LeafKind::Alias(target),
                style: Style::default(),
            });
            Node::Leaf(leaves.len() - 1)
        }
    };
    let entries = c.items.iter().filter_map(|i| match i {
        Item::Entry { key, value, .. } => Some((key, value)),
        Item::Comment { .. } => None,
    });
    if c.is_map {
        let mut items = Vec::new();
        for (key, value) in entries {
            items.push(MapItem::Pair(
                key.clone().unwrap_or_else(|| Key::from("")),
                child_node(value, leaves),
            ));
        }
        Node::Map(items)
    } else {
        let mut items = Vec::new();
        for (_, value) in entries {
            items.push(child_node(value, leaves));
        }
        Node::List(items)
    }
}

#[cfg(test)]
mod tests;

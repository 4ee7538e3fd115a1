//! YAML events ([`super::events`], with a byte span for every event) to a tree of containers
//! whose entries and leaves know their byte positions.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use super::events::{self, Event, Style as ScalarStyle};
use super::resolve::{resolve, Resolved};
use super::scan::{self, Scanned};
use crate::error::Error;
use crate::path::PathSeg;
use crate::text::{narrow, Key, Source, Text};
use crate::tree::{Leaf, LeafId, LeafKind, Quote, Style};
use crate::value::Scalar;

/// A map or sequence being built.
pub(super) struct Container {
    pub is_map: bool,
    pub flow: bool,
    pub parent: Option<usize>,
    pub path: Vec<PathSeg>,
    pub items: Vec<Item>,
    /// Column of its entries.
    pub col: Option<usize>,
    pub document: usize,
    /// End of the last token inside it.
    pub last_token_end: usize,
    /// A key read and waiting for its value (maps only).
    pending_key: Option<(Key, usize)>,
}

impl Container {
    /// An empty root map, for a document that has none.
    pub fn empty_root(document: usize) -> Container {
        Container {
            is_map: true,
            flow: false,
            parent: None,
            path: Vec::new(),
            items: Vec::new(),
            col: None,
            document,
            last_token_end: 0,
            pending_key: None,
        }
    }
}

/// An entry of a container, or a comment among them.
pub(super) enum Item {
    /// A map entry (`key` set) or sequence element; `start` is where the key or `-` is.
    Entry {
        start: usize,
        key: Option<Key>,
        value: Child,
    },
    /// A comment leaf.
    Comment { start: usize, leaf: LeafId },
}

impl Item {
    pub fn start(&self) -> usize {
        match self {
            Item::Entry { start, .. } | Item::Comment { start, .. } => *start,
        }
    }
}

/// A value in a container.
pub(super) enum Child {
    Container(usize),
    Leaf(LeafId),
    /// An alias to a collection (expanded when the tree is built).
    AliasOf(usize),
    Null,
}

/// One YAML document.
pub(super) struct DocInfo {
    pub root: Option<usize>,
    /// Where the document's content ends (its `...`/next `---`, or the end of the text).
    pub end: usize,
    pub flow_root: bool,
}

#[derive(Clone, Copy)]
enum Target {
    Leaf(LeafId),
    Container(usize),
    Null,
}

/// The result of reading the events of a file.
pub(super) struct Built {
    pub leaves: Vec<Leaf>,
    pub containers: Vec<Container>,
    pub documents: Vec<DocInfo>,
    /// Byte ranges of scalar and alias tokens, in order: a `#` inside is not a comment.
    pub tokens: Vec<Range<usize>>,
}

/// Reads the events of `source` (whose bytes are `text`): string values written verbatim
/// are slices of `source`.
pub(super) fn build(source: &Arc<Source>, text: &str) -> Result<Built, Error> {
    let mut b = Builder::new(source, text);
    // The fast reader first; what it does not read, or what the tree refuses, is read again
    // by saphyr-parser, whose messages say where the file goes wrong.
    if let Ok(Scanned::Done) = scan::scan(text, |event, span| b.event(event, span)) {
        return Ok(b.finish());
    }
    let mut b = Builder::new(source, text);
    events::saphyr(text, |event, span| b.event(event, span))?;
    Ok(b.finish())
}

struct Builder<'a> {
    source: &'a Arc<Source>,
    text: &'a str,
    bytes: &'a [u8],
    leaves: Vec<Leaf>,
    containers: Vec<Container>,
    stack: Vec<usize>,
    documents: Vec<DocInfo>,
    anchors: HashMap<usize, Target>,
    tokens: Vec<Range<usize>>,
    last_end: usize,
}

impl<'a> Builder<'a> {
    fn new(source: &'a Arc<Source>, text: &'a str) -> Builder<'a> {
        Builder {
            source,
            text,
            bytes: text.as_bytes(),
            leaves: Vec::new(),
            containers: Vec::new(),
            stack: Vec::new(),
            documents: Vec::new(),
            anchors: HashMap::new(),
            tokens: Vec::new(),
            last_end: 0,
        }
    }

    fn finish(self) -> Built {
        Built {
            leaves: self.leaves,
            containers: self.containers,
            documents: self.documents,
            tokens: self.tokens,
        }
    }

    fn unsupported(&self, at: usize, message: &str) -> Error {
        Error::syntax_at("YAML", self.bytes, at, message)
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>) -> Result<(), Error> {
        match event {
            Event::DocumentStart => self.documents.push(DocInfo {
                root: None,
                end: self.text.len(),
                flow_root: false,
            }),
            Event::DocumentEnd => {
                if let Some(doc) = self.documents.last_mut() {
                    doc.end = range.start;
                }
            }
            Event::MappingStart { anchor } | Event::SequenceStart { anchor } => {
                let is_map = matches!(event, Event::MappingStart { .. });
                let opener = if is_map { b'{' } else { b'[' };
                // A flow collection's span runs from its properties over its opener and the
                // white space after it; a block collection's is empty.
                let last = self.bytes[range.clone()]
                    .iter()
                    .rposition(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                    .map(|i| range.start + i);
                let flow = last.is_some_and(|at| self.bytes[at] == opener);
                let cid = self.containers.len();
                let start = match last {
                    Some(at) if flow => at,
                    _ => range.start,
                };
                let (parent, path) =
                    self.place(start, range.start, Child::Container(cid), is_map, flow)?;
                let document = self.documents.len().saturating_sub(1);
                self.containers.push(Container {
                    is_map,
                    flow,
                    parent,
                    path,
                    items: Vec::new(),
                    col: None,
                    document,
                    last_token_end: range.end,
                    pending_key: None,
                });
                if anchor != 0 {
                    self.anchors.insert(anchor, Target::Container(cid));
                }
                self.stack.push(cid);
                self.last_end = range.end;
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some(cid) = self.stack.pop() {
                    if flow_end(self.bytes, &range) {
                        self.containers[cid].last_token_end = range.end;
                    }
                    let end = self.containers[cid].last_token_end;
                    if let Some(parent) = self.containers[cid].parent {
                        let p = &mut self.containers[parent];
                        p.last_token_end = p.last_token_end.max(end);
                    }
                }
                self.last_end = self.last_end.max(range.end);
            }
            Event::Alias(anchor) => {
                self.tokens.push(range.clone());
                if self.awaiting_key() {
                    return Err(
                        self.unsupported(range.start, "an alias cannot be used as a map key")
                    );
                }
                let child = match self.anchors.get(&anchor).copied() {
                    Some(Target::Leaf(target)) => {
                        self.leaves.push(Leaf {
                            span: range.end..range.end,
                            kind: LeafKind::Alias(target),
                            style: Style::default(),
                        });
                        Child::Leaf(self.leaves.len() - 1)
                    }
                    Some(Target::Container(cid)) => Child::AliasOf(cid),
                    Some(Target::Null) => Child::Null,
                    None => return Err(self.unsupported(range.start, "unknown anchor")),
                };
                self.place(range.start, range.start, child, false, false)?;
                self.touch(range.end);
            }
            Event::Scalar {
                value,
                style,
                anchor,
                tag,
            } => {
                // saphyr's span of a quoted scalar runs on over a trailing comment.
                let range = match style {
                    ScalarStyle::DoubleQuoted | ScalarStyle::SingleQuoted => {
                        let open = skip_properties(self.bytes, range.start, range.end);
                        let open = (open..range.end)
                            .find(|&p| matches!(self.bytes[p], b'"' | b'\''))
                            .unwrap_or(open);
                        range.start..quoted_end(self.bytes, open).min(range.end).max(open)
                    }
                    _ => range,
                };
                self.tokens.push(range.clone());
                let tag = tag.unwrap_or_default();
                let quoted = style != ScalarStyle::Plain;
                if self.awaiting_key() {
                    let key = match resolve(&tag, quoted, &value) {
                        Ok(Resolved::Str) => {
                            let (span, quote) = self.scalar_region(&range, style);
                            match self.verbatim(&value, &span, quote) {
                                Some(at) => {
                                    Key::shared(self.source, at).expect("the text is UTF-8")
                                }
                                None => Key::from(value.into_owned()),
                            }
                        }
                        Ok(Resolved::Value(s)) if s.type_name() == "str" => {
                            String::from_utf8(s.as_bytes().unwrap_or_default().to_vec())
                                .map_err(|_| {
                                    self.unsupported(range.start, "a map key is not UTF-8")
                                })?
                                .into()
                        }
                        _ => {
                            return Err(Error::EncryptValue {
                                path: format!("the key {value:?}"),
                                reason: "SOPS files only have string keys; quote the key".into(),
                            })
                        }
                    };
                    let cid = *self.stack.last().expect("awaiting_key checks the stack");
                    let c = &mut self.containers[cid];
                    c.col.get_or_insert(column(self.bytes, range.start));
                    c.pending_key = Some((key, range.start));
                    self.touch(range.end);
                    return Ok(());
                }
                let resolved =
                    resolve(&tag, quoted, &value).map_err(|e| self.unsupported(range.start, &e))?;
                let child = match resolved {
                    Resolved::Null => {
                        if anchor != 0 {
                            self.anchors.insert(anchor, Target::Null);
                        }
                        Child::Null
                    }
                    Resolved::Str | Resolved::Value(_) => {
                        let (span, quote) = self.scalar_region(&range, style);
                        let scalar = match resolved {
                            Resolved::Value(scalar) => scalar,
                            _ => Scalar::Str(self.string(&value, &span, quote)),
                        };
                        self.leaves.push(Leaf {
                            span,
                            kind: LeafKind::Value(scalar),
                            style: Style {
                                quote,
                                ..Style::default()
                            },
                        });
                        let id = self.leaves.len() - 1;
                        if anchor != 0 {
                            self.anchors.insert(anchor, Target::Leaf(id));
                        }
                        Child::Leaf(id)
                    }
                };
                if self.stack.is_empty() && !matches!(child, Child::Null) {
                    return Err(self.unsupported(
                        range.start,
                        "YAML documents that are single values are not supported; the document must be a map",
                    ));
                }
                if !self.stack.is_empty() {
                    let leaf = match child {
                        Child::Leaf(id) => Some(id),
                        _ => None,
                    };
                    let (entry_col, item_start) = self.place_leaf(range.start, child)?;
                    if let Some(id) = leaf {
                        let in_flow = self.containers[*self.stack.last().expect("non-empty")].flow;
                        let style = &mut self.leaves[id].style;
                        style.in_flow = in_flow;
                        style.indent = narrow(entry_col);
                        style.item_start = item_start.map(narrow);
                    }
                }
                self.touch(range.end);
            }
        }
        Ok(())
    }

    fn awaiting_key(&self) -> bool {
        self.stack
            .last()
            .is_some_and(|&c| self.containers[c].is_map && self.containers[c].pending_key.is_none())
    }

    fn touch(&mut self, end: usize) {
        self.last_end = self.last_end.max(end);
        if let Some(&cid) = self.stack.last() {
            let c = &mut self.containers[cid];
            c.last_token_end = c.last_token_end.max(end);
        }
    }

    /// Adds a leaf (or null) to the current container; returns the column of its entry and
    /// the offset of its list dash.
    fn place_leaf(&mut self, start: usize, child: Child) -> Result<(usize, Option<usize>), Error> {
        self.place(start, start, child, false, false)?;
        let cid = *self.stack.last().expect("placed in a container");
        let c = &self.containers[cid];
        let entry_start = c.items.last().map_or(start, Item::start);
        let item_start = (!c.is_map && !c.flow).then_some(entry_start);
        Ok((column(self.bytes, entry_start), item_start))
    }

    /// Adds `child` to the current container (or makes it the document root) and returns the
    /// new container's parent and path.
    fn place(
        &mut self,
        start: usize,
        node_start: usize,
        child: Child,
        is_map: bool,
        flow: bool,
    ) -> Result<(Option<usize>, Vec<PathSeg>), Error> {
        let Some(&cid) = self.stack.last() else {
            let doc = match self.documents.last_mut() {
                Some(doc) => doc,
                None => return Err(self.unsupported(start, "content outside a document")),
            };
            match child {
                Child::Container(id) if is_map => {
                    doc.root = Some(id);
                    doc.flow_root = flow;
                }
                Child::Container(_) => {
                    return Err(self.unsupported(
                        start,
                        "YAML documents that are sequences are not supported; the document must be a map",
                    ))
                }
                _ => {}
            }
            return Ok((None, Vec::new()));
        };
        let text = self.bytes;
        // Only a new container needs its path; a leaf's is known to the tree walk.
        let wants_path = matches!(child, Child::Container(_));
        let c = &mut self.containers[cid];
        let mut path = if wants_path {
            c.path.clone()
        } else {
            Vec::new()
        };
        if c.is_map {
            let Some((key, key_start)) = c.pending_key.take() else {
                return Err(Error::syntax_at(
                    "YAML",
                    text,
                    start,
                    "complex (non-scalar) map keys are not supported",
                ));
            };
            if wants_path {
                path.push(PathSeg::Key(key.to_string()));
            }
            c.items.push(Item::Entry {
                start: key_start,
                key: Some(key),
                value: child,
            });
        } else {
            if wants_path {
                let index = c
                    .items
                    .iter()
                    .filter(|i| matches!(i, Item::Entry { .. }))
                    .count();
                path.push(PathSeg::Index(index));
            }
            let entry_start = if c.flow {
                node_start
            } else {
                find_dash(text, node_start).unwrap_or(node_start)
            };
            c.col.get_or_insert(column(text, entry_start));
            c.items.push(Item::Entry {
                start: entry_start,
                key: None,
                value: child,
            });
        }
        Ok((Some(cid), path))
    }

    /// A string value `value` written at `span` with `quote`: a slice of the file when it is
    /// written there verbatim.
    fn string(&self, value: &str, span: &Range<usize>, quote: Quote) -> Text {
        match self.verbatim(value, span, quote) {
            Some(at) => Text::shared(self.source, at),
            None => Text::from(value.as_bytes().to_vec()),
        }
    }

    /// Where the file has `value`, written at `span` with `quote`, as it is (no escapes,
    /// folds or indentation in between).
    fn verbatim(&self, value: &str, span: &Range<usize>, quote: Quote) -> Option<Range<usize>> {
        let inner = match quote {
            Quote::Bare => span.clone(),
            Quote::Single | Quote::Double if span.len() >= 2 => span.start + 1..span.end - 1,
            _ => return None,
        };
        (self.bytes.get(inner.clone())? == value.as_bytes()).then_some(inner)
    }

    /// The bytes a scalar's value occupies (after its anchor and tag) and its quoting.
    fn scalar_region(&self, range: &Range<usize>, style: ScalarStyle) -> (Range<usize>, Quote) {
        let text = self.bytes;
        match style {
            ScalarStyle::Literal | ScalarStyle::Folded => {
                let literal = style == ScalarStyle::Literal;
                let header = find_block_header(text, self.last_end, range.start);
                let body_end = last_content_end(text, range.clone());
                let content_indent = first_content_indent(text, range.clone());
                let quote = Quote::Block {
                    literal,
                    content_indent: narrow(content_indent),
                };
                let Some(header) = header else {
                    return (range.start..body_end.max(range.start), quote);
                };
                let header_line_end = memchr_nl(text, header).unwrap_or(text.len());
                let has_comment = text[header..header_line_end].contains(&b'#');
                let start = if has_comment {
                    (header_line_end + 1).min(range.start)
                } else {
                    header
                };
                (start..body_end.max(start), quote)
            }
            _ => {
                let token = skip_properties(text, range.start, range.end);
                let quote = match style {
                    ScalarStyle::SingleQuoted => Quote::Single,
                    ScalarStyle::DoubleQuoted => Quote::Double,
                    _ => Quote::Bare,
                };
                (token..range.end, quote)
            }
        }
    }
}

/// The end of the quoted scalar whose opening quote is at `open`.
fn quoted_end(text: &[u8], open: usize) -> usize {
    let quote = text[open];
    let mut pos = open + 1;
    while pos < text.len() {
        match text[pos] {
            b'\\' if quote == b'"' => pos += 2,
            b'\'' if quote == b'\'' && text.get(pos + 1) == Some(&b'\'') => pos += 2,
            c if c == quote => return pos + 1,
            _ => pos += 1,
        }
    }
    text.len()
}

/// Whether a collection-end event is a flow `}`/`]` (block ends have empty spans).
fn flow_end(text: &[u8], range: &Range<usize>) -> bool {
    !range.is_empty() && matches!(text[range.start], b'}' | b']')
}

/// Column (in bytes) of an offset.
pub(super) fn column(text: &[u8], offset: usize) -> usize {
    offset - line_start(text, offset)
}

pub(super) fn line_start(text: &[u8], offset: usize) -> usize {
    memchr::memrchr(b'\n', &text[..offset]).map_or(0, |p| p + 1)
}

fn memchr_nl(text: &[u8], from: usize) -> Option<usize> {
    memchr::memchr(b'\n', &text[from..]).map(|i| from + i)
}

/// Where the replaced text of a scalar starts: after its anchor, so aliases keep working,
/// but at its tag, which may change how sops reads the value (`!!binary`, `!!timestamp`).
/// A tag written before the anchor stays.
fn skip_properties(text: &[u8], mut pos: usize, end: usize) -> usize {
    loop {
        while pos < end && matches!(text[pos], b' ' | b'\t' | b'\n' | b'\r') {
            pos += 1;
        }
        match text.get(pos) {
            Some(b'&') if pos < end => {
                while pos < end && !matches!(text[pos], b' ' | b'\t' | b'\n' | b'\r') {
                    pos += 1;
                }
            }
            Some(b'!') if pos < end => {
                let tag_start = pos;
                let anchor_follows = {
                    let mut p = pos;
                    while p < end && !matches!(text[p], b' ' | b'\t' | b'\n' | b'\r') {
                        p += 1;
                    }
                    while p < end && matches!(text[p], b' ' | b'\t' | b'\n' | b'\r') {
                        p += 1;
                    }
                    text.get(p) == Some(&b'&')
                };
                if !anchor_follows {
                    return tag_start;
                }
                if text.get(pos + 1) == Some(&b'<') {
                    while pos < end && text[pos] != b'>' {
                        pos += 1;
                    }
                    pos += 1;
                } else {
                    while pos < end && !matches!(text[pos], b' ' | b'\t' | b'\n' | b'\r') {
                        pos += 1;
                    }
                }
            }
            _ => return pos.min(end),
        }
    }
}

/// The `|`/`>` of a block scalar whose body starts at `body`, searched from `from`.
fn find_block_header(text: &[u8], from: usize, body: usize) -> Option<usize> {
    let mut pos = from.min(body);
    while pos < body {
        match text[pos] {
            b'#' if pos == 0 || matches!(text[pos - 1], b' ' | b'\t' | b'\n') => {
                pos = memchr_nl(text, pos).unwrap_or(body);
            }
            b'|' | b'>' => return Some(pos),
            _ => pos += 1,
        }
    }
    None
}

/// End of the last line of a block scalar body that has content (before its line break).
fn last_content_end(text: &[u8], body: Range<usize>) -> usize {
    let slice = &text[body.clone()];
    match slice
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        None => body.start,
        Some(last) => {
            let after = body.start + last + 1;
            memchr_nl(text, after).map_or(body.end.max(after), |nl| {
                if nl > 0 && text[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                }
            })
        }
    }
}

/// Indentation of the first line of a block scalar body that has content.
fn first_content_indent(text: &[u8], body: Range<usize>) -> usize {
    // saphyr starts the span at the content indentation when the first line has content.
    if text
        .get(body.start)
        .is_some_and(|b| !matches!(b, b'\n' | b'\r'))
    {
        return column(text, body.start);
    }
    (body.clone())
        .find(|&p| !matches!(text[p], b' ' | b'\n' | b'\r'))
        .map_or(column(text, body.start), |p| column(text, p))
}

/// The `-` of the block sequence entry whose node starts at `node_start`.
fn find_dash(text: &[u8], node_start: usize) -> Option<usize> {
    let mut pos = node_start;
    for _ in 0..8 {
        while pos > 0 && matches!(text[pos - 1], b' ' | b'\t') {
            pos -= 1;
        }
        if pos > 0 && text[pos - 1] == b'-' {
            return Some(pos - 1);
        }
        if pos == 0 || text[pos - 1] != b'\n' {
            return None;
        }
        // Step back over a line holding only a comment or nothing.
        let end = pos - 1;
        let start = line_start(text, end);
        let line = &text[start..end];
        let content_end = line
            .iter()
            .enumerate()
            .find(|&(i, &b)| b == b'#' && (i == 0 || matches!(line[i - 1], b' ' | b'\t')))
            .map_or(line.len(), |(i, _)| i);
        pos = start + content_end;
        if pos > start
            && line[..content_end]
                .iter()
                .all(|b| matches!(b, b' ' | b'\t' | b'\r'))
        {
            pos = start;
        }
        while pos > start && matches!(text[pos - 1], b' ' | b'\t' | b'\r') {
            pos -= 1;
        }
        if pos > start {
            return (text[pos - 1] == b'-').then_some(pos - 1);
        }
        if start == 0 {
            return None;
        }
        pos = start;
    }
    None
}

//! The document model every format parses into: the original text, and a SOPS tree whose
//! leaves point at byte spans of that text.
//!
//! Encrypting or decrypting never re-serializes the tree: it replaces leaf spans in the
//! original text, so everything else (layout, comments, quoting, key order) stays as it was.

use std::any::Any;
use std::fmt;
use std::io::{self, Write};
use std::ops::Range;
use std::sync::Arc;

use crate::error::Error;
use crate::format::Format;
use crate::metadata::Metadata;
use crate::path::PathSeg;
use crate::text::{Key, Source, Span};
use crate::value::{Scalar, ScalarRef};

/// Index of a leaf in [`Document::leaves`].
pub type LeafId = usize;

/// A parsed file.
pub struct Document {
    /// The file's bytes, which its string values may be slices of.
    pub text: Arc<Source>,
    /// The root of each document (several only in multi-document YAML): a map, or a list
    /// for JSON files whose root is an array (which sops cannot read).
    pub branches: Vec<Node>,
    /// Every leaf, referenced from the tree by index.
    pub leaves: Vec<Leaf>,
    /// The SOPS metadata, when the file has valid metadata.
    pub metadata: Option<Metadata>,
    /// Why the file's metadata block is invalid, when it has one that is.
    pub metadata_error: Option<String>,
    /// Whatever the format needs to place or remove the metadata block.
    pub(crate) state: Box<dyn Any + Send + Sync>,
}

/// An entry of a map, in file order.
#[derive(Clone, Debug)]
pub enum MapItem {
    /// A key and its value.
    Pair(Key, Node),
    /// A comment among the entries.
    Comment(LeafId),
}

/// A value in the tree.
#[derive(Clone, Debug)]
pub enum Node {
    /// A map (ordered; duplicate keys kept as they are).
    Map(Vec<MapItem>),
    /// A list; comments inside lists are `Leaf`s whose kind is a comment.
    List(Vec<Node>),
    /// A scalar, comment or alias leaf.
    Leaf(LeafId),
    /// `null`: never encrypted, not part of the MAC.
    Null,
}

/// A leaf of the tree.
#[derive(Clone, Debug)]
pub struct Leaf {
    /// The bytes of the text this value occupies; replaced when the value is encrypted or
    /// decrypted. Empty for aliases.
    pub span: Range<usize>,
    /// What the leaf holds.
    pub kind: LeafKind,
    /// How the value is written where it stands.
    pub style: Style,
}

/// What a leaf holds, as stored in the file.
#[derive(Clone, Debug)]
pub enum LeafKind {
    /// A scalar: typed in a plaintext file; in an encrypted file, encrypted values are
    /// strings holding `ENC[...]`.
    Value(Scalar),
    /// A comment's text after its marker (`#` or `;`).
    Comment(Vec<u8>),
    /// A YAML alias: stands for the value of another leaf (SOPS expands aliases).
    Alias(LeafId),
    /// A value that SOPS's tree does not hold: an INI key repeated in a section, where
    /// go-ini keeps only the last value. Encrypted like a value at its path so that nothing
    /// is left in plaintext, but left out of the MAC and of plain trees, as sops sees it.
    Shadowed(Scalar),
}

/// How a value is written; each format gives these their meaning.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Style {
    /// Quoting of the value.
    pub quote: Quote,
    /// The value is inside a flow collection (YAML `{...}`/`[...]`).
    pub in_flow: bool,
    /// Column of the line the value belongs to (its key or list dash); continuation lines of
    /// a multi-line value are indented from here. (Columns and offsets of a style are 32-bit:
    /// a file has one style per value, and inputs are at most [`crate::io::MAX_INPUT`] bytes.)
    pub indent: u32,
    /// Offset where the list item holding this value starts (its `-`), for values that must
    /// turn into something that is not a list item (a comment stored in a list by sops).
    pub item_start: Option<u32>,
}

/// The quoting of a scalar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Quote {
    /// No quotes: YAML plain scalar, JSON number/literal, dotenv/INI value.
    #[default]
    Bare,
    /// `'...'`.
    Single,
    /// `"..."`.
    Double,
    /// A YAML block scalar; `header` is its indicator (`|`, `>-`, `|2+`, ...).
    Block {
        /// `true` for `|`, `false` for `>`.
        literal: bool,
        /// Column of the block's content lines.
        content_indent: u32,
    },
}

/// What to write in place of a leaf.
#[derive(Clone, Copy, Debug)]
pub enum Rendering<'a> {
    /// A value's `ENC[...]` string.
    Encrypted(&'a str),
    /// A plaintext value.
    Plain(ScalarRef<'a>),
    /// A comment, as its text after the marker (plaintext or `ENC[...]`).
    Comment(&'a [u8]),
}

/// A replacement of a byte range of the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patch {
    /// The replaced bytes.
    pub range: Range<usize>,
    /// The new bytes.
    pub text: Vec<u8>,
}

/// Replacements of byte ranges of a document's text, their new bytes kept in a few buffers
/// rather than one allocation each: a file has as many as values.
#[derive(Default)]
pub struct Patches {
    edits: Vec<Edit>,
    /// The new bytes; the first buffer is the one [`Patches::render`] and
    /// [`Patches::push`] append to, the others were adopted ([`Patches::adopt`]).
    bufs: Vec<Vec<u8>>,
}

struct Edit {
    range: Span,
    buf: u32,
    text: Span,
}

impl Patches {
    /// Patches for about `n` values.
    pub fn with_capacity(n: usize) -> Patches {
        Patches {
            edits: Vec::with_capacity(n),
            bufs: Vec::new(),
        }
    }

    fn own(&mut self) -> &mut Vec<u8> {
        if self.bufs.is_empty() {
            self.bufs.push(Vec::new());
        }
        &mut self.bufs[0]
    }

    /// Adds the patch `format` writes for `value` in place of `leaf`.
    pub fn render(
        &mut self,
        format: &dyn Format,
        doc: &Document,
        leaf: &Leaf,
        value: Rendering<'_>,
    ) -> Result<(), Error> {
        let buf = self.own();
        let start = buf.len();
        match format.render(doc, leaf, value, buf) {
            Ok(range) => {
                let text = (start..buf.len()).into();
                self.edits.push(Edit {
                    range: range.into(),
                    buf: 0,
                    text,
                });
                Ok(())
            }
            Err(e) => {
                buf.truncate(start);
                Err(e)
            }
        }
    }

    /// Adds a patch.
    pub fn push(&mut self, patch: Patch) {
        self.push_bytes(patch.range, &patch.text);
    }

    /// Adds a patch that writes `text` in place of `range`.
    pub fn push_bytes(&mut self, range: Range<usize>, text: &[u8]) {
        let buf = self.own();
        let start = buf.len();
        buf.extend_from_slice(text);
        let text = (start..buf.len()).into();
        self.edits.push(Edit {
            range: range.into(),
            buf: 0,
            text,
        });
    }

    /// Takes over `buf`, text made elsewhere (on another thread) that patches added with
    /// [`Patches::push_in`] point into; returns its id.
    pub fn adopt(&mut self, buf: Vec<u8>) -> usize {
        self.own();
        self.bufs.push(buf);
        self.bufs.len() - 1
    }

    /// Adds a patch that writes `text` of the adopted buffer `buf` in place of `range`.
    pub fn push_in(&mut self, range: Range<usize>, buf: usize, text: Range<usize>) {
        debug_assert!(text.end <= self.bufs[buf].len());
        self.edits.push(Edit {
            range: range.into(),
            buf: u32::try_from(buf).expect("a buffer per thread"),
            text: text.into(),
        });
    }

    /// The adopted buffer `buf`.
    pub fn buf(&self, buf: usize) -> &[u8] {
        &self.bufs[buf]
    }

    /// How many patches there are.
    pub fn len(&self) -> usize {
        self.edits.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }
}

/// A document's text with patches applied, kept as the text and the patches' buffers: a
/// large file is written out from them ([`Patched::write_to`]) without first being joined
/// into one more copy of itself.
pub struct Patched {
    text: Arc<Source>,
    /// In text order, none overlapping.
    edits: Vec<Edit>,
    bufs: Vec<Vec<u8>>,
}

impl Patched {
    /// Calls `f` with each piece of the result, in order.
    fn each_piece<E>(&self, mut f: impl FnMut(&[u8]) -> Result<(), E>) -> Result<(), E> {
        let mut at = 0;
        for e in &self.edits {
            let range = e.range.range();
            debug_assert!(range.start >= at, "overlapping patches");
            f(&self.text[at..range.start])?;
            f(&self.bufs[e.buf as usize][e.text.range()])?;
            at = range.end;
        }
        f(&self.text[at..])
    }

    /// The length of the result in bytes.
    pub fn len(&self) -> usize {
        let (added, removed) = self
            .edits
            .iter()
            .fold((0, 0), |(a, r), e| (a + e.text.len(), r + e.range.len()));
        self.text.len() + added - removed
    }

    /// Whether the result is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The result, joined.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len());
        let joined: Result<(), std::convert::Infallible> = self.each_piece(|piece| {
            out.extend_from_slice(piece);
            Ok(())
        });
        let Ok(()) = joined;
        out
    }

    /// Writes the result to `out`, through a buffer (a file has as many pieces as values).
    pub fn write_to(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut out = io::BufWriter::with_capacity(64 << 10, out);
        self.each_piece(|piece| out.write_all(piece))?;
        out.flush()
    }
}

impl PartialEq<[u8]> for Patched {
    fn eq(&self, other: &[u8]) -> bool {
        if self.len() != other.len() {
            return false;
        }
        let mut rest = other;
        let same: Result<(), ()> = self.each_piece(|piece| {
            let (head, tail) = rest.split_at(piece.len());
            rest = tail;
            if head == piece {
                Ok(())
            } else {
                Err(())
            }
        });
        same.is_ok()
    }
}

impl fmt::Debug for Patched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Patched({} bytes)", self.len())
    }
}

impl Extend<Patch> for Patches {
    fn extend<I: IntoIterator<Item = Patch>>(&mut self, patches: I) {
        for p in patches {
            self.push(p);
        }
    }
}

impl From<Vec<Patch>> for Patches {
    fn from(patches: Vec<Patch>) -> Patches {
        let mut all = Patches::with_capacity(patches.len());
        all.extend(patches);
        all
    }
}

impl Document {
    /// A document over `text` with no leaves yet.
    pub(crate) fn new(text: Arc<Source>, state: Box<dyn Any + Send + Sync>) -> Document {
        Document {
            text,
            branches: Vec::new(),
            leaves: Vec::new(),
            metadata: None,
            metadata_error: None,
            state,
        }
    }

    /// Whether the file has a metadata block, valid or not.
    pub fn has_metadata(&self) -> bool {
        self.metadata.is_some() || self.metadata_error.is_some()
    }

    /// Records a metadata block read from the file. The text of an encrypted file is
    /// ciphertext and metadata, which need no wipe.
    pub(crate) fn set_metadata(&mut self, parsed: Result<Metadata, crate::error::Error>) {
        match parsed {
            Ok(md) => {
                self.text.set_secret(false);
                self.metadata = Some(md);
            }
            Err(e) => self.metadata_error = Some(e.to_string()),
        }
    }

    /// The format state, as the format that made this document stored it.
    pub(crate) fn state<T: 'static>(&self) -> &T {
        self.state
            .downcast_ref()
            .expect("a document is rendered by the format that parsed it")
    }

    /// The text a leaf occupies.
    pub fn raw(&self, leaf: &Leaf) -> &[u8] {
        &self.text[leaf.span.clone()]
    }

    /// Visits every leaf in SOPS tree order (documents in order, depth first, file order),
    /// with its path and the comment stack SOPS's crypt rules look at.
    pub fn walk(&self, mut visit: impl FnMut(Visit<'_>)) {
        let mut path = PathBuf::default();
        let mut stack = Vec::new();
        for (document, branch) in self.branches.iter().enumerate() {
            let mut w = Walker {
                doc: self,
                document,
                path: &mut path,
                stack: &mut stack,
                visit: &mut visit,
            };
            w.node(branch);
        }
    }

    /// [`walk`](Self::walk), stopping at the first error.
    pub fn try_walk<E>(&self, mut visit: impl FnMut(Visit<'_>) -> Result<(), E>) -> Result<(), E> {
        let mut result = Ok(());
        self.walk(|v| {
            if result.is_ok() {
                result = visit(v);
            }
        });
        result
    }

    /// Applies patches (non-overlapping) to the text.
    pub fn apply(&self, patches: impl Into<Patches>) -> Vec<u8> {
        self.patched(patches).to_vec()
    }

    /// The text with patches (non-overlapping) applied, kept in pieces.
    pub fn patched(&self, patches: impl Into<Patches>) -> Patched {
        let Patches { mut edits, bufs } = patches.into();
        edits.sort_unstable_by_key(|e| (e.range.range().start, e.range.range().end));
        Patched {
            text: Arc::clone(&self.text),
            edits,
            bufs,
        }
    }

    /// The node at `path`, if any.
    pub fn find(&self, path: &[PathSeg]) -> Option<NodeRef<'_>> {
        let mut node = NodeRef::from(self.branches.first()?);
        for seg in path {
            node = match (node, seg) {
                (NodeRef::Map(items), PathSeg::Key(k)) => {
                    items.iter().rev().find_map(|item| match item {
                        MapItem::Pair(_, Node::Leaf(id))
                            if matches!(self.leaves[*id].kind, LeafKind::Shadowed(_)) =>
                        {
                            None
                        }
                        MapItem::Pair(key, v) if key == k => Some(NodeRef::from(v)),
                        _ => None,
                    })?
                }
                (NodeRef::List(items), PathSeg::Index(i)) => items
                    .iter()
                    .filter(|n| !self.is_comment_node(n))
                    .nth(*i)
                    .map(NodeRef::from)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// Whether a list element is a comment (comments live in lists as leaves).
    pub fn is_comment_node(&self, node: &Node) -> bool {
        matches!(node, Node::Leaf(id) if matches!(self.leaves[*id].kind, LeafKind::Comment(_)))
    }
}

/// A borrowed node, for lookups.
#[derive(Clone, Copy, Debug)]
pub enum NodeRef<'a> {
    /// A map.
    Map(&'a [MapItem]),
    /// A list.
    List(&'a [Node]),
    /// A leaf.
    Leaf(LeafId),
    /// `null`.
    Null,
}

impl<'a> From<&'a Node> for NodeRef<'a> {
    fn from(n: &'a Node) -> Self {
        match n {
            Node::Map(m) => NodeRef::Map(m),
            Node::List(l) => NodeRef::List(l),
            Node::Leaf(id) => NodeRef::Leaf(*id),
            Node::Null => NodeRef::Null,
        }
    }
}

/// One leaf visit of [`Document::walk`].
pub struct Visit<'a> {
    /// The leaf.
    pub leaf: LeafId,
    /// Index of its document.
    pub document: usize,
    /// Keys and list indexes from the root (for a comment: its container's path).
    pub path: &'a [PathSeg],
    /// The AAD of `path` ([`crate::path::aad`]).
    pub aad: &'a str,
    /// SOPS's comment stack: one list per nesting level of the comments seen since the
    /// last non-comment item at that level, as stored in the file.
    pub comments: &'a [Vec<&'a [u8]>],
    /// Whether the leaf is a comment.
    pub is_comment: bool,
}

/// The walk's current path and its AAD, kept as the walk goes: a leaf visit allocates
/// nothing, although a file has as many visits as values.
#[derive(Default)]
struct PathBuf {
    /// Segments; those past `len` are spare buffers from deeper paths walked before.
    segments: Vec<PathSeg>,
    len: usize,
    /// The AAD of the first `len` segments, without the `:` that stands for an empty one.
    aad: String,
    /// `aad`'s length before each segment.
    aad_lens: Vec<usize>,
}

impl PathBuf {
    fn push_key(&mut self, key: &str) {
        match self.segments.get_mut(self.len) {
            Some(PathSeg::Key(spare)) => {
                spare.clear();
                spare.push_str(key);
            }
            Some(other) => *other = PathSeg::Key(key.to_string()),
            None => self.segments.push(PathSeg::Key(key.to_string())),
        }
        self.aad_lens.push(self.aad.len());
        self.aad.push_str(key);
        self.aad.push(':');
        self.len += 1;
    }

    fn push_index(&mut self, index: usize) {
        match self.segments.get_mut(self.len) {
            Some(PathSeg::Index(spare)) => *spare = index,
            Some(other) => *other = PathSeg::Index(index),
            None => self.segments.push(PathSeg::Index(index)),
        }
        self.aad_lens.push(self.aad.len());
        self.len += 1;
    }

    fn pop(&mut self) {
        self.len -= 1;
        let aad_len = self.aad_lens.pop().expect("a segment was pushed");
        self.aad.truncate(aad_len);
    }

    fn segments(&self) -> &[PathSeg] {
        &self.segments[..self.len]
    }

    fn aad(&self) -> &str {
        if self.aad.is_empty() {
            ":"
        } else {
            &self.aad
        }
    }
}

struct Walker<'d, 'v, F> {
    doc: &'d Document,
    document: usize,
    path: &'v mut PathBuf,
    stack: &'v mut Vec<Vec<&'d [u8]>>,
    visit: &'v mut F,
}

impl<'d, F: FnMut(Visit<'_>)> Walker<'d, '_, F> {
    fn comment_text(&self, id: LeafId) -> &'d [u8] {
        match &self.doc.leaves[id].kind {
            LeafKind::Comment(text) => text,
            _ => &[],
        }
    }

    fn leaf(&mut self, id: LeafId, is_comment: bool) {
        (self.visit)(Visit {
            leaf: id,
            document: self.document,
            path: self.path.segments(),
            aad: self.path.aad(),
            comments: self.stack,
            is_comment,
        });
    }

    fn node(&mut self, node: &'d Node) {
        match node {
            Node::Map(items) => self.map(items),
            Node::List(items) => self.list(items),
            Node::Leaf(id) => {
                let is_comment = matches!(self.doc.leaves[*id].kind, LeafKind::Comment(_));
                self.leaf(*id, is_comment);
            }
            Node::Null => {}
        }
    }

    fn map(&mut self, items: &'d [MapItem]) {
        self.stack.push(Vec::new());
        for item in items {
            match item {
                MapItem::Comment(id) => {
                    let text = self.comment_text(*id);
                    self.stack.last_mut().expect("pushed above").push(text);
                    self.leaf(*id, true);
                }
                MapItem::Pair(key, value) => {
                    self.path.push_key(key);
                    self.node(value);
                    self.path.pop();
                    self.stack.last_mut().expect("pushed above").clear();
                }
            }
        }
        self.stack.pop();
    }

    fn list(&mut self, items: &'d [Node]) {
        self.stack.push(Vec::new());
        let mut index = 0;
        for item in items {
            if self.doc.is_comment_node(item) {
                if let Node::Leaf(id) = item {
                    let text = self.comment_text(*id);
                    self.stack.last_mut().expect("pushed above").push(text);
                    self.leaf(*id, true);
                }
                continue;
            }
            self.path.push_index(index);
            self.node(item);
            self.path.pop();
            index += 1;
            self.stack.last_mut().expect("pushed above").clear();
        }
        self.stack.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::FileFormat;

    fn doc(text: &str) -> Document {
        FileFormat::Dotenv
            .format()
            .parse(text.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn patched_pieces_join_write_and_compare_as_the_whole() {
        let doc = doc("A=1\nB=22\nC=333\n");
        let mut patches = Patches::default();
        // Out of order, a deletion, and a patch at the very end.
        patches.push_bytes(11..14, b"x");
        patches.push_bytes(2..3, b"one");
        patches.push_bytes(4..9, b"");
        patches.push_bytes(15..15, b"D=4\n");
        let patched = doc.patched(patches);
        let whole: &[u8] = b"A=one\nC=x\nD=4\n";
        assert_eq!(patched.to_vec(), whole);
        assert_eq!(patched.len(), whole.len());
        let mut written = Vec::new();
        patched.write_to(&mut written).unwrap();
        assert_eq!(written, whole);
        assert!(patched == *whole);
        assert!(
            patched != *b"A=one\nC=y\nD=4\n".as_slice(),
            "same length, other bytes"
        );
        assert!(patched != *b"A=one\n".as_slice(), "a prefix");
        let unpatched = doc.patched(Patches::default());
        assert_eq!(unpatched.to_vec(), b"A=1\nB=22\nC=333\n");
    }
}

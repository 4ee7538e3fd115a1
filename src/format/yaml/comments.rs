//! Finding YAML comments and placing them in the tree where sops (through `yaml.v3`'s head,
//! line and foot comments) puts them: their container decides the AAD they are encrypted
//! with, so it must be the one sops computes.
//!
//! The rules below were fitted to the real sops on enumerated layouts and are checked on
//! the corpus (tests/interop.rs). For a comment after content on its line: the container of
//! the last entry that starts on that line. For a run of comment lines of its own, between
//! the previous entry P (in container C, whose entries stand at column c) and the next
//! entry N, at column x:
//! 1. N opens a new block (it is the first entry of its container): N's container;
//! 2. x ≥ c: C;
//! 3. x is N's column: N's container (a head comment);
//! 4. the run follows P's line directly and a blank line follows the run: the deeper of
//!    N's container and the innermost container around P whose entries are at or left of x;
//! 5. otherwise: C (a foot comment of P).
//!
//! Comments after a document's last entry are placed with the `sops:` entry after them, as
//! they stand in the encrypted file that sops reads.

use std::ops::Range;

use super::parse::{column, line_start, Built, Container, Item};
use crate::tree::{Leaf, LeafKind, Style};

/// An entry (map key or list dash) as comments see it.
#[derive(Clone, Copy)]
struct Entry {
    start: usize,
    container: usize,
    col: usize,
}

/// Finds the comments outside `skip` ranges and adds them to the containers of `built`.
/// `metadata` gives, per document, where its `sops:` entry is or will be written: comments
/// are placed as sops will see them, with that entry after them.
pub(super) fn attach(
    text: &[u8],
    built: &mut Built,
    skip: &[Range<usize>],
    metadata: &[(usize, usize)],
) {
    let mut entries: Vec<Entry> = Vec::new();
    for (cid, c) in built.containers.iter().enumerate() {
        for item in &c.items {
            match item {
                Item::Entry { start, .. } if !skip.iter().any(|r| r.contains(start)) => entries
                    .push(Entry {
                        start: *start,
                        container: cid,
                        col: column(text, *start),
                    }),
                _ => {}
            }
        }
    }
    let comments = comment_starts(text, &built.tokens, skip);
    if built.documents.is_empty() {
        return;
    }
    for (document, &(start, col)) in metadata.iter().enumerate() {
        if document < built.documents.len() {
            let container = root_of(built, document);
            entries.push(Entry {
                start,
                container,
                col,
            });
        }
    }
    entries.sort_unstable_by_key(|e| e.start);

    for pos in comments {
        let document = built
            .documents
            .iter()
            .position(|d| d.end > pos)
            .unwrap_or(built.documents.len() - 1);
        let cid = choose_container(text, built, &entries, pos, document);
        let line_end = memchr::memchr(b'\n', &text[pos..]).map_or(text.len(), |i| pos + i);
        let end = if line_end > pos && text[line_end - 1] == b'\r' {
            line_end - 1
        } else {
            line_end
        };
        built.leaves.push(Leaf {
            span: pos + 1..end,
            kind: LeafKind::Comment(text[pos + 1..end].to_vec()),
            style: Style {
                indent: crate::text::narrow(column(text, pos)),
                ..Style::default()
            },
        });
        let leaf = built.leaves.len() - 1;
        let items = &mut built.containers[cid].items;
        let at = items.partition_point(|i| i.start() < pos);
        items.insert(at, Item::Comment { start: pos, leaf });
    }
}

fn choose_container(
    text: &[u8],
    built: &mut Built,
    entries: &[Entry],
    pos: usize,
    document: usize,
) -> usize {
    let containers = &built.containers;
    let same_doc = |e: &&Entry| containers[e.container].document == document;
    let split = entries.partition_point(|e| e.start < pos);
    let own_line = text[line_start(text, pos)..pos]
        .iter()
        .all(|b| matches!(b, b' ' | b'\t'));
    if !own_line {
        if let Some(e) = entries[..split]
            .iter()
            .rev()
            .take_while(|e| !text[e.start..pos].contains(&b'\n'))
            .find(same_doc)
        {
            return e.container;
        }
    }
    let next = entries[split..].iter().find(same_doc).copied();
    let prev = entries[..split].iter().rev().find(same_doc).copied();
    if let Some(n) = next {
        let opens_block = containers[n.container].items.iter().find_map(|i| match i {
            Item::Entry { start, .. } => Some(*start),
            Item::Comment { .. } => None,
        }) == Some(n.start);
        if opens_block || prev.is_none() {
            return n.container;
        }
    }
    let Some(Entry {
        container: prev_cid,
        ..
    }) = prev
    else {
        return root_of(built, document);
    };
    let containers = &built.containers;
    let prev = &containers[prev_cid];
    let prev_col = prev.col.unwrap_or(0);
    let ctx = run_context(text, pos, prev_col);
    let x = ctx.x;
    // The innermost container around P whose entries are at or left of the comment: the
    // block whose end the comment is a foot of.
    let around = || {
        let mut at = Some(prev_cid);
        while let Some(id) = at {
            let c = &containers[id];
            if c.col.unwrap_or(0) <= x && !(c.flow && c.last_token_end <= pos) {
                return id;
            }
            at = c.parent;
        }
        prev_cid
    };
    let indentless = |id: usize| {
        let c = &containers[id];
        !c.is_map && !c.flow && c.parent.is_some_and(|p| containers[p].col == c.col)
    };
    // A block followed by another block of the same run is a foot comment of P.
    if ctx.split_after {
        return prev_cid;
    }
    // Every document ends with its `sops:` entry, so a next entry always exists.
    let Some(Entry {
        container: next_cid,
        col: next_col,
        ..
    }) = next
    else {
        return prev_cid;
    };
    let heads_next = x == next_col;
    let foot_then_blank = ctx.first_after_content && ctx.blank_after;
    // A sequence whose dashes stand at its parent's column adds no indentation level.
    // An indentless sequence ends without a dedent at an entry of its parent's column:
    // comments before that entry are its head comments.
    if indentless(prev_cid) && (heads_next || next_col == prev_col) && !foot_then_blank {
        return next_cid;
    }
    if x >= prev_col {
        return prev_cid;
    }
    if foot_then_blank {
        let at_x = around();
        return if depth(containers, next_cid) > depth(containers, at_x) {
            next_cid
        } else {
            at_x
        };
    }
    if heads_next {
        return next_cid;
    }
    prev_cid
}

/// Nesting depth of a container.
fn depth(containers: &[Container], mut cid: usize) -> usize {
    let mut d = 0;
    while let Some(parent) = containers[cid].parent {
        d += 1;
        cid = parent;
    }
    d
}

/// Where a comment's block stands. A run of comment lines is one block, except that a line
/// left of the previous entry's column and of the block's first line starts a new block.
struct Context {
    /// Column of the block's first line.
    x: usize,
    /// The block directly follows a content line.
    first_after_content: bool,
    /// A blank line follows the block.
    blank_after: bool,
    /// Another block of the same run follows this one.
    split_after: bool,
}

fn run_context(text: &[u8], pos: usize, prev_col: usize) -> Context {
    let line_end =
        |start: usize| memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i);
    // None for a blank line, Some(None) for content, Some(Some(col)) for a comment line.
    let classify = |start: usize| {
        let line = &text[start..line_end(start)];
        let indent = line
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        match line.get(indent) {
            None | Some(b'\r') => None,
            Some(b'#') => Some(Some(indent)),
            Some(_) => Some(None),
        }
    };
    // The run's comment lines, top to bottom, and what stands around it.
    let mut first = line_start(text, pos);
    let before = loop {
        if first == 0 {
            break Some(None);
        }
        let prev = line_start(text, first - 1);
        match classify(prev) {
            Some(Some(_)) => first = prev,
            other => break other,
        }
    };
    let mut lines = Vec::new();
    let mut at = first;
    let after = loop {
        if at >= text.len() {
            break Some(None);
        }
        match classify(at) {
            Some(Some(col)) => {
                lines.push((at, col));
                at = line_end(at) + 1;
            }
            other => break other,
        }
    };
    if lines.is_empty() {
        // The comment shares its line with content the parser did not see as a token
        // (malformed input): it forms a block of its own.
        return Context {
            x: column(text, pos),
            first_after_content: false,
            blank_after: false,
            split_after: false,
        };
    }
    let own = lines
        .iter()
        .position(|&(start, _)| start == line_start(text, pos))
        .unwrap_or(0);
    let mut block_start = 0;
    for (i, &(_, col)) in lines.iter().enumerate().take(own + 1).skip(1) {
        if col != lines[block_start].1 && col < prev_col {
            block_start = i;
        }
    }
    let split_after = lines[own + 1..]
        .iter()
        .any(|&(_, col)| col != lines[block_start].1 && col < prev_col);
    let block_end = if split_after { None } else { Some(after) };
    Context {
        x: lines[block_start].1,
        first_after_content: block_start == 0 && matches!(before, Some(None)) && first > 0,
        blank_after: matches!(block_end, Some(None)),
        split_after,
    }
}

/// The root map of a document, made empty when the document has none.
fn root_of(built: &mut Built, document: usize) -> usize {
    if let Some(root) = built.documents[document].root {
        return root;
    }
    let id = built.containers.len();
    built.containers.push(Container::empty_root(document));
    built.documents[document].root = Some(id);
    id
}

/// Offsets of the `#` of every comment: outside scalar tokens and `skip`, at a line start or
/// after white space.
fn comment_starts(text: &[u8], tokens: &[Range<usize>], skip: &[Range<usize>]) -> Vec<usize> {
    let inside = |ranges: &[Range<usize>], pos: usize| {
        let i = ranges.partition_point(|r| r.end <= pos);
        ranges.get(i).is_some_and(|r| r.start <= pos && pos < r.end)
    };
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(i) = memchr::memchr(b'#', &text[pos..]) {
        let at = pos + i;
        pos = at + 1;
        let after_space = at == 0 || matches!(text[at - 1], b' ' | b'\t' | b'\n' | b'\r');
        if !after_space || inside(tokens, at) || skip.iter().any(|r| r.contains(&at)) {
            continue;
        }
        out.push(at);
        // The rest of the line is the comment.
        pos = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |j| at + j);
    }
    out
}

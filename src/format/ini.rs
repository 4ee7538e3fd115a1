//! INI, read the way sops reads it (go-ini with non-unique sections; SOPS_FORMAT.md §4.4,
//! §6.4), losslessly.
//!
//! The SOPS tree of an INI file maps each section to a map of its keys, in file order; keys
//! before the first header are in the section `DEFAULT`. Values are strings as go-ini returns
//! them: `key = "quoted"` is `quoted`, an unquoted `;` or `#` starts an inline comment,
//! `=` or `:` separates key and value, a trailing `\` continues a value on the next line,
//! `"""…"""` and `` `…` `` quote values verbatim. Comments are tree items: the comment
//! lines before a section header are that section's first item, those before a key (and
//! its inline comment) come right after the key. A key repeated in a section is one item at
//! its first place holding its last value, as go-ini keeps it; the earlier values are still
//! encrypted in place, but sops does not see them. The metadata is a `[sops]` section of
//! flattened keys after the data.
//!
//! Files sops cannot read because they continue values on indented lines (`setup.cfg`,
//! `tox.ini`) are read as Python's configparser reads them: every indented or blank line
//! after a key continues its value, the value being its lines joined with line breaks. An
//! encrypted value takes one line, so sops reads the encrypted file when every such value
//! is encrypted.

use std::collections::HashMap;
use std::ops::Range;

use super::{tail, Format};
use crate::error::Error;
use crate::metadata::{self, EmptyList, Metadata, SOPS_KEY};
use crate::plain::Plain;
use crate::text::Source;
use crate::tree::{Document, Leaf, LeafId, LeafKind, MapItem, Node, Patch, Rendering, Style};
use crate::value::Scalar;

/// The INI format.
pub struct Ini;

/// go-ini's name for the keys before any section header.
const DEFAULT_SECTION: &str = "DEFAULT";
/// The metadata key (ignored by sops) that says the file is read as configparser reads it.
const DIALECT_KEY: &str = "secrets_ini";
const CONFIGPARSER: &str = "configparser";

impl Format for Ini {
    fn parse(&self, text: Vec<u8>) -> Result<Document, Error> {
        let parsed = match Parser::new(&text, false).run() {
            Err(e) if e.indented_line => Parser::new(&text, true).run(),
            // An encrypted file of one read as configparser reads it is read so again, even
            // where go-ini could read it (its continued values may all be encrypted).
            Ok(p) if p.says_configparser() => Parser::new(&text, true).run(),
            // go-ini may fail on a line configparser reads as part of a value (a plaintext
            // `_unencrypted` value): a file that says it is read so is.
            Err(e) => match Parser::new(&text, true).run() {
                Ok(p) if p.says_configparser() => Ok(p),
                _ => Err(e),
            },
            ok => ok,
        };
        let parsed = parsed.map_err(|e| Error::syntax_at("INI", &text, e.offset, e.message))?;
        let Parsed {
            leaves,
            branch,
            mut metadata_pairs,
            metadata_ranges,
        } = parsed;
        if let Some(pairs) = &mut metadata_pairs {
            pairs.retain(|(k, _)| k != DIALECT_KEY);
        }
        // The `[sops]` sections, each from its header to the end of its last key line.
        let metadata_ranges_empty = metadata_ranges.is_empty();
        let state = tail::Tail::new(&text, metadata_ranges);
        let mut doc = Document::new(Source::new(text), Box::new(state));
        doc.leaves = leaves;
        doc.branches = vec![branch];
        match metadata_pairs {
            Some(pairs) => {
                let pairs = pairs
                    .iter()
                    .map(|(k, v)| (k.as_str(), String::from_utf8_lossy(v).replace("\\n", "\n")));
                doc.set_metadata(Metadata::from_value(&metadata::unflatten(pairs)));
            }
            // An empty `[sops]` section is still the metadata's place: the metadata block
            // replaces it, so a plaintext holding one would lose what follows its header.
            None if !metadata_ranges_empty => doc.set_metadata(Err(Error::InvalidMetadata(
                "the [sops] section is empty".into(),
            ))),
            None => {}
        }
        Ok(doc)
    }

    fn render(
        &self,
        _doc: &Document,
        leaf: &Leaf,
        value: Rendering<'_>,
        out: &mut Vec<u8>,
    ) -> Result<Range<usize>, Error> {
        match value {
            Rendering::Encrypted(enc) => out.extend_from_slice(enc.as_bytes()),
            Rendering::Comment(text) => out.extend_from_slice(text),
            Rendering::Plain(scalar) => out.extend_from_slice(&super::scalar_text(scalar)),
        }
        Ok(leaf.span.clone())
    }

    fn metadata_patches(
        &self,
        doc: &Document,
        metadata: Option<&Metadata>,
    ) -> Result<Vec<Patch>, Error> {
        let lines = match metadata {
            Some(md) => {
                let mut pairs: Vec<(String, Vec<u8>)> =
                    metadata::flatten(&md.to_value(EmptyList::Null))
                        .into_iter()
                        .map(|(k, v)| (k, v.replace('\n', "\\n").into_bytes()))
                        .collect();
                // Read as configparser reads it: a plaintext go-ini cannot read, or an
                // encrypted file that says so (its metadata being replaced).
                if Parser::new(&doc.text, false)
                    .run()
                    .map_or(true, |p| p.says_configparser())
                {
                    pairs.push((DIALECT_KEY.into(), CONFIGPARSER.into()));
                    pairs.sort();
                }
                let mut lines = vec![format!("[{SOPS_KEY}]")];
                lines.extend(key_lines(&pairs)?);
                Some(lines)
            }
            None => None,
        };
        Ok(tail::patches(doc, lines))
    }

    fn emit(&self, value: &Plain) -> Result<Vec<u8>, Error> {
        let Plain::Map(items) = value else {
            return Err(Error::Emit(
                "INI output needs a map of sections to maps of keys".into(),
            ));
        };
        let mut out: Vec<String> = Vec::new();
        let mut defaults = Vec::new();
        let mut sections = 0;
        for (i, (name, v)) in items.iter().enumerate() {
            match v {
                Plain::Map(keys) => {
                    let pairs = section_pairs(name, keys)?;
                    if i == 0 && name == DEFAULT_SECTION {
                        out.extend(key_lines(&pairs)?);
                    } else {
                        if name.is_empty() || name.contains(['\n', ']']) {
                            return Err(unwritable("section name", name));
                        }
                        if !out.is_empty() {
                            out.push(String::new());
                        }
                        out.push(format!("[{name}]"));
                        out.extend(key_lines(&pairs)?);
                    }
                    sections += 1;
                }
                Plain::List(_) => {
                    return Err(Error::Emit(format!(
                        "cannot write the list {name:?} to an INI file; choose --output-type yaml, json or toml"
                    )))
                }
                scalar if sections == 0 => defaults.push((name.clone(), text_of(scalar))),
                _ => {
                    return Err(Error::Emit(format!(
                        "{name:?} is a value after a section: an INI file holds values before its first section or inside sections"
                    )))
                }
            }
        }
        let mut lines = key_lines(&defaults)?;
        if !lines.is_empty() && !out.is_empty() {
            lines.push(String::new());
        }
        lines.extend(out);
        let mut text = lines.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        Ok(text.into_bytes())
    }
}

/// The keys of one section, for output.
fn section_pairs(section: &str, keys: &[(String, Plain)]) -> Result<Vec<(String, Vec<u8>)>, Error> {
    keys.iter()
        .map(|(k, v)| match v {
            Plain::Map(_) | Plain::List(_) => Err(Error::Emit(format!(
                "cannot write the nested value [{section:?}][{k:?}] to an INI file; choose --output-type yaml, json or toml"
            ))),
            scalar => Ok((k.clone(), text_of(scalar))),
        })
        .collect()
}

/// The text of a scalar, number or null for a string-only format.
fn text_of(v: &Plain) -> Vec<u8> {
    match v {
        Plain::Scalar(s) => super::scalar_text(s.as_ref()).into_owned(),
        Plain::Number(n) => n.as_bytes().to_vec(),
        _ => Vec::new(),
    }
}

/// `key = value` lines as go-ini writes them (keys padded to the longest), each key and
/// value quoted where go-ini would otherwise read it differently.
fn key_lines(pairs: &[(String, Vec<u8>)]) -> Result<Vec<String>, Error> {
    let keys = pairs
        .iter()
        .map(|(k, _)| {
            let plain = !k.is_empty()
                && !k.contains(['"', '=', ':', '`', '\n'])
                && !k.starts_with(['#', ';', '['])
                && k.trim() == k;
            if plain {
                Ok(k.clone())
            } else if k.trim() != k || k.is_empty() {
                // go-ini trims keys, quoted or not.
                Err(unwritable("key", k))
            } else {
                quoted(k).ok_or_else(|| unwritable("key", k))
            }
        })
        .collect::<Result<Vec<String>, Error>>()?;
    let width = keys.iter().map(|k| k.len()).max().unwrap_or(0);
    keys.iter()
        .zip(pairs)
        .map(|(k, (_, v))| {
            let v = String::from_utf8_lossy(v);
            let first = v.chars().next();
            let surrounded = v.len() >= 2
                && matches!(first, Some('"' | '\''))
                && v.ends_with(first.unwrap_or(' '));
            let plain = !v.contains(['\n', '#', ';'])
                && v.trim() == v
                && !surrounded
                && !v.ends_with('\\')
                && !v.starts_with('`')
                && !v.starts_with("\"\"\"");
            let v = if plain {
                v.into_owned()
            } else {
                quoted(&v).ok_or_else(|| unwritable("value", k))?
            };
            Ok(format!("{k:width$} = {v}"))
        })
        .collect()
}

/// `s` in go-ini's verbatim quotes: backticks, or `"""` when it has a backtick or a line
/// break; `None` when neither can hold it.
fn quoted(s: &str) -> Option<String> {
    if !s.contains(['`', '\n']) {
        Some(format!("`{s}`"))
    } else if !s.contains("\"\"\"") {
        Some(format!("\"\"\"{s}\"\"\""))
    } else {
        None
    }
}

fn unwritable(what: &str, name: &str) -> Error {
    Error::Emit(format!(
        "the {what} {name:?} cannot be written to an INI file so that it reads back; choose --output-type yaml or json"
    ))
}

/// Why a file could not be read.
struct ParseError {
    offset: usize,
    message: String,
    /// An indented line without a delimiter: a configparser continuation line.
    indented_line: bool,
}

impl ParseError {
    fn at(offset: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            offset,
            message: message.into(),
            indented_line: false,
        }
    }
}

struct Parsed {
    leaves: Vec<Leaf>,
    branch: Node,
    metadata_pairs: Option<Vec<(String, Vec<u8>)>>,
    metadata_ranges: Vec<Range<usize>>,
}

impl Parsed {
    /// Whether the metadata says the file was read as configparser reads it.
    fn says_configparser(&self) -> bool {
        self.metadata_pairs.as_ref().is_some_and(|pairs| {
            pairs
                .iter()
                .any(|(k, v)| k == DIALECT_KEY && v.as_slice() == CONFIGPARSER.as_bytes())
        })
    }
}

/// A line: its start, the end of its content (before `\n`), and where the next one starts.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
    next: usize,
}

struct KeyEntry {
    name: String,
    leaf: LeafId,
    comments: Vec<LeafId>,
    /// Earlier values of a repeated key, with their comments.
    shadows: Vec<(LeafId, Vec<LeafId>)>,
}

struct Section {
    name: String,
    comments: Vec<LeafId>,
    keys: Vec<KeyEntry>,
    index: HashMap<String, usize>,
    /// Comments after the last key that no key or header follows (sops drops them).
    trailing: Vec<LeafId>,
    /// Counter of go-ini's auto-numbered `-` keys.
    auto: usize,
}

impl Section {
    fn new(name: String, comments: Vec<LeafId>) -> Section {
        Section {
            name,
            comments,
            keys: Vec::new(),
            index: HashMap::new(),
            trailing: Vec::new(),
            auto: 1,
        }
    }
}

struct Parser<'t> {
    text: &'t [u8],
    lines: Vec<Line>,
    /// Python configparser continuation lines instead of go-ini's strict lines.
    continuation: bool,
    leaves: Vec<Leaf>,
    sections: Vec<Section>,
    /// Comment lines since the last key or header: their start (after indentation) and end.
    pending: Vec<(usize, usize)>,
    /// The line of the inline comment of the current key or header, if any.
    inline: Option<(usize, usize)>,
    in_metadata: bool,
    metadata_pairs: Option<Vec<(String, Vec<u8>)>>,
    metadata_ranges: Vec<Range<usize>>,
}

impl<'t> Parser<'t> {
    fn new(text: &'t [u8], continuation: bool) -> Parser<'t> {
        let mut lines = Vec::new();
        // go-ini skips a UTF-8 byte order mark.
        let mut start = if text.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        while start < text.len() {
            let end = text[start..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(text.len(), |i| start + i);
            lines.push(Line {
                start,
                end,
                next: (end + 1).min(text.len()),
            });
            start = end + 1;
        }
        Parser {
            text,
            lines,
            continuation,
            leaves: Vec::new(),
            sections: vec![Section::new(DEFAULT_SECTION.into(), Vec::new())],
            pending: Vec::new(),
            inline: None,
            in_metadata: false,
            metadata_pairs: None,
            metadata_ranges: Vec::new(),
        }
    }

    fn run(mut self) -> Result<Parsed, ParseError> {
        let mut i = 0;
        while i < self.lines.len() {
            let line = self.lines[i];
            i += 1;
            let start = trim_start(self.text, line.start, line.end);
            if start == line.end {
                continue;
            }
            match self.text[start] {
                b'#' | b';' => self
                    .pending
                    .push((start, trim_end(self.text, start, line.end))),
                b'[' => self.header(line, start)?,
                _ => i = self.key(i - 1, start)?,
            }
        }
        // Comments no key follows: kept with the last data section (go-ini drops them).
        // Extend, not replace: a `[sops]` header has already ended the data with its own.
        let trailing = self.comment_leaves();
        self.sections
            .last_mut()
            .expect("DEFAULT is always there")
            .trailing
            .extend(trailing);
        let branch = self.tree();
        Ok(Parsed {
            leaves: self.leaves,
            branch,
            metadata_pairs: self.metadata_pairs,
            metadata_ranges: self.metadata_ranges,
        })
    }

    fn header(&mut self, line: Line, start: usize) -> Result<(), ParseError> {
        let close = self.text[start..line.end]
            .iter()
            .rposition(|&b| b == b']')
            .map(|i| start + i)
            .ok_or_else(|| ParseError::at(start, "unclosed section header: add `]`"))?;
        let name = std::str::from_utf8(&self.text[start + 1..close])
            .map_err(|_| ParseError::at(start, "the section name is not UTF-8"))?
            .to_string();
        if name.is_empty() {
            return Err(ParseError::at(start, "empty section name"));
        }
        // A comment on a header line stays in plaintext: encrypted, it would end in `]`, and
        // go-ini (so sops) takes the header's last `]` for its end.
        self.inline = None;
        if name == SOPS_KEY {
            // Comments before `[sops]` end the data, as they would end a file without one.
            let trailing = self.comment_leaves_without_inline();
            self.sections
                .last_mut()
                .expect("DEFAULT is always there")
                .trailing
                .extend(trailing);
            self.in_metadata = true;
            self.metadata_ranges.push(line.start..line.next);
            return Ok(());
        }
        self.in_metadata = false;
        let comments = self.comment_leaves();
        self.sections.push(Section::new(name, comments));
        Ok(())
    }

    /// Reads the key line at `index` (content from `start`); returns the index of the line
    /// after the value.
    fn key(&mut self, index: usize, start: usize) -> Result<usize, ParseError> {
        let line = self.lines[index];
        let text = self.text;
        let (name, value_at) = key_name(text, start, line.next).map_err(|mut e| {
            e.indented_line = e.indented_line && start > line.start;
            e
        })?;
        let mut name = std::str::from_utf8(&text[name])
            .map_err(|_| ParseError::at(start, "the key is not UTF-8"))?
            .to_string();
        self.inline = None;
        let (span, value, next) = match self.continued(index, value_at) {
            Some(found) => found,
            None => self.value(index, value_at)?,
        };
        if self.in_metadata {
            if let Some(range) = self.metadata_ranges.last_mut() {
                range.end = self.lines[next - 1].next;
            }
            self.pending.clear();
            self.metadata_pairs
                .get_or_insert_with(Vec::new)
                .push((name, value));
            return Ok(next);
        }
        let section = self.sections.last_mut().expect("DEFAULT is always there");
        if name == "-" {
            name = format!("#{}", section.auto);
            section.auto += 1;
        }
        self.leaves.push(Leaf {
            span,
            kind: LeafKind::Value(Scalar::str(value)),
            style: Style::default(),
        });
        let leaf = self.leaves.len() - 1;
        let comments = self.comment_leaves();
        let section = self.sections.last_mut().expect("DEFAULT is always there");
        match section.index.get(&name) {
            Some(&at) => {
                // go-ini keeps the key where it first stood, with its last value and comment.
                let entry = &mut section.keys[at];
                let old = std::mem::replace(&mut entry.leaf, leaf);
                let old_comments = std::mem::replace(&mut entry.comments, comments);
                entry.shadows.push((old, old_comments));
                let kind = &mut self.leaves[old].kind;
                if let LeafKind::Value(v) = kind {
                    *kind = LeafKind::Shadowed(v.clone());
                }
            }
            None => {
                section.index.insert(name.clone(), section.keys.len());
                section.keys.push(KeyEntry {
                    name,
                    leaf,
                    comments,
                    shadows: Vec::new(),
                });
            }
        }
        Ok(next)
    }

    /// A value continued on indented lines (configparser's reading, only when go-ini's
    /// cannot read the file): its span, its text, and the index of the line after it.
    fn continued(&self, index: usize, value_at: usize) -> Option<(Range<usize>, Vec<u8>, usize)> {
        if !self.continuation {
            return None;
        }
        let text = self.text;
        let mut last_value_line = None;
        for (i, l) in self.lines.iter().enumerate().skip(index + 1) {
            let start = trim_start(text, l.start, l.end);
            let blank = start == l.end;
            // configparser skips comment lines wherever they start: they neither end a value
            // nor belong to it.
            let comment = !blank && matches!(text[start], b'#' | b';');
            if !blank && !comment && !matches!(text[l.start], b' ' | b'\t') {
                break;
            }
            if !blank && !comment {
                last_value_line = Some(i);
            }
        }
        let last = last_value_line?;
        let line = self.lines[index];
        let first = trim_start(text, value_at, line.end);
        let mut value = text[first..trim_end(text, first, line.end)].to_vec();
        for l in &self.lines[index + 1..=last] {
            let start = trim_start(text, l.start, l.end);
            if start < l.end && matches!(text[start], b'#' | b';') {
                continue;
            }
            value.push(b'\n');
            value.extend_from_slice(&text[start..trim_end(text, start, l.end)]);
        }
        let l = self.lines[last];
        Some((first..trim_end(text, l.start, l.end), value, last + 1))
    }

    /// Records the inline comment, if any, between a closing quote at `close` and `end`.
    fn comment_after_quote(&mut self, close: usize, end: usize) {
        let text = self.text;
        self.inline = text[close..end]
            .iter()
            .position(|&b| b == b'#' || b == b';')
            .map(|c| (close + c, trim_end(text, close + c, end)));
    }

    /// A value as go-ini reads it (`readValue`): its span, its text, the next line's index.
    fn value(
        &mut self,
        index: usize,
        value_at: usize,
    ) -> Result<(Range<usize>, Vec<u8>, usize), ParseError> {
        let text = self.text;
        let line = self.lines[index];
        let start = trim_start(text, value_at, line.end);
        if start == line.end {
            return Ok((start..start, Vec::new(), index + 1));
        }
        let rest = &text[start..line.next];
        let quote: &[u8] = if rest.len() > 3 && rest.starts_with(b"\"\"\"") {
            b"\"\"\""
        } else if rest[0] == b'`' {
            b"`"
        } else {
            b""
        };
        if !quote.is_empty() {
            let inner = start + quote.len();
            if let Some(p) = rfind(&text[inner..line.next], quote) {
                // go-ini ignores what follows the closing quote here, but reads a comment
                // after the quote that closes a multi-line value; that value is encrypted onto
                // one line, so both places read a comment, or its encryption would stay.
                self.comment_after_quote(inner + p, line.end);
                return Ok((inner..inner + p, text[inner..inner + p].to_vec(), index + 1));
            }
            // configparser knows no quotes that span lines: an unclosed quote is text there.
            if !self.continuation {
                // The value goes on to the line holding the closing quote.
                for (i, l) in self.lines.iter().enumerate().skip(index + 1) {
                    if let Some(p) = rfind(&text[l.start..l.next], quote) {
                        let close = l.start + p;
                        self.comment_after_quote(close, l.end);
                        return Ok((inner..close, text[inner..close].to_vec(), i + 1));
                    }
                }
                return Err(ParseError::at(
                    start,
                    "the quote opened here is never closed",
                ));
            }
        }
        let end = trim_end(text, start, line.end);
        // configparser knows no backslash continuation either.
        if !self.continuation && text[end - 1] == b'\\' {
            // Backslash continuation: trimmed lines appended up to one without `\`.
            let mut value = text[start..end - 1].to_vec();
            let mut span_end = end;
            let mut next = index + 1;
            for l in &self.lines[index + 1..] {
                next += 1;
                let s = trim_start(text, l.start, l.end);
                let e = trim_end(text, s, l.end);
                if s == e {
                    break;
                }
                value.extend_from_slice(&text[s..e]);
                span_end = e;
                if value.last() != Some(&b'\\') {
                    break;
                }
                value.pop();
            }
            return Ok((start..span_end, value, next));
        }
        let mut value_end = end;
        if let Some(c) = text[start..end]
            .iter()
            .position(|&b| b == b'#' || b == b';')
        {
            self.inline = Some((start + c, end));
            value_end = trim_end(text, start, start + c);
        }
        let mut span = start..value_end;
        let v = &text[span.clone()];
        if [b'\'', b'"'].iter().any(|&q| {
            v.len() >= 2 && v[0] == q && v[v.len() - 1] == q && !v[1..v.len() - 1].contains(&q)
        }) {
            span = span.start + 1..span.end - 1;
        }
        Ok((span.clone(), text[span].to_vec(), index + 1))
    }

    /// The comment leaves of the pending comment lines and inline comment, as go-ini joins
    /// them (`TrimSpace`, then sops strips the marker); the lines above and an inline
    /// comment become two leaves, so each can be encrypted where it stands.
    fn comment_leaves(&mut self) -> Vec<LeafId> {
        let mut ids = self.comment_leaves_without_inline();
        if let Some((start, end)) = self.inline.take() {
            ids.extend(self.comment_leaf(&[(start, end)]));
        }
        ids
    }

    fn comment_leaves_without_inline(&mut self) -> Vec<LeafId> {
        let lines = std::mem::take(&mut self.pending);
        self.comment_leaf(&lines).into_iter().collect()
    }

    fn comment_leaf(&mut self, lines: &[(usize, usize)]) -> Option<LeafId> {
        let (&(first, _), &(_, last)) = (lines.first()?, lines.last()?);
        let text = self.text;
        // go-ini's comment buffer: each line from its marker, line break included.
        let mut joined = Vec::new();
        for (i, &(start, end)) in lines.iter().enumerate() {
            let line_end = if i + 1 == lines.len() {
                end
            } else {
                self.line_break_after(end)
            };
            joined.extend_from_slice(&text[start..line_end]);
        }
        let marker = text[first];
        let stripped = joined
            .iter()
            .take_while(|&&b| b == marker || b == b' ')
            .count();
        self.leaves.push(Leaf {
            span: first + stripped..last.max(first + stripped),
            kind: LeafKind::Comment(joined[stripped..].to_vec()),
            style: Style::default(),
        });
        Some(self.leaves.len() - 1)
    }

    /// The end of the line break of the line whose content ends at or before `end`.
    fn line_break_after(&self, end: usize) -> usize {
        self.text[end..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.text.len(), |i| end + i + 1)
    }

    fn tree(&self) -> Node {
        let mut sections = Vec::new();
        for (i, s) in self.sections.iter().enumerate() {
            let mut items: Vec<MapItem> = s.comments.iter().map(|&c| MapItem::Comment(c)).collect();
            for k in &s.keys {
                items.push(MapItem::Pair(k.name.as_str().into(), Node::Leaf(k.leaf)));
                items.extend(k.comments.iter().map(|&c| MapItem::Comment(c)));
                for (leaf, comments) in &k.shadows {
                    items.push(MapItem::Pair(k.name.as_str().into(), Node::Leaf(*leaf)));
                    items.extend(comments.iter().map(|&c| MapItem::Comment(c)));
                }
            }
            items.extend(s.trailing.iter().map(|&c| MapItem::Comment(c)));
            // The implicit DEFAULT section is left out when nothing is in it.
            if i == 0 && items.is_empty() {
                continue;
            }
            sections.push(MapItem::Pair(s.name.as_str().into(), Node::Map(items)));
        }
        Node::Map(sections)
    }
}

/// go-ini's `readKeyName`: the key's range and where its value starts, for a key line
/// whose content starts at `start` (`next`: start of the next line).
fn key_name(text: &[u8], start: usize, next: usize) -> Result<(Range<usize>, usize), ParseError> {
    let line = &text[start..next];
    let quote: &[u8] = if line[0] == b'"' {
        if line.len() > 6 && line.starts_with(b"\"\"\"") {
            b"\"\"\""
        } else {
            b"\""
        }
    } else if line[0] == b'`' {
        b"`"
    } else {
        b""
    };
    let no_delimiter = |at: usize| ParseError {
        offset: at,
        message: "expected `key = value`, a `[section]` or a comment".into(),
        indented_line: true,
    };
    let delimiter = |from: usize| {
        text[from..next]
            .iter()
            .position(|&b| b == b'=' || b == b':')
            .map(|i| from + i)
    };
    if !quote.is_empty() {
        let inner = start + quote.len();
        let close = find(&text[inner..next], quote)
            .map(|p| inner + p)
            .ok_or_else(|| ParseError::at(start, "the key's quote is never closed"))?;
        let at = delimiter(close + quote.len()).ok_or_else(|| no_delimiter(start))?;
        let s = trim_start(text, inner, close);
        return Ok((s..trim_end(text, s, close), at + 1));
    }
    let at = delimiter(start).ok_or_else(|| no_delimiter(start))?;
    if at == start {
        return Err(ParseError::at(start, "empty key name before the delimiter"));
    }
    Ok((start..trim_end(text, start, at), at + 1))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The white space character (Go's `unicode.IsSpace`) at `at`, as its length in bytes.
fn space_at(text: &[u8], at: usize) -> Option<usize> {
    let len = match text.get(at)? {
        b if *b < 0x80 => 1,
        b if *b >= 0xF0 => 4,
        b if *b >= 0xE0 => 3,
        _ => 2,
    };
    let c = std::str::from_utf8(text.get(at..at + len)?)
        .ok()?
        .chars()
        .next()?;
    c.is_whitespace().then_some(len)
}

/// Where `start..end` starts once leading white space is skipped.
fn trim_start(text: &[u8], mut start: usize, end: usize) -> usize {
    while start < end {
        match space_at(text, start) {
            Some(len) if start + len <= end => start += len,
            _ => break,
        }
    }
    start
}

/// Where `start..end` ends once trailing white space is dropped.
fn trim_end(text: &[u8], start: usize, mut end: usize) -> usize {
    'outer: while end > start {
        for len in 1..=4.min(end - start) {
            if space_at(text, end - len) == Some(len) {
                end -= len;
                continue 'outer;
            }
        }
        break;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::NodeRef;

    fn parse(s: &str) -> Document {
        Ini.parse(s.as_bytes().to_vec()).unwrap()
    }

    /// `(section, key, value)` of every value sops sees, and every comment's text.
    fn entries(doc: &Document) -> Vec<String> {
        let mut out = Vec::new();
        let Node::Map(sections) = &doc.branches[0] else {
            panic!()
        };
        for s in sections {
            let MapItem::Pair(name, Node::Map(items)) = s else {
                panic!()
            };
            for item in items {
                out.push(match item {
                    MapItem::Pair(k, Node::Leaf(id)) => match &doc.leaves[*id].kind {
                        LeafKind::Value(v) => format!(
                            "{name}:{k}={}",
                            String::from_utf8_lossy(v.as_bytes().unwrap())
                        ),
                        LeafKind::Shadowed(v) => format!(
                            "{name}:{k}~{}",
                            String::from_utf8_lossy(v.as_bytes().unwrap())
                        ),
                        _ => unreachable!(),
                    },
                    MapItem::Comment(id) => match &doc.leaves[*id].kind {
                        LeafKind::Comment(c) => format!("{name}#{}", String::from_utf8_lossy(c)),
                        _ => unreachable!(),
                    },
                    _ => unreachable!(),
                });
            }
        }
        out
    }

    #[test]
    fn reads_values_as_go_ini() {
        let doc = parse(
            "toplevel = t\n# hash comment\n[sec]\na = \"quoted\"\nb = has ; semicolon\nc = x # trailing\nempty =\ncolon: yes\n[sec]\ndup = second\n",
        );
        assert_eq!(
            entries(&doc),
            [
                "DEFAULT:toplevel=t",
                "sec#hash comment",
                "sec:a=quoted",
                "sec:b=has",
                "sec#semicolon",
                "sec:c=x",
                "sec#trailing",
                "sec:empty=",
                "sec:colon=yes",
                "sec:dup=second",
            ]
        );
        let doc = parse("k = \"\"\"multi\nline\"\"\" ; c\nq = `a;b`\nx = a\\\n  b\\\n c\n");
        assert_eq!(
            entries(&doc),
            [
                "DEFAULT:k=multi\nline",
                "DEFAULT#c",
                "DEFAULT:q=a;b",
                "DEFAULT:x=abc"
            ]
        );
    }

    #[test]
    fn comments_join_as_sops_sees_them() {
        let doc = parse(";;;;\n; About\n;;;;\n\n[s]\n; one\n\n  ; two\nk = v ; inline\n; end\n");
        assert_eq!(
            entries(&doc),
            [
                "s#\n; About\n;;;;",
                "s:k=v",
                "s#one\n; two",
                "s#inline",
                "s#end"
            ]
        );
    }

    #[test]
    fn repeated_keys_keep_the_last_value_at_the_first_place() {
        let doc = parse("[php]\nextension = a\nother = x\nextension = b\n");
        assert_eq!(
            entries(&doc),
            ["php:extension=b", "php:extension~a", "php:other=x"]
        );
        let Some(NodeRef::Leaf(id)) = doc.find(&[
            crate::path::PathSeg::Key("php".into()),
            crate::path::PathSeg::Key("extension".into()),
        ]) else {
            panic!()
        };
        assert!(matches!(doc.leaves[id].kind, LeafKind::Value(_)));
    }

    #[test]
    fn continuation_lines_where_go_ini_fails() {
        let doc = parse("[tox]\nenvlist =\n    a\n\n    # why\n    b\n\n# next\nx = 1\n");
        assert_eq!(
            entries(&doc),
            ["tox:envlist=\na\n\nb", "tox:x=1", "tox#next"]
        );
        // Indented keys are keys where go-ini can read the file.
        let doc = parse("[m]\nurls =\n    a=1\n");
        assert_eq!(entries(&doc), ["m:urls=", "m:a=1"]);
    }

    #[test]
    fn a_file_read_as_configparser_is_read_so_once_encrypted() {
        // Kept in plaintext, the continued value reads as a key to go-ini.
        let text = "[a]\nk_unencrypted =\n    x=1\nother =\n    plain line\n";
        let doc = parse(text);
        assert_eq!(
            entries(&doc),
            ["a:k_unencrypted=\nx=1", "a:other=\nplain line"]
        );
        let sealed = "[a]\nk_unencrypted =\n    x=1\nother =ENC[AES256_GCM,data:eA==,iv:eA==,tag:eA==,type:str]\n";
        assert_eq!(entries(&parse(sealed))[1], "a:x=1");
        let marked =
            format!("{sealed}\n[sops]\n{DIALECT_KEY} = {CONFIGPARSER}\nversion = 3.11.0\n");
        assert_eq!(entries(&parse(&marked))[0], "a:k_unencrypted=\nx=1");
        // New metadata for the encrypted file (updatekeys, set) keeps saying so.
        let doc = parse(&marked);
        let metadata = Metadata {
            key_groups: Vec::new(),
            shamir_threshold: 0,
            last_modified: "2026-01-01T00:00:00Z".into(),
            mac: "ENC[...]".into(),
            crypt_rule: None,
            mac_only_encrypted: false,
            version: "3.11.0".into(),
            layout: None,
            unknown: Vec::new(),
        };
        let patches = Ini.metadata_patches(&doc, Some(&metadata)).unwrap();
        let rewritten = String::from_utf8(doc.apply(patches)).unwrap();
        let marker = rewritten.lines().find(|l| l.starts_with(DIALECT_KEY));
        assert!(
            marker.is_some_and(|l| l.ends_with(&format!("= {CONFIGPARSER}"))),
            "{rewritten}"
        );
    }

    #[test]
    fn a_comment_on_a_header_line_is_no_leaf() {
        // Found by fuzzing: encrypted there, go-ini would read it as part of the name.
        let doc = parse("[a] ; note\nk = v\n");
        assert_eq!(entries(&doc), ["a:k=v"]);
    }

    #[test]
    fn configparser_reading_has_no_quotes_or_backslashes_across_lines() {
        let doc = parse("[s]\na = `x\nb = y`\n    z\nc = d \\\ne = f\n");
        assert_eq!(entries(&doc), ["s:a=`x", "s:b=y`\nz", "s:c=d \\", "s:e=f"]);
    }

    #[test]
    fn comment_lines_neither_end_nor_join_a_continued_value() {
        // As Python's configparser reads it: {'a': '\nx\ny=', 'b': '1'}.
        let doc = parse("[s]\na =\n    x\n    # c\n# e\n    y=\nb = 1\n");
        assert_eq!(entries(&doc), ["s:a=\nx\ny=", "s:b=1"]);
    }

    #[test]
    fn comments_before_the_metadata_and_at_the_end_are_both_kept() {
        // Found by fuzzing: the end of the file replaced the comments `[sops]` had closed.
        let doc = parse("[db]\nu = x\n; before sops\n\n[sops]\nversion = 3.11.0\n; after\n");
        assert_eq!(entries(&doc), ["db:u=x", "db#before sops", "db#after"]);
    }

    #[test]
    fn a_comment_after_a_closing_quote_is_read_on_one_line_as_on_several() {
        // Reduced from a fuzz finding: encrypted onto one line, the multi-line value's
        // comment was no longer read as one, and decryption left it encrypted.
        let multi = parse("[s]\ny = \"\"\"\n\"\"\"#g\n");
        let single = parse("[s]\ny = \"\"\"x\"\"\" ; g\n");
        assert_eq!(entries(&multi), ["s:y=\n", "s#g"]);
        assert_eq!(entries(&single), ["s:y=x", "s#g"]);
    }

    #[test]
    fn an_empty_metadata_section_is_invalid_metadata() {
        // Reduced from a fuzz finding: a plaintext whose only line was a `[sops]` header was
        // encrypted as nothing, the metadata block taking the header's place.
        for text in ["[sops]", "[app]\nk = v\n[sops]\n; no keys\n"] {
            let doc = parse(text);
            assert!(doc.metadata.is_none(), "{text:?}");
            assert!(doc
                .metadata_error
                .as_deref()
                .is_some_and(|e| e.contains("empty")));
        }
    }

    #[test]
    fn errors_say_where() {
        for (bad, line) in [
            ("[a]\nkey\n", 2),
            ("[a\n", 1),
            ("[]\n", 1),
            ("= v\n", 1),
            ("k = \"\"\"open\nnever closed\n", 1),
        ] {
            match Ini.parse(bad.as_bytes().to_vec()) {
                Err(Error::Syntax { line: l, .. }) => assert_eq!(l, line, "{bad:?}"),
                other => panic!("{bad:?}: {:?}", other.err()),
            }
        }
    }

    #[test]
    fn emits_sections_as_go_ini() {
        let tree = Plain::Map(vec![
            ("top".into(), Plain::Scalar(Scalar::str("1"))),
            (
                "db".into(),
                Plain::Map(vec![
                    ("user".into(), Plain::Scalar(Scalar::str("a;b"))),
                    ("password".into(), Plain::Scalar(Scalar::str(" x"))),
                    ("port".into(), Plain::Number("5432".into())),
                ]),
            ),
        ]);
        assert_eq!(
            String::from_utf8(Ini.emit(&tree).unwrap()).unwrap(),
            "top = 1\n\n[db]\nuser     = `a;b`\npassword = ` x`\nport     = 5432\n"
        );
    }

    /// Reduced from a fuzz finding (the `decrypt` target): the second of two `[sops]`
    /// blocks ends the file, and its removal took the line break that ends the first.
    #[test]
    fn two_metadata_blocks_are_removed_without_overlapping() {
        for text in [
            "k = v\n\n[sops]\nversion = 3.11.0\n\n[sops]\nversion = 3.11.0",
            "k = v\n\n[sops]\nversion = 3.11.0\n\n[sops]\nversion = 3.11.0\n",
        ] {
            let doc = Ini.parse(text.as_bytes().to_vec()).unwrap();
            let mut ranges: Vec<_> = Ini
                .metadata_patches(&doc, None)
                .unwrap()
                .into_iter()
                .map(|p| p.range)
                .collect();
            ranges.sort_by_key(|r| r.start);
            assert!(
                ranges.windows(2).all(|w| w[0].end <= w[1].start),
                "{ranges:?}"
            );
            let left = doc.apply(Ini.metadata_patches(&doc, None).unwrap());
            let left = String::from_utf8(left).unwrap();
            assert!(
                left.starts_with("k = v\n") && !left.contains("sops"),
                "{left:?}"
            );
        }
    }
}

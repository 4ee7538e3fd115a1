//! dotenv, in SOPS's dialect (SOPS_FORMAT.md §6.3).
//!
//! A line starting with `#` is a comment; every other non-empty line is `KEY=VALUE`, split at
//! the first `=`. Key and value are taken verbatim (an `export ` prefix, spaces around `=`,
//! quotes, a trailing `\r` all stay part of them); the two characters `\n` in a value stand
//! for a newline. Every value is a string. Metadata is stored as `sops_*` keys after the data.
//!
//! One extension, for files sops cannot parse at all: a value that opens a quote (`'` or `"`)
//! not closed on its line continues on the next lines up to the line that closes it, as
//! dotenv libraries read it (`KEY="line 1` / `line 2"`). The value is still the verbatim
//! text, quotes and line breaks included, so sops reads the encrypted file the same way.

mod change;

use std::ops::Range;

use super::Format;
use crate::change::Change;
use crate::error::Error;
use crate::metadata::{self, EmptyList, Metadata};
use crate::path::PathSeg;
use crate::plain::Plain;
use crate::text::{Key, Source, Text};
use crate::tree::{Document, Leaf, LeafKind, MapItem, Node, Patch, Rendering, Style};
use crate::value::Scalar;

/// The dotenv format.
pub struct Dotenv;

const METADATA_PREFIX: &str = "sops_";

struct State {
    /// Every `sops_*` line, with its line break when it has one.
    metadata_lines: Vec<Range<usize>>,
}

impl Format for Dotenv {
    fn parse(&self, text: Vec<u8>) -> Result<Document, Error> {
        let source = Source::new(text);
        let text: &[u8] = &source;
        let mut items = Vec::new();
        let mut leaves = Vec::new();
        let mut metadata_lines = Vec::new();
        let mut metadata_pairs = Vec::new();
        let mut start = 0;
        while start < text.len() {
            let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i);
            let line = &text[start..end];
            let mut next = (end + 1).min(text.len());
            if line.is_empty() {
                start = next;
                continue;
            }
            if line[0] == b'#' {
                leaves.push(Leaf {
                    span: start + 1..end,
                    kind: LeafKind::Comment(line[1..].to_vec()),
                    style: Style::default(),
                });
                items.push(MapItem::Comment(leaves.len() - 1));
            } else {
                let eq = memchr::memchr(b'=', line).ok_or_else(|| {
                    Error::syntax_at(
                        "dotenv",
                        text,
                        start,
                        "expected KEY=VALUE (comments must start at the beginning of the line)",
                    )
                })?;
                let key = std::str::from_utf8(&line[..eq])
                    .map_err(|_| Error::syntax_at("dotenv", text, start, "the key is not UTF-8"))?;
                let end = match continuation(text, start + eq + 1, end) {
                    Some(value_end) => {
                        next = (value_end + 1).min(text.len());
                        value_end
                    }
                    None => end,
                };
                let span = start + eq + 1..end;
                if let Some(field) = key.strip_prefix(METADATA_PREFIX) {
                    metadata_lines.push(start..next);
                    metadata_pairs.push((field.to_string(), unescape(&text[span])));
                } else {
                    let value = match memchr::memchr(b'\\', &text[span.clone()]) {
                        None => Text::shared(&source, span.clone()),
                        Some(_) => Text::from(unescape(&text[span.clone()])),
                    };
                    leaves.push(Leaf {
                        span,
                        kind: LeafKind::Value(Scalar::Str(value)),
                        style: Style::default(),
                    });
                    let key = Key::shared(&source, start..start + eq).expect("checked above");
                    items.push(MapItem::Pair(key, Node::Leaf(leaves.len() - 1)));
                }
            }
            start = next;
        }
        let has_metadata = !metadata_pairs.is_empty();
        let mut doc = Document::new(source, Box::new(State { metadata_lines }));
        doc.leaves = leaves;
        doc.branches = vec![Node::Map(items)];
        if has_metadata {
            let pairs = metadata_pairs
                .iter()
                .map(|(k, v)| (k.as_str(), String::from_utf8_lossy(v).into_owned()));
            doc.set_metadata(Metadata::from_value(&metadata::unflatten(pairs)));
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
            Rendering::Plain(scalar) => escape_into(&super::scalar_text(scalar), out),
        }
        Ok(leaf.span.clone())
    }

    fn metadata_patches(
        &self,
        doc: &Document,
        metadata: Option<&Metadata>,
    ) -> Result<Vec<Patch>, Error> {
        let state: &State = doc.state();
        let text = &doc.text;
        let mut removals: Vec<Range<usize>> = state.metadata_lines.clone();
        // Metadata written after a last line without a line break starts with one; take it
        // away with the metadata so the file ends as it did.
        if !text.ends_with(b"\n") {
            if let Some(last) = removals.last().cloned().filter(|r| r.end == text.len()) {
                let mut first = removals.len() - 1;
                while first > 0 && removals[first - 1].end == removals[first].start {
                    first -= 1;
                }
                let run_start = removals[first].start;
                if run_start > 0 {
                    removals.drain(first..);
                    removals.push(run_start - 1..last.end);
                }
            }
        }
        let mut patches: Vec<Patch> = removals
            .iter()
            .map(|r| Patch {
                range: r.clone(),
                text: Vec::new(),
            })
            .collect();
        if let Some(md) = metadata {
            let remaining = doc.apply(patches.clone());
            let lines: Vec<Vec<u8>> = metadata::flatten(&md.to_value(EmptyList::Null))
                .into_iter()
                .map(|(k, v)| {
                    let mut line = format!("{METADATA_PREFIX}{k}=").into_bytes();
                    line.extend(escape(v.as_bytes()));
                    line
                })
                .collect();
            let mut insert = Vec::new();
            let open_line = !remaining.is_empty() && !remaining.ends_with(b"\n");
            if open_line {
                insert.push(b'\n');
            }
            insert.extend(lines.join(&b'\n'));
            if !open_line {
                insert.push(b'\n');
            }
            patches.push(Patch {
                range: text.len()..text.len(),
                text: insert,
            });
        }
        Ok(patches)
    }

    fn emit(&self, value: &Plain) -> Result<Vec<u8>, Error> {
        let Plain::Map(items) = value else {
            return Err(Error::Emit(
                "dotenv output needs a map of keys to values".into(),
            ));
        };
        let mut out = Vec::new();
        for (key, v) in items {
            if key.is_empty() || key.contains(['=', '\n']) || key.starts_with('#') {
                return Err(Error::Emit(format!(
                    "{key:?} cannot be a dotenv key (it would not read back); choose --output-type yaml or json"
                )));
            }
            if key.starts_with("sops_") {
                return Err(Error::Emit(format!(
                    "{key:?} cannot be a dotenv key: sops_ keys hold the metadata of encrypted dotenv files; choose --output-type yaml or json"
                )));
            }
            let value = match v {
                Plain::Scalar(s) => {
                    let text = super::scalar_text(s.as_ref());
                    // sops's dialect has no escape for a backslash: `\n` always reads as a newline.
                    if text.windows(2).any(|w| w == b"\\n") {
                        return Err(Error::Emit(format!(
                            "the value of {key:?} holds the two characters \\n, which dotenv reads back as a line break; choose --output-type yaml or json"
                        )));
                    }
                    escape(&text)
                }
                Plain::Number(n) => n.as_bytes().to_vec(),
                Plain::Null => Vec::new(),
                Plain::Map(_) | Plain::List(_) => {
                    return Err(Error::Emit(format!(
                        "cannot write the nested value of {key:?} to a dotenv file; extract a flat map or choose --output-type yaml/json"
                    )))
                }
            };
            out.extend_from_slice(key.as_bytes());
            out.push(b'=');
            out.extend(value);
            out.push(b'\n');
        }
        // Values are written verbatim, as sops writes them; one that opens a quote it does not
        // close can join the lines after it when read back (the multi-line extension above),
        // so the output must read back with every key.
        let back = self.parse(out.clone()).map_err(|e| {
            Error::Emit(format!(
                "the dotenv output would not read back ({e}); choose --output-type yaml or json"
            ))
        })?;
        let read: Vec<&str> = match back.branches.first() {
            Some(Node::Map(entries)) => entries
                .iter()
                .filter_map(|e| match e {
                    MapItem::Pair(k, _) => Some(k.as_str()),
                    MapItem::Comment(_) => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        if let Some(i) = (0..items.len()).find(|&i| read.get(i) != Some(&items[i].0.as_str())) {
            let key = &items[i.saturating_sub(1)].0;
            return Err(Error::Emit(format!(
                "the value of {key:?} opens a quote it does not close, so dotenv readers would join it with the lines after it; choose --output-type yaml or json"
            )));
        }
        Ok(out)
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

/// When the value starting at `value` opens a quote that its line (ending at `line_end`)
/// does not close, the end of the line that closes it; `None` when the value is one line.
fn continuation(text: &[u8], value: usize, line_end: usize) -> Option<usize> {
    let start = value
        + text[value..line_end]
            .iter()
            .take_while(|b| **b == b' ')
            .count();
    let quote = *text.get(start).filter(|q| matches!(q, b'"' | b'\''))?;
    if closing_quote(&text[start + 1..line_end], quote) {
        return None;
    }
    let mut line_start = line_end + 1;
    while line_start < text.len() {
        let end = text[line_start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(text.len(), |i| line_start + i);
        let line = &text[line_start..end];
        if closing_quote(line, quote) {
            return Some(end);
        }
        // A line that starts another assignment means the quote was never meant to span lines.
        if starts_assignment(line) {
            return None;
        }
        line_start = end + 1;
    }
    None
}

/// Whether `line` holds an unescaped `quote`.
fn closing_quote(line: &[u8], quote: u8) -> bool {
    let mut escaped = false;
    for &b in line {
        match b {
            b'\\' if !escaped => escaped = true,
            b if b == quote && !escaped => return true,
            _ => escaped = false,
        }
    }
    false
}

/// `NAME=` or `export NAME=`, with NAME an identifier.
fn starts_assignment(line: &[u8]) -> bool {
    let line = line.strip_prefix(b"export ").unwrap_or(line);
    let name_len = line
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    name_len > 0
        && !line[0].is_ascii_digit()
        && line[name_len..]
            .iter()
            .find(|b| **b != b' ')
            .is_some_and(|b| *b == b'=')
}

/// `\n` (two characters) → newline. Copies runs between backslashes whole: values are
/// mostly long `ENC[...]` strings with none.
fn unescape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = memchr::memchr(b'\\', rest) {
        out.extend_from_slice(&rest[..i]);
        if rest.get(i + 1) == Some(&b'n') {
            out.push(b'\n');
            rest = &rest[i + 2..];
        } else {
            out.push(b'\\');
            rest = &rest[i + 1..];
        }
    }
    out.extend_from_slice(rest);
    out
}

/// Newline → `\n` (two characters).
fn escape(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    escape_into(value, &mut out);
    out
}

/// [`escape`], appended to `out`.
fn escape_into(value: &[u8], out: &mut Vec<u8>) {
    let mut rest = value;
    while let Some(i) = memchr::memchr(b'\n', rest) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(b"\\n");
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sops_dialect() {
        let doc = Dotenv
            .parse(b"# c\nexport FOO=bar\nSPACED = v \nM=a\\nb\r\n\nEQ=a=b".to_vec())
            .unwrap();
        let Node::Map(items) = &doc.branches[0] else {
            panic!("dotenv roots are maps")
        };
        assert_eq!(items.len(), 5);
        let value = |i: usize| match &items[i] {
            MapItem::Pair(k, Node::Leaf(id)) => match &doc.leaves[*id].kind {
                LeafKind::Value(Scalar::Str(v)) => (k.to_string(), v.to_vec()),
                _ => unreachable!(),
            },
            _ => unreachable!(),
        };
        assert_eq!(value(1), ("export FOO".into(), b"bar".to_vec()));
        assert_eq!(value(2), ("SPACED ".into(), b" v ".to_vec()));
        assert_eq!(value(3), ("M".into(), b"a\nb\r".to_vec()));
        assert_eq!(value(4), ("EQ".into(), b"a=b".to_vec()));
        assert!(Dotenv.parse(b"  # indented\n".to_vec()).is_err());
    }

    #[test]
    fn quoted_values_may_span_lines() {
        let doc = Dotenv
            .parse(b"A='line 1\nline 2'\nB=\"x \\\"q\\\"\nend\"\nC=\"open\nD=1\n".to_vec())
            .unwrap();
        let Node::Map(items) = &doc.branches[0] else {
            panic!()
        };
        let values: Vec<(String, Vec<u8>)> = items
            .iter()
            .map(|i| match i {
                MapItem::Pair(k, Node::Leaf(id)) => match &doc.leaves[*id].kind {
                    LeafKind::Value(Scalar::Str(v)) => (k.to_string(), v.to_vec()),
                    _ => unreachable!(),
                },
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(values[0], ("A".into(), b"'line 1\nline 2'".to_vec()));
        assert_eq!(values[1], ("B".into(), b"\"x \\\"q\\\"\nend\"".to_vec()));
        // An unclosed quote followed by another assignment stays a one-line value.
        assert_eq!(values[2], ("C".into(), b"\"open".to_vec()));
        assert_eq!(values[3], ("D".into(), b"1".to_vec()));
    }

    #[test]
    fn emit_rejects_nested_values() {
        let nested = Plain::Map(vec![("a".into(), Plain::List(vec![]))]);
        assert!(Dotenv.emit(&nested).is_err());
        let flat = Plain::Map(vec![("A".into(), Plain::Scalar(Scalar::str("x\ny")))]);
        assert_eq!(Dotenv.emit(&flat).unwrap(), b"A=x\\ny\n");
    }

    #[test]
    fn emit_refuses_a_value_that_would_join_the_next_lines() {
        // Found by the conversion property test: `A='` and `a='` read back as one value.
        let pair = |k: &str, v: &str| (k.to_string(), Plain::Scalar(Scalar::str(v)));
        let joined = Plain::Map(vec![pair("A", "'"), pair("a", "'")]);
        let err = Dotenv.emit(&joined).unwrap_err().to_string();
        assert!(err.contains("\"A\" opens a quote"), "{err}");
        // Alone, or closed on its line, such a value reads back.
        let alone = Plain::Map(vec![pair("A", "'"), pair("b", "x")]);
        assert_eq!(Dotenv.emit(&alone).unwrap(), b"A='\nb=x\n");
    }

    #[test]
    fn emit_refuses_a_backslash_n_that_would_read_as_a_newline() {
        // Found by the conversion property test: sops's dialect cannot escape a backslash.
        let pair = |v: &str| Plain::Map(vec![("a".into(), Plain::Scalar(Scalar::str(v)))]);
        let err = Dotenv.emit(&pair("x\\ny")).unwrap_err().to_string();
        assert!(err.contains("line break"), "{err}");
        assert_eq!(Dotenv.emit(&pair("x\\my")).unwrap(), b"a=x\\my\n");
    }
}

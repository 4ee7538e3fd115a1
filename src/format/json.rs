//! JSON (SOPS_FORMAT.md §6.2): key order and duplicate keys kept, every number a float (as
//! sops reads JSON), the metadata as a last `"sops"` member of the root object.

mod change;

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use super::Format;
use crate::change::Change;
use crate::error::Error;
use crate::metadata::{EmptyList, Metadata, SOPS_KEY};
use crate::path::PathSeg;
use crate::plain::{number_kind, Plain};
use crate::text::{Key, Source, Text};
use crate::tree::{Document, Leaf, LeafKind, MapItem, Node, Patch, Quote, Rendering, Style};
use crate::value::{go_format_float, Scalar, ScalarRef};

/// The JSON format.
pub struct Json;

/// A member of the root object (or an element of a root array).
struct Member {
    /// Where its key starts.
    start: usize,
    /// Where its value ends.
    value_end: usize,
    is_metadata: bool,
}

struct State {
    /// The root is an array (members are its elements).
    array: bool,
    /// Just after the root's `{` or `[`.
    open: usize,
    members: Vec<Member>,
    /// Indentation of one level (`None` for single-line JSON).
    indent: Option<String>,
    newline: &'static str,
}

impl Format for Json {
    fn parse(&self, text: Vec<u8>) -> Result<Document, Error> {
        let source = Source::new(text);
        let text: &[u8] = &source;
        let mut p = Parser::new(text, 0)?;
        p.shared = Some(&source);
        p.skip_ws();
        let array = match p.peek() {
            Some(b'{') => false,
            Some(b'[') => true,
            None => return Err(p.error("the file is empty; a JSON object is expected")),
            _ => return Err(p.error("the root of a JSON file must be an object")),
        };
        p.pos += 1;
        let open = p.pos;
        let (root, members, metadata) = if array {
            p.root_array()?
        } else {
            p.root_object()?
        };
        p.skip_ws();
        if p.pos < text.len() {
            return Err(p.error("unexpected text after the root value"));
        }
        let indent = members.first().and_then(|m| {
            let gap = &text[open..m.start];
            let nl = gap.iter().rposition(|&b| b == b'\n')?;
            Some(String::from_utf8_lossy(&gap[nl + 1..]).into_owned())
        });
        let newline = if text.windows(2).any(|w| w == b"\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        let leaves = std::mem::take(&mut p.leaves);
        let mut doc = Document::new(
            Arc::clone(&source),
            Box::new(State {
                array,
                open,
                members,
                indent,
                newline,
            }),
        );
        doc.leaves = leaves;
        doc.branches = vec![root];
        if let Some(value) = metadata {
            doc.set_metadata(Metadata::from_value(&value));
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
            Rendering::Encrypted(enc) => {
                out.push(b'"');
                out.extend_from_slice(enc.as_bytes());
                out.push(b'"');
            }
            Rendering::Plain(scalar) => scalar_json(scalar, out)?,
            Rendering::Comment(_) => {
                return Err(Error::Emit("JSON files cannot hold comments".into()))
            }
        }
        Ok(leaf.span.clone())
    }

    fn encrypted_style(&self, style: &Style) -> Style {
        Style {
            quote: Quote::Double,
            ..style.clone()
        }
    }

    fn metadata_patches(
        &self,
        doc: &Document,
        metadata: Option<&Metadata>,
    ) -> Result<Vec<Patch>, Error> {
        let state: &State = doc.state();
        let members = &state.members;
        let mut patches = Vec::new();
        for (i, m) in members.iter().enumerate() {
            if !m.is_metadata {
                continue;
            }
            let range = if i > 0 {
                members[i - 1].value_end..m.value_end
            } else if let Some(next) = members.get(1) {
                m.start..next.start
            } else {
                state.open..m.value_end
            };
            patches.push(Patch {
                range,
                text: Vec::new(),
            });
        }
        if let Some(md) = metadata {
            let last = members.iter().rev().find(|m| !m.is_metadata);
            let at = last.map_or(state.open, |m| m.value_end);
            let mut text = String::new();
            if last.is_some() {
                text.push(',');
            }
            let mut value = Plain::from_json(&md.to_value(EmptyList::Null));
            let mut label = "\"sops\": ";
            if state.array {
                // An array root holds the metadata as a last element {"sops": ...}.
                value = Plain::Map(vec![(SOPS_KEY.to_string(), value)]);
                label = "";
            }
            match &state.indent {
                Some(unit) => {
                    text.push_str(state.newline);
                    text.push_str(unit);
                    text.push_str(label);
                    write_value(&mut text, &value, Some((unit, state.newline)), 1)?;
                }
                None => {
                    if last.is_some() {
                        text.push(' ');
                    }
                    text.push_str(label);
                    write_value(&mut text, &value, None, 0)?;
                }
            }
            patches.push(Patch {
                range: at..at,
                text: text.into_bytes(),
            });
        }
        Ok(patches)
    }

    fn emit(&self, value: &Plain) -> Result<Vec<u8>, Error> {
        let mut out = String::new();
        write_value(&mut out, &floats_as_floats(value), Some(("\t", "\n")), 0)?;
        out.push('\n');
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

    fn plain_value(&self, value: Scalar, spelling: &[u8]) -> Plain {
        // Every JSON number is a float to sops; a conversion keeps what the digits say.
        match (&value, number_kind(spelling), std::str::from_utf8(spelling)) {
            (Scalar::Float(_), Some(_), Ok(digits)) => Plain::Number(digits.to_string()),
            _ => Plain::Scalar(value),
        }
    }
}

/// The `"sops": {...}` member as sops writes it in a tab-indented file, at depth 1.
pub(super) fn metadata_member(md: &Metadata) -> Result<String, Error> {
    let mut text = "\"sops\": ".to_string();
    let value = Plain::from_json(&md.to_value(EmptyList::Null));
    write_value(&mut text, &value, Some(("\t", "\n")), 1)?;
    Ok(text)
}

/// `value` with its floats spelled as floats (`1.0`, not Go's `1`), so that a conversion
/// written as JSON reads back with the same types.
fn floats_as_floats(value: &Plain) -> Plain {
    match value {
        Plain::Scalar(Scalar::Float(f)) if f.is_finite() => Plain::Number(format!("{f:?}")),
        Plain::Map(items) => Plain::Map(
            items
                .iter()
                .map(|(k, v)| (k.clone(), floats_as_floats(v)))
                .collect(),
        ),
        Plain::List(items) => Plain::List(items.iter().map(floats_as_floats).collect()),
        other => other.clone(),
    }
}

/// The metadata, read with serde_json (which keeps the field order).
fn metadata_value(raw: &[u8]) -> Result<serde_json::Value, Error> {
    serde_json::from_slice(raw)
        .map_err(|e| Error::InvalidMetadata(format!("the sops member is not valid JSON: {e}")))
}

/// A scalar as JSON text, appended to `out`.
fn scalar_json(scalar: ScalarRef<'_>, out: &mut Vec<u8>) -> Result<(), Error> {
    if let ScalarRef::Str(s) = scalar {
        // Most strings need no escape: written as they are, without a String of their own.
        let plain = |s: &str| {
            !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\')
                && !s.contains(['\u{2028}', '\u{2029}'])
        };
        if std::str::from_utf8(s).is_ok_and(plain) {
            out.push(b'"');
            out.extend_from_slice(s);
            out.push(b'"');
            return Ok(());
        }
    }
    let mut text = String::new();
    write_scalar(&mut text, scalar)?;
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

/// Writes a scalar.
fn write_scalar(out: &mut String, scalar: ScalarRef<'_>) -> Result<(), Error> {
    match scalar {
        ScalarRef::Str(s) => write_string(out, &String::from_utf8_lossy(s)),
        ScalarRef::Time(t) => write_string(out, t),
        ScalarRef::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        ScalarRef::Int(i) => out.push_str(&i.to_string()),
        ScalarRef::Float(f) => out.push_str(&json_float(f)?),
    }
    Ok(())
}

/// Writes a value; `pretty` is the indentation unit and line break, `level` the current depth.
fn write_value(
    out: &mut String,
    value: &Plain,
    pretty: Option<(&str, &str)>,
    level: usize,
) -> Result<(), Error> {
    let newline = |out: &mut String, level: usize| {
        if let Some((unit, nl)) = pretty {
            out.push_str(nl);
            for _ in 0..level {
                out.push_str(unit);
            }
        }
    };
    let sep = if pretty.is_some() { "," } else { ", " };
    match value {
        Plain::Null => out.push_str("null"),
        Plain::Scalar(scalar) => write_scalar(out, scalar.as_ref())?,
        Plain::Number(n) => out.push_str(n),
        Plain::List(items) if items.is_empty() => out.push_str("[]"),
        Plain::Map(items) if items.is_empty() => out.push_str("{}"),
        Plain::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(sep);
                }
                newline(out, level + 1);
                write_value(out, item, pretty, level + 1)?;
            }
            newline(out, level);
            out.push(']');
        }
        Plain::Map(items) => {
            out.push('{');
            for (i, (key, item)) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(sep);
                }
                newline(out, level + 1);
                write_string(out, key);
                out.push_str(": ");
                write_value(out, item, pretty, level + 1)?;
            }
            newline(out, level);
            out.push('}');
        }
    }
    Ok(())
}

/// Go's JSON float format: plain digits for 1e-6 ≤ |v| < 1e21, else `1e+21`/`1e-7`.
fn json_float(v: f64) -> Result<String, Error> {
    if !v.is_finite() {
        return Err(Error::Emit(format!(
            "JSON cannot hold the number {}",
            go_format_float(v)
        )));
    }
    let abs = v.abs();
    if abs == 0.0 || (1e-6..1e21).contains(&abs) {
        return Ok(go_format_float(v));
    }
    let s = format!("{v:e}");
    let (mantissa, exp) = s.split_once('e').expect("exponent format has an 'e'");
    Ok(match exp.strip_prefix('-') {
        Some(digits) => format!("{mantissa}e-{digits}"),
        None => format!("{mantissa}e+{exp:0>2}"),
    })
}

/// A JSON string literal with minimal escaping.
pub(crate) fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

struct Parser<'a> {
    /// The text, checked UTF-8 once: string runs are sliced from it without checking again.
    source: &'a str,
    text: &'a [u8],
    /// The shared bytes of `text`, when string values are to be slices of them.
    shared: Option<&'a Arc<Source>>,
    pos: usize,
    leaves: Vec<Leaf>,
}

impl<'a> Parser<'a> {
    /// A parser of `text` from `pos`; the text must be UTF-8.
    fn new(text: &'a [u8], pos: usize) -> Result<Parser<'a>, Error> {
        let source = std::str::from_utf8(text).map_err(|e| {
            Error::syntax_at("JSON", text, e.valid_up_to(), "the file is not valid UTF-8")
        })?;
        Ok(Parser {
            source,
            text,
            shared: None,
            pos,
            leaves: Vec::new(),
        })
    }

    /// The members of the root object, after its `{`.
    #[allow(clippy::type_complexity)]
    fn root_object(&mut self) -> Result<(Node, Vec<Member>, Option<serde_json::Value>), Error> {
        let mut items = Vec::new();
        let mut members = Vec::new();
        let mut metadata = None;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok((Node::Map(items), members, metadata));
        }
        loop {
            self.skip_ws();
            let start = self.pos;
            let key = self.key()?;
            if key == SOPS_KEY {
                let value_start = self.pos;
                self.skip_value()?;
                metadata = Some(metadata_value(&self.text[value_start..self.pos])?);
                members.push(Member {
                    start,
                    value_end: self.pos,
                    is_metadata: true,
                });
            } else {
                let node = self.value()?;
                members.push(Member {
                    start,
                    value_end: self.pos,
                    is_metadata: false,
                });
                items.push(MapItem::Pair(key, node));
            }
            self.skip_ws();
            match self.next() {
                Some(b',') => continue,
                Some(b'}') => return Ok((Node::Map(items), members, metadata)),
                _ => return Err(self.error_before("expected ',' or '}' after an object member")),
            }
        }
    }

    /// The elements of a root array, after its `[`; a last element `{"sops": ...}` is the
    /// metadata (our extension: sops only reads object roots).
    #[allow(clippy::type_complexity)]
    fn root_array(&mut self) -> Result<(Node, Vec<Member>, Option<serde_json::Value>), Error> {
        let mut items = Vec::new();
        let mut members = Vec::new();
        let mut metadata = None;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok((Node::List(items), members, metadata));
        }
        let mut last_leaves;
        loop {
            self.skip_ws();
            let start = self.pos;
            last_leaves = self.leaves.len();
            items.push(self.value()?);
            members.push(Member {
                start,
                value_end: self.pos,
                is_metadata: false,
            });
            self.skip_ws();
            match self.next() {
                Some(b',') => continue,
                Some(b']') => break,
                _ => return Err(self.error_before("expected ',' or ']' after an array element")),
            }
        }
        let is_metadata = matches!(
            items.last(),
            Some(Node::Map(m)) if matches!(m.as_slice(), [MapItem::Pair(k, _)] if k == SOPS_KEY)
        );
        if is_metadata {
            let last = members.last_mut().expect("at least one element");
            let mut value = metadata_value(&self.text[last.start..last.value_end])?;
            metadata = value.get_mut(SOPS_KEY).map(serde_json::Value::take);
            last.is_metadata = true;
            items.pop();
            self.leaves.truncate(last_leaves);
        }
        Ok((Node::List(items), members, metadata))
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn error(&self, message: &str) -> Error {
        Error::syntax_at("JSON", self.text, self.pos, message)
    }

    fn error_before(&self, message: &str) -> Error {
        Error::syntax_at("JSON", self.text, self.pos.saturating_sub(1), message)
    }

    fn key(&mut self) -> Result<Key, Error> {
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a member name in double quotes"));
        }
        let start = self.pos;
        let key = match (self.string()?, self.shared) {
            (Cow::Borrowed(_), Some(source)) => {
                Key::shared(source, start + 1..self.pos - 1).expect("the text is UTF-8")
            }
            (key, _) => Key::from(key.into_owned()),
        };
        self.skip_ws();
        if self.next() != Some(b':') {
            return Err(self.error_before("expected ':' after a member name"));
        }
        self.skip_ws();
        Ok(key)
    }

    fn push_leaf(&mut self, span: Range<usize>, value: Scalar, quote: Quote) -> Node {
        self.leaves.push(Leaf {
            span,
            kind: LeafKind::Value(value),
            style: Style {
                quote,
                ..Style::default()
            },
        });
        Node::Leaf(self.leaves.len() - 1)
    }

    fn value(&mut self) -> Result<Node, Error> {
        let start = self.pos;
        match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(Node::Map(items));
                }
                loop {
                    self.skip_ws();
                    let key = self.key()?;
                    let value = self.value()?;
                    items.push(MapItem::Pair(key, value));
                    self.skip_ws();
                    match self.next() {
                        Some(b',') => continue,
                        Some(b'}') => return Ok(Node::Map(items)),
                        _ => {
                            return Err(
                                self.error_before("expected ',' or '}' after an object member")
                            )
                        }
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(Node::List(items));
                }
                loop {
                    self.skip_ws();
                    items.push(self.value()?);
                    self.skip_ws();
                    match self.next() {
                        Some(b',') => continue,
                        Some(b']') => return Ok(Node::List(items)),
                        _ => {
                            return Err(
                                self.error_before("expected ',' or ']' after an array element")
                            )
                        }
                    }
                }
            }
            Some(b'"') => {
                let value = match (self.string()?, self.shared) {
                    (Cow::Borrowed(_), Some(source)) => {
                        Text::shared(source, start + 1..self.pos - 1)
                    }
                    (s, _) => Text::from(s.into_owned().into_bytes()),
                };
                Ok(self.push_leaf(start..self.pos, Scalar::Str(value), Quote::Double))
            }
            Some(b't') if self.text[self.pos..].starts_with(b"true") => {
                self.pos += 4;
                Ok(self.push_leaf(start..self.pos, Scalar::Bool(true), Quote::Bare))
            }
            Some(b'f') if self.text[self.pos..].starts_with(b"false") => {
                self.pos += 5;
                Ok(self.push_leaf(start..self.pos, Scalar::Bool(false), Quote::Bare))
            }
            Some(b'n') if self.text[self.pos..].starts_with(b"null") => {
                self.pos += 4;
                Ok(Node::Null)
            }
            Some(b'-' | b'0'..=b'9') => {
                let v = self.number()?;
                // sops reads every JSON number as a float64.
                Ok(self.push_leaf(start..self.pos, Scalar::Float(v), Quote::Bare))
            }
            None => Err(self.error("unexpected end of file; a value is expected")),
            _ => Err(self.error("expected a JSON value")),
        }
    }

    /// Skips a value without building leaves (the metadata member).
    fn skip_value(&mut self) -> Result<(), Error> {
        let leaves = self.leaves.len();
        self.value()?;
        self.leaves.truncate(leaves);
        Ok(())
    }

    fn number(&mut self) -> Result<f64, Error> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let s = p.pos;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.pos += 1;
            }
            p.pos > s
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        if self.peek() == Some(b'0') {
            self.pos += 1;
        } else if !digits(self) {
            return Err(self.error("invalid number"));
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(self.error("invalid number: digits expected after '.'"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.error("invalid number: digits expected in the exponent"));
            }
        }
        let text = std::str::from_utf8(&self.text[start..self.pos]).expect("ASCII digits");
        let v: f64 = text.parse().map_err(|_| self.error("invalid number"))?;
        if !v.is_finite() {
            return Err(Error::syntax_at(
                "JSON",
                self.text,
                start,
                "number out of the range of a 64-bit float",
            ));
        }
        Ok(v)
    }

    /// The string at `pos` (its opening quote), borrowed from the text when it has no
    /// escapes.
    fn string(&mut self) -> Result<Cow<'a, str>, Error> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            let rest = &self.text[run_start..];
            // Found with a vector search, then checked for control characters: strings are
            // mostly long `ENC[...]` values.
            let quote_or_escape = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
            let run = &rest[..quote_or_escape];
            let control = run.iter().fold(false, |any, &c| any | (c < 0x20));
            let run = match control {
                true => run.iter().position(|&c| c < 0x20).unwrap_or(run.len()),
                false => run.len(),
            };
            self.pos += run;
            // The run ends at an ASCII byte or the end: a character boundary.
            let run = &self.source[run_start..self.pos];
            if self.peek() == Some(b'"') && run_start == start + 1 {
                self.pos += 1;
                return Ok(Cow::Borrowed(run));
            }
            out.push_str(run);
            match self.next() {
                Some(b'"') => return Ok(Cow::Owned(out)),
                Some(b'\\') => {
                    let c = self
                        .next()
                        .ok_or_else(|| self.error("unterminated escape in a string"))?;
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi)
                                && self.text[self.pos..].starts_with(b"\\u")
                            {
                                let save = self.pos;
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                } else {
                                    self.pos = save;
                                    None
                                }
                            } else {
                                char::from_u32(hi)
                            };
                            // Lone surrogates become U+FFFD, as Go decodes them.
                            out.push(c.unwrap_or('\u{FFFD}'));
                        }
                        _ => return Err(self.error_before("invalid escape in a string")),
                    }
                }
                Some(_) => {
                    return Err(self.error_before("control character in a string; escape it"))
                }
                None => {
                    return Err(Error::syntax_at(
                        "JSON",
                        self.text,
                        start,
                        "unterminated string",
                    ))
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let hex = self
            .text
            .get(self.pos..self.pos + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| self.error("invalid \\u escape"))?;
        self.pos += 4;
        Ok(hex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_values_and_keeps_duplicates() {
        let doc = Json
            .parse(
                br#"{"a": 1.50, "a": "x\u00e9\ud83d\ude00", "n": null, "l": [true, {}]}"#.to_vec(),
            )
            .unwrap();
        let Node::Map(items) = &doc.branches[0] else {
            panic!("an object root")
        };
        assert_eq!(items.len(), 4);
        let MapItem::Pair(_, Node::Leaf(id)) = &items[1] else {
            panic!()
        };
        assert_eq!(doc.raw(&doc.leaves[*id]), br#""x\u00e9\ud83d\ude00""#);
        match &doc.leaves[*id].kind {
            LeafKind::Value(Scalar::Str(s)) => assert_eq!(s.as_slice(), "xé😀".as_bytes()),
            _ => panic!(),
        }
    }

    #[test]
    fn rejects_what_go_rejects() {
        for bad in [
            "",
            "1",
            "{",
            r#"{"a" 1}"#,
            r#"{"a": 01}"#,
            r#"{"a": 1e400}"#,
            "{} x",
        ] {
            assert!(Json.parse(bad.as_bytes().to_vec()).is_err(), "{bad}");
        }
    }

    #[test]
    fn floats_as_go_writes_them() {
        assert_eq!(json_float(42.0).unwrap(), "42");
        assert_eq!(json_float(1e21).unwrap(), "1e+21");
        assert_eq!(json_float(1e100).unwrap(), "1e+100");
        assert_eq!(json_float(1e-7).unwrap(), "1e-7");
        assert_eq!(json_float(0.000001).unwrap(), "0.000001");
        assert!(json_float(f64::NAN).is_err());
    }
}

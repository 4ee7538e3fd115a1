//! TOML, losslessly, in the SOPS scheme as `rops` lays it out (sops itself has no TOML).
//!
//! Tables, arrays of tables and inline tables are maps, arrays are lists, in the order the
//! `toml` crate reads them (which is what rops hashes). Strings, integers, floats and
//! booleans keep their SOPS types; date-times are strings (their TOML text), as rops reads
//! them, because SOPS's `time` cannot hold TOML's local dates and rops cannot read `time`;
//! decrypting restores the date itself. Comments are encrypted in place (`#ENC[...]`), in
//! the map of the table whose header they follow. The metadata is a `[sops]` table after
//! the data, with `[[sops.age]]`-style arrays of tables, as rops writes it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use serde_json::{Map, Value};
use toml_edit::{Item, Table};
use zeroize::Zeroizing;

use super::{tail, Format};
use crate::error::Error;
use crate::metadata::{EmptyList, Metadata, FORMAT_VERSION, SOPS_KEY};
use crate::plain::{self, number_kind, Plain};
use crate::text::{Key, Source, Text};
use crate::timestamp::Timestamp;
use crate::tree::{
    Document, Leaf, LeafId, LeafKind, MapItem, Node, Patch, Quote, Rendering, Style,
};
use crate::value::{Scalar, ScalarRef};

/// The TOML format.
pub struct Toml;

impl Format for Toml {
    fn parse(&self, text: Vec<u8>) -> Result<Document, Error> {
        let source = Source::new(text);
        let text: &[u8] = &source;
        let s = std::str::from_utf8(text).map_err(|e| {
            Error::syntax_at("TOML", text, e.valid_up_to(), "the file is not valid UTF-8")
        })?;
        let parsed = toml_edit::Document::parse(s).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            Error::syntax_at("TOML", text, at, e.message().trim().replace('\n', " "))
        })?;
        let root = parsed.as_table();
        let metadata_item = root.get(SOPS_KEY);
        let region = metadata_item.map(|item| metadata_region(s, root, item));
        let mut headers = Vec::new();
        collect_headers(root, &mut headers);
        headers.sort_unstable();
        let mut builder = Builder {
            leaves: Vec::new(),
            comments: HashMap::new(),
            source: &source,
            raw: s,
        };
        for (start, end) in comments(s) {
            if region.as_ref().is_some_and(|r| r.contains(&start)) {
                continue;
            }
            let before = headers.partition_point(|h| *h < start);
            let owner = before.checked_sub(1).map(|i| headers[i]);
            builder.leaves.push(Leaf {
                span: start + 1..end,
                kind: LeafKind::Comment(text[start + 1..end].to_vec()),
                style: Style::default(),
            });
            let id = builder.leaves.len() - 1;
            builder.comments.entry(owner).or_default().push((start, id));
        }
        let branch = builder.root(root);
        let metadata = metadata_item.map(|item| {
            let mut value = json_of(item);
            // rops writes no `version`; sops needs one, so read such files as ours.
            if let Value::Object(obj) = &mut value {
                obj.entry("version")
                    .or_insert_with(|| FORMAT_VERSION.into());
            }
            Metadata::from_value(&value)
        });
        let leaves = builder.leaves;
        // The metadata table(s), from the `[sops]` header to the end of the last line.
        let state = tail::Tail::new(text, region.into_iter().collect());
        // toml_edit's tree borrows the text the document takes over.
        drop(parsed);
        let mut doc = Document::new(source, Box::new(state));
        doc.leaves = leaves;
        doc.branches = vec![branch];
        if let Some(md) = metadata {
            doc.set_metadata(md);
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
        let text = match value {
            Rendering::Encrypted(enc) => format!("\"{enc}\""),
            Rendering::Comment(text) => String::from_utf8_lossy(text).into_owned(),
            Rendering::Plain(scalar) => scalar_toml(scalar, leaf.style.quote)?,
        };
        out.extend_from_slice(text.as_bytes());
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
        let lines = metadata.map(|md| {
            let Value::Object(obj) = md.to_value(EmptyList::Empty) else {
                unreachable!("metadata is a map")
            };
            let mut lines = Vec::new();
            metadata_table(&mut lines, SOPS_KEY, &obj, false);
            lines
        });
        Ok(tail::patches(doc, lines))
    }

    fn emit(&self, value: &Plain) -> Result<Vec<u8>, Error> {
        let Plain::Map(items) = value else {
            return Err(Error::Emit("TOML output needs a map at the root".into()));
        };
        let mut lines = Vec::new();
        emit_table(&mut lines, None, items, false)?;
        let mut out = lines.join("\n");
        out.push('\n');
        Ok(out.into_bytes())
    }

    fn encrypts_empty_strings(&self) -> bool {
        true
    }

    fn plaintext<'a>(&self, value: ScalarRef<'a>) -> Cow<'a, [u8]> {
        // rops writes infinities as Rust does (`inf`), where Go writes `+Inf`.
        match value {
            ScalarRef::Float(f) if f.is_infinite() => {
                Cow::Borrowed(if f > 0.0 { b"inf" } else { b"-inf" })
            }
            _ => value.plaintext(),
        }
    }

    fn plain_value(&self, value: Scalar, spelling: &[u8]) -> Plain {
        // A string written bare was a date-time: an offset date-time is a timestamp.
        if let (Scalar::Str(s), Some(first)) = (&value, spelling.first()) {
            if !matches!(first, b'"' | b'\'') {
                if let Some(t) = std::str::from_utf8(s)
                    .ok()
                    .and_then(Timestamp::parse_rfc3339)
                {
                    return Plain::Scalar(Scalar::Time(Zeroizing::new(t.to_rfc3339_nano())));
                }
            }
        }
        plain::number_or_scalar(value, spelling)
    }
}

struct Builder<'s> {
    leaves: Vec<Leaf>,
    /// Comments by the header start of the table they follow (`None`: before any header),
    /// with their offsets.
    comments: HashMap<Option<usize>, Vec<(usize, LeafId)>>,
    /// The file, which strings written verbatim are slices of.
    source: &'s Arc<Source>,
    raw: &'s str,
}

impl Builder<'_> {
    /// The root table's map, without its metadata.
    fn root(&mut self, root: &Table) -> Node {
        self.table(root, None, true, Some(SOPS_KEY))
    }

    /// A table's map; `header`: where its header starts (the owner of its comments).
    fn table(
        &mut self,
        table: &Table,
        header: Option<usize>,
        owns_comments: bool,
        skip: Option<&str>,
    ) -> Node {
        let mut items: Vec<(usize, MapItem)> = Vec::new();
        for (key, item) in table.iter() {
            if skip == Some(key) {
                continue;
            }
            let at = table
                .key(key)
                .and_then(|k| k.span())
                .or_else(|| item.span())
                .map_or(usize::MAX, |s| s.start);
            let node = self.item(item, header);
            items.push((at, MapItem::Pair(self.key(table, key), node)));
        }
        if owns_comments {
            for (at, id) in self.comments.remove(&header).unwrap_or_default() {
                let place = items
                    .iter()
                    .position(|(p, _)| *p > at)
                    .unwrap_or(items.len());
                items.insert(place, (at, MapItem::Comment(id)));
            }
        }
        Node::Map(items.into_iter().map(|(_, item)| item).collect())
    }

    fn item(&mut self, item: &Item, header: Option<usize>) -> Node {
        match item {
            Item::None => Node::Null,
            Item::Value(v) => self.value(v),
            Item::Table(t) => match own_header(t) {
                Some(h) => self.table(t, Some(h), true, None),
                None => self.table(t, header, false, None),
            },
            Item::ArrayOfTables(a) => Node::List(
                a.iter()
                    .map(|t| self.table(t, own_header(t), true, None))
                    .collect(),
            ),
        }
    }

    fn value(&mut self, v: &toml_edit::Value) -> Node {
        use toml_edit::Value as V;
        let scalar = match v {
            V::String(f) => Scalar::Str(self.text(f.value(), v.span())),
            V::Integer(f) => Scalar::Int(*f.value()),
            V::Float(f) => Scalar::Float(*f.value()),
            V::Boolean(f) => Scalar::Bool(*f.value()),
            V::Datetime(f) => Scalar::str(f.value().to_string()),
            V::Array(a) => return Node::List(a.iter().map(|v| self.value(v)).collect()),
            V::InlineTable(t) => {
                return Node::Map(
                    t.iter()
                        .map(|(k, v)| MapItem::Pair(self.key(t, k), self.value(v)))
                        .collect(),
                )
            }
        };
        let span = v.span().expect("parsed values have spans");
        let quote = match self.raw.as_bytes()[span.start] {
            b'\'' => Quote::Single,
            b'"' => Quote::Double,
            _ => Quote::Bare,
        };
        self.leaves.push(Leaf {
            span,
            kind: LeafKind::Value(scalar),
            style: Style {
                quote,
                ..Style::default()
            },
        });
        Node::Leaf(self.leaves.len() - 1)
    }

    /// A string value as a slice of the file where it is written verbatim (no escapes, one
    /// line), so that a large file's strings cost no copies.
    fn text(&self, value: &str, span: Option<Range<usize>>) -> Text {
        match span {
            Some(span) if span.len() >= 2 && self.raw[span.start + 1..span.end - 1] == *value => {
                Text::shared(self.source, span.start + 1..span.end - 1)
            }
            _ => Text::from(value.as_bytes().to_vec()),
        }
    }

    /// The key `key` of `table`, a slice of the file where it is written bare or quoted
    /// without escapes.
    fn key(&self, table: &dyn toml_edit::TableLike, key: &str) -> Key {
        let verbatim = table.key(key).and_then(|k| k.span()).and_then(|span| {
            let raw = &self.raw[span.clone()];
            let inner = match raw.as_bytes().first() {
                Some(b'"' | b'\'') if raw.len() >= 2 => span.start + 1..span.end - 1,
                _ => span,
            };
            (self.raw[inner.clone()] == *key).then_some(inner)
        });
        verbatim
            .and_then(|span| Key::shared(self.source, span))
            .unwrap_or_else(|| key.into())
    }
}

/// Where a table's own header starts; `None` for the root, implicit and dotted tables.
fn own_header(t: &Table) -> Option<usize> {
    t.span()
        .filter(|s| s.end > s.start && !t.is_dotted())
        .map(|s| s.start)
}

fn collect_headers(table: &Table, out: &mut Vec<usize>) {
    for (_, item) in table.iter() {
        match item {
            Item::Table(t) => {
                out.extend(own_header(t));
                collect_headers(t, out);
            }
            Item::ArrayOfTables(a) => {
                for t in a.iter() {
                    out.extend(own_header(t));
                    collect_headers(t, out);
                }
            }
            _ => {}
        }
    }
}

/// The bytes of the `sops` item: from its first header (or key) line to the end of its
/// last line, up to the first header of another table.
fn metadata_region(s: &str, root: &Table, item: &Item) -> Range<usize> {
    let line_start = |at: usize| s[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = |at: usize| s[at..].find('\n').map_or(s.len(), |i| at + i + 1);
    let mut own = Vec::new();
    if let Item::Table(t) = item {
        own.extend(own_header(t));
        collect_headers(t, &mut own);
    }
    let Some(&first) = own.iter().min() else {
        // `sops = {...}` or dotted `sops.x = ...` keys: their lines.
        let key = root.key(SOPS_KEY).and_then(|k| k.span()).unwrap_or(0..0);
        let end = item.span().map_or(key.end, |s| s.end);
        return line_start(key.start)..line_end(end);
    };
    let mut others = Vec::new();
    collect_headers(root, &mut others);
    let end = others
        .iter()
        .filter(|h| **h > first && !own.contains(h))
        .min()
        .map_or(s.len(), |h| line_start(*h));
    line_start(first)..end
}

/// Every comment outside strings: the offset of its `#` and the end of its line (before the
/// line break).
fn comments(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => {
                let mut end = s[i..].find('\n').map_or(b.len(), |n| i + n);
                if end > i && b[end - 1] == b'\r' {
                    end -= 1;
                }
                out.push((i, end));
                i = end;
            }
            q @ (b'"' | b'\'') => {
                let triple = b[i..].starts_with(&[q, q, q]);
                i += if triple { 3 } else { 1 };
                while i < b.len() {
                    if q == b'"' && b[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if b[i] == q && (!triple || b[i..].starts_with(&[q, q, q])) {
                        // A closing `"""` may follow up to two quotes of the content.
                        let run = b[i..].iter().take_while(|c| **c == q).count();
                        i += if triple { run } else { 1 };
                        break;
                    }
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// A TOML item as JSON, for the metadata.
fn json_of(item: &Item) -> Value {
    match item {
        Item::None => Value::Null,
        Item::Value(v) => json_of_value(v),
        Item::Table(t) => {
            Value::Object(t.iter().map(|(k, v)| (k.to_string(), json_of(v))).collect())
        }
        Item::ArrayOfTables(a) => {
            Value::Array(a.iter().map(|t| json_of(&Item::Table(t.clone()))).collect())
        }
    }
}

fn json_of_value(v: &toml_edit::Value) -> Value {
    use toml_edit::Value as V;
    match v {
        V::String(f) => f.value().clone().into(),
        V::Integer(f) => (*f.value()).into(),
        V::Float(f) => (*f.value()).into(),
        V::Boolean(f) => (*f.value()).into(),
        V::Datetime(f) => f.value().to_string().into(),
        V::Array(a) => Value::Array(a.iter().map(json_of_value).collect()),
        V::InlineTable(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.to_string(), json_of_value(v)))
                .collect(),
        ),
    }
}

/// The metadata as rops writes it: `[sops]` with its plain fields, then each list of keys
/// as an array of tables (`[[sops.age]]`), strings with line breaks as `"""` strings.
fn metadata_table(lines: &mut Vec<String>, path: &str, obj: &Map<String, Value>, array: bool) {
    lines.push(if array {
        format!("[[{path}]]")
    } else {
        format!("[{path}]")
    });
    let is_tables =
        |v: &Value| matches!(v, Value::Array(a) if !a.is_empty() && a.iter().all(Value::is_object));
    for (k, v) in obj {
        if v.is_object() || is_tables(v) || v.is_null() {
            continue;
        }
        lines.push(format!("{} = {}", key(k), json_toml(v)));
    }
    for (k, v) in obj {
        let sub = format!("{path}.{}", key(k));
        match v {
            Value::Object(o) => {
                lines.push(String::new());
                metadata_table(lines, &sub, o, false);
            }
            Value::Array(a) if is_tables(v) => {
                for t in a.iter().filter_map(Value::as_object) {
                    lines.push(String::new());
                    metadata_table(lines, &sub, t, true);
                }
            }
            _ => {}
        }
    }
}

/// A metadata value (never an object here) as TOML.
fn json_toml(v: &Value) -> String {
    match v {
        Value::String(s) if s.contains('\n') => {
            let escaped = basic_string(s);
            // A line break right after `"""` is not part of the string.
            format!(
                "\"\"\"\n{}\"\"\"",
                escaped[1..escaped.len() - 1].replace("\\n", "\n")
            )
        }
        Value::String(s) => basic_string(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(json_toml).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

/// A key, bare when TOML allows it.
fn key(k: &str) -> String {
    if !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        k.to_string()
    } else {
        basic_string(k)
    }
}

/// `s` as a TOML basic string.
fn basic_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
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
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A scalar as a TOML value; strings in the quoting `quote` asks for where it can.
fn scalar_toml(s: ScalarRef<'_>, quote: Quote) -> Result<String, Error> {
    Ok(match s {
        ScalarRef::Str(bytes) => {
            let text = std::str::from_utf8(bytes).map_err(|_| {
                Error::Emit(
                    "TOML strings must be UTF-8; choose --output-type binary or yaml".into(),
                )
            })?;
            let literal_ok = !text.contains('\'')
                && !text
                    .chars()
                    .any(|c| (c.is_control() && c != '\t') || c == '\u{7f}');
            if quote == Quote::Single && literal_ok {
                format!("'{text}'")
            } else {
                basic_string(text)
            }
        }
        ScalarRef::Int(i) => i.to_string(),
        ScalarRef::Float(f) if f.is_nan() => "nan".into(),
        ScalarRef::Float(f) if f.is_infinite() => if f > 0.0 { "inf" } else { "-inf" }.into(),
        ScalarRef::Float(f) => format!("{f:?}"),
        ScalarRef::Bool(b) => b.to_string(),
        ScalarRef::Time(t) => t.to_string(),
    })
}

/// A plain value written inline (`{ a = 1 }`, `[1, 2]`).
fn inline(v: &Plain, at: &str) -> Result<String, Error> {
    Ok(match v {
        Plain::Null => {
            return Err(Error::Emit(format!(
                "TOML has no null, and `{at}` is null; choose --output-type yaml or json"
            )))
        }
        Plain::Scalar(s) => scalar_toml(s.as_ref(), Quote::Double)?,
        Plain::Number(n) => {
            if number_kind(n.as_bytes()) == Some(true) && n.parse::<i64>().is_err() {
                return Err(Error::Emit(format!(
                    "`{at}` is {n}, beyond TOML's 64-bit integers; choose --output-type yaml or json"
                )));
            }
            n.clone()
        }
        Plain::List(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|v| inline(v, at))
                .collect::<Result<Vec<_>, _>>()?
                .join(", ")
        ),
        Plain::Map(items) if items.is_empty() => "{}".into(),
        Plain::Map(items) => format!(
            "{{ {} }}",
            items
                .iter()
                .map(|(k, v)| Ok(format!("{} = {}", key(k), inline(v, &format!("{at}.{k}"))?)))
                .collect::<Result<Vec<_>, Error>>()?
                .join(", ")
        ),
    })
}

/// Writes a table: values first, nested maps as `[a.b]` tables and lists of maps as
/// `[[a.b]]` once no plain value follows them (before one, they are written inline, so the
/// order of the keys is kept).
fn emit_table(
    lines: &mut Vec<String>,
    path: Option<&str>,
    items: &[(String, Plain)],
    array: bool,
) -> Result<(), Error> {
    if let Some(p) = path {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(if array {
            format!("[[{p}]]")
        } else {
            format!("[{p}]")
        });
    }
    let is_table = |v: &Plain| matches!(v, Plain::Map(m) if !m.is_empty());
    let is_tables = |v: &Plain| matches!(v, Plain::List(l) if !l.is_empty() && l.iter().all(|x| matches!(x, Plain::Map(_))));
    // Items from here on are written as tables.
    let split = items
        .iter()
        .rposition(|(_, v)| !is_table(v) && !is_tables(v))
        .map_or(0, |i| i + 1);
    let sub = |k: &str| match path {
        Some(p) => format!("{p}.{}", key(k)),
        None => key(k),
    };
    for (k, v) in &items[..split] {
        lines.push(format!("{} = {}", key(k), inline(v, &sub(k))?));
    }
    for (k, v) in &items[split..] {
        match v {
            Plain::Map(m) => emit_table(lines, Some(&sub(k)), m, false)?,
            Plain::List(l) => {
                for t in l {
                    if let Plain::Map(m) = t {
                        emit_table(lines, Some(&sub(k)), m, true)?;
                    }
                }
            }
            _ => unreachable!("only tables after the split"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Document {
        Toml.parse(s.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn finds_comments_outside_strings() {
        let s = "a = \"#no\" # yes\nb = '''\n# no\n''' #yes\n# line\r\nc = \"\"\"x\"\"\"\"\" # y\n";
        let found: Vec<&str> = comments(s).iter().map(|(a, b)| &s[*a..*b]).collect();
        assert_eq!(found, ["# yes", "#yes", "# line", "# y"]);
    }

    #[test]
    fn tree_in_toml_order_with_typed_leaves() {
        let doc = parse(
            "# top\ntitle = 'x'\n[server]\nport = 8080 # p\nratio = 1.5\non = true\nwhen = 1979-05-27T07:32:00Z\n[[arr]]\nn = 1\n[[arr]]\nn = 2\n",
        );
        let Node::Map(items) = &doc.branches[0] else {
            panic!()
        };
        let names: Vec<String> = items
            .iter()
            .map(|i| match i {
                MapItem::Pair(k, _) => k.to_string(),
                MapItem::Comment(_) => "#".into(),
            })
            .collect();
        assert_eq!(names, ["#", "title", "server", "arr"]);
        let types: Vec<&str> = doc
            .leaves
            .iter()
            .filter_map(|l| match &l.kind {
                LeafKind::Value(v) => Some(v.type_name()),
                _ => None,
            })
            .collect();
        assert_eq!(types, ["str", "int", "float", "bool", "str", "int", "int"]);
    }

    #[test]
    fn strings_and_keys_read_the_same_whether_written_verbatim_or_escaped() {
        let doc = parse(concat!(
            "plain = \"abc\"\n",
            "lit = 'a\\b'\n",
            "esc = \"a\\tb\\\"c\"\n",
            "\"quoted key\" = \"\"\n",
            "\"k\\u00e4\" = '''\nx'''\n",
            "inline = { \"in\" = \"v\" }\n",
        ));
        let strings: Vec<&[u8]> = doc
            .leaves
            .iter()
            .filter_map(|l| match &l.kind {
                LeafKind::Value(Scalar::Str(s)) => Some(s.as_slice()),
                _ => None,
            })
            .collect();
        let expected: [&[u8]; 6] = [b"abc", b"a\\b", b"a\tb\"c", b"", b"x", b"v"];
        assert_eq!(strings, expected);
        let Node::Map(items) = &doc.branches[0] else {
            panic!()
        };
        let keys: Vec<&str> = items
            .iter()
            .map(|i| match i {
                MapItem::Pair(k, _) => k.as_str(),
                MapItem::Comment(_) => "#",
            })
            .collect();
        assert_eq!(
            keys,
            ["plain", "lit", "esc", "quoted key", "k\u{e4}", "inline"]
        );
        let Some(MapItem::Pair(_, Node::Map(inner))) = items.last() else {
            panic!()
        };
        assert!(matches!(&inner[0], MapItem::Pair(k, _) if k.as_str() == "in"));
    }

    #[test]
    fn comments_belong_to_the_table_whose_header_they_follow() {
        let doc = parse("# root\n[a]\n# in a\nx = 1\n[b]\n# in b\ny = 2\n# also b\n");
        let comments_of = |items: &[MapItem]| {
            items
                .iter()
                .filter(|i| matches!(i, MapItem::Comment(_)))
                .count()
        };
        let Node::Map(root) = &doc.branches[0] else {
            panic!()
        };
        assert_eq!(comments_of(root), 1);
        let tables: Vec<usize> = root
            .iter()
            .filter_map(|i| match i {
                MapItem::Pair(_, Node::Map(items)) => Some(comments_of(items)),
                _ => None,
            })
            .collect();
        assert_eq!(tables, [1, 2]);
    }

    #[test]
    fn errors_say_where() {
        match Toml.parse(b"a = 1\nb = \n".to_vec()) {
            Err(Error::Syntax { line, .. }) => assert_eq!(line, 2),
            other => panic!("{:?}", other.err()),
        }
    }

    #[test]
    fn emit_keeps_order_and_types() {
        let tree = Plain::Map(vec![
            (
                "a".into(),
                Plain::Map(vec![("x".into(), Plain::Number("1".into()))]),
            ),
            ("b".into(), Plain::Scalar(Scalar::Float(1.0))),
            (
                "c".into(),
                Plain::Map(vec![("big".into(), Plain::Scalar(Scalar::Int(i64::MAX)))]),
            ),
        ]);
        let out = String::from_utf8(Toml.emit(&tree).unwrap()).unwrap();
        assert_eq!(
            out,
            "a = { x = 1 }\nb = 1.0\n\n[c]\nbig = 9223372036854775807\n"
        );
        let too_big = Plain::Map(vec![(
            "n".into(),
            Plain::Number("12345678901234567890".into()),
        )]);
        assert!(Toml.emit(&too_big).is_err());
        assert!(Toml
            .emit(&Plain::Map(vec![("n".into(), Plain::Null)]))
            .is_err());
    }
}

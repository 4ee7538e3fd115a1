//! Plain trees: values without a layout, for `--extract`, conversions and new files.

use serde_json::Value;

use crate::format::Format;
use crate::tree::{Document, LeafId, LeafKind, MapItem, Node, NodeRef};
use crate::value::Scalar;

/// A tree of plaintext values.
#[derive(Clone, Debug, PartialEq)]
pub enum Plain {
    /// An ordered map.
    Map(Vec<(String, Plain)>),
    /// A list.
    List(Vec<Plain>),
    /// A scalar.
    Scalar(Scalar),
    /// A number as it was spelled, in JSON's number grammar (`42`, `-1.50`, `1e5`,
    /// `12345678901234567890`): conversions write these digits as they are, so an integer
    /// stays an integer, a float a float, and no digit of a big number is lost.
    Number(String),
    /// `null`.
    Null,
}

impl Plain {
    /// A plain tree from a JSON value (numbers become ints when integral, else floats).
    pub fn from_json(value: &Value) -> Plain {
        match value {
            Value::Null => Plain::Null,
            Value::Bool(b) => Plain::Scalar(Scalar::Bool(*b)),
            Value::Number(n) => Plain::Scalar(match n.as_i64() {
                Some(i) => Scalar::Int(i),
                None => Scalar::Float(n.as_f64().unwrap_or(f64::NAN)),
            }),
            Value::String(s) => Plain::Scalar(Scalar::str(s.as_bytes())),
            Value::Array(items) => Plain::List(items.iter().map(Plain::from_json).collect()),
            Value::Object(obj) => Plain::Map(
                obj.iter()
                    .map(|(k, v)| (k.clone(), Plain::from_json(v)))
                    .collect(),
            ),
        }
    }
}

/// Whether `s` is a number in JSON's grammar; `Some(true)` for an integer spelling (no
/// fraction, no exponent), `Some(false)` for a float spelling.
pub fn number_kind(s: &[u8]) -> Option<bool> {
    let mut i = usize::from(s.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while s.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    match s.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return None,
    }
    let mut integer = true;
    if s.get(i) == Some(&b'.') {
        i += 1;
        integer = false;
        if !digits(&mut i) {
            return None;
        }
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        integer = false;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return None;
        }
    }
    (i == s.len()).then_some(integer)
}

/// The plain form of a number value spelled `spelling`: its digits when they are JSON's
/// grammar and say the value's kind (or an integer too big for 64 bits, which SOPS reads as
/// a float), else the typed value.
pub fn number_or_scalar(value: Scalar, spelling: &[u8]) -> Plain {
    let exact = match (&value, number_kind(spelling)) {
        (Scalar::Int(_), Some(true)) | (Scalar::Float(_), Some(false)) => true,
        (Scalar::Float(_), Some(true)) => std::str::from_utf8(spelling)
            .ok()
            .is_some_and(|s| s.parse::<i64>().is_err()),
        _ => false,
    };
    match String::from_utf8(spelling.to_vec()) {
        Ok(digits) if exact => Plain::Number(digits),
        _ => Plain::Scalar(value),
    }
}

/// The value of each leaf: what a tree of plain values is built from.
pub trait Values {
    /// The value of a leaf; `None` for comments and values sops's tree does not hold.
    fn value(&self, doc: &Document, id: LeafId) -> Option<Scalar>;

    /// The plaintext of a value leaf as it is spelled in the plaintext file.
    fn spelling<'a>(&'a self, doc: &'a Document, id: LeafId) -> &'a [u8];
}

/// The values a plaintext document holds.
pub struct Stored;

impl Values for Stored {
    fn value(&self, doc: &Document, id: LeafId) -> Option<Scalar> {
        match &doc.leaves[id].kind {
            LeafKind::Value(s) => Some(s.clone()),
            LeafKind::Alias(target) => self.value(doc, *target),
            LeafKind::Comment(_) | LeafKind::Shadowed(_) => None,
        }
    }

    fn spelling<'a>(&'a self, doc: &'a Document, id: LeafId) -> &'a [u8] {
        match doc.leaves[id].kind {
            LeafKind::Alias(target) => self.spelling(doc, target),
            _ => doc.raw(&doc.leaves[id]),
        }
    }
}

/// Every document of `doc` (parsed by `format`) as a plain tree (comments left out).
pub fn documents(format: &dyn Format, doc: &Document, values: &dyn Values) -> Vec<Plain> {
    doc.branches
        .iter()
        .map(|root| node(format, doc, NodeRef::from(root), values))
        .collect()
}

/// Every document of `doc` as a plain tree of the typed values sops holds (a JSON number is
/// a float, whatever its digits), for printing values as sops prints them.
pub fn typed_documents(doc: &Document, values: &dyn Values) -> Vec<Plain> {
    let typed = |v: Scalar, _: &[u8]| Plain::Scalar(v);
    doc.branches
        .iter()
        .map(|root| build(doc, NodeRef::from(root), values, &typed))
        .collect()
}

/// The plain tree of one node.
pub fn node(format: &dyn Format, doc: &Document, node: NodeRef<'_>, values: &dyn Values) -> Plain {
    build(doc, node, values, &|v, spelling| {
        format.plain_value(v, spelling)
    })
}

/// The plain tree of one node, with `plain` making a value and its spelling plain.
fn build(
    doc: &Document,
    node: NodeRef<'_>,
    values: &dyn Values,
    plain: &dyn Fn(Scalar, &[u8]) -> Plain,
) -> Plain {
    let leaf = |id: LeafId| {
        values
            .value(doc, id)
            .map(|v| plain(v, values.spelling(doc, id)))
    };
    match node {
        NodeRef::Map(items) => Plain::Map(
            items
                .iter()
                .filter_map(|item| match item {
                    MapItem::Pair(_, Node::Leaf(id))
                        if matches!(doc.leaves[*id].kind, LeafKind::Shadowed(_)) =>
                    {
                        None
                    }
                    MapItem::Pair(k, v) => {
                        Some((k.to_string(), build(doc, NodeRef::from(v), values, plain)))
                    }
                    MapItem::Comment(_) => None,
                })
                .collect(),
        ),
        NodeRef::List(items) => Plain::List(
            items
                .iter()
                .filter_map(|n| match n {
                    Node::Leaf(id) => leaf(*id),
                    n => Some(build(doc, NodeRef::from(n), values, plain)),
                })
                .collect(),
        ),
        NodeRef::Leaf(id) => leaf(id).unwrap_or(Plain::Null),
        NodeRef::Null => Plain::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_spellings() {
        assert_eq!(number_kind(b"42"), Some(true));
        assert_eq!(number_kind(b"-0"), Some(true));
        assert_eq!(number_kind(b"1.50"), Some(false));
        assert_eq!(number_kind(b"1E+5"), Some(false));
        for bad in [
            "", "-", "01", "1.", ".5", "+1", "0x1F", "1_000", "1e", "inf",
        ] {
            assert_eq!(number_kind(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(
            number_or_scalar(Scalar::Int(42), b"42"),
            Plain::Number("42".into())
        );
        // A float written as an integer keeps its type unless only a float can hold it.
        assert_eq!(
            number_or_scalar(Scalar::Float(7.0), b"7"),
            Plain::Scalar(Scalar::Float(7.0))
        );
        assert_eq!(
            number_or_scalar(
                Scalar::Float(1.2345678901234567e19),
                b"12345678901234567890"
            ),
            Plain::Number("12345678901234567890".into())
        );
        assert_eq!(
            number_or_scalar(Scalar::Int(31), b"0x1F"),
            Plain::Scalar(Scalar::Int(31))
        );
    }
}

//! Plain trees: values without a layout, for `--extract`, conversions and new files.

use serde_json::Value;

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

/// The value of each leaf: what a tree of plain values is built from.
pub trait Values {
    /// The value of a leaf; `None` for comments.
    fn value(&self, doc: &Document, id: LeafId) -> Option<Scalar>;
}

/// The values a plaintext document holds.
pub struct Stored;

impl Values for Stored {
    fn value(&self, doc: &Document, id: LeafId) -> Option<Scalar> {
        match &doc.leaves[id].kind {
            LeafKind::Value(s) => Some(s.clone()),
            LeafKind::Alias(target) => self.value(doc, *target),
            LeafKind::Comment(_) => None,
        }
    }
}

/// Every document of `doc` as a plain tree (comments left out).
pub fn documents(doc: &Document, values: &dyn Values) -> Vec<Plain> {
    doc.branches
        .iter()
        .map(|root| node(doc, NodeRef::from(root), values))
        .collect()
}

/// The plain tree of one node.
pub fn node(doc: &Document, node: NodeRef<'_>, values: &dyn Values) -> Plain {
    match node {
        NodeRef::Map(items) => map(doc, items, values),
        NodeRef::List(items) => Plain::List(
            items
                .iter()
                .filter(|n| match n {
                    Node::Leaf(id) => values.value(doc, *id).is_some(),
                    _ => true,
                })
                .map(|n| self::node(doc, NodeRef::from(n), values))
                .collect(),
        ),
        NodeRef::Leaf(id) => values.value(doc, id).map_or(Plain::Null, Plain::Scalar),
        NodeRef::Null => Plain::Null,
    }
}

fn map(doc: &Document, items: &[MapItem], values: &dyn Values) -> Plain {
    Plain::Map(
        items
            .iter()
            .filter_map(|item| match item {
                MapItem::Pair(k, v) => Some((k.clone(), node(doc, NodeRef::from(v), values))),
                MapItem::Comment(_) => None,
            })
            .collect(),
    )
}

//! `set` and `unset` on a plaintext document, with sops 3.11's semantics (SOPS_FORMAT.md
//! §8.2), written as patches of the file's own text: only the changed value's lines differ.
//!
//! This module decides *what* changes (which node is replaced, which map gains a key, which
//! list an item); each format's [`Format::change`] decides how that is written in its syntax.
//! The result is parsed again and compared with the expected tree, so a patch that would
//! change anything else is refused instead of written.

use crate::error::Error;
use crate::format::Format;
use crate::path::{self, PathSeg};
use crate::plain::{self, Plain, Stored};
use crate::tree::{Document, LeafKind, MapItem, Node, NodeRef};
use crate::value::Scalar;

/// A change of one place of a document, as a format writes it.
#[derive(Clone, Copy, Debug)]
pub enum Change<'a> {
    /// Replace the value at the path (which exists).
    Replace(&'a Plain),
    /// Add an entry at the end of the map at the path.
    Insert(&'a str, &'a Plain),
    /// Add an item at the end of the list at the path.
    Append(&'a Plain),
    /// Remove the map entry or list item at the path.
    Remove,
}

/// The text of a document after `set` or `unset`.
pub struct Changed {
    /// The new plaintext file.
    pub text: Vec<u8>,
    /// Whether the value differs from what was there (`false`: `text` is the old text).
    pub changed: bool,
}

/// Sets the value at `path` of the first document, as `sops set` does: missing map keys are
/// created (with the maps below them), an index past the end of a list appends, and a scalar
/// in the way is replaced.
pub fn set(
    format: &dyn Format,
    doc: &Document,
    at: &[PathSeg],
    value: &Plain,
) -> Result<Changed, Error> {
    let documents = plain::typed_documents(doc, &Stored);
    let first = documents.first().ok_or(Error::NoDocument)?;
    let value = as_read_back(format, value)?;
    let mut expected = first.clone();
    if !set_plain(&mut expected, at, value.clone())? {
        return Ok(Changed {
            text: doc.text.to_vec(),
            changed: false,
        });
    }
    let patches = set_patches(format, doc, at, &value)?;
    let text = doc.apply(patches);
    verify(format, &text, &documents, expected, at)?;
    Ok(Changed {
        text,
        changed: true,
    })
}

/// Removes the map entry or list item at `path` of the first document, as `sops unset` does;
/// a path that names nothing is [`Error::PathNotFound`].
pub fn unset(format: &dyn Format, doc: &Document, at: &[PathSeg]) -> Result<Vec<u8>, Error> {
    let documents = plain::typed_documents(doc, &Stored);
    let first = documents.first().ok_or(Error::NoDocument)?;
    let mut expected = first.clone();
    unset_plain(&mut expected, at, at)?;
    let patches = format.change(doc, at, Change::Remove)?;
    let text = doc.apply(patches);
    verify(format, &text, &documents, expected, at)?;
    Ok(text)
}

/// Reads a JSON value as `sops set` takes it (objects keep their key order).
pub fn parse_json_value(text: &str) -> Result<Plain, Error> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Error::InvalidSet(format!(
            "the value is not valid JSON ({e}); a string needs quotes: '\"text\"'"
        ))
    })?;
    Ok(Plain::from_json(&value))
}

/// The value as the format reads it back once written (every dotenv value is a string,
/// every JSON number a float), so that it can be compared with what the file holds. It is
/// written under the key `data` (the one key of a binary file), or in a section of that name
/// for formats whose values live in sections (INI).
fn as_read_back(format: &dyn Format, value: &Plain) -> Result<Plain, Error> {
    for (doc, depth) in written(format, value) {
        let mut read = plain::typed_documents(&doc?, &Stored).into_iter().next();
        for _ in 0..depth {
            read = match read {
                Some(Plain::Map(mut items)) if items.len() == 1 && items[0].0 == KEY => {
                    Some(items.remove(0).1)
                }
                _ => None,
            };
        }
        if let Some(back) = read {
            return Ok(back);
        }
    }
    Err(Error::Emit(
        "the value cannot be written in this file's format".into(),
    ))
}

/// The scalar a file of `format` holds once `value` is written into it: what encrypting
/// the file would encrypt. `None` when `value` is not stored as one scalar.
pub fn stored_scalar(format: &dyn Format, value: &Plain) -> Option<Scalar> {
    written(format, value).find_map(|(doc, depth)| {
        let doc = doc.ok()?;
        let Some(NodeRef::Leaf(id)) = doc.find(&vec![PathSeg::Key(KEY.to_string()); depth]) else {
            return None;
        };
        match &doc.leaves[id].kind {
            LeafKind::Value(scalar) => Some(scalar.clone()),
            _ => None,
        }
    })
}

/// The key `value` is written under to read it back.
const KEY: &str = "data";

/// `value` written as a file of `format` under one key, or under a key of a section for
/// formats that need one, and parsed again; with that nesting depth.
fn written<'a>(
    format: &'a dyn Format,
    value: &'a Plain,
) -> impl Iterator<Item = (Result<Document, Error>, usize)> + 'a {
    (1..=2).filter_map(move |depth| {
        let wrapped = (0..depth).fold(value.clone(), |inner, _| {
            Plain::Map(vec![(KEY.to_string(), inner)])
        });
        let text = format.emit(&wrapped).ok()?;
        Some((format.parse(text), depth))
    })
}

/// The patches of `set` once the value is known to change.
fn set_patches(
    format: &dyn Format,
    doc: &Document,
    at: &[PathSeg],
    value: &Plain,
) -> Result<Vec<crate::tree::Patch>, Error> {
    let root = doc.branches.first().ok_or(Error::NoDocument)?;
    // The longest prefix of the path that exists, and the node there.
    let mut node = root;
    let mut depth = 0;
    while depth < at.len() {
        match child(doc, node, &at[depth]) {
            Some(next) => {
                node = next;
                depth += 1;
            }
            None => break,
        }
    }
    if depth == at.len() {
        // A scalar replaced by a scalar keeps its quoting and place.
        if let (Node::Leaf(id), Plain::Scalar(scalar)) = (node, value) {
            let leaf = &doc.leaves[*id];
            if matches!(leaf.kind, LeafKind::Value(_)) {
                let plain = crate::tree::Rendering::Plain(scalar.as_ref());
                if let Ok(patch) = format.patch(doc, leaf, plain) {
                    return Ok(vec![patch]);
                }
            }
        }
        return format.change(doc, at, Change::Replace(value));
    }
    let (here, rest) = at.split_at(depth);
    match (node, &rest[0]) {
        (Node::Map(_), PathSeg::Key(key)) => {
            let nested = nest(&rest[1..], value.clone());
            format.change(doc, here, Change::Insert(key, &nested))
        }
        (Node::List(_), PathSeg::Index(_)) => {
            let nested = nest(&rest[1..], value.clone());
            format.change(doc, here, Change::Append(&nested))
        }
        (Node::Map(_), PathSeg::Index(_)) | (Node::List(_), PathSeg::Key(_)) => {
            Err(mismatch(&at[..=depth]))
        }
        // A scalar or null in the way is replaced by the maps and lists the path needs.
        _ => {
            let nested = nest(rest, value.clone());
            format.change(doc, here, Change::Replace(&nested))
        }
    }
}

/// The child of a tree node one path step down (the first entry with that key, as sops).
fn child<'d>(doc: &'d Document, node: &'d Node, seg: &PathSeg) -> Option<&'d Node> {
    match (node, seg) {
        (Node::Map(items), PathSeg::Key(k)) => items.iter().find_map(|item| match item {
            MapItem::Pair(key, v) if key == k => Some(v),
            _ => None,
        }),
        (Node::List(items), PathSeg::Index(i)) => {
            items.iter().filter(|n| !doc.is_comment_node(n)).nth(*i)
        }
        _ => None,
    }
}

/// The value `value` wrapped in the maps and lists that `rest` names.
fn nest(rest: &[PathSeg], value: Plain) -> Plain {
    rest.iter().rev().fold(value, |inner, seg| match seg {
        PathSeg::Key(k) => Plain::Map(vec![(k.clone(), inner)]),
        PathSeg::Index(_) => Plain::List(vec![inner]),
    })
}

fn mismatch(at: &[PathSeg]) -> Error {
    Error::InvalidSet(format!(
        "{} does not fit the file: a quoted key indexes a map, a number a list",
        path::Display(at)
    ))
}

/// `set` on a plain tree; `false` when the value was already there.
fn set_plain(node: &mut Plain, at: &[PathSeg], value: Plain) -> Result<bool, Error> {
    let Some((seg, rest)) = at.split_first() else {
        let changed = *node != value;
        *node = value;
        return Ok(changed);
    };
    match (node, seg) {
        (Plain::Map(items), PathSeg::Key(k)) => match items.iter_mut().find(|(key, _)| key == k) {
            Some((_, v)) => set_plain(v, rest, value),
            None => {
                items.push((k.clone(), nest(rest, value)));
                Ok(true)
            }
        },
        (Plain::List(items), PathSeg::Index(i)) => match items.get_mut(*i) {
            Some(v) => set_plain(v, rest, value),
            None => {
                items.push(nest(rest, value));
                Ok(true)
            }
        },
        (Plain::Map(_), _) | (Plain::List(_), _) => Err(mismatch(at)),
        (node, _) => {
            let new = nest(at, value);
            let changed = *node != new;
            *node = new;
            Ok(changed)
        }
    }
}

/// `unset` on a plain tree.
fn unset_plain(node: &mut Plain, at: &[PathSeg], full: &[PathSeg]) -> Result<(), Error> {
    let not_found = || {
        Error::PathNotFound(format!(
            "{} is not in the file; nothing to unset (--idempotent accepts this)",
            path::Display(full)
        ))
    };
    let (seg, rest) = at.split_first().ok_or_else(not_found)?;
    match (node, seg) {
        (Plain::Map(items), PathSeg::Key(k)) => {
            let i = items
                .iter()
                .position(|(key, _)| key == k)
                .ok_or_else(not_found)?;
            if rest.is_empty() {
                items.remove(i);
                Ok(())
            } else {
                unset_plain(&mut items[i].1, rest, full)
            }
        }
        (Plain::List(items), PathSeg::Index(i)) => {
            if *i >= items.len() {
                return Err(not_found());
            }
            if rest.is_empty() {
                items.remove(*i);
                Ok(())
            } else {
                unset_plain(&mut items[*i], rest, full)
            }
        }
        _ => Err(not_found()),
    }
}

/// Parses the patched text and checks that it holds exactly the expected values.
fn verify(
    format: &dyn Format,
    text: &[u8],
    before: &[Plain],
    expected_first: Plain,
    at: &[PathSeg],
) -> Result<(), Error> {
    let failed = |why: String| {
        Error::Unsupported(format!(
            "cannot change {} in place ({why}); edit the file with `secrets edit` instead",
            path::Display(at)
        ))
    };
    let doc = format
        .parse(text.to_vec())
        .map_err(|e| failed(e.to_string()))?;
    let mut expected = before.to_vec();
    expected[0] = expected_first;
    if plain::typed_documents(&doc, &Stored) != expected {
        return Err(failed("the result would not read back as intended".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Scalar;

    fn s(v: &str) -> Plain {
        Plain::Scalar(Scalar::str(v))
    }

    #[test]
    fn plain_set_follows_sops() {
        let mut tree = Plain::Map(vec![("a".into(), s("x"))]);
        let p = crate::path::parse(r#"["a"]"#).unwrap();
        assert!(!set_plain(&mut tree, &p, s("x")).unwrap());
        assert!(set_plain(&mut tree, &p, s("y")).unwrap());
        // A scalar in the way becomes a map; a missing list index appends.
        let p = crate::path::parse(r#"["a"]["b"][5]"#).unwrap();
        assert!(set_plain(&mut tree, &p, s("z")).unwrap());
        assert_eq!(
            tree,
            Plain::Map(vec![(
                "a".into(),
                Plain::Map(vec![("b".into(), Plain::List(vec![s("z")]))])
            )])
        );
        let p = crate::path::parse(r#"["a"][0]"#).unwrap();
        assert!(matches!(
            set_plain(&mut tree, &p, s("z")),
            Err(Error::InvalidSet(_))
        ));
    }

    #[test]
    fn plain_unset_reports_missing_paths() {
        let mut tree = Plain::Map(vec![("a".into(), Plain::List(vec![s("x"), s("y")]))]);
        let p = crate::path::parse(r#"["a"][0]"#).unwrap();
        unset_plain(&mut tree, &p, &p).unwrap();
        assert_eq!(
            tree,
            Plain::Map(vec![("a".into(), Plain::List(vec![s("y")]))])
        );
        for missing in [r#"["a"][1]"#, r#"["b"]"#, r#"["a"][0]["c"]"#] {
            let p = crate::path::parse(missing).unwrap();
            assert!(matches!(
                unset_plain(&mut tree, &p, &p),
                Err(Error::PathNotFound(_))
            ));
        }
    }
}

//! `set`/`unset` in a dotenv file: a changed value is rewritten where it stands, a new key is
//! a new last line, a removed key loses its line.

use super::escape;
use crate::change::Change;
use crate::error::Error;
use crate::format::scalar_text;
use crate::path::PathSeg;
use crate::plain::Plain;
use crate::tree::{Document, MapItem, Node, Patch};

pub(super) fn change(
    doc: &Document,
    path: &[PathSeg],
    change: Change<'_>,
) -> Result<Vec<Patch>, Error> {
    let text = &doc.text;
    match (path, change) {
        ([], Change::Insert(key, value)) => {
            if key.is_empty() || key.contains(['=', '\n']) || key.starts_with('#') {
                return Err(Error::InvalidSet(format!(
                    "{key:?} cannot be a dotenv key (no '=', line break or leading '#')"
                )));
            }
            let mut line = Vec::new();
            let open_line = !text.is_empty() && !text.ends_with(b"\n");
            if open_line {
                line.push(b'\n');
            }
            line.extend_from_slice(key.as_bytes());
            line.push(b'=');
            line.extend(value_text(value)?);
            if !open_line {
                line.push(b'\n');
            }
            Ok(vec![Patch {
                range: text.len()..text.len(),
                text: line,
            }])
        }
        ([PathSeg::Key(key)], change) => {
            let span = entry(doc, key)?;
            match change {
                Change::Replace(value) => Ok(vec![Patch {
                    range: span,
                    text: value_text(value)?,
                }]),
                Change::Remove => {
                    let line_start = span.start - key.len() - 1;
                    let range = match text.get(span.end) {
                        Some(b'\n') => line_start..span.end + 1,
                        // The last line has no line break: take the one before it instead.
                        _ if line_start > 0 => line_start - 1..span.end,
                        _ => line_start..span.end,
                    };
                    Ok(vec![Patch {
                        range,
                        text: Vec::new(),
                    }])
                }
                Change::Insert(..) | Change::Append(_) => Err(nested()),
            }
        }
        _ => Err(nested()),
    }
}

/// The value span of the first entry with `key`.
fn entry(doc: &Document, key: &str) -> Result<std::ops::Range<usize>, Error> {
    let Some(Node::Map(items)) = doc.branches.first() else {
        return Err(Error::NoDocument);
    };
    items
        .iter()
        .find_map(|item| match item {
            MapItem::Pair(k, Node::Leaf(id)) if k == key => Some(doc.leaves[*id].span.clone()),
            _ => None,
        })
        .ok_or_else(|| Error::PathNotFound(format!("{key:?} is not in the file")))
}

fn value_text(value: &Plain) -> Result<Vec<u8>, Error> {
    match value {
        Plain::Scalar(s) => Ok(escape(&scalar_text(s.as_ref()))),
        Plain::Number(n) => Ok(n.as_bytes().to_vec()),
        Plain::Null => Ok(Vec::new()),
        Plain::Map(_) | Plain::List(_) => Err(nested()),
    }
}

fn nested() -> Error {
    Error::Emit("cannot use a complex value in a dotenv file: it holds only KEY=value lines".into())
}

#[cfg(test)]
mod tests {
    use crate::change;
    use crate::format::{Dotenv, Format};
    use crate::path::parse;
    use crate::plain::Plain;
    use crate::value::Scalar;

    fn doc(text: &str) -> crate::tree::Document {
        Dotenv.parse(text.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn lines_are_replaced_added_and_removed() {
        let text = "# c\nA=1\nB=two\n";
        let set = |at: &str, v: Plain| {
            let out = change::set(&Dotenv, &doc(text), &parse(at).unwrap(), &v).unwrap();
            String::from_utf8(out.text).unwrap()
        };
        assert_eq!(
            set(r#"["B"]"#, Plain::Scalar(Scalar::Int(3))),
            "# c\nA=1\nB=3\n"
        );
        assert_eq!(
            set(r#"["C"]"#, Plain::Scalar(Scalar::str("x\ny"))),
            "# c\nA=1\nB=two\nC=x\\ny\n"
        );
        let unset = |t: &str, at: &str| {
            String::from_utf8(change::unset(&Dotenv, &doc(t), &parse(at).unwrap()).unwrap())
                .unwrap()
        };
        assert_eq!(unset(text, r#"["A"]"#), "# c\nB=two\n");
        assert_eq!(unset("A=1\nB=2", r#"["B"]"#), "A=1");
        let nested = Plain::Map(vec![("x".into(), Plain::Null)]);
        assert!(change::set(&Dotenv, &doc(text), &parse(r#"["D"]"#).unwrap(), &nested).is_err());
    }
}

//! Three-way merge of decrypted structured files, value by value.
//!
//! Git merges encrypted files line by line, and every change of an encrypted file changes its
//! `mac` and `lastmodified` lines, so two branches that change different values always
//! conflict (sops issue 52). Merged decrypted, value by value, they do not: when the three
//! versions have the same keys in the same order, each value is taken from the side that
//! changed it. Values changed differently on both sides are conflicts. Files whose keys
//! differ are left to a line merge of their plaintext (`git merge-file`), which the caller
//! runs.

use crate::error::Error;
use crate::format::Format;
use crate::path::{self, PathSeg};
use crate::tree::{Document, LeafId, Patch};

/// The result of a value-level merge.
#[derive(Debug)]
pub struct ValueMerge {
    /// Ours with the values only theirs changed; on conflicts, ours' values stay.
    pub bytes: Vec<u8>,
    /// The paths changed differently on both sides, as `["key"][0]`.
    pub conflicts: Vec<String>,
}

/// One leaf's place: its path, and whether it is a comment.
type Place = (Vec<PathSeg>, bool);

fn places(doc: &Document) -> Vec<(Place, LeafId)> {
    let mut out = Vec::new();
    doc.walk(|v| out.push(((v.path.to_vec(), v.is_comment), v.leaf)));
    out
}

/// Merges three plaintext versions of a file of `format`. `None` when their keys (or
/// comments) are not the same in all three, so that no value-level merge exists.
pub fn merge_values(
    format: &dyn Format,
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
) -> Result<Option<ValueMerge>, Error> {
    let [base, ours, theirs] = [base, ours, theirs].map(|text| format.parse(text.to_vec()));
    let (base, ours, theirs) = (base?, ours?, theirs?);
    let [pb, po, pt] = [&base, &ours, &theirs].map(places);
    let same_places = |a: &[(Place, LeafId)], b: &[(Place, LeafId)]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.0 == y.0)
    };
    if !same_places(&pb, &po) || !same_places(&pb, &pt) {
        return Ok(None);
    }
    let mut patches = Vec::new();
    let mut conflicts = Vec::new();
    for ((place, b), ((_, o), (_, t))) in pb.iter().zip(po.iter().zip(&pt)) {
        let (rb, ro, rt) = (
            base.raw(&base.leaves[*b]),
            ours.raw(&ours.leaves[*o]),
            theirs.raw(&theirs.leaves[*t]),
        );
        if rt == rb || rt == ro {
            continue;
        }
        if ro == rb {
            patches.push(Patch {
                range: ours.leaves[*o].span.clone(),
                text: rt.to_vec(),
            });
        } else {
            conflicts.push(path::Display(&place.0).to_string());
        }
    }
    Ok(Some(ValueMerge {
        bytes: ours.apply(patches),
        conflicts,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::FileFormat;

    fn merge(format: FileFormat, base: &str, ours: &str, theirs: &str) -> Option<ValueMerge> {
        merge_values(
            format.format(),
            base.as_bytes(),
            ours.as_bytes(),
            theirs.as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn changes_of_different_values_merge() {
        let m = merge(
            FileFormat::Yaml,
            "a: 1\nb: 2 # note\nc: x\n",
            "a: 10\nb: 2 # note\nc: x\n",
            "a: 1\nb: 2 # note\nc: \"y\"\n",
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(m.bytes).unwrap(),
            "a: 10\nb: 2 # note\nc: \"y\"\n"
        );
        assert!(m.conflicts.is_empty());
    }

    #[test]
    fn adjacent_dotenv_lines_merge_too() {
        let m = merge(FileFormat::Dotenv, "A=1\nB=2\n", "A=3\nB=2\n", "A=1\nB=4\n").unwrap();
        assert_eq!(m.bytes, b"A=3\nB=4\n");
    }

    #[test]
    fn same_value_changed_twice_conflicts() {
        let m = merge(
            FileFormat::Json,
            r#"{"db": {"pw": "a"}, "x": 1}"#,
            r#"{"db": {"pw": "b"}, "x": 1}"#,
            r#"{"db": {"pw": "c"}, "x": 2}"#,
        )
        .unwrap();
        assert_eq!(m.conflicts, [r#"["db"]["pw"]"#]);
        assert_eq!(m.bytes, br#"{"db": {"pw": "b"}, "x": 2}"#);
        let same = merge(
            FileFormat::Json,
            r#"{"a": 1}"#,
            r#"{"a": 2}"#,
            r#"{"a": 2}"#,
        )
        .unwrap();
        assert!(same.conflicts.is_empty());
    }

    #[test]
    fn different_keys_need_a_line_merge() {
        assert!(merge(FileFormat::Yaml, "a: 1\n", "a: 1\nb: 2\n", "a: 3\n").is_none());
    }
}

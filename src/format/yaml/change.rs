//! `set`/`unset` in a YAML file, in its own layout: a value is rewritten after its `key:` or
//! `-`, a new entry goes after the last one of its map or list at the same column (inside
//! the brackets of a flow collection), a removed entry takes its lines (or its comma) along.
//! Nested values are written in block style with the file's indentation step.

use std::ops::Range;

use super::parse::{self, line_start, Built, Child, Item};
use super::write;
use crate::change::Change;
use crate::error::Error;
use crate::path::{self, PathSeg};
use crate::plain::Plain;
use crate::tree::{Document, Patch};

pub(super) fn change(
    doc: &Document,
    at: &[PathSeg],
    change: Change<'_>,
) -> Result<Vec<Patch>, Error> {
    let text = std::str::from_utf8(&doc.text)
        .map_err(|_| Error::Unsupported("the file is not UTF-8".into()))?;
    let built = parse::build(&doc.text, text)?;
    let file = File {
        text: &doc.text,
        step: super::indent_step(&built).max(1),
        crlf: text.contains("\r\n"),
        built: &built,
    };
    let mut patches = match change {
        Change::Replace(value) => {
            let (c, i) = file.parent_of(at)?;
            vec![file.replace(c, i, value)?]
        }
        Change::Insert(key, value) => match file.container_at(at)? {
            Some(c) if file.built.containers[c].is_map => file.add(c, Some(key), value)?,
            Some(_) => return Err(mismatch(at)),
            None => file.first_entry(key, value)?,
        },
        Change::Append(value) => match file.container_at(at)? {
            Some(c) if !file.built.containers[c].is_map => file.add(c, None, value)?,
            _ => return Err(mismatch(at)),
        },
        Change::Remove => {
            let (c, i) = file.parent_of(at)?;
            file.remove(c, i, at)?
        }
    };
    if file.crlf {
        for p in &mut patches {
            p.text = String::from_utf8_lossy(&p.text)
                .replace('\n', "\r\n")
                .into_bytes();
        }
    }
    Ok(patches)
}

fn mismatch(at: &[PathSeg]) -> Error {
    Error::InvalidSet(format!(
        "{} does not fit the file: a quoted key indexes a map, a number a list",
        path::Display(at)
    ))
}

fn missing(at: &[PathSeg]) -> Error {
    Error::PathNotFound(format!("{} is not in the file", path::Display(at)))
}

struct File<'a> {
    text: &'a [u8],
    step: usize,
    crlf: bool,
    built: &'a Built,
}

/// An entry of a container: where it starts and its value.
struct Entry<'b> {
    start: usize,
    value: &'b Child,
}

impl<'a> File<'a> {
    /// The entries (not comments) of container `c`.
    fn entries(&self, c: usize) -> Vec<Entry<'a>> {
        self.built.containers[c]
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Entry { start, value, .. } => Some(Entry {
                    start: *start,
                    value,
                }),
                Item::Comment { .. } => None,
            })
            .collect()
    }

    /// The index among the entries of `c` that `seg` names (the first entry with a key).
    fn find(&self, c: usize, seg: &PathSeg) -> Option<usize> {
        let container = &self.built.containers[c];
        let entries = container.items.iter().filter_map(|item| match item {
            Item::Entry { key, .. } => Some(key),
            Item::Comment { .. } => None,
        });
        match seg {
            PathSeg::Key(k) if container.is_map => entries
                .enumerate()
                .find_map(|(i, key)| key.as_ref().is_some_and(|key| key == k).then_some(i)),
            PathSeg::Index(i) if !container.is_map => (*i < entries.count()).then_some(*i),
            _ => None,
        }
    }

    /// The container at `at` in the first document; `None` for a document without content.
    fn container_at(&self, at: &[PathSeg]) -> Result<Option<usize>, Error> {
        let Some(mut c) = self.built.documents.first().and_then(|d| d.root) else {
            return if at.is_empty() {
                Ok(None)
            } else {
                Err(missing(at))
            };
        };
        for (depth, seg) in at.iter().enumerate() {
            let i = self.find(c, seg).ok_or_else(|| missing(&at[..=depth]))?;
            match self.entries(c)[i].value {
                Child::Container(next) => c = *next,
                Child::AliasOf(_) => {
                    return Err(Error::Unsupported(format!(
                        "{} is an alias of another collection; change the anchored original",
                        path::Display(&at[..=depth])
                    )))
                }
                _ => return Err(missing(&at[..=depth])),
            }
        }
        Ok(Some(c))
    }

    /// The container holding the last step of `at` and the entry's index there.
    fn parent_of(&self, at: &[PathSeg]) -> Result<(usize, usize), Error> {
        let (last, parent) = at.split_last().ok_or_else(|| missing(at))?;
        let c = self.container_at(parent)?.ok_or_else(|| missing(at))?;
        let i = self.find(c, last).ok_or_else(|| missing(at))?;
        Ok((c, i))
    }

    /// The end of the first token that starts at `pos` (a map key), or `pos`.
    fn token_end_at(&self, pos: usize) -> usize {
        let tokens = &self.built.tokens;
        let i = tokens.partition_point(|t| t.start < pos);
        match tokens.get(i) {
            Some(t) if t.start == pos => t.end,
            _ => pos,
        }
    }

    /// Just after the `:` of the map entry starting at `start`.
    fn after_colon(&self, start: usize) -> usize {
        let mut pos = self.token_end_at(start);
        while pos < self.text.len() && self.text[pos] != b':' {
            pos += 1;
        }
        (pos + 1).min(self.text.len())
    }

    /// Where the value of entry `i` of `c` ends (its last token).
    fn value_end(&self, c: usize, i: usize) -> usize {
        let entries = self.entries(c);
        let entry = &entries[i];
        match entry.value {
            Child::Container(n) => self.built.containers[*n].last_token_end,
            Child::Leaf(l) => self.built.leaves[*l].span.end,
            Child::Null | Child::AliasOf(_) => {
                // The value's own token (`null`, `~`, `*alias`, or nothing after `key:`).
                let container = &self.built.containers[c];
                let bound = entries
                    .get(i + 1)
                    .map_or(container.last_token_end + 1, |next| next.start);
                let floor = if container.is_map {
                    self.after_colon(entry.start)
                } else {
                    entry.start + 1
                };
                self.built
                    .tokens
                    .iter()
                    .filter(|t| t.start >= entry.start && t.start < bound)
                    .map(|t| t.end)
                    .fold(floor, usize::max)
            }
        }
    }

    fn line_end(&self, pos: usize) -> usize {
        let nl = self.text[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.text.len(), |i| pos + i);
        if nl > pos && self.text[nl - 1] == b'\r' {
            nl - 1
        } else {
            nl
        }
    }

    /// The range of the whole lines from `start`'s line to `end`'s, with the line break
    /// after them (or, on a last line without one, the line break before them).
    fn lines(&self, start: usize, end: usize) -> Range<usize> {
        let first = line_start(self.text, start);
        let last = self.line_end(end);
        match self.text[last..].iter().position(|&b| b == b'\n') {
            Some(i) => first..last + i + 1,
            None if first > 0 => first - 1..last,
            None => first..last,
        }
    }

    /// Column of a container's entries.
    fn col(&self, c: usize) -> usize {
        self.built.containers[c].col.unwrap_or(0)
    }

    /// Writes `value` as the value of entry `i` of `c`, keeping its key or dash.
    fn replace(&self, c: usize, i: usize, value: &Plain) -> Result<Patch, Error> {
        let container = &self.built.containers[c];
        let start = self.entries(c)[i].start;
        let end = self.value_end(c, i);
        let (from, text) = match (container.flow, container.is_map) {
            (true, true) => (self.after_colon(start), format!(" {}", flow(value))),
            (true, false) => (start, flow(value)),
            (false, true) => (self.after_colon(start), self.block_after_key(value, c)?),
            (false, false) => (start + 1, self.block_after_dash(value, c)?),
        };
        Ok(Patch {
            range: from..end.max(from),
            text: text.into_bytes(),
        })
    }

    /// The text after `key:` of a block map at the column of `c`.
    fn block_after_key(&self, value: &Plain, c: usize) -> Result<String, Error> {
        let col = self.col(c);
        let mut out = String::new();
        let entry = Plain::Map(vec![("k".into(), value.clone())]);
        write::emit_block(&mut out, &entry, col, self.step)?;
        Ok(strip_line(&out[col + "k:".len()..]))
    }

    /// The text after the `-` of a block list at the column of `c`.
    fn block_after_dash(&self, value: &Plain, c: usize) -> Result<String, Error> {
        let col = self.col(c);
        let mut out = String::new();
        write::emit_block(&mut out, &Plain::List(vec![value.clone()]), col, self.step)?;
        Ok(strip_line(&out[col + "-".len()..]))
    }

    /// A new last entry of `c`: `key: value` for a map, `- value` for a list.
    fn add(&self, c: usize, key: Option<&str>, value: &Plain) -> Result<Vec<Patch>, Error> {
        let container = &self.built.containers[c];
        let entries = self.entries(c);
        let last = entries.len().checked_sub(1);
        if container.flow {
            let item = match key {
                Some(k) => format!("{}: {}", write::inline_string(k, true), flow(value)),
                None => flow(value),
            };
            let (at, text) = match last {
                Some(i) => (self.value_end(c, i), format!(", {item}")),
                // An empty `{}`/`[]`: inside its brackets.
                None => (container.last_token_end.saturating_sub(1), item),
            };
            return Ok(vec![Patch {
                range: at..at,
                text: text.into_bytes(),
            }]);
        }
        let Some(last) = last else {
            return Err(Error::Unsupported("an empty block collection".into()));
        };
        let col = self.col(c);
        let mut out = String::from("\n");
        let entry = match key {
            Some(k) => Plain::Map(vec![(k.to_string(), value.clone())]),
            None => Plain::List(vec![value.clone()]),
        };
        write::emit_block(&mut out, &entry, col, self.step)?;
        let at = self.line_end(self.value_end(c, last));
        Ok(vec![Patch {
            range: at..at,
            text: strip_line(&out).into_bytes(),
        }])
    }

    /// The first entry of a document that has no content yet (only comments, or nothing).
    fn first_entry(&self, key: &str, value: &Plain) -> Result<Vec<Patch>, Error> {
        let end = self
            .built
            .documents
            .first()
            .map_or(self.text.len(), |d| d.end);
        let mut out = String::new();
        if end > 0 && self.text[end - 1] != b'\n' {
            out.push('\n');
        }
        let entry = Plain::Map(vec![(key.to_string(), value.clone())]);
        write::emit_block(&mut out, &entry, 0, self.step)?;
        Ok(vec![Patch {
            range: end..end,
            text: out.into_bytes(),
        }])
    }

    /// Removes entry `i` of `c`; a collection left empty becomes `{}` or `[]`.
    fn remove(&self, c: usize, i: usize, at: &[PathSeg]) -> Result<Vec<Patch>, Error> {
        let container = &self.built.containers[c];
        let entries = self.entries(c);
        let start = entries[i].start;
        let end = self.value_end(c, i);
        if container.flow {
            let range = match (i, entries.len()) {
                (_, 1) => start..end,
                (i, n) if i + 1 < n => start..entries[i + 1].start,
                (i, _) => self.value_end(c, i - 1)..end,
            };
            return Ok(vec![Patch {
                range,
                text: Vec::new(),
            }]);
        }
        if entries.len() == 1 {
            let empty = if container.is_map {
                Plain::Map(Vec::new())
            } else {
                Plain::List(Vec::new())
            };
            let parent = &at[..at.len() - 1];
            return match parent.split_last() {
                Some(_) => {
                    let (pc, pi) = self.parent_of(parent)?;
                    Ok(vec![self.replace(pc, pi, &empty)?])
                }
                // The root map of the document: its only entry gives way to `{}`.
                None => {
                    let range = self.lines(start, end);
                    let keeps_break = self.text[range.clone()].ends_with(b"\n");
                    let text = if keeps_break { "{}\n" } else { "\n{}" };
                    Ok(vec![Patch {
                        range,
                        text: text.as_bytes().to_vec(),
                    }])
                }
            };
        }
        let own_line = self.text[line_start(self.text, start)..start]
            .iter()
            .all(|&b| b == b' ');
        let range = if own_line {
            self.lines(start, end)
        } else {
            // The first entry of a map that starts on its list item's `- ` line: the next
            // entry moves up onto that line.
            start..entries[i + 1].start
        };
        Ok(vec![Patch {
            range,
            text: Vec::new(),
        }])
    }
}

/// Emitted block text without the line break that ends it.
fn strip_line(s: &str) -> String {
    s.strip_suffix('\n').unwrap_or(s).to_string()
}

/// A value in flow style, for inside `{...}` and `[...]`.
fn flow(value: &Plain) -> String {
    match value {
        Plain::Null => "null".into(),
        Plain::Scalar(s) => write::inline_scalar(s.as_ref(), true),
        Plain::Number(n) => n.clone(),
        Plain::Map(items) => {
            let inner: Vec<String> = items
                .iter()
                .map(|(k, v)| format!("{}: {}", write::inline_string(k, true), flow(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        Plain::List(items) => {
            let inner: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", inner.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::change;
    use crate::format::{Format, Yaml};
    use crate::path::parse;
    use crate::plain::Plain;
    use crate::value::Scalar;

    fn set(text: &str, at: &str, value: Plain) -> String {
        let doc = Yaml.parse(text.as_bytes().to_vec()).unwrap();
        let out = change::set(&Yaml, &doc, &parse(at).unwrap(), &value).unwrap();
        String::from_utf8(out.text).unwrap()
    }

    fn unset(text: &str, at: &str) -> String {
        let doc = Yaml.parse(text.as_bytes().to_vec()).unwrap();
        String::from_utf8(change::unset(&Yaml, &doc, &parse(at).unwrap()).unwrap()).unwrap()
    }

    fn s(v: &str) -> Plain {
        Plain::Scalar(Scalar::str(v))
    }

    #[test]
    fn sets_in_the_files_layout() {
        let text = "# head\na:\n  b: 'x' # keep\n  c: [1, 2]\nd: null\n";
        assert_eq!(
            set(text, r#"["a"]["b"]"#, s("y")),
            "# head\na:\n  b: 'y' # keep\n  c: [1, 2]\nd: null\n"
        );
        assert_eq!(
            set(text, r#"["a"]["e"]"#, s("new")),
            "# head\na:\n  b: 'x' # keep\n  c: [1, 2]\n  e: new\nd: null\n"
        );
        assert_eq!(
            set(text, r#"["a"]["c"][5]"#, Plain::Scalar(Scalar::Int(3))),
            "# head\na:\n  b: 'x' # keep\n  c: [1, 2, 3]\nd: null\n"
        );
        assert_eq!(
            set(text, r#"["d"]["x"]"#, s("why")),
            "# head\na:\n  b: 'x' # keep\n  c: [1, 2]\nd:\n  x: why\n"
        );
        assert_eq!(
            set(text, r#"["nn"]["m"]"#, Plain::List(vec![s("p")])),
            "# head\na:\n  b: 'x' # keep\n  c: [1, 2]\nd: null\nnn:\n  m:\n    - p\n"
        );
    }

    #[test]
    fn block_lists_and_items() {
        let text = "l:\n  - a: 1\n    b: 2\n  - z\n";
        assert_eq!(
            set(text, r#"["l"][9]"#, s("w")),
            "l:\n  - a: 1\n    b: 2\n  - z\n  - w\n"
        );
        assert_eq!(unset(text, r#"["l"][0]["a"]"#), "l:\n  - b: 2\n  - z\n");
        assert_eq!(unset(text, r#"["l"][0]["b"]"#), "l:\n  - a: 1\n  - z\n");
        assert_eq!(unset(text, r#"["l"][1]"#), "l:\n  - a: 1\n    b: 2\n");
        assert_eq!(unset("l:\n  - z\nk: 1\n", r#"["l"][0]"#), "l: []\nk: 1\n");
        assert_eq!(unset("k: 1\n", r#"["k"]"#), "{}\n");
        assert_eq!(unset("a: {x: 1, y: 2}\n", r#"["a"]["x"]"#), "a: {y: 2}\n");
        assert_eq!(unset("a: {x: 1, y: 2}\n", r#"["a"]["y"]"#), "a: {x: 1}\n");
    }

    #[test]
    fn crlf_and_missing_final_newline() {
        assert_eq!(
            set("a: 1\r\nb: 2", r#"["c"]"#, s("3")),
            "a: 1\r\nb: 2\r\nc: \"3\""
        );
        assert_eq!(unset("a: 1\nb: 2", r#"["b"]"#), "a: 1");
    }
}

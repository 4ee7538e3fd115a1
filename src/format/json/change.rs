//! `set`/`unset` in a JSON file: a value is rewritten where it stands, a new member or element
//! goes after the last one with the same indentation, a removed one takes its comma along.

use std::ops::Range;

use super::{write_string, write_value, Parser, State};
use crate::change::Change;
use crate::error::Error;
use crate::path::{self, PathSeg};
use crate::plain::Plain;
use crate::text::Key;
use crate::tree::{Document, Patch};

/// An object or array of the text.
struct Container {
    /// Offset of its `{` or `[`.
    open: usize,
    /// Offset of its `}` or `]`.
    close: usize,
    is_object: bool,
    members: Vec<Member>,
}

/// A member of an object (or an element of an array).
struct Member {
    key: Option<Key>,
    /// Where its key (or the element) starts.
    start: usize,
    value: Range<usize>,
}

pub(super) fn change(
    doc: &Document,
    at: &[PathSeg],
    change: Change<'_>,
) -> Result<Vec<Patch>, Error> {
    let text = &doc.text;
    let state: &State = doc.state();
    let style = Style {
        text,
        unit: state.indent.as_deref(),
        newline: state.newline,
    };
    match change {
        Change::Insert(key, value) => style.add(&container_at(text, at)?, Some(key), value),
        Change::Append(value) => style.add(&container_at(text, at)?, None, value),
        Change::Replace(value) => {
            let (parent, i) = parent_of(text, at)?;
            let member = &parent.members[i];
            let mut out = String::new();
            style.write(&mut out, value, &style.indent_of(member.start))?;
            Ok(vec![Patch {
                range: member.value.clone(),
                text: out.into_bytes(),
            }])
        }
        Change::Remove => {
            let (parent, i) = parent_of(text, at)?;
            let m = &parent.members;
            let range = match (i, m.len()) {
                (_, 1) => parent.open + 1..parent.close,
                (i, n) if i + 1 < n => m[i].start..m[i + 1].start,
                (i, _) => m[i - 1].value.end..m[i].value.end,
            };
            Ok(vec![Patch {
                range,
                text: Vec::new(),
            }])
        }
    }
}

/// How the file writes values.
struct Style<'t> {
    text: &'t [u8],
    /// One level of indentation; `None` for JSON on one line.
    unit: Option<&'t str>,
    newline: &'static str,
}

impl Style<'_> {
    /// The whitespace before `pos` on its line, when only whitespace precedes it there.
    fn indent_of(&self, pos: usize) -> String {
        let start = self.text[..pos]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let before = &self.text[start..pos];
        if before.iter().all(|b| matches!(b, b' ' | b'\t')) {
            String::from_utf8_lossy(before).into_owned()
        } else {
            String::new()
        }
    }

    /// Writes `value` for a place whose line is indented by `indent`.
    fn write(&self, out: &mut String, value: &Plain, indent: &str) -> Result<(), Error> {
        match self.unit.filter(|u| !u.is_empty()) {
            Some(unit) => {
                let level = indent.len() / unit.len();
                write_value(out, value, Some((unit, self.newline)), level)
            }
            None => write_value(out, value, None, 0),
        }
    }

    /// A new last member or element of `c`.
    fn add(&self, c: &Container, key: Option<&str>, value: &Plain) -> Result<Vec<Patch>, Error> {
        if c.is_object != key.is_some() {
            return Err(Error::InvalidSet(
                "a quoted key indexes an object, a number an array".into(),
            ));
        }
        let entry = |out: &mut String, indent: &str| -> Result<(), Error> {
            if let Some(key) = key {
                write_string(out, key);
                out.push_str(": ");
            }
            self.write(out, value, indent)
        };
        let mut out = String::new();
        let Some(last) = c.members.last() else {
            // An empty `{}`/`[]`: one level in from the container's line, if the file is
            // written on several lines.
            let start = line_start(self.text, c.open);
            let outer: String = self.text[start..c.open]
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t'))
                .map(|&b| b as char)
                .collect();
            return Ok(vec![match self.unit {
                Some(unit) => {
                    let inner = format!("{outer}{unit}");
                    out.push_str(self.newline);
                    out.push_str(&inner);
                    entry(&mut out, &inner)?;
                    out.push_str(self.newline);
                    out.push_str(&outer);
                    Patch {
                        range: c.open + 1..c.close,
                        text: out.into_bytes(),
                    }
                }
                None => {
                    entry(&mut out, "")?;
                    Patch {
                        range: c.open + 1..c.close,
                        text: out.into_bytes(),
                    }
                }
            }]);
        };
        let indent = self.indent_of(last.start);
        let on_own_line = line_start(self.text, last.start) > c.open;
        out.push(',');
        if on_own_line {
            out.push_str(self.newline);
            out.push_str(&indent);
        } else {
            out.push(' ');
        }
        entry(&mut out, &indent)?;
        Ok(vec![Patch {
            range: last.value.end..last.value.end,
            text: out.into_bytes(),
        }])
    }
}

fn line_start(text: &[u8], pos: usize) -> usize {
    text[..pos]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1)
}

/// The container holding the last step of `at`, and the index of its member there.
fn parent_of(text: &[u8], at: &[PathSeg]) -> Result<(Container, usize), Error> {
    let (last, parent) = at.split_last().ok_or_else(|| missing(at))?;
    let c = container_at(text, parent)?;
    let i = member(&c, last).ok_or_else(|| missing(at))?;
    Ok((c, i))
}

/// The object or array at `at`.
fn container_at(text: &[u8], at: &[PathSeg]) -> Result<Container, Error> {
    let root = text
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .ok_or(Error::NoDocument)?;
    let mut c = scan(text, root)?;
    for (depth, seg) in at.iter().enumerate() {
        let i = member(&c, seg).ok_or_else(|| missing(&at[..=depth]))?;
        let start = c.members[i].value.start;
        if !matches!(text[start], b'{' | b'[') {
            return Err(missing(&at[..=depth]));
        }
        c = scan(text, start)?;
    }
    Ok(c)
}

fn member(c: &Container, seg: &PathSeg) -> Option<usize> {
    match seg {
        PathSeg::Key(k) => c
            .members
            .iter()
            .position(|m| m.key.as_ref().is_some_and(|m| m == k)),
        PathSeg::Index(i) => (!c.is_object && *i < c.members.len()).then_some(*i),
    }
}

fn missing(at: &[PathSeg]) -> Error {
    Error::PathNotFound(format!("{} is not in the file", path::Display(at)))
}

/// The members of the object or array whose `{`/`[` is at `open`.
fn scan(text: &[u8], open: usize) -> Result<Container, Error> {
    let is_object = text[open] == b'{';
    let close = if is_object { b'}' } else { b']' };
    let mut p = Parser::new(text, open + 1)?;
    let mut members = Vec::new();
    p.skip_ws();
    if p.peek() == Some(close) {
        return Ok(Container {
            open,
            close: p.pos,
            is_object,
            members,
        });
    }
    loop {
        p.skip_ws();
        let start = p.pos;
        let key = if is_object { Some(p.key()?) } else { None };
        let value_start = p.pos;
        p.skip_value()?;
        members.push(Member {
            key,
            start,
            value: value_start..p.pos,
        });
        p.skip_ws();
        match p.next() {
            Some(b',') => continue,
            Some(c) if c == close => {
                return Ok(Container {
                    open,
                    close: p.pos - 1,
                    is_object,
                    members,
                })
            }
            _ => return Err(p.error_before("expected ',' or the end of the object or array")),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::change;
    use crate::format::{Format, Json};
    use crate::path::parse;
    use crate::plain::Plain;
    use crate::value::Scalar;

    fn set(text: &str, at: &str, value: &str) -> String {
        let doc = Json.parse(text.as_bytes().to_vec()).unwrap();
        let value = change::parse_json_value(value).unwrap();
        let out = change::set(&Json, &doc, &parse(at).unwrap(), &value).unwrap();
        String::from_utf8(out.text).unwrap()
    }

    fn unset(text: &str, at: &str) -> String {
        let doc = Json.parse(text.as_bytes().to_vec()).unwrap();
        String::from_utf8(change::unset(&Json, &doc, &parse(at).unwrap()).unwrap()).unwrap()
    }

    #[test]
    fn members_keep_the_files_indentation() {
        let text = "{\n  \"a\": {\n    \"b\": 1\n  },\n  \"l\": []\n}\n";
        assert_eq!(
            set(text, r#"["a"]["c"]"#, r#"{"d": true}"#),
            "{\n  \"a\": {\n    \"b\": 1,\n    \"c\": {\n      \"d\": true\n    }\n  },\n  \"l\": []\n}\n"
        );
        assert_eq!(
            set(text, r#"["l"][0]"#, r#""x""#),
            "{\n  \"a\": {\n    \"b\": 1\n  },\n  \"l\": [\n    \"x\"\n  ]\n}\n"
        );
        assert_eq!(set(text, r#"["a"]["b"]"#, "2"), text.replace('1', "2"));
        assert_eq!(unset(text, r#"["a"]"#), "{\n  \"l\": []\n}\n");
        assert_eq!(
            unset(text, r#"["l"]"#),
            "{\n  \"a\": {\n    \"b\": 1\n  }\n}\n"
        );
        assert_eq!(
            unset(text, r#"["a"]["b"]"#),
            "{\n  \"a\": {},\n  \"l\": []\n}\n"
        );
    }

    #[test]
    fn one_line_json_stays_on_one_line() {
        assert_eq!(set(r#"{"a": [1]}"#, r#"["a"][3]"#, "2"), r#"{"a": [1, 2]}"#);
        assert_eq!(
            set(r#"{"a": null}"#, r#"["a"]["b"]"#, "2"),
            r#"{"a": {"b": 2}}"#
        );
        let doc = Json.parse(br#"{"a": 1}"#.to_vec()).unwrap();
        let same = Plain::Scalar(Scalar::Float(1.0));
        let out = change::set(&Json, &doc, &parse(r#"["a"]"#).unwrap(), &same).unwrap();
        assert!(!out.changed);
    }
}

//! Writing YAML scalars and block trees so that `yaml.v3` reads back the same values.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use super::resolve::{resolve, Resolved};
use crate::error::Error;
use crate::plain::Plain;
use crate::value::{Scalar, ScalarRef};

/// Whether `s` can be written as a plain scalar that reads back as this same string.
pub fn plain_ok(s: &str, in_flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let last = s.chars().next_back().expect("non-empty");
    if first.is_whitespace() || last.is_whitespace() || last == ':' {
        return false;
    }
    if s.chars()
        .any(|c| !printable(c) || c == '\t' || c == '\n' || c == '\r')
    {
        return false;
    }
    let second = s.chars().nth(1);
    match first {
        '-' | '?' | ':' => {
            // Indicators may start a plain scalar when a non-space character follows.
            match second {
                None | Some(' ') => return false,
                Some(c) if in_flow && ",[]{}".contains(c) => return false,
                _ => {}
            }
        }
        ',' | '[' | ']' | '{' | '}' | '#' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%'
        | '@' | '`' => return false,
        _ => {}
    }
    if s.contains(": ") || s.contains(" #") || s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    if in_flow && s.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    if in_flow && s.contains(":") {
        return false;
    }
    matches!(resolve("", false, s), Ok(Resolved::Str))
}

/// Whether plain `s` would read as something other than this string: to yaml.v3, or to a
/// YAML 1.1 reader for which `yes`, `on`, `n` are booleans (yaml.v3 quotes those too).
fn reads_as_other_type(s: &str) -> bool {
    const OLD_BOOLS: [&str; 16] = [
        "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off",
        "OFF",
    ];
    OLD_BOOLS.contains(&s) || !matches!(resolve("", false, s), Ok(Resolved::Str))
}

/// Characters YAML allows unescaped.
fn printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7E}' | '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

/// `s` in double quotes.
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if (c as u32) < 0x20 || c == '\u{7F}' => {
                out.push_str(&format!("\\x{:02X}", c as u32))
            }
            '\u{FEFF}' => out.push_str("\\uFEFF"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `s` in single quotes, when it can be written so on one line.
pub fn single_quoted(s: &str) -> Option<String> {
    if s.chars()
        .any(|c| !printable(c) || c == '\n' || c == '\r' || c == '\t')
    {
        return None;
    }
    Some(format!("'{}'", s.replace('\'', "''")))
}

/// A float as YAML text that reads back as a float.
pub fn float_text(f: f64) -> String {
    if f.is_nan() {
        ".nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { ".inf" } else { "-.inf" }.into()
    } else {
        format!("{f:?}")
    }
}

/// A string that fits on one line: plain if possible, else quoted.
pub fn inline_string(s: &str, in_flow: bool) -> String {
    if plain_ok(s, in_flow) && !reads_as_other_type(s) {
        return s.to_string();
    }
    // As yaml.v3: text that would read as another type is double-quoted, other text that
    // cannot be plain single-quoted when it can be.
    match single_quoted(s) {
        Some(single) if !reads_as_other_type(s) => single,
        _ => double_quoted(s),
    }
}

/// A scalar on one line (strings quoted as needed, non-UTF-8 strings as `!!binary`).
pub fn inline_scalar(s: ScalarRef<'_>, in_flow: bool) -> String {
    match s {
        ScalarRef::Str(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) if !text.contains('\n') => inline_string(text, in_flow),
            Ok(text) => double_quoted(text),
            Err(_) => format!("!!binary {}", B64.encode(bytes)),
        },
        ScalarRef::Int(i) => i.to_string(),
        ScalarRef::Float(f) => float_text(f),
        ScalarRef::Bool(b) => b.to_string(),
        ScalarRef::Time(t) => t.to_string(),
    }
}

/// The lines of a literal block (`|`) holding `value`, each indented by `indent`, and the
/// chomping indicator; `None` when a literal block cannot hold it exactly.
pub fn literal_lines(value: &str, indent: usize) -> Option<(&'static str, Vec<String>)> {
    let content = value.trim_end_matches('\n');
    let trailing = value.len() - content.len();
    if content.is_empty()
        || content.contains('\r')
        || content.chars().any(|c| !printable(c))
        || content
            .split('\n')
            .find(|l| !l.is_empty())
            .is_some_and(|l| l.starts_with(' ') || l.starts_with('\t'))
    {
        return None;
    }
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let pad = " ".repeat(indent);
    let lines = content
        .split('\n')
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect();
    Some((chomp, lines))
}

/// Writes `value` as block YAML: a map's entries at column `indent`, nested levels `step`
/// further in.
pub fn emit_block(
    out: &mut String,
    value: &Plain,
    indent: usize,
    step: usize,
) -> Result<(), Error> {
    match value {
        Plain::Map(items) if !items.is_empty() => {
            for (key, v) in items {
                out.push_str(&" ".repeat(indent));
                out.push_str(&inline_string(key, false));
                out.push(':');
                emit_after_key(out, v, indent, step)?;
            }
        }
        Plain::List(items) if !items.is_empty() => {
            for v in items {
                let mut child = String::new();
                emit_item(&mut child, v, indent + 2, step)?;
                // The item's first line starts right after "- ".
                out.push_str(&" ".repeat(indent));
                out.push_str("- ");
                out.push_str(child.trim_start_matches(' '));
            }
        }
        other => {
            out.push_str(&" ".repeat(indent));
            emit_item(out, other, indent, step)?;
        }
    }
    Ok(())
}

/// A map value, after `key:`.
fn emit_after_key(out: &mut String, v: &Plain, indent: usize, step: usize) -> Result<(), Error> {
    match v {
        Plain::Map(items) if !items.is_empty() => {
            out.push('\n');
            emit_block(out, v, indent + step, step)
        }
        Plain::List(items) if !items.is_empty() => {
            out.push('\n');
            emit_block(out, v, indent + step, step)
        }
        _ => {
            out.push(' ');
            emit_scalar_or_empty(out, v, indent + step)
        }
    }
}

/// A list item's content, starting at column `indent`.
fn emit_item(out: &mut String, v: &Plain, indent: usize, step: usize) -> Result<(), Error> {
    match v {
        Plain::Map(items) if !items.is_empty() => emit_block(out, v, indent, step),
        Plain::List(items) if !items.is_empty() => emit_block(out, v, indent, step),
        _ => {
            out.push_str(&" ".repeat(indent));
            emit_scalar_or_empty(out, v, indent + step)
        }
    }
}

/// A scalar, `null`, `{}` or `[]` and its line break; multi-line strings as literal blocks
/// with content at `block_indent`.
fn emit_scalar_or_empty(out: &mut String, v: &Plain, block_indent: usize) -> Result<(), Error> {
    match v {
        Plain::Null => out.push_str("null"),
        Plain::Number(n) if n.parse::<i64>().is_err() && n.parse::<u64>().is_ok() => {
            return Err(Error::Emit(format!(
                "the integer {n} does not fit in 64 bits, and YAML as sops reads it cannot hold it; choose --output-type json"
            )))
        }
        Plain::Number(n) => out.push_str(n),
        Plain::Map(_) => out.push_str("{}"),
        Plain::List(_) => out.push_str("[]"),
        Plain::Scalar(s) => match multi_line(s) {
            Some(text) => match literal_lines(text, block_indent) {
                Some((chomp, lines)) => {
                    out.push('|');
                    out.push_str(chomp);
                    for l in lines {
                        out.push('\n');
                        out.push_str(&l);
                    }
                    let extra = text.len() - text.trim_end_matches('\n').len();
                    for _ in 1..extra {
                        out.push('\n');
                    }
                }
                None => out.push_str(&double_quoted(text)),
            },
            None => out.push_str(&inline_scalar(s.as_ref(), false)),
        },
    }
    out.push('\n');
    Ok(())
}

/// The text of a multi-line UTF-8 string.
fn multi_line(s: &Scalar) -> Option<&str> {
    let text = std::str::from_utf8(s.as_bytes()?).ok()?;
    text.contains('\n').then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_only_when_it_reads_back() {
        for ok in [
            "hello",
            "-foo",
            "ENC[AES256_GCM,data:abc=,iv:x,tag:y,type:str]",
            "^(password|token)$",
            "a:b",
            "3.11.0",
        ] {
            assert!(plain_ok(ok, false), "{ok}");
        }
        for bad in [
            "",
            " x",
            "x ",
            "42",
            "true",
            "null",
            "- x",
            "a: b",
            "a #b",
            "#x",
            "*x",
            "2024-01-02",
            "x:",
            "'q'",
            "line\nbreak",
        ] {
            assert!(!plain_ok(bad, false), "{bad}");
        }
        assert!(!plain_ok("a,b", true));
        assert!(plain_ok("a,b", false));
    }

    #[test]
    fn quoting() {
        assert_eq!(double_quoted("a\"b\\c\nd\u{1}"), r#""a\"b\\c\nd\x01""#);
        assert_eq!(single_quoted("it's"), Some("'it''s'".into()));
        assert_eq!(single_quoted("a\nb"), None);
        // Plain where yaml.v3 reads it back, quoted on output for YAML 1.1 readers.
        assert!(plain_ok("yes", false));
        assert_eq!(inline_string("yes", false), "\"yes\"");
        assert_eq!(float_text(1.0), "1.0");
        assert_eq!(float_text(1e21), "1e21");
        assert_eq!(float_text(f64::NEG_INFINITY), "-.inf");
    }

    #[test]
    fn literal_blocks() {
        let (chomp, lines) = literal_lines("a\n\nb\n", 2).unwrap();
        assert_eq!(chomp, "");
        assert_eq!(lines, ["  a", "", "  b"]);
        assert_eq!(literal_lines("a", 2).unwrap().0, "-");
        assert_eq!(literal_lines("a\n\n", 2).unwrap().0, "+");
        assert!(literal_lines(" lead", 2).is_none());
    }

    #[test]
    fn emits_nested_blocks() {
        let v = Plain::Map(vec![
            ("a".into(), Plain::Scalar(Scalar::Int(1))),
            (
                "l".into(),
                Plain::List(vec![
                    Plain::Map(vec![
                        ("x".into(), Plain::Scalar(Scalar::str("why"))),
                        ("z".into(), Plain::Scalar(Scalar::str("two\nlines\n"))),
                    ]),
                    Plain::Scalar(Scalar::str("true")),
                ]),
            ),
            ("e".into(), Plain::Map(vec![])),
        ]);
        let mut out = String::new();
        emit_block(&mut out, &v, 0, 4).unwrap();
        assert_eq!(
            out,
            "a: 1\nl:\n    - x: why\n      z: |\n          two\n          lines\n    - \"true\"\ne: {}\n"
        );
    }
}

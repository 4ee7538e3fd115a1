//! Paths into a tree: map keys and list indexes, the SOPS AAD path string, and the
//! `["key"][0]` syntax of `--extract`, `set` and `unset`.

use std::fmt;

use crate::error::Error;

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathSeg {
    /// A map key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// The AAD SOPS authenticates a value with: its map keys joined by `:`, plus a final `:`.
/// List indexes are not part of it.
pub fn aad(segments: &[PathSeg]) -> String {
    let mut out = String::new();
    for seg in segments {
        if let PathSeg::Key(k) = seg {
            out.push_str(k);
            out.push(':');
        }
    }
    if out.is_empty() {
        out.push(':');
    }
    out
}

/// A path shown to users, in the `["key"][0]` syntax.
pub struct Display<'a>(pub &'a [PathSeg]);

impl fmt::Display for Display<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("the document root");
        }
        for seg in self.0 {
            match seg {
                PathSeg::Key(k) => write!(f, "[{k:?}]")?,
                PathSeg::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// Parses `["a"][0]['b']` as sops does: quoted components are keys, bare ones list indexes.
pub fn parse(input: &str) -> Result<Vec<PathSeg>, Error> {
    let invalid = |reason: &str| Error::InvalidPath {
        path: input.to_string(),
        reason: reason.to_string(),
    };
    let mut parts = input.split('[');
    if parts.next() != Some("") {
        return Err(invalid("a path starts with '['"));
    }
    let mut segments = Vec::new();
    for part in parts {
        let inner = part
            .strip_suffix(']')
            .ok_or_else(|| invalid("every component must end with ']'"))?;
        let quoted = ['"', '\''].iter().find_map(|&q| {
            inner
                .strip_prefix(q)
                .and_then(|rest| rest.strip_suffix(q))
                .filter(|_| inner.len() >= 2)
        });
        match quoted {
            Some(key) => segments.push(PathSeg::Key(key.to_string())),
            None => {
                let index = inner.parse().map_err(|_| {
                    invalid("a component is a quoted key or a non-negative list index")
                })?;
                segments.push(PathSeg::Index(index));
            }
        }
    }
    if segments.is_empty() {
        return Err(invalid("the path is empty"));
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aad_skips_indexes() {
        let p = [
            PathSeg::Key("list".into()),
            PathSeg::Index(2),
            PathSeg::Key("sub".into()),
        ];
        assert_eq!(aad(&p), "list:sub:");
        assert_eq!(aad(&[]), ":");
        assert_eq!(aad(&[PathSeg::Index(0)]), ":");
    }

    #[test]
    fn parses_extract_syntax() {
        assert_eq!(
            parse(r#"["a"][0]['b c']"#).unwrap(),
            vec![
                PathSeg::Key("a".into()),
                PathSeg::Index(0),
                PathSeg::Key("b c".into())
            ]
        );
        for bad in [r#"a"#, r#"["a""#, r#"[x]"#, r#"[-1]"#, "", r#"["]"#] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Display(&parse(r#"["a"][3]"#).unwrap()).to_string(),
            r#"["a"][3]"#
        );
    }
}

//! Scalar types as `yaml.v3` (the YAML library of sops) resolves them, so that a value gets
//! the SOPS type sops would give it: `yes` is a string, `0x1F` the int 31, `1e3` a float,
//! `2024-01-02` a timestamp, a quoted `"42"` a string.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use zeroize::Zeroizing;

use crate::text::Text;
use crate::timestamp::Timestamp;
use crate::value::Scalar;

/// What a YAML scalar is.
#[derive(Debug, PartialEq)]
pub enum Resolved {
    /// `null`, `~`, or empty.
    Null,
    /// A string: the scalar's text itself (no copy is made here; the caller knows whether
    /// the text can be shared with the file).
    Str,
    /// A typed value (or a string other than the text: `!!binary`).
    Value(Scalar),
}

/// A normalized tag: `!!int` for the YAML core tags, `!` for the non-specific tag, the
/// verbatim text for any other.
pub fn short_tag(handle: &str, suffix: &str) -> String {
    const CORE: &str = "tag:yaml.org,2002:";
    let full = format!("{handle}{suffix}");
    match full.strip_prefix(CORE) {
        Some(rest) => format!("!!{rest}"),
        None => full,
    }
}

/// Resolves a scalar the way `yaml.v3` decodes it into `interface{}`: `tag` is the short tag
/// (`""` when there is none), `quoted` whether it was quoted or a block scalar.
pub fn resolve(tag: &str, quoted: bool, value: &str) -> Result<Resolved, String> {
    let string = || Ok(Resolved::Str);
    match tag {
        "!!str" => return string(),
        "!!binary" => {
            let clean: String = value.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = B64
                .decode(clean)
                .map_err(|_| "!!binary value contains invalid base64 data".to_string())?;
            return Ok(Resolved::Value(Scalar::Str(Text::from(bytes))));
        }
        "" | "!" if quoted => return string(),
        "" | "!!bool" | "!!int" | "!!float" | "!!null" | "!!timestamp" => {}
        // The non-specific tag and application tags leave the text as a string.
        _ => return string(),
    }
    let resolved = resolve_plain(tag, value)?;
    let kind = match &resolved {
        Resolved::Null => "!!null",
        Resolved::Str | Resolved::Value(Scalar::Str(_)) => "!!str",
        Resolved::Value(Scalar::Int(_)) => "!!int",
        Resolved::Value(Scalar::Float(_)) => "!!float",
        Resolved::Value(Scalar::Bool(_)) => "!!bool",
        Resolved::Value(Scalar::Time(_)) => "!!timestamp",
    };
    if tag.is_empty() || tag == kind {
        return Ok(resolved);
    }
    if let (Resolved::Value(Scalar::Int(i)), "!!float") = (&resolved, tag) {
        return Ok(Resolved::Value(Scalar::Float(*i as f64)));
    }
    Err(format!("cannot decode {kind} `{value}` as a {tag}"))
}

fn resolve_plain(tag: &str, value: &str) -> Result<Resolved, String> {
    let str_value = || Ok(Resolved::Str);
    let first = value.bytes().next();
    let hint = match first {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        _ => return str_value(),
    };
    match value {
        "true" | "True" | "TRUE" => return Ok(Resolved::Value(Scalar::Bool(true))),
        "false" | "False" | "FALSE" => return Ok(Resolved::Value(Scalar::Bool(false))),
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Resolved::Null),
        ".nan" | ".NaN" | ".NAN" => return Ok(Resolved::Value(Scalar::Float(f64::NAN))),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Ok(Resolved::Value(Scalar::Float(f64::INFINITY)))
        }
        "-.inf" | "-.Inf" | "-.INF" => {
            return Ok(Resolved::Value(Scalar::Float(f64::NEG_INFINITY)))
        }
        _ => {}
    }
    match hint {
        b'.' => {
            if let Some(f) = decimal_float(value) {
                return Ok(Resolved::Value(Scalar::Float(f)));
            }
        }
        b'D' | b'S' => {
            if tag.is_empty() || tag == "!!timestamp" {
                if let Some(t) = Timestamp::parse_yaml(value) {
                    return Ok(Resolved::Value(Scalar::Time(Zeroizing::new(
                        t.to_rfc3339_nano(),
                    ))));
                }
            }
            let plain = value.replace('_', "");
            match go_parse_int(&plain) {
                IntParse::Int(i) => return Ok(Resolved::Value(Scalar::Int(i))),
                IntParse::Unsigned => {
                    return Err(format!(
                        "the integer {value} does not fit in 64 bits (sops cannot store it either); quote it to keep it a string"
                    ))
                }
                IntParse::Invalid => {}
            }
            if is_yaml_style_float(&plain) {
                if let Some(f) = decimal_float(&plain) {
                    return Ok(Resolved::Value(Scalar::Float(f)));
                }
            }
        }
        _ => {}
    }
    str_value()
}

enum IntParse {
    Int(i64),
    /// Valid only as an unsigned 64-bit integer.
    Unsigned,
    Invalid,
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint(s, 0, 64)`: sign, `0x`/`0o`/`0b` or a
/// leading `0` (octal) prefix.
fn go_parse_int(s: &str) -> IntParse {
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let signed = s.starts_with(['+', '-']);
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return IntParse::Invalid;
    }
    match u128::from_str_radix(digits, radix) {
        Ok(m) if negative && m <= 1u128 << 63 => IntParse::Int((m as i128).wrapping_neg() as i64),
        Ok(m) if !negative && m <= i64::MAX as u128 => IntParse::Int(m as i64),
        Ok(m) if !signed && m <= u64::MAX as u128 => IntParse::Unsigned,
        _ => IntParse::Invalid,
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    } else {
        if !digits(&mut i) {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// Go's `ParseFloat` for decimal text: out-of-range values are not floats.
fn decimal_float(s: &str) -> Option<f64> {
    if !s
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(v: &str) -> Resolved {
        resolve("", false, v).unwrap()
    }

    fn type_of(v: &str) -> &'static str {
        match plain(v) {
            Resolved::Null => "null",
            Resolved::Str => "str",
            Resolved::Value(s) => s.type_name(),
        }
    }

    #[test]
    fn resolves_like_yaml_v3() {
        let cases = [
            ("hello", "str"),
            ("yes", "str"),
            ("on", "str"),
            ("true", "bool"),
            ("True", "bool"),
            ("tRue", "str"),
            ("~", "null"),
            ("", "null"),
            ("Null", "null"),
            ("42", "int"),
            ("-42", "int"),
            ("0x1F", "int"),
            ("0o17", "int"),
            ("017", "int"),
            ("08", "float"),
            ("1_000", "int"),
            ("3.14", "float"),
            ("1e3", "float"),
            ("1.", "float"),
            (".5", "float"),
            (".inf", "float"),
            ("-.Inf", "float"),
            (".nan", "float"),
            ("1e400", "str"),
            ("123456789012345678901234567890", "float"),
            ("2024-01-02", "time"),
            ("2024-01-02 03:04:05.5 +02:00", "str"),
            ("3.11.0", "str"),
            ("<<", "str"),
            ("-", "str"),
            ("1.2.3", "str"),
        ];
        for (input, want) in cases {
            assert_eq!(type_of(input), want, "{input}");
        }
        assert_eq!(plain("0x1F"), Resolved::Value(Scalar::Int(31)));
        assert_eq!(plain("017"), Resolved::Value(Scalar::Int(15)));
        assert_eq!(
            plain("-9223372036854775808"),
            Resolved::Value(Scalar::Int(i64::MIN))
        );
        assert!(resolve("", false, "18446744073709551615").is_err());
    }

    #[test]
    fn tags_and_quotes() {
        assert_eq!(resolve("", true, "42").unwrap(), Resolved::Str);
        assert_eq!(resolve("!!str", false, "42").unwrap(), Resolved::Str);
        assert_eq!(
            resolve("!!float", false, "7").unwrap(),
            Resolved::Value(Scalar::Float(7.0))
        );
        assert_eq!(
            resolve("!!binary", false, "aGVs\nbG8=").unwrap(),
            Resolved::Value(Scalar::str("hello"))
        );
        assert!(resolve("!!int", false, "x").is_err());
        assert_eq!(resolve("!Ref", false, "42").unwrap(), Resolved::Str);
        assert_eq!(short_tag("tag:yaml.org,2002:", "int"), "!!int");
        assert_eq!(short_tag("!", "Ref"), "!Ref");
    }
}

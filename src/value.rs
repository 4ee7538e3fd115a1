//! Typed scalar values and their SOPS plaintext encoding.
//!
//! SOPS encrypts a value's *plaintext bytes* and records its type (`type:str|int|float|bool|time`);
//! the MAC hashes the same bytes. The encodings follow Go: `strconv.Itoa`,
//! `strconv.FormatFloat(v, 'f', -1, 64)`, `True`/`False`, `time.MarshalText`.

use std::borrow::Cow;
use std::fmt;

use zeroize::Zeroizing;

use crate::text::Text;
use crate::timestamp::Timestamp;

/// A leaf value of a SOPS tree. String and time values are zeroized on drop; `Debug` never
/// shows a value.
#[derive(Clone, PartialEq)]
pub enum Scalar {
    /// A string; bytes, because the binary format holds arbitrary bytes.
    Str(Text),
    /// A 64-bit integer.
    Int(i64),
    /// A 64-bit float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A timestamp, kept as its canonical RFC 3339 text (Go's `MarshalText`).
    Time(Zeroizing<String>),
}

impl fmt::Debug for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scalar::{}(<redacted>)", self.type_name())
    }
}

impl Scalar {
    /// A string scalar.
    pub fn str(s: impl Into<Vec<u8>>) -> Scalar {
        Scalar::Str(Text::from(s.into()))
    }

    /// The value, borrowed.
    pub fn as_ref(&self) -> ScalarRef<'_> {
        match self {
            Scalar::Str(s) => ScalarRef::Str(s),
            Scalar::Int(i) => ScalarRef::Int(*i),
            Scalar::Float(f) => ScalarRef::Float(*f),
            Scalar::Bool(b) => ScalarRef::Bool(*b),
            Scalar::Time(t) => ScalarRef::Time(t),
        }
    }

    /// The SOPS type name stored in `type:`.
    pub fn type_name(&self) -> &'static str {
        self.as_ref().type_name()
    }

    /// The plaintext bytes SOPS encrypts and hashes for this value (Go's `ToBytes`).
    pub fn plaintext(&self) -> Cow<'_, [u8]> {
        self.as_ref().plaintext()
    }

    /// Reads a decrypted plaintext of SOPS type `type_name`, as Go's `strconv` would.
    pub fn from_plaintext(type_name: &str, bytes: Vec<u8>) -> Result<Scalar, String> {
        let bytes = Zeroizing::new(bytes);
        match decode(type_name, &bytes)? {
            Decoded::Str(_) => Ok(Scalar::Str(Text::from(bytes))),
            Decoded::Typed(value) => Ok(value),
        }
    }

    /// The string bytes, if this is a string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// A scalar, borrowed: what writing or hashing a value needs.
#[derive(Clone, Copy)]
pub enum ScalarRef<'a> {
    /// A string.
    Str(&'a [u8]),
    /// A 64-bit integer.
    Int(i64),
    /// A 64-bit float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A timestamp in its canonical RFC 3339 text.
    Time(&'a str),
}

impl fmt::Debug for ScalarRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ScalarRef::{}(<redacted>)", self.type_name())
    }
}

impl<'a> ScalarRef<'a> {
    /// The SOPS type name stored in `type:`.
    pub fn type_name(self) -> &'static str {
        match self {
            ScalarRef::Str(_) => "str",
            ScalarRef::Int(_) => "int",
            ScalarRef::Float(_) => "float",
            ScalarRef::Bool(_) => "bool",
            ScalarRef::Time(_) => "time",
        }
    }

    /// The plaintext bytes SOPS encrypts and hashes for this value (Go's `ToBytes`).
    pub fn plaintext(self) -> Cow<'a, [u8]> {
        match self {
            ScalarRef::Str(s) => Cow::Borrowed(s),
            ScalarRef::Int(i) => Cow::Owned(i.to_string().into_bytes()),
            ScalarRef::Float(f) => Cow::Owned(go_format_float(f).into_bytes()),
            ScalarRef::Bool(true) => Cow::Borrowed(b"True"),
            ScalarRef::Bool(false) => Cow::Borrowed(b"False"),
            ScalarRef::Time(t) => Cow::Borrowed(t.as_bytes()),
        }
    }

    /// The value, owned.
    pub fn to_owned(self) -> Scalar {
        match self {
            ScalarRef::Str(s) => Scalar::str(s),
            ScalarRef::Int(i) => Scalar::Int(i),
            ScalarRef::Float(f) => Scalar::Float(f),
            ScalarRef::Bool(b) => Scalar::Bool(b),
            ScalarRef::Time(t) => Scalar::Time(Zeroizing::new(t.to_string())),
        }
    }
}

/// A decrypted plaintext read as its SOPS type: a string is the plaintext itself.
pub enum Decoded<'a> {
    /// A string: the plaintext, borrowed.
    Str(&'a [u8]),
    /// Any other type, read from the plaintext.
    Typed(Scalar),
}

impl<'a> Decoded<'a> {
    /// The value, borrowed.
    pub fn as_ref(&self) -> ScalarRef<'_> {
        match self {
            Decoded::Str(s) => ScalarRef::Str(s),
            Decoded::Typed(value) => value.as_ref(),
        }
    }
}

/// Reads a decrypted plaintext of SOPS type `type_name`, as Go's `strconv` would.
pub fn decode<'a>(type_name: &str, bytes: &'a [u8]) -> Result<Decoded<'a>, String> {
    let text = || std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_string());
    let typed = match type_name {
        "str" => return Ok(Decoded::Str(bytes)),
        "int" => parse_go_int(text()?)
            .map(Scalar::Int)
            .ok_or("not a valid int")?,
        "float" => parse_go_float(text()?)
            .map(Scalar::Float)
            .ok_or("not a valid float")?,
        "bool" => parse_go_bool(text()?)
            .map(Scalar::Bool)
            .ok_or("not a valid bool")?,
        "time" => Timestamp::parse_rfc3339(text()?)
            .map(|t| Scalar::Time(Zeroizing::new(t.to_rfc3339_nano())))
            .ok_or("not a valid RFC 3339 time")?,
        "bytes" => return Err("type 'bytes' is not supported (sops cannot read it either)".into()),
        other => return Err(format!("unknown type {other:?}")),
    };
    Ok(Decoded::Typed(typed))
}

/// Go's `strconv.FormatFloat(v, 'f', -1, 64)`: shortest round-trip digits, never an exponent.
pub fn go_format_float(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        // Rust's `Display` for f64 prints the shortest round-trip digits without exponent,
        // which is exactly Go's 'f' format with precision -1.
        format!("{v}")
    }
}

/// Go's `strconv.Atoi`: optional sign, decimal digits, 64-bit range.
pub fn parse_go_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Go's `strconv.ParseFloat(s, 64)` for the decimal forms, `Inf`/`Infinity`/`NaN` in any case.
pub fn parse_go_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" || lower == "nan" {
        let v: f64 = if lower == "nan" {
            f64::NAN
        } else {
            f64::INFINITY
        };
        return Some(if s.starts_with('-') { -v } else { v });
    }
    // Rust accepts the same decimal grammar; reject the spellings Go does not know.
    if body.is_empty() || !body.bytes().all(|b| b"0123456789.eE+-".contains(&b)) {
        return None;
    }
    s.parse().ok()
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_formatting_matches_go() {
        let cases = [
            (42.0, "42"),
            (3.25, "3.25"),
            (1.0, "1"),
            (-0.0, "-0"),
            (1e3, "1000"),
            (1.2345678901234568e29, "123456789012345680000000000000"),
            (12345678901234567890.0, "12345678901234567000"),
            (1e-7, "0.0000001"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
        ];
        for (v, want) in cases {
            assert_eq!(go_format_float(v), want);
        }
        assert_eq!(go_format_float(1e100).len(), 101);
    }

    #[test]
    fn plaintext_round_trips_every_type() {
        let values = [
            Scalar::str("hello"),
            Scalar::Int(-31),
            Scalar::Float(2.5),
            Scalar::Bool(true),
            Scalar::Bool(false),
            Scalar::Time(Zeroizing::new("2024-01-02T03:04:05Z".into())),
        ];
        for v in values {
            let back = Scalar::from_plaintext(v.type_name(), v.plaintext().into_owned()).unwrap();
            assert_eq!(back, v);
        }
        assert_eq!(Scalar::Bool(true).plaintext().as_ref(), b"True");
    }

    #[test]
    fn go_parsers_are_strict_where_go_is() {
        assert_eq!(parse_go_int("+5"), Some(5));
        assert_eq!(parse_go_int("0x1F"), None);
        assert_eq!(parse_go_int(" 5"), None);
        assert_eq!(parse_go_float("+Inf"), Some(f64::INFINITY));
        assert!(parse_go_float("NaN").unwrap().is_nan());
        assert_eq!(parse_go_float("1e3"), Some(1000.0));
        assert_eq!(parse_go_float("1_000"), None);
        assert_eq!(parse_go_bool("True"), Some(true));
        assert_eq!(parse_go_bool("yes"), None);
        assert!(Scalar::from_plaintext("bytes", vec![]).is_err());
    }

    #[test]
    fn debug_never_shows_the_value() {
        let s = format!("{:?}", Scalar::str("hunter2"));
        assert!(!s.contains("hunter2"));
    }
}

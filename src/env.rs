//! A file's values as environment variables, for `exec-env`.
//!
//! Top-level keys are the variable names. Values are written as sops writes them
//! (`ValToString`: floats in Go's `%G` form with at least one decimal, `true`/`false`, times
//! in RFC 3339). sops refuses nested values; here they are flattened with the separators sops
//! uses to flatten its metadata in dotenv and INI files: `db__map_password`,
//! `hosts__list_0`. A null is an empty string.

use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::error::Error;
use crate::metadata;
use crate::plain::Plain;
use crate::timestamp::Timestamp;
use crate::value::{go_format_float, Scalar};

/// The variables for the values of `root` (a map), sorted by name.
pub fn variables(root: &Plain) -> Result<Vec<(String, Zeroizing<String>)>, Error> {
    let Plain::Map(items) = root else {
        return Err(Error::Unsupported(
            "the file's root is not a map of names to values".into(),
        ));
    };
    let mut tree = Map::new();
    for (key, value) in items {
        if key.is_empty() || key.contains(['=', '\0']) {
            return Err(Error::Unsupported(format!(
                "cannot use the key {key:?} as an environment variable name"
            )));
        }
        tree.insert(key.clone(), as_text(value));
    }
    Ok(metadata::flatten(&Value::Object(tree))
        .into_iter()
        .map(|(name, value)| (name, Zeroizing::new(value)))
        .collect())
}

/// Every scalar as its text; a null as an empty string (flattening drops JSON nulls).
fn as_text(value: &Plain) -> Value {
    match value {
        Plain::Null => Value::String(String::new()),
        Plain::Scalar(s) => Value::String(scalar_text(s)),
        Plain::Number(n) => Value::String(n.clone()),
        Plain::List(items) => Value::Array(items.iter().map(as_text).collect()),
        Plain::Map(items) => {
            Value::Object(items.iter().map(|(k, v)| (k.clone(), as_text(v))).collect())
        }
    }
}

/// Go's `stores.ValToString`.
fn scalar_text(s: &Scalar) -> String {
    match s {
        Scalar::Str(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Scalar::Int(i) => i.to_string(),
        Scalar::Bool(b) => b.to_string(),
        Scalar::Float(f) => go_float_g(*f),
        Scalar::Time(t) => {
            Timestamp::parse_rfc3339(t).map_or_else(|| t.to_string(), |t| t.to_rfc3339())
        }
    }
}

/// `strconv.FormatFloat(v, 'G', -1, 64)`, with `.0` added where it would read as an integer.
fn go_float_g(v: f64) -> String {
    if !v.is_finite() {
        return go_format_float(v);
    }
    let sci = format!("{:e}", v);
    let (mantissa, exp) = sci.split_once('e').expect("exponent format");
    let exp: i32 = exp.parse().expect("an integer exponent");
    // Shortest digits decide on exponent form as precision 6 would.
    let text = if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}E{sign}{:02}", mantissa, exp.abs())
    } else {
        go_format_float(v)
    };
    if text.contains(['.', 'E']) {
        text
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_go_g() {
        for (v, want) in [
            (5.0, "5.0"),
            (1.5, "1.5"),
            (123456.0, "123456.0"),
            (1234567.0, "1.234567E+06"),
            (1e21, "1E+21"),
            (0.0001, "0.0001"),
            (0.00001, "1E-05"),
            (-2.5e-7, "-2.5E-07"),
            (0.0, "0.0"),
        ] {
            assert_eq!(go_float_g(v), want, "{v}");
        }
    }

    #[test]
    fn nested_values_are_flattened() {
        let root = Plain::Map(vec![
            ("A".into(), Plain::Scalar(Scalar::str("x"))),
            ("N".into(), Plain::Scalar(Scalar::Float(42.0))),
            ("E".into(), Plain::Null),
            (
                "db".into(),
                Plain::Map(vec![(
                    "hosts".into(),
                    Plain::List(vec![Plain::Scalar(Scalar::Bool(true))]),
                )]),
            ),
        ]);
        let vars: Vec<(String, String)> = variables(&root)
            .unwrap()
            .into_iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect();
        assert_eq!(
            vars,
            [
                ("A".into(), "x".into()),
                ("E".into(), "".into()),
                ("N".into(), "42.0".into()),
                ("db__map_hosts__list_0".into(), "true".into()),
            ]
        );
        let bad = Plain::Map(vec![("A=B".into(), Plain::Null)]);
        assert!(variables(&bad).is_err());
    }
}

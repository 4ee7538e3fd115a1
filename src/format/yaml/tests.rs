//! Regression tests for inputs the fuzz targets found (`tests/data/fuzz/`).

use super::Yaml;
use crate::format::Format;

/// Inputs that once made comment placement index past its lines: a `#` the parser saw as a
/// comment on a line that starts with content it did not see as a token.
#[test]
fn comments_beside_unparsed_content_do_not_panic() {
    for name in [
        "yaml-comment-beside-content-1.yaml",
        "yaml-comment-beside-content-2.yaml",
    ] {
        let path = format!("{}/tests/data/fuzz/{name}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap();
        // Parsing gives a document or an error; either is fine, a panic is not.
        let _ = Yaml.parse(bytes);
    }
}

/// An input that once made the indentation step underflow: after a run of lone `\r` line
/// breaks, a nested map's column came out left of its parent's.
#[test]
fn a_nested_map_left_of_its_parent_does_not_panic() {
    let path = format!(
        "{}/tests/data/fuzz/yaml-nested-map-left-of-its-parent.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let _ = Yaml.parse(std::fs::read(&path).unwrap());
}

//! A metadata block at the end of a line-based file (the INI and TOML `[sops]` sections),
//! written so that taking it away gives back the file byte for byte.

use std::ops::Range;

use crate::tree::{Document, Patch};

/// Where a file's metadata block is: the document state of the formats that use one.
pub struct Tail {
    /// The metadata block(s), each from its first line to the end of its last line.
    pub blocks: Vec<Range<usize>>,
    /// The file's line break.
    pub newline: &'static str,
}

impl Tail {
    /// The state of a file `text` whose metadata is at `blocks`.
    pub fn new(text: &[u8], blocks: Vec<Range<usize>>) -> Tail {
        // The line break [`append`] wrote is the one inside the block (it has several
        // lines): the data around it may have lost its only `\r\n` to an encrypted value,
        // and a separator after data ending in `\r` would look like a `\r\n`.
        let newline = match blocks.last() {
            Some(last) => newline_of(&text[last.clone()]),
            None => newline_of(text),
        };
        Tail { blocks, newline }
    }
}

/// The patches that take the metadata block of `doc` away and, with `lines`, append a new
/// one at the end.
pub fn patches(doc: &Document, lines: Option<Vec<String>>) -> Vec<Patch> {
    let tail: &Tail = doc.state();
    // A block's removal may reach back over the line break before it, which can end the
    // block before it (a file with two metadata blocks): each starts where the last ended.
    let mut removed_to = 0;
    let mut patches: Vec<Patch> = tail
        .blocks
        .iter()
        .map(|b| {
            let mut range = removal(&doc.text, b.clone(), tail.newline);
            range.start = range.start.max(removed_to);
            removed_to = range.end;
            Patch {
                range,
                text: Vec::new(),
            }
        })
        .collect();
    if let Some(lines) = lines {
        let remaining = doc.apply(patches.clone());
        let mut patch = append(&remaining, &lines, tail.newline);
        // What remains ends where the file ends.
        patch.range = doc.text.len()..doc.text.len();
        patches.push(patch);
    }
    patches
}

/// The line break a file uses (`\r\n` when it has any).
pub fn newline_of(text: &[u8]) -> &'static str {
    if text.windows(2).any(|w| w == b"\r\n") {
        "\r\n"
    } else {
        "\n"
    }
}

/// The patch that appends `lines` (each without its line break) after `text`, separated from
/// it by a blank line. After a last line without a line break, the block ends without one
/// too, which is how [`removal`] knows to take the line break before it away.
pub fn append(text: &[u8], lines: &[String], newline: &str) -> Patch {
    let mut block = lines.join(newline);
    if text.is_empty() {
        block.push_str(newline);
    } else if text.ends_with(b"\n") {
        block = format!("{newline}{block}{newline}");
    } else {
        block = format!("{newline}{newline}{block}");
    }
    Patch {
        range: text.len()..text.len(),
        text: block.into_bytes(),
    }
}

/// The bytes to take away with a block at `block` (from its first line to the end of its
/// last line, line break included): the blank line [`append`] put before it as well, when
/// the block ends the file.
pub fn removal(text: &[u8], block: Range<usize>, newline: &str) -> Range<usize> {
    if block.end < text.len() {
        return block;
    }
    let nl = newline.as_bytes();
    let before = &text[..block.start];
    let separator = if text.ends_with(b"\n") {
        // `...\n` + newline + block: the blank line goes.
        let rest = before.strip_suffix(nl);
        rest.filter(|r| r.ends_with(b"\n")).map(|_| nl.len())
    } else {
        // `...x` + two newlines + block without its line break.
        let rest = before.strip_suffix(nl).and_then(|r| r.strip_suffix(nl));
        rest.map(|_| 2 * nl.len())
    };
    block.start - separator.unwrap_or(0)..block.end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) {
        let lines = vec!["[sops]".to_string(), "a = 1".to_string()];
        for nl in ["\n", "\r\n"] {
            let patch = append(text.as_bytes(), &lines, nl);
            let mut with = text.as_bytes().to_vec();
            with.extend_from_slice(&patch.text);
            let start = text.len() + patch.text.iter().position(|b| *b == b'[').unwrap();
            let range = removal(&with, start..with.len(), nl);
            if nl == newline_of(text.as_bytes()) {
                let blocks = std::iter::once(start..with.len()).collect();
                let found = Tail::new(&with, blocks).newline;
                assert_eq!(found, nl, "{text:?}");
            }
            let mut back = with.clone();
            back.drain(range);
            assert_eq!(String::from_utf8(back).unwrap(), text, "{text:?} {nl:?}");
        }
    }

    #[test]
    fn removal_undoes_append() {
        for text in [
            "",
            "\n",
            "x\n",
            "x",
            "x\n\n",
            "[a]\nk = v",
            "\r",
            "x\r\ny\r",
        ] {
            round_trip(text);
        }
    }
}

//! YAML parse events with byte spans: what the tree builder reads, from either of two
//! readers of the text. `saphyr-parser` reads all of YAML; [`super::scan`] reads the block
//! style most configuration files are written in, several times faster, and gives way to
//! `saphyr-parser` for anything else. Both report the same events with the same spans
//! (tested on every YAML file of the test data and by a fuzz target).

use std::borrow::Cow;
use std::ops::Range;

use saphyr_parser::{Event as Saphyr, Parser, ScalarStyle};

use super::resolve::short_tag;
use crate::error::Error;

/// How a scalar is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// One parse event. Anchors are numbered from 1 (0: none).
#[derive(Debug, PartialEq)]
pub(super) enum Event<'a> {
    DocumentStart,
    DocumentEnd,
    MappingStart {
        anchor: usize,
    },
    MappingEnd,
    SequenceStart {
        anchor: usize,
    },
    SequenceEnd,
    Alias(usize),
    Scalar {
        value: Cow<'a, str>,
        style: Style,
        anchor: usize,
        /// The short tag (`!!str`, `!Ref`), if any.
        tag: Option<String>,
    },
}

/// Gives every event of `text`, read by `saphyr-parser`, to `each`, with its byte span.
pub(super) fn saphyr<'a>(
    text: &'a str,
    mut each: impl FnMut(Event<'a>, Range<usize>) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut offsets = CharToByte::new(text);
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| {
            let offset = offsets.byte(e.marker().index());
            Error::syntax_at("YAML", text.as_bytes(), offset, e.info())
        })?;
        let start = offsets.byte(span.start.index());
        let end = offsets.byte(span.end.index()).max(start);
        let event = match event {
            Saphyr::StreamStart | Saphyr::StreamEnd | Saphyr::Nothing => continue,
            Saphyr::DocumentStart(_) => Event::DocumentStart,
            Saphyr::DocumentEnd => Event::DocumentEnd,
            Saphyr::MappingStart(anchor, _) => Event::MappingStart { anchor },
            Saphyr::MappingEnd => Event::MappingEnd,
            Saphyr::SequenceStart(anchor, _) => Event::SequenceStart { anchor },
            Saphyr::SequenceEnd => Event::SequenceEnd,
            Saphyr::Alias(anchor) => Event::Alias(anchor),
            Saphyr::Scalar(value, style, anchor, tag) => Event::Scalar {
                value,
                style: match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                },
                anchor,
                tag: tag.map(|t| short_tag(&t.handle, &t.suffix)),
            },
        };
        each(event, start..end)?;
    }
    Ok(())
}

/// Character index → byte offset, with a cursor for the mostly increasing lookups.
struct CharToByte<'a> {
    text: &'a str,
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl<'a> CharToByte<'a> {
    fn new(text: &'a str) -> Self {
        CharToByte {
            text,
            ascii: text.is_ascii(),
            chars: 0,
            bytes: 0,
        }
    }

    fn byte(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        if char_index < self.chars {
            self.chars = 0;
            self.bytes = 0;
        }
        for c in self.text[self.bytes..].chars() {
            if self.chars == char_index {
                break;
            }
            self.chars += 1;
            self.bytes += c.len_utf8();
        }
        self.bytes
    }
}

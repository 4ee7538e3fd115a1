//! A fast reader of the YAML most configuration files are written in: one document of block
//! maps and sequences whose scalars are plain, quoted on one line, or literal blocks, with
//! comments. It reports the events `saphyr-parser` reports, with the same spans, line by
//! line without a general scanner's per-character state machine, and gives up
//! ([`Scanned::GaveUp`]) at the first thing it does not read: flow collections, anchors,
//! aliases, tags, multi-line plain or quoted scalars, escapes, folded blocks, document
//! markers, directives, tabs. The caller then reads the file with `saphyr-parser`.

use std::borrow::Cow;
use std::ops::Range;

use super::events::{Event, Style};
use crate::error::Error;

/// How a scan ended.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Scanned {
    /// Every event was reported.
    Done,
    /// The text has something this reader does not read; the events reported so far are to
    /// be thrown away.
    GaveUp,
}

/// Reports the events of `text` to `each`, until done or until it gives up.
pub(super) fn scan<'a>(
    text: &'a str,
    each: impl FnMut(Event<'a>, Range<usize>) -> Result<(), Error>,
) -> Result<Scanned, Error> {
    let mut s = Scanner {
        text,
        b: text.as_bytes(),
        pos: 0,
        each,
        stack: Vec::new(),
        pending: Pending::None,
        doc: Doc::Between,
    };
    match s.run() {
        Ok(()) => Ok(Scanned::Done),
        Err(Stop::GaveUp) => Ok(Scanned::GaveUp),
        Err(Stop::Error(e)) => Err(e),
    }
}

/// Why a scan stopped early.
enum Stop {
    GaveUp,
    Error(Error),
}

type Step<T = ()> = Result<T, Stop>;

/// Gives up: the text is read by `saphyr-parser` instead.
fn give_up<T>() -> Step<T> {
    Err(Stop::GaveUp)
}

/// An open block collection and the column of its entries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Map(usize),
    Seq(usize),
    /// A sequence whose dashes stand at its parent map's column.
    IndentlessSeq(usize),
}

impl Open {
    fn indent(self) -> usize {
        match self {
            Open::Map(i) | Open::Seq(i) | Open::IndentlessSeq(i) => i,
        }
    }
}

/// An entry whose value is on the lines that follow, or is null.
#[derive(Clone, Copy)]
enum Pending {
    None,
    /// A map key at `col` whose `:` is at `colon`.
    Value {
        col: usize,
        colon: usize,
    },
    /// A sequence entry at `col` whose line has nothing after its dash; a null value stands
    /// at `at`, the end of that line.
    Item {
        col: usize,
        at: usize,
    },
}

/// Where the scan is among the documents.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Doc {
    /// Before the first, or after a `...`.
    Between,
    /// After a `---`, before the document's root.
    Started,
    /// In a document's root map.
    Open,
}

/// One line of the text.
#[derive(Clone, Copy)]
struct Line {
    /// Offset of its first byte.
    start: usize,
    /// End of its content (before `\r\n` or `\n`).
    end: usize,
    /// Offset of the next line.
    next: usize,
}

impl Line {
    /// The line at `start` of `b`.
    fn at(b: &[u8], start: usize) -> Line {
        let (end, next) = match memchr::memchr(b'\n', &b[start..]) {
            Some(i) => (start + i, start + i + 1),
            None => (b.len(), b.len()),
        };
        let end = if end > start && b[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        Line { start, end, next }
    }
}

struct Scanner<'a, F> {
    text: &'a str,
    b: &'a [u8],
    /// Start of the next line to read.
    pos: usize,
    each: F,
    stack: Vec<Open>,
    pending: Pending,
    doc: Doc,
}

impl<'a, F: FnMut(Event<'a>, Range<usize>) -> Result<(), Error>> Scanner<'a, F> {
    fn emit(&mut self, event: Event<'a>, span: Range<usize>) -> Step {
        (self.each)(event, span).map_err(Stop::Error)
    }

    fn scalar(&mut self, value: Cow<'a, str>, style: Style, span: Range<usize>) -> Step {
        let event = Event::Scalar {
            value,
            style,
            anchor: 0,
            tag: None,
        };
        self.emit(event, span)
    }

    fn null(&mut self, at: usize) -> Step {
        self.scalar(Cow::Borrowed(""), Style::Plain, at..at)
    }

    fn run(&mut self) -> Step {
        let odd = odd_bytes(self.b);
        if odd.other {
            return give_up();
        }
        while self.pos < self.b.len() {
            let line = Line::at(self.b, self.pos);
            self.pos = line.next;
            if odd.cr && memchr::memchr(b'\r', &self.b[line.start..line.end]).is_some() {
                // A `\r` that does not end a line breaks one for YAML.
                return give_up();
            }
            let indent = self.b[line.start..line.end]
                .iter()
                .take_while(|&&c| c == b' ')
                .count();
            let t = line.start + indent;
            match self.b.get(t).filter(|_| t < line.end) {
                // Blank lines, and comments, which the tree builder finds in the text.
                None | Some(b'#') => continue,
                Some(b'\t') => return give_up(),
                Some(_) => self.line(line, indent, t)?,
            }
        }
        let end = self.b.len();
        match self.doc {
            Doc::Between => Ok(()),
            // An empty document.
            Doc::Started => give_up(),
            Doc::Open => self.end_document(end, end..end),
        }
    }

    /// Ends the open document before `at`, its end marker at `marker`.
    fn end_document(&mut self, at: usize, marker: Range<usize>) -> Step {
        self.resolve_pending_as_null()?;
        while let Some(open) = self.stack.pop() {
            self.end(open, at)?;
        }
        self.emit(Event::DocumentEnd, marker)
    }

    /// A `---` or `...` line starting at `t`.
    fn marker(&mut self, t: usize, start: bool) -> Step {
        let marker = t..t + 3;
        match (self.doc, start) {
            (Doc::Open, _) => self.end_document(t, marker.clone())?,
            (Doc::Between, true) => {}
            // Empty documents, and an end with no document.
            _ => return give_up(),
        }
        if start {
            self.emit(Event::DocumentStart, marker)?;
            self.doc = Doc::Started;
        } else {
            self.doc = Doc::Between;
        }
        Ok(())
    }

    /// A line with content at column `col`, offset `t`.
    fn line(&mut self, line: Line, col: usize, t: usize) -> Step {
        let dash = is_dash(self.b, t, line.end);
        if col == 0 {
            let rest = &self.b[t..line.end];
            if let Some(after) = rest
                .strip_prefix(b"---")
                .or_else(|| rest.strip_prefix(b"..."))
            {
                let after = &after[after.iter().take_while(|&&c| c == b' ').count()..];
                // A marker alone on its line, or before a comment; content after it is not
                // read here.
                if after.is_empty() || (after[0] == b'#' && rest[3] == b' ') {
                    return self.marker(t, rest[0] == b'-');
                }
                if rest[3] == b' ' {
                    return give_up();
                }
            }
            if rest[0] == b'%' {
                return give_up();
            }
        }
        if self.doc != Doc::Open {
            // The root: a block map (a sequence or scalar root is for saphyr-parser and the
            // tree builder to refuse).
            if dash {
                return give_up();
            }
            if self.doc == Doc::Between {
                self.emit(Event::DocumentStart, t..t)?;
            }
            self.doc = Doc::Open;
            return self.open_map(line, col, t);
        }
        match self.pending {
            Pending::Value { col: key_col, .. } if col > key_col => {
                self.pending = Pending::None;
                return self.open(line, col, t, dash);
            }
            Pending::Value { col: key_col, .. }
                if col == key_col && dash && self.stack.last() == Some(&Open::Map(col)) =>
            {
                // A sequence whose dashes stand at its key's column.
                self.pending = Pending::None;
                let content = item_content(self.b, t, line.end);
                self.emit(Event::SequenceStart { anchor: 0 }, content..content)?;
                self.stack.push(Open::IndentlessSeq(col));
                return self.item(line, col, t);
            }
            Pending::Item { col: dash_col, .. } if col > dash_col => {
                self.pending = Pending::None;
                return self.open(line, col, t, dash);
            }
            _ => self.resolve_pending_as_null()?,
        }
        while let Some(&open) = self.stack.last() {
            let closes =
                open.indent() > col || matches!(open, Open::IndentlessSeq(i) if i == col && !dash);
            if !closes {
                break;
            }
            self.stack.pop();
            self.end(open, t)?;
        }
        match self.stack.last() {
            Some(Open::Map(i)) if *i == col && !dash => self.entry(line, col, t),
            Some(Open::Seq(i) | Open::IndentlessSeq(i)) if *i == col && dash => {
                self.item(line, col, t)
            }
            // A second root, a line deeper than an entry that is complete (a continued plain
            // scalar), or an indentation no open collection has.
            _ => give_up(),
        }
    }

    /// A new collection for the pending entry, whose first line is `line`.
    fn open(&mut self, line: Line, col: usize, t: usize, dash: bool) -> Step {
        if dash {
            self.emit(Event::SequenceStart { anchor: 0 }, t..t)?;
            self.stack.push(Open::Seq(col));
            self.item(line, col, t)
        } else {
            self.open_map(line, col, t)
        }
    }

    fn open_map(&mut self, line: Line, col: usize, t: usize) -> Step {
        self.emit(Event::MappingStart { anchor: 0 }, t..t)?;
        self.stack.push(Open::Map(col));
        self.entry(line, col, t)
    }

    fn end(&mut self, open: Open, at: usize) -> Step {
        let event = match open {
            Open::Map(_) => Event::MappingEnd,
            Open::Seq(_) | Open::IndentlessSeq(_) => Event::SequenceEnd,
        };
        self.emit(event, at..at)
    }

    fn resolve_pending_as_null(&mut self) -> Step {
        match std::mem::replace(&mut self.pending, Pending::None) {
            Pending::None => Ok(()),
            Pending::Value { colon, .. } => self.null(colon),
            Pending::Item { at, .. } => self.null(at),
        }
    }

    /// A map entry, `key: value`, whose key starts at `t` (column `col`).
    fn entry(&mut self, line: Line, col: usize, t: usize) -> Step {
        let Some(key) = self.key(t, line.end)? else {
            return give_up();
        };
        self.scalar(key.value, key.style, key.span)?;
        let colon = key.colon;
        let v = skip_spaces(self.b, colon + 1, line.end);
        if v == line.end || self.b[v] == b'#' {
            self.pending = Pending::Value { col, colon };
            return Ok(());
        }
        self.value(line, col, v)
    }

    /// A sequence entry whose dash is at `t` (column `col`).
    fn item(&mut self, line: Line, col: usize, t: usize) -> Step {
        let v = skip_spaces(self.b, t + 1, line.end);
        if v == line.end || self.b[v] == b'#' {
            self.pending = Pending::Item {
                col,
                at: item_content(self.b, t, line.end),
            };
            return Ok(());
        }
        if is_dash(self.b, v, line.end) {
            return give_up();
        }
        if self.key(v, line.end)?.is_some() {
            // A map in the entry, its keys at the column of the first.
            let key_col = v - line.start;
            return self.open_map(line, key_col, v);
        }
        self.value(line, col, v)
    }

    /// A scalar value at `v`, in an entry of the collection at column `col`.
    fn value(&mut self, line: Line, col: usize, v: usize) -> Step {
        match self.b[v] {
            b'|' => self.literal(line, col, v),
            b'"' | b'\'' => {
                let Some(q) = quoted(self.text, v, line.end) else {
                    return give_up();
                };
                let end = self.token_end(q.close + 1, line.end)?;
                self.scalar(q.value, q.style, v..end)
            }
            // Empty flow collections (`tolerations: []`), the only ones read here.
            open @ (b'[' | b'{') if self.b[v + 1..line.end].first() == Some(&close_of(open)) => {
                let end = self.token_end(v + 2, line.end)?;
                let (start, stop) = if open == b'[' {
                    (Event::SequenceStart { anchor: 0 }, Event::SequenceEnd)
                } else {
                    (Event::MappingStart { anchor: 0 }, Event::MappingEnd)
                };
                self.emit(start, v..v + 1)?;
                self.emit(stop, v + 1..end)
            }
            c if starts_plain(c, self.b.get(v + 1).copied()) => {
                let Some(end) = plain_end(self.b, v, line.end) else {
                    return give_up();
                };
                let value = &self.text[v..end];
                if value.contains(": ") || value.ends_with(':') || value.contains('\t') {
                    return give_up();
                }
                self.scalar(Cow::Borrowed(value), Style::Plain, v..end)
            }
            _ => give_up(),
        }
    }

    /// The end of the span of a token that ends before `after` on a line that ends at `end`:
    /// saphyr-parser runs a quoted scalar's and a flow collection's on over the spaces and
    /// comment that follow them on the line. Gives up at anything else after the token.
    fn token_end(&self, after: usize, end: usize) -> Step<usize> {
        let next = skip_spaces(self.b, after, end);
        match self.b.get(next).filter(|_| next < end) {
            None if next > after => Ok(end),
            None => Ok(after),
            Some(b'#') if next > after => Ok(end),
            Some(_) => give_up(),
        }
    }

    /// A literal block scalar whose `|` is at `v`, in an entry of the collection at column
    /// `parent`: reads its lines.
    fn literal(&mut self, line: Line, parent: usize, v: usize) -> Step {
        let mut h = v + 1;
        let keep = match self.b.get(h).filter(|_| h < line.end) {
            Some(b'+') => {
                h += 1;
                Some(true)
            }
            Some(b'-') => {
                h += 1;
                Some(false)
            }
            _ => None,
        };
        let after = skip_spaces(self.b, h, line.end);
        let header_ok = after == line.end || (after > h && self.b[after] == b'#');
        if !header_ok {
            // Indentation indicators and anything else after the header.
            return give_up();
        }
        // The body: lines of spaces, or of at least `indent` spaces before their content.
        let mut lines: Vec<Line> = Vec::new();
        let mut indent = None;
        let mut leading_spaces = 0;
        let mut pos = line.next;
        let end = loop {
            if pos >= self.b.len() {
                break self.b.len();
            }
            let l = Line::at(self.b, pos);
            let spaces = self.b[l.start..l.end]
                .iter()
                .take_while(|&&c| c == b' ')
                .count();
            let blank = l.start + spaces == l.end;
            match indent {
                None if blank => leading_spaces = leading_spaces.max(spaces),
                None if spaces <= parent => break l.start + spaces,
                None => {
                    if leading_spaces > spaces {
                        return give_up();
                    }
                    indent = Some(spaces);
                }
                Some(i) if !blank && spaces < i => break l.start + spaces,
                Some(_) => {}
            }
            if self.b.get(l.start + spaces) == Some(&b'\t') && !blank {
                return give_up();
            }
            lines.push(l);
            pos = l.next;
        };
        let Some(indent) = indent else {
            // An empty block: saphyr-parser places those inconsistently.
            return give_up();
        };
        let mut value = String::new();
        let mut content_end = 0;
        let mut first = None;
        for l in &lines {
            if l.end - l.start > indent {
                first.get_or_insert(l.start + indent);
                value.push_str(&self.text[l.start + indent..l.end]);
                value.push('\n');
                content_end = value.len();
            } else {
                value.push('\n');
            }
        }
        match keep {
            Some(true) => {}
            Some(false) => value.truncate(content_end - 1),
            None => value.truncate(content_end),
        }
        let start = first.expect("a block with an indentation has content");
        self.pos = pos;
        self.scalar(Cow::Owned(value), Style::Literal, start..end)
    }

    /// The key of an entry starting at `t`, when the line is `key: ...`.
    fn key(&self, t: usize, end: usize) -> Step<Option<Key<'a>>> {
        let b = self.b;
        let (value, style, span) = match b[t] {
            b'"' | b'\'' => {
                let Some(q) = quoted(self.text, t, end) else {
                    return give_up();
                };
                (q.value, q.style, t..q.close + 1)
            }
            c if starts_plain(c, b.get(t + 1).copied()) => {
                let Some(colon) = key_colon(b, t, end) else {
                    return Ok(None);
                };
                if b[colon - 1] == b' ' || colon - t > 1024 {
                    return give_up();
                }
                let value = &self.text[t..colon];
                if value.contains(" #") || value.contains('\t') {
                    return give_up();
                }
                (Cow::Borrowed(value), Style::Plain, t..colon)
            }
            _ => return Ok(None),
        };
        let colon = span.end;
        let is_key =
            b.get(colon) == Some(&b':') && (colon + 1 == end || b.get(colon + 1) == Some(&b' '));
        if !is_key {
            // A quoted scalar that is not a key, or a key followed by something else.
            return match style {
                Style::Plain => Ok(None),
                _ if b.get(colon).is_some_and(|&c| c == b':') => give_up(),
                _ => Ok(None),
            };
        }
        Ok(Some(Key {
            value,
            style,
            span,
            colon,
        }))
    }
}

/// What a text has that lines need a closer look for.
struct Odd {
    /// A carriage return.
    cr: bool,
    /// Something this reader does not read anywhere: control characters, the byte order
    /// mark, and the line breaks of YAML 1.1 (`U+0085`, `U+2028`, `U+2029`).
    other: bool,
}

/// Looks at every byte once, in a loop that compiles to vector instructions.
fn odd_bytes(b: &[u8]) -> Odd {
    let (mut control, mut cr, mut lead) = (false, false, false);
    for &c in b {
        control |= (c < 0x20 && c != b'\n' && c != b'\r' && c != b'\t') || c == 0x7f;
        cr |= c == b'\r';
        // The first bytes of the characters looked for.
        lead |= c == 0xc2 || c == 0xe2 || c == 0xef;
    }
    let other = control
        || (lead
            && [
                &b"\xc2\x85"[..],
                b"\xe2\x80\xa8",
                b"\xe2\x80\xa9",
                b"\xef\xbb\xbf",
            ]
            .iter()
            .any(|needle| memchr::memmem::find(b, needle).is_some()));
    Odd { cr, other }
}

/// A map key read from a line.
struct Key<'a> {
    value: Cow<'a, str>,
    style: Style,
    span: Range<usize>,
    /// Where its `:` is.
    colon: usize,
}

/// A quoted scalar read from one line.
struct Quoted<'a> {
    value: Cow<'a, str>,
    style: Style,
    /// Where its closing quote is.
    close: usize,
}

/// The quoted scalar opening at `open`, when it closes on its line (before `end`) and has no
/// escapes (`\` in double quotes; `''` in single quotes is read).
fn quoted(text: &str, open: usize, end: usize) -> Option<Quoted<'_>> {
    let b = text.as_bytes();
    let quote = b[open];
    let body = &b[open + 1..end];
    if quote == b'"' {
        let close = open + 1 + memchr::memchr(b'"', body)?;
        if b[open + 1..close].contains(&b'\\') {
            return None;
        }
        return Some(Quoted {
            value: Cow::Borrowed(&text[open + 1..close]),
            style: Style::DoubleQuoted,
            close,
        });
    }
    let mut at = open + 1;
    let mut doubled = false;
    loop {
        let q = at + memchr::memchr(b'\'', &b[at..end])?;
        if b.get(q + 1) == Some(&b'\'') && q + 1 < end {
            doubled = true;
            at = q + 2;
            continue;
        }
        let inner = &text[open + 1..q];
        let value = if doubled {
            Cow::Owned(inner.replace("''", "'"))
        } else {
            Cow::Borrowed(inner)
        };
        return Some(Quoted {
            value,
            style: Style::SingleQuoted,
            close: q,
        });
    }
}

/// The bracket that closes `open`.
fn close_of(open: u8) -> u8 {
    if open == b'[' {
        b']'
    } else {
        b'}'
    }
}

/// Whether the line content at `t` (before `end`) is a sequence entry's dash.
fn is_dash(b: &[u8], t: usize, end: usize) -> bool {
    b[t] == b'-' && (t + 1 == end || b[t + 1] == b' ')
}

/// Where the content of the sequence entry whose dash is at `dash` is: its first character,
/// or the end of its line (after spaces and a comment) when it has none.
fn item_content(b: &[u8], dash: usize, end: usize) -> usize {
    let v = skip_spaces(b, dash + 1, end);
    if v == end || b[v] == b'#' {
        end
    } else {
        v
    }
}

fn skip_spaces(b: &[u8], mut at: usize, end: usize) -> usize {
    while at < end && b[at] == b' ' {
        at += 1;
    }
    at
}

/// Whether a plain scalar may start with `c` (followed by `next`): not with an indicator,
/// except `-`, `?` and `:` before a character that is not a space.
fn starts_plain(c: u8, next: Option<u8>) -> bool {
    match c {
        b'-' | b'?' | b':' => next.is_some_and(|n| !matches!(n, b' ' | b'\t' | b'\r' | b'\n')),
        b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' | b' ' | b'\t' => false,
        _ => true,
    }
}

/// The `:` of a plain key starting at `t`: the first one followed by a space or the end of
/// the line, before any comment.
fn key_colon(b: &[u8], t: usize, end: usize) -> Option<usize> {
    let mut at = t;
    while let Some(i) = memchr::memchr2(b':', b'#', &b[at..end]) {
        let p = at + i;
        match b[p] {
            b':' if p + 1 == end || b[p + 1] == b' ' => return Some(p),
            b'#' if b[p - 1] == b' ' => return None,
            _ => at = p + 1,
        }
    }
    None
}

/// The end of a plain scalar starting at `v` on a line ending at `end`: before a comment
/// and trailing spaces.
fn plain_end(b: &[u8], v: usize, end: usize) -> Option<usize> {
    let mut stop = end;
    let mut at = v;
    while let Some(i) = memchr::memchr(b'#', &b[at..end]) {
        let p = at + i;
        if b[p - 1] == b' ' {
            stop = p;
            break;
        }
        at = p + 1;
    }
    let mut e = stop;
    while e > v && b[e - 1] == b' ' {
        e -= 1;
    }
    (e > v).then_some(e)
}

/// Whether this reader, where it reads `text`, reports the events `saphyr-parser` reports,
/// spans included (for the tests and the fuzz targets).
#[cfg(any(test, fuzzing))]
pub(super) fn agrees_with_saphyr(text: &str) -> Option<bool> {
    let mut fast = Vec::new();
    let scanned = scan(text, |e, span| {
        fast.push((e, span));
        Ok(())
    });
    if scanned.ok()? == Scanned::GaveUp {
        return None;
    }
    let mut slow = Vec::new();
    let read = super::events::saphyr(text, |e, span| {
        slow.push((e, span));
        Ok(())
    });
    Some(read.is_ok() && fast == slow)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> (Scanned, Vec<(Event<'_>, Range<usize>)>) {
        let mut out = Vec::new();
        let scanned = scan(text, |e, span| {
            out.push((e, span));
            Ok(())
        })
        .unwrap();
        (scanned, out)
    }

    fn saphyr(text: &str) -> Vec<(Event<'_>, Range<usize>)> {
        let mut out = Vec::new();
        super::super::events::saphyr(text, |e, span| {
            out.push((e, span));
            Ok(())
        })
        .unwrap();
        out
    }

    /// Asserts that the scan reads `text` as saphyr-parser does, or gives up.
    fn same_as_saphyr(text: &str) -> bool {
        if events(text).0 == Scanned::GaveUp {
            return false;
        }
        assert_eq!(events(text).1, saphyr(text), "in:\n{text}");
        assert_eq!(agrees_with_saphyr(text), Some(true));
        true
    }

    #[test]
    fn reads_block_style_as_saphyr_does() {
        let read = [
            "a: 1\nb:\n  c: \"x y\"  # c1\n  d: |\n    line1\n    line2\n  e:\n  - p\n  - q: r\n    s: t\n# end\nf: plain text\n",
            "a:\nb: 1\n",
            "a:\n- x\n- y\nb: 1\n",
            "a: |-\n\n  x\n\n  y\n\n\n# c\nb: 2\n",
            "a: |\n  x",
            "k: v # c\n# tail\n",
            "\"q k\": 1\n's': v\n",
            "a: b#c\nd: e  #x\n",
            "a: x\r\nb: y\r\n",
            "a: 1\n\n# x\n\n",
            "k:\n  - x\n  -\n    y: 1\n",
            "a:\n  b:\n    c: 1\n  d: 2\ne: 3\n",
            "a: |+\n  x\n\n\nb: 1\n",
            "a: 1 # c\n  # indented\nb: 2\n",
            "# c\n\na: 1\n",
            "\"a\":\nb: 1\n",
            "a:\n-\n- x\n",
            "a:   # c\n  b: 1\n",
            "  a: 1\n  b: 2\n",
            "a:\n    - x\nb:\n  c: |\n    t\n  # c\n  d: 1\n",
            "a: |\n  x\n # less\nb: 1\n",
            "a: |\n  x\n   \nb: 1\n",
            "a:\n  - |\n    x\n  - y\n",
            "a: |\n  x\n\n# c\n",
            "a: \"x\" # c\nb: 'y'\n",
            "a: \"x\"   \nb: 1\n",
            "a:  # c\nb: 1\n",
            "a:\n- # c\n- x\n",
            "k:\n  - # c\n    a: 1\n",
            "a: 'it''s'  # c\n",
            "a:\n  - x # c\n  - y\n",
            "a: x   \n",
            "url: http://example.com:80/x\n-a: -1\n",
            "a: []\nb: {}\n",
            "a: []  # x\nb: {}   \nc: []\n",
            "a:\n  - hc_vault: []\n    x: 1\n",
            "---\na: 1\n---\nb: 2\n",
            "a: 1\n---\nb: 2\n...\n",
            "# c\n---\na: 1\n",
            "a: 1\n...\nb: 2\n",
            "a: 1\n...\n---\nb: 2\n",
            "--- # c\na: 1\n",
            "---\n# c\na: 1\n",
        ];
        for text in read {
            assert!(same_as_saphyr(text), "gave up on:\n{text}");
        }
    }

    #[test]
    fn reads_the_yaml_of_the_test_data_as_saphyr_does() {
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    files(&path, out);
                } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                    out.push(path);
                }
            }
        }
        let mut paths = Vec::new();
        files(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data"),
            &mut paths,
        );
        let mut read = 0;
        for path in &paths {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            if std::panic::catch_unwind(|| saphyr_reads(&text)).unwrap_or(false)
                && same_as_saphyr(&text)
            {
                read += 1;
            }
        }
        // Most of them are the block style this reader is for (the rest exercise the rest of
        // YAML).
        assert!(
            read * 2 > paths.len(),
            "read {read} of {} files",
            paths.len()
        );
        eprintln!("READ {read} of {}", paths.len());
    }

    fn saphyr_reads(text: &str) -> bool {
        super::super::events::saphyr(text, |_, _| Ok(())).is_ok()
    }

    #[test]
    fn gives_up_on_what_it_does_not_read() {
        let other = [
            "a: [1, 2]\n",
            "a: {b: 1}\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: x\n  y\n",
            "a: \"x\n  y\"\n",
            "a: \"x\\ty\"\n",
            "a: >\n  x\n",
            "a: |2\n   x\n",
            "a: |\n\n\n",
            "a: |\nb: 1\n",
            "---\n---\na: 1\n",
            "a: 1\n---\n",
            "--- a: 1\n",
            "c: [ ]\n",
            "c: [1]\n",
            "%YAML 1.2\n---\na: 1\n",
            "- a\n- b\n",
            "a:\n  - - x\n",
            "a:\tb\n",
            "? a\n: b\n",
            "just a scalar\n",
            "a: b: c\n",
        ];
        for text in other {
            assert_eq!(events(text).0, Scanned::GaveUp, "read:\n{text}");
        }
        assert_eq!(events("").0, Scanned::Done);
        assert_eq!(events("# only\n").1, []);
    }
}

//! A file's bytes, shared by its document and the string values read from it.
//!
//! A file of many values holds most of its bytes in those values (an encrypted file is
//! mostly `ENC[...]` strings), so a value written verbatim in the file is a slice of the
//! file's bytes, not a copy: reading a large file then costs no allocation per value.

use std::fmt;
use std::ops::{Deref, Range};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use zeroize::{Zeroize, Zeroizing};

/// The bytes of a file, shared by its [`Document`](crate::tree::Document) and the values
/// sliced from them. Wiped when the last holder drops them, unless marked as holding only
/// ciphertext and metadata ([`Source::set_secret`]).
pub struct Source {
    bytes: Vec<u8>,
    secret: AtomicBool,
}

impl Source {
    /// The bytes of a file, shared; taken for plaintext (wiped on drop) until said otherwise.
    pub fn new(bytes: Vec<u8>) -> Arc<Source> {
        Arc::new(Source {
            bytes,
            secret: AtomicBool::new(true),
        })
    }

    /// Whether the bytes are wiped when dropped. An encrypted file's are not: wiping a large
    /// file byte by byte costs more than decrypting it, and it holds nothing secret.
    pub fn set_secret(&self, secret: bool) {
        self.secret.store(secret, Ordering::Relaxed);
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes
    }
}

impl Deref for Source {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        if *self.secret.get_mut() {
            self.bytes.zeroize();
        }
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Source({} bytes)", self.bytes.len())
    }
}

/// A range of bytes of a file, or of a buffer made from one, in 32 bits: a file has as many
/// of them as values, and inputs are at most [`crate::io::MAX_INPUT`] bytes (what is made
/// from one stays below 4 GiB).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    end: u32,
}

impl Span {
    /// The range, as used for slicing.
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// Its length.
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }
}

impl From<Range<usize>> for Span {
    fn from(range: Range<usize>) -> Span {
        Span {
            start: narrow(range.start),
            end: narrow(range.end),
        }
    }
}

/// An offset or column of a file as stored in 32 bits (see [`Span`]).
pub(crate) fn narrow(n: usize) -> u32 {
    u32::try_from(n).expect("offsets stay below 4 GiB")
}

/// A string value's bytes: a slice of a [`Source`], or bytes of its own (wiped on drop).
/// `Debug` never shows them.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Owned(Zeroizing<Vec<u8>>),
    /// Offsets as `u32`: inputs are at most [`crate::io::MAX_INPUT`] bytes.
    Shared {
        source: Arc<Source>,
        start: u32,
        end: u32,
    },
}

impl Text {
    /// The bytes at `range` of `source`, without a copy.
    pub fn shared(source: &Arc<Source>, range: Range<usize>) -> Text {
        match (u32::try_from(range.start), u32::try_from(range.end)) {
            (Ok(start), Ok(end)) if range.end <= source.len() && start <= end => {
                Text(Repr::Shared {
                    source: Arc::clone(source),
                    start,
                    end,
                })
            }
            _ => Text::from(source[range].to_vec()),
        }
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        match &self.0 {
            Repr::Owned(bytes) => bytes,
            Repr::Shared { source, start, end } => &source[*start as usize..*end as usize],
        }
    }
}

impl Deref for Text {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for Text {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl From<Vec<u8>> for Text {
    fn from(bytes: Vec<u8>) -> Text {
        Text(Repr::Owned(Zeroizing::new(bytes)))
    }
}

impl From<Zeroizing<Vec<u8>>> for Text {
    fn from(bytes: Zeroizing<Vec<u8>>) -> Text {
        Text(Repr::Owned(bytes))
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Text(<redacted>)")
    }
}

/// A map key: UTF-8 text, a slice of its file's bytes when written there verbatim (a file
/// has as many keys as values). Keys are no secret: `Debug` shows them.
#[derive(Clone)]
pub struct Key(Text);

impl Key {
    /// The key at `range` of `source`, when those bytes are UTF-8.
    pub fn shared(source: &Arc<Source>, range: Range<usize>) -> Option<Key> {
        std::str::from_utf8(&source[range.clone()]).ok()?;
        Some(Key(Text::shared(source, range)))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("a key is UTF-8 (checked when made)")
    }
}

impl Deref for Key {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for Key {
    fn from(key: String) -> Key {
        Key(Text::from(key.into_bytes()))
    }
}

impl From<&str> for Key {
    fn from(key: &str) -> Key {
        Key::from(key.to_string())
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Key {}

impl PartialEq<str> for Key {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Key {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Key {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl std::borrow::Borrow<str> for Key {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_slice_reads_its_range_of_the_source() {
        let source = Source::new(b"key: hunter2\n".to_vec());
        let text = Text::shared(&source, 5..12);
        assert_eq!(text.as_slice(), b"hunter2");
        assert_eq!(text, Text::from(b"hunter2".to_vec()));
        // A slice keeps the bytes alive after the document lets them go.
        drop(source);
        assert_eq!(&*text, b"hunter2");
        assert!(!format!("{text:?}").contains("hunter2"));
    }

    #[test]
    fn a_key_is_utf8_shared_or_owned() {
        let source = Source::new(b"k\xc3\xa4se: 1\n\xff: 2".to_vec());
        let key = Key::shared(&source, 0..5).unwrap();
        assert_eq!(key, "käse");
        assert_eq!(key, Key::from("käse"));
        assert_eq!(format!("{key:?}"), "\"käse\"");
        assert!(Key::shared(&source, 0..2).is_none(), "half a character");
    }

    #[test]
    fn a_range_out_of_the_source_is_a_bug_caught_by_the_slice() {
        let source = Source::new(b"abc".to_vec());
        let result = std::panic::catch_unwind(|| Text::shared(&source, 1..9));
        assert!(result.is_err());
    }
}

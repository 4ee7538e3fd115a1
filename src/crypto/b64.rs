//! Standard base64 (RFC 4648 §4, padded) of the short fields of `ENC[...]` values, written
//! and read in place: a file has as many of them as values, each a few dozen characters, where
//! a general-purpose engine's set-up for long inputs costs more than the decoding itself.
//!
//! Decoding is canonical, as the `base64` crate's `STANDARD` engine is: padding is required,
//! and the bits a final partial group leaves over must be zero.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The 6-bit value of each byte, or `INVALID`.
const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};
const INVALID: u8 = 0xFF;
/// A bit only `INVALID` has among the table's values (valid ones are below 64).
const INVALID_BIT: u8 = 0x80;

/// Length of the padded base64 of `n` bytes.
pub fn encoded_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Appends the padded base64 of `bytes` to `out`.
pub fn encode_into(bytes: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + encoded_len(bytes.len()), b'=');
    let dest = &mut out[start..];
    let char_of = |n: u32, shift: u32| ALPHABET[(n >> shift) as usize & 63];
    let mut groups = bytes.chunks_exact(3);
    for (g, o) in (&mut groups).zip(dest.chunks_exact_mut(4)) {
        let n = u32::from(g[0]) << 16 | u32::from(g[1]) << 8 | u32::from(g[2]);
        o.copy_from_slice(&[char_of(n, 18), char_of(n, 12), char_of(n, 6), char_of(n, 0)]);
    }
    let tail = groups.remainder();
    if !tail.is_empty() {
        let last = dest.len() - 4;
        let n = tail
            .iter()
            .enumerate()
            .fold(0, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        // One byte makes two characters, two make three; `=` pads the rest.
        for (i, shift) in [18, 12, 6][..=tail.len()].iter().enumerate() {
            dest[last + i] = char_of(n, *shift);
        }
    }
}

/// Appends the bytes `text` encodes to `out`; `None` (and `out` as it was) when `text` is
/// not canonical padded base64.
pub fn decode_into(text: &[u8], out: &mut Vec<u8>) -> Option<()> {
    let start = out.len();
    out.resize(start + text.len() / 4 * 3, 0);
    match decode_slice(text, &mut out[start..]) {
        Some(n) => {
            out.truncate(start + n);
            Some(())
        }
        None => {
            out.truncate(start);
            None
        }
    }
}

/// The bytes `text` encodes, when they are at most `N`: with how many there are.
pub fn decode_array<const N: usize>(text: &[u8]) -> Option<([u8; N], usize)> {
    let mut array = [0u8; N];
    let mut groups = [0u8; 48];
    let out = groups.get_mut(..text.len() / 4 * 3)?;
    let n = decode_slice(text, out)?;
    array.get_mut(..n)?.copy_from_slice(&out[..n]);
    Some((array, n))
}

/// Decodes `text` into `out`, which holds three bytes per four characters; returns how many
/// bytes the text encodes (the padding's fewer).
fn decode_slice(text: &[u8], out: &mut [u8]) -> Option<usize> {
    if text.len() % 4 != 0 {
        return None;
    }
    let Some((body, last)) = text.split_last_chunk::<4>() else {
        return Some(0);
    };
    // Checked once for the whole body: a value outside the alphabet has the top bit set.
    let mut union = 0;
    for (g, o) in body.chunks_exact(4).zip(out.chunks_exact_mut(3)) {
        let [a, b, c, d] = [g[0], g[1], g[2], g[3]].map(|x| DECODE[x as usize]);
        union |= a | b | c | d;
        let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        o[0] = (n >> 16) as u8;
        o[1] = (n >> 8) as u8;
        o[2] = n as u8;
    }
    if union & INVALID_BIT != 0 {
        return None;
    }
    let tail = &mut out[body.len() / 4 * 3..];
    let (n, len) = match *last {
        // The bits a partial group leaves over must be zero.
        [a, b, b'=', b'='] => (sextets(a, b, b'A', b'A').filter(|n| n & 0xFFFF == 0)?, 1),
        [a, b, c, b'='] => (sextets(a, b, c, b'A').filter(|n| n & 0xFF == 0)?, 2),
        [a, b, c, d] => (sextets(a, b, c, d)?, 3),
    };
    tail[..len].copy_from_slice(&n.to_be_bytes()[1..1 + len]);
    Some(body.len() / 4 * 3 + len)
}

/// Four characters as 24 bits; `None` when one is not in the alphabet (`=` included).
fn sextets(a: u8, b: u8, c: u8, d: u8) -> Option<u32> {
    let [a, b, c, d] = [a, b, c, d].map(|x| DECODE[x as usize]);
    if (a | b | c | d) & INVALID_BIT != 0 {
        return None;
    }
    Some(u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;

    fn decode(text: &[u8]) -> Option<Vec<u8>> {
        let mut out = vec![9];
        let decoded = decode_into(text, &mut out).map(|()| out[1..].to_vec());
        if decoded.is_none() {
            assert_eq!(out, [9], "a failed decoding leaves the buffer as it was");
        }
        decoded
    }

    #[test]
    fn agrees_with_the_base64_crate_on_every_short_input() {
        // Every length up to 40 bytes, and every 1- and 2-byte value.
        let mut inputs: Vec<Vec<u8>> = (0..=40u8)
            .map(|n| (0..n).map(|i| i.wrapping_mul(37)).collect())
            .collect();
        inputs.extend((0..=255u8).map(|a| vec![a]));
        inputs.extend((0..=255u8).map(|a| vec![a, 255 - a]));
        for bytes in inputs {
            let mut encoded = Vec::new();
            encode_into(&bytes, &mut encoded);
            assert_eq!(encoded, STANDARD.encode(&bytes).into_bytes());
            assert_eq!(encoded.len(), encoded_len(bytes.len()));
            assert_eq!(decode(&encoded), Some(bytes.clone()));
        }
    }

    #[test]
    fn refuses_what_the_base64_crate_refuses() {
        let cases: [&[u8]; 12] = [
            b"YQ",
            b"YQ=",
            b"YR==",
            b"YWI",
            b"YWJ=",
            b"Y===",
            b"====",
            b"YQ==YQ==",
            b"Y Q=",
            b"YQ\n=",
            b"-_-_",
            b"\xff\xff\xff\xff",
        ];
        for text in cases {
            assert!(STANDARD.decode(text).is_err(), "{text:?}");
            assert_eq!(decode(text), None, "{text:?}");
        }
        assert_eq!(decode(b""), Some(Vec::new()));
    }

    #[test]
    fn an_array_takes_what_fits() {
        assert_eq!(decode_array::<2>(b"YWI="), Some(([b'a', b'b'], 2)));
        assert_eq!(decode_array::<4>(b"YWI="), Some(([b'a', b'b', 0, 0], 2)));
        assert_eq!(decode_array::<1>(b"YWI="), None);
        assert_eq!(decode_array::<32>(&[b'A'; 400]), None);
        assert_eq!(
            decode_array::<32>(&[b'A'; 64]),
            None,
            "48 bytes do not fit 32"
        );
    }
}

//! Shamir secret sharing as SOPS does it (SOPS_FORMAT.md §5): HashiCorp Vault's scheme over
//! GF(2^8) with the AES polynomial, one random polynomial per secret byte, shares encoded as
//! `y_1..y_n || x`, and x = group index + 1 (SOPS does not shuffle x-coordinates).

use rand::RngCore;
use zeroize::Zeroizing;

/// Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
fn mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let carry = a & 0x80;
        a <<= 1;
        if carry != 0 {
            a ^= 0x1B;
        }
        b >>= 1;
    }
    p
}

/// Multiplicative inverse (a^254); `inv(0)` is 0.
fn inv(a: u8) -> u8 {
    let mut result = 1u8;
    let mut base = a;
    let mut e = 254u8;
    while e != 0 {
        if e & 1 != 0 {
            result = mul(result, base);
        }
        base = mul(base, base);
        e >>= 1;
    }
    result
}

/// Splits `secret` into `parts` shares, any `threshold` of which recover it.
pub fn split(
    secret: &[u8],
    parts: usize,
    threshold: usize,
) -> Result<Vec<Zeroizing<Vec<u8>>>, String> {
    if !(2..=255).contains(&parts) || threshold < 2 || threshold > parts {
        return Err(format!(
            "a Shamir threshold of {threshold} with {parts} key groups is impossible (need 2 ≤ threshold ≤ groups ≤ 255)"
        ));
    }
    let mut shares: Vec<Zeroizing<Vec<u8>>> = (0..parts)
        .map(|_| Zeroizing::new(Vec::with_capacity(secret.len() + 1)))
        .collect();
    let mut coefficients = Zeroizing::new(vec![0u8; threshold]);
    for &byte in secret {
        coefficients[0] = byte;
        rand::rngs::OsRng.fill_bytes(&mut coefficients[1..]);
        for (i, share) in shares.iter_mut().enumerate() {
            let x = (i + 1) as u8;
            // Horner's method.
            let y = coefficients
                .iter()
                .rev()
                .fold(0u8, |acc, &c| mul(acc, x) ^ c);
            share.push(y);
        }
    }
    for (i, share) in shares.iter_mut().enumerate() {
        share.push((i + 1) as u8);
    }
    Ok(shares)
}

/// Recovers a secret from shares (Lagrange interpolation at x = 0).
pub fn combine(shares: &[&[u8]]) -> Result<Zeroizing<Vec<u8>>, String> {
    if shares.len() < 2 {
        return Err("at least two shares are needed".into());
    }
    let len = shares[0].len();
    if len < 2 || shares.iter().any(|s| s.len() != len) {
        return Err("the shares have different or invalid lengths".into());
    }
    let xs: Vec<u8> = shares.iter().map(|s| s[len - 1]).collect();
    for (i, x) in xs.iter().enumerate() {
        if xs[..i].contains(x) {
            return Err("two shares have the same x-coordinate".into());
        }
    }
    let mut secret = Zeroizing::new(vec![0u8; len - 1]);
    for (i, &xi) in xs.iter().enumerate() {
        // Lagrange basis at 0: prod_{j != i} x_j / (x_j - x_i); subtraction is XOR.
        let mut basis = 1u8;
        for (j, &xj) in xs.iter().enumerate() {
            if i != j {
                basis = mul(basis, mul(xj, inv(xj ^ xi)));
            }
        }
        for (k, out) in secret.iter_mut().enumerate() {
            *out ^= mul(shares[i][k], basis);
        }
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_arithmetic() {
        assert_eq!(mul(0x57, 0x83), 0xC1); // FIPS-197 example
        for a in 1..=255u8 {
            assert_eq!(mul(a, inv(a)), 1);
        }
    }

    #[test]
    fn any_threshold_subset_recovers() {
        let secret: Vec<u8> = (0..32).collect();
        let shares = split(&secret, 3, 2).unwrap();
        assert!(shares
            .iter()
            .enumerate()
            .all(|(i, s)| s.len() == 33 && s[32] == i as u8 + 1));
        for (a, b) in [(0, 1), (0, 2), (1, 2)] {
            let got = combine(&[&shares[a], &shares[b]]).unwrap();
            assert_eq!(got.as_slice(), secret.as_slice());
        }
        let all: Vec<&[u8]> = shares.iter().map(|s| s.as_slice()).collect();
        assert_eq!(combine(&all).unwrap().as_slice(), secret.as_slice());
        assert!(split(&secret, 2, 3).is_err());
        assert!(combine(&[&shares[0]]).is_err());
    }
}

//! Secrets: API tokens, reporter links, session ids and CSRF secrets.
//!
//! A secret is 32 bytes from the operating system's generator. Tokens, reporter tokens and session ids
//! are printed as `cw_` and 64 lowercase hex digits, given to their owner once, and stored only as the
//! SHA-256 of that text (lowercase hex), which is what lookups compare.

use sha2::{Digest, Sha256};

use crate::Error;

/// The prefix of every token the store hands out, so that secret scanners can recognise them.
const TOKEN_PREFIX: &str = "cw_";

/// A new token: `cw_` and 64 lowercase hex digits.
pub(crate) fn new_token<E>(what: &'static str) -> Result<String, Error<E>> {
    Ok(format!("{TOKEN_PREFIX}{}", random_hex(what)?))
}

/// 32 random bytes as 64 lowercase hex digits.
pub(crate) fn random_hex<E>(what: &'static str) -> Result<String, Error<E>> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|source| Error::Random { what, source })?;
    Ok(hex(&bytes))
}

/// The SHA-256 of a token's text, in lowercase hex: what the database stores in its place.
pub(crate) fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    #[test]
    fn tokens_are_prefixed_lowercase_hex_and_distinct() {
        let a = super::new_token::<Infallible>("token").unwrap();
        let b = super::new_token::<Infallible>("token").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 64);
        assert!(a.starts_with("cw_"));
        assert!(a[3..].bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(super::hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}

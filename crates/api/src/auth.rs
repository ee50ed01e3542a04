//! Tokens: who sees the detailed indicators of restricted-licence sources.
//!
//! A token is `ecoref_` followed by 64 hex digits (32 random bytes from the operating system). Only its sha256 is
//! stored and cached; a request's `Authorization: Bearer <token>` is hashed and looked up in the cache, which the
//! server refreshes from the database every few seconds. The cache fails closed: when it has not been refreshed
//! for longer than its maximum age (the database is unreachable), no token is accepted, so a revocation can never
//! be outlived by an outage.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// The prefix of every token, so that a leaked one is recognisable (secret scanners, logs).
pub const TOKEN_PREFIX: &str = "ecoref_";

/// Errors of [`generate_token`].
#[derive(Debug, thiserror::Error)]
#[error("the operating system gave no random bytes: {0}")]
pub struct RandomError(String);

/// A new secret token: `ecoref_` + 64 lowercase hex digits from 32 random bytes.
pub fn generate_token() -> Result<String, RandomError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(format!("{TOKEN_PREFIX}{}", hex(&bytes)))
}

/// The sha256 (lowercase hex) of a token's bytes: what the database stores and the server compares.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The cached set of valid token hashes and when it was last refreshed.
#[derive(Debug)]
pub(crate) struct TokenCache {
    hashes: HashSet<[u8; 32]>,
    refreshed_at: Option<Instant>,
    max_age: Duration,
}

impl TokenCache {
    pub(crate) fn new(max_age: Duration) -> TokenCache {
        TokenCache { hashes: HashSet::new(), refreshed_at: None, max_age }
    }

    /// Replaces the set with `hashes` (lowercase hex sha256; anything else is skipped) and marks it fresh.
    pub(crate) fn replace(&mut self, hashes: impl IntoIterator<Item = String>) -> usize {
        self.hashes = hashes.into_iter().filter_map(|h| parse_hex32(&h)).collect();
        self.refreshed_at = Some(Instant::now());
        self.hashes.len()
    }

    /// True when the set is fresh and holds the hash of `token`.
    fn accepts(&self, token: &str) -> bool {
        let fresh = self.refreshed_at.is_some_and(|at| at.elapsed() <= self.max_age);
        fresh && self.hashes.contains(&<[u8; 32]>::from(Sha256::digest(token.as_bytes())))
    }
}

fn parse_hex32(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let digit = |b: u8| match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            _ => None,
        };
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// What the caller may see: everything (a valid token), or single scores only where a restricted source is
/// involved (no token). An invalid, revoked or malformed token is refused with 401, not downgraded silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Public,
    Full,
}

impl Access {
    /// Whether detailed indicators may be shown for data whose `restricted` flag is given.
    pub(crate) fn shows_indicators(self, restricted: bool) -> bool {
        !restricted || self == Access::Full
    }
}

impl FromRequestParts<AppState> for Access {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Access, ApiError> {
        let Some(value) = parts.headers.get(AUTHORIZATION) else { return Ok(Access::Public) };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::InvalidToken("the Authorization header must be `Bearer <token>`".to_owned()))?;
        if state.token_cache().accepts(token) {
            Ok(Access::Full)
        } else {
            Err(ApiError::InvalidToken("the token is not valid: unknown or revoked".to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_prefixed_random_and_hash_to_64_hex_digits() {
        let a = generate_token().unwrap();
        let b = generate_token().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 64, "{a}");
        let hash = hash_token(&a);
        assert_eq!(hash.len(), 64);
        assert!(hash.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        // sha256("abc"), from FIPS 180-2.
        assert_eq!(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn the_cache_accepts_known_tokens_while_fresh_and_fails_closed_when_stale() {
        let mut cache = TokenCache::new(Duration::from_secs(60));
        assert!(!cache.accepts("ecoref_x"), "never refreshed: nothing is valid");
        assert_eq!(cache.replace([hash_token("ecoref_x"), "not-a-hash".to_owned(), "AB".repeat(32)]), 1);
        assert!(cache.accepts("ecoref_x"));
        assert!(!cache.accepts("ecoref_y"));
        cache.replace(Vec::new());
        assert!(!cache.accepts("ecoref_x"), "revoked");

        let mut stale = TokenCache::new(Duration::ZERO);
        stale.replace([hash_token("ecoref_x")]);
        std::thread::sleep(Duration::from_millis(2));
        assert!(!stale.accepts("ecoref_x"), "a stale cache accepts nothing");
    }
}

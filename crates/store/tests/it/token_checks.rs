//! API token test bodies shared by both backends: create, list, revoke by id and by name, the active hashes, and
//! the triggers that keep a token row from changing except by one revocation.

use crate::support::execute_raw;
use ecoref_store::{ApiTokenRef, Error, Store};

const HASH_A: &str = "a3f1c2d4e5b6978812345678901234567890abcdef1234567890abcdef123456";
const HASH_B: &str = "0000000000000000000000000000000000000000000000000000000000000b0b";
const HASH_C: &str = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";

pub(crate) async fn check_api_tokens(store: &Store) {
    assert!(store.active_api_token_hashes().await.unwrap().is_empty());
    let a = store.create_api_token("ci-bot", HASH_A, "alice").await.unwrap();
    assert!(a.is_active() && a.name == "ci-bot" && a.created_by == "alice");
    let b = store.create_api_token("partner", HASH_B, "alice").await.unwrap();
    assert_eq!(store.active_api_token_hashes().await.unwrap(), [HASH_B, HASH_A]);

    // Refusals: a taken name, a bad name, a hash that is not a lowercase hex sha256, a reused hash.
    assert!(
        matches!(store.create_api_token("ci-bot", HASH_C, "x").await, Err(Error::ApiTokenExists(n)) if n == "ci-bot")
    );
    assert!(matches!(store.create_api_token("bad name", HASH_C, "x").await, Err(Error::InvalidName { .. })));
    assert!(store.create_api_token("upper", &HASH_C.to_uppercase(), "x").await.is_err());
    assert!(store.create_api_token("short", "abc", "x").await.is_err());
    assert!(store.create_api_token("again", HASH_A, "x").await.is_err(), "a hash is stored once");
    assert_eq!(store.list_api_tokens().await.unwrap().len(), 2);

    // Revoke by name, then by id; a second revocation and an unknown token are refused.
    let revoked = store.revoke_api_token(&ApiTokenRef::parse("ci-bot"), "bob").await.unwrap();
    assert_eq!((revoked.id, revoked.revoked_by.as_deref()), (a.id, Some("bob")));
    assert!(revoked.revoked_at.is_some() && !revoked.is_active());
    assert_eq!(store.active_api_token_hashes().await.unwrap(), [HASH_B]);
    let error = store.revoke_api_token(&ApiTokenRef::parse("ci-bot"), "bob").await.unwrap_err();
    assert!(matches!(error, Error::ApiTokenRevoked(_)), "{error}");
    assert_eq!(error.to_string(), "the API token with name ci-bot is already revoked");
    let error = store.revoke_api_token(&ApiTokenRef::parse(&a.id.to_string()), "bob").await.unwrap_err();
    assert!(matches!(error, Error::ApiTokenRevoked(_)), "{error}");
    let error = store.revoke_api_token(&ApiTokenRef::parse("nobody"), "bob").await.unwrap_err();
    assert_eq!(error.to_string(), "no API token with name nobody");
    assert!(matches!(store.revoke_api_token(&ApiTokenRef::parse("99999"), "x").await, Err(Error::ApiTokenNotFound(_))));

    // The name of a revoked token may be given to a new one.
    let a2 = store.create_api_token("ci-bot", HASH_C, "alice").await.unwrap();
    assert_ne!(a2.id, a.id);
    store.revoke_api_token(&ApiTokenRef::parse(&b.id.to_string()), "carol").await.unwrap();
    assert_eq!(store.active_api_token_hashes().await.unwrap(), [HASH_C]);
    let tokens = store.list_api_tokens().await.unwrap();
    let listed: Vec<(&str, bool)> = tokens.iter().map(|t| (t.name.as_str(), t.is_active())).collect();
    assert_eq!(listed, [("ci-bot", false), ("partner", false), ("ci-bot", true)]);

    // The database itself keeps rows: no delete, no un-revoking, no change but one revocation.
    for (sql, needle) in [
        ("DELETE FROM api_token", "delete refused"),
        ("UPDATE api_token SET revoked_at = NULL, revoked_by = NULL WHERE name = 'partner'", "revoked"),
        ("UPDATE api_token SET name = 'other' WHERE revoked_at IS NULL", "only a revocation"),
        ("UPDATE api_token SET token_hash = 'ffff' WHERE revoked_at IS NULL", "only a revocation"),
    ] {
        let error = execute_raw(store, sql).await.expect_err(sql);
        assert!(error.contains(needle), "{sql}: {error}");
    }
    assert_eq!(store.list_api_tokens().await.unwrap().len(), 3);
    assert_eq!(store.active_api_token_hashes().await.unwrap(), [HASH_C]);
}

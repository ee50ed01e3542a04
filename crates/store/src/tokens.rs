//! API tokens: who may read the detailed indicators of restricted-licence sources through the HTTP API.
//!
//! Only the sha256 of a token's secret is stored (the caller hashes; the store never sees a secret). Rows are kept
//! forever: a token is revoked once (`revoked_at`, `revoked_by`) and nothing else of it may change — enforced by
//! triggers on both backends. A name belongs to at most one token that is not revoked.

use crate::error::{Context, Error, Result};
use crate::{Dialect, Store, with_pool};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use std::fmt;

/// Id of an `api_token` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ApiTokenId(pub i64);

impl fmt::Display for ApiTokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A token as listed: never its secret nor its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiTokenSummary {
    pub id: ApiTokenId,
    pub name: String,
    pub created_by: String,
    pub created_at: String,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<String>,
}

impl ApiTokenSummary {
    /// True until the token is revoked.
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// Which token [`Store::revoke_api_token`] revokes: a number is an id, anything else the name of an active token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiTokenRef {
    Id(ApiTokenId),
    Name(String),
}

impl ApiTokenRef {
    /// `"12"` is an id, `"ci-bot"` a name.
    pub fn parse(text: &str) -> ApiTokenRef {
        match text.parse::<i64>() {
            Ok(id) => ApiTokenRef::Id(ApiTokenId(id)),
            Err(_) => ApiTokenRef::Name(text.to_owned()),
        }
    }
}

impl fmt::Display for ApiTokenRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiTokenRef::Id(id) => write!(f, "id {id}"),
            ApiTokenRef::Name(name) => write!(f, "name {name}"),
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
struct TokenRow {
    id: i64,
    name: String,
    created_by: String,
    created_at: String,
    revoked_by: Option<String>,
    revoked_at: Option<String>,
}

impl From<TokenRow> for ApiTokenSummary {
    fn from(row: TokenRow) -> Self {
        ApiTokenSummary {
            id: ApiTokenId(row.id),
            name: row.name,
            created_by: row.created_by,
            created_at: row.created_at,
            revoked_by: row.revoked_by,
            revoked_at: row.revoked_at,
        }
    }
}

fn token_columns(dialect: Dialect) -> String {
    format!(
        "t.id, t.name, t.created_by, {created} AS created_at, t.revoked_by, {revoked} AS revoked_at",
        created = dialect.time_text("t.created_at"),
        revoked = dialect.time_text("t.revoked_at"),
    )
}

/// A lowercase hex sha256: 64 characters of `0-9a-f`.
fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Store {
    /// Records a new token by the sha256 (lowercase hex) of its secret. Refused when `name` is not a valid name
    /// ([`Error::InvalidName`]) or an active token already has it ([`Error::ApiTokenExists`]).
    pub async fn create_api_token(&self, name: &str, token_hash: &str, created_by: &str) -> Result<ApiTokenSummary> {
        crate::release::check_name("token", name)?;
        if !is_sha256_hex(token_hash) {
            return Err(Error::Encode {
                table: "api_token",
                detail: "token_hash is not a lowercase hex sha256".into(),
            });
        }
        let id: i64 = with_pool!(self, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin_write()).await.doing(|| "begin a transaction".to_owned())?;
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM api_token WHERE name = $1 AND revoked_at IS NULL")
                    .bind(name)
                    .fetch_optional(&mut *tx)
                    .await
                    .doing(|| "read api_token".to_owned())?;
            if existing.is_some() {
                return Err(Error::ApiTokenExists(name.to_owned()));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO api_token (name, token_hash, created_by) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(name)
            .bind(token_hash)
            .bind(created_by)
            .fetch_one(&mut *tx)
            .await
            .doing(|| "insert into api_token".to_owned())?;
            tx.commit().await.doing(|| format!("commit the new token {name}"))?;
            id
        });
        tracing::info!(token = name, id, by = created_by, "API token created.");
        self.find_api_token(ApiTokenId(id)).await?.ok_or_else(|| Error::ApiTokenNotFound(format!("id {id}")))
    }

    /// Every token, revoked ones included, oldest first.
    pub async fn list_api_tokens(&self) -> Result<Vec<ApiTokenSummary>> {
        let rows: Vec<TokenRow> = with_pool!(self, |pool, dialect| {
            let sql = format!("SELECT {columns} FROM api_token t ORDER BY t.id", columns = token_columns(dialect));
            sqlx::query_as(AssertSqlSafe(sql)).fetch_all(pool).await.doing(|| "read api_token".to_owned())?
        });
        Ok(rows.into_iter().map(ApiTokenSummary::from).collect())
    }

    /// One token by id, `None` when there is none.
    pub async fn find_api_token(&self, id: ApiTokenId) -> Result<Option<ApiTokenSummary>> {
        let row: Option<TokenRow> = with_pool!(self, |pool, dialect| {
            let sql = format!("SELECT {columns} FROM api_token t WHERE t.id = $1", columns = token_columns(dialect));
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(id.0)
                .fetch_optional(pool)
                .await
                .doing(|| format!("read api_token {id}"))?
        });
        Ok(row.map(ApiTokenSummary::from))
    }

    /// Revokes a token, by id or by the name of an active token. Revoking a revoked token is refused
    /// ([`Error::ApiTokenRevoked`]), an unknown one too ([`Error::ApiTokenNotFound`]).
    pub async fn revoke_api_token(&self, token: &ApiTokenRef, revoked_by: &str) -> Result<ApiTokenSummary> {
        let id: i64 = with_pool!(self, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin_write()).await.doing(|| "begin a transaction".to_owned())?;
            let found: Option<(i64, Option<String>)> = match token {
                ApiTokenRef::Id(id) => {
                    sqlx::query_as("SELECT id, name FROM api_token WHERE id = $1 AND revoked_at IS NULL")
                        .bind(id.0)
                        .fetch_optional(&mut *tx)
                        .await
                        .doing(|| "read api_token".to_owned())?
                }
                ApiTokenRef::Name(name) => {
                    sqlx::query_as("SELECT id, name FROM api_token WHERE name = $1 AND revoked_at IS NULL")
                        .bind(name)
                        .fetch_optional(&mut *tx)
                        .await
                        .doing(|| "read api_token".to_owned())?
                }
            };
            let Some((id, _)) = found else {
                let exists: Option<i64> = match token {
                    ApiTokenRef::Id(id) => sqlx::query_scalar("SELECT id FROM api_token WHERE id = $1")
                        .bind(id.0)
                        .fetch_optional(&mut *tx)
                        .await
                        .doing(|| "read api_token".to_owned())?,
                    ApiTokenRef::Name(name) => sqlx::query_scalar("SELECT id FROM api_token WHERE name = $1 LIMIT 1")
                        .bind(name)
                        .fetch_optional(&mut *tx)
                        .await
                        .doing(|| "read api_token".to_owned())?,
                };
                return Err(match exists {
                    Some(_) => Error::ApiTokenRevoked(token.to_string()),
                    None => Error::ApiTokenNotFound(token.to_string()),
                });
            };
            let sql =
                format!("UPDATE api_token SET revoked_at = {now}, revoked_by = $1 WHERE id = $2", now = dialect.now());
            sqlx::query(AssertSqlSafe(sql))
                .bind(revoked_by)
                .bind(id)
                .execute(&mut *tx)
                .await
                .doing(|| format!("revoke api_token {id}"))?;
            tx.commit().await.doing(|| format!("commit the revocation of api_token {id}"))?;
            id
        });
        tracing::info!(id, by = revoked_by, "API token revoked.");
        self.find_api_token(ApiTokenId(id)).await?.ok_or_else(|| Error::ApiTokenNotFound(format!("id {id}")))
    }

    /// The sha256 (lowercase hex) of every active token's secret, sorted: what the API server caches.
    pub async fn active_api_token_hashes(&self) -> Result<Vec<String>> {
        with_pool!(self, |pool, _dialect| {
            Ok(sqlx::query_scalar("SELECT token_hash FROM api_token WHERE revoked_at IS NULL ORDER BY token_hash")
                .fetch_all(pool)
                .await
                .doing(|| "read api_token".to_owned())?)
        })
    }
}

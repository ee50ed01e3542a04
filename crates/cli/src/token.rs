//! API token commands: `token create <name>` (prints the secret once; only its sha256 is stored), `token revoke
//! <id|name>`, `token list`. A running `ecoref serve` picks changes up within its refresh interval.

use crate::output::print_listing;
use crate::release::ByArg;
use crate::{JsonFlag, Outcome};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use ecoref_store::{ApiTokenRef, Store};

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Create a token for the API's detailed indicators of restricted sources; the secret is printed once.
    Create(CreateArgs),
    /// Revoke a token, by id or by name; `ecoref serve` refuses it within seconds.
    Revoke(RevokeArgs),
    /// List tokens (never their secrets).
    List(JsonFlag),
}

#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// A name for whom or what the token is for (letters, digits, `._-+`).
    name: String,
    #[command(flatten)]
    by: ByArg,
    #[command(flatten)]
    json: JsonFlag,
}

#[derive(Debug, Args)]
pub(crate) struct RevokeArgs {
    /// The token's id (a number) or the name of an active token.
    token: String,
    #[command(flatten)]
    by: ByArg,
    #[command(flatten)]
    json: JsonFlag,
}

pub(crate) async fn run(store: &Store, command: TokenCommand) -> Result<Outcome> {
    match command {
        TokenCommand::Create(args) => create(store, args).await,
        TokenCommand::Revoke(args) => revoke(store, args).await,
        TokenCommand::List(json) => list(store, json).await,
    }
}

async fn create(store: &Store, args: CreateArgs) -> Result<Outcome> {
    let secret = ecoref_api::generate_token().context("cannot make a token")?;
    let token = store
        .create_api_token(&args.name, &ecoref_api::hash_token(&secret), &args.by.by)
        .await
        .with_context(|| format!("cannot create the token {}", args.name))?;
    if args.json.json {
        let value = serde_json::json!({ "token": token, "secret": secret });
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!("token {} created (id {})", token.name, token.id);
        println!("secret (shown once, store it now): {secret}");
        println!("use it as: Authorization: Bearer {secret}");
    }
    Ok(Outcome::Ok)
}

async fn revoke(store: &Store, args: RevokeArgs) -> Result<Outcome> {
    let token = store
        .revoke_api_token(&ApiTokenRef::parse(&args.token), &args.by.by)
        .await
        .with_context(|| format!("cannot revoke the token {}", args.token))?;
    if args.json.json {
        println!("{}", serde_json::to_string_pretty(&token)?);
    } else {
        println!("token {} (id {}) revoked", token.name, token.id);
    }
    Ok(Outcome::Ok)
}

async fn list(store: &Store, json: JsonFlag) -> Result<Outcome> {
    let tokens = store.list_api_tokens().await.context("cannot list the tokens")?;
    print_listing(&tokens, json.json, "no tokens", &["id", "name", "status", "created", "by", "revoked"], |t| {
        vec![
            t.id.to_string(),
            t.name.clone(),
            if t.is_active() { "active" } else { "revoked" }.to_owned(),
            t.created_at.clone(),
            t.created_by.clone(),
            match (&t.revoked_at, &t.revoked_by) {
                (Some(at), Some(by)) => format!("{at} by {by}"),
                _ => String::new(),
            },
        ]
    })
}

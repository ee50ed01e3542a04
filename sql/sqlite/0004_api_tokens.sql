-- API tokens, SQLite flavour. Forward-only: never edit once landed, add 0005_… instead.
-- sql/postgres/0004_api_tokens.sql holds the same logical schema (and explains it); keep the two in step.

CREATE TABLE api_token (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE
                CHECK (length(token_hash) = 64 AND token_hash NOT GLOB '*[^0-9a-f]*'),
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    revoked_by  TEXT,
    revoked_at  TEXT,
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
) STRICT;
CREATE UNIQUE INDEX api_token_active_name_idx ON api_token (name) WHERE revoked_at IS NULL;

CREATE TRIGGER api_token_refuse_delete BEFORE DELETE ON api_token
    BEGIN SELECT RAISE(ABORT, 'api_token rows are kept: delete refused (revoke it)'); END;
CREATE TRIGGER api_token_refuse_update_revoked BEFORE UPDATE ON api_token WHEN OLD.revoked_at IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'api_token is revoked: update refused'); END;
CREATE TRIGGER api_token_only_revocation BEFORE UPDATE ON api_token
    WHEN NEW.id IS NOT OLD.id OR NEW.name IS NOT OLD.name OR NEW.token_hash IS NOT OLD.token_hash
      OR NEW.created_by IS NOT OLD.created_by OR NEW.created_at IS NOT OLD.created_at
    BEGIN SELECT RAISE(ABORT, 'api_token: only a revocation may change it'); END;

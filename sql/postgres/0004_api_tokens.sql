-- API tokens, PostgreSQL flavour. Forward-only: never edit once landed, add 0005_… instead.
-- sql/sqlite/0004_api_tokens.sql holds the same logical schema; keep the two in step.
--
-- A token grants the detailed indicators of restricted-licence sources in the HTTP API. Only the sha256 of the
-- secret is stored (lowercase hex); the secret itself is printed once by `ecoref token create` and never kept.
-- Rows are never deleted: a token is revoked by setting revoked_at and revoked_by, once, and nothing else of the
-- row may change. A name belongs to at most one token that is not revoked.

CREATE TABLE api_token (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    token_hash  text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    revoked_by  text,
    revoked_at  timestamptz,
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE UNIQUE INDEX api_token_active_name_idx ON api_token (name) WHERE revoked_at IS NULL;

CREATE FUNCTION ecoref_guard_api_token() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'api_token rows are kept: truncate refused' USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'api_token % is kept: delete refused (revoke it)', OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'api_token % is revoked: update refused', OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.id <> OLD.id OR NEW.name IS DISTINCT FROM OLD.name OR NEW.token_hash IS DISTINCT FROM OLD.token_hash
       OR NEW.created_by IS DISTINCT FROM OLD.created_by OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'api_token %: only a revocation may change it', OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER api_token_guard BEFORE UPDATE OR DELETE ON api_token
    FOR EACH ROW EXECUTE FUNCTION ecoref_guard_api_token();
CREATE TRIGGER api_token_no_truncate BEFORE TRUNCATE ON api_token
    FOR EACH STATEMENT EXECUTE FUNCTION ecoref_guard_api_token();

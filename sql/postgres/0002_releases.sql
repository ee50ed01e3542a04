-- ecoref releases, PostgreSQL flavour. Forward-only: never edit once landed, add 0003_… instead.
-- sql/sqlite/0002_releases.sql holds the same logical schema; keep the two in step.
--
-- LCIA method versions: a named, versioned group of lcia_method rows (indicators) and normalization-weighting sets
--   of one dataset version, identified by a content hash; insert-only, (name, version) unique, so a changed method
--   can never hide under an existing version.
-- Releases: a draft (datasets + one method version + notes) that may change until it is published; once
--   published the release row, its dataset membership and its id migrations are frozen by triggers. Everything
--   else a release references (dataset versions and their rows, method versions) is insert-only already.
-- Tags: movable pointers to published releases, kept as an append-only history of moves.

CREATE TABLE lcia_method_version (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name               text NOT NULL,
    version            text NOT NULL,
    methodology        text,
    dataset_version_id bigint NOT NULL REFERENCES dataset_version (id),
    content_hash       text NOT NULL,
    n_indicators       bigint NOT NULL,
    n_factors          bigint NOT NULL,
    n_nw_sets          bigint NOT NULL,
    created_by         text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (name, version)
);

CREATE TABLE lcia_method_version_indicator (
    method_version_id   bigint NOT NULL REFERENCES lcia_method_version (id),
    ordinal             bigint NOT NULL,
    dataset_version_id  bigint NOT NULL,
    lcia_method_ordinal bigint NOT NULL,
    PRIMARY KEY (method_version_id, ordinal),
    FOREIGN KEY (dataset_version_id, lcia_method_ordinal) REFERENCES lcia_method (dataset_version_id, ordinal)
);

CREATE TABLE lcia_method_version_nw_set (
    method_version_id  bigint NOT NULL REFERENCES lcia_method_version (id),
    ordinal            bigint NOT NULL,
    dataset_version_id bigint NOT NULL,
    nw_set_ordinal     bigint NOT NULL,
    PRIMARY KEY (method_version_id, ordinal),
    FOREIGN KEY (dataset_version_id, nw_set_ordinal) REFERENCES normalization_weighting_set (dataset_version_id, ordinal)
);

CREATE TABLE release (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              text NOT NULL UNIQUE,
    status            text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    method_version_id bigint REFERENCES lcia_method_version (id),
    notes             text,
    created_by        text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    published_by      text,
    published_at      timestamptz,
    validation        jsonb,
    CHECK ((status = 'published') = (published_at IS NOT NULL)),
    CHECK (status = 'draft' OR (published_by IS NOT NULL AND validation IS NOT NULL))
);

CREATE TABLE release_dataset (
    release_id         bigint NOT NULL REFERENCES release (id),
    dataset_version_id bigint NOT NULL REFERENCES dataset_version (id),
    PRIMARY KEY (release_id, dataset_version_id)
);

CREATE TABLE release_id_migration (
    release_id bigint NOT NULL REFERENCES release (id),
    seq        bigint NOT NULL,
    old_id     text COLLATE "C" NOT NULL,
    new_id     text COLLATE "C" NOT NULL,
    reason     text NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (release_id, seq),
    UNIQUE (release_id, old_id),
    CHECK (old_id <> new_id)
);

CREATE TABLE release_tag_event (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tag        text NOT NULL,
    release_id bigint NOT NULL REFERENCES release (id),
    set_by     text NOT NULL,
    set_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX release_tag_event_tag_idx ON release_tag_event (tag, id);

-- Method versions and tag history are insert-only.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['lcia_method_version', 'lcia_method_version_indicator', 'lcia_method_version_nw_set',
                             'release_tag_event']
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION ecoref_refuse_change()',
                       t || '_insert_only', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION ecoref_refuse_change()',
                       t || '_no_truncate', t);
    END LOOP;
END
$$;

-- A published release is final: no update, no delete. A draft may change, and may be published (once).
CREATE FUNCTION ecoref_guard_release() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'release rows may be published: truncate refused' USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status = 'published' THEN
        RAISE EXCEPTION 'release % is published: % refused', OLD.name, lower(TG_OP)
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.id <> OLD.id OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR NEW.created_by IS DISTINCT FROM OLD.created_by THEN
        RAISE EXCEPTION 'release %: provenance columns are immutable', OLD.name USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER release_guard BEFORE UPDATE OR DELETE ON release
    FOR EACH ROW EXECUTE FUNCTION ecoref_guard_release();
CREATE TRIGGER release_no_truncate BEFORE TRUNCATE ON release
    FOR EACH STATEMENT EXECUTE FUNCTION ecoref_guard_release();

-- Rows that belong to a release (membership, id migrations) are frozen with it. The release row is read FOR SHARE,
-- so a change racing a publish waits for it and then sees the release published.
CREATE FUNCTION ecoref_guard_release_member() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    release_name text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION '% rows may belong to published releases: truncate refused', TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT name INTO release_name FROM release WHERE id = OLD.release_id AND status = 'published' FOR SHARE;
        IF FOUND THEN
            RAISE EXCEPTION 'release % is published: % of its % rows refused', release_name, lower(TG_OP), TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT name INTO release_name FROM release WHERE id = NEW.release_id AND status = 'published' FOR SHARE;
        IF FOUND THEN
            RAISE EXCEPTION 'release % is published: % of its % rows refused', release_name, lower(TG_OP), TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END
$$;
CREATE TRIGGER release_dataset_guard BEFORE INSERT OR UPDATE OR DELETE ON release_dataset
    FOR EACH ROW EXECUTE FUNCTION ecoref_guard_release_member();
CREATE TRIGGER release_dataset_no_truncate BEFORE TRUNCATE ON release_dataset
    FOR EACH STATEMENT EXECUTE FUNCTION ecoref_guard_release_member();
CREATE TRIGGER release_id_migration_guard BEFORE INSERT OR UPDATE OR DELETE ON release_id_migration
    FOR EACH ROW EXECUTE FUNCTION ecoref_guard_release_member();
CREATE TRIGGER release_id_migration_no_truncate BEFORE TRUNCATE ON release_id_migration
    FOR EACH STATEMENT EXECUTE FUNCTION ecoref_guard_release_member();

-- A tag points to a published release only.
CREATE FUNCTION ecoref_guard_tag_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM release WHERE id = NEW.release_id AND status = 'published' FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'tag %: release % is not published', NEW.tag, NEW.release_id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER release_tag_event_published_only BEFORE INSERT ON release_tag_event
    FOR EACH ROW EXECUTE FUNCTION ecoref_guard_tag_event();

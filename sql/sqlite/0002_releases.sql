-- ecoref releases, SQLite flavour. Forward-only: never edit once landed, add 0003_… instead.
-- sql/postgres/0002_releases.sql holds the same logical schema (and explains it); keep the two in step.
-- SQLite's RAISE takes a literal message, so the trigger messages name the table, not the release.

CREATE TABLE lcia_method_version (
    id                 INTEGER PRIMARY KEY,
    name               TEXT NOT NULL,
    version            TEXT NOT NULL,
    methodology        TEXT,
    dataset_version_id INTEGER NOT NULL REFERENCES dataset_version (id),
    content_hash       TEXT NOT NULL,
    n_indicators       INTEGER NOT NULL,
    n_factors          INTEGER NOT NULL,
    n_nw_sets          INTEGER NOT NULL,
    created_by         TEXT NOT NULL,
    created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (name, version)
) STRICT;

CREATE TABLE lcia_method_version_indicator (
    method_version_id   INTEGER NOT NULL REFERENCES lcia_method_version (id),
    ordinal             INTEGER NOT NULL,
    dataset_version_id  INTEGER NOT NULL,
    lcia_method_ordinal INTEGER NOT NULL,
    PRIMARY KEY (method_version_id, ordinal),
    FOREIGN KEY (dataset_version_id, lcia_method_ordinal) REFERENCES lcia_method (dataset_version_id, ordinal)
) STRICT;

CREATE TABLE lcia_method_version_nw_set (
    method_version_id  INTEGER NOT NULL REFERENCES lcia_method_version (id),
    ordinal            INTEGER NOT NULL,
    dataset_version_id INTEGER NOT NULL,
    nw_set_ordinal     INTEGER NOT NULL,
    PRIMARY KEY (method_version_id, ordinal),
    FOREIGN KEY (dataset_version_id, nw_set_ordinal) REFERENCES normalization_weighting_set (dataset_version_id, ordinal)
) STRICT;

CREATE TABLE release (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    status            TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    method_version_id INTEGER REFERENCES lcia_method_version (id),
    notes             TEXT,
    created_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    published_by      TEXT,
    published_at      TEXT,
    validation        TEXT,
    CHECK ((status = 'published') = (published_at IS NOT NULL)),
    CHECK (status = 'draft' OR (published_by IS NOT NULL AND validation IS NOT NULL))
) STRICT;

CREATE TABLE release_dataset (
    release_id         INTEGER NOT NULL REFERENCES release (id),
    dataset_version_id INTEGER NOT NULL REFERENCES dataset_version (id),
    PRIMARY KEY (release_id, dataset_version_id)
) STRICT;

CREATE TABLE release_id_migration (
    release_id INTEGER NOT NULL REFERENCES release (id),
    seq        INTEGER NOT NULL,
    old_id     TEXT NOT NULL,
    new_id     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (release_id, seq),
    UNIQUE (release_id, old_id),
    CHECK (old_id <> new_id)
) STRICT;

CREATE TABLE release_tag_event (
    id         INTEGER PRIMARY KEY,
    tag        TEXT NOT NULL,
    release_id INTEGER NOT NULL REFERENCES release (id),
    set_by     TEXT NOT NULL,
    set_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX release_tag_event_tag_idx ON release_tag_event (tag, id);

-- Method versions and tag history are insert-only.
CREATE TRIGGER lcia_method_version_refuse_update BEFORE UPDATE ON lcia_method_version
    BEGIN SELECT RAISE(ABORT, 'lcia_method_version rows are insert-only: update refused'); END;
CREATE TRIGGER lcia_method_version_refuse_delete BEFORE DELETE ON lcia_method_version
    BEGIN SELECT RAISE(ABORT, 'lcia_method_version rows are insert-only: delete refused'); END;
CREATE TRIGGER lcia_method_version_indicator_refuse_update BEFORE UPDATE ON lcia_method_version_indicator
    BEGIN SELECT RAISE(ABORT, 'lcia_method_version_indicator rows are insert-only: update refused'); END;
CREATE TRIGGER lcia_method_version_indicator_refuse_delete BEFORE DELETE ON lcia_method_version_indicator
    BEGIN SELECT RAISE(ABORT, 'lcia_method_version_indicator rows are insert-only: delete refused'); END;
CREATE TRIGGER lcia_method_version_nw_set_refuse_update BEFORE UPDATE ON lcia_method_version_nw_set
    BEGIN SELECT RAISE(ABORT, 'lcia_method_version_nw_set rows are insert-only: update refused'); END;
CREATE TRIGGER lcia_method_version_nw_set_refuse_delete BEFORE DELETE ON lcia_method_version_nw_set
    BEGIN SELECT RAISE(ABORT, 'lcia_method_version_nw_set rows are insert-only: delete refused'); END;
CREATE TRIGGER release_tag_event_refuse_update BEFORE UPDATE ON release_tag_event
    BEGIN SELECT RAISE(ABORT, 'release_tag_event rows are insert-only: update refused'); END;
CREATE TRIGGER release_tag_event_refuse_delete BEFORE DELETE ON release_tag_event
    BEGIN SELECT RAISE(ABORT, 'release_tag_event rows are insert-only: delete refused'); END;

-- A published release is final: no update, no delete. A draft may change, and may be published (once).
CREATE TRIGGER release_refuse_update_published BEFORE UPDATE ON release WHEN OLD.status = 'published'
    BEGIN SELECT RAISE(ABORT, 'release is published: update refused'); END;
CREATE TRIGGER release_refuse_delete_published BEFORE DELETE ON release WHEN OLD.status = 'published'
    BEGIN SELECT RAISE(ABORT, 'release is published: delete refused'); END;
CREATE TRIGGER release_provenance_immutable BEFORE UPDATE ON release
    WHEN NEW.id IS NOT OLD.id OR NEW.created_at IS NOT OLD.created_at OR NEW.created_by IS NOT OLD.created_by
    BEGIN SELECT RAISE(ABORT, 'release: provenance columns are immutable'); END;

-- Rows that belong to a release (membership, id migrations) are frozen with it.
CREATE TRIGGER release_dataset_refuse_insert_published BEFORE INSERT ON release_dataset
    WHEN (SELECT status FROM release WHERE id = NEW.release_id) = 'published'
    BEGIN SELECT RAISE(ABORT, 'release is published: insert of its release_dataset rows refused'); END;
CREATE TRIGGER release_dataset_refuse_update_published BEFORE UPDATE ON release_dataset
    WHEN (SELECT status FROM release WHERE id = OLD.release_id) = 'published'
      OR (SELECT status FROM release WHERE id = NEW.release_id) = 'published'
    BEGIN SELECT RAISE(ABORT, 'release is published: update of its release_dataset rows refused'); END;
CREATE TRIGGER release_dataset_refuse_delete_published BEFORE DELETE ON release_dataset
    WHEN (SELECT status FROM release WHERE id = OLD.release_id) = 'published'
    BEGIN SELECT RAISE(ABORT, 'release is published: delete of its release_dataset rows refused'); END;
CREATE TRIGGER release_id_migration_refuse_insert_published BEFORE INSERT ON release_id_migration
    WHEN (SELECT status FROM release WHERE id = NEW.release_id) = 'published'
    BEGIN SELECT RAISE(ABORT, 'release is published: insert of its release_id_migration rows refused'); END;
CREATE TRIGGER release_id_migration_refuse_update_published BEFORE UPDATE ON release_id_migration
    WHEN (SELECT status FROM release WHERE id = OLD.release_id) = 'published'
      OR (SELECT status FROM release WHERE id = NEW.release_id) = 'published'
    BEGIN SELECT RAISE(ABORT, 'release is published: update of its release_id_migration rows refused'); END;
CREATE TRIGGER release_id_migration_refuse_delete_published BEFORE DELETE ON release_id_migration
    WHEN (SELECT status FROM release WHERE id = OLD.release_id) = 'published'
    BEGIN SELECT RAISE(ABORT, 'release is published: delete of its release_id_migration rows refused'); END;

-- A tag points to a published release only.
CREATE TRIGGER release_tag_event_published_only BEFORE INSERT ON release_tag_event
    WHEN (SELECT status FROM release WHERE id = NEW.release_id) IS NOT 'published'
    BEGIN SELECT RAISE(ABORT, 'release_tag_event: a tag can only point to a published release'); END;

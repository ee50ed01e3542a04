-- ecoref link tables and flow mappings, SQLite flavour. Forward-only: never edit once landed, add 0004_… instead.
-- sql/postgres/0003_links_mappings.sql holds the same logical schema (and explains it); keep the two in step.

CREATE TABLE link_set (
    id                 INTEGER PRIMARY KEY,
    dataset_version_id INTEGER NOT NULL REFERENCES dataset_version (id),
    inputs_key         TEXT NOT NULL,
    content_hash       TEXT NOT NULL UNIQUE,
    transform_version  TEXT NOT NULL,
    options            TEXT NOT NULL,
    n_technosphere     INTEGER NOT NULL,
    n_linked           INTEGER NOT NULL,
    n_unlinked         INTEGER NOT NULL,
    n_ambiguous        INTEGER NOT NULL,
    diagnostics        TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (id, dataset_version_id)
) STRICT;
CREATE INDEX link_set_inputs_key_idx ON link_set (inputs_key, id);

CREATE TABLE link_set_dependency (
    link_set_id        INTEGER NOT NULL REFERENCES link_set (id),
    seq                INTEGER NOT NULL,
    dataset_version_id INTEGER NOT NULL REFERENCES dataset_version (id),
    PRIMARY KEY (link_set_id, seq),
    UNIQUE (link_set_id, dataset_version_id)
) STRICT;

CREATE TABLE link_set_link (
    link_set_id                 INTEGER NOT NULL REFERENCES link_set (id),
    seq                         INTEGER NOT NULL,
    process_id                  TEXT NOT NULL,
    process_version             TEXT,
    exchange                    TEXT NOT NULL,
    flow_id                     TEXT NOT NULL,
    provider_id                 TEXT NOT NULL,
    provider_version            TEXT,
    provider_dataset_version_id INTEGER REFERENCES dataset_version (id),
    rule                        TEXT NOT NULL,
    PRIMARY KEY (link_set_id, seq)
) STRICT;

CREATE TABLE link_set_unresolved (
    link_set_id     INTEGER NOT NULL REFERENCES link_set (id),
    seq             INTEGER NOT NULL,
    process_id      TEXT NOT NULL,
    process_version TEXT,
    exchange        TEXT NOT NULL,
    flow_id         TEXT NOT NULL,
    flow_name       TEXT NOT NULL,
    ambiguous       INTEGER NOT NULL CHECK (ambiguous IN (0, 1)),
    rule            TEXT,
    candidates      TEXT NOT NULL,
    PRIMARY KEY (link_set_id, seq)
) STRICT;

CREATE TABLE flow_mapping_set (
    id                   INTEGER PRIMARY KEY,
    dataset_version_id   INTEGER NOT NULL REFERENCES dataset_version (id),
    method_version_id    INTEGER NOT NULL REFERENCES lcia_method_version (id),
    inputs_key           TEXT NOT NULL,
    content_hash         TEXT NOT NULL UNIQUE,
    transform_version    TEXT NOT NULL,
    options              TEXT NOT NULL,
    n_source_flows       INTEGER NOT NULL,
    n_target_flows       INTEGER NOT NULL,
    n_target_synthesized INTEGER NOT NULL,
    n_mapped             INTEGER NOT NULL,
    n_unmapped           INTEGER NOT NULL,
    impact_losses        TEXT NOT NULL,
    created_by           TEXT NOT NULL,
    created_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (id, dataset_version_id)
) STRICT;
CREATE INDEX flow_mapping_set_inputs_key_idx ON flow_mapping_set (inputs_key, id);

CREATE TABLE flow_mapping_entry (
    flow_mapping_set_id INTEGER NOT NULL REFERENCES flow_mapping_set (id),
    seq                 INTEGER NOT NULL,
    source_flow         TEXT NOT NULL,
    target_flow         TEXT NOT NULL,
    rule                TEXT NOT NULL,
    confidence          REAL NOT NULL,
    PRIMARY KEY (flow_mapping_set_id, seq)
) STRICT;

CREATE TABLE flow_mapping_unmapped (
    flow_mapping_set_id INTEGER NOT NULL REFERENCES flow_mapping_set (id),
    seq                 INTEGER NOT NULL,
    flow                TEXT NOT NULL,
    name                TEXT NOT NULL,
    compartment         TEXT,
    reason              TEXT NOT NULL,
    candidates          TEXT NOT NULL,
    PRIMARY KEY (flow_mapping_set_id, seq)
) STRICT;

CREATE TABLE release_validation_input (
    release_id          INTEGER NOT NULL REFERENCES release (id),
    dataset_version_id  INTEGER NOT NULL,
    link_set_id         INTEGER NOT NULL,
    flow_mapping_set_id INTEGER,
    PRIMARY KEY (release_id, dataset_version_id),
    FOREIGN KEY (release_id, dataset_version_id) REFERENCES release_dataset (release_id, dataset_version_id),
    FOREIGN KEY (link_set_id, dataset_version_id) REFERENCES link_set (id, dataset_version_id),
    FOREIGN KEY (flow_mapping_set_id, dataset_version_id) REFERENCES flow_mapping_set (id, dataset_version_id)
) STRICT;

-- Link sets and flow mapping sets are insert-only.
CREATE TRIGGER link_set_refuse_update BEFORE UPDATE ON link_set
    BEGIN SELECT RAISE(ABORT, 'link_set rows are insert-only: update refused'); END;
CREATE TRIGGER link_set_refuse_delete BEFORE DELETE ON link_set
    BEGIN SELECT RAISE(ABORT, 'link_set rows are insert-only: delete refused'); END;
CREATE TRIGGER link_set_dependency_refuse_update BEFORE UPDATE ON link_set_dependency
    BEGIN SELECT RAISE(ABORT, 'link_set_dependency rows are insert-only: update refused'); END;
CREATE TRIGGER link_set_dependency_refuse_delete BEFORE DELETE ON link_set_dependency
    BEGIN SELECT RAISE(ABORT, 'link_set_dependency rows are insert-only: delete refused'); END;
CREATE TRIGGER link_set_link_refuse_update BEFORE UPDATE ON link_set_link
    BEGIN SELECT RAISE(ABORT, 'link_set_link rows are insert-only: update refused'); END;
CREATE TRIGGER link_set_link_refuse_delete BEFORE DELETE ON link_set_link
    BEGIN SELECT RAISE(ABORT, 'link_set_link rows are insert-only: delete refused'); END;
CREATE TRIGGER link_set_unresolved_refuse_update BEFORE UPDATE ON link_set_unresolved
    BEGIN SELECT RAISE(ABORT, 'link_set_unresolved rows are insert-only: update refused'); END;
CREATE TRIGGER link_set_unresolved_refuse_delete BEFORE DELETE ON link_set_unresolved
    BEGIN SELECT RAISE(ABORT, 'link_set_unresolved rows are insert-only: delete refused'); END;
CREATE TRIGGER flow_mapping_set_refuse_update BEFORE UPDATE ON flow_mapping_set
    BEGIN SELECT RAISE(ABORT, 'flow_mapping_set rows are insert-only: update refused'); END;
CREATE TRIGGER flow_mapping_set_refuse_delete BEFORE DELETE ON flow_mapping_set
    BEGIN SELECT RAISE(ABORT, 'flow_mapping_set rows are insert-only: delete refused'); END;
CREATE TRIGGER flow_mapping_entry_refuse_update BEFORE UPDATE ON flow_mapping_entry
    BEGIN SELECT RAISE(ABORT, 'flow_mapping_entry rows are insert-only: update refused'); END;
CREATE TRIGGER flow_mapping_entry_refuse_delete BEFORE DELETE ON flow_mapping_entry
    BEGIN SELECT RAISE(ABORT, 'flow_mapping_entry rows are insert-only: delete refused'); END;
CREATE TRIGGER flow_mapping_unmapped_refuse_update BEFORE UPDATE ON flow_mapping_unmapped
    BEGIN SELECT RAISE(ABORT, 'flow_mapping_unmapped rows are insert-only: update refused'); END;
CREATE TRIGGER flow_mapping_unmapped_refuse_delete BEFORE DELETE ON flow_mapping_unmapped
    BEGIN SELECT RAISE(ABORT, 'flow_mapping_unmapped rows are insert-only: delete refused'); END;

-- What a release was validated with is frozen with it.
CREATE TRIGGER release_validation_input_refuse_insert_published BEFORE INSERT ON release_validation_input
    WHEN (SELECT status FROM release WHERE id = NEW.release_id) = 'published'
    BEGIN SELECT RAISE(ABORT, 'release is published: insert of its release_validation_input rows refused'); END;
CREATE TRIGGER release_validation_input_refuse_update_published BEFORE UPDATE ON release_validation_input
    WHEN (SELECT status FROM release WHERE id = OLD.release_id) = 'published'
      OR (SELECT status FROM release WHERE id = NEW.release_id) = 'published'
    BEGIN SELECT RAISE(ABORT, 'release is published: update of its release_validation_input rows refused'); END;
CREATE TRIGGER release_validation_input_refuse_delete_published BEFORE DELETE ON release_validation_input
    WHEN (SELECT status FROM release WHERE id = OLD.release_id) = 'published'
    BEGIN SELECT RAISE(ABORT, 'release is published: delete of its release_validation_input rows refused'); END;

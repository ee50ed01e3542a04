-- ecoref reference database, SQLite flavour (the embedded default). Forward-only: never edit once landed, add
-- 0002_… instead. sql/postgres/0001_init.sql holds the same logical schema; keep the two in step.
--
-- Same tables, columns and rules as PostgreSQL, mapped to SQLite types: STRICT tables, INTEGER ids and booleans
-- (0/1), TEXT json and ISO-8601 UTC times. Floats are declared ANY (checked to be real or null), not REAL:
-- REAL affinity stores integral values as integers and drops the sign of -0.0, ANY keeps the IEEE bits.

CREATE TABLE import_run (
    id                 INTEGER PRIMARY KEY,
    source_name        TEXT NOT NULL,
    pipeline           TEXT,
    reader_name        TEXT NOT NULL,
    reader_version     TEXT NOT NULL,
    options            TEXT NOT NULL,
    options_hash       TEXT NOT NULL,
    inputs_hash        TEXT NOT NULL,
    idempotency_key    TEXT NOT NULL,
    started_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at        TEXT,
    status             TEXT NOT NULL DEFAULT 'running'
                       CHECK (status IN ('running', 'succeeded', 'unchanged', 'failed')),
    counts             TEXT,
    n_diagnostics      INTEGER NOT NULL DEFAULT 0,
    n_rejected         INTEGER NOT NULL DEFAULT 0,
    error              TEXT,
    note               TEXT,
    dataset_version_id INTEGER REFERENCES dataset_version (id),
    CHECK ((status = 'running') = (finished_at IS NULL)),
    CHECK (status NOT IN ('succeeded', 'unchanged') OR dataset_version_id IS NOT NULL)
) STRICT;
CREATE INDEX import_run_idempotency_key_idx ON import_run (idempotency_key, id);

CREATE TABLE import_input (
    run_id     INTEGER NOT NULL REFERENCES import_run (id),
    seq        INTEGER NOT NULL,
    name       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    url        TEXT,
    licence    TEXT,
    PRIMARY KEY (run_id, seq)
) STRICT;

CREATE TABLE import_diagnostic (
    run_id        INTEGER NOT NULL REFERENCES import_run (id),
    seq           INTEGER NOT NULL,
    severity      TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
    code          TEXT NOT NULL,
    message       TEXT NOT NULL,
    file          TEXT,
    line_number   INTEGER,
    column_number INTEGER,
    element       TEXT,
    entity        TEXT,
    PRIMARY KEY (run_id, seq)
) STRICT;

CREATE TABLE dataset_version (
    id             INTEGER PRIMARY KEY,
    source_name    TEXT NOT NULL,
    version_number INTEGER NOT NULL CHECK (version_number >= 1),
    content_hash   TEXT NOT NULL UNIQUE,
    counts         TEXT NOT NULL,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    created_by_run INTEGER NOT NULL REFERENCES import_run (id),
    UNIQUE (source_name, version_number)
) STRICT;

CREATE TABLE unit_group (
    dataset_version_id INTEGER NOT NULL REFERENCES dataset_version (id),
    ordinal            INTEGER NOT NULL,
    id                 TEXT NOT NULL,
    version            TEXT,
    name               TEXT NOT NULL,
    detail             TEXT NOT NULL,
    PRIMARY KEY (dataset_version_id, ordinal)
) STRICT;
CREATE INDEX unit_group_id_idx ON unit_group (dataset_version_id, id);

CREATE TABLE unit (
    dataset_version_id INTEGER NOT NULL,
    unit_group_ordinal INTEGER NOT NULL,
    ordinal            INTEGER NOT NULL,
    internal_id        TEXT NOT NULL,
    name               TEXT NOT NULL,
    factor             ANY CHECK (typeof(factor) IN ('real', 'null')),
    is_reference       INTEGER NOT NULL CHECK (is_reference IN (0, 1)),
    comment            TEXT,
    detail             TEXT NOT NULL,
    PRIMARY KEY (dataset_version_id, unit_group_ordinal, ordinal),
    FOREIGN KEY (dataset_version_id, unit_group_ordinal) REFERENCES unit_group (dataset_version_id, ordinal)
) STRICT;

CREATE TABLE flow_property (
    dataset_version_id     INTEGER NOT NULL REFERENCES dataset_version (id),
    ordinal                INTEGER NOT NULL,
    id                     TEXT NOT NULL,
    version                TEXT,
    name                   TEXT NOT NULL,
    unit_group_id          TEXT,
    unit_group_version     TEXT,
    unit_group_description TEXT,
    reference_unit         TEXT,
    detail                 TEXT NOT NULL,
    PRIMARY KEY (dataset_version_id, ordinal)
) STRICT;
CREATE INDEX flow_property_id_idx ON flow_property (dataset_version_id, id);

CREATE TABLE flow (
    dataset_version_id INTEGER NOT NULL REFERENCES dataset_version (id),
    ordinal            INTEGER NOT NULL,
    id                 TEXT NOT NULL,
    version            TEXT,
    name               TEXT NOT NULL,
    kind               TEXT CHECK (kind IN ('elementary', 'product', 'waste', 'other')),
    cas                TEXT,
    formula            TEXT,
    ec_number          TEXT,
    location           TEXT,
    reference_unit     TEXT,
    detail             TEXT NOT NULL,
    PRIMARY KEY (dataset_version_id, ordinal)
) STRICT;
CREATE INDEX flow_id_idx ON flow (dataset_version_id, id);

CREATE TABLE flow_flow_property (
    dataset_version_id        INTEGER NOT NULL,
    flow_ordinal              INTEGER NOT NULL,
    ordinal                   INTEGER NOT NULL,
    internal_id               TEXT NOT NULL,
    flow_property_id          TEXT NOT NULL,
    flow_property_version     TEXT,
    flow_property_description TEXT,
    mean_value                ANY CHECK (typeof(mean_value) IN ('real', 'null')),
    is_reference              INTEGER NOT NULL CHECK (is_reference IN (0, 1)),
    detail                    TEXT NOT NULL,
    PRIMARY KEY (dataset_version_id, flow_ordinal, ordinal),
    FOREIGN KEY (dataset_version_id, flow_ordinal) REFERENCES flow (dataset_version_id, ordinal)
) STRICT;

CREATE TABLE process (
    dataset_version_id INTEGER NOT NULL REFERENCES dataset_version (id),
    ordinal            INTEGER NOT NULL,
    id                 TEXT NOT NULL,
    version            TEXT,
    name               TEXT NOT NULL,
    location           TEXT,
    process_type       TEXT,
    reference_year     TEXT,
    description        TEXT,
    detail             TEXT NOT NULL,
    PRIMARY KEY (dataset_version_id, ordinal)
) STRICT;
CREATE INDEX process_id_idx ON process (id, dataset_version_id);

CREATE TABLE exchange (
    dataset_version_id   INTEGER NOT NULL,
    process_ordinal      INTEGER NOT NULL,
    ordinal              INTEGER NOT NULL,
    internal_id          TEXT NOT NULL,
    flow_id              TEXT NOT NULL,
    flow_version         TEXT,
    flow_description     TEXT,
    direction            TEXT CHECK (direction IN ('input', 'output')),
    kind                 TEXT CHECK (kind IN ('production', 'technosphere', 'biosphere', 'unresolved')),
    is_reference         INTEGER NOT NULL CHECK (is_reference IN (0, 1)),
    amount               ANY CHECK (typeof(amount) IN ('real', 'null')),
    mean_amount          ANY CHECK (typeof(mean_amount) IN ('real', 'null')),
    unit                 TEXT,
    formula              TEXT,
    provider_id          TEXT,
    provider_version     TEXT,
    provider_description TEXT,
    location             TEXT,
    data_derivation      TEXT,
    comment              TEXT,
    detail               TEXT NOT NULL,
    PRIMARY KEY (dataset_version_id, process_ordinal, ordinal),
    FOREIGN KEY (dataset_version_id, process_ordinal) REFERENCES process (dataset_version_id, ordinal)
) STRICT;

-- Module amounts (EN 15804 A1-A3, C4, D, …) stay in `detail`: a handful per result, always read with it.
CREATE TABLE lcia_result (
    dataset_version_id     INTEGER NOT NULL,
    process_ordinal        INTEGER NOT NULL,
    ordinal                INTEGER NOT NULL,
    method_id              TEXT NOT NULL,
    method_version         TEXT,
    method_description     TEXT,
    amount                 ANY CHECK (typeof(amount) IN ('real', 'null')),
    unit_group_id          TEXT,
    unit_group_version     TEXT,
    unit_group_description TEXT,
    detail                 TEXT NOT NULL,
    PRIMARY KEY (dataset_version_id, process_ordinal, ordinal),
    FOREIGN KEY (dataset_version_id, process_ordinal) REFERENCES process (dataset_version_id, ordinal)
) STRICT;

CREATE TABLE lcia_method (
    dataset_version_id             INTEGER NOT NULL REFERENCES dataset_version (id),
    ordinal                        INTEGER NOT NULL,
    id                             TEXT NOT NULL,
    version                        TEXT,
    name                           TEXT NOT NULL,
    impact_category                TEXT,
    impact_indicator               TEXT,
    reference_quantity_id          TEXT,
    reference_quantity_version     TEXT,
    reference_quantity_description TEXT,
    unit                           TEXT,
    detail                         TEXT NOT NULL,
    PRIMARY KEY (dataset_version_id, ordinal)
) STRICT;
CREATE INDEX lcia_method_id_idx ON lcia_method (dataset_version_id, id);

CREATE TABLE characterization_factor (
    dataset_version_id  INTEGER NOT NULL,
    lcia_method_ordinal INTEGER NOT NULL,
    ordinal             INTEGER NOT NULL,
    flow_id             TEXT NOT NULL,
    flow_version        TEXT,
    flow_description    TEXT,
    direction           TEXT CHECK (direction IN ('input', 'output')),
    value               ANY NOT NULL CHECK (typeof(value) = 'real'),
    location            TEXT,
    data_derivation     TEXT,
    detail              TEXT NOT NULL,
    PRIMARY KEY (dataset_version_id, lcia_method_ordinal, ordinal),
    FOREIGN KEY (dataset_version_id, lcia_method_ordinal) REFERENCES lcia_method (dataset_version_id, ordinal)
) STRICT;

CREATE TABLE source (
    dataset_version_id INTEGER NOT NULL REFERENCES dataset_version (id),
    ordinal            INTEGER NOT NULL,
    id                 TEXT NOT NULL,
    version            TEXT,
    name               TEXT NOT NULL,
    citation           TEXT,
    publication_type   TEXT,
    detail             TEXT NOT NULL,
    PRIMARY KEY (dataset_version_id, ordinal)
) STRICT;

CREATE TABLE contact (
    dataset_version_id INTEGER NOT NULL REFERENCES dataset_version (id),
    ordinal            INTEGER NOT NULL,
    id                 TEXT NOT NULL,
    version            TEXT,
    name               TEXT NOT NULL,
    short_name         TEXT,
    email              TEXT,
    www                TEXT,
    detail             TEXT NOT NULL,
    PRIMARY KEY (dataset_version_id, ordinal)
) STRICT;

CREATE TABLE normalization_weighting_set (
    dataset_version_id INTEGER NOT NULL REFERENCES dataset_version (id),
    ordinal            INTEGER NOT NULL,
    name               TEXT NOT NULL,
    method             TEXT,
    detail             TEXT NOT NULL,
    PRIMARY KEY (dataset_version_id, ordinal)
) STRICT;

-- Immutability. Content and its record are insert-only; the database itself refuses changes, whoever asks.
CREATE TRIGGER dataset_version_refuse_update BEFORE UPDATE ON dataset_version
    BEGIN SELECT RAISE(ABORT, 'dataset_version rows are insert-only: update refused'); END;
CREATE TRIGGER dataset_version_refuse_delete BEFORE DELETE ON dataset_version
    BEGIN SELECT RAISE(ABORT, 'dataset_version rows are insert-only: delete refused'); END;
CREATE TRIGGER unit_group_refuse_update BEFORE UPDATE ON unit_group
    BEGIN SELECT RAISE(ABORT, 'unit_group rows are insert-only: update refused'); END;
CREATE TRIGGER unit_group_refuse_delete BEFORE DELETE ON unit_group
    BEGIN SELECT RAISE(ABORT, 'unit_group rows are insert-only: delete refused'); END;
CREATE TRIGGER unit_refuse_update BEFORE UPDATE ON unit
    BEGIN SELECT RAISE(ABORT, 'unit rows are insert-only: update refused'); END;
CREATE TRIGGER unit_refuse_delete BEFORE DELETE ON unit
    BEGIN SELECT RAISE(ABORT, 'unit rows are insert-only: delete refused'); END;
CREATE TRIGGER flow_property_refuse_update BEFORE UPDATE ON flow_property
    BEGIN SELECT RAISE(ABORT, 'flow_property rows are insert-only: update refused'); END;
CREATE TRIGGER flow_property_refuse_delete BEFORE DELETE ON flow_property
    BEGIN SELECT RAISE(ABORT, 'flow_property rows are insert-only: delete refused'); END;
CREATE TRIGGER flow_refuse_update BEFORE UPDATE ON flow
    BEGIN SELECT RAISE(ABORT, 'flow rows are insert-only: update refused'); END;
CREATE TRIGGER flow_refuse_delete BEFORE DELETE ON flow
    BEGIN SELECT RAISE(ABORT, 'flow rows are insert-only: delete refused'); END;
CREATE TRIGGER flow_flow_property_refuse_update BEFORE UPDATE ON flow_flow_property
    BEGIN SELECT RAISE(ABORT, 'flow_flow_property rows are insert-only: update refused'); END;
CREATE TRIGGER flow_flow_property_refuse_delete BEFORE DELETE ON flow_flow_property
    BEGIN SELECT RAISE(ABORT, 'flow_flow_property rows are insert-only: delete refused'); END;
CREATE TRIGGER process_refuse_update BEFORE UPDATE ON process
    BEGIN SELECT RAISE(ABORT, 'process rows are insert-only: update refused'); END;
CREATE TRIGGER process_refuse_delete BEFORE DELETE ON process
    BEGIN SELECT RAISE(ABORT, 'process rows are insert-only: delete refused'); END;
CREATE TRIGGER exchange_refuse_update BEFORE UPDATE ON exchange
    BEGIN SELECT RAISE(ABORT, 'exchange rows are insert-only: update refused'); END;
CREATE TRIGGER exchange_refuse_delete BEFORE DELETE ON exchange
    BEGIN SELECT RAISE(ABORT, 'exchange rows are insert-only: delete refused'); END;
CREATE TRIGGER lcia_result_refuse_update BEFORE UPDATE ON lcia_result
    BEGIN SELECT RAISE(ABORT, 'lcia_result rows are insert-only: update refused'); END;
CREATE TRIGGER lcia_result_refuse_delete BEFORE DELETE ON lcia_result
    BEGIN SELECT RAISE(ABORT, 'lcia_result rows are insert-only: delete refused'); END;
CREATE TRIGGER lcia_method_refuse_update BEFORE UPDATE ON lcia_method
    BEGIN SELECT RAISE(ABORT, 'lcia_method rows are insert-only: update refused'); END;
CREATE TRIGGER lcia_method_refuse_delete BEFORE DELETE ON lcia_method
    BEGIN SELECT RAISE(ABORT, 'lcia_method rows are insert-only: delete refused'); END;
CREATE TRIGGER characterization_factor_refuse_update BEFORE UPDATE ON characterization_factor
    BEGIN SELECT RAISE(ABORT, 'characterization_factor rows are insert-only: update refused'); END;
CREATE TRIGGER characterization_factor_refuse_delete BEFORE DELETE ON characterization_factor
    BEGIN SELECT RAISE(ABORT, 'characterization_factor rows are insert-only: delete refused'); END;
CREATE TRIGGER source_refuse_update BEFORE UPDATE ON source
    BEGIN SELECT RAISE(ABORT, 'source rows are insert-only: update refused'); END;
CREATE TRIGGER source_refuse_delete BEFORE DELETE ON source
    BEGIN SELECT RAISE(ABORT, 'source rows are insert-only: delete refused'); END;
CREATE TRIGGER contact_refuse_update BEFORE UPDATE ON contact
    BEGIN SELECT RAISE(ABORT, 'contact rows are insert-only: update refused'); END;
CREATE TRIGGER contact_refuse_delete BEFORE DELETE ON contact
    BEGIN SELECT RAISE(ABORT, 'contact rows are insert-only: delete refused'); END;
CREATE TRIGGER normalization_weighting_set_refuse_update BEFORE UPDATE ON normalization_weighting_set
    BEGIN SELECT RAISE(ABORT, 'normalization_weighting_set rows are insert-only: update refused'); END;
CREATE TRIGGER normalization_weighting_set_refuse_delete BEFORE DELETE ON normalization_weighting_set
    BEGIN SELECT RAISE(ABORT, 'normalization_weighting_set rows are insert-only: delete refused'); END;
CREATE TRIGGER import_input_refuse_update BEFORE UPDATE ON import_input
    BEGIN SELECT RAISE(ABORT, 'import_input rows are insert-only: update refused'); END;
CREATE TRIGGER import_input_refuse_delete BEFORE DELETE ON import_input
    BEGIN SELECT RAISE(ABORT, 'import_input rows are insert-only: delete refused'); END;
CREATE TRIGGER import_diagnostic_refuse_update BEFORE UPDATE ON import_diagnostic
    BEGIN SELECT RAISE(ABORT, 'import_diagnostic rows are insert-only: update refused'); END;
CREATE TRIGGER import_diagnostic_refuse_delete BEFORE DELETE ON import_diagnostic
    BEGIN SELECT RAISE(ABORT, 'import_diagnostic rows are insert-only: delete refused'); END;

-- A run is inserted as 'running' and updated exactly once, to finish it; its provenance columns never change.
CREATE TRIGGER import_run_refuse_update_finished BEFORE UPDATE ON import_run WHEN OLD.status <> 'running'
    BEGIN SELECT RAISE(ABORT, 'import_run is finished: update refused'); END;
CREATE TRIGGER import_run_refuse_delete_finished BEFORE DELETE ON import_run WHEN OLD.status <> 'running'
    BEGIN SELECT RAISE(ABORT, 'import_run is finished: delete refused'); END;
CREATE TRIGGER import_run_update_must_finish BEFORE UPDATE ON import_run
    WHEN OLD.status = 'running' AND NEW.status = 'running'
    BEGIN SELECT RAISE(ABORT, 'import_run: an update must finish the run'); END;
CREATE TRIGGER import_run_provenance_immutable BEFORE UPDATE ON import_run
    WHEN NEW.id IS NOT OLD.id OR NEW.source_name IS NOT OLD.source_name OR NEW.pipeline IS NOT OLD.pipeline
      OR NEW.reader_name IS NOT OLD.reader_name OR NEW.reader_version IS NOT OLD.reader_version
      OR NEW.options IS NOT OLD.options OR NEW.options_hash IS NOT OLD.options_hash
      OR NEW.inputs_hash IS NOT OLD.inputs_hash OR NEW.idempotency_key IS NOT OLD.idempotency_key
      OR NEW.started_at IS NOT OLD.started_at
    BEGIN SELECT RAISE(ABORT, 'import_run: provenance columns are immutable'); END;

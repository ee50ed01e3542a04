-- ecoref reference database, PostgreSQL flavour. Forward-only: never edit once landed, add 0002_… instead.
-- sql/sqlite/0001_init.sql holds the same logical schema; keep the two in step.
--
-- Provenance: import_run (+ import_input, import_diagnostic) records every run, append-only.
-- Content:    dataset_version + entity tables, insert-only; every entity row belongs to exactly one version.
-- Entity rows are keyed by (dataset_version_id, ordinal): the ordinal is the position in the source list, so a
-- version reads back in its source order and child rows (exchanges, units, …) reference their parent by
-- (dataset_version_id, <parent>_ordinal) without any id round trip during COPY.
-- Key columns are typed; everything else the model holds lives in `detail` (json, stored verbatim so every float
-- reads back bit-exact: jsonb would rewrite numbers and drop the sign of -0.0).

CREATE TABLE import_run (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_name        text NOT NULL,
    pipeline           text,
    reader_name        text NOT NULL,
    reader_version     text NOT NULL,
    options            text NOT NULL,
    options_hash       text NOT NULL,
    inputs_hash        text NOT NULL,
    idempotency_key    text NOT NULL,
    started_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at        timestamptz,
    status             text NOT NULL DEFAULT 'running'
                       CHECK (status IN ('running', 'succeeded', 'unchanged', 'failed')),
    counts             jsonb,
    n_diagnostics      bigint NOT NULL DEFAULT 0,
    n_rejected         bigint NOT NULL DEFAULT 0,
    error              text,
    note               text,
    dataset_version_id bigint,
    CHECK ((status = 'running') = (finished_at IS NULL)),
    CHECK (status NOT IN ('succeeded', 'unchanged') OR dataset_version_id IS NOT NULL)
);
CREATE INDEX import_run_idempotency_key_idx ON import_run (idempotency_key, id);

CREATE TABLE import_input (
    run_id     bigint NOT NULL REFERENCES import_run (id),
    seq        bigint NOT NULL,
    name       text NOT NULL,
    sha256     text NOT NULL,
    size_bytes bigint NOT NULL,
    url        text,
    licence    text,
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE import_diagnostic (
    run_id        bigint NOT NULL REFERENCES import_run (id),
    seq           bigint NOT NULL,
    severity      text NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
    code          text NOT NULL,
    message       text NOT NULL,
    file          text,
    line_number   bigint,
    column_number bigint,
    element       text,
    entity        text,
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE dataset_version (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_name    text NOT NULL,
    version_number bigint NOT NULL CHECK (version_number >= 1),
    content_hash   text NOT NULL UNIQUE,
    counts         jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    created_by_run bigint NOT NULL REFERENCES import_run (id),
    UNIQUE (source_name, version_number)
);
ALTER TABLE import_run
    ADD CONSTRAINT import_run_dataset_version_fk FOREIGN KEY (dataset_version_id) REFERENCES dataset_version (id);

CREATE TABLE unit_group (
    dataset_version_id bigint NOT NULL REFERENCES dataset_version (id),
    ordinal            bigint NOT NULL,
    id                 text COLLATE "C" NOT NULL,
    version            text,
    name               text NOT NULL,
    detail             json NOT NULL,
    PRIMARY KEY (dataset_version_id, ordinal)
);
CREATE INDEX unit_group_id_idx ON unit_group (dataset_version_id, id);

CREATE TABLE unit (
    dataset_version_id bigint NOT NULL,
    unit_group_ordinal bigint NOT NULL,
    ordinal            bigint NOT NULL,
    internal_id        text NOT NULL,
    name               text NOT NULL,
    factor             double precision,
    is_reference       boolean NOT NULL,
    comment            text,
    detail             json NOT NULL,
    PRIMARY KEY (dataset_version_id, unit_group_ordinal, ordinal),
    FOREIGN KEY (dataset_version_id, unit_group_ordinal) REFERENCES unit_group (dataset_version_id, ordinal)
);

CREATE TABLE flow_property (
    dataset_version_id     bigint NOT NULL REFERENCES dataset_version (id),
    ordinal                bigint NOT NULL,
    id                     text COLLATE "C" NOT NULL,
    version                text,
    name                   text NOT NULL,
    unit_group_id          text COLLATE "C",
    unit_group_version     text,
    unit_group_description text,
    reference_unit         text,
    detail                 json NOT NULL,
    PRIMARY KEY (dataset_version_id, ordinal)
);
CREATE INDEX flow_property_id_idx ON flow_property (dataset_version_id, id);

CREATE TABLE flow (
    dataset_version_id bigint NOT NULL REFERENCES dataset_version (id),
    ordinal            bigint NOT NULL,
    id                 text COLLATE "C" NOT NULL,
    version            text,
    name               text NOT NULL,
    kind               text CHECK (kind IN ('elementary', 'product', 'waste', 'other')),
    cas                text,
    formula            text,
    ec_number          text,
    location           text,
    reference_unit     text,
    detail             json NOT NULL,
    PRIMARY KEY (dataset_version_id, ordinal)
);
CREATE INDEX flow_id_idx ON flow (dataset_version_id, id);

CREATE TABLE flow_flow_property (
    dataset_version_id        bigint NOT NULL,
    flow_ordinal              bigint NOT NULL,
    ordinal                   bigint NOT NULL,
    internal_id               text NOT NULL,
    flow_property_id          text COLLATE "C" NOT NULL,
    flow_property_version     text,
    flow_property_description text,
    mean_value                double precision,
    is_reference              boolean NOT NULL,
    detail                    json NOT NULL,
    PRIMARY KEY (dataset_version_id, flow_ordinal, ordinal),
    FOREIGN KEY (dataset_version_id, flow_ordinal) REFERENCES flow (dataset_version_id, ordinal)
);

CREATE TABLE process (
    dataset_version_id bigint NOT NULL REFERENCES dataset_version (id),
    ordinal            bigint NOT NULL,
    id                 text COLLATE "C" NOT NULL,
    version            text,
    name               text NOT NULL,
    location           text,
    process_type       text,
    reference_year     text,
    description        text,
    detail             json NOT NULL,
    PRIMARY KEY (dataset_version_id, ordinal)
);
CREATE INDEX process_id_idx ON process (id, dataset_version_id);

CREATE TABLE exchange (
    dataset_version_id   bigint NOT NULL,
    process_ordinal      bigint NOT NULL,
    ordinal              bigint NOT NULL,
    internal_id          text NOT NULL,
    flow_id              text COLLATE "C" NOT NULL,
    flow_version         text,
    flow_description     text,
    direction            text CHECK (direction IN ('input', 'output')),
    kind                 text CHECK (kind IN ('production', 'technosphere', 'biosphere', 'unresolved')),
    is_reference         boolean NOT NULL,
    amount               double precision,
    mean_amount          double precision,
    unit                 text,
    formula              text,
    provider_id          text COLLATE "C",
    provider_version     text,
    provider_description text,
    location             text,
    data_derivation      text,
    comment              text,
    detail               json NOT NULL,
    PRIMARY KEY (dataset_version_id, process_ordinal, ordinal),
    FOREIGN KEY (dataset_version_id, process_ordinal) REFERENCES process (dataset_version_id, ordinal)
);

-- Module amounts (EN 15804 A1-A3, C4, D, …) stay in `detail`: a handful per result, always read with it.
CREATE TABLE lcia_result (
    dataset_version_id     bigint NOT NULL,
    process_ordinal        bigint NOT NULL,
    ordinal                bigint NOT NULL,
    method_id              text COLLATE "C" NOT NULL,
    method_version         text,
    method_description     text,
    amount                 double precision,
    unit_group_id          text COLLATE "C",
    unit_group_version     text,
    unit_group_description text,
    detail                 json NOT NULL,
    PRIMARY KEY (dataset_version_id, process_ordinal, ordinal),
    FOREIGN KEY (dataset_version_id, process_ordinal) REFERENCES process (dataset_version_id, ordinal)
);

CREATE TABLE lcia_method (
    dataset_version_id             bigint NOT NULL REFERENCES dataset_version (id),
    ordinal                        bigint NOT NULL,
    id                             text COLLATE "C" NOT NULL,
    version                        text,
    name                           text NOT NULL,
    impact_category                text,
    impact_indicator               text,
    reference_quantity_id          text COLLATE "C",
    reference_quantity_version     text,
    reference_quantity_description text,
    unit                           text,
    detail                         json NOT NULL,
    PRIMARY KEY (dataset_version_id, ordinal)
);
CREATE INDEX lcia_method_id_idx ON lcia_method (dataset_version_id, id);

CREATE TABLE characterization_factor (
    dataset_version_id  bigint NOT NULL,
    lcia_method_ordinal bigint NOT NULL,
    ordinal             bigint NOT NULL,
    flow_id             text COLLATE "C" NOT NULL,
    flow_version        text,
    flow_description    text,
    direction           text CHECK (direction IN ('input', 'output')),
    value               double precision NOT NULL,
    location            text,
    data_derivation     text,
    detail              json NOT NULL,
    PRIMARY KEY (dataset_version_id, lcia_method_ordinal, ordinal),
    FOREIGN KEY (dataset_version_id, lcia_method_ordinal) REFERENCES lcia_method (dataset_version_id, ordinal)
);

CREATE TABLE source (
    dataset_version_id bigint NOT NULL REFERENCES dataset_version (id),
    ordinal            bigint NOT NULL,
    id                 text COLLATE "C" NOT NULL,
    version            text,
    name               text NOT NULL,
    citation           text,
    publication_type   text,
    detail             json NOT NULL,
    PRIMARY KEY (dataset_version_id, ordinal)
);

CREATE TABLE contact (
    dataset_version_id bigint NOT NULL REFERENCES dataset_version (id),
    ordinal            bigint NOT NULL,
    id                 text COLLATE "C" NOT NULL,
    version            text,
    name               text NOT NULL,
    short_name         text,
    email              text,
    www                text,
    detail             json NOT NULL,
    PRIMARY KEY (dataset_version_id, ordinal)
);

CREATE TABLE normalization_weighting_set (
    dataset_version_id bigint NOT NULL REFERENCES dataset_version (id),
    ordinal            bigint NOT NULL,
    name               text NOT NULL,
    method             text,
    detail             json NOT NULL,
    PRIMARY KEY (dataset_version_id, ordinal)
);

-- Immutability. Content and its record are insert-only; the database itself refuses changes, whoever asks.
CREATE FUNCTION ecoref_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are insert-only: % refused', TG_TABLE_NAME, lower(TG_OP)
        USING ERRCODE = 'restrict_violation';
END
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['dataset_version', 'unit_group', 'unit', 'flow_property', 'flow', 'flow_flow_property',
                             'process', 'exchange', 'lcia_result', 'lcia_method', 'characterization_factor',
                             'source', 'contact', 'normalization_weighting_set', 'import_input',
                             'import_diagnostic']
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION ecoref_refuse_change()',
                       t || '_insert_only', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION ecoref_refuse_change()',
                       t || '_no_truncate', t);
    END LOOP;
END
$$;

-- A run is inserted as 'running' and updated exactly once, to finish it; its provenance columns never change.
CREATE FUNCTION ecoref_guard_import_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'import_run rows are append-only: truncate refused' USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status <> 'running' THEN
        RAISE EXCEPTION 'import_run % is finished (%): % refused', OLD.id, OLD.status, lower(TG_OP)
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.status = 'running' THEN
        RAISE EXCEPTION 'import_run %: an update must finish the run', OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.id, NEW.source_name, NEW.pipeline, NEW.reader_name, NEW.reader_version, NEW.options, NEW.options_hash,
        NEW.inputs_hash, NEW.idempotency_key, NEW.started_at)
       IS DISTINCT FROM
       (OLD.id, OLD.source_name, OLD.pipeline, OLD.reader_name, OLD.reader_version, OLD.options, OLD.options_hash,
        OLD.inputs_hash, OLD.idempotency_key, OLD.started_at) THEN
        RAISE EXCEPTION 'import_run %: provenance columns are immutable', OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER import_run_guard BEFORE UPDATE OR DELETE ON import_run
    FOR EACH ROW EXECUTE FUNCTION ecoref_guard_import_run();
CREATE TRIGGER import_run_no_truncate BEFORE TRUNCATE ON import_run
    FOR EACH STATEMENT EXECUTE FUNCTION ecoref_guard_import_run();

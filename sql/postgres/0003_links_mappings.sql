-- ecoref link tables and flow mappings, PostgreSQL flavour. Forward-only: never edit once landed, add 0004_… instead.
-- sql/sqlite/0003_links_mappings.sql holds the same logical schema; keep the two in step.
--
-- Link sets: the technosphere link table of one dataset version, computed by the transform crate against a list of
--   dependency dataset versions with given options (`inputs_key` = sha256 of dataset version, dependencies, options
--   and transform version), identified by the sha256 of inputs and output (`content_hash`, unique: an identical link
--   set is never stored twice). Rows: one per linked exchange, one per unresolved (unlinked or ambiguous) exchange
--   with its candidates; the linking diagnostics as a JSON array.
-- Flow mapping sets: the mapping of one dataset version's elementary flows onto the flows an LCIA method version
--   characterizes, each entry with the rule that matched and its confidence, the unmapped flows with the reason and
--   candidates, and the share of each impact they miss (JSON). Content-hashed the same way.
-- Both are insert-only. A published release names, per dataset version, the link set and flow mapping set it was
--   validated with (release_validation_input), frozen with the release like its other member rows.

CREATE TABLE link_set (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataset_version_id bigint NOT NULL REFERENCES dataset_version (id),
    inputs_key         text NOT NULL,
    content_hash       text NOT NULL UNIQUE,
    transform_version  text NOT NULL,
    options            text NOT NULL,
    n_technosphere     bigint NOT NULL,
    n_linked           bigint NOT NULL,
    n_unlinked         bigint NOT NULL,
    n_ambiguous        bigint NOT NULL,
    diagnostics        jsonb NOT NULL,
    created_by         text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (id, dataset_version_id)
);
CREATE INDEX link_set_inputs_key_idx ON link_set (inputs_key, id);

CREATE TABLE link_set_dependency (
    link_set_id        bigint NOT NULL REFERENCES link_set (id),
    seq                bigint NOT NULL,
    dataset_version_id bigint NOT NULL REFERENCES dataset_version (id),
    PRIMARY KEY (link_set_id, seq),
    UNIQUE (link_set_id, dataset_version_id)
);

CREATE TABLE link_set_link (
    link_set_id                 bigint NOT NULL REFERENCES link_set (id),
    seq                         bigint NOT NULL,
    process_id                  text COLLATE "C" NOT NULL,
    process_version             text COLLATE "C",
    exchange                    text COLLATE "C" NOT NULL,
    flow_id                     text COLLATE "C" NOT NULL,
    provider_id                 text COLLATE "C" NOT NULL,
    provider_version            text COLLATE "C",
    -- NULL: the provider is in the link set's own dataset version.
    provider_dataset_version_id bigint REFERENCES dataset_version (id),
    rule                        text NOT NULL,
    PRIMARY KEY (link_set_id, seq)
);

CREATE TABLE link_set_unresolved (
    link_set_id     bigint NOT NULL REFERENCES link_set (id),
    seq             bigint NOT NULL,
    process_id      text COLLATE "C" NOT NULL,
    process_version text COLLATE "C",
    exchange        text COLLATE "C" NOT NULL,
    flow_id         text COLLATE "C" NOT NULL,
    flow_name       text NOT NULL,
    ambiguous       boolean NOT NULL,
    rule            text,
    candidates      jsonb NOT NULL,
    PRIMARY KEY (link_set_id, seq)
);

CREATE TABLE flow_mapping_set (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataset_version_id bigint NOT NULL REFERENCES dataset_version (id),
    method_version_id  bigint NOT NULL REFERENCES lcia_method_version (id),
    inputs_key         text NOT NULL,
    content_hash       text NOT NULL UNIQUE,
    transform_version  text NOT NULL,
    options            text NOT NULL,
    n_source_flows     bigint NOT NULL,
    n_target_flows     bigint NOT NULL,
    n_target_synthesized bigint NOT NULL,
    n_mapped           bigint NOT NULL,
    n_unmapped         bigint NOT NULL,
    impact_losses      jsonb NOT NULL,
    created_by         text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (id, dataset_version_id)
);
CREATE INDEX flow_mapping_set_inputs_key_idx ON flow_mapping_set (inputs_key, id);

CREATE TABLE flow_mapping_entry (
    flow_mapping_set_id bigint NOT NULL REFERENCES flow_mapping_set (id),
    seq                 bigint NOT NULL,
    source_flow         text COLLATE "C" NOT NULL,
    target_flow         text COLLATE "C" NOT NULL,
    rule                text NOT NULL,
    confidence          double precision NOT NULL,
    PRIMARY KEY (flow_mapping_set_id, seq)
);

CREATE TABLE flow_mapping_unmapped (
    flow_mapping_set_id bigint NOT NULL REFERENCES flow_mapping_set (id),
    seq                 bigint NOT NULL,
    flow                text COLLATE "C" NOT NULL,
    name                text NOT NULL,
    compartment         text,
    reason              text NOT NULL,
    candidates          jsonb NOT NULL,
    PRIMARY KEY (flow_mapping_set_id, seq)
);

CREATE TABLE release_validation_input (
    release_id          bigint NOT NULL REFERENCES release (id),
    dataset_version_id  bigint NOT NULL,
    link_set_id         bigint NOT NULL,
    flow_mapping_set_id bigint,
    PRIMARY KEY (release_id, dataset_version_id),
    FOREIGN KEY (release_id, dataset_version_id) REFERENCES release_dataset (release_id, dataset_version_id),
    FOREIGN KEY (link_set_id, dataset_version_id) REFERENCES link_set (id, dataset_version_id),
    FOREIGN KEY (flow_mapping_set_id, dataset_version_id) REFERENCES flow_mapping_set (id, dataset_version_id)
);

-- Link sets and flow mapping sets are insert-only.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['link_set', 'link_set_dependency', 'link_set_link', 'link_set_unresolved',
                             'flow_mapping_set', 'flow_mapping_entry', 'flow_mapping_unmapped']
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION ecoref_refuse_change()',
                       t || '_insert_only', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION ecoref_refuse_change()',
                       t || '_no_truncate', t);
    END LOOP;
END
$$;

-- What a release was validated with is frozen with it.
CREATE TRIGGER release_validation_input_guard BEFORE INSERT OR UPDATE OR DELETE ON release_validation_input
    FOR EACH ROW EXECUTE FUNCTION ecoref_guard_release_member();
CREATE TRIGGER release_validation_input_no_truncate BEFORE TRUNCATE ON release_validation_input
    FOR EACH STATEMENT EXECUTE FUNCTION ecoref_guard_release_member();

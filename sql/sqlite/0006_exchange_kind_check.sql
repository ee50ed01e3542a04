-- ecoref: a cheaper check on exchange.kind, SQLite flavour. Forward-only: never edit once landed, add 0007_…
-- instead. The rule is unchanged and PostgreSQL checks an IN list cheaply, so no PostgreSQL migration matches
-- this one (sql/postgres/0006 is another change).
--
-- SQLite evaluates `kind IN (four texts)` against an ephemeral index built for the list: a record made and a
-- B-tree searched for every exchange inserted, a fifth of the instructions SQLite spends inserting exchanges
-- (docs/benchmarks.md, issue 3). The same rule written as equalities joined by OR is a few compares.
-- SQLite cannot alter a CHECK constraint, so the table is rebuilt (https://sqlite.org/lang_altertable.html,
-- "Making Other Kinds Of Table Schema Changes"); no table references exchange. On a database holding exchanges
-- the rebuild takes a few seconds (2.6 s for 871,440) and leaves the old table's pages free inside the file,
-- for later imports to reuse: `VACUUM` (which cannot run inside a migration's transaction) gives them back.

CREATE TABLE exchange_rebuilt (
    dataset_version_id   INTEGER NOT NULL,
    process_ordinal      INTEGER NOT NULL,
    ordinal              INTEGER NOT NULL,
    internal_id          TEXT NOT NULL,
    flow_id              TEXT NOT NULL,
    flow_version         TEXT,
    flow_description     TEXT,
    direction            TEXT CHECK (direction IN ('input', 'output')),
    kind                 TEXT CHECK (kind = 'production' OR kind = 'technosphere' OR kind = 'biosphere'
                                     OR kind = 'unresolved'),
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

INSERT INTO exchange_rebuilt SELECT
    dataset_version_id, process_ordinal, ordinal, internal_id, flow_id, flow_version, flow_description, direction,
    kind, is_reference, amount, mean_amount, unit, formula, provider_id, provider_version, provider_description,
    location, data_derivation, comment, detail
FROM exchange ORDER BY dataset_version_id, process_ordinal, ordinal;

DROP TRIGGER exchange_refuse_update;
DROP TRIGGER exchange_refuse_delete;
DROP TABLE exchange;
ALTER TABLE exchange_rebuilt RENAME TO exchange;

CREATE TRIGGER exchange_refuse_update BEFORE UPDATE ON exchange
    BEGIN SELECT RAISE(ABORT, 'exchange rows are insert-only: update refused'); END;
CREATE TRIGGER exchange_refuse_delete BEFORE DELETE ON exchange
    BEGIN SELECT RAISE(ABORT, 'exchange rows are insert-only: delete refused'); END;

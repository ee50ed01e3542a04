-- ecoref: the exchange → process parent rule checked once per statement, PostgreSQL flavour. Forward-only: never
-- edit once landed, add 0007_… instead.
--
-- Every exchange row names its process by (dataset_version_id, process_ordinal). 0001 enforced that with a foreign
-- key, which PostgreSQL checks row by row (one index probe through SPI per row): loading the 871,440 exchange rows
-- of an ecoinvent-sized release by COPY took 12.9 s with it, 7.3 s without (docs/benchmarks.md). The same rule is
-- now an AFTER INSERT trigger per statement that anti-joins the statement's new rows with `process`: 8.9–10.3 s.
--
-- It is the same guarantee. The foreign key checked at the end of each statement, so does the trigger; every
-- insert path (INSERT, COPY) fires it; and a parent cannot go away later, because process rows are insert-only
-- (UPDATE, DELETE and TRUNCATE are refused by the triggers of 0001), which is what the key's ON DELETE/UPDATE side
-- guarded. The error keeps the foreign key's SQLSTATE (23503, foreign_key_violation).
--
-- SQLite keeps its foreign key (sql/sqlite/0001_init.sql): it costs 0.2–0.4 s there, and SQLite has no
-- statement-level triggers.

ALTER TABLE exchange DROP CONSTRAINT exchange_dataset_version_id_process_ordinal_fkey;

CREATE FUNCTION ecoref_exchange_parent_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    orphan record;
BEGIN
    SELECT n.dataset_version_id, n.process_ordinal, n.ordinal INTO orphan
    FROM new_exchanges n
    WHERE NOT EXISTS (
        SELECT 1 FROM process p
        WHERE p.dataset_version_id = n.dataset_version_id AND p.ordinal = n.process_ordinal
    )
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'exchange (dataset version %, process %, exchange %) names no process row',
            orphan.dataset_version_id, orphan.process_ordinal, orphan.ordinal
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER exchange_parent_check AFTER INSERT ON exchange
    REFERENCING NEW TABLE AS new_exchanges
    FOR EACH STATEMENT EXECUTE FUNCTION ecoref_exchange_parent_check();

-- ecoref pipeline runs, PostgreSQL flavour. Forward-only: never edit once landed, add 0006_… instead.
-- sql/sqlite/0005_pipeline.sql holds the same logical schema; keep the two in step.
--
-- pipeline_run: one row per `ecoref pipeline run`, append-only like import_run. It is inserted 'running' once the
--   run holds the database's pipeline lock, then finished exactly once: succeeded, unchanged (every step was a
--   no-op), rejected (finished, but data were rejected or a validation threshold was exceeded) or failed (with the
--   error). The report (JSON) lists the inputs with their sha256, the import runs the pipeline started, link and
--   mapping rates and the duration of each step. Identity and provenance columns never change; rows are never
--   deleted.

CREATE TABLE pipeline_run (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pipeline    text NOT NULL,
    file        text NOT NULL,
    spec_sha256 text NOT NULL CHECK (length(spec_sha256) = 64),
    started_by  text NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    status      text NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'succeeded', 'unchanged', 'rejected', 'failed')),
    error       text,
    report      jsonb,
    CHECK ((status = 'running') = (finished_at IS NULL)),
    CHECK ((status = 'failed') = (error IS NOT NULL))
);
CREATE INDEX pipeline_run_pipeline_idx ON pipeline_run (pipeline, id);

CREATE FUNCTION ecoref_guard_pipeline_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'pipeline_run rows are append-only: truncate refused' USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'pipeline_run rows are append-only: delete refused' USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status <> 'running' THEN
        RAISE EXCEPTION 'pipeline_run % is finished (%): update refused', OLD.id, OLD.status
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.status = 'running' THEN
        RAISE EXCEPTION 'pipeline_run %: an update must finish the run', OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.id, NEW.pipeline, NEW.file, NEW.spec_sha256, NEW.started_by, NEW.started_at)
       IS DISTINCT FROM (OLD.id, OLD.pipeline, OLD.file, OLD.spec_sha256, OLD.started_by, OLD.started_at) THEN
        RAISE EXCEPTION 'pipeline_run %: provenance columns are immutable', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER pipeline_run_guard BEFORE UPDATE OR DELETE ON pipeline_run
    FOR EACH ROW EXECUTE FUNCTION ecoref_guard_pipeline_run();
CREATE TRIGGER pipeline_run_no_truncate BEFORE TRUNCATE ON pipeline_run
    FOR EACH STATEMENT EXECUTE FUNCTION ecoref_guard_pipeline_run();

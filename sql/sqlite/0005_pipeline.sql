-- ecoref pipeline runs, SQLite flavour. Forward-only: never edit once landed, add 0006_… instead.
-- sql/postgres/0005_pipeline.sql holds the same logical schema (and explains it); keep the two in step.

CREATE TABLE pipeline_run (
    id          INTEGER PRIMARY KEY,
    pipeline    TEXT NOT NULL,
    file        TEXT NOT NULL,
    spec_sha256 TEXT NOT NULL CHECK (length(spec_sha256) = 64),
    started_by  TEXT NOT NULL,
    started_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at TEXT,
    status      TEXT NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'succeeded', 'unchanged', 'rejected', 'failed')),
    error       TEXT,
    report      TEXT CHECK (report IS NULL OR json_valid(report)),
    CHECK ((status = 'running') = (finished_at IS NULL)),
    CHECK ((status = 'failed') = (error IS NOT NULL))
) STRICT;
CREATE INDEX pipeline_run_pipeline_idx ON pipeline_run (pipeline, id);

CREATE TRIGGER pipeline_run_refuse_delete BEFORE DELETE ON pipeline_run
    BEGIN SELECT RAISE(ABORT, 'pipeline_run rows are append-only: delete refused'); END;
CREATE TRIGGER pipeline_run_refuse_update_finished BEFORE UPDATE ON pipeline_run WHEN OLD.status <> 'running'
    BEGIN SELECT RAISE(ABORT, 'pipeline_run is finished: update refused'); END;
CREATE TRIGGER pipeline_run_update_must_finish BEFORE UPDATE ON pipeline_run
    WHEN OLD.status = 'running' AND NEW.status = 'running'
    BEGIN SELECT RAISE(ABORT, 'pipeline_run: an update must finish the run'); END;
CREATE TRIGGER pipeline_run_provenance_immutable BEFORE UPDATE ON pipeline_run
    WHEN NEW.id IS NOT OLD.id OR NEW.pipeline IS NOT OLD.pipeline OR NEW.file IS NOT OLD.file
      OR NEW.spec_sha256 IS NOT OLD.spec_sha256 OR NEW.started_by IS NOT OLD.started_by
      OR NEW.started_at IS NOT OLD.started_at
    BEGIN SELECT RAISE(ABORT, 'pipeline_run: provenance columns are immutable'); END;

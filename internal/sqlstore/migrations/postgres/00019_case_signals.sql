-- +goose Up
-- Issue 19: the news that a case changed, for the pages watching it on any
-- server. On PostgreSQL the row's transaction also sends pg_notify
-- ('veriwallet_case_signals'), delivered to every server's LISTEN at
-- commit; the row keeps the commit-time stamp (latency measurements) and is
-- pruned after an hour. No personal data.
CREATE TABLE case_signals (
    seq        BIGSERIAL PRIMARY KEY,
    case_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    status     TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL, -- the case's updated_at after the change
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_signals_created ON case_signals (created_at);

-- +goose Down
DROP TABLE case_signals;

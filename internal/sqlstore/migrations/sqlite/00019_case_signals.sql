-- +goose Up
-- Issue 19: the news that a case changed, for the pages watching it on any
-- server. SQLite writers are serialised, so seq grows in commit order and
-- each server reads the rows past the last seq it saw (a short poll).
-- No personal data: the case id, the kind of change, the new status.
CREATE TABLE case_signals (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    status     TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL, -- the case's updated_at after the change
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_signals_created ON case_signals (created_at);

-- +goose Down
DROP TABLE case_signals;

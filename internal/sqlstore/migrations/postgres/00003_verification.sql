-- +goose Up
CREATE TABLE cases (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    level         TEXT NOT NULL,
    status        TEXT NOT NULL,
    applicant_enc TEXT NOT NULL,          -- the applicant, encrypted
    identity_hash TEXT NOT NULL DEFAULT '', -- keyed hash of the ID (duplicate identity)
    documents     TEXT NOT NULL DEFAULT '{}',
    decision      TEXT,                   -- latest decision: codes, fields, steps (no personal data)
    version       INTEGER NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    submitted_at  TIMESTAMPTZ
);
CREATE INDEX cases_user ON cases (user_id, created_at);
CREATE INDEX cases_identity ON cases (identity_hash);

CREATE TABLE case_checks (
    case_id        TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    round          INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    score          DOUBLE PRECISION NOT NULL,
    engine         TEXT NOT NULL,
    engine_version TEXT NOT NULL,
    reasons        TEXT NOT NULL,
    field          TEXT NOT NULL,
    document       TEXT NOT NULL,
    detail_enc     TEXT NOT NULL,          -- may hold what was read: encrypted
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_checks_case ON case_checks (case_id, round);

CREATE TABLE case_events (
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    actor       TEXT NOT NULL,
    note        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, created_at);

CREATE TABLE case_submissions (
    case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_submissions_user ON case_submissions (user_id, at);

CREATE TABLE idempotency_keys (
    user_id    TEXT NOT NULL,
    scope      TEXT NOT NULL,
    key        TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, scope, key)
);

CREATE TABLE phone_codes (
    case_id    TEXT PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
    phone_hash BYTEA NOT NULL,
    code_hash  BYTEA NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    tries      INTEGER NOT NULL DEFAULT 0,   -- wrong tries of this code
    failures   INTEGER NOT NULL DEFAULT 0,   -- wrong tries of every code of the case
    sends      INTEGER NOT NULL DEFAULT 0,   -- codes sent since window_start
    window_start TIMESTAMPTZ NOT NULL,
    last_sent_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE messages (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    case_id    TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ
);
CREATE INDEX messages_user ON messages (user_id, created_at);

-- +goose Down
DROP TABLE messages;
DROP TABLE phone_codes;
DROP TABLE idempotency_keys;
DROP TABLE case_submissions;
DROP TABLE case_events;
DROP TABLE case_checks;
DROP TABLE cases;

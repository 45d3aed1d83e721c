-- +goose Up
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email_index   BLOB UNIQUE,          -- keyed hash of the normalised email
    email_enc     TEXT,                 -- the email, encrypted
    phone_index   BLOB UNIQUE,
    phone_enc     TEXT,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('customer', 'reviewer', 'support', 'admin')),
    created_at    TIMESTAMP NOT NULL,
    CHECK (email_index IS NOT NULL OR phone_index IS NOT NULL)
);

CREATE TABLE consents (
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    document    TEXT NOT NULL,
    version     TEXT NOT NULL,
    accepted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, document, version)
);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   BLOB NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    user_agent   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP
);
CREATE INDEX sessions_user ON sessions (user_id, expires_at);

CREATE TABLE login_failures (
    key_hash BLOB NOT NULL,
    at       TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key_hash, at);
CREATE INDEX login_failures_at ON login_failures (at);

-- +goose Down
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE consents;
DROP TABLE users;

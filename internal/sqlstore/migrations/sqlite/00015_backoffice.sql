-- +goose Up
-- The second factor (RFC 6238): the secret sealed with the keyring, bound
-- to the user; last_step is the newest time step used (a code works once).
CREATE TABLE user_totp (
    user_id      TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_enc   TEXT NOT NULL,
    confirmed_at TIMESTAMP,
    last_step    INTEGER NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL
);
-- Recovery codes, stored only as hashes; spent once.
CREATE TABLE totp_recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash BLOB NOT NULL,
    used_at   TIMESTAMP,
    PRIMARY KEY (user_id, code_hash)
);
-- A reviewer's claim on a queue item; it lapses after 30 minutes idle.
CREATE TABLE review_claims (
    item_id      TEXT PRIMARY KEY,
    reviewer_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    claimed_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
-- A decision waiting for a second reviewer (four eyes).
CREATE TABLE pending_decisions (
    case_id     TEXT PRIMARY KEY,
    proposer_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status      TEXT NOT NULL,
    reasons     TEXT NOT NULL,
    comment     TEXT NOT NULL,
    note        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
-- The customer's risk level, its reasons and the next periodic review.
CREATE TABLE customer_risk (
    user_id        TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    level          TEXT NOT NULL CHECK (level IN ('low', 'medium', 'high')),
    reasons        TEXT NOT NULL,
    case_id        TEXT NOT NULL,
    next_review_at TIMESTAMP NOT NULL,
    review_due_at  TIMESTAMP,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX customer_risk_next ON customer_risk (next_review_at);

-- +goose Down
DROP TABLE customer_risk;
DROP TABLE pending_decisions;
DROP TABLE review_claims;
DROP TABLE totp_recovery_codes;
DROP TABLE user_totp;

-- +goose Up
-- The payment password (支付密码): an HMAC of the 6-digit PIN under a key
-- derived from the keyring (never the PIN), with the wrong tries since the
-- last right one, how many times payments were locked (each lock lasts
-- longer) and until when they are locked.
CREATE TABLE payment_passwords (
    user_id      TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    mac          BYTEA NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    locks        INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- Scoped API keys for the operator's payment system: the key's SHA-256
-- (never the key), its scopes (comma-separated), uses and last use.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    key_hash     BYTEA NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    uses         BIGINT NOT NULL DEFAULT 0
);

-- Payee look-ups per user, counted so that a customer cannot enumerate
-- accounts (rows older than a day are pruned on each look-up).
CREATE TABLE payee_lookups (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX payee_lookups_user ON payee_lookups (user_id, at);
CREATE INDEX payee_lookups_at ON payee_lookups (at);

-- Receive codes (收款码): a payment request another customer pays through
-- /pay/{code}. amount is a decimal string ('' : the payer chooses).
CREATE TABLE payment_requests (
    code       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    asset      TEXT NOT NULL,
    amount     TEXT NOT NULL DEFAULT '',
    memo_enc   TEXT,
    expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX payment_requests_user ON payment_requests (user_id, created_at);

-- The ledger's wallet_events outbox events already handled (AML activity,
-- alerts and webhooks written in the same transaction as the marker), so a
-- batch handled again after a crash, before its events were deleted, has
-- no second effect. Pruned after a week.
CREATE TABLE wallet_events_done (
    event_id BIGINT PRIMARY KEY,
    done_at  TIMESTAMPTZ NOT NULL
);

-- What AML monitoring remembers of each movement: per customer, the
-- direction, asset, amount (smallest unit) and counterparty.
CREATE TABLE aml_activity (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    kind           TEXT NOT NULL,
    direction      TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    asset          TEXT NOT NULL,
    amount         BIGINT NOT NULL,
    counterparty   TEXT NOT NULL DEFAULT '',
    evaluated      BOOLEAN NOT NULL DEFAULT FALSE, -- the AML rules ran on it
    at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX aml_activity_user ON aml_activity (user_id, at);
CREATE INDEX aml_activity_pending ON aml_activity (evaluated, id);
CREATE UNIQUE INDEX aml_activity_once ON aml_activity (transaction_id, user_id, direction);

-- Alerts for reviewers: the rule, the customer, the transactions and the
-- figures that fired it (JSON).
CREATE TABLE aml_alerts (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    rule         TEXT NOT NULL,
    transactions TEXT NOT NULL,
    figures      TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open',
    created_at   TIMESTAMPTZ NOT NULL,
    dedupe       TEXT NOT NULL UNIQUE
);
CREATE INDEX aml_alerts_created ON aml_alerts (created_at);

-- +goose Down
DROP TABLE aml_alerts;
DROP TABLE aml_activity;
DROP TABLE wallet_events_done;
DROP TABLE payment_requests;
DROP TABLE payee_lookups;
DROP TABLE api_keys;
DROP TABLE payment_passwords;

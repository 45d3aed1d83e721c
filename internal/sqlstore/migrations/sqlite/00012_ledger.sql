-- +goose Up
-- The wallet's double-entry ledger (issue 12). Amounts are BIGINT counts of
-- an asset's smallest unit. Accounts: "c:<user>:<asset>" for customers,
-- "s:<kind>:<asset>" for the system's deposits, withdrawals and fees.
-- balance is the sum of the account's postings; held the open holds.
-- The send_*/withdraw_* columns count what the customer sent and withdrew
-- in the current day ("d:2026-12-03") and month ("m:2026-12") of the
-- limits' time zone: changed under the row's lock in the transaction that
-- moves the money, so concurrent requests cannot exceed a limit.
CREATE TABLE wallet_accounts (
    id                    TEXT PRIMARY KEY,
    user_id               TEXT NOT NULL DEFAULT '',
    asset                 TEXT NOT NULL,
    balance               BIGINT NOT NULL DEFAULT 0,
    held                  BIGINT NOT NULL DEFAULT 0,
    send_day              TEXT NOT NULL DEFAULT '',
    send_day_amount       BIGINT NOT NULL DEFAULT 0,
    send_month            TEXT NOT NULL DEFAULT '',
    send_month_amount     BIGINT NOT NULL DEFAULT 0,
    withdraw_day          TEXT NOT NULL DEFAULT '',
    withdraw_day_amount   BIGINT NOT NULL DEFAULT 0,
    withdraw_month        TEXT NOT NULL DEFAULT '',
    withdraw_month_amount BIGINT NOT NULL DEFAULT 0,
    updated_at            TIMESTAMP NOT NULL
);
CREATE INDEX wallet_accounts_user ON wallet_accounts (user_id);

-- Transactions are immutable: a reversal is a new row pointing to the original.
CREATE TABLE wallet_transactions (
    id          TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    asset       TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    from_user   TEXT NOT NULL DEFAULT '',
    to_user     TEXT NOT NULL DEFAULT '',
    memo        TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT '',
    reference   TEXT NOT NULL DEFAULT '',
    request_ref TEXT NOT NULL DEFAULT '',
    hold_id     TEXT NOT NULL DEFAULT '',
    reversal_of TEXT NOT NULL DEFAULT '',
    actor       TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
-- The same bank credit is never booked twice; a transaction is reversed once.
CREATE UNIQUE INDEX wallet_transactions_deposit_ref ON wallet_transactions (source, reference) WHERE type = 'deposit';
CREATE UNIQUE INDEX wallet_transactions_reversal ON wallet_transactions (reversal_of) WHERE reversal_of <> '';
CREATE INDEX wallet_transactions_request ON wallet_transactions (request_ref) WHERE request_ref <> '';

-- No foreign keys and no index by account: each costs a lookup per posting
-- on the hot path; `veriwallet ledger verify` checks that every posting's
-- account exists and that balances are the sums of their postings.
CREATE TABLE wallet_postings (
    seq        INTEGER PRIMARY KEY,
    tx_id      TEXT NOT NULL,
    account_id TEXT NOT NULL,
    user_id    TEXT NOT NULL DEFAULT '',
    asset      TEXT NOT NULL,
    amount     BIGINT NOT NULL
);
CREATE INDEX wallet_postings_user ON wallet_postings (user_id, seq) WHERE user_id <> '';
CREATE INDEX wallet_postings_tx ON wallet_postings (tx_id);

-- Holds (withdrawals): open until captured, released or expired, once.
CREATE TABLE wallet_holds (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    asset       TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    captured    BIGINT NOT NULL DEFAULT 0,
    status      TEXT NOT NULL,
    destination TEXT NOT NULL DEFAULT '',
    tx_id       TEXT NOT NULL DEFAULT '',
    expires_at  TIMESTAMP NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX wallet_holds_user ON wallet_holds (user_id, created_at);
CREATE INDEX wallet_holds_open ON wallet_holds (expires_at) WHERE status = 'open';

CREATE TABLE wallet_users (
    user_id    TEXT PRIMARY KEY,
    frozen     BOOLEAN NOT NULL DEFAULT 0,
    reason     TEXT NOT NULL DEFAULT '',
    actor      TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);

-- Idempotency keys of money writes, per principal, with their result
-- (a transaction or hold id, or the refusal), written with the effect.
CREATE TABLE wallet_idempotency (
    principal  TEXT NOT NULL,
    key        TEXT NOT NULL,
    hash       TEXT NOT NULL,
    result     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (principal, key)
) WITHOUT ROWID;

-- The outbox: one row per committed wallet change, for AML rules and
-- webhooks; consumers delete what they processed.
CREATE TABLE wallet_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tx_id      TEXT NOT NULL DEFAULT '',
    hold_id    TEXT NOT NULL DEFAULT '',
    type       TEXT NOT NULL,
    user_ids   TEXT NOT NULL DEFAULT '',
    asset      TEXT NOT NULL DEFAULT '',
    amount     BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE wallet_events;
DROP TABLE wallet_idempotency;
DROP TABLE wallet_users;
DROP TABLE wallet_holds;
DROP TABLE wallet_postings;
DROP TABLE wallet_transactions;
DROP TABLE wallet_accounts;

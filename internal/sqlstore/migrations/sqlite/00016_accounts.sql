-- +goose Up
-- Accounts for real life (issue 16): closing, the wallet-send block after a
-- password reset, recovery codes and links, known devices and networks for
-- login alerts, account notices (in-app messages) and data exports.

-- closed_at: the account was closed (login refused); purge_after: its
-- identity records are crypto-shredded after this time; purged_at: they
-- were. sends_blocked_until: wallet sends refused until then (a password
-- reset on an account with money).
ALTER TABLE users ADD COLUMN closed_at TIMESTAMP;
ALTER TABLE users ADD COLUMN purge_after TIMESTAMP;
ALTER TABLE users ADD COLUMN purged_at TIMESTAMP;
ALTER TABLE users ADD COLUMN sends_blocked_until TIMESTAMP;
-- A closed account's login identifiers move here (its email_index and
-- phone_index get a value no login matches), so that the address may
-- register again at once while a login to the old account is told it is closed.
ALTER TABLE users ADD COLUMN closed_email_index BLOB;
ALTER TABLE users ADD COLUMN closed_phone_index BLOB;
CREATE INDEX users_purge ON users (purge_after);
CREATE INDEX users_closed_email ON users (closed_email_index);
CREATE INDEX users_closed_phone ON users (closed_phone_index);

-- One-time codes (SMS) and links (e-mail) that reset a password or confirm
-- a new phone number. Only keyed hashes are stored.
CREATE TABLE account_codes (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,            -- 'reset', 'phone-old', 'phone-new'
    code_hash  BLOB NOT NULL UNIQUE,
    target     TEXT,                     -- sealed: the new phone number (phone-new)
    expires_at TIMESTAMP NOT NULL,
    tries      INTEGER NOT NULL DEFAULT 0,
    used_at    TIMESTAMP
);
CREATE INDEX account_codes_user ON account_codes (user_id, purpose);

-- Every recovery or phone-change send, known account or not (so that the
-- throttle answers the same for both), by keyed hash of its target and client.
CREATE TABLE account_code_sends (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    target_hash BLOB NOT NULL,
    client_hash BLOB,
    sent_at     TIMESTAMP NOT NULL
);
CREATE INDEX account_code_sends_target ON account_code_sends (target_hash, sent_at);
CREATE INDEX account_code_sends_client ON account_code_sends (client_hash, sent_at);
CREATE INDEX account_code_sends_at ON account_code_sends (sent_at);

-- Devices (browser and system) and networks (/24, /48) a user logged in
-- from, by keyed hash.
CREATE TABLE known_logins (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,            -- 'device' or 'network'
    value_hash BLOB NOT NULL,
    first_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, kind, value_hash)
);

-- In-app notices about the account (password reset, new login, …).
CREATE TABLE account_notices (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    body       TEXT NOT NULL,            -- sealed JSON: {"en","zh","session_id"}
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP
);
CREATE INDEX account_notices_user ON account_notices (user_id, created_at);

-- Personal data exports: made by a job, downloadable once within 24 hours.
CREATE TABLE data_exports (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status        TEXT NOT NULL,         -- 'pending', 'ready', 'downloaded', 'expired'
    blob_key      TEXT,
    size          BIGINT NOT NULL DEFAULT 0,
    created_at    TIMESTAMP NOT NULL,
    ready_at      TIMESTAMP,
    expires_at    TIMESTAMP NOT NULL,
    downloaded_at TIMESTAMP
);
CREATE INDEX data_exports_user ON data_exports (user_id, created_at);

-- +goose Down
DROP TABLE data_exports;
DROP TABLE account_notices;
DROP TABLE known_logins;
DROP TABLE account_code_sends;
DROP TABLE account_codes;
DROP INDEX users_closed_phone;
DROP INDEX users_closed_email;
DROP INDEX users_purge;
ALTER TABLE users DROP COLUMN closed_phone_index;
ALTER TABLE users DROP COLUMN closed_email_index;
ALTER TABLE users DROP COLUMN sends_blocked_until;
ALTER TABLE users DROP COLUMN purged_at;
ALTER TABLE users DROP COLUMN purge_after;
ALTER TABLE users DROP COLUMN closed_at;

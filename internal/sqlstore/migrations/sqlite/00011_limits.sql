-- +goose Up
-- One row per one-time code sent, counted per phone number (by its keyed
-- hash: never the number itself), per user and per client address (keyed
-- hash too). Rows older than a day are pruned on each send.
CREATE TABLE phone_code_sends (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    phone_hash  BLOB NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_hash BLOB,
    sent_at     TIMESTAMP NOT NULL
);
CREATE INDEX phone_code_sends_phone ON phone_code_sends (phone_hash, sent_at);
CREATE INDEX phone_code_sends_user ON phone_code_sends (user_id, sent_at);
CREATE INDEX phone_code_sends_client ON phone_code_sends (client_hash, sent_at);
CREATE INDEX phone_code_sends_at ON phone_code_sends (sent_at);

-- Document quota: the bytes a document keeps on disk (original and clean
-- copy), and when a refused document's files were deleted (the row, with
-- its reasons, stays).
ALTER TABLE documents ADD COLUMN stored_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN purged_at TIMESTAMP;
CREATE INDEX documents_refused ON documents (accepted, purged_at, created_at);

-- +goose Down
DROP INDEX documents_refused;
ALTER TABLE documents DROP COLUMN purged_at;
ALTER TABLE documents DROP COLUMN stored_bytes;
DROP TABLE phone_code_sends;

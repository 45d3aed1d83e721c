-- +goose Up
CREATE TABLE uploads (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    size        BIGINT NOT NULL,
    upload_offset BIGINT NOT NULL DEFAULT 0,
    segments    TEXT NOT NULL DEFAULT '[]',  -- JSON array of segment lengths
    meta_enc    TEXT NOT NULL,               -- tus metadata, encrypted
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    completed   BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX uploads_owner ON uploads (owner_id, completed, expires_at);
CREATE INDEX uploads_expiry ON uploads (expires_at);

CREATE TABLE documents (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    format      TEXT NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    phash       BIGINT NOT NULL,
    phash_fine  TEXT NOT NULL,              -- two finer-band hashes, hex
    accepted    BOOLEAN NOT NULL,
    quality     TEXT NOT NULL,              -- JSON: scores and reason codes
    duplicate_of TEXT,                      -- another account's document with the same image (internal)
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX documents_owner ON documents (owner_id, created_at);
CREATE INDEX documents_sha ON documents (sha256);

-- +goose Down
DROP TABLE documents;
DROP TABLE uploads;

-- +goose Up
-- Sanctions and PEP lists (issue 13): one row per imported version; the
-- active version of each source is the one screened against. Entities are
-- public list data (not encrypted); data is the entity as JSON.
CREATE TABLE screening_lists (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    file_hash   TEXT NOT NULL,
    entities    INTEGER NOT NULL,
    names       INTEGER NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX screening_lists_active ON screening_lists (active, source);

CREATE TABLE screening_entities (
    list_id   INTEGER NOT NULL REFERENCES screening_lists (id) ON DELETE CASCADE,
    entity_id TEXT NOT NULL,
    hash      TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (list_id, entity_id)
);

-- Hits as review items. One row per customer and entity record (its hash):
-- a hit cleared as a false positive is not raised again until the entity's
-- record changes. detail_enc (names, explanation) and note_enc are sealed.
CREATE TABLE screening_hits (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    case_id     TEXT,
    list_id     INTEGER NOT NULL,
    source      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    entity_hash TEXT NOT NULL,
    category    TEXT NOT NULL,
    score       REAL NOT NULL,
    status      TEXT NOT NULL,
    detail_enc  TEXT NOT NULL,
    note_enc    TEXT NOT NULL DEFAULT '',
    decided_by  TEXT NOT NULL DEFAULT '',
    decided_at  TIMESTAMP,
    created_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX screening_hits_subject ON screening_hits (user_id, source, entity_id, entity_hash);
CREATE INDEX screening_hits_status ON screening_hits (status, created_at);

-- Re-screening of approved customers after an import: the cursor is the
-- last user id screened, moved in the same transaction as a batch's hits.
CREATE TABLE screening_rescreens (
    list_id  INTEGER PRIMARY KEY REFERENCES screening_lists (id) ON DELETE CASCADE,
    after_user TEXT NOT NULL DEFAULT '',
    screened INTEGER NOT NULL DEFAULT 0,
    hits     INTEGER NOT NULL DEFAULT 0,
    done     BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cases_approved_user ON cases (status, user_id);

-- +goose Down
DROP INDEX cases_approved_user;
DROP TABLE screening_rescreens;
DROP TABLE screening_hits;
DROP TABLE screening_entities;
DROP TABLE screening_lists;

-- +goose Up
-- Support tickets (issue 15). Subjects and message bodies are the
-- customer's own words: sealed with the keyring (aad table.column:id).
CREATE TABLE support_tickets (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    category           TEXT NOT NULL,
    subject            TEXT NOT NULL,
    status             TEXT NOT NULL,
    case_id            TEXT NOT NULL DEFAULT '',
    transaction_id     TEXT NOT NULL DEFAULT '',
    reasons            TEXT NOT NULL DEFAULT '[]',
    assignee_id        TEXT NOT NULL DEFAULT '',
    documents_grant    TEXT NOT NULL DEFAULT '',
    rating             INTEGER NOT NULL DEFAULT 0,
    attachment_bytes   BIGINT NOT NULL DEFAULT 0,
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    first_response_at  TIMESTAMP,
    resolved_at        TIMESTAMP,
    closed_at          TIMESTAMP
);
CREATE INDEX support_tickets_user ON support_tickets (user_id, created_at);
CREATE INDEX support_tickets_queue ON support_tickets (status, category, created_at);

CREATE TABLE support_messages (
    id          TEXT PRIMARY KEY,
    ticket_id   TEXT NOT NULL REFERENCES support_tickets (id) ON DELETE CASCADE,
    author_id   TEXT NOT NULL,
    from_staff  BOOLEAN NOT NULL,
    internal    BOOLEAN NOT NULL,
    body        TEXT NOT NULL,
    attachments TEXT NOT NULL DEFAULT '[]',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX support_messages_ticket ON support_messages (ticket_id, created_at);

-- One row per attached document: a document belongs to one ticket only.
CREATE TABLE support_attachments (
    document_id TEXT PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    ticket_id   TEXT NOT NULL REFERENCES support_tickets (id) ON DELETE CASCADE,
    message_id  TEXT NOT NULL
);

CREATE TABLE support_canned_replies (
    id         TEXT PRIMARY KEY,
    title_en   TEXT NOT NULL,
    title_zh   TEXT NOT NULL,
    body_en    TEXT NOT NULL,
    body_zh    TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- In-app messages about a ticket (case_id '' for them).
ALTER TABLE messages ADD COLUMN ticket_id TEXT;

CREATE TABLE announcements (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    title_en   TEXT NOT NULL,
    title_zh   TEXT NOT NULL,
    body_en    TEXT NOT NULL,
    body_zh    TEXT NOT NULL,
    starts_at  TIMESTAMP NOT NULL,
    ends_at    TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX announcements_time ON announcements (ends_at, starts_at);

CREATE TABLE maintenance_windows (
    id         TEXT PRIMARY KEY,
    starts_at  TIMESTAMP NOT NULL,
    ends_at    TIMESTAMP NOT NULL,
    note_en    TEXT NOT NULL,
    note_zh    TEXT NOT NULL,
    released   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX maintenance_windows_time ON maintenance_windows (ends_at, starts_at);

CREATE TABLE incidents (
    id          TEXT PRIMARY KEY,
    component   TEXT NOT NULL,
    title_en    TEXT NOT NULL,
    title_zh    TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);
CREATE TABLE incident_updates (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    body_en     TEXT NOT NULL,
    body_zh     TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX incident_updates_incident ON incident_updates (incident_id, created_at);

-- +goose Down
DROP TABLE incident_updates;
DROP TABLE incidents;
DROP TABLE maintenance_windows;
DROP TABLE announcements;
ALTER TABLE messages DROP COLUMN ticket_id;
DROP TABLE support_canned_replies;
DROP TABLE support_attachments;
DROP TABLE support_messages;
DROP TABLE support_tickets;

-- +goose Up
-- The upload-time reading of a document (internal/verification
-- DocumentReading): status and the kind the photo was classified as in the
-- clear, everything read (fields, reasons with the expiry date) sealed.
CREATE TABLE document_readings (
    document_id   TEXT PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    status        TEXT NOT NULL,          -- pending, done, skipped, error
    detected_kind TEXT NOT NULL DEFAULT '',
    reading_enc   TEXT NOT NULL,          -- sealed JSON: fields, reasons, engine
    updated_at    TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE document_readings;

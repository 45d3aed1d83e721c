-- +goose Up
-- A login in progress holds a row with its attempt id; a failed one
-- becomes a failure (attempt ''); a success or an error takes it back.
ALTER TABLE login_failures ADD COLUMN attempt TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_attempt ON login_failures (attempt);
-- A finished upload is claimed by the one request that makes it a document.
ALTER TABLE uploads ADD COLUMN claimed BOOLEAN NOT NULL DEFAULT FALSE;
-- Registration attempts per client address (keyed hash), for the throttle.
CREATE TABLE register_attempts (
    key_hash BLOB NOT NULL,
    at       TIMESTAMP NOT NULL
);
CREATE INDEX register_attempts_key ON register_attempts (key_hash, at);
CREATE INDEX register_attempts_at ON register_attempts (at);

-- +goose Down
DROP TABLE register_attempts;
ALTER TABLE uploads DROP COLUMN claimed;
DROP INDEX login_failures_attempt;
ALTER TABLE login_failures DROP COLUMN attempt;

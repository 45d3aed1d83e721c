// Package upload receives documents over the tus 1.0 resumable upload
// protocol (core, creation, termination, expiration and checksum
// extensions), built on github.com/tus/tusd/v2.
//
// What the server has acknowledged is never lost: every PATCH body is
// encrypted (a data key per segment) and written atomically as one segment
// in the blob store before the new offset is recorded, so a dropped
// connection or a killed process resumes from the last recorded offset. No
// plaintext byte touches the disk. Each upload belongs to the user who
// created it and is invisible to everyone else.
package upload

import (
	"context"
	"time"
)

// Record is an upload's bookkeeping, kept by a Records store.
type Record struct {
	ID        string
	OwnerID   string
	Size      int64
	Offset    int64
	Segments  []Segment         // the stored segments, in order
	MetaData  map[string]string // tus Upload-Metadata (personal: stored encrypted)
	CreatedAt time.Time
	ExpiresAt time.Time
	Completed bool
}

// Segment is one stored piece of an upload: its blob key (unique per
// write, so two writers racing for one offset never overwrite each other's
// bytes; the loser's segment is deleted) and its plaintext length.
type Segment struct {
	Key string `json:"k"`
	Len int64  `json:"n"`
}

// Records persists upload records. Every method is one transaction.
type Records interface {
	// CreateUpload inserts a record unless the owner has maxOpen unexpired
	// uploads already, counted in the same transaction (so concurrent
	// creates, on any server, cannot pass the limit together).
	// Errors: TooMany UPLOAD_QUOTA.
	CreateUpload(ctx context.Context, r *Record, maxOpen int) error
	// GetUpload returns a record. Errors: NotFound UPLOAD_NOT_FOUND.
	GetUpload(ctx context.Context, id string) (*Record, error)
	// SaveUploadProgress records a new offset and segment list, only if the
	// stored offset is still prevOffset. Errors: Conflict UPLOAD_OFFSET_CONFLICT.
	SaveUploadProgress(ctx context.Context, id string, prevOffset, offset int64, segments []Segment, completed bool) error
	// ClaimUpload marks the owner's finished upload as being made into a
	// document and returns it; only one caller can claim an upload.
	// Errors: NotFound UPLOAD_NOT_FOUND; Conflict UPLOAD_INCOMPLETE,
	// UPLOAD_USED.
	ClaimUpload(ctx context.Context, ownerID, id string, now time.Time) (*Record, error)
	// UnclaimUpload gives a claimed upload back (making the document failed).
	UnclaimUpload(ctx context.Context, id string) error
	// DeleteUpload removes a record (no error when it is gone already).
	DeleteUpload(ctx context.Context, id string) error
	// CountOpenUploads counts the owner's unexpired uploads, finished or not.
	CountOpenUploads(ctx context.Context, ownerID string, now time.Time) (int, error)
	// ExpiredUploads lists up to limit uploads that expired before now.
	ExpiredUploads(ctx context.Context, now time.Time, limit int) ([]*Record, error)
}

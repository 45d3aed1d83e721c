package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/veriwallet/veriwallet/internal/blob"
	"github.com/veriwallet/veriwallet/internal/config"
)

// openBlobs opens the configured blob store (--blob): a directory, or an S3
// bucket checked at once (exists, credentials may write, list and delete),
// so that a wrong setting stops the start with its code
// (BLOB_S3_BUCKET_MISSING, BLOB_S3_ACCESS_DENIED, BLOB_S3_UNREACHABLE,
// BLOB_S3_CONFIG_INVALID) instead of failing the first upload. The store
// holds sealed objects only: app.New (and keys rotate) put blob.Encrypted
// in front.
//
// On S3 it also aborts multipart uploads older than a day under the prefix
// (a replica killed during a large Put leaves one); a failure there is
// only logged.
func openBlobs(ctx context.Context, cfg *config.Config, log *slog.Logger) (blob.Store, error) {
	bucket, prefix, isS3, err := blob.ParseS3URL(cfg.Blob)
	if err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	if !isS3 {
		l, err := blob.NewLocal(cfg.Blob)
		if err != nil {
			return nil, fmt.Errorf("blob store %s: %w", cfg.Blob, err)
		}
		return l, nil
	}
	// Room for the retries against an endpoint that does not answer.
	cctx, cancel := context.WithTimeout(ctx, cfg.S3Timeout+30*time.Second)
	defer cancel()
	s, err := blob.NewS3(cctx, blob.S3Config{Bucket: bucket, Prefix: prefix, Endpoint: cfg.S3Endpoint, Region: cfg.S3Region,
		Lookup: cfg.S3PathStyle, AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey, SessionToken: cfg.S3SessionToken,
		PartSize: uint64(cfg.S3PartSize), MaxRetries: cfg.S3Retries, Timeout: cfg.S3Timeout})
	if err != nil {
		return nil, fmt.Errorf("blob store %s: %w", cfg.Blob, err)
	}
	if n, err := s.AbortStaleUploads(cctx, 24*time.Hour, time.Now()); err != nil {
		log.Warn("could not look for abandoned multipart uploads (a bucket lifecycle rule can abort them)", "err", err)
	} else if n > 0 {
		log.Info("aborted abandoned multipart uploads", "count", n)
	}
	return s, nil
}

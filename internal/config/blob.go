package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// BlobSettings are the blob store's settings (issue 17: S3-compatible
// storage). The credentials read the usual AWS_* variables.
var BlobSettings = []Setting{
	{"blob", "VERIWALLET_BLOB", "<data>/blobs", "where documents, upload segments and attachments are stored (always encrypted first): a directory, or s3://bucket/prefix", false},
	{"s3-endpoint", "AWS_ENDPOINT_URL", "(Amazon S3)", "the S3-compatible server's URL, e.g. http://127.0.0.1:7070 or https://oss-cn-hangzhou.aliyuncs.com", false},
	{"s3-region", "AWS_REGION", "(asked from the server)", "the bucket's region", false},
	{"s3-path-style", "VERIWALLET_S3_PATH_STYLE", "auto", "bucket addressing: path (http://host/bucket/key, most self-hosted stores), virtual (http://bucket.host/key) or auto", false},
	{"s3-access-key", "AWS_ACCESS_KEY_ID", "(the instance's IAM role)", "S3 access key id", true},
	{"s3-secret-key", "AWS_SECRET_ACCESS_KEY", "", "S3 secret access key", true},
	{"s3-session-token", "AWS_SESSION_TOKEN", "", "S3 session token (temporary credentials)", true},
	{"s3-part-size", "VERIWALLET_S3_PART_SIZE", "16777216", "objects larger than this many bytes are uploaded in parts of this size (at least 5 MiB)", false},
	{"s3-retries", "VERIWALLET_S3_RETRIES", "8", "attempts of one S3 request on a 5xx answer, a throttle, a timeout or a network error (backoff 200 ms to 1 s)", false},
	{"s3-timeout", "VERIWALLET_S3_TIMEOUT", "30s", "longest wait for an S3 answer before that attempt counts as failed and is retried", false},
}

func init() { Settings = append(Settings, BlobSettings...) }

// loadBlob reads the blob store's settings.
func (c *Config) loadBlob(str func(flagName, def string) string) error {
	c.Blob = str("blob", filepath.Join(c.DataDir, "blobs"))
	c.S3Endpoint = str("s3-endpoint", "")
	c.S3Region = str("s3-region", "")
	c.S3PathStyle = str("s3-path-style", "auto")
	c.S3AccessKey = str("s3-access-key", "")
	c.S3SecretKey = str("s3-secret-key", "")
	c.S3SessionToken = str("s3-session-token", "")
	var err error
	if c.S3PartSize, err = strconv.ParseInt(str("s3-part-size", "16777216"), 10, 64); err != nil {
		return errors.New("s3-part-size: want a whole number of bytes")
	}
	if c.S3Retries, err = strconv.Atoi(str("s3-retries", "8")); err != nil {
		return errors.New("s3-retries: want a whole number")
	}
	if c.S3Timeout, err = time.ParseDuration(str("s3-timeout", "30s")); err != nil {
		return fmt.Errorf("s3-timeout: %w", err)
	}
	return nil
}

// BlobIsS3 reports whether the blob store is an S3 bucket.
func (c *Config) BlobIsS3() bool { return strings.HasPrefix(c.Blob, "s3://") }

func (c *Config) validateBlob() error {
	if c.Blob == "" {
		return errors.New("blob: must not be empty")
	}
	if strings.Contains(c.Blob, "://") && !c.BlobIsS3() {
		return fmt.Errorf("blob %q: want a directory or s3://bucket/prefix", c.Blob)
	}
	if c.BlobIsS3() && strings.TrimPrefix(c.Blob, "s3://") == "" {
		return errors.New("blob: s3:// needs a bucket (s3://bucket/prefix)")
	}
	switch c.S3PathStyle {
	case "auto", "path", "virtual":
	default:
		return fmt.Errorf("s3-path-style %q: want auto, path or virtual", c.S3PathStyle)
	}
	if c.S3PartSize < 5<<20 || c.S3PartSize > 5<<30 {
		return errors.New("s3-part-size: between 5242880 (5 MiB) and 5 GiB")
	}
	if c.S3Retries < 1 || c.S3Retries > 100 {
		return errors.New("s3-retries: between 1 and 100")
	}
	if c.S3Timeout < 100*time.Millisecond {
		return errors.New("s3-timeout: at least 100ms")
	}
	if (c.S3AccessKey == "") != (c.S3SecretKey == "") {
		return errors.New("s3-access-key and s3-secret-key (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): give both or neither")
	}
	return nil
}

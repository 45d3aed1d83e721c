package config

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBlobSettings: the blob store defaults to <data>/blobs; S3 takes the
// usual AWS_* variables (and _FILE for the secret), flags win, and wrong
// values are refused at load.
func TestBlobSettings(t *testing.T) {
	c, err := Load("serve", nil, env(map[string]string{"VERIWALLET_DATA_DIR": "/srv/vw"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Blob != filepath.Join("/srv/vw", "blobs") || c.BlobIsS3() || c.S3PathStyle != "auto" || c.S3PartSize != 16<<20 ||
		c.S3Retries != 8 || c.S3Timeout != 30*time.Second || c.S3AccessKey != "" || c.S3Endpoint != "" {
		t.Fatalf("defaults: %+v", c)
	}
	secret := filepath.Join(t.TempDir(), "s3-secret")
	os.WriteFile(secret, []byte("s3cr3t\n"), 0o600)
	c, err = Load("serve", []string{"--s3-region", "cn-north-1", "--s3-retries", "3"}, env(map[string]string{
		"VERIWALLET_BLOB": "s3://vw-prod/kyc", "AWS_ENDPOINT_URL": "http://127.0.0.1:7070", "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY_FILE": secret, "AWS_SESSION_TOKEN": "tok",
		"VERIWALLET_S3_PATH_STYLE": "path", "VERIWALLET_S3_PART_SIZE": "8388608", "VERIWALLET_S3_TIMEOUT": "5s",
		"VERIWALLET_S3_RETRIES": "9"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !c.BlobIsS3() || c.Blob != "s3://vw-prod/kyc" || c.S3Endpoint != "http://127.0.0.1:7070" || c.S3Region != "cn-north-1" ||
		c.S3AccessKey != "AKIA1" || c.S3SecretKey != "s3cr3t" || c.S3SessionToken != "tok" || c.S3PathStyle != "path" ||
		c.S3PartSize != 8<<20 || c.S3Timeout != 5*time.Second || c.S3Retries != 3 {
		t.Fatalf("%+v", c)
	}
	for _, args := range [][]string{
		{"--blob", "ftp://host/x"},
		{"--blob", "s3://"},
		{"--s3-path-style", "sideways"},
		{"--s3-part-size", "1048576"},
		{"--s3-part-size", "lots"},
		{"--s3-retries", "0"},
		{"--s3-timeout", "1ms"},
		{"--s3-access-key", "AKIA1"}, // without the secret
	} {
		if _, err := Load("serve", args, env(nil), io.Discard); err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(args[0], "--")) {
			t.Errorf("%v: %v", args, err)
		}
	}
	for _, s := range BlobSettings {
		if strings.Contains(s.Flag, "secret") || strings.Contains(s.Flag, "token") || strings.Contains(s.Flag, "access-key") {
			if !s.Secret {
				t.Errorf("--%s is not marked secret", s.Flag)
			}
		}
	}
}

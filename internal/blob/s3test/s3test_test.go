package s3test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// TestStartPutGet: the server comes up with its bucket, stores objects as
// plain files under Dir/Bucket, and is gone after Close.
func TestStartPutGet(t *testing.T) {
	start := time.Now()
	s := Start(t)
	t.Logf("versitygw up in %v at %s", time.Since(start), s.Endpoint)
	ctx := context.Background()
	c := s.Client()
	body := []byte("hello from the S3 test server")
	if _, err := c.PutObject(ctx, s.Bucket, "a/b/c.txt", bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	obj, err := c.GetObject(ctx, s.Bucket, "a/b/c.txt", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("GetObject = %q, %v", got, err)
	}
	onDisk, err := os.ReadFile(filepath.Join(s.Dir, s.Bucket, "a", "b", "c.txt"))
	if err != nil || !bytes.Equal(onDisk, body) {
		t.Fatalf("posix file = %q, %v", onDisk, err)
	}
	env := strings.Join(s.Env("p"), " ")
	for _, want := range []string{"VERIWALLET_BLOB=s3://" + s.Bucket + "/p", "AWS_ENDPOINT_URL=" + s.Endpoint, "AWS_ACCESS_KEY_ID=" + s.AccessKey} {
		if !strings.Contains(env, want) {
			t.Errorf("Env lacks %s: %s", want, env)
		}
	}
	s.Close()
	if _, err := c.ListBuckets(ctx); err == nil {
		t.Error("the server still answers after Close")
	}
	s.Close() // twice is fine
}

// TestLaunchKeepsBucket: a second server on the same directory finds the
// bucket and its objects (a restarted cluster keeps its files).
func TestLaunchKeepsBucket(t *testing.T) {
	if _, err := Binary(); err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	s1, err := Launch(ctx, dir, "keep")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s1.Client().PutObject(ctx, "keep", "x", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	s1.Close()
	s2, err := Launch(ctx, dir, "keep")
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.Client().StatObject(ctx, "keep", "x", minio.StatObjectOptions{}); err != nil {
		t.Fatalf("object lost across restarts: %v", err)
	}
}

func TestBinaryOverride(t *testing.T) {
	t.Setenv("VERIWALLET_VERSITYGW", filepath.Join(t.TempDir(), "nope"))
	if _, err := Binary(); err == nil || !strings.Contains(err.Error(), "VERIWALLET_VERSITYGW") {
		t.Errorf("Binary() with a bad override = %v", err)
	}
}

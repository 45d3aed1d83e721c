package blob

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/veriwallet/veriwallet/internal/blob/s3test"
)

// testPartSize is the S3 stores' part size in the tests: the minimum, so
// that objects of a few MiB already go up as multipart uploads.
const testPartSize = 5 << 20

var (
	s3Once   sync.Once
	s3Srv    *s3test.Server
	s3Err    error
	s3TmpDir string
)

// sharedS3 is one versitygw for the package's tests (each store gets its own
// prefix), started on first use and stopped by TestMain. nil when the
// binary is missing (the caller skips, or fails under CI=true).
func sharedS3(t testing.TB) *s3test.Server {
	t.Helper()
	if _, err := s3test.Binary(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and the S3 test server is missing: %v", err)
		}
		t.Logf("S3 stores skipped: %v", err)
		return nil
	}
	s3Once.Do(func() {
		s3TmpDir, s3Err = os.MkdirTemp("", "veriwallet-blob-s3-")
		if s3Err == nil {
			s3Srv, s3Err = s3test.Launch(context.Background(), s3TmpDir, "blobtest")
		}
	})
	if s3Err != nil {
		t.Fatalf("S3 test server: %v", s3Err)
	}
	return s3Srv
}

func TestMain(m *testing.M) {
	code := m.Run()
	if s3Srv != nil {
		s3Srv.Close()
	}
	if s3TmpDir != "" {
		os.RemoveAll(s3TmpDir)
	}
	os.Exit(code)
}

// s3Config is the shared server's configuration under a fresh prefix.
func s3Config(srv *s3test.Server, prefix string) S3Config {
	return S3Config{Bucket: srv.Bucket, Prefix: prefix, Endpoint: srv.Endpoint, Region: srv.Region, Lookup: "path",
		AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, PartSize: testPartSize}
}

var prefixSeq struct {
	sync.Mutex
	n int
}

// freshPrefix names a prefix no other store of this run uses.
func freshPrefix() string {
	prefixSeq.Lock()
	defer prefixSeq.Unlock()
	prefixSeq.n++
	return fmt.Sprintf("run-%d/store-%d", os.Getpid(), prefixSeq.n)
}

// newS3 opens an S3 store under a fresh prefix of the shared server, or
// returns nil when there is no server.
func newS3(t testing.TB) (*S3, *s3test.Server, string) {
	t.Helper()
	srv := sharedS3(t)
	if srv == nil {
		return nil, nil, ""
	}
	p := freshPrefix()
	s, err := NewS3(context.Background(), s3Config(srv, p))
	if err != nil {
		t.Fatal(err)
	}
	return s, srv, p
}

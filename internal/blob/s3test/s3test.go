// Package s3test runs a real S3 server for tests and local clusters:
// versitygw (github.com/versity/versitygw, installed by
// `scripts/setup.sh --test`) with its posix backend in a directory, on a
// free loopback port, with one bucket created.
//
// In a test:
//
//	srv := s3test.Start(t) // skips when versitygw is absent (fails under CI=true)
//	store, err := blob.NewS3(ctx, blob.S3Config{Bucket: srv.Bucket, Endpoint: srv.Endpoint,
//		Region: srv.Region, Lookup: "path", AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
//
// (The package does not import blob, so that blob's own tests can use it.)
//
// From a program (the cluster test): Launch(ctx, dir, bucket), then
// Server.Env(prefix) is the environment of a `veriwallet serve` replica on
// it; Close (or Restart) when done. From a shell (scripts/cluster.sh) the
// same server is
//
//	mkdir -p DIR/BUCKET    # with the posix backend a bucket is a directory
//	ROOT_ACCESS_KEY_ID=KEY ROOT_SECRET_ACCESS_KEY=SECRET versitygw \
//	    --port 127.0.0.1:PORT --quiet posix --dir-perms 0700 --file-perms 0600 DIR
//
// and each replica gets VERIWALLET_BLOB=s3://BUCKET/PREFIX
// AWS_ENDPOINT_URL=http://127.0.0.1:PORT AWS_REGION=us-east-1
// AWS_ACCESS_KEY_ID=KEY AWS_SECRET_ACCESS_KEY=SECRET VERIWALLET_S3_PATH_STYLE=path.
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Version is the versitygw release scripts/setup.sh installs.
const Version = "v1.8.0"

// ErrNoBinary: versitygw is not installed (run scripts/setup.sh --test).
var ErrNoBinary = errors.New("versitygw not found: run `bash scripts/setup.sh --test` (go install github.com/versity/versitygw/cmd/versitygw@" + Version + ")")

// Server is a running versitygw.
type Server struct {
	Endpoint  string // http://127.0.0.1:PORT
	Bucket    string // created by Launch
	AccessKey string
	SecretKey string
	Region    string // us-east-1
	Dir       string // the posix backend's root: Dir/Bucket/<object name> are plain files

	bin  string
	cmd  *exec.Cmd
	done chan struct{}
	out  *lockedBuffer
	once sync.Once
}

// Env returns the environment that points `veriwallet serve` at the server:
// VERIWALLET_BLOB=s3://bucket/prefix, AWS_ENDPOINT_URL, AWS_REGION,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and VERIWALLET_S3_PATH_STYLE=path.
func (s *Server) Env(prefix string) []string {
	u := "s3://" + s.Bucket
	if prefix != "" {
		u += "/" + prefix
	}
	return []string{"VERIWALLET_BLOB=" + u, "AWS_ENDPOINT_URL=" + s.Endpoint, "AWS_REGION=" + s.Region,
		"AWS_ACCESS_KEY_ID=" + s.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s.SecretKey, "VERIWALLET_S3_PATH_STYLE=path"}
}

// Binary finds versitygw: $VERIWALLET_VERSITYGW, then $PATH, then $GOBIN,
// $GOPATH/bin and ~/go/bin (where `go install` puts it). Errors: ErrNoBinary.
func Binary() (string, error) {
	if p := os.Getenv("VERIWALLET_VERSITYGW"); p != "" {
		if isExec(p) {
			return p, nil
		}
		return "", fmt.Errorf("VERIWALLET_VERSITYGW=%s: not an executable file", p)
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	var dirs []string
	if d := os.Getenv("GOBIN"); d != "" {
		dirs = append(dirs, d)
	}
	for gp := range strings.SplitSeq(os.Getenv("GOPATH"), string(os.PathListSeparator)) {
		if gp != "" {
			dirs = append(dirs, filepath.Join(gp, "bin"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		if p := filepath.Join(d, "versitygw"); isExec(p) {
			return p, nil
		}
	}
	return "", ErrNoBinary
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// Start launches a server for t with its data in a temporary directory and
// stops it when the test ends. Without versitygw the test is skipped with a
// message, except under CI=true, where it fails (setup.sh installs it).
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := Binary(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and the S3 test server is missing: %v", err)
		}
		t.Skipf("no S3 test server: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Launch(ctx, t.TempDir(), "veriwallet-test")
	if err != nil {
		t.Fatalf("starting the S3 test server: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Launch starts versitygw serving dir (created if needed) on a free
// 127.0.0.1 port with random credentials, waits until it answers and
// creates bucket (kept when it already exists in dir). ctx bounds the
// start. Close stops it; Restart starts it again on the same address. Errors: ErrNoBinary, or why it did not come up
// (with its output).
func Launch(ctx context.Context, dir, bucket string) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var lastErr error
	for range 3 { // the free port may be taken between picking and binding
		s, err := launch(ctx, bin, dir, bucket)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func launch(ctx context.Context, bin, dir, bucket string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), Bucket: bucket, AccessKey: "vwtest" + randHex(6),
		SecretKey: randHex(20), Region: "us-east-1", Dir: dir, bin: bin}
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	if err := s.MakeBucket(ctx, bucket); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// start runs the server process on s's port, directory and credentials.
func (s *Server) start(ctx context.Context) error {
	s.done, s.out, s.once = make(chan struct{}), &lockedBuffer{}, sync.Once{}
	s.cmd = exec.Command(s.bin, "--region", s.Region, "--port", strings.TrimPrefix(s.Endpoint, "http://"), "--quiet",
		"posix", "--dir-perms", "0700", "--file-perms", "0600", s.Dir)
	// The root credentials by environment, not flags: not in ps's view.
	s.cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+s.AccessKey, "ROOT_SECRET_ACCESS_KEY="+s.SecretKey)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("versitygw: %w", err)
	}
	done := s.done
	go func() { _ = s.cmd.Wait(); close(done) }()
	if err := s.waitReady(ctx); err != nil {
		s.Close()
		return fmt.Errorf("versitygw did not come up on %s: %w; output: %s", s.Endpoint, err, s.out.String())
	}
	return nil
}

// Restart starts a stopped (Closed) server again on the same address,
// directory and credentials: clients configured for it carry on. Errors:
// why it did not come up (the port taken meanwhile, for one).
func (s *Server) Restart(ctx context.Context) error {
	s.Close()
	return s.start(ctx)
}

// Client returns a minio client with the server's root credentials (for
// tests that look at the raw objects).
func (s *Server) Client() *minio.Client {
	c, err := minio.New(strings.TrimPrefix(s.Endpoint, "http://"), &minio.Options{
		Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""), Region: s.Region, BucketLookup: minio.BucketLookupPath, MaxRetries: 1})
	if err != nil {
		panic(err) // only a malformed endpoint, which Launch never makes
	}
	return c
}

// MakeBucket creates a bucket (nothing when it exists).
func (s *Server) MakeBucket(ctx context.Context, bucket string) error {
	c := s.Client()
	if ok, err := c.BucketExists(ctx, bucket); err == nil && ok {
		return nil
	}
	if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: s.Region}); err != nil {
		return fmt.Errorf("creating bucket %s: %w", bucket, err)
	}
	return nil
}

func (s *Server) waitReady(ctx context.Context) error {
	c := s.Client()
	for {
		select {
		case <-s.done:
			return errors.New("versitygw exited")
		default:
		}
		actx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := c.ListBuckets(actx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-s.done:
			return errors.New("versitygw exited")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Close stops the server (SIGKILL: it keeps nothing in memory that the
// posix backend needs) and waits for it. The directory is left in place.
func (s *Server) Close() error {
	s.once.Do(func() {
		if s.cmd.Process != nil {
			_ = s.cmd.Process.Kill()
		}
		<-s.done
	})
	return nil
}

// Output is what the server has printed so far.
func (s *Server) Output() string { return s.out.String() }

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// lockedBuffer collects the child's output for error messages, bounded.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() < 64<<10 {
		l.b.Write(p)
	}
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// TestLargeObjects: objects around and well past the S3 part size (5 MiB in
// the tests) round-trip on every store; on S3 the large one went up as a
// multipart upload (its ETag names the parts).
func TestLargeObjects(t *testing.T) {
	ctx := context.Background()
	big := make([]byte, 2*testPartSize+12345)
	rand.Read(big)
	sizes := map[string]int{"part-minus-1": testPartSize - 1, "part": testPartSize, "part-plus-1": testPartSize + 1, "big": len(big)}
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			for k, n := range sizes {
				if err := s.Put(ctx, "large/"+k, big[:n]); err != nil {
					t.Fatalf("Put %s (%d bytes): %v", k, n, err)
				}
			}
			for k, n := range sizes {
				got, err := s.Get(ctx, "large/"+k)
				if err != nil || !bytes.Equal(got, big[:n]) {
					t.Errorf("Get %s: %d bytes, %v; want %d", k, len(got), err, n)
				}
			}
		})
	}
	s, srv, prefix := newS3(t)
	if s == nil {
		t.Skip("no S3 server")
	}
	if err := s.Put(ctx, "large/big", big); err != nil {
		t.Fatal(err)
	}
	st, err := srv.Client().StatObject(ctx, srv.Bucket, prefix+"/large/big", minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(st.ETag, "-3") || st.Size != int64(len(big)) {
		t.Errorf("a %d-byte object: ETag %q, size %d; want a 3-part multipart upload", len(big), st.ETag, st.Size)
	}
	// No multipart upload is left behind, finished or not.
	for u := range srv.Client().ListIncompleteUploads(ctx, srv.Bucket, prefix, true) {
		t.Errorf("incomplete upload left: %+v", u)
	}
}

// TestS3NeverSeesPlaintext: through the encrypting wrapper, neither the
// server's files (its posix backend) nor the objects a client downloads
// hold the plaintext; each is a sealed envelope.
func TestS3NeverSeesPlaintext(t *testing.T) {
	ctx := context.Background()
	inner, srv, prefix := newS3(t)
	if inner == nil {
		t.Skip("no S3 server")
	}
	s := NewEncrypted(inner, testKeyring(t))
	marker := []byte("VERIWALLET-PLAINTEXT-MARKER-张三-110101199003074514")
	large := bytes.Repeat(marker, (testPartSize*2)/len(marker)) // multipart
	bodies := map[string][]byte{
		"documents/1/front.jpg": bytes.Repeat(marker, 3),
		"uploads/u1/seg-0":      append(append(make([]byte, 5000), marker...), make([]byte, 5000)...),
		"uploads/u1/seg-1":      large,
		"tiny":                  marker,
	}
	for k, v := range bodies {
		if err := s.Put(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	needles := [][]byte{marker, []byte("110101199003074514"), []byte("张三"), []byte("PLAINTEXT-MARKER")}
	check := func(where string, b []byte) {
		t.Helper()
		for _, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s contains plaintext %q", where, n)
			}
		}
		if !bytes.HasPrefix(b, []byte("VWK")) {
			t.Errorf("%s is not a sealed envelope", where)
		}
	}
	// The server's disk: every file under the bucket (multipart staging
	// included), none holding the plaintext.
	files := 0
	filepath.WalkDir(filepath.Join(srv.Dir, srv.Bucket, prefix), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files++
		check(p, b)
		return nil
	})
	if files != len(bodies) {
		t.Errorf("%d files on the server's disk, want %d", files, len(bodies))
	}
	filepath.WalkDir(srv.Dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("PLAINTEXT-MARKER")) {
				t.Errorf("plaintext in the server's %s", p)
			}
		}
		return nil
	})
	// What a client with the server's credentials downloads.
	c := srv.Client()
	for k := range bodies {
		obj, err := c.GetObject(ctx, srv.Bucket, prefix+"/"+k, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(obj)
		if err != nil {
			t.Fatal(err)
		}
		check("object "+k, b)
	}
	for k, v := range bodies {
		if got, err := s.Get(ctx, k); err != nil || !bytes.Equal(got, v) {
			t.Errorf("round trip %s: %v", k, err)
		}
	}
}

// TestS3PrefixesAndForeignObjects: stores on two prefixes of one bucket do
// not see each other; objects whose names are not valid keys (put there by
// another program) are not listed.
func TestS3PrefixesAndForeignObjects(t *testing.T) {
	ctx := context.Background()
	a, srv, pa := newS3(t)
	if a == nil {
		t.Skip("no S3 server")
	}
	b, _, _ := newS3(t)
	a.Put(ctx, "x/1", []byte("a"))
	b.Put(ctx, "x/1", []byte("b"))
	b.Put(ctx, "x/2", []byte("b"))
	for _, name := range []string{pa + "/.hidden", pa + "/a b", pa + "/x/.tmp-1"} {
		if _, err := srv.Client().PutObject(ctx, srv.Bucket, name, strings.NewReader("foreign"), 7, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if got := walkAll(t, a); len(got) != 1 || got[0] != "x/1" {
		t.Errorf("Walk(a) = %q", got)
	}
	if got, _ := a.Get(ctx, "x/1"); string(got) != "a" {
		t.Errorf("a's x/1 = %q", got)
	}
	if _, err := a.Get(ctx, "x/2"); err != ErrNotFound {
		t.Errorf("b's object seen through a: %v", err)
	}
	// A prefix that is not a valid key is refused.
	for _, u := range []string{"s3://bucket/../x", "s3://bucket/a b", "s3://Bad_Bucket/x", "s3://", "s3://b?region=x", "s3://ab", "s3://bucket/" + strings.Repeat("p", 512)} {
		if _, _, ok, err := ParseS3URL(u); !ok || !errs.Is(err, ErrS3Config.Code) {
			t.Errorf("ParseS3URL(%q) = %v, %v; want BLOB_S3_CONFIG_INVALID", u, ok, err)
		}
	}
	if bk, p, ok, err := ParseS3URL("s3://my-bucket/vw/prod/"); !ok || err != nil || bk != "my-bucket" || p != "vw/prod" {
		t.Errorf("ParseS3URL = %q %q %v %v", bk, p, ok, err)
	}
	if _, _, ok, _ := ParseS3URL("/srv/blobs"); ok {
		t.Error("a directory taken for an S3 URL")
	}
	// No region given: the client asks the server, and works.
	cfg := s3Config(srv, freshPrefix())
	cfg.Region, cfg.Lookup = "", "auto" // auto: path-style for a non-AWS host
	c, err := NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Put(ctx, "r", []byte("region")); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, "r"); err != nil || string(got) != "region" {
		t.Errorf("without a region: %q, %v", got, err)
	}
}

// TestS3StartupErrors: what an operator sees for each wrong setting, before
// anything is stored: a stable code and the detail.
func TestS3StartupErrors(t *testing.T) {
	srv := sharedS3(t)
	if srv == nil {
		t.Skip("no S3 server")
	}
	ctx := context.Background()
	good := s3Config(srv, freshPrefix())
	closed := func() string { // a port nothing listens on
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		defer ln.Close()
		return "http://" + ln.Addr().String()
	}()
	cases := []struct {
		name string
		set  func(*S3Config)
		code string
		says string
	}{
		{"missing bucket", func(c *S3Config) { c.Bucket = "no-such-bucket" }, "BLOB_S3_BUCKET_MISSING", `"no-such-bucket"`},
		{"wrong secret", func(c *S3Config) { c.SecretKey = "wrong" }, "BLOB_S3_ACCESS_DENIED", "AWS_SECRET_ACCESS_KEY"},
		{"unknown key", func(c *S3Config) { c.AccessKey = "nobody" }, "BLOB_S3_ACCESS_DENIED", "AWS_ACCESS_KEY_ID"},
		{"nothing listens", func(c *S3Config) { c.Endpoint = closed; c.MaxRetries = 2 }, "BLOB_S3_UNREACHABLE", closed},
		{"bad bucket name", func(c *S3Config) { c.Bucket = "Bad_Bucket" }, "BLOB_S3_CONFIG_INVALID", "Bad_Bucket"},
		{"bad endpoint", func(c *S3Config) { c.Endpoint = "ftp://host" }, "BLOB_S3_CONFIG_INVALID", "ftp://host"},
		{"endpoint with a path", func(c *S3Config) { c.Endpoint = srv.Endpoint + "/bucket" }, "BLOB_S3_CONFIG_INVALID", "endpoint"},
		{"bad prefix", func(c *S3Config) { c.Prefix = "a/../b" }, "BLOB_S3_CONFIG_INVALID", "prefix"},
		{"small parts", func(c *S3Config) { c.PartSize = 1 << 20 }, "BLOB_S3_CONFIG_INVALID", "part size"},
		{"half the credentials", func(c *S3Config) { c.SecretKey = "" }, "BLOB_S3_CONFIG_INVALID", "AWS_SECRET_ACCESS_KEY"},
		{"bad path style", func(c *S3Config) { c.Lookup = "sideways" }, "BLOB_S3_CONFIG_INVALID", "sideways"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := good
			c.set(&cfg)
			s, err := NewS3(ctx, cfg)
			if s != nil || !errs.Is(err, c.code) {
				t.Fatalf("NewS3 = %v, %v; want %s", s, err, c.code)
			}
			msg := err.Error()
			if !strings.Contains(msg, c.says) {
				t.Errorf("the error does not say %q: %s", c.says, msg)
			}
			if e := errs.As(err); e.Message.ZH == "" || e.Message.EN == "" {
				t.Errorf("no message in both languages: %+v", e.Message)
			}
		})
	}
	// The good configuration works, and its probe object is gone.
	s, err := NewS3(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	for o := range srv.Client().ListObjects(ctx, srv.Bucket, minio.ListObjectsOptions{Prefix: good.Prefix, Recursive: true}) {
		t.Errorf("left behind by the start-up check: %s", o.Key)
	}
	_ = s
}

// faultProxy stands between the client and the S3 server: it answers the
// first failures requests of a method with status (or holds them past the
// client's timeout, or cuts the body off half way), then forwards.
type faultProxy struct {
	*httptest.Server
	mu       sync.Mutex
	method   string
	failures int // how many more to fail; -1: all
	status   int
	stall    time.Duration
	cut      bool
	seen     int // requests of method
	failed   int
}

func newFaultProxy(t *testing.T, target string) *faultProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u) // keeps the Host header: signatures still match
	rp.ErrorLog = nil
	p := &faultProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		match := r.Method == p.method && strings.Count(r.URL.Path, "/") > 1 // an object, not the bucket
		fail := match && p.failures != 0
		if match {
			p.seen++
		}
		if fail {
			p.failed++
			if p.failures > 0 {
				p.failures--
			}
		}
		status, stall, cut := p.status, p.stall, p.cut
		p.mu.Unlock()
		switch {
		case fail && cut:
			rec := httptest.NewRecorder()
			rp.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			body := rec.Body.Bytes()
			w.Write(body[:len(body)/2])
			panic(http.ErrAbortHandler) // the connection drops mid-body
		case fail && stall > 0:
			io.Copy(io.Discard, r.Body) // then the server notices the client leaving
			select {
			case <-time.After(stall):
			case <-r.Context().Done():
			}
			return
		case fail:
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(status)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>try later</Message></Error>`)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *faultProxy) set(method string, failures, status int, stall time.Duration, cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.method, p.failures, p.status, p.stall, p.cut, p.seen, p.failed = method, failures, status, stall, cut, 0, 0
}

func (p *faultProxy) counts() (seen, failed int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen, p.failed
}

// TestS3RetriesWithBackoff: 5xx answers, a server that does not answer in
// time and a body cut off half way are retried; a server that keeps failing
// ends in BLOB_UNAVAILABLE (503, "try again") after the configured attempts.
func TestS3RetriesWithBackoff(t *testing.T) {
	srv := sharedS3(t)
	if srv == nil {
		t.Skip("no S3 server")
	}
	ctx := context.Background()
	proxy := newFaultProxy(t, srv.Endpoint)
	cfg := s3Config(srv, freshPrefix())
	cfg.Endpoint, cfg.MaxRetries = proxy.URL, 4
	s, err := NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The same bucket with a short wait for answers, for the stalled server
	// (apart, so that a slow answer on a busy machine cannot add attempts
	// to the counts of the other cases).
	quick := cfg
	quick.Timeout = 500 * time.Millisecond
	sq, err := NewS3(ctx, quick)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("retry me "), 1000)

	proxy.set("PUT", 3, http.StatusServiceUnavailable, 0, false)
	start := time.Now()
	if err := s.Put(ctx, "r/1", data); err != nil {
		t.Fatalf("Put after three 503s: %v", err)
	}
	if seen, failed := proxy.counts(); seen != 4 || failed != 3 {
		t.Errorf("PUT requests: %d seen, %d failed; want 4 and 3", seen, failed)
	}
	// Backoff: 3 waits of up to 200, 400, 800 ms less jitter; never none.
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("three retries in %v: no backoff", d)
	}

	proxy.set("GET", 2, http.StatusInternalServerError, 0, false)
	if got, err := s.Get(ctx, "r/1"); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Get after two 500s: %v", err)
	}
	if seen, failed := proxy.counts(); seen != 3 || failed != 2 {
		t.Errorf("GET requests: %d seen, %d failed; want 3 and 2", seen, failed)
	}

	proxy.set("PUT", 1, 0, 20*time.Second, false)
	start = time.Now()
	if err := sq.Put(ctx, "r/2", data); err != nil {
		t.Fatalf("Put after a timed-out attempt: %v", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("the stalled attempt was waited out (%v), not timed out", d)
	}
	if seen, failed := proxy.counts(); seen < 2 || failed != 1 {
		t.Errorf("PUT requests after a stall: %d (%d stalled), want a retry", seen, failed)
	}

	proxy.set("GET", 1, 0, 0, true)
	if got, err := s.Get(ctx, "r/2"); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Get after a cut body: %d bytes, %v", len(got), err)
	}

	proxy.set("PUT", -1, http.StatusServiceUnavailable, 0, false)
	err = s.Put(ctx, "r/3", data)
	if !errs.Is(err, "BLOB_UNAVAILABLE") || errs.KindOf(err) != errs.Unavailable || errs.As(err).RetryAfter <= 0 {
		t.Fatalf("Put against a failing server: %v", err)
	}
	if seen, _ := proxy.counts(); seen != cfg.MaxRetries {
		t.Errorf("%d attempts, want MaxRetries = %d", seen, cfg.MaxRetries)
	}
	proxy.set("", 0, 0, 0, false)
	if _, err := s.Get(ctx, "r/3"); err != ErrNotFound {
		t.Errorf("a failed Put left an object: %v", err)
	}
	// A missing object is not retried: ErrNotFound at once.
	proxy.set("GET", 0, 0, 0, false)
	if _, err := s.Get(ctx, "never"); err != ErrNotFound {
		t.Errorf("Get(missing) = %v", err)
	}
	if seen, _ := proxy.counts(); seen != 1 {
		t.Errorf("a missing object took %d GETs", seen)
	}
}

// TestLongestKeys: a key of MaxKeyLen bytes, and one with a 255-byte
// segment, round-trip on every store (S3 names are the prefix plus the key).
func TestLongestKeys(t *testing.T) {
	ctx := context.Background()
	keys := []string{strings.Repeat("a/", 255) + "bb", "x/" + strings.Repeat("y", 255)}
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			for _, k := range keys {
				if err := s.Put(ctx, k, []byte(k[:10])); err != nil {
					t.Fatalf("Put(%d bytes): %v", len(k), err)
				}
				if got, err := s.Get(ctx, k); err != nil || string(got) != k[:10] {
					t.Errorf("Get(%d bytes) = %q, %v", len(k), got, err)
				}
				if err := s.Delete(ctx, k); err != nil {
					t.Errorf("Delete: %v", err)
				}
			}
		})
	}
}

// TestS3AbortStaleUploads: a multipart upload left by a killed process is
// aborted once it is old enough, a recent one (a Put in progress) is not,
// and other prefixes are left alone.
func TestS3AbortStaleUploads(t *testing.T) {
	ctx := context.Background()
	s, srv, prefix := newS3(t)
	if s == nil {
		t.Skip("no S3 server")
	}
	_, _, otherPrefix := newS3(t)
	core := minio.Core{Client: srv.Client()}
	for _, name := range []string{prefix + "/uploads/u1/seg-0", otherPrefix + "/x"} {
		if _, err := core.NewMultipartUpload(ctx, srv.Bucket, name, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	count := func(p string) int {
		n := 0
		for u := range srv.Client().ListIncompleteUploads(ctx, srv.Bucket, p+"/", true) {
			if u.Err != nil {
				t.Fatal(u.Err)
			}
			n++
		}
		return n
	}
	if n, err := s.AbortStaleUploads(ctx, time.Hour, time.Now()); err != nil || n != 0 || count(prefix) != 1 {
		t.Fatalf("a recent upload: aborted %d, %v; %d left", n, err, count(prefix))
	}
	if n, err := s.AbortStaleUploads(ctx, time.Hour, time.Now().Add(2*time.Hour)); err != nil || n != 1 || count(prefix) != 0 {
		t.Fatalf("an old upload: aborted %d, %v; %d left", n, err, count(prefix))
	}
	if count(otherPrefix) != 1 {
		t.Error("another prefix's upload was aborted")
	}
}

package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/blob"
	"github.com/veriwallet/veriwallet/internal/blob/s3test"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

// BenchmarkTusUploadS3 uploads BENCH_UPLOAD_MB (32) MiB of random bytes
// through the real tus handler, in BENCH_CHUNK_MB (8) MiB PATCH requests,
// onto the S3 test server (versitygw on loopback, posix backend on the
// local disk): every chunk is sealed by veriwallet and stored as one object
// in the bucket. It reports MB/s from the create to the last chunk's answer;
// the upload is deleted after each round.
//
//	go test -run x -bench TusUploadS3 -benchtime 5x ./bench/
func BenchmarkTusUploadS3(b *testing.B) {
	size, chunk := 32<<20, 8<<20
	if v, _ := strconv.Atoi(os.Getenv("BENCH_UPLOAD_MB")); v > 0 {
		size = v << 20
	}
	if v, _ := strconv.Atoi(os.Getenv("BENCH_CHUNK_MB")); v > 0 {
		chunk = v << 20
	}
	srv := s3test.Start(b)
	ctx := context.Background()
	store, err := blob.NewS3(ctx, blob.S3Config{Bucket: srv.Bucket, Prefix: "bench", Endpoint: srv.Endpoint, Region: srv.Region,
		Lookup: "path", AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
	if err != nil {
		b.Fatal(err)
	}
	db := sqltest.Open(b, "sqlite")
	cfg := identity.DefaultConfig
	cfg.Argon2 = identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
	a, err := app.New(ctx, app.Options{DB: db, Keys: sqltest.Keyring(b), DataDir: b.TempDir(), Blobs: store,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Accounts: cfg, MaxUpload: int64(size)})
	if err != nil {
		b.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	if err := a.Start(cctx); err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(a.Handler)
	b.Cleanup(func() { hs.Close(); a.Stop(context.Background()); cancel() })

	c := &client{b: b, base: hs.URL}
	c.do("POST", "/api/v1/auth/register", `{"email":"s3@example.com","password":"bench password","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`, nil)
	var login struct{ Token string }
	c.do("POST", "/api/v1/auth/login", `{"email":"s3@example.com","password":"bench password"}`, &login)
	data := make([]byte, size)
	rand.Read(data)
	tus := func(method, url string, body []byte, hdr ...string) *http.Response {
		req, _ := http.NewRequest(method, url, bytes.NewReader(body))
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Authorization", "Bearer "+login.Token)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	var total time.Duration
	b.SetBytes(int64(size))
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		res := tus("POST", hs.URL+"/api/v1/uploads/", nil, "Upload-Length", strconv.Itoa(size))
		loc := res.Header.Get("Location")
		if res.StatusCode != 201 {
			b.Fatalf("create: %d", res.StatusCode)
		}
		for off := 0; off < size; off += chunk {
			end := min(off+chunk, size)
			if res := tus("PATCH", loc, data[off:end], "Content-Type", "application/offset+octet-stream",
				"Upload-Offset", strconv.Itoa(off)); res.StatusCode != 204 {
				b.Fatalf("patch at %d: %d", off, res.StatusCode)
			}
		}
		total += time.Since(start)
		b.StopTimer()
		if res := tus("DELETE", loc, nil); res.StatusCode != 204 {
			b.Fatalf("delete: %d", res.StatusCode)
		}
		b.StartTimer()
	}
	b.Logf("%d × %d MiB in %d MiB chunks onto S3: %.1f MB/s", b.N, size>>20, chunk>>20, float64(b.N*size)/total.Seconds()/1e6)
}

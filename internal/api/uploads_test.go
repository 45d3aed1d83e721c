package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

type tusResp struct {
	status int
	header http.Header
	body   string
}

func tusDo(t *testing.T, srv *httptest.Server, method, url, token string, body []byte, hdr ...string) tusResp {
	t.Helper()
	if !strings.HasPrefix(url, "http") {
		url = srv.URL + url
	}
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Tus-Resumable", "1.0.0")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return tusResp{res.StatusCode, res.Header, string(b)}
}

func create(t *testing.T, srv *httptest.Server, token string, size int) string {
	t.Helper()
	r := tusDo(t, srv, "POST", "/api/v1/uploads/", token, nil, "Upload-Length", strconv.Itoa(size),
		"Upload-Metadata", "filename "+base64.StdEncoding.EncodeToString([]byte("身份证.jpg")))
	if r.status != 201 || r.header.Get("Location") == "" || r.header.Get("Upload-Expires") == "" {
		t.Fatalf("create: %d %v %s", r.status, r.header, r.body)
	}
	return r.header.Get("Location")
}

func patch(t *testing.T, srv *httptest.Server, loc, token string, offset int, chunk []byte, hdr ...string) tusResp {
	t.Helper()
	return tusDo(t, srv, "PATCH", loc, token, chunk, append([]string{"Content-Type", "application/offset+octet-stream",
		"Upload-Offset", strconv.Itoa(offset)}, hdr...)...)
}

func TestTusOptions(t *testing.T) {
	srv := newServer(t, "sqlite")
	r := tusDo(t, srv, "OPTIONS", "/api/v1/uploads/", "", nil)
	if r.status >= 300 || r.header.Get("Tus-Version") == "" {
		t.Fatalf("options: %d %v", r.status, r.header)
	}
	ext := r.header.Get("Tus-Extension")
	for _, e := range []string{"creation", "termination", "checksum", "expiration"} {
		if !strings.Contains(ext, e) {
			t.Errorf("Tus-Extension %q lacks %s", ext, e)
		}
	}
	if r.header.Get("Tus-Max-Size") != strconv.Itoa(8<<20) || !strings.Contains(r.header.Get("Tus-Checksum-Algorithm"), "sha1") {
		t.Fatalf("headers: %v", r.header)
	}
}

func TestTusUploadResumeAndIsolation(t *testing.T) {
	if raceEnabled {
		// tusd's own handler races when a PATCH connection is cut
		// (httpContext.body written by writeChunk, read by the context's
		// cancel goroutine): upstream tus/tusd#1192, still open. The plain
		// run covers this test.
		t.Skip("tusd races on cut connections (tus/tusd#1192)")
	}
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			srv, dir := newServerDir(t, engine)
			register(t, srv, `"email":"up@example.com"`, "long enough pass")
			register(t, srv, `"email":"other@example.com"`, "long enough pass")
			tok := login(t, srv, `"email":"up@example.com"`, "long enough pass")
			other := login(t, srv, `"email":"other@example.com"`, "long enough pass")

			data := make([]byte, 3<<20+12345)
			rand.Read(data)
			copy(data, "PLAINTEXT-MARKER-0123456789")
			loc := create(t, srv, tok, len(data))

			// The other user cannot see, write or delete it.
			if r := tusDo(t, srv, "HEAD", loc, other, nil); r.status != 404 {
				t.Fatalf("other user HEAD: %d", r.status)
			}
			if r := patch(t, srv, loc, other, 0, data[:10]); r.status != 404 {
				t.Fatalf("other user PATCH: %d", r.status)
			}
			if r := tusDo(t, srv, "DELETE", loc, other, nil); r.status != 404 {
				t.Fatalf("other user DELETE: %d", r.status)
			}
			if r := tusDo(t, srv, "HEAD", loc, "", nil); r.status != 401 {
				t.Fatalf("anonymous HEAD: %d", r.status)
			}

			// First MiB, then a chunk whose connection breaks half way.
			if r := patch(t, srv, loc, tok, 0, data[:1<<20]); r.status != 204 || r.header.Get("Upload-Offset") != strconv.Itoa(1<<20) {
				t.Fatalf("patch 1: %d %v %s", r.status, r.header, r.body)
			}
			cutConnection(t, srv, loc, tok, 1<<20, data[1<<20:2<<20], 300<<10)
			h := tusDo(t, srv, "HEAD", loc, tok, nil)
			off, _ := strconv.Atoi(h.header.Get("Upload-Offset"))
			if h.status != 200 || off < 1<<20 || off > 2<<20 {
				t.Fatalf("head after cut: %d offset %d", h.status, off)
			}
			// A wrong offset is refused.
			if r := patch(t, srv, loc, tok, off+1, data[off+1:off+100]); r.status != 409 {
				t.Fatalf("wrong offset: %d", r.status)
			}
			// A damaged chunk (checksum mismatch) is refused and stores nothing.
			sum := sha1.Sum([]byte("something else"))
			if r := patch(t, srv, loc, tok, off, data[off:off+1000], "Upload-Checksum", "sha1 "+base64.StdEncoding.EncodeToString(sum[:])); r.status != 460 {
				t.Fatalf("checksum mismatch: %d %s", r.status, r.body)
			}
			// Resume from the server's offset, with a good checksum, in 1 MiB chunks.
			for i := 0; off < len(data); i++ {
				if i > 10 {
					t.Fatalf("upload does not progress: offset %d", off)
				}
				end := min(off+1<<20, len(data))
				sum := sha1.Sum(data[off:end])
				r := patch(t, srv, loc, tok, off, data[off:end], "Upload-Checksum", "sha1 "+base64.StdEncoding.EncodeToString(sum[:]))
				if r.status != 204 {
					t.Fatalf("resume at %d: %d %s", off, r.status, r.body)
				}
				off, _ = strconv.Atoi(r.header.Get("Upload-Offset"))
			}
			// Nothing on disk holds the plaintext.
			filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
				if err == nil && !fi.IsDir() {
					b, _ := os.ReadFile(p)
					if bytes.Contains(b, []byte("PLAINTEXT-MARKER")) {
						t.Errorf("plaintext in %s", p)
					}
				}
				return nil
			})
			if r := tusDo(t, srv, "DELETE", loc, tok, nil); r.status != 204 {
				t.Fatalf("delete: %d", r.status)
			}
			if r := tusDo(t, srv, "HEAD", loc, tok, nil); r.status != 404 {
				t.Fatalf("head after delete: %d", r.status)
			}
		})
	}
}

// cutConnection sends a PATCH that announces the whole chunk but closes the
// connection after sending part of it.
func cutConnection(t *testing.T, srv *httptest.Server, loc, token string, offset int, chunk []byte, send int) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	path := strings.TrimPrefix(loc, srv.URL)
	head := "PATCH " + path + " HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nAuthorization: Bearer " + token +
		"\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: " + strconv.Itoa(offset) +
		"\r\nContent-Length: " + strconv.Itoa(len(chunk)) + "\r\n\r\n"
	conn.Write([]byte(head))
	conn.Write(chunk[:send])
	conn.Close()
	// Give the server a moment to store what arrived.
	for range 50 {
		r := tusDo(t, srv, "HEAD", loc, token, nil)
		if r.header.Get("Upload-Offset") != strconv.Itoa(offset) {
			return
		}
		sleep()
	}
}

func TestTusLimits(t *testing.T) {
	srv := newServer(t, "sqlite")
	register(t, srv, `"email":"q@example.com"`, "long enough pass")
	tok := login(t, srv, `"email":"q@example.com"`, "long enough pass")
	if r := tusDo(t, srv, "POST", "/api/v1/uploads/", tok, nil, "Upload-Length", strconv.Itoa(9<<20)); r.status != 413 {
		t.Fatalf("too large: %d %s", r.status, r.body)
	}
	if r := tusDo(t, srv, "POST", "/api/v1/uploads/", "", nil, "Upload-Length", "100"); r.status != 401 {
		t.Fatalf("anonymous create: %d", r.status)
	}
	for range 3 {
		create(t, srv, tok, 100)
	}
	if r := tusDo(t, srv, "POST", "/api/v1/uploads/", tok, nil, "Upload-Length", "100"); r.status != 429 {
		t.Fatalf("quota: %d %s", r.status, r.body)
	}
	if r := tusDo(t, srv, "HEAD", "/api/v1/uploads/upl_nope", tok, nil); r.status != 404 {
		t.Fatalf("unknown: %d", r.status)
	}
	if r := tusDo(t, srv, "GET", "/api/v1/uploads/upl_nope", tok, nil); r.status != 405 {
		t.Fatalf("GET: %d %s", r.status, r.body)
	}
}

// TestTusExpiryCleanup: unfinished uploads expire after 24 hours; the
// cleanup removes their record and every stored segment.
func TestTusExpiryCleanup(t *testing.T) {
	srv, dir := newServerDir(t, "sqlite")
	register(t, srv, `"email":"exp@example.com"`, "long enough pass")
	tok := login(t, srv, `"email":"exp@example.com"`, "long enough pass")
	loc := create(t, srv, tok, 4096)
	if r := patch(t, srv, loc, tok, 0, make([]byte, 1000)); r.status != 204 {
		t.Fatalf("patch: %d", r.status)
	}
	segs := func() int {
		n := 0
		filepath.Walk(filepath.Join(dir, "blobs", "uploads"), func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	if segs() == 0 {
		t.Fatal("no segment stored")
	}
	// Nothing expires early.
	if n, err := lastApp.Uploads.Cleanup(context.Background()); err != nil || n != 0 {
		t.Fatalf("early cleanup: %d %v", n, err)
	}
	clockOffset.Store(int64(25 * time.Hour))
	defer clockOffset.Store(0)
	if r := tusDo(t, srv, "HEAD", loc, tok, nil); r.status != 404 {
		t.Fatalf("expired upload still answers: %d", r.status)
	}
	if n, err := lastApp.Uploads.Cleanup(context.Background()); err != nil || n != 1 {
		t.Fatalf("cleanup: %d %v", n, err)
	}
	if segs() != 0 {
		t.Fatalf("%d segments left after cleanup", segs())
	}
}

// TestTusFinishedUploadsCountAndEmptyUploads: finished uploads count
// against the quota until used; an empty upload is finished at once; a
// creation body with a wrong checksum is refused.
func TestTusFinishedUploadsCountAndEmptyUploads(t *testing.T) {
	srv := newServer(t, "sqlite")
	register(t, srv, `"email":"fin@example.com"`, "long enough pass")
	tok := login(t, srv, `"email":"fin@example.com"`, "long enough pass")
	empty := create(t, srv, tok, 0)
	id := empty[strings.LastIndex(empty, "/")+1:]
	d := do(t, srv, "POST", "/api/v1/documents", tok, `{"kind":"id_front","upload_id":"`+id+`"}`)
	if d.status != 201 || !strings.Contains(d.raw, "FILE_EMPTY") {
		t.Fatalf("empty upload: %d %s", d.status, d.raw)
	}
	sum := sha1.Sum([]byte("abc"))
	bad := tusDo(t, srv, "POST", "/api/v1/uploads/", tok, []byte("abd"), "Upload-Length", "3", "Content-Type", "application/offset+octet-stream",
		"Upload-Checksum", "sha1 "+base64.StdEncoding.EncodeToString(sum[:]))
	if bad.status != 460 {
		t.Fatalf("creation body with a wrong checksum: %d %s", bad.status, bad.body)
	}
	for range 3 {
		loc := create(t, srv, tok, 3)
		if r := patch(t, srv, loc, tok, 0, []byte("abc")); r.status != 204 {
			t.Fatalf("patch: %d", r.status)
		}
	}
	if r := tusDo(t, srv, "POST", "/api/v1/uploads/", tok, nil, "Upload-Length", "3"); r.status != 429 {
		t.Fatalf("quota with finished uploads: %d %s", r.status, r.body)
	}
}

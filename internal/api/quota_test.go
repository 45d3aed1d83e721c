package api_test

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// TestDocumentQuotaConcurrent: concurrent uploads cannot pass the number
// quota nor the bytes quota, and a finished resumable upload is refused
// the same way; the refusal is 409 DOCUMENT_QUOTA_EXCEEDED.
func TestDocumentQuotaConcurrent(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine+"/count", func(t *testing.T) {
			srv, _ := newServerWith(t, engine, func(o *app.Options) { o.DocumentQuota = &document.Quota{MaxDocuments: 3} })
			register(t, srv, `"email":"quota@example.com"`, "long enough pass")
			tok := login(t, srv, `"email":"quota@example.com"`, "long enough pass")
			good := fixture(t, "012_good.jpg")
			// A resumable upload finished before the quota fills.
			loc := create(t, srv, tok, len(good))
			if r := patch(t, srv, loc, tok, 0, good); r.status != 204 {
				t.Fatalf("patch: %d %s", r.status, r.body)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			got := map[string]int{}
			for range 8 {
				wg.Go(func() {
					status, m := postMultipart(t, srv, tok, "id_front", good, "")
					code := ""
					if e, ok := m["error"].(map[string]any); ok {
						code, _ = e["code"].(string)
					}
					mu.Lock()
					got[strconv.Itoa(status)+" "+code]++
					mu.Unlock()
				})
			}
			wg.Wait()
			if got["201 "] != 3 || got["409 DOCUMENT_QUOTA_EXCEEDED"] != 5 {
				t.Fatalf("statuses %v, want 3×201 and 5×409 DOCUMENT_QUOTA_EXCEEDED", got)
			}
			// The resumable path goes through the same quota: the finished
			// upload cannot become a document, and a new upload is refused
			// before any byte is stored.
			id := loc[strings.LastIndex(loc, "/")+1:]
			r := do(t, srv, "POST", "/api/v1/documents", tok, `{"kind":"id_front","upload_id":"`+id+`"}`, "Accept-Language", "zh-CN")
			if r.status != 409 || r.code() != "DOCUMENT_QUOTA_EXCEEDED" || !strings.Contains(r.message(), "上限") {
				t.Fatalf("from a finished upload over quota: %d %s", r.status, r.raw)
			}
			if r := tusDo(t, srv, "POST", "/api/v1/uploads/", tok, nil, "Upload-Length", strconv.Itoa(len(good))); r.status != 409 ||
				!strings.Contains(r.body, "DOCUMENT_QUOTA_EXCEEDED") || r.header.Get("Location") != "" {
				t.Fatalf("tus creation over quota: %d %s", r.status, r.body)
			}
			// Another user is not affected.
			register(t, srv, `"email":"quota2@example.com"`, "long enough pass")
			tok2 := login(t, srv, `"email":"quota2@example.com"`, "long enough pass")
			if status, m := postMultipart(t, srv, tok2, "id_front", good, ""); status != 201 {
				t.Fatalf("other user: %d %v", status, m)
			}
		})
		t.Run(engine+"/bytes", func(t *testing.T) {
			srv, dir := newServerWith(t, engine, func(o *app.Options) { o.DocumentQuota = &document.Quota{MaxBytes: 700_000} })
			register(t, srv, `"email":"bytes@example.com"`, "long enough pass")
			tok := login(t, srv, `"email":"bytes@example.com"`, "long enough pass")
			var wg sync.WaitGroup
			var mu sync.Mutex
			got := map[string]int{}
			for range 6 {
				wg.Go(func() {
					status, m := postMultipart(t, srv, tok, "id_front", randomBytes(300_000), "")
					code := ""
					if e, ok := m["error"].(map[string]any); ok {
						code, _ = e["code"].(string)
					}
					mu.Lock()
					got[strconv.Itoa(status)+" "+code]++
					mu.Unlock()
				})
			}
			wg.Wait()
			if got["201 "] != 2 || got["409 DOCUMENT_QUOTA_EXCEEDED"] != 4 {
				t.Fatalf("statuses %v, want 2×201 and 4×409", got)
			}
			if n := countFiles(t, filepath.Join(dir, "blobs")); n != 2 {
				t.Fatalf("%d files stored, want the 2 accepted uploads' originals", n)
			}
		})
	}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() && strings.Contains(p, "documents") {
			n++
		}
		return nil
	})
	return n
}

// TestRefusedDocumentsPurged: a refused file's bytes are deleted after
// the refused TTL, its record and reasons stay, and it stops counting
// against the quota; an accepted document is kept.
func TestRefusedDocumentsPurged(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			defer clockOffset.Store(0)
			clockOffset.Store(0)
			srv, dir := newServerWith(t, engine, func(o *app.Options) {
				o.DocumentQuota = &document.Quota{MaxDocuments: 2}
				o.SweepEvery = 20 * time.Millisecond
			})
			register(t, srv, `"email":"purge@example.com"`, "long enough pass")
			tok := login(t, srv, `"email":"purge@example.com"`, "long enough pass")
			status, m := postMultipart(t, srv, tok, "id_front", randomBytes(200_000), "")
			if acc, codes := quality(m); status != 201 || acc || len(codes) == 0 {
				t.Fatalf("random bytes: %d %v", status, m)
			}
			refused := m["document"].(map[string]any)["id"].(string)
			status, m = postMultipart(t, srv, tok, "id_front", fixture(t, "012_good.jpg"), "")
			if acc, _ := quality(m); status != 201 || !acc {
				t.Fatalf("good photo: %d %v", status, m)
			}
			good := m["document"].(map[string]any)["id"].(string)
			if status, m := postMultipart(t, srv, tok, "id_front", fixture(t, "012_good.jpg"), ""); status != 409 {
				t.Fatalf("third document with a quota of 2: %d %v", status, m)
			}
			before := countFiles(t, filepath.Join(dir, "blobs"))
			time.Sleep(100 * time.Millisecond) // a sweep or more at the current time: nothing is old enough
			if r := do(t, srv, "GET", "/api/v1/documents/"+refused, tok, ""); r.status != 200 || strings.Contains(r.raw, "file_deleted_at") {
				t.Fatalf("purged too early: %d %s", r.status, r.raw)
			}
			clockOffset.Store(int64(24*time.Hour + time.Minute))
			deadline := time.Now().Add(10 * time.Second)
			var r resp
			for time.Now().Before(deadline) {
				if r = do(t, srv, "GET", "/api/v1/documents/"+refused, tok, ""); strings.Contains(r.raw, "file_deleted_at") {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if acc, codes := quality(r.body); r.status != 200 || acc || len(codes) == 0 || !strings.Contains(r.raw, "file_deleted_at") {
				t.Fatalf("refused document after a day: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "GET", "/api/v1/documents/"+refused+"/image", tok, ""); r.status != 404 || r.code() != "IMAGE_DELETED" {
				t.Fatalf("image of a purged document: %d %s", r.status, r.raw)
			}
			if after := countFiles(t, filepath.Join(dir, "blobs")); after != before-1 {
				t.Fatalf("files %d → %d, want the refused original gone", before, after)
			}
			if r := do(t, srv, "GET", "/api/v1/documents/"+good+"/image", tok, ""); r.status != 200 {
				t.Fatalf("accepted document's image: %d %s", r.status, r.raw)
			}
			// The purged document no longer counts: there is room again.
			if status, m := postMultipart(t, srv, tok, "id_front", fixture(t, "012_good.jpg"), ""); status != 201 {
				t.Fatalf("upload after the purge: %d %v", status, m)
			}
		})
	}
}

// TestTusLengthBeforeQuota: a tus creation whose Upload-Length is not a
// size, or is larger than any upload may be, is refused for that (400
// UPLOAD_LENGTH_INVALID, 413 UPLOAD_TOO_LARGE), not as a full quota (before:
// 409 DOCUMENT_QUOTA_EXCEEDED to a customer with no document stored); a
// length that fits the upload limit but not the quota is still a quota
// refusal.
func TestTusLengthBeforeQuota(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			srv, _ := newServerWith(t, engine, func(o *app.Options) { o.DocumentQuota = &document.Quota{MaxBytes: 700_000} })
			register(t, srv, `"email":"tuslen@example.com"`, "long enough pass")
			tok := login(t, srv, `"email":"tuslen@example.com"`, "long enough pass")
			for _, c := range []struct {
				length string
				status int
				code   string
			}{
				{"99999999999999999999", 400, "UPLOAD_LENGTH_INVALID"},
				{strconv.Itoa(9 << 20), 413, "UPLOAD_TOO_LARGE"},
				{"800000", 409, "DOCUMENT_QUOTA_EXCEEDED"},
				{"1000", 201, ""},
			} {
				r := tusDo(t, srv, "POST", "/api/v1/uploads/", tok, nil, "Upload-Length", c.length)
				if r.status != c.status || !strings.Contains(r.body, c.code) {
					t.Errorf("Upload-Length %s: %d %s, want %d %s", c.length, r.status, r.body, c.status, c.code)
				}
			}
		})
	}
}

package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/blob"
	"github.com/veriwallet/veriwallet/internal/blob/s3test"
)

// TestS3DownAnswers503: when the S3 server stops answering, an upload chunk
// and a document upload get 503 BLOB_UNAVAILABLE with Retry-After (never a
// 500), the upload's offset stays where it was, /readyz names the blob
// store (an optional component: the replica stays ready), and once the
// server is back the upload resumes from there.
func TestS3DownAnswers503(t *testing.T) {
	s3 := s3test.Start(t)
	ctx := context.Background()
	store, err := blob.NewS3(ctx, blob.S3Config{Bucket: s3.Bucket, Prefix: "api", Endpoint: s3.Endpoint, Region: s3.Region,
		Lookup: "path", AccessKey: s3.AccessKey, SecretKey: s3.SecretKey, MaxRetries: 2, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := newServerWith(t, "sqlite", func(o *app.Options) { o.Blobs = store })
	register(t, srv, `"email":"s3down@example.com"`, "long enough pass")
	tok := login(t, srv, `"email":"s3down@example.com"`, "long enough pass")
	data := make([]byte, 300<<10)
	rand.Read(data)
	loc := create(t, srv, tok, len(data))
	if r := patch(t, srv, loc, tok, 0, data[:100<<10]); r.status != 204 {
		t.Fatalf("patch while S3 is up: %d %s", r.status, r.body)
	}

	blobCheck := func() (int, string) {
		r := do(t, srv, "GET", "/readyz", "", "")
		c, _ := r.body["checks"].(map[string]any)
		b, _ := c["blob"].(map[string]any)
		st, _ := b["status"].(string)
		return r.status, st
	}
	if st, blob := blobCheck(); st != 200 || blob != "ok" {
		t.Fatalf("readyz with S3 up: %d, blob %q", st, blob)
	}

	s3.Close() // the S3 server goes away
	// Still ready (logins and the wallet work on), the blob store named.
	if st, blob := blobCheck(); st != 200 || blob != "unavailable" {
		t.Fatalf("readyz with S3 down: %d, blob %q", st, blob)
	}
	r := patch(t, srv, loc, tok, 100<<10, data[100<<10:200<<10])
	if code, _ := jsonError(t, r); r.status != 503 || code != "BLOB_UNAVAILABLE" || r.header.Get("Retry-After") == "" {
		t.Fatalf("patch while S3 is down: %d %s %v", r.status, r.body, r.header)
	}
	if h := tusDo(t, srv, "HEAD", loc, tok, nil); h.header.Get("Upload-Offset") != strconv.Itoa(100<<10) {
		t.Fatalf("offset after the failed chunk: %q", h.header.Get("Upload-Offset"))
	}
	st, m := postMultipart(t, srv, tok, "id_front", fixture(t, "004_good.jpg"), "")
	if e, _ := m["error"].(map[string]any); st != 503 || e["code"] != "BLOB_UNAVAILABLE" {
		t.Fatalf("document upload while S3 is down: %d %v", st, m)
	}

	// The S3 server comes back (same address, same files): the upload
	// resumes from the offset it kept.
	if err := s3.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	for off := 100 << 10; off < len(data); off += 100 << 10 {
		if r := patch(t, srv, loc, tok, off, data[off:off+100<<10]); r.status != 204 {
			t.Fatalf("patch at %d after S3 is back: %d %s", off, r.status, r.body)
		}
	}
	if h := tusDo(t, srv, "HEAD", loc, tok, nil); h.header.Get("Upload-Offset") != strconv.Itoa(len(data)) {
		t.Fatalf("final offset %q", h.header.Get("Upload-Offset"))
	}
}

// TestAttachmentOnS3: a support attachment (a screenshot) goes to the S3
// bucket sealed, a ticket takes it, and its owner reads the image back
// through the bucket.
func TestAttachmentOnS3(t *testing.T) {
	s3 := s3test.Start(t)
	ctx := context.Background()
	store, err := blob.NewS3(ctx, blob.S3Config{Bucket: s3.Bucket, Prefix: "att", Endpoint: s3.Endpoint, Region: s3.Region,
		Lookup: "path", AccessKey: s3.AccessKey, SecretKey: s3.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	srv, dir := newServerWith(t, "sqlite", func(o *app.Options) { o.Blobs = store })
	register(t, srv, `"email":"att@example.com"`, "long enough pass")
	tok := login(t, srv, `"email":"att@example.com"`, "long enough pass")
	shot := screenshot(t)
	st, m := postMultipart(t, srv, tok, "attachment", shot, "")
	if st != 201 {
		t.Fatalf("attachment upload: %d %v", st, m)
	}
	att := m["document"].(map[string]any)["id"].(string)
	if r := do(t, srv, "POST", "/api/v1/support/tickets", tok, `{"subject":"s3","body":"see the screenshot","attachment_ids":["`+att+`"]}`); r.status != 201 {
		t.Fatalf("ticket: %d %s", r.status, r.raw)
	}
	r := do(t, srv, "GET", "/api/v1/documents/"+att+"/image", tok, "")
	if r.status != 200 || len(r.raw) < 100 {
		t.Fatalf("image back from S3: %d, %d bytes", r.status, len(r.raw))
	}
	// In the bucket: sealed objects under documents/<id>/, none holding a
	// run of the screenshot's bytes; nothing in the local blob directory.
	objects := 0
	filepath.WalkDir(filepath.Join(s3.Dir, s3.Bucket, "att", "documents", att), func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		objects++
		b, _ := os.ReadFile(p)
		if !bytes.HasPrefix(b, []byte("VWK")) || bytes.Contains(b, shot[len(shot)/2:len(shot)/2+64]) || bytes.Contains(b, []byte("IHDR")) {
			t.Errorf("%s is not sealed", p)
		}
		return nil
	})
	if objects == 0 {
		t.Error("no object for the attachment in the bucket")
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "blobs")); len(ents) != 0 {
		t.Errorf("the local blob directory is used: %v", ents)
	}
}

// Not under -race: a take-over trips a data race inside tusd v2.9.1 itself
// (handler/context.go:65 reads httpContext.body, which writeChunk sets at
// unrouted_handler.go:911, with no lock between them; the newest tusd, no
// fix upstream yet). Our code is not on either side; the plain run of the
// suite runs this test.

//go:build !race

package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A PATCH still sending when another request for the same upload arrives (a
// second tab, the phone the customer handed off to, a client resuming after
// its connection stalled) is stopped, its bytes kept: that request is told
// so with 409 UPLOAD_INTERRUPTED, a status tus clients retry after asking
// the offset (tus-js-client gives up on any other 4xx), not with a 400 saying
// its connection broke.
func TestUploadTakenOverIsRetryable(t *testing.T) {
	srv := newServer(t, "sqlite")
	register(t, srv, `"email":"takeover@example.com"`, "long enough pass")
	tok := login(t, srv, `"email":"takeover@example.com"`, "long enough pass")
	const size = 1 << 20
	loc := create(t, srv, tok, size)
	if !strings.HasPrefix(loc, "http") {
		loc = srv.URL + loc
	}
	pr, pw := io.Pipe()
	defer pw.Close()
	req, _ := http.NewRequest("PATCH", loc, pr)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Upload-Offset", "0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.ContentLength = size
	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		done <- result{status: res.StatusCode, body: string(b)}
	}()
	go func() { // the first 64 KB, then the sender stalls
		_, _ = pw.Write(make([]byte, 64<<10))
	}()
	// Wait until the server holds the upload's lock: a HEAD then takes it
	// over. (Before the PATCH has the lock, the HEAD just answers offset 0.)
	deadline := time.Now().Add(10 * time.Second)
	var head tusResp
	for {
		head = tusDo(t, srv, "HEAD", loc, tok, nil)
		if head.status != 200 {
			t.Fatalf("HEAD: %d %s", head.status, head.body)
		}
		if off, _ := strconv.Atoi(head.header.Get("Upload-Offset")); off > 0 {
			break
		}
		select {
		case r := <-done:
			t.Fatalf("the PATCH ended before it was taken over: %+v", r)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the HEAD never took the upload over (offset stayed 0)")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the PATCH taken over did not end")
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	var e struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal([]byte(r.body), &e)
	if r.status != http.StatusConflict || e.Error.Code != "UPLOAD_INTERRUPTED" || strings.Contains(e.Error.Message, "connection broke") {
		t.Fatalf("PATCH taken over: %d %s; want 409 UPLOAD_INTERRUPTED saying another request took over", r.status, r.body)
	}
}

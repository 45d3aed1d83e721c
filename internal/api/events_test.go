package api_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/api"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

// sseStream is an open GET …/events.
type sseStream struct {
	res   *http.Response
	r     *bufio.Reader
	lines chan string
}

func openStream(t *testing.T, base, id, token string) *sseStream {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v1/verifications/"+id+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	s := &sseStream{res: res, r: bufio.NewReader(res.Body), lines: make(chan string, 100)}
	if res.StatusCode == 200 {
		go func() {
			defer close(s.lines)
			for {
				l, err := s.r.ReadString('\n')
				if err != nil {
					return
				}
				s.lines <- strings.TrimRight(l, "\n")
			}
		}()
	}
	t.Cleanup(func() { res.Body.Close() })
	return s
}

// next returns the next event's data (a comment when comments is set), or
// "" at the end of the stream or after 5 s.
func (s *sseStream) next(t *testing.T, comments bool) map[string]any {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				return nil
			}
			if comments && strings.HasPrefix(l, ":") {
				return map[string]any{"comment": l}
			}
			if d, ok := strings.CutPrefix(l, "data: "); ok {
				var m map[string]any
				if err := json.Unmarshal([]byte(d), &m); err != nil {
					t.Fatalf("event data %q: %v", d, err)
				}
				return m
			}
		case <-deadline:
			t.Fatal("no event within 5 s")
		}
	}
}

func TestCaseEventStream(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			srv := newServer(t, engine)
			a := lastApp
			register(t, srv, `"email":"stream@example.com"`, "long enough pass")
			register(t, srv, `"email":"nosy@example.com"`, "long enough pass")
			tok := login(t, srv, `"email":"stream@example.com"`, "long enough pass")
			nosy := login(t, srv, `"email":"nosy@example.com"`, "long enough pass")
			id := str(view(do(t, srv, "POST", "/api/v1/verifications", tok, `{"level":"standard"}`, "Idempotency-Key", "s1"))["id"])

			// Through a server whose WriteTimeout is far shorter than the
			// stream: the stream lifts it for itself.
			short := httptest.NewUnstartedServer(a.Handler)
			short.Config.WriteTimeout = 300 * time.Millisecond
			short.Start()
			t.Cleanup(short.Close)
			s := openStream(t, short.URL, id, tok)
			if s.res.StatusCode != 200 || !strings.HasPrefix(s.res.Header.Get("Content-Type"), "text/event-stream") {
				t.Fatalf("stream: %d %s", s.res.StatusCode, s.res.Header.Get("Content-Type"))
			}
			if e := s.next(t, false); e["kind"] != "hello" || e["status"] != "draft" || e["updated_at"] == nil {
				t.Fatalf("hello: %v", e)
			}
			time.Sleep(600 * time.Millisecond) // past the WriteTimeout
			r := do(t, srv, "PUT", "/api/v1/verifications/"+id+"/applicant?draft=1", tok, `{"full_name":"张三丰"}`)
			if r.status != 200 {
				t.Fatalf("draft: %d %s", r.status, r.raw)
			}
			// Only what changed: no case data in the stream.
			if e := s.next(t, false); e["kind"] != "updated" || e["status"] != "draft" || e["updated_at"] == nil || len(e) != 3 {
				t.Fatalf("after a change: %v", e)
			}

			// Someone else's case is not found, and cannot be watched.
			if o := openStream(t, srv.URL, id, nosy); o.res.StatusCode != 404 {
				t.Fatalf("another's stream: %d", o.res.StatusCode)
			}

			// At most 8 streams per user, counted under concurrent opens.
			var mu sync.Mutex
			codes := map[int]int{}
			var open []*sseStream
			var wg sync.WaitGroup
			for range 12 {
				wg.Go(func() {
					o := openStream(t, srv.URL, id, tok)
					mu.Lock()
					defer mu.Unlock()
					codes[o.res.StatusCode]++
					if o.res.StatusCode == 200 {
						open = append(open, o)
					}
				})
			}
			wg.Wait()
			if codes[200] != 7 || codes[429] != 5 {
				t.Fatalf("concurrent opens: %v (one stream was open already)", codes)
			}
			for _, o := range open {
				o.res.Body.Close()
			}
			deadline := time.Now().Add(5 * time.Second)
			for a.Events.Streams() != 1 {
				if time.Now().After(deadline) {
					t.Fatalf("closed streams still counted: %d", a.Events.Streams())
				}
				time.Sleep(20 * time.Millisecond)
			}

			// Shutdown ends the stream.
			a.Events.Close()
			if e := s.next(t, false); e != nil {
				t.Fatalf("after close: %v", e)
			}
			if o := openStream(t, srv.URL, id, tok); o.res.StatusCode != 503 {
				t.Fatalf("after close: %d", o.res.StatusCode)
			}
		})
	}
}

func TestCaseEventHeartbeat(t *testing.T) {
	defer api.SetHeartbeat(50 * time.Millisecond)()
	srv := newServer(t, "sqlite")
	register(t, srv, `"email":"beat@example.com"`, "long enough pass")
	tok := login(t, srv, `"email":"beat@example.com"`, "long enough pass")
	id := str(view(do(t, srv, "POST", "/api/v1/verifications", tok, `{"level":"standard"}`, "Idempotency-Key", "b1"))["id"])
	s := openStream(t, srv.URL, id, tok)
	if e := s.next(t, false); e["kind"] != "hello" {
		t.Fatalf("hello: %v", e)
	}
	if e := s.next(t, true); e["comment"] == nil {
		t.Fatalf("no heartbeat: %v", e)
	}
	// Without Accept: text/event-stream (curl, a probe): the hello alone.
	r := do(t, srv, "GET", "/api/v1/verifications/"+id+"/events", tok, "")
	if r.status != 200 || !strings.Contains(r.raw, `"kind":"hello"`) {
		t.Fatalf("one-shot: %d %q", r.status, r.raw)
	}
}

package web_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
)

// feedState is what wizard.js records about how it learnt of changes
// (window.__vwFeed).
type feedState struct {
	Live    bool    `json:"live"`
	Events  int     `json:"events"`
	Polls   int     `json:"polls"`
	Errors  int     `json:"errors"`
	Via     string  `json:"via"`
	Shown   string  `json:"shown"`
	ShownAt float64 `json:"shownAt"` // ms since the epoch (performance.timeOrigin + now)
}

func readFeed(t testing.TB, ctx context.Context) feedState {
	t.Helper()
	var f feedState
	if err := do(ctx, into(&f, chromedp.Evaluate[feedState](`window.__vwFeed || {}`))); err != nil {
		t.Fatal(err)
	}
	return f
}

// waitLive waits until the page's event stream is open.
func waitLive(t testing.TB, ctx context.Context) {
	t.Helper()
	var ok bool
	if err := do(ctx, into(&ok, chromedp.Poll[bool](`window.__vwFeed && window.__vwFeed.live`, chromedp.WithPollingInterval(10*time.Millisecond)))); err != nil || !ok {
		t.Fatalf("event stream not open: %v\n%s", err, pageText(ctx))
	}
}

// The decision reaches the page through the event stream, not a poll; the
// photos the phone uploads reach the desktop the same way. The latency
// from the decision's commit to the page drawing it is logged here and
// measured by BenchmarkDecisionOnScreen.
func TestPushDecision(t *testing.T) {
	var db *sqlstore.DB
	env := newWizardServerWith(t, nil, func(o *app.Options) { db = o.DB })
	_, ctx := newBrowser(t)
	email := "push@example.com"
	registerAndLogin(t, ctx, env.srv, email)
	id := startCase(t, ctx)
	fillApplicant(t, ctx, cardName)
	confirmPhone(t, ctx, env)
	waitLive(t, ctx)

	// The phone uploads the photos: the desktop shows them, told by the stream.
	phone := &apiClient{t: t, base: env.srv.URL}
	lg := phone.call("POST", "/api/v1/auth/login", "application/json", strings.NewReader(`{"email":"`+email+`","password":"long enough pass"}`))
	phone.token = lg["token"].(string)
	phone.uploadAndAttach(id, "id_front", calib(t, "004_good.jpg"))
	phone.uploadAndAttach(id, "id_back", calib(t, "010_good.jpg"))
	if err := do(ctx,
		chromedp.WaitVisible(css(`#doc-id_front[data-done="true"]`)),
		chromedp.WaitVisible(css(`#doc-id_back[data-done="true"]`)),
	); err != nil {
		t.Fatalf("hand-off refresh: %v\n%s", err, pageText(ctx))
	}
	if f := readFeed(t, ctx); f.Events < 1 || f.Polls != 0 {
		t.Fatalf("hand-off refresh not pushed: %+v", f)
	}
	if err := do(ctx, chromedp.Click(css("#documents-next")), chromedp.WaitVisible(css("#screen-submit"))); err != nil {
		t.Fatal(err)
	}
	submitAndWait(t, ctx, "approved")
	f := readFeed(t, ctx)
	if f.Via != "push" || f.Polls != 0 || f.Shown != "approved" || !f.Live {
		t.Fatalf("the decision did not come by the stream: %+v", f)
	}
	committed, err := db.SignalTime(context.Background(), id, "approved")
	if err != nil {
		t.Fatal(err)
	}
	lat := time.UnixMicro(int64(f.ShownAt * 1000)).Sub(committed)
	if lat < -50*time.Millisecond || lat > 30*time.Second { // one clock: only a broken stamp is this far off
		t.Fatalf("commit %v, shown %v: latency %v", committed, f.ShownAt, lat)
	}
	t.Logf("decision on screen %.1f ms after its commit (push)", float64(lat.Microseconds())/1000)
}

// When the stream is cut (the server ends it and refuses new ones), the
// page still reaches the decision, by polling.
func TestPushCutFallsBackToPoll(t *testing.T) {
	var refused atomic.Int64
	var cut atomic.Bool
	env := newWizardServer(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if cut.Load() && strings.HasSuffix(r.URL.Path, "/events") {
				refused.Add(1)
				http.Error(w, "no streams here", http.StatusServiceUnavailable)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	_, ctx := newBrowser(t)
	registerAndLogin(t, ctx, env.srv, "cut@example.com")
	startCase(t, ctx)
	fillApplicant(t, ctx, cardName)
	confirmPhone(t, ctx, env)
	uploadPhotos(t, ctx, calib(t, "004_good.jpg"))
	waitLive(t, ctx)
	cut.Store(true)
	env.app.Events.Close() // the open stream ends, as at a server's shutdown
	var down bool
	if err := do(ctx, into(&down, chromedp.Poll[bool](`!window.__vwFeed.live && window.__vwFeed.errors > 0`))); err != nil || !down {
		t.Fatalf("the page did not notice the cut: %v", err)
	}
	submitAndWait(t, ctx, "approved")
	f := readFeed(t, ctx)
	if f.Via != "poll" || f.Polls < 1 || f.Live || f.Shown != "approved" {
		t.Fatalf("the decision did not come by polling: %+v", f)
	}
	if refused.Load() == 0 {
		t.Fatal("the page never tried the stream again")
	}
}

package api_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/api"
	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/notice"
)

func waitCase(t *testing.T, srv *httptestServer, tok, id string, want string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(40 * time.Millisecond) {
		if v := view(do(t, srv, "GET", "/api/v1/verifications/"+id, tok, "")); v["status"] == want {
			return v
		}
	}
	t.Fatalf("case %s never reached %s: %s", id, want, do(t, srv, "GET", "/api/v1/verifications/"+id, tok, "").raw)
	return nil
}

// TestMaintenanceWindow: during a window a submission is accepted and held
// (on_hold), then decided once the window ends, with no failure shown; a
// wallet write gets 503 with Retry-After in the customer's language while
// reads pass; the status page shows the window.
func TestMaintenanceWindow(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			base, _ := newServerWith(t, engine, func(o *app.Options) { o.MaintenanceEvery = 50 * time.Millisecond })
			admin, _ := staffToken(t, base, "ops@example.com", identity.RoleAdmin)
			register(t, base, `"email":"held@example.com"`, "long enough pass")
			tok := login(t, base, `"email":"held@example.com"`, "long enough pass")
			if r := do(t, base, "POST", "/api/v1/admin/maintenance", tok, `{}`); r.status != 403 {
				t.Fatalf("customer scheduled maintenance: %d", r.status)
			}
			now := time.Now().UTC()
			r := do(t, base, "POST", "/api/v1/admin/maintenance", admin, `{"starts_at":"`+now.Add(-time.Second).Format(time.RFC3339)+`","ends_at":"`+
				now.Add(time.Hour).Format(time.RFC3339)+`","note":{"en":"Database upgrade.","zh":"数据库升级。"}}`)
			if r.status != 201 {
				t.Fatalf("schedule: %d %s", r.status, r.raw)
			}
			id := str(view(do(t, base, "POST", "/api/v1/verifications", tok, `{"level":"basic"}`))["id"])
			do(t, base, "PUT", "/api/v1/verifications/"+id+"/applicant", tok, `{"full_name":"周杰","id_type":"cn_resident","id_number":"110105199003072311","phone":"+8613500135077"}`)
			do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/send", tok, "")
			if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/phone/confirm", tok, `{"code":"`+testSender.code("+8613500135077")+`"}`); r.status != 200 {
				t.Fatalf("confirm: %d %s", r.status, r.raw)
			}
			if r := do(t, base, "POST", "/api/v1/verifications/"+id+"/submit", tok, ""); r.status != 202 {
				t.Fatalf("submit during maintenance: %d %s", r.status, r.raw)
			}
			v := waitCase(t, base, tok, id, "on_hold")
			if strings.Contains(do(t, base, "GET", "/api/v1/verifications/"+id, tok, "").raw, "REJECT") {
				t.Fatalf("held case shows a failure: %v", v)
			}

			// The wallet's writes, behind the middleware the lead applies.
			wallet := notice.WalletWrites(lastApp.Notices, api.WriteError, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
			}))
			ws := httptest.NewServer(wallet)
			defer ws.Close()
			req, _ := http.NewRequest("POST", ws.URL+"/api/v1/wallet/transfers", nil)
			req.Header.Set("Accept-Language", "zh-CN")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			ra, _ := strconv.Atoi(res.Header.Get("Retry-After"))
			if res.StatusCode != 503 || ra < 3500 || ra > 3601 {
				t.Fatalf("wallet write during maintenance: %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
			}
			if res, err := http.Get(ws.URL + "/api/v1/wallet/balance"); err != nil || res.StatusCode != 200 {
				t.Fatalf("wallet read during maintenance: %v %v", res, err)
			}
			st := do(t, base, "GET", "/api/v1/status", "", "")
			if st.status != 200 || !strings.Contains(st.raw, `"name":"wallet","state":"maintenance"`) || !strings.Contains(st.raw, "Database upgrade.") ||
				len(st.body["days"].([]any)) != 90 {
				t.Fatalf("status page: %s", st.raw)
			}

			// Every page shows the window and when it is expected to end.
			if r := do(t, base, "GET", "/", "", "", "Accept-Language", "zh-CN"); !strings.Contains(r.raw, "系统维护中，预计北京时间") || !strings.Contains(r.raw, "数据库升级。") {
				t.Fatalf("no maintenance banner: %s", r.raw)
			}
			if r := do(t, base, "POST", "/api/v1/admin/maintenance/stop", admin, ""); r.status != 200 {
				t.Fatalf("stop: %d %s", r.status, r.raw)
			}
			waitCase(t, base, tok, id, "approved")
			res, err = http.DefaultClient.Do(req.Clone(req.Context()))
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("wallet write after maintenance: %v %v", res, err)
			}
			if r := do(t, base, "POST", "/api/v1/admin/maintenance/stop", admin, ""); r.code() != "NO_MAINTENANCE" {
				t.Fatalf("second stop: %s", r.raw)
			}
		})
	}
}

// TestAnnouncementsAndHelp: an admin's announcement shows on the API and
// in the Atom feed in both languages; incidents reach the status page; the
// help centre searches Chinese and English.
func TestAnnouncementsAndHelp(t *testing.T) {
	base := newServer(t, "sqlite")
	admin, _ := staffToken(t, base, "news@example.com", identity.RoleAdmin)
	end := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if r := do(t, base, "POST", "/api/v1/admin/announcements", admin, `{"kind":"warning","title":{"en":"Slow checks","zh":"核验较慢"},"body":{"en":"Expect delays.","zh":"可能有延迟。"},"ends_at":"`+end+`"}`); r.status != 201 {
		t.Fatalf("publish: %d %s", r.status, r.raw)
	}
	if r := do(t, base, "POST", "/api/v1/admin/announcements", admin, `{"kind":"warning","title":{"en":"Only English","zh":""},"body":{"en":"x","zh":"y"},"ends_at":"`+end+`"}`); r.field() != "title" {
		t.Fatalf("one language accepted: %s", r.raw)
	}
	if r := do(t, base, "GET", "/api/v1/announcements", "", ""); !strings.Contains(r.raw, "核验较慢") || !strings.Contains(r.raw, "Slow checks") {
		t.Fatalf("announcements: %s", r.raw)
	}
	feed := do(t, base, "GET", "/api/v1/announcements/feed.atom", "", "", "Accept-Language", "zh-CN")
	if !strings.Contains(feed.raw, `<feed xmlns="http://www.w3.org/2005/Atom">`) || !strings.Contains(feed.raw, "<title>核验较慢</title>") {
		t.Fatalf("feed: %s", feed.raw)
	}
	inc := do(t, base, "POST", "/api/v1/admin/incidents", admin, `{"component":"document_reading","title":{"en":"OCR slow","zh":"识别缓慢"},"body":{"en":"Looking.","zh":"排查中。"}}`)
	if inc.status != 201 {
		t.Fatalf("incident: %d %s", inc.status, inc.raw)
	}
	iid := str(inc.body["incident"].(map[string]any)["id"])
	if r := do(t, base, "POST", "/api/v1/admin/incidents/"+iid+"/updates", admin, `{"body":{"en":"Fixed.","zh":"已修复。"},"resolve":true}`); r.status != 201 {
		t.Fatalf("update: %d %s", r.status, r.raw)
	}
	if r := do(t, base, "GET", "/api/v1/status", "", ""); !strings.Contains(r.raw, "OCR slow") || !strings.Contains(r.raw, "Fixed.") || !strings.Contains(r.raw, `"state":"degraded"`) {
		t.Fatalf("status: %s", r.raw)
	}
	for _, q := range []string{"照片模糊", "blurry%20photo"} {
		r := do(t, base, "GET", "/api/v1/help/articles?q="+q, "", "")
		arts, _ := r.body["articles"].([]any)
		if len(arts) < 2 || !strings.Contains(r.raw, `"slug":"good-photo"`) {
			t.Fatalf("search %s: %s", q, r.raw)
		}
	}
	if r := do(t, base, "GET", "/api/v1/help/articles/reason-image-blurry", "", "", "Accept-Language", "zh-CN"); r.status != 200 || !strings.Contains(r.raw, "如何解决") {
		t.Fatalf("article: %d %s", r.status, r.raw)
	}
	if r := do(t, base, "GET", "/api/v1/help/articles/reason-duplicate-identity", "", ""); r.status != 404 {
		t.Fatalf("sensitive reason has an article: %d", r.status)
	}
}

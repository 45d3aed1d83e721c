package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/export"
)

// fakeSection stands for the tickets and transactions of packages that
// land later: records per user.
func fakeSection(name string, rows map[string][]map[string]any) export.Source {
	return export.SourceFunc(func(ctx context.Context, uid string) (*export.Section, error) {
		return &export.Section{Name: name, Records: rows[uid]}, nil
	})
}

func waitExport(t *testing.T, srv *httptestServer, tok string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		r := do(t, srv, "GET", "/api/v1/me/export", tok, "")
		if u, _ := r.body["download_url"].(string); u != "" {
			return u
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("export not ready")
	return ""
}

// The export ZIP of a customer with a case, a document, messages, a ticket
// and transactions holds each of them and nothing of another customer; it
// downloads once.
func TestExportZIP(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			ids := map[string]string{}
			tickets := map[string][]map[string]any{}
			txs := map[string][]map[string]any{}
			srv, _ := newServerWith(t, engine, func(o *app.Options) {
				o.ExportSources = []export.Source{fakeSection("tickets", tickets), fakeSection("transactions", txs)}
			})
			register(t, srv, `"email":"mine@example.com"`, "long enough pass")
			register(t, srv, `"email":"theirs@example.com"`, "long enough pass")
			mine := login(t, srv, `"email":"mine@example.com"`, "long enough pass")
			theirs := login(t, srv, `"email":"theirs@example.com"`, "long enough pass")
			ids["mine"], ids["theirs"] = userID(t, srv, mine), userID(t, srv, theirs)
			tickets[ids["mine"]] = []map[string]any{{"id": "tkt_mine", "subject": "my ticket"}}
			tickets[ids["theirs"]] = []map[string]any{{"id": "tkt_theirs", "subject": "their ticket"}}
			txs[ids["mine"]] = []map[string]any{{"id": "txn_mine_1", "amount": "-10.00"}, {"id": "txn_mine_2", "amount": "25.00"}}
			txs[ids["theirs"]] = []map[string]any{{"id": "txn_theirs", "amount": "99.00"}}

			cases := map[string]string{}
			docs := map[string]string{}
			for who, tok := range map[string]string{"mine": mine, "theirs": theirs} {
				c := do(t, srv, "POST", "/api/v1/verifications", tok, `{"level":"standard"}`)
				cases[who] = str(view(c)["id"])
				name := map[string]string{"mine": "张三丰", "theirs": "李四光"}[who]
				if r := do(t, srv, "PUT", "/api/v1/verifications/"+cases[who]+"/applicant?draft=1", tok, `{"full_name":"`+name+`","id_type":"cn_resident"}`); r.status != 200 {
					t.Fatalf("applicant: %d %s", r.status, r.raw)
				}
				docs[who] = uploadDoc(t, srv, tok, "id_front", "004_good.jpg")
			}
			if r := do(t, srv, "GET", "/api/v1/me/export", mine, ""); r.status != 404 || r.code() != "EXPORT_NOT_FOUND" {
				t.Fatalf("no export yet: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "POST", "/api/v1/me/export", mine, ""); r.status != 202 {
				t.Fatalf("request: %d %s", r.status, r.raw)
			}
			url := waitExport(t, srv, mine)
			// Another customer cannot download it.
			if r := do(t, srv, "GET", url, theirs, ""); r.status != 404 {
				t.Fatalf("another customer's download: %d", r.status)
			}
			req, _ := http.NewRequest("GET", srv.URL+url, nil)
			req.Header.Set("Authorization", "Bearer "+mine)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/zip" {
				t.Fatalf("download: %d %s", res.StatusCode, body)
			}
			zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
			if err != nil {
				t.Fatal(err)
			}
			files := map[string]string{}
			var all strings.Builder
			for _, f := range zr.File {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				files[f.Name] = string(b)
				all.Write(b)
			}
			for _, name := range []string{"account.json", "account.csv", "verifications.json", "verifications.csv", "documents.json",
				"documents.csv", "documents/" + docs["mine"] + ".jpg", "messages.json", "tickets.json", "tickets.csv", "transactions.json", "transactions.csv", "README.txt"} {
				if _, ok := files[name]; !ok {
					t.Errorf("the ZIP lacks %s", name)
				}
			}
			var vs []map[string]any
			if err := json.Unmarshal([]byte(files["verifications.json"]), &vs); err != nil || len(vs) != 1 || vs[0]["id"] != cases["mine"] {
				t.Fatalf("verifications.json: %v %s", err, files["verifications.json"])
			}
			for _, want := range []string{"mine@example.com", "张三丰", cases["mine"], docs["mine"], "tkt_mine", "txn_mine_1", "txn_mine_2", "-10.00"} {
				if !strings.Contains(all.String(), want) {
					t.Errorf("the ZIP lacks %q", want)
				}
			}
			for _, not := range []string{"theirs@example.com", "李四光", cases["theirs"], docs["theirs"], "tkt_theirs", "txn_theirs", ids["theirs"]} {
				if strings.Contains(all.String(), not) {
					t.Errorf("the ZIP holds another customer's %q", not)
				}
			}
			// Once only.
			if r := do(t, srv, "GET", url, mine, ""); r.status != 404 || r.code() != "EXPORT_NOT_FOUND" {
				t.Fatalf("second download: %d %s", r.status, r.raw)
			}
			if r := do(t, srv, "GET", "/api/v1/me/export", mine, ""); r.body["export"].(map[string]any)["status"] != "downloaded" {
				t.Fatalf("status after the download: %s", r.raw)
			}
		})
	}
}

package api_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
)

// A closed account is purged after its retention period: its documents'
// files are gone, its sealed rows can never be opened again, its login
// is gone, and the audit trail (which records the closing and the purge)
// still verifies.
func TestRetentionPurge(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			var db *sqlstore.DB
			srv, dir := newServerWith(t, engine, func(o *app.Options) { db = o.DB; o.Retention = 50 * time.Millisecond })
			register(t, srv, `"email":"leaver@example.com"`, "long enough pass")
			register(t, srv, `"email":"stayer@example.com"`, "long enough pass")
			tok := login(t, srv, `"email":"leaver@example.com"`, "long enough pass")
			stay := login(t, srv, `"email":"stayer@example.com"`, "long enough pass")
			c := do(t, srv, "POST", "/api/v1/verifications", tok, `{"level":"standard"}`)
			id := str(view(c)["id"])
			if r := do(t, srv, "PUT", "/api/v1/verifications/"+id+"/applicant", tok,
				`{"full_name":"张三丰","id_type":"cn_resident","id_number":"110105199003072311","phone":"13800138000"}`); r.status != 200 {
				t.Fatalf("applicant: %d %s", r.status, r.raw)
			}
			doc := uploadDoc(t, srv, tok, "id_front", "004_good.jpg")
			if r := do(t, srv, "POST", "/api/v1/verifications/"+id+"/documents", tok, `{"kind":"id_front","document_id":"`+doc+`"}`); r.status != 200 {
				t.Fatalf("attach: %d %s", r.status, r.raw)
			}
			other := uploadDoc(t, srv, stay, "id_front", "004_good.jpg")
			files := func(docID string) int {
				m, _ := filepath.Glob(filepath.Join(dir, "blobs", "documents", docID, "*"))
				return len(m)
			}
			if files(doc) == 0 || files(other) == 0 {
				t.Fatal("no document files to begin with")
			}
			uid := userID(t, srv, tok)
			if r := do(t, srv, "POST", "/api/v1/me/close", tok, `{"password":"long enough pass"}`); r.status != 204 {
				t.Fatalf("close: %d %s", r.status, r.raw)
			}
			ctx := context.Background()
			// Kept during the retention period: the case still opens, and its
			// duplicate-identity hash still finds a new account with the same ID.
			if c, err := db.Cases(nil).Case(ctx, id); err != nil {
				t.Fatalf("case unreadable before the purge: %v", err)
			} else if c.IdentityHash == "" {
				t.Fatal("no duplicate-identity hash during the retention period")
			}
			time.Sleep(100 * time.Millisecond)
			if _, err := lastApp.PurgeClosed(ctx); err != nil {
				t.Fatal(err)
			}
			if files(doc) != 0 {
				t.Fatal("the closed account's document files survived the purge")
			}
			if files(other) == 0 {
				t.Fatal("another customer's files were deleted")
			}
			if _, err := db.Cases(nil).Case(ctx, id); err == nil {
				t.Fatal("the purged case's applicant still opens")
			}
			var enc, ih string
			if err := db.QueryRowContext(ctx, `SELECT applicant_enc, identity_hash FROM cases WHERE id = $1`, id).Scan(&enc, &ih); err != nil || enc != "" || ih != "" {
				t.Fatalf("applicant_enc %q, identity_hash %q (%v), want both cleared", enc, ih, err)
			}
			if _, err := db.Accounts().UserByID(ctx, uid); err != nil {
				t.Fatalf("the row should stay (without personal data): %v", err)
			}
			if r := do(t, srv, "POST", "/api/v1/auth/login", "", `{"email":"leaver@example.com","password":"long enough pass"}`); r.status != 401 {
				t.Fatalf("login after the purge: %d %s", r.status, r.raw)
			}
			events, err := db.Audit().Events(ctx, 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, e := range events {
				if e.Subject == uid {
					actions = append(actions, e.Action)
				}
			}
			if strings.Join(actions, ",") != "account.close,account.purge" {
				t.Fatalf("audit of the account: %v", actions)
			}
			if _, err := db.Audit().Verify(events); err != nil {
				t.Fatalf("audit trail broken after the purge: %v", err)
			}
			// The purge is done once.
			if n, err := lastApp.PurgeClosed(ctx); err != nil || n != 0 {
				t.Fatalf("second purge: %d %v", n, err)
			}
		})
	}
}

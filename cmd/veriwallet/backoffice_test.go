package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/audit"
)

// TestAuditVerify: `audit verify` passes on a real history (a role
// change through `admin set-role`, events from the server), fails naming
// the event after one row is altered by hand, and, with the anchor file,
// after the newest rows are deleted by hand; `audit export` writes the
// events of a period as JSON lines.
func TestAuditVerify(t *testing.T) {
	dir := t.TempDir()
	env := func(k string) string {
		return map[string]string{"VERIWALLET_DATA_DIR": dir, "VERIWALLET_INSECURE_FAST_HASH": "1"}[k]
	}
	defer func() { stdin = os.Stdin }()
	ctx := context.Background()
	var out, errb bytes.Buffer
	stdin = strings.NewReader("staff password 1\n")
	if err := run(ctx, []string{"admin", "create-user", "--email", "desk@example.com", "--role", "support"}, env, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	out.Reset()
	if err := run(ctx, []string{"admin", "set-role", "--email", "desk@example.com", "--role", "reviewer"}, env, &out, &errb); err != nil || !strings.Contains(out.String(), `"role":"reviewer"`) {
		t.Fatalf("set-role: %v %s %s", err, out.String(), errb.String())
	}
	w, err := open(ctx, "t", nil, env, &errb)
	if err != nil {
		t.Fatal(err)
	}
	defer w.db.Close()
	for i := range 5 {
		if err := w.db.Audit().Append(ctx, &audit.Event{At: time.Now(), Actor: "user:usr_x (reviewer)", Action: "case.review.read", Subject: "vc_" + string(rune('a'+i))}); err != nil {
			t.Fatal(err)
		}
	}
	anchorFile := filepath.Join(t.TempDir(), "anchor.jsonl")
	an := &audit.Anchorer{Store: w.db.Audit(), File: anchorFile}
	if err := an.AnchorNow(ctx); err != nil {
		t.Fatal(err)
	}
	verify := func() (string, error) {
		out.Reset()
		errb.Reset()
		err := run(ctx, []string{"audit", "verify", "--anchor", anchorFile}, env, &out, &errb)
		return out.String() + errb.String(), err
	}
	if got, err := verify(); err != nil || !strings.Contains(got, `"ok":true`) || !strings.Contains(got, `"events":6`) {
		t.Fatalf("verify on a good chain: %v %s", err, got)
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "export", "--from", "2000-01-01", "--to", "2100-01-01"}, env, &out, &errb); err != nil ||
		strings.Count(out.String(), "\n") != 6 || !strings.Contains(out.String(), `"action":"user.role.set"`) {
		t.Fatalf("export: %v %s", err, out.String())
	}

	// The database refuses changes; someone with the database drops the
	// triggers and edits by hand.
	for _, q := range []string{`DROP TRIGGER audit_events_no_update`, `DROP TRIGGER audit_events_no_delete`,
		`UPDATE audit_events SET subject = 'vc_other' WHERE seq = 3`} {
		if _, err := w.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := verify(); err == nil || !strings.Contains(got, "broken at event 3") {
		t.Fatalf("verify after altering event 3: %v %s", err, got)
	}
	if _, err := w.db.ExecContext(ctx, `UPDATE audit_events SET subject = 'vc_b' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	if got, err := verify(); err != nil {
		t.Fatalf("verify after restoring event 3: %v %s", err, got)
	}
	// Deleting the newest rows leaves a valid chain: only the anchor shows it.
	if _, err := w.db.ExecContext(ctx, `DELETE FROM audit_events WHERE seq >= 5`); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "verify"}, env, &out, &errb); err != nil {
		t.Fatalf("without the anchor a truncated chain still verifies: %v", err)
	}
	if got, err := verify(); err == nil || !strings.Contains(got, "broken at event 6") || !strings.Contains(got, "newest events") {
		t.Fatalf("verify after deleting the newest rows: %v %s", err, got)
	}
}

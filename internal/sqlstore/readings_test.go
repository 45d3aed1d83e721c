package sqlstore_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/verification"
)

type queued struct {
	mu  sync.Mutex
	ids []string
}

func (q *queued) ReadDocumentTx(ctx context.Context, tx *sql.Tx, id string) error {
	q.mu.Lock()
	q.ids = append(q.ids, id)
	q.mu.Unlock()
	return nil
}

// TestReadings: a document's reading round-trips, is replaced in place,
// queues its job only when pending, and is sealed at rest (no value read
// is in the table in the clear), on both engines.
func TestReadings(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := sqltest.Open(t, engine)
			u := &identity.User{ID: "usr_reading", Email: "reading@example.com", Role: identity.RoleCustomer, CreatedAt: time.Now().UTC()}
			if err := db.Accounts().CreateUser(ctx, u, "x", nil); err != nil {
				t.Fatal(err)
			}
			d := &document.Document{ID: "doc_reading", OwnerID: u.ID, Kind: document.KindIDFront, Format: "jpeg", Accepted: true, CreatedAt: time.Now().UTC()}
			if err := db.Documents().CreateDocument(ctx, d, document.Quota{}); err != nil {
				t.Fatal(err)
			}
			q := &queued{}
			st := db.Readings(q)
			if _, err := st.Reading(ctx, d.ID); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("no reading yet: %v", err)
			}
			r := &verification.DocumentReading{DocumentID: d.ID, Status: verification.ReadingPending, UpdatedAt: time.Now()}
			if err := st.QueueReading(ctx, r); err != nil {
				t.Fatal(err)
			}
			if len(q.ids) != 1 || q.ids[0] != d.ID {
				t.Fatalf("job not queued: %v", q.ids)
			}
			const number = "11010519491231002X"
			r.Status, r.DetectedKind, r.KindConfidence = verification.ReadingDone, "id_front", 0.97
			r.Fields = verification.ReadFields{"name": {Value: "李雷", Confidence: 0.97}, "id_number": {Value: number, Confidence: 0.99}}
			r.Reasons = []verification.Finding{{Code: verification.CodeDocumentExpired, Document: "id_back", Date: "2020-01-01"}}
			if err := st.SaveReading(ctx, r); err != nil {
				t.Fatal(err)
			}
			got, err := st.Reading(ctx, d.ID)
			if err != nil || got.Status != verification.ReadingDone || got.DetectedKind != "id_front" || got.Fields["id_number"].Value != number ||
				len(got.Reasons) != 1 || got.Reasons[0].Date != "2020-01-01" {
				t.Fatalf("round trip: %+v %v", got, err)
			}
			var raw string
			if err := db.QueryRow(`SELECT status || detected_kind || reading_enc FROM document_readings WHERE document_id = $1`, d.ID).Scan(&raw); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(raw, number) || strings.Contains(raw, "李雷") || strings.Contains(raw, "2020-01-01") {
				t.Fatalf("reading stored in the clear: %s", raw)
			}
			// Skipped readings queue nothing.
			if err := st.QueueReading(ctx, &verification.DocumentReading{DocumentID: d.ID, Status: verification.ReadingSkipped, UpdatedAt: time.Now()}); err != nil || len(q.ids) != 1 {
				t.Fatalf("skipped: %v %v", err, q.ids)
			}
		})
	}
}

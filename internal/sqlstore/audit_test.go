package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

func TestAuditChain(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db := sqltest.Open(t, engine)
			a := db.Audit()
			ctx := context.Background()
			var wg sync.WaitGroup
			for i := range 10 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := a.Append(ctx, &audit.Event{At: time.Now(), Actor: "user:usr_r", Action: "case.review.read", Subject: "ver_" + string(rune('a'+i))}); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			evs, err := a.Events(ctx, 0, 100)
			if err != nil || len(evs) != 10 {
				t.Fatalf("%d events, %v", len(evs), err)
			}
			if seq, err := a.Verify(evs); err != nil {
				t.Fatalf("chain broken at %d: %v", seq, err)
			}
			// The database refuses to rewrite history.
			if _, err := db.ExecContext(ctx, `UPDATE audit_events SET actor = 'user:someone_else' WHERE seq = $1`, evs[3].Seq); err == nil {
				t.Fatal("audit event updated")
			}
			if _, err := db.ExecContext(ctx, `DELETE FROM audit_events WHERE seq = $1`, evs[3].Seq); err == nil {
				t.Fatal("audit event deleted")
			}
			// Recomputing the chain without the key does not pass either.
			forged := append([]audit.Event(nil), evs...)
			forged[5].Subject = "ver_other"
			forged[5].Hash = audit.HashOf([]byte("guessed key"), forged[5])
			if seq, err := a.Verify(forged); err == nil || seq != forged[5].Seq {
				t.Fatalf("forged event not found: %d %v", seq, err)
			}
			// And an altered copy does not verify.
			evs[5].Subject = "ver_other"
			if seq, err := a.Verify(evs); err == nil || seq != evs[5].Seq {
				t.Fatalf("altered event not found: %d %v", seq, err)
			}
		})
	}
}

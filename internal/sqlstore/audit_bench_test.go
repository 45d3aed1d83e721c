package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

// BenchmarkAuditCheck measures `veriwallet audit verify`'s walk: the whole
// chain of 2,000 events read page by page and every hash recomputed.
func BenchmarkAuditCheck(b *testing.B) {
	db := sqltest.Open(b, "sqlite")
	ctx := context.Background()
	a := db.Audit()
	for i := range 2000 {
		if err := a.Append(ctx, &audit.Event{At: time.Now(), Actor: "user:usr_bench (reviewer)", Action: "case.review.read", Subject: "ver_" + string(rune('a'+i%26))}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		rep, err := audit.Check(ctx, a, nil)
		if err != nil || !rep.OK || rep.Events != 2000 {
			b.Fatalf("%+v %v", rep, err)
		}
	}
	b.ReportMetric(float64(2000*b.N)/b.Elapsed().Seconds(), "events/s")
}

package sqlstore_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"
	"testing/fstest"
	"time"

	"github.com/veriwallet/veriwallet/internal/screening"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
)

func gz(b *testing.B, name string) []byte {
	f, err := os.Open("../screening/testdata/" + name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkRescreen re-screens BENCH_CUSTOMERS (100,000) approved customers
// (synthetic rows inserted directly; one in a hundred carries a listed name
// and birth date) against the OFAC 2021 and UN 2026-02 lists, in batches of
// 500, restarting the service halfway, on SQLite and (when
// VERIWALLET_TEST_POSTGRES_URL is set) PostgreSQL. It reports customers
// screened per second and checks that everyone was screened exactly once:
//
//	go test -run x -bench Rescreen -benchtime 1x ./internal/sqlstore/
func BenchmarkRescreen(b *testing.B) {
	n := 100_000
	if v, _ := strconv.Atoi(os.Getenv("BENCH_CUSTOMERS")); v > 0 {
		n = v
	}
	fsys := fstest.MapFS{}
	for _, f := range []string{"sdn", "alt", "add", "sdn_comments"} {
		fsys[f+".csv"] = &fstest.MapFile{Data: gz(b, "ofac-"+f+".csv.gz")}
	}
	ofac, err := screening.ParseOFAC(fsys)
	if err != nil {
		b.Fatal(err)
	}
	un, err := screening.ParseUN(bytes.NewReader(gz(b, "un-consolidated-2026-02.xml.gz")))
	if err != nil {
		b.Fatal(err)
	}
	// Listed people with a full birth date, for the customers that match.
	var listed []*screening.Entity
	for _, e := range ofac {
		if e.Kind == screening.KindPerson && len(e.BirthDates) > 0 && len(e.BirthDates[0]) == 10 {
			listed = append(listed, e)
		}
	}
	given := []string{"James", "Mary", "Wei", "Fang", "Olivia", "Lukas", "Sofia", "Hiroshi", "Amara", "Mateo", "Ingrid", "Ravi"}
	family := []string{"Smith", "Garcia", "Wang", "Li", "Novak", "Jansen", "Okafor", "Tanaka", "Rossi", "Kowalski", "Silva", "Larsen"}
	for _, engine := range sqltest.Engines() {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			kr := sqltest.Keyring(b)
			db := sqltest.Open(b, engine)
			t0 := time.Now()
			insertApproved(b, db, kr, n, func(i int) (string, string) {
				if i%100 == 0 {
					e := listed[i/100%len(listed)]
					return e.Names[0], e.BirthDates[0]
				}
				return fmt.Sprintf("%s %s %s", given[i%len(given)], given[i/7%len(given)], family[i/13%len(family)]), "1988-02-03"
			})
			b.Logf("%d customers inserted in %v", n, time.Since(t0).Round(time.Millisecond))
			svc := &screening.Service{Store: db.Screening(nil)}
			if _, err := svc.Import(ctx, &screening.Parsed{Source: screening.SourceOFAC, FileHash: "o", Entities: ofac}); err != nil {
				b.Fatal(err)
			}
			v, err := svc.Import(ctx, &screening.Parsed{Source: screening.SourceUN, FileHash: "u", Entities: un})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			batches := 0
			for {
				done, err := svc.RescreenBatch(ctx, v.ID, 500)
				if err != nil {
					b.Fatal(err)
				}
				batches++
				if batches == n/500/2 {
					svc = &screening.Service{Store: db.Screening(nil)} // a restart halfway
				}
				if done {
					break
				}
			}
			el := time.Since(start)
			b.StopTimer()
			var screened, hits int
			if err := db.QueryRow(`SELECT screened, hits FROM screening_rescreens WHERE list_id = $1`, v.ID).Scan(&screened, &hits); err != nil {
				b.Fatal(err)
			}
			if screened != n {
				b.Fatalf("screened %d of %d", screened, n)
			}
			b.ReportMetric(float64(n)/el.Seconds(), "customers/s")
			b.ReportMetric(el.Seconds(), "seconds")
			b.Logf("%s: %d customers re-screened in %v (%d batches, restart after %d), %d hits", engine, n, el.Round(time.Millisecond), batches, n/500/2, hits)
		})
	}
}

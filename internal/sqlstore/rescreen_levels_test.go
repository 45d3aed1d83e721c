package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/screening"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// TestRescreenCustomersWithSeveralApprovedCases: a customer verified at
// basic, then standard, then advanced has three approved cases. Before,
// a batch of n read 2n case rows, so with three cases each a batch found
// fewer than n customers, took that for the end and marked re-screening
// done: most customers were never screened against the new list.
func TestRescreenCustomersWithSeveralApprovedCases(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			kr := sqltest.Keyring(t)
			db := sqltest.Open(t, engine)
			const n = 20
			// The basic case carries an old name; the latest case (advanced)
			// the current one: every fourth customer's is listed.
			insertApproved(t, db, kr, n, func(int) (string, string) { return "Old Name", "1970-01-01" })
			for i := range n {
				uid := fmt.Sprintf("usr_%07d", i)
				for j, level := range []string{"standard", "advanced"} {
					cid := fmt.Sprintf("case_%07d_%d", i, j)
					name := fmt.Sprintf("Customer Number%c%c", 'a'+i%26, 'a'+j)
					if i%4 == 0 {
						name = "Ivan Petrovsky"
					}
					a, _ := json.Marshal(verification.Applicant{FullName: name, IDType: verification.IDPassport, IDNumber: fmt.Sprintf("P%07d", i),
						Nationality: "GBR", BirthDate: "1970-01-01"})
					sealed, err := kr.SealString(string(a), "cases.applicant:"+cid)
					if err != nil {
						t.Fatal(err)
					}
					at := scT0.Add(time.Duration(j+1) * time.Hour)
					if _, err := db.ExecContext(ctx, `INSERT INTO cases (id, user_id, level, status, applicant_enc, identity_hash, documents, version, created_at, updated_at)
						VALUES ($1, $2, $3, 'approved', $4, '', '[]', 1, $5, $5)`, cid, uid, level, sealed, at); err != nil {
						t.Fatal(err)
					}
				}
			}
			svc := &screening.Service{Store: db.Screening(nil)}
			v, err := svc.Import(ctx, &screening.Parsed{Source: screening.SourceCSV, FileHash: "x", Entities: scEntities("Ivan Petrovsky")})
			if err != nil {
				t.Fatal(err)
			}
			for range 100 {
				done, err := svc.RescreenBatch(ctx, v.ID, 5)
				if err != nil {
					t.Fatal(err)
				}
				if done {
					break
				}
			}
			var screened, hits int
			if err := db.QueryRow(`SELECT screened, hits FROM screening_rescreens WHERE list_id = $1`, v.ID).Scan(&screened, &hits); err != nil {
				t.Fatal(err)
			}
			if screened != n || hits != n/4 {
				t.Fatalf("screened %d customers with %d hits; want %d and %d", screened, hits, n, n/4)
			}
		})
	}
}

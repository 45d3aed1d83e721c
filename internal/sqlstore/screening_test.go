package sqlstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/keys"
	"github.com/veriwallet/veriwallet/internal/screening"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/verification"
)

var scT0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func scEntities(names ...string) []*screening.Entity {
	var out []*screening.Entity
	for i, n := range names {
		out = append(out, &screening.Entity{ID: fmt.Sprint(100 + i), List: screening.SourceCSV, Kind: screening.KindPerson,
			Category: screening.CategorySanc, Names: []string{n}, BirthDates: []string{"1970-01-01"}})
	}
	return out
}

// insertApproved inserts n customers with an approved case each, directly
// (synthetic rows: the applicant sealed as the store seals it), named
// name(i), in batches of one transaction.
func insertApproved(t testing.TB, db *sqlstore.DB, kr *keys.Keyring, n int, name func(int) (string, string)) {
	t.Helper()
	ctx := context.Background()
	const batch = 1000
	for start := 0; start < n; start += batch {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		fail := func(err error) {
			_ = tx.Rollback()
			t.Fatal(err)
		}
		for i := start; i < min(n, start+batch); i++ {
			uid, cid := fmt.Sprintf("usr_%07d", i), fmt.Sprintf("case_%07d", i)
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, email_index, password_hash, role, created_at) VALUES ($1, $2, 'x', 'customer', $3)`,
				uid, []byte(uid), scT0); err != nil {
				fail(err)
			}
			full, dob := name(i)
			a, _ := json.Marshal(verification.Applicant{FullName: full, IDType: verification.IDPassport, IDNumber: fmt.Sprintf("P%07d", i),
				Nationality: "GBR", BirthDate: dob})
			sealed, err := kr.SealString(string(a), "cases.applicant:"+cid)
			if err != nil {
				fail(err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO cases (id, user_id, level, status, applicant_enc, identity_hash, documents, version, created_at, updated_at)
				VALUES ($1, $2, 'basic', 'approved', $3, '', '[]', 1, $4, $4)`, cid, uid, sealed, scT0); err != nil {
				fail(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestScreeningStore(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := sqltest.Open(t, engine)
			st := db.Screening(nil)
			if vs, err := st.ListVersions(ctx); err != nil || len(vs) != 0 {
				t.Fatalf("fresh: %v %v", vs, err)
			}
			v1, err := st.ReplaceList(ctx, screening.ListVersion{Source: screening.SourceCSV, FileHash: "h1", Entities: 2, Names: 2, ImportedAt: scT0},
				scEntities("Ivan Petrovsky", "Olga Smirnova"))
			if err != nil {
				t.Fatal(err)
			}
			v2, err := st.ReplaceList(ctx, screening.ListVersion{Source: screening.SourceCSV, FileHash: "h2", Entities: 1, Names: 1, ImportedAt: scT0.Add(time.Hour)},
				scEntities("Ivan Petrovsky"))
			if err != nil {
				t.Fatal(err)
			}
			vs, err := st.ListVersions(ctx)
			if err != nil || len(vs) != 1 || vs[0].ID != v2.ID || vs[0].ID == v1.ID || vs[0].FileHash != "h2" || !vs[0].ImportedAt.Equal(scT0.Add(time.Hour)) {
				t.Fatalf("versions: %+v %v", vs, err)
			}
			ents, err := st.Entities(ctx)
			if err != nil || len(ents) != 1 || ents[0].Names[0] != "Ivan Petrovsky" || ents[0].BirthDates[0] != "1970-01-01" {
				t.Fatalf("entities: %+v %v", ents, err)
			}

			u := &identity.User{ID: "usr_sc", Email: "sc@example.com", Role: identity.RoleCustomer, CreatedAt: scT0}
			if err := db.Accounts().CreateUser(ctx, u, "x", nil); err != nil {
				t.Fatal(err)
			}
			detail := &screening.Hit{List: "csv", EntityID: "100", Name: "Ivan Petrovsky", MatchedName: "Ivan Petrovsky", Score: 0.97}
			hit := screening.HitRecord{ID: "hit_1", UserID: u.ID, CaseID: "case_a", ListID: v2.ID, List: "csv", EntityID: "100",
				EntityHash: "e1", Category: "sanctions", Score: 0.97, Status: screening.HitOpen, CreatedAt: scT0, Detail: detail}
			got, err := st.SaveHits(ctx, []screening.HitRecord{hit})
			if err != nil || len(got) != 1 || got[0].ID != "hit_1" || got[0].Status != screening.HitOpen {
				t.Fatalf("save: %+v %v", got, err)
			}
			again := hit
			again.ID, again.CaseID = "hit_2", "case_b"
			got, err = st.SaveHits(ctx, []screening.HitRecord{again})
			if err != nil || len(got) != 1 || got[0].ID != "hit_1" || got[0].CaseID != "case_b" {
				t.Fatalf("the same hit raised again is the same review item, on the newer case: %+v %v", got, err)
			}
			var raw string
			if err := db.QueryRow(`SELECT detail_enc FROM screening_hits WHERE id = $1`, "hit_1").Scan(&raw); err != nil || strings.Contains(raw, "Petrovsky") {
				t.Fatalf("detail must be sealed: %q %v", raw, err)
			}
			h, err := st.DecideHit(ctx, "hit_1", screening.HitFalsePositive, "different person", "usr_rev", scT0.Add(2*time.Hour))
			if err != nil || h.Status != screening.HitFalsePositive || h.Note != "different person" || h.DecidedBy != "usr_rev" || h.Detail.Name != "Ivan Petrovsky" {
				t.Fatalf("decide: %+v %v", h, err)
			}
			if _, err := st.DecideHit(ctx, "hit_1", screening.HitConfirmed, "", "usr_rev", scT0); errs.KindOf(err) != errs.Conflict {
				t.Fatalf("decided twice: %v", err)
			}
			if _, err := st.DecideHit(ctx, "hit_nope", screening.HitConfirmed, "", "usr_rev", scT0); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("unknown hit: %v", err)
			}
			again.ID = "hit_3"
			got, err = st.SaveHits(ctx, []screening.HitRecord{again})
			if err != nil || got[0].ID != "hit_1" || got[0].Status != screening.HitFalsePositive {
				t.Fatalf("a false positive stays cleared: %+v %v", got, err)
			}
			changed := again
			changed.ID, changed.EntityHash = "hit_4", "e2"
			got, err = st.SaveHits(ctx, []screening.HitRecord{changed})
			if err != nil || got[0].ID != "hit_4" || got[0].Status != screening.HitOpen {
				t.Fatalf("a changed record is raised again: %+v %v", got, err)
			}
			open, err := st.Hits(ctx, screening.HitOpen, 10)
			if err != nil || len(open) != 1 || open[0].ID != "hit_4" {
				t.Fatalf("open hits: %+v %v", open, err)
			}
		})
	}
}

// failingStore fails SaveRescreen once after n calls: a crash between
// screening a batch and committing it.
type failingStore struct {
	screening.Store
	calls, failAt int
}

func (f *failingStore) SaveRescreen(ctx context.Context, st screening.RescreenState, hits []screening.HitRecord) error {
	f.calls++
	if f.calls == f.failAt {
		return errors.New("killed")
	}
	return f.Store.SaveRescreen(ctx, st, hits)
}

// TestRescreenResumes: re-screening after an import goes through every
// approved customer once, in batches, and a restart halfway (a batch
// screened but not committed, then a new service) neither repeats nor
// skips anyone.
func TestRescreenResumes(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			kr := sqltest.Keyring(t) // the keyring sqltest.Open opens with
			db := sqltest.Open(t, engine)
			const n = 57
			// Every third customer carries a listed name.
			insertApproved(t, db, kr, n, func(i int) (string, string) {
				if i%3 == 0 {
					return "Ivan Petrovsky", "1970-01-01"
				}
				return fmt.Sprintf("Customer Number%c%c", 'a'+i%26, 'a'+i/26), "1970-01-01"
			})
			fs := &failingStore{Store: db.Screening(nil), failAt: 3}
			svc := &screening.Service{Store: fs}
			p := &screening.Parsed{Source: screening.SourceCSV, FileHash: "x", Entities: scEntities("Ivan Petrovsky")}
			v, err := svc.Import(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			batches := 0
			for {
				done, err := svc.RescreenBatch(ctx, v.ID, 10)
				if err != nil {
					if err.Error() != "killed" {
						t.Fatal(err)
					}
					// Restart: a new service on the same database.
					svc = &screening.Service{Store: db.Screening(nil)}
					continue
				}
				batches++
				if done {
					break
				}
			}
			var screened, hits int
			var after string
			if err := db.QueryRow(`SELECT screened, hits, after_user FROM screening_rescreens WHERE list_id = $1`, v.ID).Scan(&screened, &hits, &after); err != nil {
				t.Fatal(err)
			}
			if screened != n || hits != (n+2)/3 || after != fmt.Sprintf("usr_%07d", n-1) || batches != 6 {
				t.Fatalf("screened %d hits %d cursor %s batches %d; want %d, %d, usr_%07d, 6", screened, hits, after, batches, n, (n+2)/3, n-1)
			}
			rows, err := db.Query(`SELECT user_id, count(*) FROM screening_hits GROUP BY user_id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			users := 0
			for rows.Next() {
				var u string
				var c int
				if err := rows.Scan(&u, &c); err != nil {
					t.Fatal(err)
				}
				var i int
				fmt.Sscanf(u, "usr_%d", &i)
				if c != 1 || i%3 != 0 {
					t.Errorf("user %s: %d hits", u, c)
				}
				users++
			}
			if users != (n+2)/3 {
				t.Fatalf("%d users with hits, want %d", users, (n+2)/3)
			}
			if done, err := svc.RescreenBatch(ctx, v.ID, 10); err != nil || !done {
				t.Fatalf("after the end: %v %v", done, err)
			}
		})
	}
}

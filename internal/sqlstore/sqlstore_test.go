package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/storetest"
)

// rawAccounts exposes a user's row as text, so the suite can check that no
// personal data is stored in plaintext.
type rawAccounts struct {
	*sqlstore.Accounts
	db *sqlstore.DB
}

func (r rawAccounts) RawRow(id string) []byte {
	var a, b, c, d any
	_ = r.db.QueryRow(`SELECT email_index, email_enc, phone_index, phone_enc FROM users WHERE id = $1`, id).Scan(&a, &b, &c, &d)
	return fmt.Appendf(nil, "%v %v %v %v", a, b, c, d)
}

func TestAccounts(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			storetest.Accounts(t, func(t *testing.T) identity.Store {
				db := sqltest.Open(t, engine)
				return rawAccounts{db.Accounts(), db}
			})
		})
	}
}

func TestMigrateTwiceAndConcurrently(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := sqltest.DSN(t, engine)
			errc := make(chan error, 3)
			for range 3 {
				go func() {
					db, err := sqlstore.Open(context.Background(), dsn, sqltest.Keyring(t))
					if err != nil {
						errc <- err
						return
					}
					defer db.Close()
					errc <- db.Migrate(context.Background(), nil)
				}()
			}
			for range 3 {
				if err := <-errc; err != nil {
					t.Fatal(err)
				}
			}
			db, err := sqlstore.Open(context.Background(), dsn, sqltest.Keyring(t))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if pending, err := db.Pending(context.Background()); err != nil || pending {
				t.Fatalf("pending=%v err=%v", pending, err)
			}
		})
	}
}

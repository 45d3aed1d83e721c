// Package sqltest opens fresh, migrated databases for tests: a SQLite file
// in a temporary directory always, and a PostgreSQL schema of its own when
// VERIWALLET_TEST_POSTGRES_URL is set (dropped when the test ends).
package sqltest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/veriwallet/veriwallet/internal/keys"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
)

// Keyring returns a fixed test keyring.
func Keyring(t testing.TB) *keys.Keyring {
	k := make([]byte, 32)
	for i := range k {
		k[i] = byte(i + 1)
	}
	kr, err := keys.New(map[string][]byte{"test": k}, "test", []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// Engines lists the engines available to this test run.
func Engines() []string {
	if os.Getenv("VERIWALLET_TEST_POSTGRES_URL") != "" {
		return []string{sqlstore.SQLite, sqlstore.Postgres}
	}
	return []string{sqlstore.SQLite}
}

// DSN returns a fresh database DSN for engine: a new SQLite file, or a new
// PostgreSQL schema selected through search_path.
func DSN(t testing.TB, engine string) string {
	if engine == sqlstore.SQLite {
		return filepath.Join(t.TempDir(), "test.db")
	}
	base := os.Getenv("VERIWALLET_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("VERIWALLET_TEST_POSTGRES_URL not set")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "vwtest_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a migrated database of engine, closed when the test ends.
func Open(t testing.TB, engine string) *sqlstore.DB {
	db, err := sqlstore.Open(context.Background(), DSN(t, engine), Keyring(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return db
}

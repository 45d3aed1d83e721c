package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// OpenTraced opens a PostgreSQL database like Open, with tracer on every
// connection: benchmarks count the round trips an operation costs with it.
func OpenTraced(ctx context.Context, dsn string, c Cipher, tracer pgx.QueryTracer) (*DB, error) {
	if !IsPostgres(dsn) {
		return nil, fmt.Errorf("OpenTraced: PostgreSQL only")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres url: %w", err)
	}
	cfg.ConnConfig.Tracer = tracer
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &DB{DB: stdlib.OpenDBFromPool(pool), Engine: Postgres, Pool: pool, cipher: c, now: time.Now}, nil
}

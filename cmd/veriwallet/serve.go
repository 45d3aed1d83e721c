package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/veriwallet/veriwallet/internal/api"
	"github.com/veriwallet/veriwallet/internal/blob"
	"github.com/veriwallet/veriwallet/internal/config"
	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/jobs"
	"github.com/veriwallet/veriwallet/internal/keys"
	"github.com/veriwallet/veriwallet/internal/server"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/upload"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// app is the wired application.
type app struct {
	cfg      *config.Config
	log      *slog.Logger
	keys     *keys.Keyring
	db       *sqlstore.DB
	accounts *identity.Service
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// open loads the configuration and opens keys and the database, migrating it.
func open(ctx context.Context, name string, args []string, getenv func(string) string, stderr io.Writer) (*app, error) {
	cfg, err := config.Load(name, args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil, exitCode(0)
	}
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	log := newLogger(cfg, stderr)
	slog.SetDefault(log)
	kr, err := keys.Open(cfg.DataDir, cfg.MasterKey, log, rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	db, err := sqlstore.Open(ctx, cfg.DB, kr)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if err := db.Migrate(ctx, log); err != nil {
		db.Close()
		return nil, err
	}
	icfg := identity.DefaultConfig
	icfg.TermsVersion, icfg.PrivacyVersion, icfg.SessionTTL = cfg.TermsVersion, cfg.PrivacyVersion, cfg.SessionTTL
	if getenv("VERIWALLET_INSECURE_FAST_HASH") == "1" { // tests only: cheap argon2 parameters
		icfg.Argon2 = identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
	}
	return &app{cfg: cfg, log: log, keys: kr, db: db, accounts: identity.NewService(db.Accounts(), icfg, nil, nil)}, nil
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	a, err := open(ctx, "serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.db.Close()

	blobs, err := blob.NewLocal(filepath.Join(a.cfg.DataDir, "blobs"))
	if err != nil {
		return err
	}
	sealed := blob.NewEncrypted(blobs, a.keys)
	gcfg := document.DefaultConfig()
	gcfg.Limits.MaxBytes = a.cfg.MaxUploadBytes
	gate, err := document.NewGate(gcfg)
	if err != nil {
		return err
	}
	docs := document.NewService(gate, a.db.Documents(), sealed, nil)
	uploads, err := upload.New(upload.Config{Records: a.db.Uploads(), Blobs: sealed,
		MaxSize: a.cfg.MaxUploadBytes, TrustProxy: a.cfg.TrustProxy, Log: a.log, WriteError: api.WriteError})
	if err != nil {
		return err
	}
	go every(ctx, 10*time.Minute, func() {
		if n, err := uploads.Cleanup(ctx); err != nil {
			a.log.Error("upload cleanup", "err", err)
		} else if n > 0 {
			a.log.Info("expired uploads removed", "count", n)
		}
	})

	queue, err := jobs.New(a.db, a.log, 0)
	if err != nil {
		return err
	}
	if err := queue.Migrate(ctx); err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	cases := a.db.Cases(queue)
	verif := &verification.Service{Store: cases, Levels: verification.DefaultLevels(), Documents: docs,
		IdentityKey: a.keys.BlindIndex("verification-identity-key", []byte("v1")),
		Sender:      verification.LogSender{Log: a.log}, Log: a.log}
	queue.Verification = verif
	if err := queue.Start(ctx); err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_ = queue.Stop(sctx)
	}()

	h := server.New(server.Deps{
		Verification: verif, Messages: cases, Handoffs: a.db.Accounts(),
		Accounts: a.accounts, Uploads: uploads, Documents: docs, MaxUpload: a.cfg.MaxUploadBytes, Log: a.log, TrustProxy: a.cfg.TrustProxy, SecureCookie: a.cfg.SecureCookies,
		Version: versionString(),
		Checks: []server.Check{
			{Name: "database", Check: func(ctx context.Context) error { return a.db.PingContext(ctx) }},
			{Name: "migrations", Check: func(ctx context.Context) error {
				pending, err := a.db.Pending(ctx)
				if err == nil && pending {
					err = errors.New("migrations pending")
				}
				return err
			}},
		},
	})
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		MaxHeaderBytes: 64 << 10}
	a.log.Info("veriwallet listening", "addr", ln.Addr().String(), "engine", a.db.Engine, "version", versionString())
	fmt.Fprintf(stdout, "veriwallet listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// every runs fn now and then every d until ctx ends.
func every(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		fn()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	a, err := open(ctx, "migrate", args, getenv, stderr)
	if err != nil {
		return err
	}
	a.log.Info("migrations done")
	return a.db.Close()
}

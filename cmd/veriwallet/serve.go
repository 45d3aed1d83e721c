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
	"os"
	"time"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/config"
	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/jobs"
	"github.com/veriwallet/veriwallet/internal/keys"
	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/mail"
	"github.com/veriwallet/veriwallet/internal/ocr"
	_ "github.com/veriwallet/veriwallet/internal/ocr/tesseract" // the MRZ strip engine
	"github.com/veriwallet/veriwallet/internal/review"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/verification"
	"github.com/veriwallet/veriwallet/internal/wallet"
)

// wired is the opened configuration, keys and database.
type wired struct {
	cfg      *config.Config
	log      *slog.Logger
	keys     *keys.Keyring
	db       *sqlstore.DB
	accounts *identity.Service
	icfg     identity.Config
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
func open(ctx context.Context, name string, args []string, getenv func(string) string, stderr io.Writer) (*wired, error) {
	cfg, err := config.Load(name, args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil, exitCode(0)
	}
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	log := newLogger(cfg, stderr)
	slog.SetDefault(log)
	kr, err := keys.OpenFile(cfg.KeyFile, cfg.MasterKey, log, rand.Reader)
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
	if err := db.CheckKeyring(ctx, kr); err != nil {
		db.Close()
		return nil, fmt.Errorf("keys: the keyring (%s) cannot open data already in this database (%w); "+
			"every server on one database must use the same key file (--key-file on storage they share): refusing to start", keyringSource(cfg), err)
	}
	icfg := identity.DefaultConfig
	icfg.TermsVersion, icfg.PrivacyVersion, icfg.SessionTTL = cfg.TermsVersion, cfg.PrivacyVersion, cfg.SessionTTL
	if getenv("VERIWALLET_INSECURE_FAST_HASH") == "1" { // tests only: cheap argon2 parameters
		icfg.Argon2 = identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
	}
	return &wired{cfg: cfg, log: log, keys: kr, db: db, icfg: icfg, accounts: identity.NewService(db.Accounts(), icfg, nil, nil)}, nil
}

func keyringSource(cfg *config.Config) string {
	if cfg.MasterKey != "" {
		return "VERIWALLET_MASTER_KEY"
	}
	return cfg.KeyFile
}

// testOptions, when set (only by this package's tests, in a child
// process), adjusts the application's options: a slow document reader
// lets a test kill the server in the middle of a case.
var testOptions func(*app.Options)

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	a, err := open(ctx, "serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.db.Close()
	// The blob store first: a wrong bucket or key stops the start at once.
	blobs, err := openBlobs(ctx, a.cfg, a.log)
	if err != nil {
		return err
	}
	a.log.Info("blob store ready", "blob", a.cfg.Blob)

	// Document reading: one reader per core (jobs.Workers: as many as the
	// queue runs readings and decisions at once), engines loaded once.
	// Without it veriwallet still runs; cases that need it go to a
	// reviewer, and /readyz says why.
	pool, st := ocr.OpenPool(ocr.Dir(), jobs.Workers())
	if pool == nil {
		a.log.Warn("document reading unavailable", "detail", st.Detail)
	} else {
		a.log.Info("document reading ready", "engines", st.Engines)
		defer pool.Close()
	}
	faces, analyzer, faceTh, err := openFaces(a.cfg, a.log)
	if err != nil {
		return err
	}
	if faces != nil {
		defer faces.Close()
	}
	var levels *verification.Levels
	if a.cfg.LevelsFile != "" {
		b, err := os.ReadFile(a.cfg.LevelsFile)
		if err != nil {
			return fmt.Errorf("levels: %w", err)
		}
		l, err := verification.ParseLevels(b)
		if err != nil {
			return fmt.Errorf("levels %s: %w", a.cfg.LevelsFile, err)
		}
		levels = &l
	}
	var sender verification.PhoneSender
	if a.cfg.SMSURL != "" {
		sender = verification.HTTPSender{URL: a.cfg.SMSURL, Secret: []byte(a.cfg.SMSSecret)}
	} else if !a.cfg.Dev {
		return config.ErrDevSender
	}
	var mailer identity.Mailer
	if a.cfg.SMTPURL != "" {
		m, err := mail.Parse(a.cfg.SMTPURL)
		if err != nil {
			return err
		}
		mailer = m
	}
	rules, err := review.LoadRiskRules(a.cfg.RiskFile)
	if err != nil {
		return err
	}
	assets, err := ledger.ParseAssets(a.cfg.WalletAssets)
	if err != nil {
		return fmt.Errorf("wallet-assets: %w", err)
	}
	opts := app.Options{DB: a.db, Keys: a.keys, DataDir: a.cfg.DataDir, Blobs: blobs, Log: a.log,
		Reader: app.OCRReader(pool, st), Levels: levels, Sender: sender,
		Faces: analyzer, FaceThresholds: faceTh,
		Accounts: a.icfg, MaxUpload: a.cfg.MaxUploadBytes, TrustProxy: a.cfg.TrustProxy, SecureCookie: a.cfg.SecureCookies,
		Version:         versionString(),
		AuditAnchorFile: a.cfg.AuditAnchorFile, AuditAnchorURL: a.cfg.AuditAnchorURL, Risk: &rules,
		JobTimeout: a.cfg.JobTimeout, RescueAfter: a.cfg.RescueAfter,
		RegisterLimit: a.cfg.RegisterLimit, AllowedOrigins: a.cfg.AllowedOrigins,
		PhoneLimits: &verification.PhoneLimits{PerMinute: a.cfg.SMSPerPhoneMinute, PerHour: a.cfg.SMSPerPhoneHour,
			PerDay: a.cfg.SMSPerPhoneDay, PerUserDay: a.cfg.SMSPerUserDay, PerClientHour: a.cfg.SMSPerClientHour,
			MaxFailures: verification.DefaultPhoneLimits.MaxFailures},
		DocumentQuota: &document.Quota{MaxDocuments: a.cfg.DocumentQuota, MaxBytes: a.cfg.DocumentQuotaBytes},
		RefusedTTL:    a.cfg.RefusedDocumentTTL,
		Mailer:        mailer, PublicURL: a.cfg.PublicURL, Retention: a.cfg.Retention, Internal: a.cfg.InternalAddr != "",
		Wallet: ledger.Config{Assets: assets, HoldTTL: a.cfg.WithdrawalHoldTTL}}
	if opts.WithdrawalTOTPAbove, err = wallet.ParseWithdrawalTOTP(a.cfg.WithdrawalTOTPAbove, assets); err != nil {
		return err
	}
	if getenv("VERIWALLET_INSECURE_WALLET_UNCHECKED") == "1" { // tests and benchmarks of the ledger alone
		a.log.Warn("VERIWALLET_INSECURE_WALLET_UNCHECKED: payments need no payment password, verification level or limits")
		opts.WalletUnchecked = true
	}
	if a.cfg.AMLRulesFile != "" {
		b, err := os.ReadFile(a.cfg.AMLRulesFile)
		if err != nil {
			return fmt.Errorf("aml-rules: %w", err)
		}
		aml, err := wallet.ParseAMLConfig(b, assets)
		if err != nil {
			return fmt.Errorf("aml-rules %s: %w", a.cfg.AMLRulesFile, err)
		}
		opts.AML = &aml
	}
	if getenv("VERIWALLET_UNSAFE_LOCAL_TUS_LOCK") == "1" { // tests only: see cluster/
		a.log.Warn("VERIWALLET_UNSAFE_LOCAL_TUS_LOCK: the upload lock is in this process; never run several replicas so")
		opts.UnsafeLocalUploadLock = true
	}
	if testOptions != nil {
		testOptions(&opts)
	}
	application, err := app.New(ctx, opts)
	if err != nil {
		return err
	}
	// The background work (jobs, sweeps) outlives the signal: it stops after
	// the requests in flight, softly (stop).
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	if err := application.Start(bg); err != nil {
		return err
	}
	// Replicas sharing the key file adopt a key rotated on any of them.
	go a.keys.Watch(bg, 10*time.Second, a.log)
	stopped := false
	stop := func(budget time.Duration) {
		if stopped {
			return
		}
		stopped = true
		sctx, cancel := context.WithTimeout(context.Background(), budget)
		defer cancel()
		if err := application.Stop(sctx); err != nil {
			a.log.Error("stopping the job queue", "err", err)
		}
		stopBG()
	}
	defer stop(15 * time.Second)
	h := application.Handler
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return err
	}
	// ReadTimeout bounds a whole request body: generous, since a 10 MB
	// photo on a slow mobile link takes minutes (tus clients send 1 MB chunks).
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	// Open event streams never go idle: end them when shutdown starts.
	srv.RegisterOnShutdown(application.Events.Close)
	a.log.Info("veriwallet listening", "addr", ln.Addr().String(), "engine", a.db.Engine, "version", versionString())
	fmt.Fprintf(stdout, "veriwallet listening on http://%s\n", ln.Addr())
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if application.Internal != nil {
		iln, err := net.Listen("tcp", a.cfg.InternalAddr)
		if err != nil {
			return err
		}
		isrv := &http.Server{Handler: application.Internal, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
			WriteTimeout: time.Minute, IdleTimeout: 120 * time.Second}
		a.log.Info("internal listener (metrics, readiness details)", "addr", iln.Addr().String())
		fmt.Fprintf(stdout, "veriwallet internal listener on http://%s\n", iln.Addr())
		go func() { errc <- isrv.Serve(iln) }()
		defer isrv.Close()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return shutdown(a.log, application, srv, drainDelay(getenv), stop)
}

// drainDelay is how long /readyz answers 503 before the listener closes
// (VERIWALLET_SHUTDOWN_DRAIN, default 3 s: a balancer checking every
// second sees it), so no new request is sent to a server going away.
func drainDelay(getenv func(string) string) time.Duration {
	if d, err := time.ParseDuration(getenv("VERIWALLET_SHUTDOWN_DRAIN")); err == nil && d >= 0 && d <= 10*time.Second {
		return d
	}
	return 3 * time.Second
}

// shutdown stops within 30 s of SIGTERM: /readyz turns 503 (drain), then
// the listener closes and the requests in flight finish (up to 15 s), then
// the job queue stops, letting running jobs finish and cancelling those
// still running near the end (they are retried by another server), within
// the rest of the 30 s.
func shutdown(log *slog.Logger, application *app.App, srv *http.Server, drain time.Duration, stop func(time.Duration)) error {
	start := time.Now()
	log.Info("shutting down: draining", "drain", drain.String())
	application.Drain()
	time.Sleep(drain)
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		log.Warn("requests still in flight at the shutdown deadline", "err", err)
		_ = srv.Close()
	}
	stop(max(29*time.Second-time.Since(start), 5*time.Second))
	log.Info("stopped", "took_ms", time.Since(start).Milliseconds())
	if errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	return err
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	a, err := open(ctx, "migrate", args, getenv, stderr)
	if err != nil {
		return err
	}
	a.log.Info("migrations done")
	return a.db.Close()
}

// Package app wires veriwallet together from an open database and keyring:
// documents, uploads, the job queue, verification and the HTTP handler. The
// binary (cmd/veriwallet), the end-to-end tests and the benchmarks build the
// same application through it, so what is tested is what runs.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/veriwallet/veriwallet/internal/api"
	"github.com/veriwallet/veriwallet/internal/blob"
	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/export"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/jobs"
	"github.com/veriwallet/veriwallet/internal/keys"
	"github.com/veriwallet/veriwallet/internal/notice"
	"github.com/veriwallet/veriwallet/internal/server"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/support"
	"github.com/veriwallet/veriwallet/internal/upload"
	"github.com/veriwallet/veriwallet/internal/verification"
	"github.com/veriwallet/veriwallet/internal/web"
	"github.com/veriwallet/veriwallet/internal/webhook"
)

// Options configure the application.
type Options struct {
	DB             *sqlstore.DB
	Keys           *keys.Keyring
	DataDir        string // blobs go to DataDir/blobs
	Log            *slog.Logger
	Accounts       identity.Config
	MaxUpload      int64
	MaxOpen        int // unfinished uploads per user (0: 5)
	TrustProxy     bool
	SecureCookie   bool
	Version        string
	Levels         *verification.Levels        // nil: the defaults
	Reader         verification.DocumentReader // nil: document reading unavailable
	ReaderStatus   func(context.Context) error // for /readyz (optional component)
	Sender         verification.PhoneSender    // nil: log the codes (development)
	WebhookClient  *http.Client                // nil: the default (10 s timeout, no redirects)
	Poll           time.Duration               // job queue poll interval (0: 200 ms)
	JobTimeout     time.Duration               // longest run of a job (0: jobs.DefaultJobTimeout)
	RescueAfter    time.Duration               // a job running this long (its server died) runs again (0: jobs.DefaultRescueAfter)
	RegisterLimit  int                         // registrations per client address an hour (0: identity's default)
	AllowedOrigins []string                    // origins the upload endpoint answers CORS for (none: same origin only)
	Now            func() time.Time

	// Abuse limits (issue 11).
	PhoneLimits   *verification.PhoneLimits // nil: verification.DefaultPhoneLimits
	DocumentQuota *document.Quota           // nil: document.DefaultQuota
	RefusedTTL    time.Duration             // refused documents' files kept this long (0: 24 h)
	SweepEvery    time.Duration             // how often they are looked for (0: 15 min)
	// MaintenanceEvery is how often ended maintenance windows are looked
	// for, to release the submissions held during them (0: 15 s).
	MaintenanceEvery time.Duration

	// Accounts for real life (issue 16).
	Mailer    identity.Mailer           // password recovery links by e-mail (nil: not sent)
	PublicURL string                    // the site's address in e-mailed links
	Retention time.Duration             // closed accounts' identity records kept this long (0: 5 years)
	Blockers  []identity.ClosureBlocker // besides open reviews: balances, holds, tickets (wired as they land)
	Internal  bool                      // /metrics and /readyz details go to App.Internal (an internal listener)
	// ExportSources add sections to the personal data export (tickets,
	// transactions) after the account, verifications, documents and messages.
	ExportSources []export.Source
}

// App is the wired application.
type App struct {
	Handler       http.Handler
	Accounts      *identity.Service
	Documents     *document.Service
	Uploads       *upload.Handler
	Verifications *verification.Service
	Cases         *sqlstore.Cases
	Queue         *jobs.Queue
	Webhooks      *webhook.Service
	// Internal serves /metrics and /readyz details when Options.Internal.
	Internal     http.Handler
	db           *sqlstore.DB
	now          func() time.Time
	blobs        blob.Store // encrypting
	extraSources []export.Source
	log          *slog.Logger
	refusedTTL   time.Duration
	sweepEvery   time.Duration

	// Support runs support tickets; Start closes resolved ones after 7 days.
	Support *support.Service
	// Notices runs announcements and maintenance windows; Start releases
	// the submissions held during a window once it ends.
	Notices      *notice.Service
	releaseEvery time.Duration
}

// New builds the application and migrates the job queue's tables.
func New(ctx context.Context, o Options) (*App, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.MaxUpload <= 0 {
		o.MaxUpload = 10 << 20
	}
	blobs, err := blob.NewLocal(filepath.Join(o.DataDir, "blobs"))
	if err != nil {
		return nil, err
	}
	sealed := blob.NewEncrypted(blobs, o.Keys)
	gcfg := document.DefaultConfig()
	gcfg.Limits.MaxBytes = o.MaxUpload
	gate, err := document.NewGate(gcfg)
	if err != nil {
		return nil, err
	}
	if o.RegisterLimit > 0 {
		o.Accounts.MaxRegistrations = o.RegisterLimit
	}
	a := &App{log: o.Log, db: o.DB, now: o.Now, blobs: sealed, extraSources: o.ExportSources}
	if a.now == nil {
		a.now = time.Now
	}
	a.Accounts = identity.NewService(o.DB.Accounts(), o.Accounts, o.Now, nil)
	a.Documents = document.NewService(gate, o.DB.Documents(), sealed, o.Now)
	if o.DocumentQuota != nil {
		a.Documents.Quota = *o.DocumentQuota
	}
	a.refusedTTL, a.sweepEvery = o.RefusedTTL, o.SweepEvery
	a.Uploads, err = upload.New(upload.Config{Records: o.DB.Uploads(), Blobs: sealed, MaxSize: o.MaxUpload, MaxOpen: o.MaxOpen,
		TrustProxy: o.TrustProxy, AllowedOrigins: o.AllowedOrigins, Log: o.Log, WriteError: api.WriteError, Now: o.Now})
	if err != nil {
		return nil, err
	}
	a.Queue, err = jobs.New(o.DB, o.Log, jobs.Options{Poll: o.Poll, JobTimeout: o.JobTimeout, RescueAfter: o.RescueAfter})
	if err != nil {
		return nil, err
	}
	if err := a.Queue.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("job queue migrations: %w", err)
	}
	a.Webhooks = webhook.NewService(o.DB.Webhooks(), o.WebhookClient, o.Now, nil)
	a.Queue.Webhooks = struct {
		*webhook.Service
		*sqlstore.Webhooks
	}{a.Webhooks, o.DB.Webhooks()}
	reg := prometheus.NewRegistry()
	a.Queue.Register(reg)
	a.Cases = o.DB.Cases(a.Queue)
	levels := verification.DefaultLevels()
	if o.Levels != nil {
		levels = *o.Levels
	}
	sender := o.Sender
	if sender == nil {
		sender = verification.LogSender{Log: o.Log}
	}
	a.Verifications = &verification.Service{Store: a.Cases, Levels: levels, Documents: a.Documents, Reader: o.Reader,
		Readings:    o.DB.Readings(a.Queue),
		IdentityKey: o.Keys.BlindIndex("verification-identity-key", []byte("v1")), Sender: sender, Now: o.Now, Log: o.Log,
		Consent: a.Accounts, PhoneLimits: o.PhoneLimits}
	a.Queue.Verification = a.Verifications
	a.Queue.Exports = a
	phoneLimits := verification.DefaultPhoneLimits
	if o.PhoneLimits != nil {
		phoneLimits = *o.PhoneLimits
	}
	a.Accounts.SetLifecycle(identity.Lifecycle{Codes: sender, Mail: o.Mailer, PublicURL: o.PublicURL, Log: o.Log,
		// Recovery codes count like verification codes: the target is the
		// "phone" (and the "user", unknown for a stranger), plus the client.
		CodeLimits: func(now time.Time, target, client []time.Time) error {
			return phoneLimits.Check(now, verification.PhoneSends{Phone: target, User: target, Client: client})
		},
		Device: web.Device, Retention: o.Retention, Blockers: append([]identity.ClosureBlocker{a.Cases}, o.Blockers...),
		Recovery: recoveryCases{a}})

	var mailer support.Mailer
	if o.Mailer != nil {
		mailer = o.Mailer
	}
	a.Notices = &notice.Service{Store: o.DB.Notices(), Now: o.Now}
	a.Verifications.Hold = a.Notices.Held
	a.releaseEvery = o.MaintenanceEvery
	a.Support = &support.Service{Store: o.DB.Support(), Documents: a.Documents, Cases: a.Verifications, Users: o.DB.Accounts(),
		Mail: mailer, PublicURL: o.PublicURL, Now: o.Now, Log: o.Log}

	checks := []server.Check{
		{Name: "database", Check: func(ctx context.Context) error { return o.DB.PingContext(ctx) }},
		{Name: "migrations", Check: func(ctx context.Context) error {
			pending, err := o.DB.Pending(ctx)
			if err == nil && pending {
				err = errors.New("migrations pending")
			}
			return err
		}},
	}
	readerStatus := o.ReaderStatus
	if readerStatus == nil {
		readerStatus = func(context.Context) error {
			if o.Reader == nil {
				return errors.New("document reading (OCR) is not installed: cases that need it go to a reviewer; run scripts/setup.sh")
			}
			return o.Reader.Available()
		}
	}
	checks = append(checks, server.Check{Name: "ocr", Optional: true, Check: readerStatus})
	a.Handler = server.New(server.Deps{
		Accounts: a.Accounts, Uploads: a.Uploads, Documents: a.Documents, MaxUpload: o.MaxUpload,
		Verification: a.Verifications, Messages: a.Cases, Handoffs: o.DB.Accounts(),
		Webhooks: a.Webhooks, Redeliver: a.Queue.Redeliver, Audit: o.DB.Audit(),
		Log: o.Log, TrustProxy: o.TrustProxy, SecureCookie: o.SecureCookie, Version: o.Version, Checks: checks, Registry: reg,
		AllowedOrigins: o.AllowedOrigins, Internal: o.Internal, Exports: a,
		Support: a.Support, Notices: a.Notices, StatusProbes: a.statusProbes(o, readerStatus),
	})
	if o.Internal {
		a.Internal = server.InternalHandler(reg, checks)
	}
	return a, nil
}

// Start starts the background work: the job queue and the cleanup of
// expired uploads, until ctx ends or Stop.
func (a *App) Start(ctx context.Context) error {
	if err := a.Queue.Start(ctx); err != nil {
		return err
	}
	go a.sweepRefused(ctx)
	go a.closeResolvedTickets(ctx)
	go a.releaseHeld(ctx)
	go a.purgeClosed(ctx)
	go func() {
		t := time.NewTicker(10 * time.Minute)
		defer t.Stop()
		for {
			if n, err := a.Uploads.Cleanup(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("upload cleanup", "err", err)
			} else if n > 0 {
				a.log.Info("expired uploads removed", "count", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}

// Stop stops the job queue, letting running jobs finish (within ctx).
func (a *App) Stop(ctx context.Context) error { return a.Queue.Stop(ctx) }

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
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/veriwallet/veriwallet/internal/api"
	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/blob"
	"github.com/veriwallet/veriwallet/internal/casefeed"
	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/export"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/jobs"
	"github.com/veriwallet/veriwallet/internal/keys"
	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/notice"
	"github.com/veriwallet/veriwallet/internal/review"
	"github.com/veriwallet/veriwallet/internal/screening"
	"github.com/veriwallet/veriwallet/internal/server"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/support"
	"github.com/veriwallet/veriwallet/internal/upload"
	"github.com/veriwallet/veriwallet/internal/verification"
	"github.com/veriwallet/veriwallet/internal/wallet"
	"github.com/veriwallet/veriwallet/internal/web"
	"github.com/veriwallet/veriwallet/internal/webhook"
)

// Options configure the application.
type Options struct {
	DB             *sqlstore.DB
	Keys           *keys.Keyring
	DataDir        string // blobs go to DataDir/blobs unless Blobs is set
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
	// The back office (issue 14): where the audit chain's head is anchored.
	AuditAnchorFile string
	AuditAnchorURL  string
	AnchorEvery     time.Duration     // 0: a minute
	Risk            *review.RiskRules // nil: review.DefaultRiskRules
	// The wallet (issue 12).
	Wallet ledger.Config     // zero: the defaults (CNY, USD, USDT; limits in UTC+8)
	AML    *wallet.AMLConfig // nil: wallet.DefaultAMLConfig
	// WalletUnchecked leaves out the payment password and the level
	// policies (limits): tests and benchmarks of the ledger alone, never
	// production.
	WalletUnchecked bool
	// WithdrawalTOTPAbove: withdrawals above these amounts (asset → smallest
	// units) need the customer's two-factor code (nil or empty: never).
	WithdrawalTOTPAbove map[string]int64
	OutboxEvery         time.Duration // how often the wallet outbox is handled (AML, webhooks; 0: 1 s)
	ExpiryEvery         time.Duration // how often expired holds are released (0: 30 s)
	// UnsafeLocalUploadLock keeps the tus upload lock in this process even
	// on PostgreSQL. Tests only: it shows what the shared lock prevents
	// (two replicas writing one upload); never with several replicas.
	UnsafeLocalUploadLock bool
	// UploadLocks is how many upload locks this process may hold at once
	// on PostgreSQL (each on a connection of its own; 0: 16).
	UploadLocks int32

	// Blobs stores documents, upload segments and attachments (an S3
	// bucket, a directory; issue 17); New seals everything with Keys
	// before it gets there. nil: a local store in DataDir/blobs.
	Blobs blob.Store
	// Faces (issue 18) compares selfies with document portraits (nil: face
	// models not installed; cases that need a selfie go to a reviewer, and
	// /readyz says so without taking the replica out of the balancer).
	Faces          verification.FaceAnalyzer
	FaceThresholds verification.FaceThresholds
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
	uploadLocker *sqlstore.UploadLocker // PostgreSQL: the tus lock shared by the replicas
	draining     atomic.Bool            // shutting down: /readyz answers 503 so the balancer drains
	Screening    *screening.Service
	// Anchor writes the audit chain's head outside the database (nil: not configured).
	Anchor *audit.Anchorer
	// Review is the back office (queue, claims, four eyes, risk); the
	// wallet and screening plug in through its Sources, Wallets and Freeze.
	Review      *review.Service
	Wallet      *ledger.Service
	Surface     *api.WalletSurface // payment passwords, payees, receive codes, API keys, AML
	expiryEvery time.Duration
	outboxEvery time.Duration

	// Support runs support tickets; Start closes resolved ones after 7 days.
	Support *support.Service
	// Notices runs announcements and maintenance windows; Start releases
	// the submissions held during a window once it ends.
	Notices      *notice.Service
	releaseEvery time.Duration
	// Events tells the pages watching a case that it changed, whichever
	// server committed the change (casefeed; Start feeds it from the
	// database, Stop ends its streams).
	Events *casefeed.Hub
}

// New builds the application and migrates the job queue's tables.
func New(ctx context.Context, o Options) (*App, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.MaxUpload <= 0 {
		o.MaxUpload = 10 << 20
	}
	blobs := o.Blobs
	if blobs == nil {
		l, err := blob.NewLocal(filepath.Join(o.DataDir, "blobs"))
		if err != nil {
			return nil, err
		}
		blobs = l
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
	if o.AuditAnchorFile != "" || o.AuditAnchorURL != "" {
		a.Anchor = &audit.Anchorer{Store: o.DB.Audit(), File: o.AuditAnchorFile, URL: o.AuditAnchorURL, Every: o.AnchorEvery, Log: o.Log, Now: o.Now}
	}
	var locker upload.Locker
	if o.DB.Engine == sqlstore.Postgres && !o.UnsafeLocalUploadLock {
		ul, err := o.DB.NewUploadLocker(ctx, o.Log, o.UploadLocks)
		if err != nil {
			return nil, err
		}
		a.uploadLocker, locker = ul, ul
	}
	a.Uploads, err = upload.New(upload.Config{Records: o.DB.Uploads(), Blobs: sealed, MaxSize: o.MaxUpload, MaxOpen: o.MaxOpen,
		TrustProxy: o.TrustProxy, AllowedOrigins: o.AllowedOrigins, Log: o.Log, WriteError: api.WriteError, Now: o.Now, Locker: locker})
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
		Consent: a.Accounts, PhoneLimits: o.PhoneLimits, Faces: o.Faces, FaceThresholds: o.FaceThresholds}
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
		Device: web.Device, Retention: o.Retention, Blockers: append([]identity.ClosureBlocker{a.Cases, walletLinks{a}}, o.Blockers...),
		Recovery: recoveryCases{a}})
	a.Screening = &screening.Service{Store: o.DB.Screening(a.Queue), Cases: a.Verifications, Log: o.Log, Now: o.Now}
	if err := a.Screening.Load(ctx); err != nil {
		return nil, fmt.Errorf("screening lists: %w", err)
	}
	a.Verifications.Screener = a.Screening
	a.Queue.Screening = a.Screening
	reg.MustRegister(screeningCollector{a.Screening})
	// The back office: queue, claims, four eyes, reveals, risk.
	rules := review.DefaultRiskRules()
	if o.Risk != nil {
		rules = *o.Risk
	}
	a.Review = &review.Service{Store: o.DB.Backoffice(), Cases: a.Verifications, Audit: o.DB.Audit(), Risk: rules, Now: o.Now}
	a.Review.Sources = append(a.Review.Sources, screeningItems(a.Screening))
	a.Verifications.Risk = &review.Scorer{Service: a.Review, History: a.Verifications, Levels: &a.Verifications.Levels,
		Hits: openHits(a.Screening)}
	if o.Wallet.Committers == 0 && o.DB.Engine == sqlstore.Postgres {
		// two batches in flight overlap their round trips; the row locks
		// (taken in id order) keep them apart, as between servers
		o.Wallet.Committers = 2
	}
	a.Wallet = ledger.NewService(o.DB.Ledger(o.Wallet.Location), o.Wallet)
	a.Wallet.Log = o.Log
	if o.Now != nil {
		a.Wallet.Now = o.Now
	}
	a.expiryEvery = o.ExpiryEvery
	surface, err := a.walletSurface(o, levels)
	if err != nil {
		return nil, err
	}
	// The wallet plugs into the back office, screening, closing and the export.
	links := walletLinks{a}
	a.Review.Freeze, a.Review.Wallets, a.Review.Txns = links, links, links
	a.Review.Sources = append(a.Review.Sources, walletAlerts(a))
	if sc, ok := a.Verifications.Risk.(*review.Scorer); ok {
		sc.Alerts = alertCount(a)
	}
	a.Screening.Wallets = screeningFreezer{a}
	a.extraSources = append(a.extraSources, links)
	if a.Wallet.Passwords != nil {
		a.Wallet.Passwords = sendsBlocked{a.Wallet.Passwords, a}
	}
	if len(o.WithdrawalTOTPAbove) > 0 {
		a.Wallet.SecondFactors = &wallet.WithdrawalTOTP{Accounts: a.Accounts, PINs: surface.PaymentPasswords, Above: o.WithdrawalTOTPAbove}
	}

	var mailer support.Mailer
	if o.Mailer != nil {
		mailer = o.Mailer
	}
	a.Notices = &notice.Service{Store: o.DB.Notices(), Now: o.Now}
	a.Verifications.Hold = a.Notices.Held
	a.releaseEvery = o.MaintenanceEvery
	a.Support = &support.Service{Store: o.DB.Support(), Documents: a.Documents, Cases: a.Verifications, Users: o.DB.Accounts(),
		Mail: mailer, PublicURL: o.PublicURL, Now: o.Now, Log: o.Log}

	a.Events = casefeed.New(casefeed.Options{Log: o.Log})
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "veriwallet_case_event_streams",
		Help: "Case event streams (Server-Sent Events) open on this server."}, func() float64 { return float64(a.Events.Streams()) }))

	checks := []server.Check{
		{Name: "shutdown", Check: func(context.Context) error {
			if a.draining.Load() {
				return errors.New("shutting down: finishing the requests in flight")
			}
			return nil
		}},
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
	if c, ok := blobs.(interface{ Check(context.Context) error }); ok {
		// Optional: without the blob store uploads fail (503), but logins
		// and the wallet work on; a balancer should keep the replica.
		checks = append(checks, server.Check{Name: "blob", Optional: true, Check: c.Check})
	}
	checks = append(checks, facesCheck(o.Faces))
	checks = append(checks, screeningCheck(a.Screening))
	a.Handler = server.New(server.Deps{
		Accounts: a.Accounts, Uploads: a.Uploads, Documents: a.Documents, MaxUpload: o.MaxUpload,
		Verification: a.Verifications, Messages: a.Cases, Handoffs: o.DB.Accounts(),
		Webhooks: a.Webhooks, Redeliver: a.Queue.Redeliver, Audit: o.DB.Audit(), Review: a.Review, Wallet: a.Wallet, WalletSurface: surface,
		Log: o.Log, TrustProxy: o.TrustProxy, SecureCookie: o.SecureCookie, Version: o.Version, Checks: checks, Registry: reg,
		AllowedOrigins: o.AllowedOrigins, Internal: o.Internal, Exports: a, Screening: a.Screening,
		Support: a.Support, Notices: a.Notices, StatusProbes: a.statusProbes(o, readerStatus), Events: a.Events,
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
	go a.Events.Run(ctx, a.db.CaseSignals())
	go a.sweepRefused(ctx)
	go a.closeResolvedTickets(ctx)
	go a.releaseHeld(ctx)
	go a.purgeClosed(ctx)
	if a.Anchor != nil {
		go a.Anchor.Run(ctx)
	}
	// The daily job that raises periodic reviews that fell due.
	go a.Review.RunDaily(ctx, 24*time.Hour, func(n int, err error) {
		if err != nil {
			a.log.Error("periodic reviews", "err", err)
		} else {
			a.log.Info("periodic reviews due", "count", n)
		}
	})
	a.Wallet.Start()
	go a.Wallet.RunExpiry(ctx, a.expiryEvery)
	go a.Surface.Monitor.Run(ctx, a.outboxEvery, a.Wallet.Assets())
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

// Drain makes /readyz answer 503 from now on, so a load balancer stops
// sending requests here before the server stops taking them.
func (a *App) Drain() { a.draining.Store(true) }

// Stop stops the job queue, letting running jobs finish (within ctx), and
// anchors the audit chain's head a last time.
func (a *App) Stop(ctx context.Context) error {
	a.Events.Close() // open event streams end (their pages poll, then reconnect elsewhere)
	err := a.Queue.Stop(ctx)
	if a.Anchor != nil {
		if aerr := a.Anchor.AnchorNow(ctx); aerr != nil {
			a.log.Error("audit anchor at shutdown", "err", aerr)
		}
	}
	a.Wallet.Close() // answers what is queued, then stops
	if a.uploadLocker != nil {
		a.uploadLocker.Close()
	}
	return err
}

// Package server puts veriwallet's HTTP surface together: the JSON API, the
// web pages, health and readiness probes and metrics, behind request ids,
// access logs, panic recovery and cross-origin (CSRF) protection.
package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/veriwallet/veriwallet/internal/api"
	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/casefeed"
	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/httpx"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/notice"
	"github.com/veriwallet/veriwallet/internal/review"
	"github.com/veriwallet/veriwallet/internal/screening"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/support"
	"github.com/veriwallet/veriwallet/internal/upload"
	"github.com/veriwallet/veriwallet/internal/verification"
	"github.com/veriwallet/veriwallet/internal/web"
	"github.com/veriwallet/veriwallet/internal/webhook"
)

// Check is one readiness check: nil when the component is ready.
type Check struct {
	Name     string
	Check    func(context.Context) error
	Optional bool // reported, but does not make the service unready
	// Info, when set, describes a ready component (list versions and ages).
	Info func(context.Context) string
}

// Deps are what the server serves.
type Deps struct {
	Accounts     *identity.Service
	Uploads      *upload.Handler
	Documents    *document.Service
	Verification *verification.Service
	Messages     *sqlstore.Cases
	Handoffs     identity.HandoffStore
	Webhooks     *webhook.Service
	Audit        audit.Store
	Review       *review.Service // the back office (nil: its routes answer 503)
	Redeliver    func(ctx context.Context, deliveryID string) error
	MaxUpload    int64
	Log          *slog.Logger
	Checks       []Check
	TrustProxy   bool
	SecureCookie bool
	Version      string
	Registry     *prometheus.Registry // nil: a new one
	Wallet       *ledger.Service      // nil: the wallet routes answer 503
	// WalletSurface: payment passwords, payees, receive codes, API keys,
	// AML alerts (nil: those routes answer 503).
	WalletSurface *api.WalletSurface
	// AllowedOrigins may make cross-origin requests to the upload endpoint
	// (tus clients on another site); none: same origin only.
	AllowedOrigins []string
	// Internal moves /metrics and the details of /readyz to InternalHandler
	// (an internal listener); the public /readyz then answers its status
	// code and word only, for load balancers.
	Internal bool
	// Exports makes personal data exports (nil: not available).
	Exports   api.Exports
	Screening *screening.Service // nil: screening routes answer 503
	// Support runs support tickets (nil: not available).
	Support *support.Service
	// Notices runs announcements, maintenance and incidents; StatusProbes
	// measure the status page's components.
	Notices      *notice.Service
	StatusProbes []notice.Probe
	// Events: the case event hub behind GET /api/v1/verifications/{id}/events (nil: pages poll).
	Events *casefeed.Hub
}

// New returns the whole HTTP handler.
func New(d Deps) http.Handler {
	reg := d.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := httpx.NewMetrics(reg)

	a := &api.API{Accounts: d.Accounts, Uploads: d.Uploads, Documents: d.Documents, MaxUploadBytes: d.MaxUpload,
		Verifications: d.Verification, Messages: d.Messages, Handoffs: d.Handoffs,
		Webhooks: d.Webhooks, Redeliver: d.Redeliver, Audit: d.Audit, Log: d.Log, TrustProxy: d.TrustProxy, SecureCookie: d.SecureCookie,
		Exports: d.Exports, Screening: d.Screening, Review: d.Review, Wallet: d.Wallet, Surface: d.WalletSurface,
		Support: d.Support, Notices: d.Notices, StatusProbes: d.StatusProbes, Events: d.Events}
	wb := &web.Web{Accounts: d.Accounts, Log: d.Log, TrustProxy: d.TrustProxy, SecureCookie: d.SecureCookie,
		Verifications: d.Verification, Review: d.Review, Audit: d.Audit,
		Support: d.Support, Notices: d.Notices, Documents: d.Documents, StatusProbes: d.StatusProbes, MaxUpload: d.MaxUpload}
	if d.Audit != nil {
		wb.AuditRead = func(r *http.Request, action, subject string) error {
			_, u, err := d.Accounts.Authenticate(r.Context(), httpx.Token(r))
			if err != nil {
				return err
			}
			return d.Audit.Append(r.Context(), &audit.Event{At: time.Now(), Actor: "user:" + u.ID + " (" + string(u.Role) + ")",
				Action: action, Subject: subject, RequestID: httpx.RequestID(r.Context())})
		}
	}
	if d.Exports != nil {
		wb.ExportState = func(ctx context.Context, userID string) (web.ExportState, error) {
			e, err := d.Exports.LatestExport(ctx, userID)
			if err != nil {
				return web.ExportState{}, err
			}
			return web.ExportState{ID: e.ID, Status: e.Status, Expires: e.ExpiresAt}, nil
		}
		wb.RequestExport = func(ctx context.Context, userID string) error {
			_, err := d.Exports.RequestExport(ctx, userID)
			return err
		}
	}
	if d.Wallet != nil && d.WalletSurface != nil {
		wb.Wallet = &web.WalletPages{Ledger: d.Wallet, Pins: d.WalletSurface.PaymentPasswords, Payees: d.WalletSurface.Payees,
			Requests: d.WalletSurface.Requests}
	}
	if d.Messages != nil {
		wb.Inbox = func(ctx context.Context, userID string) ([]web.Message, error) {
			ms, err := d.Messages.Messages(ctx, userID, 50)
			out := make([]web.Message, 0, len(ms))
			for _, m := range ms {
				out = append(out, web.Message{CaseID: m.CaseID, TicketID: m.TicketID, Status: m.Status, CreatedAt: m.CreatedAt, Read: m.ReadAt != nil})
			}
			return out, err
		}
	}

	mux := http.NewServeMux()
	mux.Handle("/api/", a.Handler())
	mux.Handle("/", wb.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok","version":"` + d.Version + `"}` + "\n"))
	})
	if d.Internal {
		mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { readyzStatus(w, r, d.Checks) })
	} else {
		mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { readyz(w, r, d.Checks) })
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	}

	cop := http.NewCrossOriginProtection()
	deny := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"error":{"code":"CROSS_ORIGIN_REFUSED","message":"Cross-origin request refused. / 跨站请求已被拒绝。"}}` + "\n"))
	})
	cop.SetDenyHandler(deny)
	h := cop.Handler(mux)
	if len(d.AllowedOrigins) > 0 {
		// The upload endpoint trusts the allowed origins too (it answers
		// their CORS preflights); the rest of the API does not.
		up := http.NewCrossOriginProtection()
		up.SetDenyHandler(deny)
		for _, o := range d.AllowedOrigins {
			if err := up.AddTrustedOrigin(o); err != nil {
				d.Log.Error("allowed origin ignored", "origin", o, "err", err)
			}
		}
		uploads, rest := up.Handler(mux), h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, upload.BasePath) {
				uploads.ServeHTTP(w, r)
				return
			}
			rest.ServeHTTP(w, r)
		})
	}
	return httpx.Observe(h, d.Log, metrics, api.WritePanic)
}

func readyz(w http.ResponseWriter, r *http.Request, checks []Check) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	type result struct {
		Status   string `json:"status"`
		Detail   string `json:"detail,omitempty"`
		Optional bool   `json:"optional,omitempty"`
	}
	out := map[string]result{}
	ready := true
	for _, c := range checks {
		if err := c.Check(ctx); err != nil {
			out[c.Name] = result{Status: "unavailable", Detail: err.Error(), Optional: c.Optional}
			if !c.Optional {
				ready = false
			}
			continue
		}
		res := result{Status: "ok", Optional: c.Optional}
		if c.Info != nil {
			res.Detail = c.Info(ctx)
		}
		out[c.Name] = res
	}
	st, word := http.StatusOK, "ready"
	if !ready {
		st, word = http.StatusServiceUnavailable, "unready"
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(st)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": word, "checks": out})
}

// InternalHandler serves /metrics and the detailed /readyz for an internal
// listener (Deps.Internal). reg is the registry given to New.
func InternalHandler(reg *prometheus.Registry, checks []Check) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { readyz(w, r, checks) })
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

// readyzStatus is the public /readyz when the details are internal: the
// same status code, no component names or errors.
func readyzStatus(w http.ResponseWriter, r *http.Request, checks []Check) {
	rec := &statusOnly{header: http.Header{}}
	readyz(rec, r, checks)
	word := "ready"
	if rec.status != http.StatusOK {
		word = "unready"
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(rec.status)
	_, _ = w.Write([]byte(`{"status":"` + word + `"}` + "\n"))
}

// statusOnly records a response's status and drops its body.
type statusOnly struct {
	header http.Header
	status int
}

func (s *statusOnly) Header() http.Header         { return s.header }
func (s *statusOnly) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusOnly) WriteHeader(st int)          { s.status = st }

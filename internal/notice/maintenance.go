package notice

import (
	"context"
	"net/http"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// Maintenance says whether a maintenance window is in force (Service
// implements it). The wallet's write routes are wrapped in WalletWrites.
type Maintenance interface {
	Active(ctx context.Context) (*Window, error)
}

// ErrMaintenance is the 503 answered to a write during a window; RetryAfter
// is set to the time left (the API writes the Retry-After header from it).
func ErrMaintenance(w *Window, now time.Time) *errs.Error {
	e := errs.New(errs.Unavailable, "MAINTENANCE",
		"The wallet is under maintenance until "+w.EndsAt.In(china).Format("2006-01-02 15:04")+" (Beijing time). Your balance is safe; please try again then. "+w.Note.EN,
		"钱包正在维护，预计于北京时间 "+w.EndsAt.In(china).Format("2006-01-02 15:04")+" 结束。您的资金安全，请届时重试。"+w.Note.ZH)
	e.RetryAfter = max(w.EndsAt.Sub(now), time.Second)
	return e
}

var china = time.FixedZone("CST", 8*3600)

// WalletWrites wraps the wallet's routes: during a window writes (any
// method but GET, HEAD and OPTIONS) answer 503 with Retry-After through
// writeError; reads pass. When the state cannot be read, writes pass too
// (the wallet's own checks still apply).
func WalletWrites(m Maintenance, writeError func(http.ResponseWriter, *http.Request, error), now func() time.Time) func(http.Handler) http.Handler {
	if now == nil {
		now = time.Now
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
			default:
				if win, err := m.Active(r.Context()); err == nil && win != nil {
					writeError(w, r, ErrMaintenance(win, now()))
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

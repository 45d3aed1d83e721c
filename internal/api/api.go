// Package api is veriwallet's JSON API under /api/v1. routes.go lists every
// route; each handler parses its input, calls one service method and writes
// the result or the error. Errors are always
// {"error":{"code","message","field"}} with the message in zh-CN or en by
// Accept-Language, written in one place (writeError).
package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/veriwallet/veriwallet/internal/audit"
	"github.com/veriwallet/veriwallet/internal/casefeed"
	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/httpx"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/notice"
	"github.com/veriwallet/veriwallet/internal/review"
	"github.com/veriwallet/veriwallet/internal/screening"
	"github.com/veriwallet/veriwallet/internal/sqlstore"
	"github.com/veriwallet/veriwallet/internal/support"
	"github.com/veriwallet/veriwallet/internal/upload"
	"github.com/veriwallet/veriwallet/internal/verification"
	"github.com/veriwallet/veriwallet/internal/wallet"
	"github.com/veriwallet/veriwallet/internal/webhook"
)

// MaxJSONBody is the largest JSON request body accepted.
const MaxJSONBody = 1 << 20

// API serves the JSON API.
type API struct {
	Accounts  *identity.Service
	Uploads   *upload.Handler
	Documents *document.Service
	// Verifications runs cases; Messages lists the in-app messages.
	Verifications *verification.Service
	Messages      *sqlstore.Cases
	// Handoffs keeps hand-off links (an identity.HandoffStore).
	Handoffs any
	// Audit records staff reads and decisions (append-only, hash-chained).
	Audit audit.Store
	// Review is the back office: queue, claims, four eyes, reveals, risk.
	Review *review.Service
	// Webhooks manages the operator's endpoints; Redeliver queues a delivery.
	Webhooks  *webhook.Service
	Redeliver func(ctx context.Context, deliveryID string) error
	// Screening searches the sanctions and PEP lists and keeps the hits
	// reviewers decide; nil: not configured.
	Screening *screening.Service
	// Wallet is the ledger (nil: the wallet routes answer 503);
	// WalletAdmin authorises its admin routes (nil: an admin's session).
	Wallet      *ledger.Service
	WalletAdmin WalletAdmin
	// Surface is the wallet's customer surface: payment passwords, payees,
	// receive codes, API keys, AML alerts (nil: those routes answer 503).
	Surface *WalletSurface
	// MaxUploadBytes is the largest document file (multipart uploads).
	MaxUploadBytes int64
	Log            *slog.Logger
	TrustProxy     bool // take the client address from X-Forwarded-For
	SecureCookie   bool // mark cookies Secure even without TLS (behind a TLS proxy)
	// Exports makes personal data exports (nil: not available).
	Exports Exports
	// Support runs support tickets (nil: the support routes answer 503).
	Support *support.Service
	// Notices runs announcements, maintenance windows and incidents;
	// StatusProbes measure the status page's components.
	Notices      *notice.Service
	StatusProbes []notice.Probe
	// Events fans out case changes to the pages' event streams (nil: the
	// stream answers 503 and pages poll).
	Events *casefeed.Hub

	mux      *http.ServeMux
	previews previewLimiter // the selfie step's preview frames, per user
}

//go:embed openapi.json
var openAPI []byte

// Handler returns the API's handler; mount it at /api/.
func (a *API) Handler() http.Handler {
	if a.mux == nil {
		a.mux = http.NewServeMux()
		if a.WalletAdmin == nil && a.Surface != nil && a.Surface.APIKeys != nil {
			a.WalletAdmin = keyOrSessionAdmin
		}
		for _, rt := range a.routes() {
			key := rt.method + " " + rt.path
			p, ok := permissions[key]
			h := a.authorize(key, p, ok, rt.handler)
			if a.Notices != nil && strings.HasPrefix(rt.path, "/api/v1/wallet/") {
				// During maintenance, wallet writes answer 503 with Retry-After.
				h = notice.WalletWrites(a.Notices, writeError, nil)(h)
			}
			if rt.auth && p.scope != "" {
				h = a.sessionOrKey(key, p.scope, h)
			} else if rt.auth {
				h = a.authenticated(h)
			}
			a.mux.Handle(rt.method+" "+rt.path, h)
		}
		a.mux.HandleFunc("/api/", a.unmatched)
	}
	return a.mux
}

// unmatched answers requests no route took: 405 when the path exists with
// another method, 404 otherwise, both as JSON errors.
func (a *API) unmatched(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"} {
		c := r.Clone(r.Context())
		c.Method = m
		if _, p := a.mux.Handler(c); p != "" && p != "/api/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, r, errs.New(errs.MethodNotAllowed, "METHOD_NOT_ALLOWED",
			"This method is not allowed here. Allowed: "+strings.Join(allow, ", ")+".",
			"此地址不支持该请求方法。允许："+strings.Join(allow, ", ")+"。"))
		return
	}
	writeError(w, r, errs.New(errs.NotFound, "NOT_FOUND", "There is no such API endpoint.", "没有这个 API 地址。"))
}

type userKey struct{}

type principal struct {
	sess *identity.Session
	user *identity.User
}

func (a *API) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, u, err := a.Accounts.Authenticate(r.Context(), httpx.Token(r))
		if err != nil {
			writeError(w, r, err)
			return
		}
		// The payer of a transfer, for the payee look-up throttle.
		ctx := wallet.WithPayer(context.WithValue(r.Context(), userKey{}, principal{sess, u}), u.ID)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func current(r *http.Request) (*identity.Session, *identity.User) {
	p, _ := r.Context().Value(userKey{}).(principal)
	return p.sess, p.user
}

type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	Field      string `json:"field,omitempty"`
	RetryAfter int    `json:"retry_after_seconds,omitempty"`
	RequestID  string `json:"request_id,omitempty"`
}

// writeError writes err as the API's error body.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := errs.As(err)
	st := httpx.Status(e.Kind)
	if st == http.StatusInternalServerError || e.Err != nil && e.Kind == errs.Unavailable {
		slog.Default().Error("request failed", "request_id", httpx.RequestID(r.Context()), "code", e.Code, "err", e.Err)
	}
	body := errorJSON{Code: e.Code, Message: e.Message.In(i18n.Parse(r.Header.Get("Accept-Language"))), Field: e.Field,
		RequestID: httpx.RequestID(r.Context())}
	if e.RetryAfter > 0 {
		body.RetryAfter = int(math.Ceil(e.RetryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(body.RetryAfter))
	}
	writeJSON(w, st, errorBody{body})
}

// WriteError writes err as the API's error body (for handlers mounted beside the API).
func WriteError(w http.ResponseWriter, r *http.Request, err error) { writeError(w, r, err) }

// WritePanic is the response for a recovered panic.
func WritePanic(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, errs.Internalf("panic"))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decode reads one JSON object into dst, strictly: JSON content type, at
// most MaxJSONBody bytes, no unknown fields, no trailing data.
func decode(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return errs.New(errs.Unsupported, "UNSUPPORTED_MEDIA_TYPE",
				"Send the request body as JSON (Content-Type: application/json).",
				"请以 JSON 格式发送请求（Content-Type: application/json）。")
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("trailing data")
		}
	}
	if err == nil {
		return nil
	}
	var mbe *http.MaxBytesError
	var ute *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &mbe):
		return errs.New(errs.TooLarge, "BODY_TOO_LARGE",
			"The request body is too large (at most 1 MiB).", "请求内容过大（最多 1 MiB）。")
	case errors.Is(err, io.EOF):
		return errs.New(errs.Invalid, "BODY_EMPTY", "The request body is empty; send a JSON object.", "请求内容为空，请发送 JSON 对象。")
	case errors.As(err, &ute):
		f := ute.Field
		return errs.New(errs.Invalid, "FIELD_WRONG_TYPE",
			"The field "+strconv.Quote(f)+" has the wrong type (expected "+ute.Type.String()+").",
			"字段 "+strconv.Quote(f)+" 类型错误（应为 "+ute.Type.String()+"）。").OnField(f)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return errs.New(errs.Invalid, "UNKNOWN_FIELD",
			"The field "+strconv.Quote(f)+" is not known here.", "不认识的字段 "+strconv.Quote(f)+"。").OnField(f)
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF), err.Error() == "trailing data":
		return errs.New(errs.Invalid, "MALFORMED_JSON", "The request body is not valid JSON.", "请求内容不是有效的 JSON。")
	}
	return errs.New(errs.Invalid, "MALFORMED_JSON", "The request body is not a valid JSON object.", "请求内容不是有效的 JSON 对象。")
}

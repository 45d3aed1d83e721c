package upload

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	expslog "golang.org/x/exp/slog"

	"github.com/veriwallet/veriwallet/internal/blob"
	"github.com/veriwallet/veriwallet/internal/errs"
)

// BasePath is where the tus endpoint is mounted.
const BasePath = "/api/v1/uploads/"

const ownerKey = "veriwallet-owner"

// Config configures the upload endpoint.
type Config struct {
	Records    Records
	Blobs      blob.Store // must encrypt (blob.Encrypted): segments hold document bytes
	MaxSize    int64      // largest upload (default 10 MB)
	MaxOpen    int        // unfinished uploads per user (default 5)
	Expiry     time.Duration
	TrustProxy bool
	// AllowedOrigins are the origins (scheme://host[:port]) answered for
	// cross-origin requests; none: same origin only.
	AllowedOrigins []string
	Log            *slog.Logger
	Now            func() time.Time
	// WriteError writes an error response in the API's format.
	WriteError func(http.ResponseWriter, *http.Request, error)
	// Locker keeps two requests from working on one upload at once. nil:
	// an in-process locker, right for one machine (SQLite); several
	// replicas must share one (sqlstore.UploadLocker on PostgreSQL).
	Locker Locker
}

// Locker is tusd's upload locker.
type Locker = handler.Locker

// Handler serves tus uploads and hands finished ones to the documents service.
type Handler struct {
	cfg   Config
	store *dataStore
	tus   *handler.UnroutedHandler
}

type ownerCtxKey struct{}

// WithOwner marks ctx as a request by the given user; the API's
// authentication sets it before the upload handlers run.
func WithOwner(ctx context.Context, userID string) context.Context {
	return context.WithValue(ctx, ownerCtxKey{}, userID)
}

func ownerOf(ctx context.Context) string { s, _ := ctx.Value(ownerCtxKey{}).(string); return s }

// New returns the upload handler.
func New(cfg Config) (*Handler, error) {
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = 10 << 20
	}
	if cfg.MaxOpen <= 0 {
		cfg.MaxOpen = 5
	}
	if cfg.Expiry <= 0 {
		cfg.Expiry = 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	st := &dataStore{records: cfg.Records, blobs: cfg.Blobs, now: cfg.Now, expiry: cfg.Expiry, maxOpen: cfg.MaxOpen, newID: func() string {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		return "upl_" + hex.EncodeToString(b)
	}}
	comp := handler.NewStoreComposer()
	comp.UseCore(st)
	comp.UseTerminater(st)
	if cfg.Locker != nil {
		comp.UseLocker(cfg.Locker)
	} else {
		memorylocker.New().UseIn(comp)
	}
	h := &Handler{cfg: cfg, store: st}
	tus, err := handler.NewUnroutedHandler(handler.Config{
		StoreComposer:           comp,
		BasePath:                BasePath,
		MaxSize:                 cfg.MaxSize,
		DisableDownload:         true,
		DisableConcatenation:    true,
		RespectForwardedHeaders: cfg.TrustProxy,
		// CORS is answered here, for the allowed origins only (ServeHTTP).
		Cors: &handler.CorsConfig{Disable: true},
		// tusd logs through golang.org/x/exp/slog; only its warnings matter.
		Logger:                  expslog.New(expslog.NewJSONHandler(os.Stderr, &expslog.HandlerOptions{Level: expslog.LevelWarn})).With("component", "tus"),
		PreUploadCreateCallback: h.preCreate,
	})
	if err != nil {
		return nil, err
	}
	h.tus = tus
	return h, nil
}

// preCreate enforces the per-user quota and stamps the owner on the upload.
func (h *Handler) preCreate(ev handler.HookEvent) (handler.HTTPResponse, handler.FileInfoChanges, error) {
	owner := ownerOf(ev.Context)
	if owner == "" {
		return handler.HTTPResponse{}, handler.FileInfoChanges{}, tusErr(errUnauthenticated)
	}
	if ev.Upload.SizeIsDeferred {
		return handler.HTTPResponse{}, handler.FileInfoChanges{}, tusErr(errLengthRequired)
	}
	n, err := h.cfg.Records.CountOpenUploads(ev.Context, owner, h.cfg.Now())
	if err != nil {
		return handler.HTTPResponse{}, handler.FileInfoChanges{}, tusErr(err)
	}
	if n >= h.cfg.MaxOpen {
		return handler.HTTPResponse{}, handler.FileInfoChanges{}, tusErr(ErrQuota)
	}
	meta := map[string]string{}
	for k, v := range ev.Upload.MetaData {
		if len(k) > 64 || len(v) > 512 || len(meta) >= 16 {
			return handler.HTTPResponse{}, handler.FileInfoChanges{}, tusErr(errMetadata)
		}
		if k != ownerKey {
			meta[k] = v
		}
	}
	meta[ownerKey] = owner
	return handler.HTTPResponse{}, handler.FileInfoChanges{MetaData: meta}, nil
}

var errNotFound = errs.New(errs.NotFound, "UPLOAD_NOT_FOUND",
	"No such upload (it may have expired: unfinished uploads are kept 24 hours). Start the upload again.",
	"上传不存在（可能已过期：未完成的上传保留 24 小时）。请重新上传。")

// ServeHTTP routes the tus requests. The caller has authenticated the user
// and put it in the context with WithOwner.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.cors(w, r)
	if r.Method == http.MethodPost && r.Header.Get("Upload-Defer-Length") != "" {
		// tusd would answer 501: a deferred length is the client's choice
		// we do not support, so a 400 that says what to send.
		w.Header().Set("Tus-Resumable", "1.0.0")
		h.cfg.WriteError(w, r, errLengthRequired)
		return
	}
	owner := ownerOf(r.Context())
	id := strings.TrimPrefix(r.URL.Path, BasePath)
	var rec *Record
	if id != "" && r.Method != http.MethodOptions {
		var err error
		if strings.Contains(id, "/") || len(id) > 64 {
			err = errNotFound
		} else {
			rec, err = h.cfg.Records.GetUpload(r.Context(), id)
		}
		if err != nil || rec.OwnerID != owner || !h.cfg.Now().Before(rec.ExpiresAt) {
			if err == nil || errs.KindOf(err) == errs.NotFound {
				err = errNotFound
			}
			w.Header().Set("Tus-Resumable", "1.0.0")
			h.cfg.WriteError(w, r, err)
			return
		}
	}
	ew := &extWriter{ResponseWriter: w}
	switch {
	case r.Method == http.MethodPost && id == "":
		ew.expires = h.cfg.Now().Add(h.cfg.Expiry)
	case rec != nil:
		ew.expires = rec.ExpiresAt
	}
	var next http.Handler
	switch {
	case r.Method == http.MethodOptions:
		next = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	case r.Method == http.MethodPost && id == "":
		// Creation with a body (creation-with-upload) honours Upload-Checksum too.
		if err := h.verifyChecksum(r); err != nil {
			h.cfg.WriteError(w, r, err)
			return
		}
		next = http.HandlerFunc(h.tus.PostFile)
	case r.Method == http.MethodHead && id != "":
		next = http.HandlerFunc(h.tus.HeadFile)
	case r.Method == http.MethodPatch && id != "":
		// Before tusd's middleware: it keeps the request (and body) it saw first.
		if err := h.verifyChecksum(r); err != nil {
			h.cfg.WriteError(w, r, err)
			return
		}
		next = http.HandlerFunc(h.tus.PatchFile)
	case r.Method == http.MethodDelete && id != "":
		next = http.HandlerFunc(h.tus.DelFile)
	default:
		h.cfg.WriteError(w, r, errs.New(errs.MethodNotAllowed, "METHOD_NOT_ALLOWED", "This method is not allowed here.", "此地址不支持该请求方法。"))
		return
	}
	// tusd takes the whole remaining path as the upload id. Its error
	// responses are held back and written in the API's shape.
	capture := &errCapture{ResponseWriter: ew}
	h.tus.Middleware(http.StripPrefix(strings.TrimSuffix(BasePath, "/"), next)).ServeHTTP(capture, r)
	capture.flush(ew, r, h.cfg.WriteError)
}

// cors answers cross-origin requests from the allowed origins only; for
// any other origin no Access-Control-* header is sent, so a browser keeps
// the response from the page (same origin only by default).
func (h *Handler) cors(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" || !slices.Contains(h.cfg.AllowedOrigins, origin) {
		return
	}
	hd.Set("Access-Control-Allow-Origin", origin)
	hd.Set("Access-Control-Expose-Headers", "Location, Upload-Offset, Upload-Length, Upload-Expires, Upload-Metadata, Tus-Version, Tus-Resumable, Tus-Max-Size, Tus-Extension, Tus-Checksum-Algorithm, X-Request-ID")
	if r.Method == http.MethodOptions {
		hd.Set("Access-Control-Allow-Methods", "POST, HEAD, PATCH, DELETE, OPTIONS")
		hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Upload-Length, Upload-Offset, Upload-Metadata, Upload-Checksum, Tus-Resumable, X-Request-ID")
		hd.Set("Access-Control-Max-Age", "86400")
	}
}

// extWriter adds what tusd does not do itself: the expiration and checksum
// extensions' headers.
type extWriter struct {
	http.ResponseWriter
	expires     time.Time
	wroteHeader bool
}

func (w *extWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.wroteHeader = true
		hd := w.Header()
		if ext := hd.Get("Tus-Extension"); ext != "" {
			hd.Set("Tus-Extension", ext+",checksum,expiration")
			hd.Set("Tus-Checksum-Algorithm", "sha1,sha256,md5")
		}
		if !w.expires.IsZero() && code < 300 {
			hd.Set("Upload-Expires", w.expires.UTC().Format(http.TimeFormat))
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *extWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *extWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// verifyChecksum implements the checksum extension: with Upload-Checksum the
// whole PATCH body is read and compared before any of it is stored.
func (h *Handler) verifyChecksum(r *http.Request) error {
	hdr := r.Header.Get("Upload-Checksum")
	if hdr == "" {
		return nil
	}
	alg, sum64, _ := strings.Cut(strings.TrimSpace(hdr), " ")
	var hf hash.Hash
	switch strings.ToLower(alg) {
	case "sha1":
		hf = sha1.New()
	case "sha256":
		hf = sha256.New()
	case "md5":
		hf = md5.New()
	default:
		return errs.New(errs.Invalid, "CHECKSUM_ALGORITHM_UNSUPPORTED",
			"Unsupported checksum algorithm; use sha1, sha256 or md5.", "不支持的校验算法，请使用 sha1、sha256 或 md5。")
	}
	want, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sum64))
	if err != nil {
		return errs.New(errs.Invalid, "CHECKSUM_INVALID", "The Upload-Checksum value is not base64.", "Upload-Checksum 不是有效的 base64。")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, h.cfg.MaxSize+1))
	if err != nil {
		return errs.New(errs.Invalid, "UPLOAD_INTERRUPTED", "The connection broke during the upload; resume it.", "上传时连接中断，请继续上传。")
	}
	hf.Write(body)
	if subtle.ConstantTimeCompare(hf.Sum(nil), want) != 1 {
		return errs.New(errs.ChecksumMismatch, "CHECKSUM_MISMATCH",
			"The chunk arrived damaged (checksum mismatch); send it again.", "数据块传输中损坏（校验不一致），请重新发送。")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return nil
}

// Completed claims the owner's finished upload and returns its bytes and
// metadata; the caller makes it a document, then calls Remove (or Unclaim
// when that failed). Errors: NotFound UPLOAD_NOT_FOUND, Conflict
// UPLOAD_INCOMPLETE, UPLOAD_USED (another request took it).
func (h *Handler) Completed(ctx context.Context, ownerID, id string) ([]byte, map[string]string, error) {
	if strings.Contains(id, "/") || len(id) > 64 {
		return nil, nil, errNotFound
	}
	// Claimed: of concurrent requests for one upload, one gets it.
	rec, err := h.cfg.Records.ClaimUpload(ctx, ownerID, id, h.cfg.Now())
	if errs.KindOf(err) == errs.NotFound {
		return nil, nil, errNotFound
	} else if err != nil {
		return nil, nil, err
	}
	b, err := h.store.readAll(ctx, rec)
	if err != nil {
		h.Unclaim(ctx, id)
	}
	return b, rec.MetaData, err
}

// Unclaim gives back an upload that Completed returned when making the
// document failed, so that the client can try again.
func (h *Handler) Unclaim(ctx context.Context, id string) {
	if err := h.cfg.Records.UnclaimUpload(context.WithoutCancel(ctx), id); err != nil {
		h.cfg.Log.Warn("upload not given back", "err", err)
	}
}

// Remove deletes an upload and its bytes (after a document was made from it).
func (h *Handler) Remove(ctx context.Context, id string) error {
	rec, err := h.cfg.Records.GetUpload(ctx, id)
	if errs.KindOf(err) == errs.NotFound {
		return nil
	} else if err != nil {
		return err
	}
	return h.store.remove(ctx, rec)
}

// Cleanup removes expired uploads and returns how many.
func (h *Handler) Cleanup(ctx context.Context) (int, error) {
	n := 0
	for {
		recs, err := h.cfg.Records.ExpiredUploads(ctx, h.cfg.Now(), 100)
		if err != nil || len(recs) == 0 {
			return n, err
		}
		for _, r := range recs {
			if err := h.store.remove(ctx, r); err != nil {
				return n, err
			}
			n++
		}
	}
}

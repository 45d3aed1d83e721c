package upload

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/httpx"
	"github.com/veriwallet/veriwallet/internal/i18n"
)

// Errors of the upload endpoint and of making a document from an upload.
var (
	ErrQuota = errs.New(errs.TooMany, "UPLOAD_QUOTA",
		"Too many unfinished uploads: finish or cancel one first.", "未完成的上传过多，请先完成或取消其中一个。")
	ErrIncomplete = errs.New(errs.Conflict, "UPLOAD_INCOMPLETE",
		"This upload is not finished yet; resume it before using it.", "该上传尚未完成，请先继续上传。").OnField("upload_id")
	ErrUsed = errs.New(errs.Conflict, "UPLOAD_USED",
		"This upload has already been made into a document.", "该上传已用于创建证件。").OnField("upload_id")
	errLengthRequired = errs.New(errs.Invalid, "UPLOAD_LENGTH_REQUIRED",
		"Give the file's size in Upload-Length (deferred lengths are not supported).", "请在 Upload-Length 中提供文件大小（不支持延后提供长度）。")
	errUnauthenticated = errs.New(errs.Unauthenticated, "UNAUTHENTICATED", "Log in first.", "请先登录。")
	errMetadata        = errs.New(errs.Invalid, "UPLOAD_METADATA_INVALID",
		"Upload-Metadata is too large (at most 16 keys of 64 bytes, values of 512).", "Upload-Metadata 过大（最多 16 个键，键 64 字节、值 512 字节以内）。")
)

// tusErrors gives tusd's own errors a stable code and a message in both
// languages; the status is tusd's (the tus protocol's), except that none
// is a 5xx unless it is our fault.
var tusErrors = map[string]struct {
	status int
	err    *errs.Error
}{
	"ERR_UNSUPPORTED_VERSION": {http.StatusPreconditionFailed, errs.New(errs.Invalid, "TUS_VERSION_UNSUPPORTED",
		"Send the header Tus-Resumable: 1.0.0.", "请发送请求头 Tus-Resumable: 1.0.0。")},
	"ERR_MAX_SIZE_EXCEEDED": {http.StatusRequestEntityTooLarge, errs.New(errs.TooLarge, "UPLOAD_TOO_LARGE",
		"The file is larger than the largest upload allowed.", "文件超过允许的最大上传大小。")},
	"ERR_UPLOAD_SIZE_EXCEEDED": {http.StatusRequestEntityTooLarge, errs.New(errs.TooLarge, "UPLOAD_SIZE_EXCEEDED",
		"More bytes were sent than the upload's length.", "发送的字节数超过了上传的长度。")},
	"ERR_INVALID_CONTENT_TYPE": {http.StatusBadRequest, errs.New(errs.Invalid, "UPLOAD_CONTENT_TYPE_INVALID",
		"Send each chunk with Content-Type: application/offset+octet-stream.", "请以 Content-Type: application/offset+octet-stream 发送数据块。")},
	"ERR_INVALID_UPLOAD_LENGTH": {http.StatusBadRequest, errs.New(errs.Invalid, "UPLOAD_LENGTH_INVALID",
		"Upload-Length must be the file's size in bytes.", "Upload-Length 必须是文件的字节数。")},
	"ERR_AMBIGUOUS_UPLOAD_LENGTH":     {http.StatusBadRequest, errLengthRequired},
	"ERR_INVALID_UPLOAD_LENGTH_DEFER": {http.StatusBadRequest, errLengthRequired},
	"ERR_INVALID_OFFSET": {http.StatusBadRequest, errs.New(errs.Invalid, "UPLOAD_OFFSET_INVALID",
		"Upload-Offset must be the upload's current offset (ask for it with HEAD).", "Upload-Offset 必须是上传的当前进度（可用 HEAD 查询）。")},
	"ERR_MISMATCHED_OFFSET": {http.StatusConflict, errs.New(errs.Conflict, "UPLOAD_OFFSET_MISMATCH",
		"The offset does not match the upload's; ask for it with HEAD and resume from there.", "进度与上传不一致，请用 HEAD 查询进度后从该处继续。")},
	"ERR_UPLOAD_NOT_FOUND":          {http.StatusNotFound, errNotFound},
	"ERR_UPLOAD_LOCKED":             {http.StatusLocked, errLocked},
	"ERR_LOCK_TIMEOUT":              {http.StatusLocked, errLocked},
	"ERR_NOT_IMPLEMENTED":           {http.StatusBadRequest, errUnsupported},
	"ERR_INVALID_CONCAT":            {http.StatusBadRequest, errUnsupported},
	"ERR_CONCATENATION_UNSUPPORTED": {http.StatusBadRequest, errUnsupported},
	"ERR_UPLOAD_NOT_FINISHED":       {http.StatusBadRequest, errUnsupported},
	"ERR_MODIFY_FINAL":              {http.StatusForbidden, errUnsupported},
	// Another request for the upload (a second tab, the phone handed off
	// to, a resume after a stall) asked this one to let go: its bytes are
	// kept. 409, which tus clients retry (HEAD, then resume); a 400 makes
	// tus-js-client give up.
	"ERR_UPLOAD_INTERRUPTED": {http.StatusConflict, errs.New(errs.Conflict, "UPLOAD_INTERRUPTED",
		"Another request for this upload took it over (another tab or device); what was received is kept. Ask for the offset with HEAD and resume from there.",
		"该上传已被另一个请求接管（其他标签页或设备）；已收到的部分已保存。请用 HEAD 查询进度后从该处继续。")},
	"ERR_UNEXPECTED_EOF":   {http.StatusBadRequest, errInterrupted},
	"ERR_READ_TIMEOUT":     {http.StatusBadRequest, errInterrupted},
	"ERR_CONNECTION_RESET": {http.StatusBadRequest, errInterrupted},
	"ERR_SERVER_SHUTDOWN": {http.StatusServiceUnavailable, errs.New(errs.Unavailable, "SHUTTING_DOWN",
		"The server is restarting; resume the upload in a moment.", "服务器正在重启，请稍后继续上传。")},
	"ERR_ORIGIN_NOT_ALLOWED": {http.StatusForbidden, errs.New(errs.Permission, "CROSS_ORIGIN_REFUSED",
		"Cross-origin request refused.", "跨站请求已被拒绝。")},
}

var (
	errLocked = errs.New(errs.Conflict, "UPLOAD_LOCKED",
		"Another request is writing to this upload; try again in a moment.", "另一个请求正在写入该上传，请稍后重试。")
	errUnsupported = errs.New(errs.Invalid, "UPLOAD_FEATURE_UNSUPPORTED",
		"This tus feature is not supported here (supported: creation, termination, checksum, expiration).", "不支持该 tus 功能（支持：creation、termination、checksum、expiration）。")
	errInterrupted = errs.New(errs.Invalid, "UPLOAD_INTERRUPTED",
		"The connection broke during the upload; resume it.", "上传时连接中断，请继续上传。")
)

// errMarker starts the body of a tusd error made from one of ours: the
// error itself, so that the response can be written in the API's shape
// and the client's language.
const errMarker = "veriwallet-error:"

type wireError struct {
	Kind       errs.Kind     `json:"k"`
	Code       string        `json:"c"`
	Field      string        `json:"f,omitempty"`
	Message    i18n.Text     `json:"m"`
	RetryAfter time.Duration `json:"r,omitempty"`
}

// tusErr turns an error into one tusd sends back, carrying ours.
func tusErr(err error) error {
	var te handler.Error
	if errors.As(err, &te) {
		return err
	}
	e := errs.As(err)
	st := httpx.Status(e.Kind)
	if st == http.StatusInternalServerError {
		slog.Default().Error("upload failed", "code", e.Code, "err", e.Err)
	}
	b, _ := json.Marshal(wireError{Kind: e.Kind, Code: e.Code, Field: e.Field, Message: e.Message, RetryAfter: e.RetryAfter})
	return handler.Error{ErrorCode: e.Code, Message: e.Message.EN, HTTPResponse: handler.HTTPResponse{StatusCode: st, Body: errMarker + string(b)}}
}

// errCapture holds back an error response tusd writes, so that it can be
// written again in the API's shape.
type errCapture struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
	passed bool
}

func (c *errCapture) WriteHeader(code int) {
	if c.status != 0 || c.passed {
		return
	}
	if code >= 400 {
		c.status = code
		return
	}
	c.passed = true
	c.ResponseWriter.WriteHeader(code)
}

func (c *errCapture) Write(b []byte) (int, error) {
	if c.status != 0 {
		return c.body.Write(b)
	}
	if !c.passed {
		c.WriteHeader(http.StatusOK)
	}
	return c.ResponseWriter.Write(b)
}

func (c *errCapture) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// flush writes the held-back error, if any, through write.
func (c *errCapture) flush(w http.ResponseWriter, r *http.Request, write func(http.ResponseWriter, *http.Request, error)) {
	if c.status == 0 {
		return
	}
	h := w.Header()
	h.Del("Content-Length")
	h.Del("Content-Type")
	body := c.body.String()
	if rest, ok := strings.CutPrefix(body, errMarker); ok {
		var we wireError
		if json.Unmarshal([]byte(rest), &we) == nil {
			write(w, r, &errs.Error{Kind: we.Kind, Code: we.Code, Field: we.Field, Message: we.Message, RetryAfter: we.RetryAfter})
			return
		}
	}
	code, _, _ := strings.Cut(body, ":")
	known, ok := tusErrors[strings.TrimSpace(code)]
	if !ok {
		st := c.status
		if st >= 500 {
			write(w, r, errs.Internalf("upload: tus %d %s", c.status, strings.TrimSpace(body)))
			return
		}
		known.status, known.err = st, errs.New(errs.Invalid, "UPLOAD_REFUSED", "The upload request was refused.", "上传请求被拒绝。")
	}
	write(&statusWriter{ResponseWriter: w, status: known.status}, r, known.err)
}

// statusWriter answers with the tus protocol's status whatever the error
// writer picks.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(int) { w.ResponseWriter.WriteHeader(w.status) }

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

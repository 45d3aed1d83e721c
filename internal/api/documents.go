package api

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/httpx"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/verification"
)

type documentJSON struct {
	*document.Document
	Quality qualityJSON `json:"quality"`
	// Reading is the upload-time reading (status, the kind the photo looks
	// like, reasons, and to the owner only the fields read).
	Reading verification.PublicReading `json:"reading"`
}

type qualityJSON struct {
	Accepted bool                    `json:"accepted"`
	Scores   map[string]float64      `json:"scores"`
	Reasons  []document.PublicReason `json:"reasons"`
}

// publicDocument is a document as its owner sees it: sensitive signals left
// out; the fields read only when owner is set.
func publicDocument(d *document.Document, rd *verification.DocumentReading, owner bool, lang i18n.Lang) documentJSON {
	q := qualityJSON{Accepted: d.Accepted, Scores: d.Scores, Reasons: []document.PublicReason{}}
	if q.Scores == nil {
		q.Scores = map[string]float64{}
	}
	for _, r := range d.PublicReasons() {
		q.Reasons = append(q.Reasons, document.PublicReason{Code: r.Code, Message: r.Message.In(lang), Hint: r.Hint.In(lang)})
	}
	pr := verification.PublicReadingOf(rd, lang)
	if !owner {
		pr.Fields = map[string]verification.PublicField{}
	}
	return documentJSON{Document: d, Quality: q, Reading: pr}
}

func errTooLarge(max int64) error {
	mb := strconv.FormatFloat(float64(max)/(1<<20), 'f', -1, 64)
	return errs.New(errs.TooLarge, "FILE_TOO_LARGE",
		"The file is larger than "+mb+" MB. Take the photo again at a lower resolution, or crop it to the document.",
		"文件超过 "+mb+" MB。请降低分辨率重新拍摄，或裁剪到只包含证件。").OnField("file")
}

// readMultipart reads kind and file from a multipart body into memory
// (never to a temporary file: document bytes must not touch the disk in
// plaintext), refusing files over max.
func readMultipart(r *http.Request, max int64) (string, []byte, error) {
	_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if params["boundary"] == "" {
		return "", nil, errs.New(errs.Invalid, "MULTIPART_INVALID", "The multipart body has no boundary.", "multipart 请求缺少 boundary。")
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	var kind string
	var file []byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return "", nil, errTooLarge(max)
			}
			return "", nil, errs.New(errs.Invalid, "MULTIPART_INVALID", "The multipart body is malformed.", "multipart 请求格式错误。")
		}
		switch p.FormName() {
		case "kind":
			b, _ := io.ReadAll(io.LimitReader(p, 64))
			kind = strings.TrimSpace(string(b))
		case "file":
			var buf bytes.Buffer
			n, err := buf.ReadFrom(io.LimitReader(p, max+1))
			if n > max {
				return "", nil, errTooLarge(max)
			}
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return "", nil, errTooLarge(max)
				}
				return "", nil, errs.New(errs.Invalid, "UPLOAD_INTERRUPTED", "The upload broke off; send the file again.", "上传中断，请重新发送文件。")
			}
			file = buf.Bytes()
		}
		p.Close()
	}
	if file == nil {
		return "", nil, errs.New(errs.Invalid, "FILE_REQUIRED", "Attach the photo as the form field \"file\".", "请在表单字段 \"file\" 中附上照片。").OnField("file")
	}
	return kind, file, nil
}

type documentFromUpload struct {
	Kind     string `json:"kind"`
	UploadID string `json:"upload_id"`
}

func (a *API) createDocument(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	// A document photo is sensitive personal information: it is kept only
	// after the separate consent (PIPL art. 29), as the verification
	// service requires before attaching it.
	if ok, err := a.Accounts.HasSensitiveConsent(r.Context(), u.ID); err != nil || !ok {
		if err == nil {
			err = verification.ConsentError(r.Context(), a.Accounts, u.ID)
		}
		writeError(w, r, err)
		return
	}
	var kind, uploadID string
	var data []byte
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		// A full quota is refused before the file is read (Create checks
		// again, race-free).
		if err := a.Documents.CheckQuota(r.Context(), u.ID, 0); err != nil {
			writeError(w, r, err)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, a.MaxUploadBytes+64<<10)
		var err error
		if kind, data, err = readMultipart(r, a.MaxUploadBytes); err != nil {
			writeError(w, r, err)
			return
		}
	} else {
		var in documentFromUpload
		if err := decode(w, r, &in); err != nil {
			writeError(w, r, err)
			return
		}
		if in.UploadID == "" {
			writeError(w, r, errs.New(errs.Invalid, "UPLOAD_ID_REQUIRED",
				"Send the photo as multipart form data (kind, file), or give the upload_id of a finished resumable upload.",
				"请以 multipart 表单（kind、file）发送照片，或提供已完成的断点续传上传的 upload_id。").OnField("upload_id"))
			return
		}
		kind, uploadID = in.Kind, in.UploadID
		var err error
		if data, _, err = a.Uploads.Completed(r.Context(), u.ID, uploadID); err != nil {
			if e := errs.As(err); e.Field == "" {
				err = e.OnField("upload_id")
			}
			writeError(w, r, err)
			return
		}
	}
	d, _, err := a.Documents.Create(r.Context(), u.ID, document.Kind(kind), data)
	if err != nil {
		if uploadID != "" {
			a.Uploads.Unclaim(r.Context(), uploadID) // the client may try again
		}
		writeError(w, r, err)
		return
	}
	if uploadID != "" {
		if err := a.Uploads.Remove(r.Context(), uploadID); err != nil {
			slog.Default().Warn("upload not removed", "request_id", httpx.RequestID(r.Context()), "err", err)
		}
	}
	// The reading runs in the background (a durable job); the slot polls
	// GET /documents/{id} while it is pending.
	rd, err := a.Verifications.QueueReading(r.Context(), d)
	if err != nil {
		slog.Default().Error("document reading not queued", "request_id", httpx.RequestID(r.Context()), "err", err)
		rd = &verification.DocumentReading{DocumentID: d.ID, Status: verification.ReadingError}
	}
	writeJSON(w, http.StatusCreated, map[string]any{"document": publicDocument(d, rd, true, i18n.Parse(r.Header.Get("Accept-Language")))})
}

func (a *API) getDocument(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	d, err := a.Documents.Get(r.Context(), u.ID, anyResource(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	if d.OwnerID != u.ID {
		if err := a.record(r, "document.read", d.ID, "owner "+d.OwnerID); err != nil {
			writeError(w, r, err)
			return
		}
	}
	rd, err := a.Verifications.DocumentReading(r.Context(), d.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"document": publicDocument(d, rd, d.OwnerID == u.ID, i18n.Parse(r.Header.Get("Accept-Language")))})
}

func (a *API) getDocumentImage(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	d, img, err := a.Documents.Image(r.Context(), u.ID, anyResource(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	if d.OwnerID != u.ID {
		// Every staff read of a customer's document is recorded first.
		if err := a.record(r, "document.image.read", d.ID, "owner "+d.OwnerID); err != nil {
			writeError(w, r, err)
			return
		}
	}
	ct := "image/jpeg"
	if d.Format == "png" {
		ct = "image/png"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	_, _ = w.Write(img)
}

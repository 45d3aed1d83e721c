package api

import (
	"net/http"
	"strconv"

	"github.com/veriwallet/veriwallet/internal/upload"
)

// tus hands an authenticated request to the tus upload handler, marked with
// its owner.
func (a *API) tus(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	if u != nil {
		r = r.WithContext(upload.WithOwner(r.Context(), u.ID))
		// A full document quota refuses a new upload before any of its
		// bytes are stored (the document's creation checks again).
		// A length that is not a size, or larger than any upload may be, is
		// the tus handler's to refuse (UPLOAD_LENGTH_INVALID,
		// UPLOAD_TOO_LARGE): a quota refusal would send a customer with no
		// document stored to delete some.
		size, perr := strconv.ParseInt(r.Header.Get("Upload-Length"), 10, 64)
		if r.Method == http.MethodPost && a.Documents != nil && perr == nil && size >= 0 && (a.MaxUploadBytes <= 0 || size <= a.MaxUploadBytes) {
			if err := a.Documents.CheckQuota(r.Context(), u.ID, max(size, 0)); err != nil {
				w.Header().Set("Tus-Resumable", "1.0.0")
				writeError(w, r, err)
				return
			}
		}
	}
	a.Uploads.ServeHTTP(w, r)
}

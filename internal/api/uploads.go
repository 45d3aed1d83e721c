package api

import (
	"net/http"

	"github.com/veriwallet/veriwallet/internal/upload"
)

// tus hands an authenticated request to the tus upload handler, marked with
// its owner.
func (a *API) tus(w http.ResponseWriter, r *http.Request) {
	_, u := current(r)
	if u != nil {
		r = r.WithContext(upload.WithOwner(r.Context(), u.ID))
	}
	a.Uploads.ServeHTTP(w, r)
}

package api

import (
	"net/http"
	"strconv"
)

type createWebhook struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

func (a *API) createWebhook(w http.ResponseWriter, r *http.Request) {
	var in createWebhook
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	ep, secret, err := a.Webhooks.CreateEndpoint(r.Context(), in.URL, in.Events)
	if err != nil {
		writeError(w, r, err)
		return
	}
	// A configuration change: audited (after the change; see the report).
	if err := a.record(r, "config.webhook.create", ep.ID, ""); err != nil {
		writeError(w, r, err)
		return
	}
	// The secret is shown this once; it signs every delivery.
	writeJSON(w, http.StatusCreated, map[string]any{"endpoint": ep, "secret": secret})
}

func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request) {
	eps, err := a.Webhooks.List(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"endpoints": eps})
}

func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	if err := a.Webhooks.Delete(r.Context(), r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	if err := a.record(r, "config.webhook.delete", r.PathValue("id"), ""); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) webhookDeliveries(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	ds, err := a.Webhooks.Deliveries(r.Context(), r.PathValue("id"), limit)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": ds})
}

func (a *API) redeliverWebhook(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := a.Webhooks.Redeliver(r.Context(), id); err != nil {
		writeError(w, r, err)
		return
	}
	if err := a.Redeliver(r.Context(), id); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"delivery_id": id, "status": "pending"})
}

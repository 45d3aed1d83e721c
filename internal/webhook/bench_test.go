package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/veriwallet/veriwallet/internal/verification"
	"github.com/veriwallet/veriwallet/internal/webhook"
)

// BenchmarkDeliver measures one signed delivery to a local receiver that
// answers 204 (the service's own cost plus loopback HTTP, no verification).
func BenchmarkDeliver(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	st := newMemStore()
	svc := webhook.NewService(st, nil, nil, nil)
	ctx := context.Background()
	e, _, err := svc.CreateEndpoint(ctx, srv.URL, []string{"*"})
	if err != nil {
		b.Fatal(err)
	}
	payload := []byte(`{"case_id":"cas_0123456789","status":"approved","reasons":[]}`)
	st.enqueue("whd_bench", e.ID, verification.WebhookApproved, payload, t0)
	b.ResetTimer()
	for range b.N {
		if err := svc.Deliver(ctx, "whd_bench"); err != nil {
			b.Fatal(err)
		}
		_ = st.ResetDelivery(ctx, "whd_bench", t0) // pending again, for the next round
	}
}

package webhook_test

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/veriwallet/veriwallet/internal/webhook"
)

// memStore is an in-memory webhook.Store for the service tests (the SQL
// adapter has its own suite in internal/sqlstore).
type memStore struct {
	mu         sync.Mutex
	endpoints  []webhook.Endpoint
	secrets    map[string]string
	deleted    map[string]bool
	deliveries []webhook.Delivery
}

func newMemStore() *memStore {
	return &memStore{secrets: map[string]string{}, deleted: map[string]bool{}}
}

var _ webhook.Store = (*memStore)(nil)

func (m *memStore) CreateEndpoint(_ context.Context, e webhook.Endpoint, secret string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.endpoints = append(m.endpoints, e)
	m.secrets[e.ID] = secret
	return nil
}

func (m *memStore) Endpoints(context.Context) ([]webhook.Endpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []webhook.Endpoint
	for _, e := range m.endpoints {
		if !m.deleted[e.ID] {
			out = append(out, e)
		}
	}
	return out, nil
}

func (m *memStore) find(id string) int {
	for i, e := range m.endpoints {
		if e.ID == id && !m.deleted[id] {
			return i
		}
	}
	return -1
}

func (m *memStore) Endpoint(_ context.Context, id string) (webhook.Endpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.find(id)
	if i < 0 {
		return webhook.Endpoint{}, webhook.ErrEndpointNotFound
	}
	return m.endpoints[i], nil
}

func (m *memStore) SetEndpointDisabled(_ context.Context, id string, disabled bool) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.find(id)
	if i < 0 {
		return nil, webhook.ErrEndpointNotFound
	}
	m.endpoints[i].Disabled = disabled
	var pending []string
	for _, d := range m.deliveries {
		if d.EndpointID == id && d.Status == webhook.StatusPending {
			pending = append(pending, d.ID)
		}
	}
	return pending, nil
}

func (m *memStore) DeleteEndpoint(_ context.Context, id string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.find(id) < 0 {
		return webhook.ErrEndpointNotFound
	}
	m.deleted[id] = true
	delete(m.secrets, id)
	for i := range m.deliveries {
		if d := &m.deliveries[i]; d.EndpointID == id && d.Status == webhook.StatusPending {
			d.Status, d.LastError, d.NextAttemptAt = webhook.StatusFailed, "endpoint deleted", time.Time{}
		}
	}
	return nil
}

func (m *memStore) EndpointSecret(_ context.Context, id string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.find(id) < 0 {
		return "", webhook.ErrEndpointNotFound
	}
	return m.secrets[id], nil
}

// enqueue adds a pending delivery (what sqlstore's EnqueueTx does).
func (m *memStore) enqueue(id, endpointID, event string, payload []byte, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deliveries = append(m.deliveries, webhook.Delivery{ID: id, EndpointID: endpointID, Event: event,
		Payload: payload, Status: webhook.StatusPending, CreatedAt: at, NextAttemptAt: at})
}

func (m *memStore) Delivery(_ context.Context, id string) (webhook.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range m.deliveries {
		if d.ID == id {
			return d, nil
		}
	}
	return webhook.Delivery{}, webhook.ErrDeliveryNotFound
}

func (m *memStore) Deliveries(_ context.Context, endpointID string, limit int) ([]webhook.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []webhook.Delivery
	for _, d := range slices.Backward(m.deliveries) {
		if d.EndpointID == endpointID && len(out) < limit {
			out = append(out, d)
		}
	}
	return out, nil
}

func (m *memStore) RecordAttempt(_ context.Context, id string, a webhook.Attempt) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.deliveries {
		if d := &m.deliveries[i]; d.ID == id {
			d.Attempts++
			d.Status, d.LastStatusCode, d.LastError, d.NextAttemptAt = a.Status, a.StatusCode, a.Error, time.Time{}
			if a.Status == webhook.StatusDelivered {
				d.DeliveredAt = a.At
			}
			if a.Status == webhook.StatusPending {
				d.NextAttemptAt = a.NextAttemptAt
			}
			return nil
		}
	}
	return webhook.ErrDeliveryNotFound
}

func (m *memStore) ResetDelivery(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.deliveries {
		if d := &m.deliveries[i]; d.ID == id {
			d.Status, d.Attempts, d.DeliveredAt, d.NextAttemptAt = webhook.StatusPending, 0, time.Time{}, at
			return nil
		}
	}
	return webhook.ErrDeliveryNotFound
}

// Package cluster runs several veriwallet replicas together: a small
// round-robin reverse proxy (Proxy, also the vwproxy command used by
// scripts/cluster.sh) and, in its test, a whole cluster on one PostgreSQL
// database (three `veriwallet serve` processes, a kill -9 in the middle)
// checked against the promises one server keeps.
package cluster

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// maxReplay is the largest request body the proxy keeps to send again to
// another replica when the first one refuses the connection.
const maxReplay = 12 << 20

// Proxy spreads requests round-robin over backends. A backend whose
// connection is refused (a replica down or restarting) is skipped for a
// second and the request goes to the next one; any other failure answers
// 502, as a real balancer does, and the client retries. It sets
// X-Forwarded-For (veriwallet trusts it with --trust-proxy).
type Proxy struct {
	backends []*url.URL
	next     atomic.Uint64
	mu       sync.Mutex
	downTill map[int]time.Time
	rp       *httputil.ReverseProxy
	Log      *slog.Logger
}

type backendKey struct{}

// NewProxy returns a proxy over the given base URLs (http://host:port).
func NewProxy(backends []string) (*Proxy, error) {
	p := &Proxy{downTill: map[int]time.Time{}, Log: slog.New(slog.DiscardHandler)}
	for _, b := range backends {
		u, err := url.Parse(b)
		if err != nil || u.Host == "" {
			return nil, errors.New("cluster: bad backend URL " + b)
		}
		p.backends = append(p.backends, u)
	}
	if len(p.backends) == 0 {
		return nil, errors.New("cluster: no backends")
	}
	tr := &http.Transport{DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}
	p.rp = &httputil.ReverseProxy{
		Transport: tr,
		Rewrite: func(r *httputil.ProxyRequest) {
			u := r.In.Context().Value(backendKey{}).(*url.URL)
			r.SetURL(u)
			r.Out.Host = r.In.Host
			// Append to what came in, as nginx's $proxy_add_x_forwarded_for
			// does; veriwallet (--trust-proxy) reads the last entry.
			r.Out.Header["X-Forwarded-For"] = r.In.Header["X-Forwarded-For"]
			r.SetXForwarded()
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			p.Log.Warn("proxy: backend failed", "err", err)
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	return p, nil
}

// ServeHTTP implements http.Handler.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Body != nil && r.ContentLength >= 0 && r.ContentLength <= maxReplay {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxReplay+1))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		body = b
	}
	n := len(p.backends)
	start := int(p.next.Add(1) % uint64(n))
	for try := range n {
		i := (start + try) % n
		if !p.up(i) && try < n-1 {
			continue
		}
		u := p.backends[i]
		// Find out first whether the backend takes connections at all, so
		// a replica that is down costs a retry, not a 502.
		c, err := net.DialTimeout("tcp", u.Host, time.Second)
		if err != nil {
			if errors.Is(err, syscall.ECONNREFUSED) || try < n-1 {
				p.markDown(i)
				continue
			}
		} else {
			c.Close()
		}
		req := r.WithContext(contextWith(r, u))
		if body != nil {
			req.Body = io.NopCloser(bytes.NewReader(body))
			req.ContentLength = int64(len(body))
		}
		p.rp.ServeHTTP(w, req)
		return
	}
	w.WriteHeader(http.StatusBadGateway)
}

func (p *Proxy) up(i int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return time.Now().After(p.downTill[i])
}

func (p *Proxy) markDown(i int) {
	p.mu.Lock()
	p.downTill[i] = time.Now().Add(time.Second)
	p.mu.Unlock()
}

func contextWith(r *http.Request, u *url.URL) context.Context {
	return context.WithValue(r.Context(), backendKey{}, u)
}

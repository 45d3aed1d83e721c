package wallet

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// API key scopes: what the operator's payment system may do.
const (
	ScopeDeposit     = "wallet:deposit"     // credit customers
	ScopeWithdrawals = "wallet:withdrawals" // complete and cancel withdrawals
)

// Scopes lists every scope a key may have.
var Scopes = []string{ScopeDeposit, ScopeWithdrawals}

// KeyPrefix starts every API key (so that a leaked one is recognisable).
const KeyPrefix = "vwk_"

// APIKey is a scoped key of the operator's payment system. The key itself
// is shown once when created and stored only as its SHA-256.
type APIKey struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Scopes     []string  `json:"scopes"`
	CreatedAt  time.Time `json:"created_at"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	Uses       int64     `json:"uses"`
}

// Has reports whether the key has scope.
func (k *APIKey) Has(scope string) bool { return slices.Contains(k.Scopes, scope) }

// KeyStore keeps API keys. sqlstore implements it.
type KeyStore interface {
	CreateAPIKey(ctx context.Context, k *APIKey, hash []byte) error
	APIKeys(ctx context.Context) ([]APIKey, error)
	// RevokeAPIKey marks a key revoked. Errors: NotFound API_KEY_NOT_FOUND.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error
	// UseAPIKey finds the unrevoked key with this hash, counts the use and
	// appends an audit event (action apikey.use, subject the key id, detail
	// what), in one transaction. Errors: NotFound.
	UseAPIKey(ctx context.Context, hash []byte, at time.Time, what, requestID string) (*APIKey, error)
}

// APIKeys creates, lists, revokes and authenticates API keys.
type APIKeys struct {
	Store KeyStore
	Now   func() time.Time
	Rand  io.Reader // nil: crypto/rand
}

func (s *APIKeys) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (s *APIKeys) random(n int) []byte {
	b := make([]byte, n)
	r := s.Rand
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return b
}

// HashKey is the stored hash of a key. A key has 192 random bits, so a
// plain SHA-256 is enough: there is nothing to guess offline.
func HashKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// ParseScopes reads a comma-separated scope list. Errors: Invalid
// API_KEY_SCOPE.
func ParseScopes(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !slices.Contains(Scopes, p) {
			return nil, errs.New(errs.Invalid, "API_KEY_SCOPE", "Unknown scope "+p+"; scopes are "+strings.Join(Scopes, ", ")+".",
				"未知的权限范围 "+p+"；可用："+strings.Join(Scopes, "、")+"。").OnField("scope")
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, errs.New(errs.Invalid, "API_KEY_SCOPE", "Give at least one scope: "+strings.Join(Scopes, ", ")+".",
			"请至少指定一个权限范围："+strings.Join(Scopes, "、")+"。").OnField("scope")
	}
	return out, nil
}

// Create makes a key with a name and scopes and returns it (the only time
// it is shown) with its record. Errors: Invalid API_KEY_NAME, API_KEY_SCOPE.
func (s *APIKeys) Create(ctx context.Context, name string, scopes []string) (string, *APIKey, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", nil, errs.New(errs.Invalid, "API_KEY_NAME", "Give the key a name (at most 100 characters), e.g. the payment system's.",
			"请为密钥命名（最多 100 个字符），例如支付系统的名称。").OnField("name")
	}
	sc, err := ParseScopes(strings.Join(scopes, ","))
	if err != nil {
		return "", nil, err
	}
	key := KeyPrefix + base64.RawURLEncoding.EncodeToString(s.random(24))
	k := &APIKey{ID: "key_" + base64.RawURLEncoding.EncodeToString(s.random(9)), Name: name, Scopes: sc, CreatedAt: s.now()}
	if err := s.Store.CreateAPIKey(ctx, k, HashKey(key)); err != nil {
		return "", nil, err
	}
	return key, k, nil
}

// List lists the keys (never the keys themselves).
func (s *APIKeys) List(ctx context.Context) ([]APIKey, error) { return s.Store.APIKeys(ctx) }

// Revoke revokes a key. Errors: NotFound API_KEY_NOT_FOUND.
func (s *APIKeys) Revoke(ctx context.Context, id string) error {
	return s.Store.RevokeAPIKey(ctx, id, s.now())
}

// ErrKeyInvalid answers an unknown or revoked key.
var ErrKeyInvalid = errs.New(errs.Unauthenticated, "API_KEY_INVALID", "This API key is not valid (unknown or revoked).", "API 密钥无效（不存在或已吊销）。")

// ErrKeyScope answers a key used outside its scopes.
func ErrKeyScope(scope string) error {
	return errs.New(errs.Permission, "API_KEY_SCOPE_MISSING", "This API key does not have the scope "+scope+".", "该 API 密钥没有 "+scope+" 权限。")
}

// Authenticate checks a presented key and that it has scope, counting the
// use and auditing it (what: the request, e.g. "POST /api/v1/admin/wallet/deposits").
// Errors: Unauthenticated API_KEY_INVALID; Permission API_KEY_SCOPE_MISSING.
func (s *APIKeys) Authenticate(ctx context.Context, key, scope, what, requestID string) (*APIKey, error) {
	if !strings.HasPrefix(key, KeyPrefix) || len(key) > 100 {
		return nil, ErrKeyInvalid
	}
	k, err := s.Store.UseAPIKey(ctx, HashKey(key), s.now(), what, requestID)
	if errs.KindOf(err) == errs.NotFound {
		return nil, ErrKeyInvalid
	}
	if err != nil {
		return nil, err
	}
	if !k.Has(scope) {
		return nil, ErrKeyScope(scope)
	}
	return k, nil
}

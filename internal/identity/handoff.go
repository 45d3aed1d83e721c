package identity

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
)

// HandoffTTL is how long a hand-off link works.
const HandoffTTL = 10 * time.Minute

// HandoffStore persists hand-off links (continue on another device).
type HandoffStore interface {
	// CreateHandoff stores a link under the hash of its token.
	CreateHandoff(ctx context.Context, tokenHash []byte, userID, caseID string, expires time.Time) error
	// UseHandoff spends a live, unused link and returns its user and case.
	// Errors: NotFound HANDOFF_INVALID.
	UseHandoff(ctx context.Context, tokenHash []byte, now time.Time) (userID, caseID string, err error)
	// PeekHandoff returns a live, unused link's user without spending it.
	// Errors: NotFound HANDOFF_INVALID.
	PeekHandoff(ctx context.Context, tokenHash []byte, now time.Time) (userID string, err error)
}

// ErrHandoffInvalid is returned for unknown, used or expired hand-off links.
func ErrHandoffInvalid() *errs.Error {
	return errs.New(errs.NotFound, "HANDOFF_INVALID",
		"This link has expired or was used already. On your first device, show a new QR code.",
		"该链接已过期或已被使用。请在原设备上重新生成二维码。")
}

// CreateHandoff makes a one-time link that logs another device into the
// user's account and opens a verification case there.
func (s *Service) CreateHandoff(ctx context.Context, hs HandoffStore, userID, caseID string) (string, time.Time, error) {
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", time.Time{}, errs.Internalf("token: %w", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(raw)
	exp := s.now().UTC().Add(HandoffTTL).Truncate(time.Microsecond)
	if err := hs.CreateHandoff(ctx, TokenHash(tok), userID, caseID, exp); err != nil {
		return "", time.Time{}, err
	}
	return tok, exp, nil
}

// RedeemHandoff spends a hand-off link and opens a browser session for its
// user on the new device. Errors: NotFound HANDOFF_INVALID.
func (s *Service) RedeemHandoff(ctx context.Context, token, userAgent, clientIP string) (string, *Session, string, error) {
	if token == "" || len(token) > 64 {
		return "", nil, "", ErrHandoffInvalid()
	}
	hs, ok := s.store.(HandoffStore)
	if !ok {
		return "", nil, "", errs.Internalf("store does not keep hand-offs")
	}
	userID, caseID, err := hs.UseHandoff(ctx, TokenHash(token), s.now().UTC())
	if err != nil {
		return "", nil, "", err
	}
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return "", nil, "", err
	}
	tok, sess, err := s.openSession(ctx, u, SessionWeb, userAgent, s.now().UTC())
	if err != nil {
		return "", nil, "", err
	}
	return tok, sess, caseID, nil
}

// PeekHandoff returns the account a live hand-off link would log in,
// without spending it (for the confirmation page). Errors: NotFound
// HANDOFF_INVALID.
func (s *Service) PeekHandoff(ctx context.Context, token string) (*User, error) {
	if token == "" || len(token) > 64 {
		return nil, ErrHandoffInvalid()
	}
	hs, ok := s.store.(HandoffStore)
	if !ok {
		return nil, errs.Internalf("store does not keep hand-offs")
	}
	userID, err := hs.PeekHandoff(ctx, TokenHash(token), s.now().UTC())
	if err != nil {
		return nil, err
	}
	return s.store.UserByID(ctx, userID)
}

// MaskedLogin shows an account without revealing it: l***@example.com,
// +86 138****8000.
func MaskedLogin(u *User) string {
	if u.Email != "" {
		at := strings.LastIndexByte(u.Email, '@')
		if at < 1 {
			return "***"
		}
		return u.Email[:1] + "***" + u.Email[at:]
	}
	p := u.Phone
	if len(p) > 7 {
		return p[:len(p)-8] + "****" + p[len(p)-4:]
	}
	return "****"
}

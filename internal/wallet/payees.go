package wallet

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/idrules"
	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// Users finds accounts (identity.Store, as *sqlstore.Accounts implements it).
type Users interface {
	UserByLogin(ctx context.Context, kind identity.LoginKind, value string) (*identity.User, string, error)
	UserByID(ctx context.Context, id string) (*identity.User, error)
}

// CustomerChecker tells whether a customer account exists (sqlstore.Wallet
// implements it).
type CustomerChecker interface {
	CustomerExists(ctx context.Context, userID string) (bool, error)
}

// LookupStore counts payee look-ups per user. sqlstore implements it.
type LookupStore interface {
	// TakeLookup records a look-up by userID at at unless the user made
	// max or more since since; it reports whether it was recorded and, if
	// not, the time of the oldest counted one. One transaction serialised
	// per user.
	TakeLookup(ctx context.Context, userID string, max int, at, since time.Time) (bool, time.Time, error)
}

// LookupLimit bounds payee look-ups: Max per Window per user.
type LookupLimit struct {
	Max    int
	Window time.Duration
}

// DefaultLookupLimit: 30 look-ups an hour (a customer pays a handful of
// people; enumerating accounts needs thousands).
var DefaultLookupLimit = LookupLimit{Max: 30, Window: time.Hour}

// Payees resolves what a payer typed (an email, a phone number in any
// format `veriwallet check phone` accepts, or a user id) to a customer,
// and shows the payee's masked verified name. It implements
// ledger.PayeeResolver. Look-ups by email or phone are throttled per payer
// (the payer comes from the context: WithPayer) so they cannot be used to
// enumerate accounts; an unknown and an unverified customer answer alike.
type Payees struct {
	Users    Users
	Verified *Verified
	Lookups  LookupStore
	// Approved, when set, tells a transfer whether a payee found by email
	// or phone is verified without decrypting their case.
	Approved ApprovedLevels
	Limit    LookupLimit // zero: DefaultLookupLimit
	Now      func() time.Time
}

type payerKey struct{}

// WithPayer returns ctx carrying the user on whose behalf payees are
// resolved (for the look-up throttle).
func WithPayer(ctx context.Context, userID string) context.Context {
	return context.WithValue(ctx, payerKey{}, userID)
}

func payerOf(ctx context.Context) string {
	s, _ := ctx.Value(payerKey{}).(string)
	return s
}

// Payee is what a payer sees before confirming: the payee's id and masked
// verified name.
type Payee struct {
	UserID     string `json:"user_id"`
	MaskedName string `json:"masked_name"`
}

func (p *Payees) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// take counts a look-up by the payer. Errors: TooMany PAYEE_LOOKUPS_THROTTLED.
func (p *Payees) take(ctx context.Context, payer string) error {
	if payer == "" || p.Lookups == nil {
		return nil
	}
	lim := p.Limit
	if lim.Max == 0 {
		lim = DefaultLookupLimit
	}
	now := p.now()
	ok, oldest, err := p.Lookups.TakeLookup(ctx, payer, lim.Max, now, now.Add(-lim.Window))
	if err != nil || ok {
		return err
	}
	wait := max(oldest.Add(lim.Window).Sub(now), time.Second)
	mins := int((wait + time.Minute - 1) / time.Minute)
	e := errs.New(errs.TooMany, "PAYEE_LOOKUPS_THROTTLED",
		fmt.Sprintf("Too many payee look-ups. Try again in %d minute(s).", mins),
		fmt.Sprintf("查询收款人过于频繁，请在 %d 分钟后重试。", mins))
	e.RetryAfter = wait
	return e
}

// Resolve implements ledger.PayeeResolver. Errors: Invalid PAYEE_REQUIRED;
// NotFound PAYEE_NOT_FOUND (also for an unverified customer found by email
// or phone); TooMany PAYEE_LOOKUPS_THROTTLED.
func (p *Payees) Resolve(ctx context.Context, to string) (string, error) {
	pe, err := p.find(ctx, to, payerOf(ctx), false)
	if err != nil {
		return "", err
	}
	return pe.UserID, nil
}

// Lookup is Resolve with the masked name, for the payer to check before
// confirming; every look-up by the payer counts. Errors: as Resolve.
func (p *Payees) Lookup(ctx context.Context, payer, to string) (*Payee, error) {
	return p.find(ctx, to, payer, true)
}

// find resolves to; withName also reads the masked name (decrypting the
// payee's verified case), which a transfer does not need.
func (p *Payees) find(ctx context.Context, to, payer string, withName bool) (*Payee, error) {
	to = strings.TrimSpace(to)
	if to == "" || len(to) > 200 {
		return nil, ledger.ErrPayeeRequired
	}
	var u *identity.User
	var err error
	byID := false
	switch {
	case strings.Contains(to, "@"):
		if err := p.take(ctx, payer); err != nil {
			return nil, err
		}
		email, nerr := identity.NormalizeEmail(to)
		if nerr != nil {
			return nil, ledger.ErrPayeeNotFound
		}
		u, _, err = p.Users.UserByLogin(ctx, identity.ByEmail, email)
	case strings.HasPrefix(to, "usr_"):
		// User ids are random: not worth counting against enumeration.
		byID = true
		if ce, ok := p.Approved.(CustomerChecker); ok && !withName {
			// A transfer needs only to know the customer exists: one
			// indexed read, nothing to decrypt.
			found, err := ce.CustomerExists(ctx, to)
			if err != nil {
				return nil, err
			}
			if !found {
				return nil, ledger.ErrPayeeNotFound
			}
			return &Payee{UserID: to}, nil
		}
		u, err = p.Users.UserByID(ctx, to)
	default:
		ph, rs := idrules.ParsePhone(to, "CN")
		if !idrules.Valid(rs) {
			return nil, ledger.ErrPayeeNotFound
		}
		if err := p.take(ctx, payer); err != nil {
			return nil, err
		}
		u, _, err = p.Users.UserByLogin(ctx, identity.ByPhone, ph.E164)
	}
	if errs.KindOf(err) == errs.NotFound || err == nil && (u == nil || u.Role != identity.RoleCustomer || u.ClosedAt != nil) {
		return nil, ledger.ErrPayeeNotFound
	}
	if err != nil {
		return nil, err
	}
	var name string
	var ok bool
	switch {
	case withName:
		name, ok, err = p.Verified.MaskedName(ctx, u.ID)
	case byID:
		ok = true // by id, anyone may be paid: no need to look further
	case p.Approved != nil:
		var ls []verification.Level
		ls, err = p.Approved.ApprovedLevels(ctx, u.ID)
		ok = len(ls) > 0
	default:
		_, rank, e := p.Verified.Best(ctx, u.ID)
		ok, err = rank >= 0, e
	}
	if err != nil {
		return nil, err
	}
	// Found by email or phone, an unverified customer answers as an
	// unknown one would; by user id (random, shared by its owner) they can
	// be paid: unverified customers may receive.
	if !ok && !byID {
		return nil, ledger.ErrPayeeNotFound
	}
	return &Payee{UserID: u.ID, MaskedName: name}, nil
}

package wallet

import (
	"context"
	"fmt"

	"github.com/veriwallet/veriwallet/internal/errs"

	"github.com/veriwallet/veriwallet/internal/ledger"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// ApprovedLevels lists the levels of a user's approved verification cases
// (sqlstore.Wallet implements it with one indexed query, no decryption).
type ApprovedLevels interface {
	ApprovedLevels(ctx context.Context, userID string) ([]verification.Level, error)
}

// Policies gives a customer's wallet policy from their verified level and
// that level's limits in the levels file. It implements ledger.Policies.
type Policies struct {
	Approved ApprovedLevels
	levels   verification.Levels
	// byRank[0] is the unverified customer's policy, byRank[i] the policy
	// of the level at index i-1 of the levels file.
	byRank []ledger.Policy
}

// NewPolicies builds the policies of every level, converting the levels
// file's decimal limits to the assets' smallest units. Every level that
// lets customers send (or withdraw) must list limits for every asset the
// wallet holds, so that a newly added asset is never unlimited by
// omission. Errors: Invalid LEVELS_INVALID naming the level and asset.
func NewPolicies(approved ApprovedLevels, levels verification.Levels, assets ledger.Assets) (*Policies, error) {
	p := &Policies{Approved: approved, levels: levels}
	p.byRank = make([]ledger.Policy, len(levels.Levels)+1)
	p.byRank[0] = ledger.Policy{Rank: 0}
	for i, l := range levels.Levels {
		pol := ledger.Policy{Level: string(l.Name), Rank: i + 1}
		for _, dir := range []string{"send", "withdraw"} {
			perm := ledger.Permission{Limits: map[string]ledger.Limits{}}
			any, missing := false, ""
			for _, code := range assets.Codes() {
				al := l.Limits[code]
				w := al.Send
				if dir == "withdraw" {
					w = al.Withdraw
				}
				if w == nil {
					missing = code
					continue
				}
				any = true
				var lim ledger.Limits
				var err error
				for _, f := range []struct {
					v   string
					dst *int64
				}{{w.PerTransaction, &lim.PerTx}, {w.PerDay, &lim.PerDay}, {w.PerMonth, &lim.PerMonth}} {
					if f.v == "" {
						continue
					}
					if *f.dst, err = ledger.ParseAmount(assets[code], f.v); err != nil {
						return nil, levelsError(fmt.Sprintf("levels[%d].limits.%s.%s: %q is not a positive amount of %s", i, code, dir, f.v, code))
					}
				}
				perm.Limits[code] = lim
			}
			if any && missing != "" {
				return nil, levelsError(fmt.Sprintf("levels[%d] (%s) allows to %s but lists no %s limits for %s: list every asset, or none", i, l.Name, dir, dir, missing))
			}
			perm.Allowed = any
			if dir == "send" {
				pol.Send = perm
			} else {
				pol.Withdraw = perm
			}
		}
		p.byRank[i+1] = pol
	}
	// Next: the lowest higher level that allows the operation.
	// Its title goes with it: refusals name the level as customers see it.
	for r := range p.byRank {
		for j := r + 1; j < len(p.byRank); j++ {
			h, title := p.byRank[j], levels.Levels[j-1].Title
			if p.byRank[r].Send.Next == "" && h.Send.Allowed {
				p.byRank[r].Send.Next, p.byRank[r].Send.NextTitle = h.Level, title
			}
			if p.byRank[r].Withdraw.Next == "" && h.Withdraw.Allowed {
				p.byRank[r].Withdraw.Next, p.byRank[r].Withdraw.NextTitle = h.Level, title
			}
		}
	}
	return p, nil
}

func levelsError(detail string) error {
	return errs.New(errs.Invalid, "LEVELS_INVALID", "The verification levels configuration is invalid: "+detail,
		"实名认证等级配置无效："+detail)
}

// Policy implements ledger.Policies: the policy of the user's highest
// approved level.
func (p *Policies) Policy(ctx context.Context, userID string) (ledger.Policy, error) {
	ls, err := p.Approved.ApprovedLevels(ctx, userID)
	if err != nil {
		return ledger.Policy{}, err
	}
	best := 0
	for _, l := range ls {
		if r := p.levels.LevelRank(l) + 1; r > best {
			best = r
		}
	}
	return p.byRank[best], nil
}

// ForRank returns the policy of a rank (0: unverified).
func (p *Policies) ForRank(rank int) ledger.Policy {
	if rank < 0 || rank >= len(p.byRank) {
		return p.byRank[0]
	}
	return p.byRank[rank]
}

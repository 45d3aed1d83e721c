package web

import (
	"slices"
	"strings"
	"testing"

	"github.com/veriwallet/veriwallet/internal/identity"
)

// TestEveryPageHasAPermission: every page pattern is in pageRoles (a page
// without an entry refuses everyone), no entry is stale, and the console
// is for reviewers and administrators only.
func TestEveryPageHasAPermission(t *testing.T) {
	seen := map[string]bool{}
	for _, rt := range (&Web{}).routes() {
		seen[rt.pattern] = true
		roles, ok := pageRoles[rt.pattern]
		if !ok {
			t.Errorf("page %s has no entry in pageRoles", rt.pattern)
		}
		if strings.Contains(rt.pattern, " /review") && !slices.Equal(roles, []identity.Role{identity.RoleReviewer, identity.RoleAdmin}) {
			t.Errorf("console page %s is open to %v", rt.pattern, roles)
		}
	}
	for p := range pageRoles {
		if !seen[p] {
			t.Errorf("pageRoles entry %s has no page", p)
		}
	}
}

func TestDiffRunes(t *testing.T) {
	var got []string
	for _, d := range diffRunes("张三丰", "张三峰") {
		if d.Diff {
			got = append(got, d.R)
		}
	}
	if strings.Join(got, "") != "丰" {
		t.Fatalf("differing characters: %v", got)
	}
}

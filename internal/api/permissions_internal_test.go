package api

import (
	"testing"
)

// TestEveryRouteHasAPermission: a route without an entry in the
// permission table fails here (and answers 403 to everyone), an entry
// without a route is stale, and a public entry is exactly a route that
// needs no session.
func TestEveryRouteHasAPermission(t *testing.T) {
	seen := map[string]bool{}
	for _, rt := range (&API{}).routes() {
		key := rt.method + " " + rt.path
		seen[key] = true
		p, ok := permissions[key]
		if !ok {
			t.Errorf("route %s has no entry in the permission table (permissions.go)", key)
			continue
		}
		if p.public == rt.auth {
			t.Errorf("route %s: auth=%v but the permission entry says public=%v", key, rt.auth, p.public)
		}
		if !p.public && len(p.anyRes)+len(p.ownRes) == 0 {
			t.Errorf("route %s: nobody may call it", key)
		}
	}
	for key := range permissions {
		if !seen[key] {
			t.Errorf("permission entry %s has no route", key)
		}
	}
}

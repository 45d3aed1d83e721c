package identity

import "testing"

func TestNetworkOf(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":          "203.0.113.0/24",
		"::ffff:203.0.113.200": "203.0.113.0/24",
		"2001:db8:1:2::1":      "2001:db8:1::/48",
		"not an address":       "",
		"":                     "",
	} {
		if got := NetworkOf(in); got != want {
			t.Errorf("NetworkOf(%q) = %q, want %q", in, got, want)
		}
	}
}

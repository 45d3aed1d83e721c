package verification

import (
	"strings"
	"testing"
)

func TestTitles(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range DocumentKinds {
		tt := DocumentTitle(k)
		if tt.EN == "" || tt.ZH == "" || tt.EN == "document" || seen[tt.EN] {
			t.Errorf("DocumentTitle(%s) = %+v", k, tt)
		}
		seen[tt.EN] = true
		// The title is a slot's heading and is built into sentences
		// ("Photo: …", "the …" in neededTitle): no article of its own.
		if strings.HasPrefix(tt.EN, "a ") || strings.HasPrefix(tt.EN, "the ") {
			t.Errorf("DocumentTitle(%s) = %q starts with an article", k, tt.EN)
		}
		if n := neededTitle(k); strings.HasPrefix(n.EN, "the a ") || strings.HasPrefix(n.EN, "the the ") {
			t.Errorf("neededTitle(%s) = %q", k, n.EN)
		}
	}
	if DocumentTitle("??").ZH != "证件" {
		t.Error("fallback title")
	}
	for _, typ := range IDTypes {
		tt := IDTypeTitle(typ)
		if tt.EN == "" || tt.ZH == "" || tt.EN == "identity document" || seen[tt.EN] {
			t.Errorf("IDTypeTitle(%s) = %+v", typ, tt)
		}
		seen[tt.EN] = true
	}
	if IDTypeTitle(" PASSPORT ").ZH != "护照" {
		t.Error("passport title")
	}
}

package verification

import "testing"

func TestTitles(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range DocumentKinds {
		tt := DocumentTitle(k)
		if tt.EN == "" || tt.ZH == "" || tt.EN == "document" || seen[tt.EN] {
			t.Errorf("DocumentTitle(%s) = %+v", k, tt)
		}
		seen[tt.EN] = true
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

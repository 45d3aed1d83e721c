package idrules

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestReasonRegistry checks the one list of reasons: every Code constant is
// registered with non-empty messages and hints in both languages, both
// languages use the same placeholders, and every newReason call in the
// package passes a Code constant (never a bare string).
func TestReasonRegistry(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{} // identifier -> code
	used := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if strings.HasPrefix(id.Name, "Code") && i < len(n.Values) {
						if lit, ok := n.Values[i].(*ast.BasicLit); ok {
							consts[id.Name] = strings.Trim(lit.Value, `"`)
						}
					}
				}
			case *ast.FuncDecl:
				ast.Inspect(n.Body, func(m ast.Node) bool {
					if id, ok := m.(*ast.Ident); ok && strings.HasPrefix(id.Name, "Code") {
						used[id.Name] = true
					}
					return true
				})
			case *ast.CallExpr:
				if fn, ok := n.Fun.(*ast.Ident); ok && fn.Name == "newReason" && len(n.Args) > 0 {
					switch a := n.Args[0].(type) {
					case *ast.Ident:
						if !strings.HasPrefix(a.Name, "Code") && a.Name != "code" && a.Name != "reason" { // forwarded codes
							t.Errorf("%s: newReason called with %s, want a Code constant", fset.Position(n.Pos()), a.Name)
						}
					default:
						t.Errorf("%s: newReason called with a non-constant code", fset.Position(n.Pos()))
					}
				}
			}
			return true
		})
	}
	if len(consts) < 40 {
		t.Fatalf("found only %d Code constants", len(consts))
	}
	placeholder := regexp.MustCompile(`\{[a-z]+\}`)
	for id, code := range consts {
		reg, ok := registry[code]
		if !ok {
			t.Errorf("%s (%s) is not registered", id, code)
			continue
		}
		for _, s := range []string{reg.msg.EN, reg.msg.ZH, reg.hint.EN, reg.hint.ZH} {
			if strings.TrimSpace(s) == "" {
				t.Errorf("%s has an empty message or hint", code)
			}
		}
		en := placeholder.FindAllString(reg.msg.EN+reg.hint.EN, -1)
		zh := placeholder.FindAllString(reg.msg.ZH+reg.hint.ZH, -1)
		for i := range zh {
			if zh[i] == "{typezh}" {
				zh[i] = "{type}"
			}
		}
		slices.Sort(en)
		slices.Sort(zh)
		if !slices.Equal(en, zh) {
			t.Errorf("%s: placeholders differ: en %v, zh %v", code, en, zh)
		}
		if !used[id] {
			t.Errorf("%s is registered but never produced", id)
		}
	}
	if len(registry) != len(consts) {
		t.Errorf("registry has %d entries, %d constants", len(registry), len(consts))
	}
	if got := Reasons(); len(got) != len(registry) || !slices.IsSortedFunc(got, func(a, b ReasonInfo) int { return strings.Compare(a.Code, b.Code) }) {
		t.Errorf("Reasons() returned %d entries or unsorted", len(got))
	}
}

func TestNewReasonFillsPlaceholders(t *testing.T) {
	r := newReason(CodeIDLength, "id_number", "n", "17", "want", "18")
	if r.Message.EN != "The number has 17 characters; this kind of document number has 18." || !strings.Contains(r.Message.ZH, "17 位") {
		t.Errorf("message = %+v", r.Message)
	}
	if r.Field != "id_number" || r.Warning {
		t.Errorf("reason = %+v", r)
	}
	if !newReason(CodeIDRegionUnknown, "").Warning {
		t.Error("ID_REGION_UNKNOWN should be a warning")
	}
	if r := newReason("NOT_REGISTERED", ""); r.Message.EN == "" {
		t.Error("unregistered code should still carry a message")
	}
	if !Valid(nil) || !Valid([]Reason{{Warning: true}}) || Valid([]Reason{{}}) {
		t.Error("Valid")
	}
}

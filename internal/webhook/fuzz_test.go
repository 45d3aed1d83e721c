package webhook_test

import (
	"net/url"
	"testing"

	"github.com/veriwallet/veriwallet/internal/webhook"
)

// FuzzValidateURL checks that ValidateURL never panics and that what it
// accepts is a normalised absolute http(s) URL it accepts again unchanged.
func FuzzValidateURL(f *testing.F) {
	for _, s := range []string{"https://example.com/hook", "http://u:p@h/", "HTTP://H:8080/x?y#z", "https://[::1]:1/", "https://%zz/", "http://a:65535", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := webhook.ValidateURL(in)
		if err != nil {
			if out != "" {
				t.Fatalf("error %v with output %q", err, out)
			}
			return
		}
		if len(out) > webhook.MaxURLLength {
			t.Fatalf("accepted %d bytes", len(out))
		}
		u, err := url.Parse(out)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Fragment != "" {
			t.Fatalf("accepted %q → %q (%v)", in, out, err)
		}
		again, err := webhook.ValidateURL(out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q → %q → %q, %v", in, out, again, err)
		}
	})
}

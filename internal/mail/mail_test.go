package mail

import "testing"

func TestParse(t *testing.T) {
	s, err := Parse("smtp://user:p%40ss@mail.example.com:587?from=noreply@example.com")
	if err != nil || s.Addr != "mail.example.com:587" || s.Username != "user" || s.Password != "p@ss" || s.From != "noreply@example.com" {
		t.Fatalf("%+v %v", s, err)
	}
	if s, err := Parse("smtp://mail.example.com?from=a@b.c"); err != nil || s.Addr != "mail.example.com:25" {
		t.Fatalf("default port: %+v %v", s, err)
	}
	for _, bad := range []string{"http://x?from=a@b.c", "smtp://mail.example.com", "smtp:///?from=a@b.c"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := (&SMTP{Addr: "127.0.0.1:1", From: "a@b.c"}).SendMail(t.Context(), "x@y.z\r\nBcc: evil@example.com", "s", "b"); err == nil {
		t.Fatal("a header injection was sent")
	}
}

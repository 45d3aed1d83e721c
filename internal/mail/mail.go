// Package mail sends e-mail through an SMTP server (the password recovery
// links of identity): an smtp:// URL names the server, its credentials and
// the sender, e.g. smtp://user:pass@mail.example.com:587?from=noreply@example.com.
package mail

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// SMTP implements identity.Mailer.
type SMTP struct {
	Addr     string // host:port
	From     string
	Username string
	Password string
	Now      func() time.Time
}

// Parse reads an smtp:// URL (STARTTLS is used when the server offers it;
// credentials are only sent over TLS or to localhost, as net/smtp insists).
// Errors: a malformed URL or a missing from.
func Parse(raw string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("smtp url: %w", err)
	}
	if u.Scheme != "smtp" || u.Host == "" {
		return nil, errors.New("smtp url: want smtp://[user:pass@]host:port?from=address")
	}
	host := u.Host
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(host, "25")
	}
	s := &SMTP{Addr: host, From: u.Query().Get("from")}
	if s.From == "" {
		return nil, errors.New("smtp url: the from parameter (the sender address) is required")
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	return s, nil
}

// SendMail sends a plain-text UTF-8 message. Errors: the server's.
func (s *SMTP) SendMail(ctx context.Context, to, subject, body string) error {
	if strings.ContainsAny(to, "\r\n") || strings.ContainsAny(subject, "\r\n") {
		return errors.New("mail: line break in a header")
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	msg := "From: " + s.From + "\r\nTo: " + to + "\r\nSubject: " + mime.BEncoding.Encode("utf-8", subject) +
		"\r\nDate: " + now().Format(time.RFC1123Z) + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		wrap(base64.StdEncoding.EncodeToString([]byte(body)))
	var auth smtp.Auth
	if s.Username != "" {
		host, _, _ := net.SplitHostPort(s.Addr)
		auth = smtp.PlainAuth("", s.Username, s.Password, host)
	}
	done := make(chan error, 1)
	go func() { done <- smtp.SendMail(s.Addr, auth, s.From, []string{to}, []byte(msg)) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func wrap(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s + "\r\n")
	return b.String()
}

package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/mail"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// smtpSink is a local SMTP server (the real protocol, enough of it for
// net/smtp): it keeps every message it is sent.
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
}

func newSMTPSink(t *testing.T) *smtpSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(l string) { c.Write([]byte(l + "\r\n")) }
	say("220 sink ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			say("250-sink")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "HELO"), strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"), strings.HasPrefix(cmd, "RSET"), strings.HasPrefix(cmd, "NOOP"):
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, b.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 no")
		}
	}
}

func (s *smtpSink) wait(t *testing.T, substr string) string {
	t.Helper()
	for i := 0; i < 200; i++ {
		s.mu.Lock()
		for _, m := range s.msgs {
			if strings.Contains(m, substr) {
				s.mu.Unlock()
				return m
			}
		}
		s.mu.Unlock()
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("no e-mail with %q", substr)
	return ""
}

// screenshot is a PNG a customer might attach.
func screenshot(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			img.Set(x, y, color.RGBA{uint8(x / 3), uint8(y / 2), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func staffToken(t *testing.T, srv *httptestServer, email string, role identity.Role) (string, string) {
	t.Helper()
	u, err := lastAccounts.Register(context.Background(), identity.RegisterInput{Email: email, Password: "staff password 1", Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return login(t, srv, `"email":"`+email+`"`, "staff password 1"), u.ID
}

// TestSupportTicketFlow: a customer whose case needs a retry opens a ticket
// from it with a screenshot; the agent sees the customer-visible reason and
// not the duplicate-identity one the case also has; an admin's canned reply
// goes out; the customer sees it, in-app and by e-mail at a local SMTP
// server; internal notes stay internal; the rating needs a resolution.
func TestSupportTicketFlow(t *testing.T) {
	for _, engine := range sqltestEngines() {
		t.Run(engine, func(t *testing.T) {
			sink := newSMTPSink(t)
			mailer, err := mail.Parse("smtp://" + sink.ln.Addr().String() + "?from=support@veriwallet.test")
			if err != nil {
				t.Fatal(err)
			}
			base, _ := newServerWith(t, engine, func(o *app.Options) { o.Mailer = mailer; o.PublicURL = "https://wallet.test" })
			register(t, base, `"email":"cust@example.com"`, "long enough pass")
			tok := login(t, base, `"email":"cust@example.com"`, "long enough pass")
			cid := str(view(do(t, base, "POST", "/api/v1/verifications", tok, `{"level":"standard"}`))["id"])
			ctx := context.Background()
			c, err := lastApp.Cases.Case(ctx, cid)
			if err != nil {
				t.Fatal(err)
			}
			d := verification.Decision{Status: verification.StatusRetryRequired,
				Reasons:  []string{"IMAGE_BLURRY", verification.CodeDuplicateIdentity},
				Findings: []verification.Finding{{Code: "IMAGE_BLURRY", Document: "id_front", Step: "documents:id_front"}, {Code: verification.CodeDuplicateIdentity}}}
			if err := lastApp.Cases.SaveDecision(ctx, c, nil, d, verification.CaseEvent{From: c.Status, To: d.Status, Actor: "system", At: time.Now()}); err != nil {
				t.Fatal(err)
			}

			// A screenshot, uploaded on the documents' path as an attachment.
			st, m := postMultipart(t, base, tok, "attachment", screenshot(t), "")
			if st != 201 {
				t.Fatalf("attachment upload: %d %v", st, m)
			}
			att := m["document"].(map[string]any)["id"].(string)
			// An ID photo cannot be passed off as an attachment.
			if r := do(t, base, "POST", "/api/v1/support/tickets", tok, `{"subject":"x","body":"y","attachment_ids":["doc_nope"]}`); r.status != 404 || r.field() != "attachment_ids" {
				t.Fatalf("unknown attachment: %d %s", r.status, r.raw)
			}
			if r := do(t, base, "POST", "/api/v1/support/tickets", tok, `{"subject":"x","body":"y","attachment_ids":["a","b","c","d","e","f"]}`); r.code() != "TOO_MANY_ATTACHMENTS" {
				t.Fatalf("six attachments: %d %s", r.status, r.raw)
			}
			r := do(t, base, "POST", "/api/v1/support/tickets", tok,
				`{"subject":"照片一直不通过","body":"我已经重拍了三次","verification_id":"`+cid+`","attachment_ids":["`+att+`"]}`)
			if r.status != 201 {
				t.Fatalf("open: %d %s", r.status, r.raw)
			}
			tk := r.body["ticket"].(map[string]any)
			tid := str(tk["id"])
			if tk["category"] != "verification" || tk["status"] != "open" || !strings.Contains(r.raw, `"reasons":["IMAGE_BLURRY"]`) ||
				strings.Contains(r.raw, "DUPLICATE") {
				t.Fatalf("opened ticket: %s", r.raw)
			}
			// Another customer cannot see it.
			register(t, base, `"email":"other@example.com"`, "long enough pass")
			other := login(t, base, `"email":"other@example.com"`, "long enough pass")
			if r := do(t, base, "GET", "/api/v1/support/tickets/"+tid, other, ""); r.status != 404 {
				t.Fatalf("other customer: %d", r.status)
			}
			if r := do(t, base, "GET", "/api/v1/agent/tickets", tok, ""); r.status != 403 {
				t.Fatalf("customer in the agent queue: %d", r.status)
			}

			admin, _ := staffToken(t, base, "boss@example.com", identity.RoleAdmin)
			agent, agentID := staffToken(t, base, "agent@example.com", identity.RoleSupport)
			if r := do(t, base, "PUT", "/api/v1/admin/canned-replies/retake", agent, `{"title_en":"a","title_zh":"b","body_en":"c","body_zh":"d"}`); r.status != 403 {
				t.Fatalf("agent edited a canned reply: %d", r.status)
			}
			if r := do(t, base, "PUT", "/api/v1/admin/canned-replies/retake", admin,
				`{"title_en":"Retake the photo","title_zh":"请重拍","body_en":"Please take a new photo in even light.","body_zh":"请在光线均匀处重新拍摄。"}`); r.status != 200 {
				t.Fatalf("canned: %d %s", r.status, r.raw)
			}
			q := do(t, base, "GET", "/api/v1/agent/tickets?status=open&category=verification", agent, "")
			if q.status != 200 || !strings.Contains(q.raw, tid) {
				t.Fatalf("queue: %d %s", q.status, q.raw)
			}
			at := do(t, base, "GET", "/api/v1/agent/tickets/"+tid, agent, "", "Accept-Language", "zh-CN")
			if at.status != 200 || !strings.Contains(at.raw, `"code":"IMAGE_BLURRY"`) || strings.Contains(at.raw, "DUPLICATE") ||
				!strings.Contains(at.raw, "我已经重拍了三次") {
				t.Fatalf("agent view: %d %s", at.status, at.raw)
			}
			// The attachment is viewable by the agent; the case's documents are not (no grant).
			if r := do(t, base, "GET", "/api/v1/agent/tickets/"+tid+"/documents/"+att, agent, ""); r.status != 200 || r.header.Get("Content-Type") != "image/png" {
				t.Fatalf("attachment for the agent: %d %s", r.status, r.raw)
			}
			if r := do(t, base, "GET", "/api/v1/agent/tickets/"+tid+"/documents/doc_other", agent, ""); r.status != 404 {
				t.Fatalf("ungranted document: %d", r.status)
			}
			if r := do(t, base, "POST", "/api/v1/agent/tickets/"+tid+"/grant-documents", agent, `{"agent_id":"`+agentID+`"}`); r.status != 403 {
				t.Fatalf("agent granted itself: %d", r.status)
			}
			if r := do(t, base, "POST", "/api/v1/agent/tickets/"+tid+"/grant-documents", admin, `{"agent_id":"`+agentID+`"}`); r.status != 200 {
				t.Fatalf("grant: %d %s", r.status, r.raw)
			}
			// An internal note, then the canned reply.
			if r := do(t, base, "POST", "/api/v1/agent/tickets/"+tid+"/messages", agent, `{"body":"looks like glare, secret note","internal":true}`); r.status != 201 {
				t.Fatalf("note: %d %s", r.status, r.raw)
			}
			rep := do(t, base, "POST", "/api/v1/agent/tickets/"+tid+"/messages", agent, `{"canned_id":"retake","lang":"zh"}`)
			if rep.status != 201 || rep.body["ticket"].(map[string]any)["status"] != "waiting_on_customer" || rep.body["ticket"].(map[string]any)["first_response_seconds"] == nil {
				t.Fatalf("reply: %d %s", rep.status, rep.raw)
			}
			mine := do(t, base, "GET", "/api/v1/support/tickets/"+tid, tok, "")
			if !strings.Contains(mine.raw, "请在光线均匀处重新拍摄。") || strings.Contains(mine.raw, "secret note") {
				t.Fatalf("customer view: %s", mine.raw)
			}
			if r := do(t, base, "GET", "/api/v1/messages", tok, ""); !strings.Contains(r.raw, `"ticket_id":"`+tid+`"`) {
				t.Fatalf("in-app notice: %s", r.raw)
			}
			msg := sink.wait(t, "cust@example.com")
			if i := strings.Index(msg, "\r\n\r\n"); i > 0 {
				body, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(msg[i+4:], "\r\n", ""))
				if !strings.Contains(string(body), "https://wallet.test/support/tickets/"+tid) || strings.Contains(string(body), "重新拍摄") {
					t.Fatalf("e-mail body: %s", body)
				}
			}
			// Rating before resolution is refused; after, kept.
			if r := do(t, base, "POST", "/api/v1/support/tickets/"+tid+"/rating", tok, `{"rating":5}`); r.code() != "TICKET_NOT_RESOLVED" {
				t.Fatalf("early rating: %s", r.raw)
			}
			if r := do(t, base, "POST", "/api/v1/agent/tickets/"+tid+"/messages", agent, `{"body":"Done.","resolve":true}`); r.body["ticket"].(map[string]any)["status"] != "resolved" {
				t.Fatalf("resolve: %s", r.raw)
			}
			if r := do(t, base, "POST", "/api/v1/support/tickets/"+tid+"/rating", tok, `{"rating":5}`); r.status != 200 || r.body["ticket"].(map[string]any)["rating"] != float64(5) {
				t.Fatalf("rating: %d %s", r.status, r.raw)
			}
			// The customer's reply reopens it.
			if r := do(t, base, "POST", "/api/v1/support/tickets/"+tid+"/messages", tok, `{"body":"还是不行"}`); r.status != 201 || r.body["ticket"].(map[string]any)["status"] != "open" {
				t.Fatalf("reopen by reply: %d %s", r.status, r.raw)
			}
			au := do(t, base, "GET", "/api/v1/admin/audit", admin, "")
			if !strings.Contains(au.raw, "support.ticket.grant_documents") || !strings.Contains(au.raw, "support.ticket.read") {
				t.Fatalf("audit: %s", au.raw)
			}
			_ = http.StatusOK
		})
	}
}

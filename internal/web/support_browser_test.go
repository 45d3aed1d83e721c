package web_test

import (
	"bufio"
	"context"
	"image"
	"image/color"
	"image/png"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/mail"
	"github.com/veriwallet/veriwallet/internal/support"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// mailSink is a local SMTP server that keeps the recipients it is sent to.
type mailSink struct {
	ln  net.Listener
	mu  sync.Mutex
	rcp []string
}

func newMailSink(t *testing.T) *mailSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &mailSink{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				say := func(l string) { c.Write([]byte(l + "\r\n")) }
				say("220 sink")
				data := false
				for {
					l, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if data {
						if l == ".\r\n" {
							data = false
							say("250 queued")
						}
						continue
					}
					u := strings.ToUpper(strings.TrimSpace(l))
					switch {
					case strings.HasPrefix(u, "EHLO"):
						say("250 sink")
					case strings.HasPrefix(u, "RCPT TO:"):
						s.mu.Lock()
						s.rcp = append(s.rcp, strings.Trim(strings.TrimSpace(l[8:]), "<>"))
						s.mu.Unlock()
						say("250 ok")
					case u == "DATA":
						data = true
						say("354 go on")
					case u == "QUIT":
						say("221 bye")
						return
					default:
						say("250 ok")
					}
				}
			}()
		}
	}()
	return s
}

func (s *mailSink) got(to string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rcp {
		if r == to {
			return true
		}
	}
	return false
}

func writeScreenshot(t *testing.T) string {
	img := image.NewRGBA(image.Rect(0, 0, 390, 600))
	for y := 0; y < 600; y++ {
		for x := 0; x < 390; x++ {
			img.Set(x, y, color.RGBA{240, uint8(200 + y%40), uint8(x % 255), 255})
		}
	}
	p := filepath.Join(t.TempDir(), "screen.png")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

// TestSupportTicketFromStatusPage: a customer whose case needs a retry
// opens a ticket from the status page with a screenshot; an agent sees the
// case's customer-visible reason and not the duplicate-identity reason the
// case also has, and the screenshot; the agent answers with a canned reply;
// the customer sees it, and the e-mail reaches the test's SMTP server.
func TestSupportTicketFromStatusPage(t *testing.T) {
	sink := newMailSink(t)
	mailer, err := mail.Parse("smtp://" + sink.ln.Addr().String() + "?from=support@veriwallet.test")
	if err != nil {
		t.Fatal(err)
	}
	env := newWizardServerWith(t, nil, func(o *app.Options) { o.Mailer = mailer })
	alloc, ctx := newBrowser(t)
	registerAndLogin(t, ctx, env.srv, "help-me@example.com")
	id := startCase(t, ctx)
	fillApplicant(t, ctx, "张三") // the card says 张三丰
	confirmPhone(t, ctx, env)
	uploadPhotos(t, ctx, calib(t, "004_good.jpg"))
	submitAndWait(t, ctx, "retry_required")

	// The case also carries a duplicate-identity finding (sensitive).
	bg := context.Background()
	c, err := env.app.Cases.Case(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	d := *c.Decision
	d.Reasons = append(d.Reasons, verification.CodeDuplicateIdentity)
	d.Findings = append(d.Findings, verification.Finding{Code: verification.CodeDuplicateIdentity})
	if err := env.app.Cases.SaveDecision(bg, c, nil, d, verification.CaseEvent{From: c.Status, To: c.Status, Actor: "system", At: time.Now()}); err != nil {
		t.Fatal(err)
	}

	var help string
	if err := do(ctx,
		chromedp.Reload(),
		chromedp.WaitVisible(css(`#status-reasons li[data-code="NAME_MISMATCH"] a.reason-help`)),
		into(&help, chromedp.JavascriptAttribute[string](css(`li[data-code="NAME_MISMATCH"] a.reason-help`), "href")),
	); err != nil || !strings.HasSuffix(help, "/help/reason-name-mismatch") {
		t.Fatalf("reason help link %q: %v\n%s", help, err, pageText(ctx))
	}
	shot := writeScreenshot(t)
	var loc string
	if err := do(ctx,
		chromedp.Click(css("#support-link")),
		chromedp.WaitVisible(css("#ticket-form")),
		chromedp.SendKeys(css("#ticket-subject"), "姓名一直不通过"),
		chromedp.SendKeys(css("#ticket-body"), "我的证件上就是这个名字"),
		chromedp.SetUploadFiles(css("#ticket-file"), []string{shot}),
	); err != nil {
		t.Fatalf("ticket form: %v\n%s", err, pageText(ctx))
	}
	screenshot(t, ctx, "support-new-en")
	if err := do(ctx,
		chromedp.Click(css("#ticket-submit")),
		chromedp.WaitVisible(css("#thread")),
		into(&loc, chromedp.Location()),
	); err != nil {
		t.Fatalf("open ticket: %v\n%s", err, pageText(ctx))
	}
	tid := loc[strings.LastIndex(loc, "/")+1:]
	if !strings.HasPrefix(tid, "tkt_") {
		t.Fatalf("ticket page %q", loc)
	}

	// The agent, in a browser of its own, with a canned reply an admin wrote.
	agent, err := env.app.Accounts.Register(bg, identity.RegisterInput{Email: "agent@example.com", Password: "long enough pass", Role: identity.RoleSupport})
	if err != nil {
		t.Fatal(err)
	}
	// Staff log in with a second factor: enrol it, then type a code.
	enrolment, _, err := env.app.Accounts.EnrolTOTP(bg, agent)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.app.Support.SaveCannedReply(bg, &support.CannedReply{ID: "name", TitleEN: "Name as printed", TitleZH: "按证件填写姓名",
		BodyEN: "Please type your name exactly as printed on your ID card, every character.", BodyZH: "请按身份证上印刷的姓名逐字填写。"}); err != nil {
		t.Fatal(err)
	}
	actx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	// The tab lives as long as the context of its first run: start it here.
	if err := chromedp.Do(actx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	var reasons string
	var imgOK bool
	if err := do(actx,
		chromedp.Navigate(env.srv.URL+"/login"),
		chromedp.SendKeys(css("#account"), "agent@example.com"),
		chromedp.SendKeys(css("#password"), "long enough pass"),
		chromedp.SendKeys(css("#totp_code"), identity.TOTPCodeBase32(enrolment.Secret, time.Now())),
		chromedp.Click(css("#submit")),
		// An agent starts in the support console, linked from every page.
		chromedp.WaitVisible(css(`#queue a[href="/agent/tickets/`+tid+`"]`)),
		chromedp.Click(css("#nav-agent")),
		chromedp.WaitVisible(css(`#queue a[href="/agent/tickets/`+tid+`"]`)),
		chromedp.Click(css(`#queue a[href="/agent/tickets/`+tid+`"]`)),
		chromedp.WaitVisible(css("#case-reasons")),
		into(&reasons, chromedp.Text(css("#ticket-case"))),
	); err != nil {
		t.Fatalf("agent view: %v\n%s", err, pageText(actx))
	}
	for i := 0; i < 80 && !imgOK; i++ {
		if err := do(actx, into(&imgOK, chromedp.Evaluate[bool](`(() => { const i = document.querySelector('a.attachment img'); return !!i && i.complete && i.naturalWidth === 390; })()`))); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if false {
		t.Fatalf("agent view: %v\n%s", err, pageText(actx))
	}
	if !strings.Contains(reasons, "NAME_MISMATCH") || strings.Contains(reasons, "DUPLICATE") || !imgOK {
		t.Fatalf("agent sees %q (screenshot shown: %v)", reasons, imgOK)
	}
	screenshot(t, actx, "support-agent-en")
	if err := do(actx,
		chromedp.SetValue(css("#canned"), "name"),
		chromedp.Click(css("#agent-send")),
		chromedp.WaitVisible(css("#thread li.staff")),
	); err != nil {
		t.Fatalf("agent reply: %v\n%s", err, pageText(actx))
	}
	// The customer sees the reply (in Chinese: the canned reply's language
	// is the agent's page language, English here).
	var thread string
	if err := do(ctx,
		chromedp.Reload(),
		chromedp.WaitVisible(css("#thread li.staff")),
		into(&thread, chromedp.Text(css("#thread"))),
	); err != nil || !strings.Contains(thread, "exactly as printed on your ID card") {
		t.Fatalf("customer thread %q: %v", thread, err)
	}
	screenshot(t, ctx, "support-ticket-en")
	for i := 0; !sink.got("help-me@example.com"); i++ {
		if i > 200 {
			t.Fatal("no e-mail reached the SMTP server")
		}
		time.Sleep(25 * time.Millisecond)
	}
	// The same pages in Chinese.
	if err := do(ctx,
		chromedp.Navigate(env.srv.URL+"/lang/zh?back=/support/tickets/"+tid),
		chromedp.WaitVisible(css("#thread li.staff")),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pageText(ctx), "客服") {
		t.Fatalf("Chinese ticket page: %s", pageText(ctx))
	}
	screenshot(t, ctx, "support-ticket-zh")
	if err := do(actx,
		chromedp.Navigate(env.srv.URL+"/lang/zh?back=/agent/tickets/"+tid),
		chromedp.WaitVisible(css("#case-reasons")),
	); err != nil {
		t.Fatal(err)
	}
	screenshot(t, actx, "support-agent-zh")
	if err := do(ctx,
		chromedp.Navigate(env.srv.URL+"/help?q="+"照片模糊"),
		chromedp.WaitVisible(css(`#help-results a[href="/help/good-photo"]`)),
	); err != nil {
		t.Fatalf("help search: %v\n%s", err, pageText(ctx))
	}
	screenshot(t, ctx, "help-search-zh")
	if err := do(ctx, chromedp.Navigate(env.srv.URL+"/status"), chromedp.WaitVisible(css("#components"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "status-zh")
}

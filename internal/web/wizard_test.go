package web_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/veriwallet/veriwallet/internal/app"
	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/identity"
	"github.com/veriwallet/veriwallet/internal/sqlstore/sqltest"
	"github.com/veriwallet/veriwallet/internal/verification"
)

// cardReader stands in for the OCR engines: it "reads" the fields the test
// says are printed on the card.
type cardReader struct {
	mu     sync.Mutex
	fields map[document.Kind]verification.ReadFields
	kinds  map[document.Kind]string // what a photo uploaded as a kind is classified as (default: that kind)
}

// set changes what the card "says" for a kind, and what it is classified as ("" for the kind itself).
func (r *cardReader) set(kind document.Kind, f verification.ReadFields, classified string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f != nil {
		r.fields[kind] = f
	}
	if r.kinds == nil {
		r.kinds = map[document.Kind]string{}
	}
	r.kinds[kind] = classified
}

func (r *cardReader) Available() error    { return nil }
func (r *cardReader) CanRead(string) bool { return true }
func (r *cardReader) Read(ctx context.Context, kind document.Kind, img []byte) (verification.Reading, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := string(kind)
	if c := r.kinds[kind]; c != "" {
		k = c
	}
	return verification.Reading{Fields: r.fields[kind], Kind: k, KindConfidence: 0.99, Engine: "test-reader", Version: "1"}, nil
}

// codeSender keeps the last one-time code sent to each phone.
type codeSender struct {
	mu   sync.Mutex
	last map[string]string
}

func (s *codeSender) SendCode(ctx context.Context, phone, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last[phone] = code
	return nil
}

func (s *codeSender) code(phone string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last[phone]
}

// The card of the tests: 张三丰, born 1990-03-07, male.
const (
	cardName   = "张三丰"
	cardNumber = "110105199003072311"
	cardPhone  = "13800138000"
)

type wizardEnv struct {
	srv    *httptest.Server
	sender *codeSender
	reader *cardReader
	app    *app.App
}

// newWizardServer starts the whole application (internal/app, as the binary
// wires it) with the stand-in reader and code sender; wrap, if not nil,
// wraps its handler.
func newWizardServer(t *testing.T, wrap func(http.Handler) http.Handler) *wizardEnv {
	return newWizardServerLevels(t, wrap, nil)
}

// newWizardServerLevels is newWizardServer with levels of its own (nil: the defaults).
func newWizardServerLevels(t *testing.T, wrap func(http.Handler) http.Handler, levels *verification.Levels) *wizardEnv {
	return newWizardServerWith(t, wrap, func(o *app.Options) { o.Levels = levels })
}

// newWizardServerWith is newWizardServer with options changed by set.
func newWizardServerWith(t testing.TB, wrap func(http.Handler) http.Handler, set func(*app.Options)) *wizardEnv {
	db := sqltest.Open(t, "sqlite")
	cfg := identity.DefaultConfig
	cfg.Argon2 = identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
	reader := &cardReader{fields: map[document.Kind]verification.ReadFields{
		document.KindIDFront: {"name": {Value: cardName, Confidence: 0.99}, "id_number": {Value: cardNumber, Confidence: 0.99},
			"birth_date": {Value: "1990-03-07", Confidence: 0.99}, "sex": {Value: "male", Confidence: 0.99}},
		document.KindIDBack: {"valid_until": {Value: "2036-01-01", Confidence: 0.99}},
	}}
	sender := &codeSender{last: map[string]string{}}
	o := app.Options{DB: db, Keys: sqltest.Keyring(t), DataDir: t.TempDir(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Accounts: cfg, Reader: reader, Sender: sender,
		MaxUpload: 8 << 20, Poll: 20 * time.Millisecond,
		// Every test customer types the same number from 127.0.0.1: the
		// per-number and per-address code limits (tested in internal/api)
		// would refuse the second customer's code.
		PhoneLimits: &verification.PhoneLimits{PerUserDay: 10, MaxFailures: 20}}
	if set != nil {
		set(&o)
	}
	a, err := app.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	h := a.Handler
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		a.Stop(sctx)
		cancel()
	})
	return &wizardEnv{srv: srv, sender: sender, reader: reader, app: a}
}

// newBrowser starts headless Chromium on a phone-sized window and returns
// the allocator (for more, separate browser contexts) and a first tab.
func newBrowser(t testing.TB) (alloc, tab context.Context) {
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium not installed (scripts/setup.sh installs it)")
		}
		t.Skip("chromium not installed; run scripts/setup.sh")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(390, 844))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	actx, cancel1 := context.WithTimeout(actx, 60*time.Second)
	t.Cleanup(cancel1)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// Start the browser on the tab's own context: a browser started on a
	// shorter-lived context would end with it.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil { // a phone screen
		t.Fatal(err)
	}
	return actx, ctx
}

// do runs actions with a deadline of its own, so that a failure leaves the
// browser up for pageText.
func do(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) error {
	c, cancel := context.WithTimeout(ctx, 12*time.Second)
	defer cancel()
	return chromedp.Do(c, actions...)
}

// clearInput empties an input as a person would (chromedp.Clear only
// resets the attribute, not what was typed).
func clearInput(sel string) chromedp.Action[chromedp.Void] {
	var ok bool
	return into(&ok, chromedp.Evaluate[bool](`(e => { e.value = ''; e.dispatchEvent(new Event('input')); return true })(document.querySelector('`+sel+`'))`))
}

func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// registerAndLogin registers an account through the API, logs the browser
// in through the login page and gives the separate consent to sensitive
// personal information (the wizard's consent gate has a test of its own).
func registerAndLogin(t *testing.T, ctx context.Context, srv *httptest.Server, email string) {
	t.Helper()
	registerAndLoginNoConsent(t, ctx, srv, email)
	var status int
	if err := do(ctx, into(&status, chromedp.Evaluate[int](`fetch('/api/v1/consents', {method: 'POST', headers: {'Content-Type': 'application/json'},
		body: JSON.stringify({kind: 'sensitive_personal_info', version: '`+identity.DefaultPrivacyVersion+`'})}).then(r => r.status)`, chromedp.EvalAwaitPromise))); err != nil || status != 201 {
		t.Fatalf("consent: %d %v", status, err)
	}
}

// registerAndLoginNoConsent is registerAndLogin without the consent.
func registerAndLoginNoConsent(t *testing.T, ctx context.Context, srv *httptest.Server, email string) {
	t.Helper()
	res, err := http.Post(srv.URL+"/api/v1/auth/register", "application/json",
		strings.NewReader(`{"email":"`+email+`","password":"long enough pass","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("register: %d", res.StatusCode)
	}
	if err := do(ctx,
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.SendKeys(css("#account"), email),
		chromedp.SendKeys(css("#password"), "long enough pass"),
		chromedp.Click(css("#submit")),
		chromedp.WaitVisible(css("#account-login")),
	); err != nil {
		t.Fatalf("login: %v", err)
	}
}

// startCase opens /verify from the account page, starts a case and returns
// its id, with the applicant form on screen.
func startCase(t *testing.T, ctx context.Context) string {
	t.Helper()
	var loc string
	if err := do(ctx,
		chromedp.Click(css("#account-verify")),
		chromedp.WaitVisible(css("#verify-start")),
		chromedp.Click(css("#verify-start")),
		chromedp.WaitVisible(css("#f-full_name")),
		into(&loc, chromedp.Location()),
	); err != nil {
		t.Fatalf("start case: %v", err)
	}
	i := strings.LastIndex(loc, "/verify/")
	if i < 0 || !strings.HasPrefix(loc[i+len("/verify/"):], "ver_") {
		t.Fatalf("wizard address %q", loc)
	}
	return loc[i+len("/verify/"):]
}

// fillApplicant types the applicant form and goes on to the phone step.
func fillApplicant(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if err := do(ctx,
		chromedp.SendKeys(css("#f-full_name"), name),
		chromedp.SendKeys(css("#f-id_number"), cardNumber),
		chromedp.SendKeys(css("#f-phone"), cardPhone),
		chromedp.Click(css("#applicant-next")),
		chromedp.WaitVisible(css("#screen-phone")),
	); err != nil {
		t.Fatalf("applicant: %v\n%s", err, pageText(ctx))
	}
}

// confirmPhone asks for a code and types it.
func confirmPhone(t *testing.T, ctx context.Context, env *wizardEnv) {
	t.Helper()
	if err := do(ctx,
		chromedp.Click(css("#phone-send")),
		chromedp.WaitVisible(css("#phone-code")),
	); err != nil {
		t.Fatalf("send code: %v", err)
	}
	code := env.sender.code("+86" + cardPhone)
	if code == "" {
		t.Fatal("no code sent")
	}
	if err := do(ctx,
		chromedp.SendKeys(css("#phone-code"), code),
		chromedp.Click(css("#phone-confirm")),
		chromedp.WaitVisible(css("#screen-documents")),
	); err != nil {
		t.Fatalf("confirm code: %v", err)
	}
}

// pageText is what the page shows, for failure messages.
func pageText(ctx context.Context) string {
	var s string
	c, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_ = chromedp.Do(c, into(&s, chromedp.Evaluate[string](`document.title + '\\n' + document.body.innerText + '\\ninputs: ' +
		JSON.stringify(Array.from(document.querySelectorAll('input,select')).filter(e => e.value).map(e => e.id + '=' + e.value + (e.getAttribute('aria-invalid') ? '!' : ''))) +
		'\\nerrors: ' + (window.__wizardErrors || []).join(' | ')`)))
	return s
}

func calib(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "document", "testdata", "calib", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// uploadPhotos uploads front and back and goes on to the submit step.
func uploadPhotos(t *testing.T, ctx context.Context, front string) {
	t.Helper()
	if err := do(ctx,
		chromedp.SetUploadFiles(css("#file-id_front"), []string{front}),
		chromedp.WaitVisible(css(`#doc-id_front[data-done="true"]`)),
		chromedp.SetUploadFiles(css("#file-id_back"), []string{calib(t, "010_good.jpg")}),
		chromedp.WaitVisible(css(`#doc-id_back[data-done="true"]`)),
		chromedp.Click(css("#documents-next")),
		chromedp.WaitVisible(css("#screen-submit")),
	); err != nil {
		t.Fatalf("documents: %v", err)
	}
}

func submitAndWait(t *testing.T, ctx context.Context, status string) {
	t.Helper()
	if err := do(ctx,
		chromedp.Click(css("#submit-case")),
		chromedp.WaitVisible(css(`#status-title[data-status="`+status+`"]`)),
	); err != nil {
		t.Fatalf("submit, waiting for %s: %v\n%s", status, err, pageText(ctx))
	}
}

// screenshot saves the window when WIZARD_SCREENSHOTS names a directory.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("WIZARD_SCREENSHOTS")
	if dir == "" {
		return
	}
	var png []byte
	if err := do(ctx, into(&png, chromedp.FullScreenshot(100))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWizardHappyPath(t *testing.T) {
	env := newWizardServer(t, nil)
	_, ctx := newBrowser(t)
	registerAndLogin(t, ctx, env.srv, "happy@example.com")
	id := startCase(t, ctx)

	// The form checks while typing, with the server's messages: a wrong
	// check character, a digit where a name goes, a phone one digit long.
	var idErr, nameErr, phoneErr, code string
	if err := do(ctx,
		chromedp.SendKeys(css("#f-id_number"), "110105199003072319"),
		chromedp.WaitVisible(css("#err-id_number")),
		into(&idErr, chromedp.Text(css("#err-id_number .msg"))),
		into(&code, chromedp.Evaluate[string](`document.getElementById('err-id_number').dataset.code`)),
		chromedp.SendKeys(css("#f-full_name"), "张3"),
		chromedp.WaitVisible(css("#err-full_name")),
		into(&nameErr, chromedp.Text(css("#err-full_name .msg"))),
		chromedp.SendKeys(css("#f-phone"), "138001380001"),
		chromedp.WaitVisible(css("#err-phone")),
		into(&phoneErr, chromedp.Text(css("#err-phone .msg"))),
	); err != nil {
		t.Fatal(err)
	}
	if code != "ID_CHECK_CHARACTER" || !strings.Contains(idErr, "The last character does not match") {
		t.Fatalf("id number while typing: %q %q", code, idErr)
	}
	// The server says the same about that number.
	var serverMsg string
	if err := do(ctx, into(&serverMsg, chromedp.Evaluate[string](`fetch('/api/v1/verifications/`+id+`/applicant', {method: 'PUT',
		headers: {'Content-Type': 'application/json'}, body: JSON.stringify({id_type: 'cn_resident', id_number: '110105199003072319'})})
		.then(r => r.json()).then(j => j.error.fields.find(f => f.field === 'id_number').message)`, chromedp.EvalAwaitPromise))); err != nil {
		t.Fatal(err)
	}
	if serverMsg != idErr {
		t.Fatalf("browser says %q, server says %q", idErr, serverMsg)
	}
	if !strings.Contains(nameErr, `Character 2 ("3")`) {
		t.Fatalf("name while typing: %q", nameErr)
	}
	if !strings.Contains(phoneErr, "too long") {
		t.Fatalf("phone while typing: %q", phoneErr)
	}
	screenshot(t, ctx, "wizard-errors")
	// Corrected, the messages go.
	if err := do(ctx,
		clearInput("#f-id_number"),
		clearInput("#f-full_name"),
		clearInput("#f-phone"),
	); err != nil {
		t.Fatal(err)
	}
	fillApplicant(t, ctx, cardName)
	var hidden bool
	if err := do(ctx, into(&hidden, chromedp.Evaluate[bool](`document.getElementById('err-id_number').hidden`))); err != nil || !hidden {
		t.Fatalf("id number error still shown after the fix (%v)", err)
	}
	confirmPhone(t, ctx, env)
	// A blurred photo is refused with its reasons, each with a hint.
	var reasons string
	if err := do(ctx,
		chromedp.SetUploadFiles(css("#file-id_front"), []string{calib(t, "055_blurry.jpg")}),
		chromedp.WaitVisible(css(`#doc-id_front[data-refused="true"] #reasons-id_front li`)),
		into(&reasons, chromedp.Text(css("#reasons-id_front"))),
	); err != nil {
		t.Fatalf("refused photo: %v\n%s", err, pageText(ctx))
	}
	if !strings.Contains(reasons, "blur") {
		t.Fatalf("refused photo reasons: %q", reasons)
	}
	screenshot(t, ctx, "wizard-documents")
	uploadPhotos(t, ctx, calib(t, "004_good.jpg"))
	var summary string
	if err := do(ctx, into(&summary, chromedp.Text(css("#summary-full_name")))); err != nil || summary != cardName {
		t.Fatalf("summary name %q (%v)", summary, err)
	}
	submitAndWait(t, ctx, "approved")
	screenshot(t, ctx, "wizard-approved")
	var title string
	if err := do(ctx, into(&title, chromedp.Text(css("#status-title")))); err != nil || title == "" {
		t.Fatalf("status title %q (%v)", title, err)
	}
	// The list page shows the case.
	var list string
	if err := do(ctx,
		chromedp.Navigate(env.srv.URL+"/verify"),
		chromedp.WaitVisible(css(".case-link")),
		into(&list, chromedp.Text(css("#cases"))),
	); err != nil || !strings.Contains(list, title) {
		t.Fatalf("list %q (%v)", list, err)
	}
}

func TestWizardMismatchFixed(t *testing.T) {
	env := newWizardServer(t, nil)
	_, ctx := newBrowser(t)
	registerAndLogin(t, ctx, env.srv, "mismatch@example.com")
	id := startCase(t, ctx)
	fillApplicant(t, ctx, "张三") // the card says 张三丰
	confirmPhone(t, ctx, env)
	uploadPhotos(t, ctx, calib(t, "004_good.jpg"))
	submitAndWait(t, ctx, "retry_required")
	screenshot(t, ctx, "wizard-retry")
	var msg, hint, attempts, support string
	var ok bool
	if err := do(ctx,
		chromedp.WaitVisible(css(`#status-reasons li[data-code="NAME_MISMATCH"]`)),
		into(&msg, chromedp.Text(css(`li[data-code="NAME_MISMATCH"] .reason-message`))),
		into(&hint, chromedp.Text(css(`li[data-code="NAME_MISMATCH"] .reason-hint`))),
		into(&attempts, chromedp.Text(css("#status-attempts"))),
		into(&support, chromedp.JavascriptAttribute[string](css("#support-link"), "href")),
	); err != nil {
		t.Fatal(err)
	}
	if msg == "" || !strings.HasPrefix(hint, "What to do:") || len(hint) < len("What to do:")+5 {
		t.Fatalf("reason without its fix: %q / %q", msg, hint)
	}
	if !strings.Contains(attempts, "4") {
		t.Fatalf("attempts: %q", attempts)
	}
	if !strings.HasSuffix(support, "/support?verification="+id) {
		t.Fatalf("support link %q", support)
	}
	// The support page carries the case.
	var shown string
	if err := do(ctx,
		chromedp.Navigate(support),
		chromedp.WaitVisible(css("#support-case")),
		into(&shown, chromedp.Text(css("#support-case"))),
		chromedp.NavigateBack(),
		chromedp.WaitVisible(css(`li[data-code="NAME_MISMATCH"] button.redo`)),
	); err != nil || shown != id {
		t.Fatalf("support page shows %q (%v)", shown, err)
	}
	// "Fix it" opens the form; only the name changes; no new photo.
	if err := do(ctx,
		chromedp.Click(css(`li[data-code="NAME_MISMATCH"] button.redo`)),
		chromedp.WaitVisible(css("#screen-applicant")),
		clearInput("#f-full_name"),
		chromedp.SendKeys(css("#f-full_name"), cardName),
		chromedp.Click(css("#applicant-next")),
		chromedp.WaitVisible(css("#screen-submit")),
		into(&ok, chromedp.Evaluate[bool](`document.querySelectorAll('#submit-missing li').length === 0`)),
	); err != nil || !ok {
		t.Fatalf("fix the name (missing list empty: %v): %v", ok, err)
	}
	submitAndWait(t, ctx, "approved")
}

// paddedJPEG returns the fixture grown to about size bytes with JPEG
// comment segments after the start marker (the picture is unchanged).
func paddedJPEG(t *testing.T, name string, size int) string {
	b, err := os.ReadFile(calib(t, name))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.Write(b[:2])
	for out.Len()+len(b) < size {
		seg := make([]byte, 65533)
		for i := range seg {
			seg[i] = byte('a' + i%26)
		}
		out.Write([]byte{0xFF, 0xFE})
		binary.Write(&out, binary.BigEndian, uint16(len(seg)+2))
		out.Write(seg)
	}
	out.Write(b[2:])
	p := filepath.Join(t.TempDir(), "big.jpg")
	if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// cutter breaks the connection once, in the middle of the first PATCH that
// starts at or after offset from: it passes part of the chunk on and then
// drops the connection without an answer.
type cutter struct {
	mu       sync.Mutex
	from     int64
	cut      bool
	offsets  []int64 // Upload-Offset of every PATCH
	received int64   // PATCH body bytes that reached the server
}

type countingReader struct {
	r       io.Reader
	c       *cutter
	limited bool // cut after left bytes
	left    int64
}

func (cr *countingReader) Read(p []byte) (int, error) {
	if cr.limited {
		if cr.left <= 0 {
			return 0, io.ErrUnexpectedEOF
		}
		if int64(len(p)) > cr.left {
			p = p[:cr.left]
		}
	}
	n, err := cr.r.Read(p)
	cr.left -= int64(n)
	cr.c.mu.Lock()
	cr.c.received += int64(n)
	cr.c.mu.Unlock()
	return n, err
}

// silent swallows the answer of the cut request.
type silent struct{ h http.Header }

func (s *silent) Header() http.Header         { return s.h }
func (s *silent) Write(b []byte) (int, error) { return len(b), nil }
func (s *silent) WriteHeader(int)             {}

func (c *cutter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPatch || !strings.HasPrefix(r.URL.Path, "/api/v1/uploads/") {
			next.ServeHTTP(w, r)
			return
		}
		off, _ := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
		c.mu.Lock()
		c.offsets = append(c.offsets, off)
		cutNow := !c.cut && off >= c.from
		c.cut = c.cut || cutNow
		c.mu.Unlock()
		cr := &countingReader{r: r.Body, c: c}
		if !cutNow {
			r.Body = io.NopCloser(cr)
			next.ServeHTTP(w, r)
			return
		}
		cr.limited, cr.left = true, 300<<10 // a third of the chunk, then the line goes dead
		r.Body = io.NopCloser(cr)
		next.ServeHTTP(&silent{h: http.Header{}}, r)
		panic(http.ErrAbortHandler)
	})
}

func TestWizardUploadInterruptedAndResumed(t *testing.T) {
	cut := &cutter{from: 2 << 20}
	env := newWizardServer(t, cut.wrap)
	_, ctx := newBrowser(t)
	registerAndLogin(t, ctx, env.srv, "resume@example.com")
	startCase(t, ctx)
	fillApplicant(t, ctx, cardName)
	confirmPhone(t, ctx, env)
	big := paddedJPEG(t, "004_good.jpg", 5<<20)
	st, err := os.Stat(big)
	if err != nil {
		t.Fatal(err)
	}
	uploadPhotos(t, ctx, big)
	cut.mu.Lock()
	offsets, received, wasCut := cut.offsets, cut.received, cut.cut
	cut.mu.Unlock()
	if !wasCut {
		t.Fatalf("the connection was never cut (PATCH offsets %v)", offsets)
	}
	// After the cut the upload went on from where the server was (never
	// from the start, and past the part of the chunk that got through).
	var after []int64
	for i, o := range offsets {
		if o >= cut.from {
			after = offsets[i+1:]
			break
		}
	}
	resumed := false
	for _, o := range after {
		if o > cut.from && o < cut.from+1<<20 {
			resumed = true
		}
	}
	if !resumed {
		t.Fatalf("no PATCH resumed inside the cut chunk: offsets %v", offsets)
	}
	// Every byte arrived about once: the photo, the back photo and at
	// most the cut part again.
	back, _ := os.Stat(calib(t, "010_good.jpg"))
	if max := st.Size() + back.Size() + 300<<10; received > max || received < st.Size()+back.Size() {
		t.Fatalf("PATCH bytes received %d, want %d..%d (offsets %v)", received, st.Size()+back.Size(), max, offsets)
	}
	t.Logf("file %d bytes, PATCH offsets %v, body bytes received %d", st.Size(), offsets, received)
	submitAndWait(t, ctx, "approved")
}

func TestWizardHandoffToSecondBrowser(t *testing.T) {
	env := newWizardServer(t, nil)
	_, ctx := newBrowser(t)
	registerAndLogin(t, ctx, env.srv, "handoff@example.com")
	id := startCase(t, ctx)
	fillApplicant(t, ctx, cardName)
	var link string
	var qrWidth int
	var loaded bool
	if err := do(ctx,
		chromedp.Click(css("#handoff summary")),
		chromedp.Click(css("#handoff-show")),
		chromedp.WaitVisible(css("#handoff-link")),
		into(&loaded, chromedp.Poll[bool](`document.getElementById('handoff-qr').naturalWidth > 0`)),
		into(&qrWidth, chromedp.Evaluate[int](`document.getElementById('handoff-qr').naturalWidth`)),
		into(&link, chromedp.JavascriptAttribute[string](css("#handoff-link"), "href")),
	); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "wizard-handoff")
	if !strings.HasPrefix(link, env.srv.URL+"/handoff/") || qrWidth == 0 {
		t.Fatalf("hand-off link %q, QR width %d", link, qrWidth)
	}

	// A second browser context shares no cookies with the first.
	other, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(other); err != nil {
		t.Fatal(err)
	}
	var loc, name, status, masked string
	if err := do(other,
		chromedp.Navigate(env.srv.URL+"/account"),
		chromedp.WaitVisible(css("#password")), // not logged in: the login page
		chromedp.Navigate(link),
		// Opening the link logs no one in: it asks first, naming the account.
		chromedp.WaitVisible(css("#handoff-continue")),
		into(&masked, chromedp.Text(css("#handoff-account"))),
		chromedp.Navigate(env.srv.URL+"/account"),
		chromedp.WaitVisible(css("#password")), // still not logged in
		chromedp.Navigate(link),
		chromedp.WaitVisible(css("#handoff-continue")),
		chromedp.Click(css("#handoff-continue")),
		chromedp.WaitVisible(css("#screen-phone")), // the same case, where the first device was
		into(&loc, chromedp.Location()),
	); err != nil {
		t.Fatal(err)
	}
	if masked != "h***@example.com" {
		t.Fatalf("confirmation names %q", masked)
	}
	if !strings.HasSuffix(loc, "/verify/"+id) {
		t.Fatalf("hand-off landed on %q, want case %s", loc, id)
	}
	// The other device reads Chinese: the wizard follows the switch.
	var h2, send string
	if err := do(other,
		chromedp.Click(css("#lang-switch")),
		chromedp.WaitVisible(css("#screen-phone")),
		into(&h2, chromedp.Text(css("#screen-phone h2"))),
		into(&send, chromedp.Text(css("#phone-send"))),
	); err != nil {
		t.Fatal(err)
	}
	if h2 != "验证手机号" || send != "发送短信验证码" {
		t.Fatalf("Chinese wizard: %q / %q", h2, send)
	}
	screenshot(t, other, "wizard-zh")
	// The second device carries on: it confirms the phone.
	confirmPhone(t, other, env)
	if err := do(other,
		into(&status, chromedp.Evaluate[string](`fetch('/api/v1/verifications/`+id+`').then(r => r.json()).then(j => j.verification.applicant.full_name + '|' + j.verification.applicant.phone_confirmed)`, chromedp.EvalAwaitPromise)),
	); err != nil {
		t.Fatal(err)
	}
	name = status
	if name != cardName+"|true" {
		t.Fatalf("second device sees %q", name)
	}
	// The link works once.
	var msg string
	if err := do(other,
		chromedp.Navigate(link),
		chromedp.WaitVisible(css("#form-error")),
		into(&msg, chromedp.Text(css("#form-error"))),
	); err != nil || msg == "" {
		t.Fatalf("second use of the link: %q (%v)", msg, err)
	}
}

// TestWizardPages checks the server side of the wizard without a browser:
// logins, the texts handed to the script, the QR endpoint, the support
// page and a bad hand-off link.
func TestWizardPages(t *testing.T) {
	env := newWizardServer(t, nil)
	res, err := http.Post(env.srv.URL+"/api/v1/auth/register", "application/json",
		strings.NewReader(`{"email":"pages@example.com","password":"long enough pass","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	jar, _ := cookiejar.New(nil)
	user := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = user.PostForm(env.srv.URL+"/login", url.Values{"account": {"pages@example.com"}, "password": {"long enough pass"}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %v %v", res, err)
	}
	res.Body.Close()
	anon := &http.Client{CheckRedirect: user.CheckRedirect}
	handoff := env.srv.URL + "/handoff/AbCdEf"

	for _, tc := range []struct {
		name, method, path, lang, body string
		client                         *http.Client
		status                         int
		want, notWant                  string
	}{
		{"list needs login", "GET", "/verify", "", "", anon, 303, "", ""},
		{"wizard needs login", "GET", "/verify/ver_abc", "", "", anon, 303, "", ""},
		{"list", "GET", "/verify", "", "", user, 200, `id="verify-start"`, ""},
		{"wizard", "GET", "/verify/ver_abc", "", "", user, 200, `ID_CHECK_CHARACTER`, ""},
		{"wizard texts in Chinese", "GET", "/verify/ver_abc", "zh-CN", "", user, 200, "号码的校验位与前面的数字不符", "The last character does not match"},
		{"odd case id", "GET", "/verify/ver_%3Cb%3E", "", "", user, 404, "", "<b>"},
		{"support with the case", "GET", "/support?verification=ver_abc", "", "", anon, 200, `<dd id="support-case">ver_abc</dd>`, ""},
		{"support with the case number", "GET", "/support?verification=ver_3f9a1c2b0011", "", "", anon, 200, `<dd id="support-case-number">3F9A1C2B</dd>`, ""},
		{"support ignores odd ids", "GET", "/support?verification=%3Cscript%3E", "", "", anon, 200, "", "script&gt;"},
		{"unknown hand-off link", "GET", "/handoff/AbCdEf", "", "", anon, 404, `id="form-error"`, ""},
		{"qr needs login", "POST", "/verify/qr.svg", "", `{"url":"` + handoff + `"}`, anon, 401, "", ""},
		{"qr of another site", "POST", "/verify/qr.svg", "", `{"url":"https://evil.example/handoff/AbCdEf"}`, user, 400, "", "<svg"},
		{"qr of a page that is no hand-off", "POST", "/verify/qr.svg", "", `{"url":"` + env.srv.URL + `/account"}`, user, 400, "", "<svg"},
		{"qr", "POST", "/verify/qr.svg", "", `{"url":"` + handoff + `"}`, user, 200, "<svg", ""},
		{"home links to the wizard", "GET", "/", "", "", user, 200, `href="/verify"`, ""},
		{"account links to the wizard", "GET", "/account", "", "", user, 200, `id="account-verify"`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, env.srv.URL+tc.path, strings.NewReader(tc.body))
			if tc.lang != "" {
				req.Header.Set("Accept-Language", tc.lang)
			}
			res, err := tc.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.status || !strings.Contains(string(b), tc.want) || (tc.notWant != "" && strings.Contains(string(b), tc.notWant)) {
				t.Fatalf("%d, want %d with %q and without %q: %.400s", res.StatusCode, tc.status, tc.want, tc.notWant, b)
			}
			if tc.status == 303 && !strings.HasPrefix(res.Header.Get("Location"), "/login") {
				t.Fatalf("redirect to %q", res.Header.Get("Location"))
			}
			if tc.path == "/verify/qr.svg" && tc.status == 200 && res.Header.Get("Content-Type") != "image/svg+xml" {
				t.Fatalf("content type %q", res.Header.Get("Content-Type"))
			}
		})
	}
}

// TestHandoffNeedsConfirmation: opening a hand-off link logs no one in;
// only a same-origin POST from its confirmation page does, and only once.
func TestHandoffNeedsConfirmation(t *testing.T) {
	env := newWizardServer(t, nil)
	res, err := http.Post(env.srv.URL+"/api/v1/auth/register", "application/json",
		strings.NewReader(`{"email":"conf@example.com","password":"long enough pass","accept_terms_version":"`+identity.DefaultTermsVersion+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	login, _ := http.Post(env.srv.URL+"/api/v1/auth/login", "application/json", strings.NewReader(`{"email":"conf@example.com","password":"long enough pass"}`))
	var lg struct{ Token string }
	json.NewDecoder(login.Body).Decode(&lg)
	login.Body.Close()
	call := func(method, path, body string, hdr ...string) *http.Response {
		req, _ := http.NewRequest(method, env.srv.URL+path, strings.NewReader(body))
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	auth := []string{"Authorization", "Bearer " + lg.Token, "Content-Type", "application/json"}
	var v struct{ Verification struct{ ID string } }
	r := call("POST", "/api/v1/verifications", "", auth...)
	json.NewDecoder(r.Body).Decode(&v)
	var h struct{ URL string }
	r = call("POST", "/api/v1/handoff", `{"verification_id":"`+v.Verification.ID+`"}`, auth...)
	json.NewDecoder(r.Body).Decode(&h)
	if h.URL == "" {
		t.Fatal("no hand-off link")
	}
	if r := call("GET", h.URL, ""); r.StatusCode != 200 || len(r.Cookies()) != 0 {
		t.Fatalf("GET logged in or failed: %d %v", r.StatusCode, r.Cookies())
	}
	if r := call("POST", h.URL, "", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); r.StatusCode != 403 || len(r.Cookies()) != 0 {
		t.Fatalf("cross-site POST: %d %v", r.StatusCode, r.Cookies())
	}
	r = call("POST", h.URL, "", "Sec-Fetch-Site", "same-origin")
	if r.StatusCode != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "/verify/"+v.Verification.ID) || len(r.Cookies()) == 0 {
		t.Fatalf("same-origin POST: %d %v", r.StatusCode, r.Header)
	}
	if r := call("POST", h.URL, "", "Sec-Fetch-Site", "same-origin"); r.StatusCode != 404 {
		t.Fatalf("second use: %d", r.StatusCode)
	}
}

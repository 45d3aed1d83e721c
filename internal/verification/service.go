package verification

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/i18n"
)

// DocumentReader reads the fields of a document photo (internal/ocr behind
// an adapter). Read errors are our fault: the case goes to a reviewer, the
// customer is never failed for them.
type DocumentReader interface {
	// Available says why reading is unavailable, or nil.
	Available() error
	// Read returns the fields read from a document of the given gate kind
	// and the kind the photo was classified as.
	Read(ctx context.Context, kind document.Kind, image []byte) (Reading, error)
	// CanRead reports whether the engine can read every character of s.
	CanRead(s string) bool
}

// PhoneSender delivers one-time codes (a log sender in development, the
// operator's SMS gateway in production).
type PhoneSender interface {
	SendCode(ctx context.Context, phone, code string) error
}

// LogSender writes codes to the log: for development only.
type LogSender struct{ Log *slog.Logger }

// SendCode implements PhoneSender. It logs the code but not the phone number.
func (s LogSender) SendCode(ctx context.Context, phone, code string) error {
	s.Log.Warn("development one-time code (configure an SMS gateway for production)", "code", code)
	return nil
}

// SendText implements identity.TextSender: it logs that a notice was sent
// (not its text, which may name a device, nor the phone number).
func (s LogSender) SendText(ctx context.Context, phone, text string) error {
	s.Log.Info("development SMS notice (configure an SMS gateway for production)", "chars", len([]rune(text)))
	return nil
}

// China is UTC+8, the calendar birthdays and attempt windows are counted in.
var China = time.FixedZone("CST", 8*3600)

// Service runs verification cases.
type Service struct {
	Store       Store
	Levels      Levels
	Documents   *document.Service
	Reader      DocumentReader // nil: reading unavailable
	Readings    ReadingStore   // nil: no upload-time readings (the pipeline reads)
	IdentityKey []byte         // server secret for IdentityHash
	Sender      PhoneSender
	// Risk scores a case after the machine decided it and may route it
	// (the back office's risk rules; nil: no scoring).
	Risk RiskGate
	// Consent says whether a user gave the separate consent to the
	// handling of sensitive personal information (PIPL art. 29);
	// identity.Service does. The application always sets it; nil (tests
	// of the other rules) does not check.
	Consent     SensitiveConsent
	Now         func() time.Time
	Log         *slog.Logger
	PhoneLimits *PhoneLimits // nil: DefaultPhoneLimits
	// Screener screens every case against sanctions and PEP lists; nil:
	// not configured (the screening check is skipped for that reason).
	Screener Screener
	// Faces compares the selfie with the document's portrait and scores
	// its liveness (nil: face models not installed; cases that need a
	// selfie go to a reviewer). FaceThresholds decide its results (the app
	// sets face.DefaultThresholds or the operator's flags).
	Faces          FaceAnalyzer
	FaceThresholds FaceThresholds
	// Hold, when set, says whether submissions are held now (a maintenance
	// window) and until when: Process then puts them on hold instead of
	// deciding them.
	Hold func(ctx context.Context) (until time.Time, held bool)

	reads singleflight.Group // ReadDocument calls in flight, by document
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// ErrCaseNotFound is returned for cases that do not exist or are not the caller's.
var ErrCaseNotFound = errs.New(errs.NotFound, "CASE_NOT_FOUND", "No such verification.", "认证记录不存在。")

func newID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

// Create opens a draft case for the user at a level. A repeated
// idempotency key returns the case it created. With no attempts left it
// opens none (its submission would be refused).
// Errors: Invalid LEVEL_UNKNOWN; TooMany ATTEMPTS_EXCEEDED.
func (s *Service) Create(ctx context.Context, userID string, level Level, idemKey string) (*Case, error) {
	if level == "" {
		level = LevelStandard
	}
	if _, ok := s.Levels.Level(level); !ok {
		return nil, errs.New(errs.Invalid, "LEVEL_UNKNOWN", "Unknown verification level; use basic, standard or enhanced.",
			"未知的认证级别；请使用 basic、standard 或 enhanced。").OnField("level")
	}
	now := s.now()
	// A case that could only be refused at submit is not opened: the
	// customer hears now when the next attempt opens.
	pol := s.Levels.Attempts
	subs, err := s.Store.Submissions(ctx, userID, now.Add(-time.Duration(pol.Window)))
	if err != nil {
		return nil, err
	}
	if left, nextAt := pol.Left(subs, now); left <= 0 {
		return nil, AttemptsExceeded(pol.Limit, time.Duration(pol.Window), nextAt, now, China)
	}
	c := &Case{ID: newID("ver"), UserID: userID, Level: level, Status: StatusDraft, Documents: map[string]string{},
		CreatedAt: now, UpdatedAt: now, Version: 1}
	return s.Store.CreateCase(ctx, c, idemKey)
}

// Get returns a case its owner (or staff) may see.
func (s *Service) Get(ctx context.Context, userID string, staff bool, id string) (*Case, error) {
	if id == "" || len(id) > 64 {
		return nil, ErrCaseNotFound
	}
	c, err := s.Store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.UserID != userID && !staff {
		return nil, ErrCaseNotFound
	}
	return c, nil
}

// List returns the user's cases, newest first.
func (s *Service) List(ctx context.Context, userID string) ([]*Case, error) {
	return s.Store.CasesOf(ctx, userID)
}

func (s *Service) editable(ctx context.Context, userID, id string, ev Event) (*Case, error) {
	c, err := s.Get(ctx, userID, false, id)
	if err != nil {
		return nil, err
	}
	if !Can(c.Status, ev) {
		return nil, errs.New(errs.Conflict, "CASE_NOT_EDITABLE",
			"This verification cannot be changed now ("+string(c.Status)+").",
			"当前状态下（"+c.Status.Title().ZH+"）不能修改此认证。")
	}
	return c, nil
}

// ApplicantInvalid is the error for applicant field errors: every field
// error at once, in Fields.
type ApplicantInvalid struct{ Fields []FieldError }

func (e *ApplicantInvalid) Error() string {
	return fmt.Sprintf("%d applicant field errors", len(e.Fields))
}

// UpdateApplicant saves the typed data of a draft (or retry) case. It is
// saved even when fields are wrong, so nothing typed is lost; the field
// errors come back with it, each with code, field, message and hint.
func (s *Service) UpdateApplicant(ctx context.Context, userID, id string, a Applicant) (*Case, []FieldError, error) {
	c, err := s.editable(ctx, userID, id, EditApplicant)
	if err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(a.IDNumber) != "" || strings.TrimSpace(a.GuardianIDNumber) != "" {
		if err := s.needConsent(ctx, userID); err != nil {
			return nil, nil, err
		}
	}
	a = NormalizeApplicant(a)
	// The phone is confirmed by a one-time code, never by the request; a
	// changed number needs a new code.
	a.PhoneConfirmed = c.Applicant.PhoneConfirmed && a.Phone == c.Applicant.Phone
	c.Applicant = a
	c.IdentityHash = IdentityHash(s.IdentityKey, a)
	c.UpdatedAt = s.now()
	if err := s.Store.UpdateCase(ctx, c); err != nil {
		return nil, nil, err
	}
	c.Version++
	return c, s.Levels.ValidateApplicant(c.Level, a, s.now().In(China)), nil
}

// AttachDocument attaches one of the user's documents to a case as kind.
// Errors: Invalid DOCUMENT_KIND_INVALID, DOCUMENT_KIND_MISMATCH; NotFound.
func (s *Service) AttachDocument(ctx context.Context, userID, id, kind, documentID string) (*Case, error) {
	if !slices.Contains(DocumentKinds, kind) {
		return nil, errs.New(errs.Invalid, "DOCUMENT_KIND_INVALID", "Unknown document kind for a verification.", "未知的认证证件类型。").OnField("kind")
	}
	c, err := s.editable(ctx, userID, id, AttachDocument)
	if err != nil {
		return nil, err
	}
	if err := s.needConsent(ctx, userID); err != nil {
		return nil, err
	}
	d, err := s.Documents.Get(ctx, userID, false, documentID)
	if err != nil {
		return nil, errs.As(err).OnField("document_id")
	}
	if want := GateKind(kind); d.Kind != want {
		return nil, errs.New(errs.Invalid, "DOCUMENT_KIND_MISMATCH",
			"This photo was uploaded as "+string(d.Kind)+", not as "+string(want)+". Upload it again as the right side or document.",
			"这张照片上传时的类型是 "+string(d.Kind)+"，而不是 "+string(want)+"。请按正确的证件面重新上传。").OnField("document_id")
	}
	c.Documents[kind] = documentID
	c.UpdatedAt = s.now()
	if err := s.Store.UpdateCase(ctx, c); err != nil {
		return nil, err
	}
	c.Version++
	return c, nil
}

func codeHash(caseID, code string) []byte {
	m := hmac.New(sha256.New, []byte("veriwallet-otp:"+caseID))
	m.Write([]byte(code))
	return m.Sum(nil)
}

// SendPhoneCode sends a 6-digit one-time code (valid 10 minutes) to the
// case's phone number, within the phone limits (counted per number, per
// user and per client address, the caller's address). Errors: Invalid
// PHONE_REQUIRED; TooMany as Store.SavePhoneCode.
func (s *Service) SendPhoneCode(ctx context.Context, userID, id, client string) error {
	c, err := s.editable(ctx, userID, id, ConfirmPhone)
	if err != nil {
		return err
	}
	if c.Applicant.Phone == "" {
		return errs.New(errs.Invalid, "PHONE_REQUIRED", "Enter your mobile number first.", "请先填写手机号。").OnField("phone")
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return errs.Internalf("code: %w", err)
	}
	code := fmt.Sprintf("%06d", n.Int64())
	now := s.now()
	lim := DefaultPhoneLimits
	if s.PhoneLimits != nil {
		lim = *s.PhoneLimits
	}
	send := PhoneCodeSend{CaseID: c.ID, UserID: c.UserID, Phone: c.Applicant.Phone, Client: client,
		CodeHash: codeHash(c.ID, code), Now: now, Expires: now.Add(10 * time.Minute)}
	if err := s.Store.SavePhoneCode(ctx, send, lim); err != nil {
		return err
	}
	if err := s.Sender.SendCode(ctx, c.Applicant.Phone, code); err != nil {
		return errs.New(errs.Unavailable, "SMS_UNAVAILABLE", "The text message could not be sent just now. Try again in a minute.",
			"短信暂时无法发送，请一分钟后重试。").Wrap(err)
	}
	return nil
}

// ConfirmPhone checks a one-time code and marks the phone confirmed.
// Errors: Invalid PHONE_CODE_WRONG.
func (s *Service) ConfirmPhone(ctx context.Context, userID, id, code string) (*Case, error) {
	c, err := s.editable(ctx, userID, id, ConfirmPhone)
	if err != nil {
		return nil, err
	}
	ok, err := s.Store.UsePhoneCode(ctx, c.ID, codeHash(c.ID, code), c.Applicant.Phone, s.now())
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errs.New(errs.Invalid, "PHONE_CODE_WRONG",
			"The code is wrong or has expired. Check the latest text message, or ask for a new code.",
			"验证码错误或已过期。请查看最新的短信，或重新获取验证码。").OnField("code")
	}
	c.Applicant.PhoneConfirmed = true
	c.UpdatedAt = s.now()
	if err := s.Store.UpdateCase(ctx, c); err != nil {
		return nil, err
	}
	c.Version++
	return c, nil
}

// Missing lists what a case still lacks before it can be submitted, as
// reasons with their field or document.
func (s *Service) Missing(c *Case) []Finding {
	var out []Finding
	at := s.now().In(China)
	for _, fe := range s.Levels.ValidateApplicant(c.Level, c.Applicant, at) {
		out = append(out, Finding{Code: fe.Code, Field: fe.Field, Rule: fe.Rule, Step: StepApplicant})
	}
	for _, r := range s.Levels.Requirements(c.Level, c.Applicant, at) {
		switch r.Type {
		case ReqStep:
			if r.Name == StepPhone && !c.Applicant.PhoneConfirmed {
				out = append(out, Finding{Code: CodePhoneNotConfirmed, Field: "phone", Step: StepPhone})
			}
		case ReqDocument:
			kinds := r.AnyOf
			if len(kinds) == 0 {
				kinds = []string{r.Name}
			}
			found := false
			for _, k := range kinds {
				if c.Documents[k] != "" {
					found = true
				}
			}
			if !found {
				code := r.Reason
				if code == "" {
					code = CodeDocumentSideMissing
				}
				out = append(out, Finding{Code: code, Document: kinds[0], Step: DocumentStep(kinds[0])})
			}
		}
	}
	return append(out, eddMissing(c)...)
}

// refusedAtUpload lists what the upload-time readings of the case's
// documents already refused (a wrong kind, an expired document): submitting
// them would only spend an attempt on a known refusal. A reading still
// pending, skipped or failed refuses nothing; the pipeline decides then.
func (s *Service) refusedAtUpload(ctx context.Context, c *Case) ([]Finding, error) {
	var out []Finding
	kinds := make([]string, 0, len(c.Documents))
	for kind, id := range c.Documents {
		if id != "" {
			kinds = append(kinds, kind)
		}
	}
	slices.Sort(kinds)
	for _, kind := range kinds {
		r, err := s.DocumentReading(ctx, c.Documents[kind])
		if err != nil {
			return nil, err
		}
		if r == nil || r.Status != ReadingDone {
			continue
		}
		for _, f := range r.Reasons {
			f.Document = kind
			if f.Step == "" {
				f.Step = DocumentStep(kind)
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// SubmitIncomplete is the error for a submission that lacks something.
type SubmitIncomplete struct{ Missing []Finding }

func (e *SubmitIncomplete) Error() string { return fmt.Sprintf("%d things missing", len(e.Missing)) }

// Submit submits a draft or retry case for processing. A repeated
// idempotency key returns the case without submitting again. A case that
// lacks something is refused without using an attempt.
// Errors: *SubmitIncomplete, TooMany ATTEMPTS_EXCEEDED, Conflict.
func (s *Service) Submit(ctx context.Context, userID, id, idemKey string) (*Case, error) {
	c, err := s.Get(ctx, userID, false, id)
	if err != nil {
		return nil, err
	}
	ev := Submit
	if c.Status == StatusRetryRequired {
		ev = Resubmit
	}
	next, err := Next(c.Status, ev)
	if err != nil {
		if idemKey != "" { // a retried submit after it went through
			if replay, _ := s.Store.SubmitCase(ctx, c, c.Status, CaseEvent{}, idemKey, SubmitLimit{}); replay {
				return c, nil
			}
		}
		return nil, err
	}
	// Processing a submission handles sensitive data (the face checks are
	// biometric): only under the current privacy policy's consent.
	if err := s.needConsent(ctx, userID); err != nil {
		return nil, err
	}
	missing := s.Missing(c)
	refused, err := s.refusedAtUpload(ctx, c)
	if err != nil {
		return nil, err
	}
	if missing = append(missing, refused...); len(missing) > 0 {
		return nil, &SubmitIncomplete{Missing: missing}
	}
	if ev == Resubmit {
		if open := s.unchanged(c); open != nil {
			// A retried request of a submission that went through (and was
			// decided meanwhile) is its replay, not a new one.
			if idemKey != "" {
				if replay, _ := s.Store.SubmitCase(ctx, c, c.Status, CaseEvent{}, idemKey, SubmitLimit{}); replay {
					return c, nil
				}
			}
			return nil, open
		}
	}
	now := s.now()
	pol := s.Levels.Attempts
	subs, err := s.Store.Submissions(ctx, userID, now.Add(-time.Duration(pol.Window)))
	if err != nil {
		return nil, err
	}
	if left, nextAt := pol.Left(subs, now); left <= 0 {
		return nil, AttemptsExceeded(pol.Limit, time.Duration(pol.Window), nextAt, now, China)
	}
	from := c.Status
	c.Status = next
	c.SubmittedAt = &now
	c.UpdatedAt = now
	since := now.Add(-time.Duration(pol.Window))
	replay, err := s.Store.SubmitCase(ctx, c, from, CaseEvent{From: from, To: next, Actor: "customer:" + userID, At: now}, idemKey,
		SubmitLimit{Max: pol.Limit, Since: since})
	if errors.Is(err, ErrNoAttemptsLeft) { // another submit took the last attempt meanwhile
		subs, _ := s.Store.Submissions(ctx, userID, since)
		_, nextAt := pol.Left(subs, now)
		return nil, AttemptsExceeded(pol.Limit, time.Duration(pol.Window), nextAt, now, China)
	}
	if err != nil {
		return nil, err
	}
	if replay {
		return s.Store.Case(ctx, id)
	}
	c.Version++
	return c, nil
}

// MaintenanceActor is the actor of the event that holds a case during a
// maintenance window.
const MaintenanceActor = "system:maintenance"

// Process runs the checks of a submitted case and decides it. It is what
// the queue's worker calls; an error means our fault and the queue retries.
func (s *Service) Process(ctx context.Context, id string) error {
	c, err := s.Store.Case(ctx, id)
	if err != nil {
		return err
	}
	switch c.Status {
	case StatusSubmitted:
		now := s.now()
		if s.Hold != nil {
			if until, held := s.Hold(ctx); held {
				// A maintenance window: keep the submission, decide it
				// when the window ends (notice.Service.ReleaseEnded).
				return s.Store.SetStatus(ctx, c.ID, c.Version, CaseEvent{From: c.Status, To: StatusOnHold, Actor: MaintenanceActor,
					Note: "maintenance until " + until.UTC().Format(time.RFC3339), At: now})
			}
		}
		if err := s.Store.SetStatus(ctx, c.ID, c.Version, CaseEvent{From: c.Status, To: StatusProcessing, Actor: "system", At: now}); err != nil {
			return err
		}
		c.Status, c.Version = StatusProcessing, c.Version+1
	case StatusProcessing: // a retry after a crash
	default:
		return nil // decided meanwhile (or by a reviewer): nothing to do
	}
	at := s.now().In(China)
	checks := s.Levels.ApplicantChecks(c.Level, c.Applicant, at)
	checks = append(checks, s.duplicateCheck(ctx, c))
	checks = append(checks, s.screeningCheck(ctx, c, at))
	spec, _ := s.Levels.Level(c.Level)
	if slices.Contains(spec.Checks, CheckDocumentQuality) || len(c.Documents) > 0 {
		docChecks, err := s.documentChecks(ctx, c, at)
		if err != nil {
			return err
		}
		checks = append(checks, docChecks...)
		if wantsFaces(spec, c.Documents) {
			faceChecks, err := s.faceChecks(ctx, c, docChecks)
			if err != nil {
				return err
			}
			checks = append(checks, faceChecks...)
		}
	}
	d := s.Levels.Decide(c.Level, c.Applicant, checks, at)
	d.Basis = s.fingerprints(c)
	if s.Risk != nil {
		if d, err = s.Risk.Route(ctx, c, checks, d); err != nil {
			return err
		}
	}
	return s.Store.SaveDecision(ctx, c, checks, d, CaseEvent{From: c.Status, To: d.Status, Actor: "system", At: s.now()})
}

// FailToReview sends a case whose processing keeps failing (our fault) to
// a reviewer.
func (s *Service) FailToReview(ctx context.Context, id string, cause error) error {
	c, err := s.Store.Case(ctx, id)
	if err != nil {
		return err
	}
	if c.Status != StatusSubmitted && c.Status != StatusProcessing {
		return nil
	}
	d := Decision{Status: StatusManualReview, Reasons: []string{CodeEngineUnavailable},
		Findings: []Finding{{Code: CodeEngineUnavailable}}, Basis: s.fingerprints(c)}
	checks := []CheckResult{{Kind: "pipeline", Outcome: OutcomeError, Reasons: []string{CodeEngineUnavailable},
		Detail: map[string]string{"error": truncate(cause.Error(), 200)}}}
	return s.Store.SaveDecision(ctx, c, checks, d, CaseEvent{From: c.Status, To: StatusManualReview, Actor: "system", Note: "processing failed repeatedly", At: s.now()})
}

func truncate(s string, n int) string { return truncateRunes(strings.ToValidUTF8(s, ""), n) }

func (s *Service) duplicateCheck(ctx context.Context, c *Case) CheckResult {
	r := CheckResult{Kind: CheckDuplicateIdentity, Outcome: OutcomePass, Score: 1, Engine: "identity-hash"}
	if c.IdentityHash == "" {
		r.Outcome = OutcomeSkipped
		return r
	}
	users, err := s.Store.IdentityUsers(ctx, c.IdentityHash, c.UserID)
	if err != nil {
		r.Outcome, r.Reasons = OutcomeError, []string{CodeEngineUnavailable}
		return r
	}
	if len(users) > 0 {
		r.Outcome, r.Score, r.Reasons = OutcomeFail, 0, []string{CodeDuplicateIdentity}
		r.Detail = map[string]string{"linked_users": fmt.Sprint(users)}
	}
	return r
}

func (s *Service) documentChecks(ctx context.Context, c *Case, at time.Time) ([]CheckResult, error) {
	var out []CheckResult
	kinds := make([]string, 0, len(c.Documents))
	for k := range c.Documents {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	var readErr error
	if s.Reader == nil {
		readErr = errs.New(errs.Unavailable, "OCR_UNAVAILABLE", "Document reading is not installed.", "未安装证件识别。")
	} else {
		readErr = s.Reader.Available()
	}
	for _, kind := range kinds {
		d, img, err := s.Documents.Image(ctx, c.UserID, true, c.Documents[kind])
		q := CheckResult{Kind: CheckDocumentQuality, Document: kind, Outcome: OutcomePass, Score: 1, Engine: "document-gate"}
		if errs.KindOf(err) == errs.NotFound {
			q.Outcome, q.Reasons = OutcomeFail, []string{CodeDocumentUnreadable}
			out = append(out, q)
			continue
		} else if err != nil {
			return nil, err
		}
		for _, code := range d.Reasons {
			if r, ok := document.ReasonFor(code); ok && (r.Signal || r.Sensitive) && code != document.CodeDuplicate {
				continue // signals alone refuse nothing
			}
			q.Reasons = append(q.Reasons, code)
		}
		if len(q.Reasons) > 0 {
			q.Outcome, q.Score = OutcomeFail, 0
			if slices.Equal(q.Reasons, []string{document.CodeDuplicate}) {
				q.Outcome = OutcomeFail // sensitive: Decide sends it to a reviewer
			}
		}
		out = append(out, q)
		if q.Outcome != OutcomePass || kind == DocSelfie {
			continue // a selfie is not read: faceChecks compares it
		}
		rule, ok := slotEvidence(c.Applicant, kind)
		if !ok {
			// No reader can verify it (a visa, a consent form): the check
			// is recorded as skipped and Decide sends the case to a person
			// when the document is required.
			out = append(out, CheckResult{Kind: CheckDocumentRead, Document: kind, Outcome: OutcomeSkipped,
				Detail: map[string]string{"why": "no reader for this document kind"}})
			continue
		}
		if readErr != nil {
			out = append(out, CheckResult{Kind: CheckDocumentRead, Document: kind, Outcome: OutcomeError,
				Reasons: []string{"OCR_UNAVAILABLE"}, Detail: map[string]string{"error": truncate(readErr.Error(), 200)}})
			continue
		}
		rd, err := s.reading(ctx, c.Documents[kind], d.Kind, img)
		if err != nil {
			out = append(out, CheckResult{Kind: CheckDocumentRead, Document: kind, Outcome: OutcomeError, Engine: rd.Engine,
				Reasons: []string{CodeEngineUnavailable}, Detail: map[string]string{"error": truncate(err.Error(), 200)}})
			continue
		}
		out = append(out, s.slotChecks(c.Applicant, kind, rule, rd, at)...)
	}
	return out, nil
}

// reading returns the upload-time reading of a document when one is done,
// else reads the image now. A reading still pending (its job waits in the
// queue behind others) is run here and kept: the job then finds it done
// instead of reading the photo a second time, and a job already reading it
// is waited for (ReadDocument reads a document once at a time).
func (s *Service) reading(ctx context.Context, documentID string, kind document.Kind, img []byte) (Reading, error) {
	r, err := s.DocumentReading(ctx, documentID)
	if err == nil && r != nil && r.Status == ReadingPending {
		if err = s.ReadDocument(ctx, documentID); err == nil {
			r, err = s.DocumentReading(ctx, documentID)
		}
	}
	if err == nil && r != nil && r.Status == ReadingDone {
		return Reading{Fields: r.Fields, Kind: r.DetectedKind, KindConfidence: r.KindConfidence, Engine: r.Engine, Version: r.Version}, nil
	}
	return s.Reader.Read(ctx, kind, img)
}

// slotChecks turns the reading of the document in one slot into checks: a
// document_read result that records the kind the photo was classified as
// (DOCUMENT_WRONG_KIND when it is confidently another kind: nothing else is
// compared then), and the cross-check of the fields the slot's rule needs.
// When every field of the rule (the name and the number on the photo side)
// was read with confidence and matches, what else could not be read (birth
// date, sex, expiry, the kind) goes to a person (DOCUMENT_REVIEW_REQUIRED):
// a new photo would not help.
func (s *Service) slotChecks(a Applicant, slot string, rule slotRule, rd Reading, at time.Time) []CheckResult {
	read := CheckResult{Kind: CheckDocumentRead, Document: slot, Outcome: OutcomePass, Score: clamp01(rd.KindConfidence),
		Engine: rd.Engine, EngineVersion: rd.Version, Detail: map[string]string{"detected_kind": rd.Kind, "expected_kind": rule.kind}}
	switch {
	case wrongKind(rd, rule.kind):
		read.Outcome, read.Score, read.Reasons = OutcomeFail, 0, []string{CodeDocumentWrongKind}
		return []CheckResult{read}
	case !kindConfirmed(rd, rule.kind):
		read.Outcome, read.Reasons = OutcomeUnreadable, []string{CodeDocumentUnreadable}
	}
	compared := a
	if !slices.Contains(rule.fields, FieldIDNumber) {
		compared.IDNumber = "" // a second document carries its own number
	}
	minConf := s.Levels.MinConfidence
	if minConf <= 0 || minConf > 1 {
		minConf = DefaultMinConfidence
	}
	cc := CrossCheck(compared, rd.Fields, CrossCheckOptions{Document: slot, At: at, MinConfidence: minConf,
		CanRead: s.Reader.CanRead, Engine: rd.Engine, EngineVersion: rd.Version, Require: rule.fields})
	confident := map[string]bool{}
	for i := range cc {
		r := &cc[i]
		if r.Outcome == OutcomeUnreadable && r.Field == FieldFullName && !s.Reader.CanRead(a.FullName) {
			// The name has a character our engine cannot output: a
			// better photo would not help. A person compares it.
			r.Outcome, r.Reasons = OutcomeError, []string{CodeEngineUnavailable}
			if r.Detail == nil {
				r.Detail = map[string]string{}
			}
			r.Detail["why"] = "the typed name has characters outside the OCR engine's dictionary"
		}
		if r.Outcome == OutcomePass && r.Score >= minConf {
			confident[r.Field] = true
		}
	}
	if rule.kind != DocPassport && slices.Contains(rule.fields, FieldIDNumber) && len(compared.IDNumber) != 18 {
		// The reader finds 18-character numbers on cards; an older
		// 15-character permanent residence number it cannot read, and a
		// new photo would not change that: a person compares it.
		for i := range cc {
			if r := &cc[i]; r.Field == FieldIDNumber && r.Outcome == OutcomeUnreadable {
				r.Reasons = []string{CodeDocumentReviewRequired}
			}
		}
	}
	all := true
	for _, f := range rule.fields {
		all = all && confident[f]
	}
	if all {
		for i := range cc {
			if r := &cc[i]; r.Outcome == OutcomeUnreadable && slices.Equal(r.Reasons, []string{CodeDocumentUnreadable}) {
				r.Reasons = []string{CodeDocumentReviewRequired}
			}
		}
		if read.Outcome == OutcomeUnreadable {
			read.Reasons = []string{CodeDocumentReviewRequired}
		}
	}
	return append([]CheckResult{read}, cc...)
}

// View is a case as its owner sees it.
type View struct {
	ID            string            `json:"id"`
	CaseNumber    string            `json:"case_number"` // short, for support (CaseNumber)
	Level         Level             `json:"level"`
	Status        Status            `json:"status"`
	StatusTitle   string            `json:"status_title"`
	Reasons       []PublicReason    `json:"reasons"`
	Missing       []PublicReason    `json:"missing"`
	AttemptsLeft  int               `json:"attempts_left"`
	NextAttemptAt *time.Time        `json:"next_attempt_at"`
	Steps         []StepView        `json:"steps"`
	Applicant     Applicant         `json:"applicant"`
	Documents     map[string]string `json:"documents"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
	SubmittedAt   *time.Time        `json:"submitted_at"`
	// ReviewerComment is the reviewer's message to the customer, if any.
	ReviewerComment string `json:"reviewer_comment,omitempty"`
}

// StepView is one wizard step and whether it is done.
type StepView struct {
	Step string `json:"step"`
	Done bool   `json:"done"`
	Redo bool   `json:"redo,omitempty"` // asked for again by the latest decision
}

// ViewOf renders a case for its owner in lang: reasons a customer may see
// (never sensitive ones), what is still missing, attempts and steps.
func (s *Service) ViewOf(ctx context.Context, c *Case, lang i18n.Lang) (*View, error) {
	now := s.now()
	v := &View{ID: c.ID, CaseNumber: CaseNumber(c.ID), Level: c.Level, Status: c.Status, StatusTitle: c.Status.Title().In(lang), Applicant: c.Applicant,
		Documents: c.Documents, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, SubmittedAt: c.SubmittedAt,
		Reasons: []PublicReason{}, Missing: []PublicReason{}}
	var findings []Finding
	if c.Decision != nil {
		findings = c.Decision.Findings
	}
	v.Reasons = append(v.Reasons, CustomerReasons(c.Status, findings, lang)...)
	if c.Decision != nil && c.Decision.Status == c.Status {
		v.ReviewerComment = c.Decision.Comment
	}
	missing := map[string]bool{}
	if c.Status.Editable() {
		m := s.Missing(c)
		// A photo its upload-time reading refused is not done either:
		// the view says so, as Submit would.
		refused, err := s.refusedAtUpload(ctx, c)
		if err != nil {
			return nil, err
		}
		m = append(m, refused...)
		v.Missing = append(v.Missing, CustomerFindings(m, lang)...)
		for _, f := range m {
			missing[f.Step] = true
		}
	}
	pol := s.Levels.Attempts
	subs, err := s.Store.Submissions(ctx, c.UserID, now.Add(-time.Duration(pol.Window)))
	if err != nil {
		return nil, err
	}
	left, nextAt := pol.Left(subs, now)
	v.AttemptsLeft = left
	if left <= 0 {
		v.NextAttemptAt = &nextAt
		if c.Status.Editable() {
			v.Reasons = append(v.Reasons, AttemptsReason(pol.Limit, time.Duration(pol.Window), nextAt, now, China, lang))
		}
	}
	redo := map[string]bool{}
	if c.Decision != nil && c.Status == StatusRetryRequired {
		for _, st := range c.Decision.RetrySteps {
			redo[st] = true
		}
	}
	// A step asked for again is done once it changed since the decided
	// submission (a new photo, corrected details).
	fp := s.fingerprints(c)
	changed := func(st string) bool {
		return c.Decision != nil && c.Decision.Basis != nil && fp[st] != c.Decision.Basis[st]
	}
	stepsOf := c.Applicant
	if stepsOf.IDType == "" {
		// The form starts on a mainland ID card: the steps of the case do
		// not grow under the customer after the first save.
		stepsOf.IDType = IDCNResident
		// No photo is required before an ID type is chosen, but the
		// steps shown are the ID card's: theirs are not done while
		// their photo is missing (a new case said they were).
		if c.Status.Editable() {
			cc := *c
			cc.Applicant = stepsOf
			for _, f := range s.Missing(&cc) {
				if strings.HasPrefix(f.Step, StepDocuments+":") {
					missing[f.Step] = true
				}
			}
		}
	}
	steps := Steps(append(s.Levels.Requirements(c.Level, stepsOf, now.In(China)), eddRequirements(c)...))
	if c.Decision != nil && c.Status == StatusRetryRequired {
		// A step asked for beyond the level's (a selfie the EDD path asked
		// for, then asked again) is shown too.
		for _, st := range c.Decision.RetrySteps {
			if !slices.Contains(steps, st) {
				steps = append(steps, st)
			}
		}
	}
	for _, st := range steps {
		open := redo[st] && !changed(st)
		v.Steps = append(v.Steps, StepView{Step: st, Done: !missing[st] && !open, Redo: open})
	}
	return v, nil
}

// CaseNumber is the short number of a case that customers quote to
// support: the first 8 characters of the random part of its id, upper
// case ("ver_3f9a1c2b…" → "3F9A1C2B"). Staff find the case by that prefix.
func CaseNumber(id string) string {
	rest, ok := strings.CutPrefix(id, "ver_")
	if !ok || len(rest) < 8 {
		return strings.ToUpper(rest)
	}
	return strings.ToUpper(rest[:8])
}

// fingerprints are what a case holds per step, to tell later whether a
// step changed: a keyed hash of the typed data (applicant) and of the
// confirmed phone (phone), and the id of each document (documents:<kind>).
func (s *Service) fingerprints(c *Case) map[string]string {
	mac := func(parts ...string) string {
		m := hmac.New(sha256.New, append([]byte("veriwallet-basis:"), s.IdentityKey...))
		for _, p := range parts {
			m.Write([]byte(p))
			m.Write([]byte{0})
		}
		return hex.EncodeToString(m.Sum(nil)[:16])
	}
	a := NormalizeApplicant(c.Applicant)
	a.PhoneConfirmed = false
	b, _ := json.Marshal(a)
	out := map[string]string{
		StepApplicant: mac(c.ID, "applicant", string(b)),
		StepPhone:     mac(c.ID, "phone", a.Phone, fmt.Sprint(c.Applicant.PhoneConfirmed)),
	}
	for _, k := range DocumentKinds {
		if id := c.Documents[k]; id != "" {
			out[DocumentStep(k)] = id
		}
	}
	return out
}

// ResubmitUnchanged is the error for a resubmission of a retry case in
// which none of the steps the decision asked for again has changed: it is
// refused before it counts as an attempt. Open lists the reasons of those
// steps (code RESUBMIT_UNCHANGED in the API).
type ResubmitUnchanged struct{ Open []Finding }

func (e *ResubmitUnchanged) Error() string {
	return fmt.Sprintf("resubmission unchanged: %d steps still open", len(e.Open))
}

// CodeResubmitUnchanged is the API error code of ResubmitUnchanged.
const CodeResubmitUnchanged = "RESUBMIT_UNCHANGED"

// ResubmitUnchangedMessage names the open steps (by their titles in the
// wizard) in both languages.
func ResubmitUnchangedMessage(open []Finding) i18n.Text {
	var en, zh []string
	seen := map[string]bool{}
	for _, f := range open {
		t := StepTitle(f.Step)
		if t.EN == "" || seen[t.EN] {
			continue
		}
		seen[t.EN] = true
		en, zh = append(en, t.EN), append(zh, t.ZH)
	}
	return i18n.T("Nothing has changed since the last attempt, so nothing was submitted and no attempt was used. Fix the steps marked first: "+strings.Join(en, "; ")+".",
		"与上次提交相比没有任何修改，因此未提交，也未占用认证次数。请先修改标出的步骤："+strings.Join(zh, "；")+"。")
}

// StepTitle names a wizard step for customers ("" for an unknown one).
func StepTitle(step string) i18n.Text {
	switch {
	case step == StepApplicant:
		return i18n.T("Your details", "填写身份信息")
	case step == StepPhone:
		return i18n.T("Confirm your mobile number", "验证手机号")
	case strings.HasPrefix(step, StepDocuments+":"):
		d := DocumentTitle(strings.TrimPrefix(step, StepDocuments+":"))
		return i18n.T("Photo: "+d.EN, "照片："+d.ZH)
	case step == StepDocuments:
		return i18n.T("Photos of your document", "上传证件照片")
	}
	return i18n.Text{}
}

// unchanged returns a *ResubmitUnchanged when a retry case's latest
// decision asked for steps again and none of them changed since; nil when
// something changed (or the decision predates fingerprints).
func (s *Service) unchanged(c *Case) error {
	d := c.Decision
	if d == nil || d.Basis == nil || len(d.RetrySteps) == 0 {
		return nil
	}
	fp := s.fingerprints(c)
	for _, st := range d.RetrySteps {
		if fp[st] != d.Basis[st] {
			return nil
		}
	}
	var open []Finding
	for _, f := range d.Findings {
		if r := registry[Canonical(f.Code)]; r.Disposition == Retry && !r.Sensitive {
			f.Step = stepFor(r, f)
			open = append(open, f)
		}
	}
	if len(open) == 0 {
		for _, st := range d.RetrySteps {
			open = append(open, Finding{Code: CodeFieldInvalid, Step: st})
		}
	}
	return &ResubmitUnchanged{Open: open}
}

// CurrentLevel is the highest level the user is verified at ("" for none):
// the level of their approved cases that comes last in Levels.
func (s *Service) CurrentLevel(ctx context.Context, userID string) (Level, error) {
	cs, err := s.Store.CasesOf(ctx, userID)
	if err != nil {
		return "", err
	}
	best, bestRank := Level(""), -1
	for _, c := range cs {
		if c.Status != StatusApproved {
			continue
		}
		for i, l := range s.Levels.Levels {
			if l.Name == c.Level && i > bestRank {
				best, bestRank = c.Level, i
			}
		}
	}
	return best, nil
}

// RiskGate scores a case after the machine decided it and returns the
// decision to save: a high-risk case is never approved by the machine
// alone. internal/review implements it.
type RiskGate interface {
	Route(ctx context.Context, c *Case, checks []CheckResult, d Decision) (Decision, error)
}

// RouteDecision rebuilds a decision with extra reasons and a new status
// (for a RiskGate): the findings keep their steps and the retry steps
// follow the reasons.
func RouteDecision(d Decision, to Status, codes ...string) Decision {
	fs := make([]Finding, 0, len(codes))
	for _, c := range codes {
		fs = append(fs, Finding{Code: c})
	}
	return RouteFindings(d, to, fs...)
}

// RouteFindings is RouteDecision with findings (a field, a document and its
// step each: EDDFinding).
func RouteFindings(d Decision, to Status, extra ...Finding) Decision {
	fs := append(slices.Clone(d.Findings), extra...)
	nd := decision(to, fs)
	nd.Basis, nd.Comment = d.Basis, d.Comment
	if to == StatusRetryRequired {
		steps := map[string]bool{}
		for _, f := range nd.Findings {
			if f.Step != "" {
				steps[f.Step] = true
			}
		}
		for st := range steps {
			nd.RetrySteps = append(nd.RetrySteps, st)
		}
		slices.Sort(nd.RetrySteps)
	}
	return nd
}

package verification

import (
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/veriwallet/veriwallet/internal/idrules"
)

// Outcomes of a check (CheckResult.Outcome).
const (
	OutcomePass       = "pass"
	OutcomeFail       = "fail"       // the customer's data or document is wrong
	OutcomeUnreadable = "unreadable" // no trustworthy reading: ask for a better photo
	OutcomeError      = "error"      // our fault: engine down, timeout, bug
	OutcomeSkipped    = "skipped"    // not run (not applicable or not available)
)

// CheckResult is the record of one check run on a case.
type CheckResult struct {
	Kind          string  `json:"kind"`    // one of CheckKinds
	Outcome       string  `json:"outcome"` // OutcomePass, OutcomeFail, …
	Score         float64 `json:"score"`   // the check's own score or confidence, 0 when none
	Engine        string  `json:"engine,omitempty"`
	EngineVersion string  `json:"engine_version,omitempty"`
	// Reasons are reason codes: registry codes, or idrules, document and
	// ocr codes (see Canonical).
	Reasons []string `json:"reasons,omitempty"`
	// Field is the applicant field the check concerns (cross_check: the
	// compared field).
	Field string `json:"field,omitempty"`
	// Document is the kind of the document the check ran on (document_quality,
	// document_read and cross_check); Decide takes a check with Document set
	// (and an outcome other than skipped) as proof the document was uploaded.
	Document string            `json:"document,omitempty"`
	Detail   map[string]string `json:"detail,omitempty"` // never personal data
}

// Finding is one reason in a decision, with what it concerns.
type Finding struct {
	Code     string `json:"code"`
	Field    string `json:"field,omitempty"`    // applicant field
	Document string `json:"document,omitempty"` // document kind
	Check    string `json:"check,omitempty"`    // check kind that found it (reviewers only)
	Step     string `json:"step,omitempty"`     // step to redo
	// Rule is the detailed rule behind a name mismatch (an idrules code such
	// as NAME_MISSING_CHARACTER) and Position the 1-based character it
	// concerns, or the number of places that differ for NAME_MISMATCH; both
	// come from CheckResult.Detail ("rule", "position") and let the customer
	// be told where the name differs without storing the characters.
	Rule     string `json:"rule,omitempty"`
	Position int    `json:"position,omitempty"`
	// Seen is the kind of document the photo looks like
	// (DOCUMENT_WRONG_KIND) and Date the expiry date read from it
	// (DOCUMENT_EXPIRED, YYYY-MM-DD); both come from CheckResult.Detail
	// ("detected_kind", "valid_until").
	Seen string `json:"seen,omitempty"`
	Date string `json:"date,omitempty"`
}

// Decision is the decision engine's outcome for a case.
type Decision struct {
	Status Status `json:"status"` // approved, retry_required, rejected or manual_review
	// Reasons are the registry codes behind the status, in order of first
	// appearance, without repeats (internal: show customers CustomerView).
	Reasons []string `json:"reasons"`
	// Findings are the reasons with their field, document, check and step.
	Findings []Finding `json:"findings"`
	// RetrySteps are the steps to redo (retry_required only), sorted: only
	// the ones that failed, so that everything that passed is kept.
	RetrySteps []string `json:"retry_steps,omitempty"`
	// Basis fingerprints, per step, what the decided submission held (see
	// Service.fingerprints: keyed hashes and document ids, no personal
	// data), so that a step asked for again counts as done once changed,
	// and a resubmission that changed nothing is refused before it counts.
	Basis map[string]string `json:"basis,omitempty"`
	// Comment is a reviewer's message to the customer (shown to them,
	// unlike the internal note of the case event).
	Comment string `json:"comment,omitempty"`
}

// Decide decides a case of a default level (see Levels.Decide).
func Decide(level Level, a Applicant, checks []CheckResult, at time.Time) Decision {
	return defaultLevels.Decide(level, a, checks, at)
}

// Decide turns applicant a of a case of the given level, submitted on at,
// and the results of the checks the pipeline ran into a Decision. It
// re-validates the applicant itself (ValidateApplicant), requires phone
// confirmation when the level does, and requires every document of
// Requirements and every check kind of the level, so a case is never
// approved on missing evidence. Then, in this order:
//
//   - any sensitive reason (duplicate identity, sanctions, PEP, fraud
//     signals) or one of ours (an error outcome, a missing required check, an
//     unknown reason code or level) → manual_review: the customer is never
//     failed for our fault;
//   - any FINAL reason → rejected;
//   - any RETRY reason → retry_required, with the failed steps only;
//   - DOCUMENT_REVIEW_REQUIRED (a document a person must compare) →
//     manual_review;
//   - a level, minor or foreigner policy that always wants a person →
//     manual_review with REVIEW_PENDING;
//   - without positive evidence for every required document (evidence) →
//     manual_review with DOCUMENT_REVIEW_REQUIRED;
//   - otherwise approved.
//
// Non-sensitive reasons on passed or skipped checks are warnings and ignored.
// A failed check without a reason is ours (CHECK_FAILED_UNEXPLAINED), and an
// unreadable one is DOCUMENT_UNREADABLE unless it names image reasons.
func (ls Levels) Decide(level Level, a Applicant, checks []CheckResult, at time.Time) Decision {
	spec, ok := ls.Level(level)
	if !ok {
		return decision(StatusManualReview, []Finding{{Code: CodeLevelUnknown}})
	}
	a = NormalizeApplicant(a)
	var fs []Finding

	// What the engine can see for itself.
	for _, fe := range ls.validate(spec, a, at) {
		fs = append(fs, Finding{Code: fe.Code, Field: fe.Field, Step: StepApplicant})
	}
	if spec.ConfirmPhone && !a.PhoneConfirmed {
		fs = append(fs, Finding{Code: CodePhoneNotConfirmed, Field: FieldPhone, Step: StepPhone})
	}
	reqs := ls.requirements(spec, a, at)
	for _, r := range reqs {
		if r.Type == ReqDocument && !uploaded(checks, r.AnyOf) {
			fs = append(fs, Finding{Code: r.Reason, Document: r.Name, Step: DocumentStep(r.Name)})
		}
	}
	// What the checks found.
	var found []Finding
	for _, c := range checks {
		found = append(found, checkFindings(c)...)
	}
	// A required check the pipeline did not run is ours, unless the customer
	// has something to fix first (the pipeline may stop early then, or skip
	// what cannot run: no cross-check on a photo of the wrong kind).
	if !anyCustomerFault(fs) && !anyCustomerFault(found) {
		for _, k := range spec.Checks {
			if !ran(checks, k) {
				fs = append(fs, Finding{Code: CodeCheckMissing, Check: k})
			}
		}
	}
	fs = dedupe(append(fs, found...))

	var review, final, retry, soft []Finding
	for _, f := range fs {
		r := registry[f.Code]
		switch {
		case f.Code == CodeDocumentReviewRequired:
			// A person compares a document only once nothing else is
			// wrong: what the customer must fix comes first.
			soft = append(soft, f)
		case r.Sensitive || r.Disposition == Review:
			review = append(review, f)
		case r.Disposition == Final:
			final = append(final, f)
		default:
			retry = append(retry, f)
		}
	}
	switch {
	case len(review) > 0:
		return decision(StatusManualReview, fs)
	case len(final) > 0:
		return decision(StatusRejected, final)
	case len(retry) > 0:
		d := decision(StatusRetryRequired, retry)
		steps := map[string]bool{}
		for _, f := range d.Findings {
			if f.Step != "" {
				steps[f.Step] = true
			}
		}
		for s := range steps {
			d.RetrySteps = append(d.RetrySteps, s)
		}
		sort.Strings(d.RetrySteps)
		return d
	case len(soft) > 0:
		return decision(StatusManualReview, soft)
	}
	for _, r := range reqs {
		if r.Type == ReqReview {
			return decision(StatusManualReview, []Finding{{Code: CodeReviewPending}})
		}
	}
	// Nothing found against the case: approve only on positive evidence.
	if ev := ls.evidence(a, reqs, checks); len(ev) > 0 {
		return decision(StatusManualReview, ev)
	}
	return decision(StatusApproved, nil)
}

// slotRule is what a document in a slot must show for an automatic
// approval: the kind the reader must classify the photo as, and the fields
// that must be read from it with confidence and match what was typed.
type slotRule struct {
	kind   string
	fields []string
}

// slotEvidence returns the rule for a document slot of applicant a; false
// when no reader can verify what the slot holds (a visa, a consent form, a
// guardian's ID, a travel permit): a person must.
func slotEvidence(a Applicant, slot string) (slotRule, bool) {
	nameAndNumber := []string{FieldFullName, FieldIDNumber}
	switch normType(a.IDType) {
	case IDCNResident:
		switch slot {
		case DocIDFront:
			return slotRule{DocIDFront, nameAndNumber}, true
		case DocIDBack:
			return slotRule{DocIDBack, []string{ReadValidUntil}}, true
		}
	case IDPassport:
		switch slot {
		case DocPassport:
			return slotRule{DocPassport, nameAndNumber}, true
		case DocResidencePermit: // a foreigner's second document: its own number
			return slotRule{DocResidencePermit, []string{FieldFullName}}, true
		}
	case IDHMTResidence, IDForeignPermanent:
		switch slot {
		case DocResidencePermit:
			return slotRule{DocResidencePermit, nameAndNumber}, true
		case DocResidencePermitBack: // the emblem side, read like an ID card's back
			return slotRule{DocIDBack, []string{ReadValidUntil}}, true
		}
	}
	return slotRule{}, false
}

// evidence returns a DOCUMENT_REVIEW_REQUIRED finding for every required
// document without positive evidence: a photo classified, with confidence,
// as the kind its slot holds, and every field of the slot's rule read with
// at least MinConfidence and matching what was typed.
func (ls Levels) evidence(a Applicant, reqs []Requirement, checks []CheckResult) []Finding {
	minConf := ls.MinConfidence
	if minConf <= 0 || minConf > 1 {
		minConf = DefaultMinConfidence
	}
	var out []Finding
	for _, r := range reqs {
		if r.Type != ReqDocument {
			continue
		}
		proven := false
		for _, slot := range r.AnyOf {
			if slotProven(a, slot, checks, minConf) {
				proven = true
				break
			}
		}
		if !proven {
			out = append(out, Finding{Code: CodeDocumentReviewRequired, Document: r.Name})
		}
	}
	return out
}

// slotProven reports whether the checks hold positive evidence for slot.
func slotProven(a Applicant, slot string, checks []CheckResult, minConf float64) bool {
	if slot == DocSelfie {
		return selfieProven(checks)
	}
	rule, ok := slotEvidence(a, slot)
	if !ok {
		return false
	}
	kindOK := false
	for _, c := range checks {
		if c.Kind == CheckDocumentRead && c.Document == slot && c.Outcome == OutcomePass &&
			c.Detail["detected_kind"] == rule.kind && c.Score >= MinKindConfidence {
			kindOK = true
		}
	}
	if !kindOK {
		return false
	}
	for _, f := range rule.fields {
		ok := false
		for _, c := range checks {
			if c.Kind == CheckCrossCheck && c.Document == slot && c.Field == f && c.Outcome == OutcomePass && c.Score >= minConf {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func decision(s Status, fs []Finding) Decision {
	d := Decision{Status: s, Reasons: []string{}, Findings: []Finding{}}
	seen := map[string]bool{}
	for _, f := range fs {
		if r, ok := registry[f.Code]; ok {
			f.Step = stepFor(r, f)
			if r.Disposition != Retry {
				f.Step = ""
			}
		}
		d.Findings = append(d.Findings, f)
		if !seen[f.Code] {
			seen[f.Code] = true
			d.Reasons = append(d.Reasons, f.Code)
		}
	}
	return d
}

// anyCustomerFault reports whether fs holds a reason the customer must fix.
func anyCustomerFault(fs []Finding) bool {
	for _, f := range fs {
		if r := registry[f.Code]; !r.Sensitive && r.Disposition != Review {
			return true
		}
	}
	return false
}

// uploaded reports whether some check ran on one of the document kinds.
func uploaded(checks []CheckResult, kinds []string) bool {
	for _, c := range checks {
		if c.Document != "" && c.Outcome != OutcomeSkipped && contains(kinds, c.Document) {
			return true
		}
	}
	return false
}

// ran reports whether a check of kind ran (with any outcome but skipped).
// Screening skipped because no list is imported counts: a fresh install
// still decides.
func ran(checks []CheckResult, kind string) bool {
	for _, c := range checks {
		if c.Kind == kind && c.Outcome != OutcomeSkipped {
			return true
		}
		if c.Kind == kind && kind == CheckScreening && c.Detail["reason"] == SkipNotConfigured {
			return true
		}
	}
	return false
}

// checkFindings turns one check result into findings.
func checkFindings(c CheckResult) []Finding {
	var out []Finding
	add := func(code string) {
		code = Canonical(code)
		if r := registry[code]; r.Disposition == Retry && r.Step == "" {
			// Not a check's finding (ATTEMPTS_EXCEEDED belongs to the
			// submit gate): a bug in the check, ours.
			code = CodeCheckUnexplained
		}
		f := Finding{Code: code, Field: c.Field, Document: c.Document, Check: c.Kind}
		if f.Field == "" {
			f.Field = registry[code].Field
		}
		if code == CodeNameMismatch {
			f.Rule, f.Position = nameDetail(c.Detail)
		}
		if code == CodeDocumentWrongKind {
			if k := c.Detail["detected_kind"]; slices.Contains(DocumentKinds, k) {
				f.Seen = k
			}
		}
		if code == CodeDocumentExpired {
			if d, ok := idrules.ParseDate(c.Detail["valid_until"]); ok {
				f.Date = d.String()
			}
		}
		out = append(out, f)
	}
	sensitiveOnly := func() {
		for _, code := range c.Reasons {
			if hidden(Canonical(code)) {
				add(code)
			}
		}
	}
	switch c.Outcome {
	case OutcomePass, OutcomeSkipped:
		sensitiveOnly()
	case OutcomeFail:
		for _, code := range c.Reasons {
			add(code)
		}
		if len(c.Reasons) == 0 {
			switch c.Kind {
			case CheckDuplicateIdentity:
				add(CodeDuplicateIdentity)
			default:
				add(CodeCheckUnexplained)
			}
		}
	case OutcomeUnreadable:
		// An unreadable result is never evidence of wrong data: keep only
		// the photo reasons (and anything sensitive).
		n := 0
		for _, code := range c.Reasons {
			cc := Canonical(code)
			if r := registry[cc]; r.Sensitive || r.Disposition == Review || r.Step == StepDocuments && r.Disposition == Retry {
				add(code)
				n++
			}
		}
		if n == 0 {
			add(CodeDocumentUnreadable)
		}
	default: // OutcomeError and anything unknown: ours
		sensitiveOnly()
		add(CodeEngineUnavailable)
	}
	return out
}

func dedupe(fs []Finding) []Finding {
	seen := map[[3]string]bool{}
	out := fs[:0]
	for _, f := range fs {
		k := [3]string{f.Code, f.Field, f.Document}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	return out
}

// ApplicantChecks returns the checks the engine runs on the typed data by
// itself, as records for the case (see Levels.ApplicantChecks).
func ApplicantChecks(level Level, a Applicant, at time.Time) []CheckResult {
	return defaultLevels.ApplicantChecks(level, a, at)
}

// ApplicantChecks returns the id_number, phone and age_policy checks of
// applicant a on date at, so that the pipeline can store one record per
// check. Decide runs the same rules itself; passing these results to it
// changes nothing. The age_policy detail says "minor" = "true" or "false"
// (never the birth date).
func (ls Levels) ApplicantChecks(level Level, a Applicant, at time.Time) []CheckResult {
	spec, ok := ls.Level(level)
	a = NormalizeApplicant(a)
	var fes []FieldError
	if ok {
		fes = ls.validate(spec, a, at)
	}
	by := map[string][]string{}
	for _, fe := range fes {
		by[fe.Field] = append(by[fe.Field], fe.Code)
	}
	result := func(kind, field string, reasons []string) CheckResult {
		c := CheckResult{Kind: kind, Outcome: OutcomePass, Score: 1, Engine: "verification", Field: field, Reasons: reasons}
		if len(reasons) > 0 {
			c.Outcome, c.Score = OutcomeFail, 0
		}
		return c
	}
	var out []CheckResult
	idReasons := append(append([]string{}, by[FieldIDType]...), by[FieldIDNumber]...)
	var idOnly []string
	for _, c := range idReasons {
		if c != CodeAgeBelowMinimum {
			idOnly = append(idOnly, c)
		}
	}
	idField := FieldIDNumber
	if len(by[FieldIDNumber]) == 0 && len(by[FieldIDType]) > 0 {
		idField = FieldIDType
	}
	out = append(out, result(CheckIDNumber, idField, idOnly))
	phone := by[FieldPhone]
	if spec.ConfirmPhone && !a.PhoneConfirmed {
		phone = append(phone, CodePhoneNotConfirmed)
	}
	out = append(out, result(CheckPhone, FieldPhone, phone))
	var age []string
	for _, f := range []string{FieldIDNumber, FieldBirthDate} {
		for _, c := range by[f] {
			if c == CodeAgeBelowMinimum {
				age = append(age, c)
			}
		}
	}
	ac := result(CheckAgePolicy, "", age)
	minor := "unknown"
	if b, ok := BirthDate(a, at); ok {
		minor = "false"
		if b.AgeOn(idrules.DateOf(at)) < ls.MinorAge {
			minor = "true"
		}
	}
	ac.Detail = map[string]string{"minor": minor}
	out = append(out, ac)
	return out
}

// nameDetail reads the rule and position CrossCheck records for a name
// mismatch, accepting only values it knows.
func nameDetail(d map[string]string) (rule string, pos int) {
	rule = d["rule"]
	switch rule {
	case idrules.CodeNameMissing, idrules.CodeNameExtra, idrules.CodeNameDifferent, idrules.CodeNameMismatch:
	default:
		return "", 0
	}
	pos, err := strconv.Atoi(d["position"])
	if err != nil || pos < 1 || pos > idrules.MaxNameLength*4 {
		return "", 0
	}
	return rule, pos
}

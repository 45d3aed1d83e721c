package verification

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/errs"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/idrules"
)

// Level names a verification level.
type Level string

// The default levels.
const (
	LevelBasic    Level = "basic"
	LevelStandard Level = "standard"
	LevelEnhanced Level = "enhanced"
)

// The ID types an applicant can choose (Applicant.IDType). All but passport
// are the document number types of internal/idrules.
const (
	IDCNResident       = string(idrules.IDCNResident)       // 居民身份证
	IDHMTResidence     = string(idrules.IDHMTResidence)     // 港澳台居民居住证
	IDForeignPermanent = string(idrules.IDForeignPermanent) // 外国人永久居留身份证
	IDHKMacauTravel    = string(idrules.IDHKMacauTravel)    // 港澳居民来往内地通行证
	IDTWTravel         = string(idrules.IDTWTravel)         // 台湾居民来往大陆通行证
	IDPassport         = "passport"                         // 护照 (any country)
)

// IDTypes lists the ID types an applicant can choose.
var IDTypes = []string{IDCNResident, IDPassport, IDHMTResidence, IDForeignPermanent, IDHKMacauTravel, IDTWTravel}

// The document kinds a case can hold. The first four are the kinds the image
// gate and the reader of internal/document and internal/ocr understand; use
// GateKind for the others.
const (
	DocIDFront             = "id_front"              // ID card, the side with the photo
	DocIDBack              = "id_back"               // ID card, the other side
	DocPassport            = "passport"              // passport photo page
	DocResidencePermit     = "residence_permit"      // permit or permanent residence card, front
	DocResidencePermitBack = "residence_permit_back" // permit, back
	DocVisa                = "visa"                  // visa page (foreigners)
	DocGuardianConsent     = "guardian_consent"      // signed consent form (minors)
	DocGuardianID          = "guardian_id"           // the guardian's ID document, photo side
	DocSelfie              = "selfie"                // a photo of the applicant's face, taken live (face_match, liveness)
)

// DocumentKinds lists every document kind a level may require.
var DocumentKinds = []string{DocIDFront, DocIDBack, DocPassport, DocResidencePermit,
	DocResidencePermitBack, DocVisa, DocGuardianConsent, DocGuardianID, DocSelfie}

// GateKind returns the internal/document kind whose image checks suit a
// document kind of this package (a permit's back is checked like an ID
// card's back, a guardian's ID like an ID card's photo side, a visa like any
// other document).
func GateKind(kind string) document.Kind {
	switch kind {
	case DocResidencePermitBack:
		return document.KindIDBack
	case DocGuardianID:
		return document.KindIDFront
	case DocVisa:
		return document.KindOther
	}
	k := document.Kind(kind)
	if k.Valid() {
		return k
	}
	return document.KindOther
}

// Applicant fields, as named in JSON and in FieldError.Field.
const (
	FieldFullName         = "full_name"
	FieldIDType           = "id_type"
	FieldIDNumber         = "id_number"
	FieldPhone            = "phone"
	FieldNationality      = "nationality"
	FieldBirthDate        = "birth_date"
	FieldSex              = "sex"
	FieldAddress          = "address"
	FieldOccupation       = "occupation"
	FieldSourceOfFunds    = "source_of_funds"
	FieldGuardianName     = "guardian_name"
	FieldGuardianIDType   = "guardian_id_type"
	FieldGuardianIDNumber = "guardian_id_number"
)

// ApplicantFields lists the applicant fields a level may require.
var ApplicantFields = []string{FieldFullName, FieldIDType, FieldIDNumber, FieldPhone,
	FieldNationality, FieldBirthDate, FieldSex, FieldAddress, FieldOccupation,
	FieldSourceOfFunds, FieldGuardianName, FieldGuardianIDType, FieldGuardianIDNumber}

// The kinds of check the pipeline runs (CheckResult.Kind).
const (
	CheckIDNumber          = "id_number"
	CheckDocumentQuality   = "document_quality"
	CheckDocumentRead      = "document_read"
	CheckCrossCheck        = "cross_check"
	CheckDuplicateIdentity = "duplicate_identity"
	CheckAgePolicy         = "age_policy"
	CheckScreening         = "screening"
	CheckPhone             = "phone"
	// CheckFaceMatch compares the face in the selfie with the portrait on
	// the document; CheckLiveness scores the selfie as a live capture (not
	// a photo of a photo or a screen). Both need a selfie document.
	CheckFaceMatch = "face_match"
	CheckLiveness  = "liveness"
)

// CheckKinds lists every check kind.
var CheckKinds = []string{CheckIDNumber, CheckDocumentQuality, CheckDocumentRead,
	CheckCrossCheck, CheckDuplicateIdentity, CheckAgePolicy, CheckScreening, CheckPhone,
	CheckFaceMatch, CheckLiveness}

// DocumentRule is one required document: any one of the kinds in AnyOf
// satisfies it. Missing is the reason code given when none was uploaded
// (DOCUMENT_MISSING when empty).
type DocumentRule struct {
	AnyOf   []string `json:"any_of"`
	Missing string   `json:"missing_reason,omitempty"`
}

// Extra is what a special situation (a minor, a foreigner) adds to a level.
type Extra struct {
	Fields       []string       `json:"fields,omitempty"`
	Documents    []DocumentRule `json:"documents,omitempty"`
	ManualReview bool           `json:"manual_review,omitempty"` // always have a person look
}

// LevelSpec is one verification level.
type LevelSpec struct {
	Name  Level     `json:"name"`
	Title i18n.Text `json:"title"`
	// Fields are the applicant fields every applicant must fill in.
	Fields []string `json:"fields"`
	// ConfirmPhone: the phone must be confirmed by a one-time code.
	ConfirmPhone bool `json:"confirm_phone"`
	// IDTypes are the ID types accepted at this level.
	IDTypes []string `json:"id_types"`
	// Documents are the documents required per ID type.
	Documents map[string][]DocumentRule `json:"documents,omitempty"`
	// Checks are the kinds of check the pipeline must have run (with an
	// outcome other than skipped) before the engine may approve.
	Checks []string `json:"checks,omitempty"`
	// Minor and Foreigner say whether the Minor and Foreigner extras of
	// Levels apply at this level.
	Minor     bool `json:"minor_rules"`
	Foreigner bool `json:"foreigner_rules"`
	// ManualReview: every case of this level goes to a person.
	ManualReview bool `json:"manual_review"`
	// Limits are what a customer verified at this level may send and
	// withdraw, per asset (see AssetLimits); an asset not listed may only be
	// received.
	Limits map[string]AssetLimits `json:"limits,omitempty"`
}

// AttemptPolicy limits submissions: at most Limit in any Window.
type AttemptPolicy struct {
	Limit  int      `json:"limit"`
	Window Duration `json:"window"`
}

// Duration is a time.Duration written in JSON as a Go duration string ("24h").
type Duration time.Duration

// MarshalText writes d as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText parses a Go duration string ("24h", "90m").
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Levels is the verification configuration: the levels and the rules they
// share. Load it with ParseLevels or start from DefaultLevels; check it with
// Validate.
type Levels struct {
	Levels []LevelSpec `json:"levels"`
	// IDTypeFields are fields required for an ID type whose number does not
	// carry them (a passport number has no birth date or nationality).
	IDTypeFields map[string][]string `json:"id_type_fields,omitempty"`
	// MinorAge: applicants younger than this on the submission date are minors.
	MinorAge int `json:"minor_age"`
	// MinimumAge: applicants younger than this are rejected (0: no minimum).
	MinimumAge int `json:"minimum_age"`
	// Minor is what minors add, Foreigner what foreign passport holders add.
	Minor     Extra `json:"minor"`
	Foreigner Extra `json:"foreigner"`
	// Attempts limits submissions per customer.
	Attempts AttemptPolicy `json:"attempts"`
	// MinConfidence is the reading confidence below which a differing read
	// field is unreadable rather than a mismatch.
	MinConfidence float64 `json:"min_confidence"`
}

// The default attempt policy: 5 submissions in any 24 hours.
const (
	DefaultAttemptLimit  = 5
	DefaultAttemptWindow = 24 * time.Hour
)

// DefaultMinConfidence is the default Levels.MinConfidence (the value
// internal/ocr uses for names, numbers and dates).
const DefaultMinConfidence = 0.9

// DefaultLevels returns the built-in configuration:
//   - basic: full name, ID type and number, phone confirmed by a one-time code;
//   - standard: basic plus the document photos of the ID type (both sides of a
//     mainland ID card or a permit; a passport's photo page; the front of a
//     foreigner permanent residence card), read and cross-checked;
//   - enhanced: standard plus address, occupation and source of funds, a
//     selfie matched to the document's portrait and scored for liveness
//     (face_match, liveness), and always a person's review.
//
// Levels rank in this order (basic < standard < enhanced) and carry the
// wallet limits of defaultLimits: basic may send 200 CNY a day and 1,000 a
// month and not withdraw; standard 5,000 a transaction, 20,000 a day and
// 100,000 a month, sending and withdrawing alike; enhanced ten times that.
//
// At every level a minor (under 18 on the submission date) adds the
// guardian's name and ID number, a signed consent form and the guardian's ID,
// and is reviewed by a person (no machine can check a consent form). At
// standard and enhanced a foreign passport holder adds a visa or a residence
// permit. Applicants under 8 (no civil capacity, Civil Code art. 20) are
// rejected. 5 submissions per 24 hours.
func DefaultLevels() Levels {
	base := []string{FieldFullName, FieldIDType, FieldIDNumber, FieldPhone}
	side := func(k string) DocumentRule { return DocumentRule{AnyOf: []string{k}, Missing: CodeDocumentSideMissing} }
	one := func(k string) DocumentRule { return DocumentRule{AnyOf: []string{k}} }
	docs := map[string][]DocumentRule{
		IDCNResident:       {one(DocIDFront), side(DocIDBack)},
		IDPassport:         {one(DocPassport)},
		IDHMTResidence:     {one(DocResidencePermit), side(DocResidencePermitBack)},
		IDForeignPermanent: {one(DocResidencePermit)},
		IDHKMacauTravel:    {one(DocResidencePermit), side(DocResidencePermitBack)},
		IDTWTravel:         {one(DocResidencePermit), side(DocResidencePermitBack)},
	}
	// Every level screens against the sanctions and PEP lists (skipped, and
	// not holding the case, while no list is imported).
	docChecks := []string{CheckDuplicateIdentity, CheckDocumentQuality, CheckDocumentRead, CheckCrossCheck, CheckScreening}
	// Enhanced adds a selfie to every ID type's documents, and the face
	// checks that need it.
	withSelfie := map[string][]DocumentRule{}
	for t, rules := range docs {
		withSelfie[t] = append(slices.Clone(rules), one(DocSelfie))
	}
	limits := defaultLimits()
	return Levels{
		Levels: []LevelSpec{
			{
				Name: LevelBasic, Title: i18n.T("Basic", "基础认证"),
				Fields: base, ConfirmPhone: true, IDTypes: slices.Clone(IDTypes),
				Checks: []string{CheckDuplicateIdentity, CheckScreening},
				Minor:  true, Limits: limits[LevelBasic],
			},
			{
				Name: LevelStandard, Title: i18n.T("Standard", "标准认证"),
				Fields: base, ConfirmPhone: true, IDTypes: slices.Clone(IDTypes),
				Documents: docs, Checks: docChecks,
				Minor: true, Foreigner: true, Limits: limits[LevelStandard],
			},
			{
				Name: LevelEnhanced, Title: i18n.T("Enhanced", "高级认证"),
				Fields:       append(slices.Clone(base), FieldAddress, FieldOccupation, FieldSourceOfFunds),
				ConfirmPhone: true, IDTypes: slices.Clone(IDTypes),
				Documents: withSelfie, Checks: append(slices.Clone(docChecks), CheckFaceMatch, CheckLiveness),
				Minor: true, Foreigner: true, ManualReview: true, Limits: limits[LevelEnhanced],
			},
		},
		IDTypeFields: map[string][]string{
			IDPassport:      {FieldNationality, FieldBirthDate},
			IDHKMacauTravel: {FieldBirthDate},
			IDTWTravel:      {FieldBirthDate},
		},
		MinorAge:   idrules.MinorAge,
		MinimumAge: 8,
		Minor: Extra{
			Fields: []string{FieldGuardianName, FieldGuardianIDNumber},
			Documents: []DocumentRule{
				{AnyOf: []string{DocGuardianConsent}, Missing: CodeMinorGuardianRequired},
				{AnyOf: []string{DocGuardianID}, Missing: CodeMinorGuardianRequired},
			},
			ManualReview: true,
		},
		Foreigner: Extra{
			Documents: []DocumentRule{{AnyOf: []string{DocVisa, DocResidencePermit}, Missing: CodeForeignerDocumentRequired}},
		},
		Attempts:      AttemptPolicy{Limit: DefaultAttemptLimit, Window: Duration(DefaultAttemptWindow)},
		MinConfidence: DefaultMinConfidence,
	}
}

// ParseLevels decodes a JSON configuration (unknown keys are an error),
// takes the default attempt policy and minimum confidence when "attempts" or
// "min_confidence" is absent, and validates it. Errors are *errs.Error of kind Invalid, code LEVELS_INVALID.
func ParseLevels(data []byte) (Levels, error) {
	var ls Levels
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ls); err != nil {
		return Levels{}, levelsInvalid("", err.Error())
	}
	if dec.More() {
		return Levels{}, levelsInvalid("", "trailing data after the configuration")
	}
	def := DefaultLevels()
	if ls.Attempts == (AttemptPolicy{}) {
		ls.Attempts = def.Attempts
	}
	if ls.MinConfidence == 0 {
		ls.MinConfidence = def.MinConfidence
	}
	if err := ls.Validate(); err != nil {
		return Levels{}, err
	}
	return ls, nil
}

func levelsInvalid(field, detail string) *errs.Error {
	return errs.New(errs.Invalid, "LEVELS_INVALID",
		"The verification levels configuration is invalid: "+detail,
		"实名认证等级配置无效："+detail).OnField(field)
}

// Validate checks the configuration: at least one level, unique known names
// of levels, fields, ID types, document kinds, check kinds and reason codes,
// documents for accepted ID types only, ages and limits in range. The error
// is an *errs.Error of kind Invalid, code LEVELS_INVALID, whose Field is the
// JSON path of the first problem.
func (ls Levels) Validate() error {
	if len(ls.Levels) == 0 {
		return levelsInvalid("levels", "no levels")
	}
	seen := map[Level]bool{}
	for i, l := range ls.Levels {
		p := fmt.Sprintf("levels[%d]", i)
		if l.Name == "" || seen[l.Name] {
			return levelsInvalid(p+".name", fmt.Sprintf("empty or repeated level name %q", l.Name))
		}
		seen[l.Name] = true
		if err := knownAll(p+".fields", l.Fields, ApplicantFields); err != nil {
			return err
		}
		if len(l.IDTypes) == 0 {
			return levelsInvalid(p+".id_types", "no ID type accepted")
		}
		if err := knownAll(p+".id_types", l.IDTypes, IDTypes); err != nil {
			return err
		}
		if err := knownAll(p+".checks", l.Checks, CheckKinds); err != nil {
			return err
		}
		if err := validLimits(p+".limits", l.Limits); err != nil {
			return err
		}
		for _, t := range sortedKeys(l.Documents) {
			rules := l.Documents[t]
			if !slices.Contains(l.IDTypes, t) {
				return levelsInvalid(p+".documents."+t, "documents for an ID type the level does not accept")
			}
			if err := validRules(p+".documents."+t, rules); err != nil {
				return err
			}
		}
		if err := validFaceChecks(p, l); err != nil {
			return err
		}
	}
	for _, t := range sortedKeys(ls.IDTypeFields) {
		fs := ls.IDTypeFields[t]
		if !slices.Contains(IDTypes, t) {
			return levelsInvalid("id_type_fields."+t, "unknown ID type")
		}
		if err := knownAll("id_type_fields."+t, fs, ApplicantFields); err != nil {
			return err
		}
	}
	for _, e := range []struct {
		name string
		x    Extra
	}{{"minor", ls.Minor}, {"foreigner", ls.Foreigner}} {
		name, x := e.name, e.x
		if err := knownAll(name+".fields", x.Fields, ApplicantFields); err != nil {
			return err
		}
		if err := validRules(name+".documents", x.Documents); err != nil {
			return err
		}
	}
	if ls.MinorAge < 0 || ls.MinorAge > 30 {
		return levelsInvalid("minor_age", "must be between 0 and 30")
	}
	if ls.MinimumAge < 0 || (ls.MinorAge > 0 && ls.MinimumAge > ls.MinorAge) {
		return levelsInvalid("minimum_age", "must be between 0 and minor_age")
	}
	if ls.Attempts.Limit < 1 || ls.Attempts.Limit > 1000 {
		return levelsInvalid("attempts.limit", "must be between 1 and 1000")
	}
	if w := time.Duration(ls.Attempts.Window); w < time.Minute || w > 366*24*time.Hour {
		return levelsInvalid("attempts.window", "must be between 1m and 8784h")
	}
	if !(ls.MinConfidence > 0 && ls.MinConfidence <= 1) {
		return levelsInvalid("min_confidence", "must be above 0 and at most 1")
	}
	return nil
}

// sortedKeys returns m's keys in order, so that Validate reports the same
// problem first every time.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func knownAll(path string, got, known []string) error {
	seen := map[string]bool{}
	for _, g := range got {
		if !slices.Contains(known, g) {
			return levelsInvalid(path, fmt.Sprintf("unknown value %q", g))
		}
		if seen[g] {
			return levelsInvalid(path, fmt.Sprintf("repeated value %q", g))
		}
		seen[g] = true
	}
	return nil
}

// validFaceChecks checks that a level asking for face_match or liveness
// requires a selfie for every ID type it accepts (else the checks could
// never run and every case would wait for a person), and that a selfie is
// required on its own (no other kind can stand in for it).
func validFaceChecks(p string, l LevelSpec) error {
	face := slices.Contains(l.Checks, CheckFaceMatch) || slices.Contains(l.Checks, CheckLiveness)
	for _, t := range l.IDTypes {
		selfie := false
		for i, r := range l.Documents[t] {
			if slices.Contains(r.AnyOf, DocSelfie) {
				if len(r.AnyOf) > 1 {
					return levelsInvalid(fmt.Sprintf("%s.documents.%s[%d].any_of", p, t, i), "a selfie cannot be one of several choices")
				}
				selfie = true
			}
		}
		if face && !selfie {
			return levelsInvalid(p+".documents."+t, "face_match and liveness need a selfie document for every accepted ID type")
		}
	}
	return nil
}

func validRules(path string, rules []DocumentRule) error {
	for i, r := range rules {
		p := fmt.Sprintf("%s[%d]", path, i)
		if len(r.AnyOf) == 0 {
			return levelsInvalid(p+".any_of", "empty")
		}
		if err := knownAll(p+".any_of", r.AnyOf, DocumentKinds); err != nil {
			return err
		}
		if r.Missing != "" {
			if info, ok := registry[r.Missing]; !ok || info.Disposition != Retry {
				return levelsInvalid(p+".missing_reason", fmt.Sprintf("%q is not a registered RETRY reason", r.Missing))
			}
		}
	}
	return nil
}

// Level returns the spec of the named level.
func (ls Levels) Level(name Level) (LevelSpec, bool) {
	for _, l := range ls.Levels {
		if l.Name == name {
			return l, true
		}
	}
	return LevelSpec{}, false
}

// Requirement types.
const (
	ReqField    = "field"    // an applicant field must be filled in
	ReqStep     = "step"     // a step must be completed (phone confirmation)
	ReqDocument = "document" // a document must be uploaded
	ReqReview   = "review"   // a person will review the case
)

// Why a requirement applies.
const (
	BecauseLevel     = "level"
	BecauseIDType    = "id_type"
	BecauseMinor     = "minor"
	BecauseForeigner = "foreigner"
)

// Requirement is one thing a case needs.
type Requirement struct {
	Type string `json:"type"` // ReqField, ReqStep, ReqDocument or ReqReview
	// Name is the field, the step (StepPhone), or the first document kind.
	Name string `json:"name"`
	// AnyOf lists the document kinds of which any one satisfies a document
	// requirement.
	AnyOf []string `json:"any_of,omitempty"`
	// Reason is the code a missing requirement is reported with.
	Reason string `json:"reason,omitempty"`
	// Because says why it applies: level, id_type, minor or foreigner.
	Because string `json:"because"`
}

var defaultLevels = DefaultLevels()

// Requirements lists what a case of the given default level needs for
// applicant a on date at (see Levels.Requirements).
func Requirements(level Level, a Applicant, at time.Time) []Requirement {
	return defaultLevels.Requirements(level, a, at)
}

// Requirements lists the fields, steps and documents a case of the given
// level needs for applicant a on date at, in the order a wizard asks for
// them. Minor rules apply when the applicant's birth date (from the ID number
// or the typed/MRZ birth date) makes them younger than MinorAge on at;
// foreigner rules when the ID type is passport and the nationality is not
// CHN. An unknown level needs nothing (and Decide sends it to a reviewer).
func (ls Levels) Requirements(level Level, a Applicant, at time.Time) []Requirement {
	spec, ok := ls.Level(level)
	if !ok {
		return nil
	}
	return ls.requirements(spec, NormalizeApplicant(a), at)
}

// requirements is Requirements for a normalised applicant.
func (ls Levels) requirements(spec LevelSpec, a Applicant, at time.Time) []Requirement {
	var out []Requirement
	seen := map[string]bool{}
	field := func(f, because string) {
		if seen["f:"+f] {
			return
		}
		seen["f:"+f] = true
		out = append(out, Requirement{Type: ReqField, Name: f, Reason: CodeFieldRequired, Because: because})
	}
	doc := func(r DocumentRule, because string) {
		key := "d:" + fmt.Sprint(r.AnyOf)
		if seen[key] {
			return
		}
		seen[key] = true
		reason := r.Missing
		if reason == "" {
			reason = CodeDocumentMissing
		}
		out = append(out, Requirement{Type: ReqDocument, Name: r.AnyOf[0], AnyOf: slices.Clone(r.AnyOf), Reason: reason, Because: because})
	}
	minor := spec.Minor && ls.isMinor(a, at)
	foreigner := spec.Foreigner && IsForeigner(a)
	for _, f := range spec.Fields {
		field(f, BecauseLevel)
	}
	for _, f := range ls.IDTypeFields[a.IDType] {
		field(f, BecauseIDType)
	}
	if minor {
		for _, f := range ls.Minor.Fields {
			field(f, BecauseMinor)
		}
	}
	if foreigner {
		for _, f := range ls.Foreigner.Fields {
			field(f, BecauseForeigner)
		}
	}
	if spec.ConfirmPhone {
		out = append(out, Requirement{Type: ReqStep, Name: StepPhone, Reason: CodePhoneNotConfirmed, Because: BecauseLevel})
	}
	for _, r := range spec.Documents[a.IDType] {
		doc(r, BecauseLevel)
	}
	if foreigner {
		for _, r := range ls.Foreigner.Documents {
			doc(r, BecauseForeigner)
		}
	}
	if minor {
		for _, r := range ls.Minor.Documents {
			doc(r, BecauseMinor)
		}
	}
	switch {
	case spec.ManualReview:
		out = append(out, Requirement{Type: ReqReview, Name: "review", Reason: CodeReviewPending, Because: BecauseLevel})
	case minor && ls.Minor.ManualReview:
		out = append(out, Requirement{Type: ReqReview, Name: "review", Reason: CodeReviewPending, Because: BecauseMinor})
	case foreigner && ls.Foreigner.ManualReview:
		out = append(out, Requirement{Type: ReqReview, Name: "review", Reason: CodeReviewPending, Because: BecauseForeigner})
	}
	return out
}

// isMinor reports whether a's known birth date makes them a minor on at.
func (ls Levels) isMinor(a Applicant, at time.Time) bool {
	b, ok := BirthDate(a, at)
	return ok && b.AgeOn(idrules.DateOf(at)) < ls.MinorAge
}

// IsForeigner reports whether a applies with a passport of a nationality
// other than CHN (an empty nationality is not taken as foreign; the
// passport's required nationality field catches it).
func IsForeigner(a Applicant) bool {
	n := normCode(a.Nationality)
	return normType(a.IDType) == IDPassport && n != "" && n != "CHN"
}

package document

// Kind is the kind of document an image shows.
type Kind string

// The document kinds.
const (
	KindIDFront         Kind = "id_front"
	KindIDBack          Kind = "id_back"
	KindPassport        Kind = "passport"
	KindResidencePermit Kind = "residence_permit"
	KindGuardianConsent Kind = "guardian_consent"
	KindSelfie          Kind = "selfie"
	KindOther           Kind = "other"
	// KindAttachment is a support ticket's attachment (a screenshot): only
	// the format check, the size limit and metadata stripping apply; it is
	// outside the documents' quota and duplicate check (support counts it
	// against the ticket's own quota).
	KindAttachment Kind = "attachment"
)

// Kinds lists every valid kind.
var Kinds = []Kind{KindIDFront, KindIDBack, KindPassport, KindResidencePermit, KindGuardianConsent, KindSelfie, KindOther, KindAttachment}

// Valid reports whether k is one of the known kinds.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// isCard reports whether the kind is a card or booklet page whose edges the
// gate looks for (cut-off checks, document region).
func (k Kind) isCard() bool {
	switch k {
	case KindIDFront, KindIDBack, KindPassport, KindResidencePermit:
		return true
	}
	return false
}

// hasPortrait reports whether the side of the document carries the holder's
// portrait.
func (k Kind) hasPortrait() bool {
	switch k {
	case KindIDFront, KindPassport, KindResidencePermit:
		return true
	}
	return false
}

// isPaper reports whether the kind is (or may be) a sheet of white paper
// rather than a card or a face: the exposure rules are looser for it.
func (k Kind) isPaper() bool { return k == KindGuardianConsent || k == KindOther }

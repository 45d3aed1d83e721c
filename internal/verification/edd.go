package verification

import (
	"slices"
	"strings"

	"github.com/veriwallet/veriwallet/internal/i18n"
)

// Enhanced due diligence (EDD): the back office's risk gate (internal/review)
// may ask a high-risk customer at a lower level for what the EDD level holds
// and the case lacks: its fields and its documents (the enhanced level's
// selfie). It does so with one EDD_REQUIRED finding per thing asked for (a
// Field, or a Document with its step). While the case waits for them, those
// findings are requirements of the case like the level's own: the wizard
// shows their steps (the selfie slot), Missing and Submit ask for them, and
// the pipeline runs the face checks on the selfie as required checks.

// EDDFinding is what a RiskGate puts in a decision for one field (field
// set) or one document kind (kind set) of the EDD level the case lacks.
func EDDFinding(field, kind string) Finding {
	if kind != "" {
		return Finding{Code: CodeEDDRequired, Document: kind, Step: DocumentStep(kind)}
	}
	return Finding{Code: CodeEDDRequired, Field: field, Step: StepApplicant}
}

// eddRequirements are the fields and documents the case's latest decision
// asked for by EDD_REQUIRED while the customer may still give them
// (draft or retry_required).
func eddRequirements(c *Case) []Requirement {
	if c == nil || c.Decision == nil || !c.Status.Editable() {
		return nil
	}
	var out []Requirement
	for _, f := range c.Decision.Findings {
		if Canonical(f.Code) != CodeEDDRequired {
			continue
		}
		switch {
		case f.Document != "":
			out = append(out, Requirement{Type: ReqDocument, Name: f.Document, AnyOf: []string{f.Document}, Reason: CodeEDDRequired, Because: BecauseEDD})
		case f.Field != "":
			out = append(out, Requirement{Type: ReqField, Name: f.Field, Reason: CodeEDDRequired, Because: BecauseEDD})
		}
	}
	return out
}

// BecauseEDD: a requirement the risk gate added (EDD_REQUIRED).
const BecauseEDD = "edd"

// eddMissing lists the EDD requirements of c still unmet.
func eddMissing(c *Case) []Finding {
	var out []Finding
	for _, r := range eddRequirements(c) {
		switch r.Type {
		case ReqField:
			if strings.TrimSpace(c.Applicant.Value(r.Name)) == "" {
				out = append(out, EDDFinding(r.Name, ""))
			}
		case ReqDocument:
			if !slices.ContainsFunc(r.AnyOf, func(k string) bool { return c.Documents[k] != "" }) {
				out = append(out, EDDFinding("", r.Name))
			}
		}
	}
	return out
}

// eddAsked reports whether the decision the case is being processed after
// asked for a document of kind by EDD_REQUIRED (its checks are then
// required, as at the EDD level).
func eddAsked(c *Case, kind string) bool {
	if c == nil || c.Decision == nil {
		return false
	}
	return slices.ContainsFunc(c.Decision.Findings, func(f Finding) bool {
		return Canonical(f.Code) == CodeEDDRequired && f.Document == kind
	})
}

// eddText names what one EDD_REQUIRED finding asks for (ok false for a
// finding that names nothing: the registry's message stands).
func eddText(f Finding) (msg, hint i18n.Text, ok bool) {
	switch {
	case f.Code != CodeEDDRequired:
		return msg, hint, false
	case f.Document == DocSelfie:
		return i18n.T("For enhanced due diligence we also need a selfie, taken live now, to compare with the photo on your document.",
				"为完成强化尽职调查，我们还需要您现场拍摄一张自拍照，用于与证件上的照片比对。"),
			i18n.T("Open the selfie step, take the photo with your front camera (your face alone, in good light) and submit again.",
				"请打开自拍步骤，用前置摄像头拍摄（画面中只有您本人，光线充足），然后重新提交。"), true
	case f.Document != "":
		t := neededTitle(f.Document)
		return i18n.T("For enhanced due diligence we also need a photo of "+t.EN+".", "为完成强化尽职调查，我们还需要"+t.ZH+"的照片。"),
			i18n.T("Open the step marked, add the photo and submit again.", "请打开标出的步骤，上传照片后重新提交。"), true
	case f.Field != "":
		t := eddFieldTitle(f.Field)
		return i18n.T("For enhanced due diligence we also need "+t.EN+".", "为完成强化尽职调查，我们还需要您填写"+t.ZH+"。"),
			i18n.T("Open the applicant step, fill in the field marked and submit again.", "请打开个人信息步骤，填写标出的字段后重新提交。"), true
	}
	return msg, hint, false
}

func eddFieldTitle(field string) i18n.Text {
	switch field {
	case FieldAddress:
		return i18n.T("your address", "住址")
	case FieldOccupation:
		return i18n.T("your occupation", "职业")
	case FieldSourceOfFunds:
		return i18n.T("the source of your funds", "资金来源")
	case FieldNationality:
		return i18n.T("your nationality", "国籍")
	case FieldBirthDate:
		return i18n.T("your date of birth", "出生日期")
	case FieldSex:
		return i18n.T("your sex", "性别")
	}
	return i18n.T("the field "+field, "字段 "+field)
}

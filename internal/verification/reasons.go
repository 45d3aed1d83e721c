package verification

import (
	"sort"
	"strconv"
	"strings"

	"github.com/veriwallet/veriwallet/internal/document"
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/idrules"
)

// Disposition says what a reason means for the case.
type Disposition string

// The dispositions.
const (
	// Retry: the customer can fix it by redoing the reason's step.
	Retry Disposition = "RETRY"
	// Final: the case cannot be approved; nothing the customer can redo helps.
	Final Disposition = "FINAL"
	// Review: a person has to look at the case; the customer waits.
	Review Disposition = "REVIEW"
)

// Steps a customer can be asked to redo. A document step is StepDocuments
// followed by a colon and the document kind ("documents:id_front").
const (
	StepApplicant = "applicant" // the applicant form (typed data)
	StepPhone     = "phone"     // confirming the phone number with a one-time code
	StepDocuments = "documents" // uploading documents; see DocumentStep
)

// DocumentStep returns the step that uploads a document of the given kind.
func DocumentStep(kind string) string {
	if kind == "" {
		return StepDocuments
	}
	return StepDocuments + ":" + kind
}

// The reason codes of the verification domain. Each one has an entry in the
// registry below; the codes are stable and part of the API. The image and
// file reasons of internal/document (IMAGE_BLURRY, IMAGE_GLARE, …) are
// registered too, with their own codes and messages.
const (
	// Typed data.
	CodeFieldRequired     = "FIELD_REQUIRED"
	CodeFieldInvalid      = "FIELD_INVALID"
	CodeIDTypeInvalid     = "ID_TYPE_INVALID"
	CodeIDNumberInvalid   = "ID_NUMBER_INVALID"
	CodeNameInvalid       = "NAME_INVALID"
	CodePhoneInvalid      = "PHONE_INVALID"
	CodePhoneNotConfirmed = "PHONE_NOT_CONFIRMED"
	CodeGuardianInvalid   = "GUARDIAN_INVALID"

	// Typed data compared with the document.
	CodeNameMismatch        = "NAME_MISMATCH"
	CodeIDNumberMismatch    = "ID_NUMBER_MISMATCH"
	CodeBirthDateMismatch   = "BIRTH_DATE_MISMATCH"
	CodeSexMismatch         = "SEX_MISMATCH"
	CodeNationalityMismatch = "NATIONALITY_MISMATCH"

	// Documents.
	CodeDocumentMissing      = "DOCUMENT_MISSING"
	CodeDocumentSideMissing  = "DOCUMENT_SIDE_MISSING"
	CodeDocumentUnreadable   = "DOCUMENT_UNREADABLE"
	CodeDocumentExpired      = "DOCUMENT_EXPIRED"
	CodeDocumentWrongKind    = "DOCUMENT_WRONG_KIND"
	CodeDocumentInconsistent = "DOCUMENT_INCONSISTENT"
	// A person must compare the document: no reader for its kind (a visa),
	// or no positive evidence read from it (name and number confidently
	// read from a document of the kind claimed) though a new photo would
	// not help.
	CodeDocumentReviewRequired = "DOCUMENT_REVIEW_REQUIRED"

	// The selfie and the face checks (SELFIE_NO_FACE is the document
	// gate's code, registered with the image reasons).
	CodeSelfieNoFace    = document.CodeSelfieNoFace
	CodeSelfieManyFaces = "SELFIE_MANY_FACES"
	CodeSelfieNotLive   = "SELFIE_NOT_LIVE"
	// The selfie's face is not the document's portrait: sensitive, a
	// person decides; never an automatic rejection, and the customer is
	// not told.
	CodeFaceMismatch = "FACE_MISMATCH"
	// The comparison is not confident either way (a similarity between the
	// review and match thresholds, or no face found on the document's
	// portrait): a person compares the faces.
	CodeFaceReviewRequired = "FACE_REVIEW_REQUIRED"

	// Special identities and age.
	CodeMinorGuardianRequired     = "MINOR_GUARDIAN_REQUIRED"
	CodeForeignerDocumentRequired = "FOREIGNER_DOCUMENT_REQUIRED"
	CodeAgeBelowMinimum           = "AGE_BELOW_MINIMUM"

	// Limits.
	CodeAttemptsExceeded = "ATTEMPTS_EXCEEDED"

	// Sensitive: never shown to the customer.
	CodeDuplicateIdentity = "DUPLICATE_IDENTITY"
	CodeSanctionsHit      = "SANCTIONS_HIT"
	CodePEPHit            = "PEP_HIT"
	CodeFraudSuspected    = "FRAUD_SUSPECTED"

	// What the customer sees while a person looks at the case.
	CodeReviewPending = "REVIEW_PENDING" // the level or policy always has a person look
	CodeUnderReview   = "UNDER_REVIEW"   // shown instead of any sensitive or internal reason
	CodeChecking      = "CHECKING"       // submitted or processing: the machine is deciding, no person yet

	// The reviewer's own outcome.
	CodeReviewerRejected = "REVIEWER_REJECTED"

	// Risk (the back office's scoring): a high-risk case waits for a
	// person; at a level below the EDD level it is asked for more first.
	CodeRiskHigh    = "RISK_HIGH"
	CodeEDDRequired = "EDD_REQUIRED"

	// Internal: our fault, never the customer's; the case goes to a reviewer.
	CodeEngineUnavailable = "ENGINE_UNAVAILABLE"
	CodeCheckMissing      = "CHECK_MISSING"
	CodeCheckUnexplained  = "CHECK_FAILED_UNEXPLAINED"
	CodeReasonUnknown     = "REASON_UNKNOWN"
	CodeLevelUnknown      = "LEVEL_UNKNOWN"
)

// ReasonInfo is one entry of the reason registry.
type ReasonInfo struct {
	Code        string      `json:"code"`
	Disposition Disposition `json:"disposition"`
	// Field is the applicant field the reason concerns by default ("" when
	// none, or when it depends on the finding, as for FIELD_REQUIRED).
	Field string `json:"field,omitempty"`
	// Step is the step to redo: StepApplicant, StepPhone, StepDocuments (the
	// document the finding names) or a fixed "documents:<kind>"; "" when
	// there is nothing to redo.
	Step    string    `json:"step,omitempty"`
	Message i18n.Text `json:"message"` // for the customer
	Hint    i18n.Text `json:"hint"`    // what the customer should do
	// Internal describes the reason for reviewers and operators (en).
	Internal string `json:"internal"`
	// Sensitive reasons are never shown to the customer: CustomerView puts
	// UNDER_REVIEW in their place.
	Sensitive bool `json:"sensitive,omitempty"`
	// OurFault marks reasons caused by veriwallet itself (an engine down, a
	// missing check): the customer is never failed for them.
	OurFault bool `json:"our_fault,omitempty"`
}

var (
	neutralMsg  = i18n.T("Your verification is being reviewed by our team.", "您的实名认证正在由我们的工作人员审核。")
	neutralHint = i18n.T("No action is needed: we will notify you when the review is done. If it takes more than 2 working days, contact support with your case number.",
		"您无需任何操作，审核完成后我们会通知您。如超过 2 个工作日仍未完成，请联系客服并提供认证编号。")
)

// registry is the one table of every reason veriwallet's verification can
// give. The image reasons of internal/document are added in init.
var registry = map[string]ReasonInfo{
	CodeFieldRequired: {
		Disposition: Retry, Step: StepApplicant,
		Message:  i18n.T("A required field is empty.", "有必填项未填写。"),
		Hint:     i18n.T("Fill in the highlighted field.", "请填写标出的项目。"),
		Internal: "a field the level or the applicant's situation requires is empty",
	},
	CodeFieldInvalid: {
		Disposition: Retry, Step: StepApplicant,
		Message:  i18n.T("A field is not filled in correctly.", "有项目填写不正确。"),
		Hint:     i18n.T("Check the highlighted field and correct it.", "请检查并更正标出的项目。"),
		Internal: "a field has a value of the wrong form (date, country code, length)",
	},
	CodeIDTypeInvalid: {
		Disposition: Retry, Field: "id_type", Step: StepApplicant,
		Message:  i18n.T("This type of ID document cannot be used for this verification.", "此类证件不能用于本次认证。"),
		Hint:     i18n.T("Choose one of the document types listed.", "请选择列出的证件类型之一。"),
		Internal: "the id_type is unknown or not accepted at the case's level",
	},
	CodeIDNumberInvalid: {
		Disposition: Retry, Field: "id_number", Step: StepApplicant,
		Message:  i18n.T("The ID number is not valid.", "证件号码无效。"),
		Hint:     i18n.T("Copy the number exactly as printed on your document, including a final X if there is one.", "请按证件上印刷的号码逐位填写，末位是 X 的请一并填写。"),
		Internal: "the typed document number fails its format, date or check-character rules (see the idrules reason for details)",
	},
	CodeNameInvalid: {
		Disposition: Retry, Field: "full_name", Step: StepApplicant,
		Message:  i18n.T("The name contains characters a name cannot have.", "姓名中含有姓名不应有的字符。"),
		Hint:     i18n.T("Type your name exactly as on your ID, without digits, symbols or emoji.", "请按证件上的姓名填写，不要包含数字、符号或表情。"),
		Internal: "the typed name fails idrules.CheckName",
	},
	CodePhoneInvalid: {
		Disposition: Retry, Field: "phone", Step: StepApplicant,
		Message:  i18n.T("The mobile number is not valid.", "手机号码无效。"),
		Hint:     i18n.T("Enter an 11-digit mainland mobile number, or + and the country code for other countries.", "请填写 11 位中国大陆手机号；其他国家或地区请以 + 和国家代码开头。"),
		Internal: "the typed phone number fails idrules.ParsePhone",
	},
	CodePhoneNotConfirmed: {
		Disposition: Retry, Field: "phone", Step: StepPhone,
		Message:  i18n.T("Your mobile number has not been confirmed yet.", "您的手机号码尚未验证。"),
		Hint:     i18n.T("Request a verification code and enter it; if no SMS arrives within a minute, check the number and request a new code.", "请获取并填写短信验证码；如一分钟内未收到短信，请核对号码后重新获取。"),
		Internal: "the level requires a phone confirmed by a one-time code and the applicant's phone is not confirmed",
	},
	CodeGuardianInvalid: {
		Disposition: Retry, Field: "guardian_id_number", Step: StepApplicant,
		Message:  i18n.T("The guardian's details are not valid.", "监护人信息无效。"),
		Hint:     i18n.T("Enter the details of a parent or legal guardian who is at least 18, as printed on the guardian's ID.", "请按证件填写年满 18 周岁的父母或法定监护人的信息。"),
		Internal: "the guardian's ID number is invalid, belongs to a minor, or equals the applicant's",
	},
	CodeNameMismatch: {
		Disposition: Retry, Field: "full_name", Step: StepApplicant,
		Message:  i18n.T("The name you typed does not match the name on your document.", "您填写的姓名与证件上的姓名不一致。"),
		Hint:     i18n.T("Correct the name so that every character matches your document exactly; your photos are kept.", "请更正姓名，使每个字都与证件完全一致；已上传的照片会保留。"),
		Internal: "the typed name differs from the name read from the document with a confident reading",
	},
	CodeIDNumberMismatch: {
		Disposition: Retry, Field: "id_number", Step: StepApplicant,
		Message:  i18n.T("The ID number you typed does not match the number on your document.", "您填写的证件号码与证件上的号码不一致。"),
		Hint:     i18n.T("Compare the number digit by digit with your document and correct it; your photos are kept.", "请逐位核对证件上的号码并更正；已上传的照片会保留。"),
		Internal: "the typed number differs from the number read from the document with a confident reading",
	},
	CodeBirthDateMismatch: {
		Disposition: Retry, Field: "birth_date", Step: StepApplicant,
		Message:  i18n.T("The date of birth does not match your document.", "出生日期与证件不一致。"),
		Hint:     i18n.T("Check the date of birth (and the ID number it comes from) against your document and correct it.", "请对照证件核对出生日期（以及包含出生日期的证件号码）并更正。"),
		Internal: "the birth date typed or taken from the typed number differs from the one read from the document",
	},
	CodeSexMismatch: {
		Disposition: Retry, Field: "sex", Step: StepApplicant,
		Message:  i18n.T("The sex does not match your document.", "性别与证件不一致。"),
		Hint:     i18n.T("Check your ID number against your document: its 17th digit encodes the sex (odd for male, even for female). If you entered a sex, check it too.", "请对照证件核对证件号码：第 17 位表示性别（奇数为男，偶数为女）。如填写了性别，也请一并核对。"),
		Internal: "the sex typed or encoded in the typed number differs from the one read from the document",
	},
	CodeNationalityMismatch: {
		Disposition: Retry, Field: "nationality", Step: StepApplicant,
		Message:  i18n.T("The nationality does not match your document.", "国籍与证件不一致。"),
		Hint:     i18n.T("Choose the nationality shown on your passport.", "请选择护照上显示的国籍。"),
		Internal: "the typed nationality differs from the nationality read from the MRZ",
	},
	CodeDocumentMissing: {
		Disposition: Retry, Step: StepDocuments,
		Message:  i18n.T("A required document photo is missing.", "缺少需要上传的证件照片。"),
		Hint:     i18n.T("Upload a photo of the document listed.", "请上传所列证件的照片。"),
		Internal: "a document the level requires for this ID type was not uploaded",
	},
	CodeDocumentSideMissing: {
		Disposition: Retry, Step: StepDocuments,
		Message:  i18n.T("One side of your ID document is missing.", "缺少证件的一面。"),
		Hint:     i18n.T("Upload both sides: the side with your photo and the other side with the issuing authority and validity period.", "请上传证件正反两面：人像面，以及印有签发机关和有效期限的国徽面。"),
		Internal: "a required side (front or back) of the ID document was not uploaded",
	},
	CodeDocumentUnreadable: {
		Disposition: Retry, Step: StepDocuments,
		Message:  i18n.T("We could not read your document clearly.", "我们无法清楚识别您的证件。"),
		Hint:     i18n.T("Take a new photo: the whole document in the frame, in even light, without glare, fingers or blur.", "请重新拍摄：证件完整在画面内，光线均匀，无反光、手指遮挡或模糊。"),
		Internal: "a field or the MRZ could not be read with enough confidence; not evidence of wrong data",
	},
	CodeDocumentExpired: {
		Disposition: Retry, Step: StepDocuments,
		Message:  i18n.T("Your document has expired.", "您的证件已过期。"),
		Hint:     i18n.T("Upload a document that is still valid; if you have renewed it, photograph the new one.", "请上传仍在有效期内的证件；如已换领新证，请拍摄新证件。"),
		Internal: "the document's expiry date read from it is before the submission date",
	},
	CodeDocumentWrongKind: {
		Disposition: Retry, Step: StepDocuments,
		Message:  i18n.T("This photo shows a different document than the one asked for.", "照片中的证件与要求上传的证件不符。"),
		Hint:     i18n.T("Upload a photo of exactly the document and side or page asked for here, not another document or its other side.", "请上传此处要求的证件及对应的那一面或那一页，不要上传其他证件或证件的另一面。"),
		Internal: "the classifier (internal/ocr Classify) is confident the photo is another document kind than the slot it was filed under; the customer is told what it looks like and what is needed",
	},
	CodeDocumentInconsistent: {
		Disposition: Final, Step: "", Sensitive: true,
		Message:  neutralMsg,
		Hint:     neutralHint,
		Internal: "the document contradicts itself (printed birth date or sex differs from the one encoded in its number, specimen MRZ): possible forgery, a reviewer must look",
	},
	CodeDocumentReviewRequired: {
		Disposition: Review,
		Message:     i18n.T("A member of our team will check your document.", "我们的工作人员将人工核对您的证件。"),
		Hint:        i18n.T("No action is needed: we will notify you when the check is done, usually within 1 working day.", "您无需任何操作，核对完成后我们会通知您，通常在 1 个工作日内完成。"),
		Internal:    "no automatic approval: a required document has no reader (visa, travel permit), or the name and ID number were not both read with confidence from a document classified as the kind claimed, and a new photo would not help (a field the engine cannot output, only other fields unreadable)",
	},
	CodeSelfieManyFaces: {
		Disposition: Retry, Step: DocumentStep(DocSelfie),
		Message:  i18n.T("There is more than one face in the selfie.", "自拍照中有不止一张人脸。"),
		Hint:     i18n.T("Take the selfie alone, with no one else and no other photo or ID card in the picture.", "请单独拍摄自拍照，画面中不要有其他人，也不要出现其他照片或证件。"),
		Internal: "the face engine found more than one face in the selfie",
	},
	CodeSelfieNotLive: {
		Disposition: Retry, Step: DocumentStep(DocSelfie),
		Message:  i18n.T("The selfie does not look like a live photo of you.", "这张自拍照看起来不是本人现场拍摄的。"),
		Hint:     i18n.T("Take the selfie yourself, live, not a photo of a photo or of a screen: hold the phone at arm's length in even light.", "请本人现场拍摄自拍照，不要翻拍照片或屏幕：手臂伸直持手机，在均匀的光线下拍摄。"),
		Internal: "the liveness score of the selfie is below the live threshold (a re-captured print or screen is suspected)",
	},
	CodeFaceMismatch: {
		Disposition: Review, Sensitive: true,
		Message:  neutralMsg,
		Hint:     neutralHint,
		Internal: "the similarity of the selfie's face and the document's portrait is below the review threshold: a reviewer compares them (never an automatic rejection)",
	},
	CodeFaceReviewRequired: {
		Disposition: Review, Sensitive: true,
		Message:  neutralMsg,
		Hint:     neutralHint,
		Internal: "the face comparison is not confident (similarity between the review and match thresholds, or no face found on the document's portrait): a reviewer compares the faces",
	},
	CodeMinorGuardianRequired: {
		Disposition: Retry, Step: StepDocuments,
		Message:  i18n.T("Because you are under 18, we need your guardian's consent and ID.", "由于您未满 18 周岁，需要提供监护人同意书和监护人证件。"),
		Hint:     i18n.T("Enter your guardian's name and ID number, and upload the signed consent form and a photo of your guardian's ID.", "请填写监护人的姓名和证件号码，并上传签字的监护人同意书和监护人证件照片。"),
		Internal: "the applicant is a minor on the submission date and a guardian field or document is missing",
	},
	CodeForeignerDocumentRequired: {
		Disposition: Retry, Step: StepDocuments,
		Message:  i18n.T("With a foreign passport we also need your visa or residence permit.", "使用外国护照认证时，还需要提供签证或居留许可。"),
		Hint:     i18n.T("Upload a photo of your valid Chinese visa or residence permit page.", "请上传有效的中国签证页或居留许可页的照片。"),
		Internal: "passport holder of a nationality other than CHN without a visa or residence permit document",
	},
	CodeAgeBelowMinimum: {
		Disposition: Final, Field: "id_number",
		Message:  i18n.T("You are below the minimum age for an account.", "您未达到开立账户的最低年龄。"),
		Hint:     i18n.T("A parent or legal guardian can contact support about accounts for children.", "如需为儿童开立账户，请由父母或法定监护人联系客服。"),
		Internal: "the applicant's age on the submission date is below the configured minimum age",
	},
	CodeAttemptsExceeded: {
		Disposition: Retry,
		Message:     i18n.T("You have used all your verification attempts for now.", "您的认证提交次数暂时已用完。"),
		Hint:        i18n.T("Wait until the time shown and try again; your data and photos are kept. Contact support if you need help sooner.", "请在显示的时间之后重试，您的资料和照片会保留。如需尽快处理，请联系客服。"),
		Internal:    "the customer submitted as many times as the attempt limit allows in the window",
	},
	CodeDuplicateIdentity: {
		Disposition: Final, Field: "id_number", Sensitive: true,
		Message:  neutralMsg,
		Hint:     neutralHint,
		Internal: "the same identity (keyed hash of the ID number) is verified or pending on another account; the reviewer sees the linked accounts",
	},
	CodeSanctionsHit: {
		Disposition: Final, Sensitive: true,
		Message:  neutralMsg,
		Hint:     neutralHint,
		Internal: "the applicant matches an entry of a sanctions list; the reviewer must confirm or clear the match",
	},
	CodePEPHit: {
		Disposition: Review, Sensitive: true,
		Message:  neutralMsg,
		Hint:     neutralHint,
		Internal: "the applicant matches a politically exposed person; enhanced due diligence by a reviewer",
	},
	CodeFraudSuspected: {
		Disposition: Final, Sensitive: true,
		Message:  neutralMsg,
		Hint:     neutralHint,
		Internal: "a fraud signal (tampered image, specimen document, reused image) needs a reviewer",
	},
	CodeReviewPending: {
		Disposition: Review,
		Message:     i18n.T("Your verification is waiting for a review by our team.", "您的实名认证正在等待工作人员审核。"),
		Hint:        i18n.T("No action is needed: we will notify you when the review is done, usually within 1 working day.", "您无需任何操作，审核完成后我们会通知您，通常在 1 个工作日内完成。"),
		Internal:    "the level or the applicant's situation (minor, foreigner) always needs a person to review",
	},
	CodeUnderReview: {
		Disposition: Review,
		Message:     neutralMsg,
		Hint:        neutralHint,
		Internal:    "what the customer sees in place of any sensitive or internal reason",
	},
	CodeChecking: {
		Disposition: Review,
		Message:     i18n.T("We are checking your details; this usually takes a few seconds.", "正在核验您的信息，通常只需几秒钟。"),
		Hint:        i18n.T("No action is needed: this page updates by itself.", "您无需任何操作，本页面会自动更新。"),
		Internal:    "submitted or processing: the pipeline has not decided yet and no person is involved",
	},
	CodeRiskHigh: {
		Disposition: Review, Sensitive: true,
		Message:  neutralMsg,
		Hint:     neutralHint,
		Internal: "the risk score is high (see the case's risk reasons): a reviewer decides, and an approval needs a second reviewer",
	},
	CodeEDDRequired: {
		Disposition: Retry, Step: StepApplicant,
		Message: i18n.T("We need more about you (enhanced due diligence): the details and photos marked in the steps, such as your address, occupation, the source of your funds and a selfie.",
			"我们需要您补充一些信息（强化尽职调查）：步骤中标出的信息和照片，例如住址、职业、资金来源和自拍照。"),
		Hint: i18n.T("Open the steps marked, fill in the new fields, add the photos asked for and submit again.", "请打开标出的步骤，填写新增的字段、上传所需照片后重新提交。"),
		Internal: "risk is high and the case's level is below the EDD level: the customer gives what the EDD level holds and the case lacks " +
			"(one finding per field or document, the enhanced level's selfie included; the face checks then run on it), then a reviewer decides",
	},
	CodeReviewerRejected: {
		Disposition: Final,
		Message:     i18n.T("After review, we cannot approve your verification.", "经审核，您的实名认证未能通过。"),
		Hint:        i18n.T("Contact support with your case number to learn what you can do.", "请联系客服并提供认证编号，了解后续办理方式。"),
		Internal:    "a reviewer rejected the case; the reviewer's own notes say why",
	},
	CodeEngineUnavailable: {
		Disposition: Review, Sensitive: true, OurFault: true,
		Message:  neutralMsg,
		Hint:     neutralHint,
		Internal: "a check failed because of us (engine not installed, crashed or timed out) after its retries; a reviewer takes over",
	},
	CodeCheckMissing: {
		Disposition: Review, Sensitive: true, OurFault: true,
		Message:  neutralMsg,
		Hint:     neutralHint,
		Internal: "the level requires a check the pipeline did not run (or only skipped); a reviewer takes over",
	},
	CodeCheckUnexplained: {
		Disposition: Review, Sensitive: true, OurFault: true,
		Message:  neutralMsg,
		Hint:     neutralHint,
		Internal: "a check failed without giving a reason code; a bug in the check, a reviewer takes over",
	},
	CodeReasonUnknown: {
		Disposition: Review, Sensitive: true, OurFault: true,
		Message:  neutralMsg,
		Hint:     neutralHint,
		Internal: "a check gave a reason code the registry does not know; a bug, a reviewer takes over",
	},
	CodeLevelUnknown: {
		Disposition: Review, Sensitive: true, OurFault: true,
		Message:  neutralMsg,
		Hint:     neutralHint,
		Internal: "the case's level is not in the configured levels",
	},
}

// aliases maps codes produced by other packages (idrules, document, ocr) to
// registry codes where the registry has a broader code for them.
var aliases = map[string]string{
	// internal/ocr reason codes (stable strings of that package's API; not
	// imported so that this package stays free of the OCR runtime).
	"FIELD_UNREADABLE":      CodeDocumentUnreadable,
	"MRZ_UNREADABLE":        CodeDocumentUnreadable,
	"ID_NUMBER_CHECKSUM":    CodeDocumentUnreadable,
	"BIRTH_DATE_NOT_IN_ID":  CodeDocumentInconsistent,
	"SEX_NOT_IN_ID":         CodeDocumentInconsistent,
	"OCR_UNAVAILABLE":       CodeEngineUnavailable,
	"DOCUMENT_KIND_UNKNOWN": CodeEngineUnavailable,
	// The face engine's models are not installed, or it failed.
	"FACE_UNAVAILABLE": CodeEngineUnavailable,
	// idrules codes that do not follow the prefix rule in canonicalIDRule.
	idrules.CodeMRZExpired:  CodeDocumentExpired,
	idrules.CodeMRZSpecimen: CodeFraudSuspected,
}

func init() {
	for _, c := range document.Codes() {
		if _, ok := registry[c]; ok {
			continue
		}
		r, _ := document.ReasonFor(c)
		info := ReasonInfo{
			Disposition: Retry, Step: StepDocuments,
			Message: r.Message, Hint: r.Hint,
			Internal:  "image gate (internal/document): " + r.Message.EN,
			Sensitive: r.Sensitive,
		}
		if r.Sensitive {
			info.Disposition = Final
			info.Step = ""
			info.Message, info.Hint = neutralMsg, neutralHint
		}
		registry[c] = info
	}
	for _, ri := range idrules.Reasons() {
		if _, ok := registry[ri.Code]; ok {
			continue
		}
		if _, ok := aliases[ri.Code]; ok {
			continue
		}
		aliases[ri.Code] = canonicalIDRule(ri.Code)
	}
	for c, r := range registry {
		r.Code = c
		registry[c] = r
	}
}

// canonicalIDRule maps an idrules reason code to the registry code for its
// field.
func canonicalIDRule(code string) string {
	switch {
	case code == idrules.CodeNameMissing || code == idrules.CodeNameExtra ||
		code == idrules.CodeNameDifferent || code == idrules.CodeNameOrder:
		return CodeNameMismatch
	case strings.HasPrefix(code, "NAME_"):
		return CodeNameInvalid
	case strings.HasPrefix(code, "PHONE_"):
		return CodePhoneInvalid
	case strings.HasPrefix(code, "MRZ_"):
		return CodeDocumentUnreadable
	default: // ID_*, HMT_*, FPR_*, TRAVEL_*, TW_TRAVEL_*
		return CodeIDNumberInvalid
	}
}

// Canonical returns the registry code for code: code itself when it is
// registered, the broader registry code for reason codes of idrules, document
// and ocr, and REASON_UNKNOWN for anything else.
func Canonical(code string) string {
	if _, ok := registry[code]; ok {
		return code
	}
	if c, ok := aliases[code]; ok {
		return c
	}
	return CodeReasonUnknown
}

// Lookup returns the registry entry for code (after Canonical); ok is false
// when code is unknown, in which case the entry of REASON_UNKNOWN is returned.
func Lookup(code string) (ReasonInfo, bool) {
	c := Canonical(code)
	return registry[c], c != CodeReasonUnknown || code == CodeReasonUnknown
}

// Registry returns every registered reason, sorted by code, for help-centre
// articles, API documentation and reviewers' screens.
func Registry() []ReasonInfo {
	out := make([]ReasonInfo, 0, len(registry))
	for _, r := range registry {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// hidden reports whether a customer must not see code.
func hidden(code string) bool {
	r, ok := registry[code]
	return !ok || r.Sensitive
}

// PublicReason is a reason as a customer may see it, in one language.
type PublicReason struct {
	Code        string      `json:"code"`
	Field       string      `json:"field,omitempty"`
	Document    string      `json:"document,omitempty"`
	Disposition Disposition `json:"disposition"`
	Step        string      `json:"step,omitempty"`
	Message     string      `json:"message"`
	Hint        string      `json:"hint"`
}

// CustomerView turns reason codes into what a customer may see, in lang.
// Sensitive and internal reasons (and codes the registry does not know) are
// replaced by one neutral UNDER_REVIEW reason ("being reviewed, wait or
// contact support"); REVIEW_PENDING folds into it too when both would appear.
// The result is de-duplicated and keeps the order of first appearance; it
// never contains a sensitive code.
func CustomerView(reasons []string, lang i18n.Lang) []PublicReason {
	fs := make([]Finding, len(reasons))
	for i, c := range reasons {
		fs[i] = Finding{Code: c}
	}
	return CustomerFindings(fs, lang)
}

// CustomerFindings is CustomerView for findings: it keeps the field, the
// document and the step each finding names (never for a hidden one).
func CustomerFindings(findings []Finding, lang i18n.Lang) []PublicReason {
	out := make([]PublicReason, 0, len(findings))
	seen := map[Finding]bool{}
	neutral := false
	for _, f := range findings {
		code := Canonical(f.Code)
		if hidden(code) || code == CodeUnderReview || code == CodeReviewPending {
			if code != CodeReviewPending {
				neutral = true
			}
			f = Finding{Code: CodeReviewPending}
			if neutral {
				f.Code = CodeUnderReview
			}
		} else {
			f.Code = code
			f.Step = stepFor(registry[code], f)
			if f.Field == "" || registry[code].Step == StepDocuments {
				// A photo to take again: which field was unreadable does
				// not change what to do, so one reason per document.
				f.Field = registry[code].Field
			}
			f.Check = ""
			if code != CodeNameMismatch {
				f.Rule, f.Position = "", 0
			}
		}
		if seen[f] {
			continue
		}
		seen[f] = true
		r := registry[f.Code]
		msg, hint := r.Message, r.Hint
		if m, ok := nameDiffMessage(f); ok {
			msg = m
		}
		if m, ok := documentFindingMessage(f); ok {
			msg = m
		}
		if m, h, ok := eddText(f); ok {
			msg, hint = m, h
		}
		out = append(out, PublicReason{
			Code: f.Code, Field: f.Field, Document: f.Document, Disposition: r.Disposition,
			Step: f.Step, Message: msg.In(lang), Hint: hint.In(lang),
		})
	}
	// One neutral reason at most: UNDER_REVIEW wins over REVIEW_PENDING.
	if neutral {
		j := 0
		placed := false
		for _, p := range out {
			if p.Code == CodeReviewPending || p.Code == CodeUnderReview {
				if placed {
					continue
				}
				placed = true
				r := registry[CodeUnderReview]
				p = PublicReason{Code: CodeUnderReview, Disposition: r.Disposition, Message: r.Message.In(lang), Hint: r.Hint.In(lang)}
			}
			out[j] = p
			j++
		}
		out = out[:j]
	}
	return out
}

// stepFor resolves the step a finding asks the customer to redo.
func stepFor(r ReasonInfo, f Finding) string {
	if f.Step != "" {
		return f.Step
	}
	if r.Step == StepDocuments {
		return DocumentStep(f.Document)
	}
	return r.Step
}

// documentFindingMessage names what a photo looks like and what the slot
// needs (DOCUMENT_WRONG_KIND), or the expiry date read (DOCUMENT_EXPIRED).
func documentFindingMessage(f Finding) (i18n.Text, bool) {
	switch {
	case f.Code == CodeDocumentWrongKind && f.Seen != "" && f.Document != "":
		seen, ok := seenTitle(f.Seen)
		if !ok {
			return i18n.Text{}, false
		}
		need := neededTitle(f.Document)
		return i18n.T("This looks like "+seen.EN+"; "+need.EN+" is needed.",
			"这张照片看起来是"+seen.ZH+"；此处需要的是"+need.ZH+"。"), true
	case f.Code == CodeDocumentSideMissing && (f.Document == DocIDFront || f.Document == DocIDBack):
		// Name the side: with both missing, two reasons that say the same
		// ("one side is missing") would be wrong twice.
		need := neededTitle(f.Document)
		return i18n.T("The photo of "+need.EN+" is missing.", "缺少"+need.ZH+"的照片。"), true
	case f.Code == CodeDocumentExpired && f.Date != "":
		if _, ok := idrules.ParseDate(f.Date); !ok {
			return i18n.Text{}, false
		}
		return i18n.T("Your document expired on "+f.Date+".", "您的证件已于 "+f.Date+" 过期。"), true
	}
	return i18n.Text{}, false
}

// seenTitle names a kind a photo was classified as, with its article.
func seenTitle(kind string) (i18n.Text, bool) {
	switch kind {
	case DocIDFront:
		return i18n.T("the front of an ID card (the side with the photo)", "身份证人像面"), true
	case DocIDBack:
		return i18n.T("the back of an ID card or permit (the side with the national emblem)", "身份证或居住证的国徽面"), true
	case DocPassport:
		return i18n.T("a passport page", "护照资料页"), true
	case DocResidencePermit:
		return i18n.T("a residence permit or residence card", "居住证或永久居留身份证"), true
	}
	return i18n.Text{}, false
}

// neededTitle names what a slot needs.
func neededTitle(slot string) i18n.Text {
	switch slot {
	case DocIDFront:
		return i18n.T("the ID card's front (the side with your photo)", "身份证人像面")
	case DocIDBack:
		return i18n.T("the ID card's back (the side with the national emblem and validity period)", "身份证国徽面（印有签发机关和有效期限）")
	case DocPassport:
		return i18n.T("your passport's photo page", "护照个人资料页")
	case DocResidencePermit:
		return i18n.T("the permit's or residence card's side with your photo", "通行证、居住证或永久居留身份证人像面")
	case DocResidencePermitBack:
		return i18n.T("the permit's other side", "通行证、居住证背面")
	}
	t := DocumentTitle(slot)
	return i18n.T("the "+t.EN, t.ZH)
}

// nameDiffMessage says where a name differs, from a finding's rule and
// position, without repeating the characters.
func nameDiffMessage(f Finding) (i18n.Text, bool) {
	if f.Code != CodeNameMismatch || f.Position < 1 {
		return i18n.Text{}, false
	}
	n := strconv.Itoa(f.Position)
	switch f.Rule {
	case idrules.CodeNameMissing:
		return i18n.T("The name you typed has one character fewer than the name on your document: character "+n+" is missing.",
			"您填写的姓名比证件上少了一个字：缺少第 "+n+" 个字。"), true
	case idrules.CodeNameExtra:
		return i18n.T("The name you typed has one character more than the name on your document: character "+n+" of what you typed is extra.",
			"您填写的姓名比证件上多了一个字：您填写的第 "+n+" 个字是多余的。"), true
	case idrules.CodeNameDifferent:
		return i18n.T("Character "+n+" of the name you typed differs from your document.",
			"您填写的姓名第 "+n+" 个字与证件不一致。"), true
	case idrules.CodeNameMismatch:
		return i18n.T("The name you typed differs from the name on your document in "+n+" places.",
			"您填写的姓名与证件上的姓名有 "+n+" 处不一致。"), true
	}
	return i18n.Text{}, false
}

// CustomerReasons is what a customer sees for a case in status with the
// findings of its latest decision, in lang. Unlike CustomerView it follows
// the status, so that nothing the customer cannot act on is listed:
//
//   - retry_required: the RETRY findings, each with its field and step;
//   - rejected: the visible FINAL findings, and REVIEWER_REJECTED
//     ("cannot approve, contact support") in place of hidden ones;
//   - submitted, processing: CHECKING ("usually a few seconds");
//   - manual_review, on_hold: one neutral reason,
//     REVIEW_PENDING when the review is only the level's policy, otherwise
//     UNDER_REVIEW;
//   - approved and draft: none.
//
// It never contains a sensitive code.
func CustomerReasons(status Status, findings []Finding, lang i18n.Lang) []PublicReason {
	pick := func(keep func(ReasonInfo) bool) []Finding {
		var out []Finding
		for _, f := range findings {
			if r := registry[Canonical(f.Code)]; keep(r) {
				out = append(out, f)
			}
		}
		return out
	}
	switch status {
	case StatusRetryRequired:
		return CustomerFindings(pick(func(r ReasonInfo) bool { return !r.Sensitive && r.Disposition == Retry }), lang)
	case StatusRejected:
		fs := pick(func(r ReasonInfo) bool { return !r.Sensitive && r.Disposition == Final })
		if len(fs) == 0 || len(pick(func(r ReasonInfo) bool { return r.Sensitive })) > 0 {
			fs = append(fs, Finding{Code: CodeReviewerRejected})
		}
		return CustomerFindings(fs, lang)
	case StatusSubmitted, StatusProcessing:
		// The machine decides in seconds; no person is involved yet.
		return CustomerFindings([]Finding{{Code: CodeChecking}}, lang)
	case StatusManualReview, StatusOnHold:
		code := CodeReviewPending
		for _, f := range findings {
			if Canonical(f.Code) != CodeReviewPending {
				code = CodeUnderReview
			}
		}
		if status != StatusManualReview && len(findings) == 0 {
			code = CodeUnderReview
		}
		return CustomerFindings([]Finding{{Code: code}}, lang)
	}
	return []PublicReason{}
}

package verification

import (
	"github.com/veriwallet/veriwallet/internal/i18n"
	"github.com/veriwallet/veriwallet/internal/idrules"
)

// IDTypeTitle returns the name of an ID type in both languages, for the
// wizard's choice list.
func IDTypeTitle(t string) i18n.Text {
	if normType(t) == IDPassport {
		return i18n.T("passport", "护照")
	}
	en, zh := idrules.IDType(normType(t)).Name()
	return i18n.T(en, zh)
}

// DocumentTitle returns what to photograph for a document kind, in both
// languages, for the wizard's upload steps.
func DocumentTitle(kind string) i18n.Text {
	switch kind {
	case DocIDFront:
		return i18n.T("ID card, side with your photo", "身份证人像面")
	case DocIDBack:
		return i18n.T("ID card, side with the national emblem and validity period", "身份证国徽面（印有签发机关和有效期限）")
	case DocPassport:
		return i18n.T("passport photo page (with the two lines of code at the bottom)", "护照个人资料页（底部有两行机读码）")
	case DocResidencePermit:
		return i18n.T("permit or residence card, side with your photo", "通行证、居住证或永久居留身份证人像面")
	case DocResidencePermitBack:
		return i18n.T("permit or residence card, other side", "通行证、居住证或永久居留身份证背面")
	case DocVisa:
		return i18n.T("Chinese visa or residence permit page in your passport", "护照中的中国签证页或居留许可页")
	case DocGuardianConsent:
		return i18n.T("consent form signed by your parent or guardian", "由父母或监护人签字的同意书")
	case DocGuardianID:
		return i18n.T("your parent's or guardian's ID, side with the photo", "父母或监护人证件的人像面")
	case DocSelfie:
		return i18n.T("selfie (a photo of your face, taken now)", "自拍照（本人现场拍摄的面部照片）")
	}
	return i18n.T("document", "证件")
}

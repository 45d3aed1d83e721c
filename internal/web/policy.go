package web

import (
	"net/http"

	"github.com/veriwallet/veriwallet/internal/i18n"
)

// The terms of service and the privacy policy, readable as pages. Their
// versions are the operator's (--terms-version, --privacy-version); the
// texts below are the defaults an operator replaces with their own when
// they change the versions.

type policyView struct {
	Version  string
	Sections []policySection
}

type policySection struct {
	ID, Title string
	Paras     []string
}

type policyText struct {
	id, title string
	paras     []i18n.Text
}

var termsText = []policyText{
	{"service", "terms.service", []i18n.Text{
		i18n.T("veriwallet holds and moves money for people who have verified their identity (real-name verification, 实名认证, as the law of the People's Republic of China requires).",
			"veriwallet 钱包为完成实名认证的用户提供资金存取和转账服务（依照中华人民共和国法律要求进行实名认证）。"),
	}},
	{"account", "terms.account", []i18n.Text{
		i18n.T("One person, one account. Keep your password to yourself; log out of devices you no longer use (My account lists them).",
			"一人一户。请妥善保管密码；不再使用的设备请退出登录（“我的账户”中列出了所有登录设备）。"),
		i18n.T("The details and documents you give must be your own and true. Using another person's identity is refused and may be reported as the law requires.",
			"您提供的信息和证件必须是您本人的、真实的。冒用他人身份将被拒绝，并可能依法报告。"),
	}},
	{"verification", "terms.verification", []i18n.Text{
		i18n.T("Verification is decided by automatic checks and, where needed, by a member of our team. Each submission uses one attempt; at most 5 attempts in 24 hours.",
			"实名认证由自动核验完成，必要时由我们的工作人员人工审核。每次提交占用一次认证机会；24 小时内最多 5 次。"),
	}},
	{"changes", "terms.changes", []i18n.Text{
		i18n.T("When these terms change, you are asked to accept the new version before you go on; the version you accepted is shown on your account page.",
			"本条款变更时，您需要先同意新版本才能继续使用；您同意的版本显示在账户页面上。"),
	}},
}

var privacyText = []policyText{
	{"what", "privacy.what", []i18n.Text{
		i18n.T("We collect your email address or mobile number and your password (stored only as a hash) to run your account, and the devices you log in from to keep it safe.",
			"我们收集您的邮箱或手机号以及密码（仅保存其哈希值）用于管理账户，并记录登录设备以保障账户安全。"),
	}},
	{"sensitive", "privacy.sensitive", []i18n.Text{
		i18n.T("For real-name verification we collect sensitive personal information: your ID document number, photos of your ID document and, at the levels that ask for one, a selfie. We ask for your separate consent before collecting them (Personal Information Protection Law, art. 29).",
			"为完成实名认证，我们会收集敏感个人信息：证件号码、证件照片，以及部分认证等级要求的自拍照。收集前我们会单独征得您的同意（《个人信息保护法》第二十九条）。"),
		i18n.T("Biometric processing: from the selfie and from the photo on your ID our own servers compute face templates (numbers describing a face), compare them and estimate whether the selfie was taken live. The templates exist only in memory during the check and are never stored; we keep the similarity and liveness scores with the case, and the photos themselves, encrypted, like your documents, deleted with them. A low score is never held against you automatically: a member of our team looks.",
			"生物识别处理：我们自己的服务器会根据自拍照和证件照片计算人脸特征（描述面部的数值），进行比对，并判断自拍是否为现场拍摄。人脸特征仅在比对时存在于内存中，从不保存；我们随认证记录保存相似度和活体分数，照片本身与您的证件一样加密保存，并随证件一起删除。分数偏低时系统不会自动对您作出不利决定，而是由工作人员人工核对。"),
		i18n.T("They are used only to verify who you are and to meet our legal duties (anti-money-laundering). Without them we cannot verify you, and you cannot hold or move money.",
			"这些信息仅用于核验您的身份和履行法定义务（反洗钱）。不提供这些信息将无法完成实名认证，也无法存取和转账。"),
	}},
	{"keep", "privacy.keep", []i18n.Text{
		i18n.T("Everything is stored encrypted on our own servers in China; no third party reads your documents. Photos have their location data removed on upload. Staff reads of your documents are recorded in an audit trail.",
			"所有信息均加密存储在我们位于中国境内的服务器上，不会交给第三方读取您的证件。照片上传时会删除其中的位置信息。工作人员查看您的证件会记录在审计日志中。"),
		i18n.T("We keep verification records as long as the law requires after your account is closed, then delete them.",
			"账户注销后，我们按法律要求的期限保存认证记录，期满后删除。"),
	}},
	{"rights", "privacy.rights", []i18n.Text{
		i18n.T("You may ask to see, correct or delete your information and withdraw a consent; contact support. Withdrawing the consent to sensitive information stops verification but does not undo what was lawfully done before.",
			"您可以查阅、更正、删除个人信息或撤回同意，请联系客服。撤回对敏感个人信息的同意将停止实名认证，但不影响撤回前已依法进行的处理。"),
	}},
}

func policySections(list []policyText, lang i18n.Lang) []policySection {
	var out []policySection
	for _, s := range list {
		sec := policySection{ID: s.id, Title: messages[s.title].In(lang)}
		for _, p := range s.paras {
			sec.Paras = append(sec.Paras, p.In(lang))
		}
		out = append(out, sec)
	}
	return out
}

// terms is GET /terms.
func (wb *Web) terms(w http.ResponseWriter, r *http.Request) {
	p := wb.newPage(r, "consent.terms")
	_, p.User = wb.user(r)
	p.Policy = &policyView{Version: p.TermsVersion, Sections: policySections(termsText, i18n.Lang(p.Lang))}
	wb.render(w, http.StatusOK, "policy", p)
}

// privacy is GET /privacy.
func (wb *Web) privacy(w http.ResponseWriter, r *http.Request) {
	p := wb.newPage(r, "consent.privacy")
	_, p.User = wb.user(r)
	p.Policy = &policyView{Version: p.PrivacyVersion, Sections: policySections(privacyText, i18n.Lang(p.Lang))}
	wb.render(w, http.StatusOK, "policy", p)
}

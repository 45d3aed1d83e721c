package idrules

import (
	"sort"
	"strings"

	"github.com/veriwallet/veriwallet/internal/i18n"
)

// Reason is one finding about a piece of identity data: a stable code, the
// field it concerns, a message saying what is wrong and a hint saying what
// to do, both in zh-CN and en. Warning reasons are information only; any
// other reason makes the data invalid.
type Reason struct {
	Code    string    `json:"code"`
	Field   string    `json:"field,omitempty"`
	Message i18n.Text `json:"message"`
	Hint    i18n.Text `json:"hint"`
	Warning bool      `json:"warning,omitempty"`
}

// Valid reports whether reasons holds no error (warnings are allowed).
func Valid(reasons []Reason) bool {
	for _, r := range reasons {
		if !r.Warning {
			return false
		}
	}
	return true
}

// ReasonInfo describes one registered reason code, for help-centre articles
// and API documentation. Messages may hold {placeholders} that are filled in
// when a Reason is produced.
type ReasonInfo struct {
	Code    string
	Warning bool
	Message i18n.Text
	Hint    i18n.Text
}

// Reasons returns every reason code this package can produce, sorted by code.
func Reasons() []ReasonInfo {
	out := make([]ReasonInfo, 0, len(registry))
	for code, e := range registry {
		out = append(out, ReasonInfo{Code: code, Warning: e.warning, Message: e.msg, Hint: e.hint})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Reason codes. Each one is registered below with its messages; the codes
// are stable and part of the API.
const (
	// Resident ID numbers and the other document numbers.
	CodeIDEmpty              = "ID_EMPTY"
	CodeIDLength             = "ID_LENGTH"
	CodeIDCharacter          = "ID_CHARACTER"
	CodeIDFirstGeneration    = "ID_FIRST_GENERATION"
	CodeIDProvince           = "ID_PROVINCE_UNKNOWN"
	CodeIDRegionUnknown      = "ID_REGION_UNKNOWN"
	CodeIDBirthDateInvalid   = "ID_BIRTH_DATE_INVALID"
	CodeIDBirthDateFuture    = "ID_BIRTH_DATE_FUTURE"
	CodeIDBirthDateTooOld    = "ID_BIRTH_DATE_TOO_OLD"
	CodeIDCheckCharacter     = "ID_CHECK_CHARACTER"
	CodeIDTypeMismatch       = "ID_TYPE_MISMATCH"
	CodeIDTypeUnknown        = "ID_TYPE_UNKNOWN"
	CodeHMTAddressCode       = "HMT_ADDRESS_CODE"
	CodeFPRNationality       = "FPR_NATIONALITY_UNKNOWN"
	CodeFPRCheckUnconfirmed  = "FPR_CHECK_UNCONFIRMED"
	CodeTravelPermitFormat   = "TRAVEL_PERMIT_FORMAT"
	CodeTWTravelPermitFormat = "TW_TRAVEL_PERMIT_FORMAT"

	// Machine-readable zones.
	CodeMRZEmpty             = "MRZ_EMPTY"
	CodeMRZLines             = "MRZ_LINES"
	CodeMRZLineLength        = "MRZ_LINE_LENGTH"
	CodeMRZLinePadded        = "MRZ_LINE_PADDED"
	CodeMRZCharacter         = "MRZ_CHARACTER"
	CodeMRZDocumentType      = "MRZ_DOCUMENT_TYPE"
	CodeMRZIssuingState      = "MRZ_ISSUING_STATE_UNKNOWN"
	CodeMRZNationality       = "MRZ_NATIONALITY_UNKNOWN"
	CodeMRZSpecimen          = "MRZ_SPECIMEN"
	CodeMRZDocumentNumber    = "MRZ_DOCUMENT_NUMBER_MISSING"
	CodeMRZCheckDocNumber    = "MRZ_CHECK_DOCUMENT_NUMBER"
	CodeMRZCheckBirthDate    = "MRZ_CHECK_BIRTH_DATE"
	CodeMRZCheckExpiryDate   = "MRZ_CHECK_EXPIRY_DATE"
	CodeMRZCheckOptionalData = "MRZ_CHECK_OPTIONAL_DATA"
	CodeMRZCheckComposite    = "MRZ_CHECK_COMPOSITE"
	CodeMRZBirthDateInvalid  = "MRZ_BIRTH_DATE_INVALID"
	CodeMRZBirthDateUnknown  = "MRZ_BIRTH_DATE_UNKNOWN"
	CodeMRZExpiryDateInvalid = "MRZ_EXPIRY_DATE_INVALID"
	CodeMRZExpired           = "MRZ_EXPIRED"
	CodeMRZSex               = "MRZ_SEX_INVALID"
	CodeMRZNameMissing       = "MRZ_NAME_MISSING"
	CodeMRZNameTruncated     = "MRZ_NAME_TRUNCATED"
	CodeMRZNameCharacter     = "MRZ_NAME_CHARACTER"

	// Names.
	CodeNameEmpty       = "NAME_EMPTY"
	CodeNameTooLong     = "NAME_TOO_LONG"
	CodeNameTooShort    = "NAME_TOO_SHORT"
	CodeNameCharacter   = "NAME_CHARACTER"
	CodeNameMixedScript = "NAME_MIXED_SCRIPT"
	CodeNameDot         = "NAME_DOT_POSITION"
	CodeNameMissing     = "NAME_MISSING_CHARACTER"
	CodeNameExtra       = "NAME_EXTRA_CHARACTER"
	CodeNameDifferent   = "NAME_DIFFERENT_CHARACTER"
	CodeNameMismatch    = "NAME_MISMATCH"
	CodeNameOrder       = "NAME_ORDER"

	// Phone numbers.
	CodePhoneEmpty       = "PHONE_EMPTY"
	CodePhoneNotNumber   = "PHONE_NOT_A_NUMBER"
	CodePhoneCountryCode = "PHONE_COUNTRY_CODE"
	CodePhoneTooShort    = "PHONE_TOO_SHORT"
	CodePhoneTooLong     = "PHONE_TOO_LONG"
	CodePhoneInvalid     = "PHONE_INVALID"
	CodePhoneNotMobile   = "PHONE_NOT_MOBILE"
)

type regEntry struct {
	warning   bool
	msg, hint i18n.Text
}

func e(en, zh string) i18n.Text { return i18n.T(en, zh) }

// registry is the one list of every reason with its messages in both
// languages. Placeholders in braces are filled by newReason.
var registry = map[string]regEntry{
	CodeIDEmpty: {false,
		e("No document number was entered.", "未填写证件号码。"),
		e("Type the number exactly as printed on your document.", "请按证件上印刷的号码完整填写。")},
	CodeIDLength: {false,
		e("The number has {n} characters; this kind of document number has {want}.", "号码有 {n} 位，该类证件号码应为 {want} 位。"),
		e("Check that no character is missing or repeated; copy it from the card one group at a time.", "请检查是否漏填或多填了字符，可对照证件分段核对。")},
	CodeIDCharacter: {false,
		e("Character {pos} (\"{char}\") is not allowed here.", "第 {pos} 位字符“{char}”不符合该证件号码的格式。"),
		e("Compare this character with your document. Resident ID and residence permit numbers use only digits, with X possible only as the last character.", "请对照证件核对该字符。居民身份证和居住证号码只由数字组成，字母 X 只可能出现在最后一位。")},
	CodeIDFirstGeneration: {false,
		e("This is a 15-digit first-generation ID number; first-generation cards stopped being valid on 1 January 2013.", "这是 15 位的第一代身份证号码，第一代居民身份证已于 2013 年 1 月 1 日停止使用。"),
		e("Enter the 18-digit number printed on your current (second-generation) resident ID card.", "请填写您现用的第二代居民身份证上的 18 位号码。")},
	CodeIDProvince: {false,
		e("The number starts with \"{code}\", which is not a province code used in ID numbers.", "号码开头的“{code}”不是有效的省级行政区代码。"),
		e("The first two digits are probably mistyped; compare them with your card.", "前两位很可能填错了，请对照证件核对。")},
	CodeIDRegionUnknown: {true,
		e("The address code {code} is not in our list of administrative divisions.", "地址码 {code} 不在我们的行政区划代码表中。"),
		e("Old codes remain on cards after regions are renamed; if the number matches your card, you can continue.", "行政区划调整后原证件号码不变；如与证件一致，可继续办理。")},
	CodeIDBirthDateInvalid: {false,
		e("The birth date in the number, {date}, is not a real date.", "号码中的出生日期 {date} 不是一个有效的日期。"),
		e("Digits 7 to 14 of the number are the birth date; check them against your card.", "号码第 7 至 14 位是出生日期，请对照证件核对。")},
	CodeIDBirthDateFuture: {false,
		e("The birth date in the number, {date}, is in the future.", "号码中的出生日期 {date} 晚于今天。"),
		e("Digits 7 to 14 of the number are the birth date; check them against your card.", "号码第 7 至 14 位是出生日期，请对照证件核对。")},
	CodeIDBirthDateTooOld: {false,
		e("The birth date in the number, {date}, is more than 130 years ago.", "号码中的出生日期 {date} 距今超过 130 年。"),
		e("Digits 7 to 14 of the number are the birth date; check them against your card.", "号码第 7 至 14 位是出生日期，请对照证件核对。")},
	CodeIDCheckCharacter: {false,
		e("The last character does not match the rest of the number: a digit was probably mistyped or two digits were swapped.", "号码的校验位与前面的数字不符：很可能有一位数字输错，或相邻两位颠倒了。"),
		e("Compare every digit with your card, including the last character (which may be X).", "请对照证件逐位核对，包括最后一位（可能是 X）。")},
	CodeIDTypeMismatch: {false,
		e("This looks like the number of a {type}, not of the document type you chose.", "该号码看起来是{typezh}的号码，与您选择的证件类型不符。"),
		e("Choose the document type that matches the card you hold.", "请选择与您所持证件一致的证件类型。")},
	CodeIDTypeUnknown: {false,
		e("This does not look like the number of any document we accept.", "无法识别该号码对应的证件类型。"),
		e("Check the number, or choose the document type yourself.", "请核对号码，或手动选择证件类型。")},
	CodeHMTAddressCode: {false,
		e("A residence permit number for Hong Kong, Macau or Taiwan residents starts with 810000, 820000 or 830000; this one starts with {code}.", "港澳台居民居住证号码应以 810000、820000 或 830000 开头，该号码以 {code} 开头。"),
		e("Check the first six digits against your residence permit.", "请对照居住证核对前六位。")},
	CodeFPRNationality: {false,
		e("The nationality code \"{code}\" in the number is not a known country code.", "号码中的国籍代码“{code}”不是有效的国家或地区代码。"),
		e("Check the nationality part of the number against your permanent residence card.", "请对照永久居留身份证核对号码中的国籍部分。")},
	CodeFPRCheckUnconfirmed: {true,
		e("The last character does not match the check rule we expect for this card version.", "号码最后一位与我们掌握的该版本证件校验规则不符。"),
		e("If the number matches your card exactly, you can continue; a reviewer will compare it with the card.", "如与证件完全一致，可继续办理，审核人员会与证件核对。")},
	CodeTravelPermitFormat: {false,
		e("A mainland travel permit for Hong Kong and Macau residents has H or M followed by 8 digits (or 10 on older permits).", "港澳居民来往内地通行证号码为 H 或 M 加 8 位数字（旧版为 10 位数字）。"),
		e("Copy the number from the front of your permit, starting with the letter.", "请从通行证正面抄录号码，包括开头的字母。")},
	CodeTWTravelPermitFormat: {false,
		e("A mainland travel permit for Taiwan residents has an 8-digit number.", "台湾居民来往大陆通行证号码为 8 位数字。"),
		e("Copy the 8-digit number from the front of your permit.", "请从通行证正面抄录 8 位号码。")},

	CodeMRZEmpty: {false,
		e("No machine-readable zone was given.", "未提供机读区内容。"),
		e("Enter the two or three lines of characters at the bottom of the document's photo page.", "请填写证件资料页底部的两行或三行字符。")},
	CodeMRZLines: {false,
		e("The machine-readable zone has {n} lines; it should have 2 (passports, TD2 cards) or 3 (TD1 ID cards).", "机读区有 {n} 行，应为 2 行（护照、TD2 证件）或 3 行（TD1 身份卡）。"),
		e("Enter every line of the zone at the bottom of the photo page, one per line.", "请逐行填写资料页底部机读区的全部内容。")},
	CodeMRZLineLength: {false,
		e("Line {line} has {n} characters; it should have {want}.", "第 {line} 行有 {n} 个字符，应为 {want} 个。"),
		e("Count the characters again, including every < sign.", "请重新核对字符数量，包括每一个 < 符号。")},
	CodeMRZLinePadded: {true,
		e("Line {line} was shorter than expected and was completed with < fillers.", "第 {line} 行比规定长度短，已用 < 补齐。"),
		e("Nothing to do if the other checks pass.", "如其他检查通过，无需处理。")},
	CodeMRZCharacter: {false,
		e("Line {line}, position {pos}: \"{char}\" cannot appear in a machine-readable zone.", "第 {line} 行第 {pos} 个字符“{char}”不可能出现在机读区中。"),
		e("Only capital letters A–Z, digits and < are used.", "机读区只包含大写字母 A–Z、数字和 <。")},
	CodeMRZDocumentType: {false,
		e("The document type \"{value}\" is not one this format allows.", "证件类型“{value}”与该机读区格式不符。"),
		e("Check the first two characters of the first line.", "请核对第一行的前两个字符。")},
	CodeMRZIssuingState: {false,
		e("The issuing state code \"{code}\" is not a known country or organisation code.", "签发国代码“{code}”不是有效的国家或组织代码。"),
		e("Check characters 3 to 5 of the first line.", "请核对第一行第 3 至 5 个字符。")},
	CodeMRZNationality: {false,
		e("The nationality code \"{code}\" is not a known country code.", "国籍代码“{code}”不是有效的国家代码。"),
		e("Check the three letters of the nationality field.", "请核对国籍字段的三个字母。")},
	CodeMRZSpecimen: {true,
		e("This is a specimen document (issuing state UTO, \"Utopia\"), not a real one.", "这是样本证件（签发国 UTO，虚构的“乌托邦”），不是真实证件。"),
		e("Use your own document.", "请使用您本人的真实证件。")},
	CodeMRZDocumentNumber: {false,
		e("The document number is empty.", "证件号码为空。"),
		e("Check the document number field of the machine-readable zone.", "请核对机读区中的证件号码字段。")},
	CodeMRZCheckDocNumber: {false,
		e("The document number does not match its check digit: a character was probably misread or mistyped.", "证件号码与其校验位不符：很可能有字符识别或输入错误。"),
		e("Compare the document number and the digit after it with the document (0 and O, 1 and I, 8 and B are easily confused).", "请对照证件核对证件号码及其后的校验位（0 与 O、1 与 I、8 与 B 容易混淆）。")},
	CodeMRZCheckBirthDate: {false,
		e("The birth date does not match its check digit.", "出生日期与其校验位不符。"),
		e("Compare the six birth-date digits and the digit after them with the document.", "请对照证件核对 6 位出生日期及其后的校验位。")},
	CodeMRZCheckExpiryDate: {false,
		e("The expiry date does not match its check digit.", "有效期至与其校验位不符。"),
		e("Compare the six expiry-date digits and the digit after them with the document.", "请对照证件核对 6 位有效期及其后的校验位。")},
	CodeMRZCheckOptionalData: {false,
		e("The personal number or optional data does not match its check digit.", "个人号码或可选数据与其校验位不符。"),
		e("Compare the optional data field and its check digit with the document.", "请对照证件核对可选数据字段及其校验位。")},
	CodeMRZCheckComposite: {false,
		e("The overall check digit does not match: at least one character of the zone was misread or mistyped.", "机读区总校验位不符：至少有一个字符识别或输入错误。"),
		e("Compare the whole zone with the document character by character.", "请对照证件逐个字符核对整个机读区。")},
	CodeMRZBirthDateInvalid: {false,
		e("The birth date \"{date}\" is not a real date.", "出生日期“{date}”不是有效日期。"),
		e("Check the birth-date field (YYMMDD).", "请核对出生日期字段（年年月月日日）。")},
	CodeMRZBirthDateUnknown: {true,
		e("The document does not state the full birth date.", "证件未载明完整的出生日期。"),
		e("A reviewer may ask for another document that shows it.", "审核人员可能会要求您提供载明出生日期的其他证件。")},
	CodeMRZExpiryDateInvalid: {false,
		e("The expiry date \"{date}\" is not a real date.", "有效期“{date}”不是有效日期。"),
		e("Check the expiry-date field (YYMMDD).", "请核对有效期字段（年年月月日日）。")},
	CodeMRZExpired: {false,
		e("The document expired on {date}.", "该证件已于 {date} 过期。"),
		e("Use a document that is still valid.", "请使用仍在有效期内的证件。")},
	CodeMRZSex: {false,
		e("The sex field holds \"{char}\"; it must be M, F, X or <.", "性别字段为“{char}”，应为 M、F、X 或 <。"),
		e("Check the character after the birth date's check digit.", "请核对出生日期校验位之后的字符。")},
	CodeMRZNameMissing: {false,
		e("The name field is empty.", "姓名字段为空。"),
		e("Check the name line of the machine-readable zone.", "请核对机读区的姓名行。")},
	CodeMRZNameTruncated: {true,
		e("The name fills the whole field and may have been shortened on the document.", "姓名占满了整个字段，证件上可能已被截短。"),
		e("Type your full name as printed in the visual part of the document.", "请按证件资料页上印刷的完整姓名填写。")},
	CodeMRZNameCharacter: {false,
		e("The name field contains a digit at position {pos}.", "姓名字段第 {pos} 个字符是数字。"),
		e("Names in a machine-readable zone use letters and < only; check for a misread letter.", "机读区姓名只包含字母和 <，请检查是否有字母被识别错误。")},

	CodeNameEmpty: {false,
		e("No name was entered.", "未填写姓名。"),
		e("Type your name exactly as printed on your document.", "请按证件上印刷的姓名填写。")},
	CodeNameTooLong: {false,
		e("The name has {n} characters, more than the {want} we accept.", "姓名有 {n} 个字符，超过了 {want} 个的上限。"),
		e("Type your name exactly as printed on your document, without titles or notes.", "请按证件填写姓名，不要加称谓或备注。")},
	CodeNameTooShort: {false,
		e("A Chinese name has at least two characters.", "中文姓名至少有两个字。"),
		e("Type your full name, surname first.", "请填写完整姓名（姓在前）。")},
	CodeNameCharacter: {false,
		e("Character {pos} (\"{char}\") does not belong in a name.", "第 {pos} 个字符“{char}”不应出现在姓名中。"),
		e("Remove digits, symbols and emoji; type the name as printed on your document.", "请删除数字、符号和表情，按证件填写姓名。")},
	CodeNameMixedScript: {false,
		e("The name mixes Chinese characters and Latin letters.", "姓名中混用了汉字和拉丁字母。"),
		e("Type the name in one script, exactly as on your document.", "请按证件只用一种文字填写姓名。")},
	CodeNameDot: {false,
		e("The separator dot \"·\" can only stand between two parts of the name.", "间隔号“·”只能出现在姓名的两部分之间。"),
		e("Remove the dot at the start or end of the name, or the doubled dot.", "请删除姓名开头、结尾或重复的间隔号。")},
	CodeNameMissing: {false,
		e("The name you typed has one character fewer than the name on your document: \"{expected}\" (character {pos}) is missing.", "您填写的姓名比证件上少了一个字：缺少第 {pos} 个字“{expected}”。"),
		e("Type the name again exactly as printed on your document.", "请按证件上的姓名重新填写。")},
	CodeNameExtra: {false,
		e("The name you typed has one character more than the name on your document: \"{typed}\" (character {pos} of what you typed) is extra.", "您填写的姓名比证件上多了一个字：您填写的第 {pos} 个字“{typed}”是多余的。"),
		e("Type the name again exactly as printed on your document.", "请按证件上的姓名重新填写。")},
	CodeNameDifferent: {false,
		e("Character {pos} of the name differs: your document shows \"{expected}\", you typed \"{typed}\".", "姓名第 {pos} 个字不一致：证件上是“{expected}”，您填写的是“{typed}”。"),
		e("Check for a similar-looking or same-sounding character.", "请检查是否输入了形近字或同音字。")},
	CodeNameMismatch: {false,
		e("The name you typed differs from the name on your document in {n} places.", "您填写的姓名与证件上的姓名有 {n} 处不一致。"),
		e("Type the name again exactly as printed on your document.", "请按证件上的姓名重新填写。")},
	CodeNameOrder: {false,
		e("The name has the right parts in a different order.", "姓名各部分正确，但顺序与证件不同。"),
		e("Type the names in the order printed on your document (surname first, unless the form asks otherwise).", "请按证件上的顺序填写姓名。")},

	CodePhoneEmpty: {false,
		e("No phone number was entered.", "未填写手机号码。"),
		e("Enter your mobile number; for a number outside mainland China, start with + and the country code.", "请填写手机号码；非中国大陆号码请以 + 和国家代码开头。")},
	CodePhoneNotNumber: {false,
		e("This is not a phone number.", "这不是一个电话号码。"),
		e("Use digits only, optionally starting with + and the country code.", "请只填写数字，可以 + 和国家代码开头。")},
	CodePhoneCountryCode: {false,
		e("The country calling code is missing or unknown.", "国家或地区代码缺失或无效。"),
		e("For a number outside mainland China, start with + and the country code, e.g. +852.", "非中国大陆号码请以 + 和国家代码开头，例如 +852。")},
	CodePhoneTooShort: {false,
		e("The phone number is too short.", "电话号码位数太少。"),
		e("Check that no digit is missing; a mainland mobile number has 11 digits.", "请检查是否漏填数字；中国大陆手机号为 11 位。")},
	CodePhoneTooLong: {false,
		e("The phone number is too long.", "电话号码位数太多。"),
		e("Check for an extra digit; a mainland mobile number has 11 digits.", "请检查是否多填了数字；中国大陆手机号为 11 位。")},
	CodePhoneInvalid: {false,
		e("This number is not in use in the numbering plan of {region}.", "该号码不符合{region}的号码规则。"),
		e("Check the digits and the country code.", "请核对号码和国家代码。")},
	CodePhoneNotMobile: {true,
		e("This looks like a landline number; verification codes are sent by SMS.", "这看起来是固定电话号码，验证码将通过短信发送。"),
		e("Enter a mobile number that can receive text messages.", "请填写能接收短信的手机号码。")},
}

// newReason builds the Reason for a registered code, filling placeholders
// from args given as name, value pairs. An unregistered code still yields a
// usable (English-only) reason; a test makes sure that never happens.
func newReason(code, field string, args ...string) Reason {
	reg, ok := registry[code]
	if !ok {
		return Reason{Code: code, Field: field, Message: i18n.T(code, code)}
	}
	r := Reason{Code: code, Field: field, Message: reg.msg, Hint: reg.hint, Warning: reg.warning}
	if len(args) >= 2 {
		r.Message = i18n.T(fill(reg.msg.EN, args), fill(reg.msg.ZH, args))
		r.Hint = i18n.T(fill(reg.hint.EN, args), fill(reg.hint.ZH, args))
	}
	return r
}

// fill replaces each {name} in s by the value following name in args (name,
// value pairs); unknown placeholders are left as they are.
func fill(s string, args []string) string {
	if strings.IndexByte(s, '{') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(s[open:], '}')
		if end < 0 {
			break
		}
		name := s[open+1 : open+end]
		val, found := "", false
		for i := 0; i+1 < len(args); i += 2 {
			if args[i] == name {
				val, found = args[i+1], true
				break
			}
		}
		b.WriteString(s[:open])
		if found {
			b.WriteString(val)
		} else {
			b.WriteString(s[open : open+end+1])
		}
		s = s[open+end+1:]
	}
	b.WriteString(s)
	return b.String()
}

package web

import (
	"regexp"
	"strings"

	"github.com/veriwallet/veriwallet/internal/i18n"
)

// deviceName names the device of a session from its User-Agent as a
// person would: "Chrome 131 on Android", "Safari on iPhone", "WeChat on
// iPhone", "the veriwallet API (curl)". Unknown agents give "Unknown
// browser" (with the system when that is known); the raw string is never
// shown.
func deviceName(ua string, lang i18n.Lang) string {
	b, v, sys := parseUA(ua)
	on := " on "
	if lang == i18n.ZH {
		on = " · "
	}
	if b == "" {
		b = i18n.T("Unknown browser", "未知浏览器").In(lang)
	} else if v != "" {
		b += " " + v
	}
	if sys == "" {
		return b
	}
	return b + on + sys
}

var (
	uaVersion = func(name string) *regexp.Regexp { return regexp.MustCompile(name + `/(\d+)`) }
	reEdge    = uaVersion(`Edg(?:e|A|iOS)?`)
	reOpera   = uaVersion(`(?:OPR|OPiOS)`)
	reSamsung = uaVersion(`SamsungBrowser`)
	reWeChat  = uaVersion(`MicroMessenger`)
	reUC      = uaVersion(`UCBrowser`)
	reQQ      = uaVersion(`MQQBrowser`)
	reFirefox = uaVersion(`(?:Firefox|FxiOS)`)
	reChrome  = uaVersion(`(?:Chrome|CriOS)`)
	reSafari  = uaVersion(`Version`)
	reCLI     = regexp.MustCompile(`^(curl|Wget|python-requests|Go-http-client|okhttp|PostmanRuntime|HTTPie)/(\d+)`)
	reAndroid = regexp.MustCompile(`Android (\d+)`)
)

// parseUA returns the browser, its major version (only where it means
// something to a person) and the system.
func parseUA(ua string) (browser, version, system string) {
	ua = strings.TrimSpace(ua)
	if ua == "" || len(ua) > 1024 {
		return "", "", ""
	}
	if m := reCLI.FindStringSubmatch(ua); m != nil {
		return m[1], m[2], ""
	}
	switch {
	case strings.Contains(ua, "iPhone"):
		system = "iPhone"
	case strings.Contains(ua, "iPad"):
		system = "iPad"
	case strings.Contains(ua, "HarmonyOS") || strings.Contains(ua, "OpenHarmony"):
		system = "HarmonyOS"
	case strings.Contains(ua, "Android"):
		system = "Android"
	case strings.Contains(ua, "CrOS"):
		system = "ChromeOS"
	case strings.Contains(ua, "Windows"):
		system = "Windows"
	case strings.Contains(ua, "Macintosh") || strings.Contains(ua, "Mac OS X"):
		system = "macOS"
	case strings.Contains(ua, "Linux"):
		system = "Linux"
	}
	first := func(re *regexp.Regexp) string {
		if m := re.FindStringSubmatch(ua); m != nil {
			return m[1]
		}
		return ""
	}
	switch {
	case strings.Contains(ua, "MicroMessenger"):
		return "WeChat", first(reWeChat), system
	case strings.Contains(ua, "AlipayClient"):
		return "Alipay", "", system
	case reEdge.MatchString(ua):
		return "Edge", first(reEdge), system
	case reOpera.MatchString(ua):
		return "Opera", first(reOpera), system
	case reSamsung.MatchString(ua):
		return "Samsung Internet", first(reSamsung), system
	case reUC.MatchString(ua):
		return "UC Browser", first(reUC), system
	case reQQ.MatchString(ua):
		return "QQ Browser", first(reQQ), system
	case reFirefox.MatchString(ua):
		return "Firefox", first(reFirefox), system
	case strings.Contains(ua, "HeadlessChrome"):
		return "Chrome (headless)", "", system
	case reChrome.MatchString(ua):
		return "Chrome", first(reChrome), system
	case strings.Contains(ua, "Safari") && reSafari.MatchString(ua):
		// Safari's version says little on a phone; the system says more.
		if system == "iPhone" || system == "iPad" {
			return "Safari", "", system
		}
		return "Safari", first(reSafari), system
	}
	return "", "", system
}

// Device names the device of a User-Agent for login alerts: key is the
// browser and system without versions (a new browser version is not a new
// device); en and zh name it as the sessions list does.
func Device(ua string) (key, en, zh string) {
	b, _, sys := parseUA(ua)
	return b + "|" + sys, deviceName(ua, i18n.EN), deviceName(ua, i18n.ZH)
}

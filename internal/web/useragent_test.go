package web

import (
	"testing"

	"github.com/veriwallet/veriwallet/internal/i18n"
)

func TestDeviceName(t *testing.T) {
	for _, tc := range []struct{ ua, en, zh string }{
		{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36",
			"Chrome 131 on Android", "Chrome 131 · Android"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
			"Safari on iPhone", "Safari · iPhone"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/130.0.6723.90 Mobile/15E148 Safari/604.1",
			"Chrome 130 on iPhone", "Chrome 130 · iPhone"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
			"Safari 18 on macOS", "Safari 18 · macOS"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70",
			"Edge 131 on Windows", "Edge 131 · Windows"},
		{"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 on Linux", "Firefox 133 · Linux"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN",
			"WeChat 8 on iPhone", "WeChat 8 · iPhone"},
		{"Mozilla/5.0 (Linux; Android 12; SM-S9080) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
			"Samsung Internet 23 on Android", "Samsung Internet 23 · Android"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
			"Chrome (headless) on Linux", "Chrome (headless) · Linux"},
		{"curl/8.5.0", "curl 8", "curl 8"},
		{"Go-http-client/1.1", "Go-http-client 1", "Go-http-client 1"},
		{"", "Unknown browser", "未知浏览器"},
		{"Mozilla/5.0 (Windows NT 10.0) SomethingNew/1", "Unknown browser on Windows", "未知浏览器 · Windows"},
	} {
		if got := deviceName(tc.ua, i18n.EN); got != tc.en {
			t.Errorf("%q: en %q, want %q", tc.ua, got, tc.en)
		}
		if got := deviceName(tc.ua, i18n.ZH); got != tc.zh {
			t.Errorf("%q: zh %q, want %q", tc.ua, got, tc.zh)
		}
	}
}

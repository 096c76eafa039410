package wechat

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	const id, sec = "wx0123456789abcdef", "0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		name    string
		cfg     Config
		field   string // in the error; "" for valid
		enabled bool
	}{
		{"nothing set", Config{}, "", false},
		{"both set", Config{AppID: id, Secret: sec}, "", true},
		{"test server", Config{AppID: id, Secret: sec, API: "http://127.0.0.1:4321"}, "", true},
		{"localhost", Config{AppID: id, Secret: sec, API: "http://localhost:4321/"}, "", true},
		{"IPv6 loopback", Config{AppID: id, Secret: sec, API: "http://[::1]:4321"}, "", true},
		{"proxy path", Config{AppID: id, Secret: sec, API: "https://gw.example.cn/wechat"}, "", true},
		{"a minute", Config{AppID: id, Secret: sec, Timeout: time.Minute}, "", true},
		{"only appid", Config{AppID: id}, "CAMPUS_WECHAT_SECRET", false},
		{"only secret", Config{Secret: sec}, "CAMPUS_WECHAT_APPID", false},
		{"appid with a space", Config{AppID: "wx 1", Secret: sec}, "CAMPUS_WECHAT_APPID", true},
		{"secret with a newline", Config{AppID: id, Secret: sec + "\n"}, "CAMPUS_WECHAT_SECRET", true},
		{"secret too long", Config{AppID: id, Secret: strings.Repeat("s", 129)}, "CAMPUS_WECHAT_SECRET", true},
		{"API plain http", Config{AppID: id, Secret: sec, API: "http://api.weixin.qq.com"}, "CAMPUS_WECHAT_API", true},
		{"API relative", Config{AppID: id, Secret: sec, API: "api.weixin.qq.com"}, "CAMPUS_WECHAT_API", true},
		{"API ftp", Config{AppID: id, Secret: sec, API: "ftp://api.weixin.qq.com"}, "CAMPUS_WECHAT_API", true},
		{"API query", Config{AppID: id, Secret: sec, API: "https://api.weixin.qq.com/?appid=x"}, "CAMPUS_WECHAT_API", true},
		{"API user", Config{AppID: id, Secret: sec, API: "https://me:pw@api.weixin.qq.com"}, "CAMPUS_WECHAT_API", true},
		{"API unparsable", Config{AppID: id, Secret: sec, API: "https://[::1"}, "CAMPUS_WECHAT_API", true},
		{"negative timeout", Config{AppID: id, Secret: sec, Timeout: -time.Second}, "Timeout", true},
		{"long timeout", Config{AppID: id, Secret: sec, Timeout: time.Hour}, "Timeout", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.field != "" && (err == nil || !strings.Contains(err.Error(), tc.field)):
				t.Fatalf("got %v, want an error naming %s", err, tc.field)
			}
			if tc.cfg.Enabled() != tc.enabled {
				t.Errorf("Enabled %v, want %v", tc.cfg.Enabled(), tc.enabled)
			}
			if err != nil {
				for _, w := range []string{sec, "pw@"} {
					if strings.Contains(err.Error(), w) {
						t.Errorf("%q holds %q", err, w)
					}
				}
			}
		})
	}
}

func TestNew(t *testing.T) {
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "CAMPUS_WECHAT_APPID") {
		t.Errorf("New of nothing: %v, want not configured", err)
	}
	if _, err := New(Config{AppID: "wx1", Secret: "s", API: "http://example.cn"}); err == nil {
		t.Errorf("New of an invalid config: no error")
	}
	hc := &http.Client{Timeout: time.Second}
	c, err := New(Config{AppID: "wx1", Secret: "s", HTTP: hc})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.endpoint.String(); got != "https://api.weixin.qq.com/sns/jscode2session" {
		t.Errorf("endpoint %s, want WeChat's", got)
	}
	if c.timeout != DefaultTimeout || DefaultTimeout != 5*time.Second {
		t.Errorf("timeout %v, want 5s", c.timeout)
	}
	if c.http == hc || c.http.Timeout != time.Second || c.http.CheckRedirect == nil {
		t.Errorf("the client is not a copy of the caller's that refuses redirects")
	}
	c, _ = New(Config{AppID: "wx1", Secret: "s", API: "https://gw.example.cn/wechat/", Timeout: time.Second})
	if got := c.endpoint.String(); got != "https://gw.example.cn/wechat/sns/jscode2session" || c.timeout != time.Second {
		t.Errorf("endpoint %s, timeout %v", got, c.timeout)
	}
}

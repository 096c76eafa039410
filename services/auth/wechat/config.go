package wechat

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// DefaultAPI is WeChat's API server.
const DefaultAPI = "https://api.weixin.qq.com"

// DefaultTimeout bounds one exchange when Config.Timeout is 0.
const DefaultTimeout = 5 * time.Second

// maxTimeout is the longest Config.Timeout accepted: a person is waiting.
const maxTimeout = time.Minute

// maxCredential is the longest AppID or Secret accepted, in bytes. WeChat's
// are 18 (wx and 16 hex digits) and 32 (hex digits).
const maxCredential = 128

// Config is the mini program this server signs people in for.
type Config struct {
	AppID  string // CAMPUS_WECHAT_APPID: the mini program's appid
	Secret string // CAMPUS_WECHAT_SECRET: its AppSecret; never logged or shown
	// API is WeChat's API server, DefaultAPI when empty
	// (CAMPUS_WECHAT_API; a test server over plain http must be on
	// loopback).
	API string
	// HTTP makes the requests; a client of its own when nil. It is
	// copied, never changed: the copy follows no redirects.
	HTTP *http.Client
	// Timeout bounds one exchange, DefaultTimeout when 0; at most a
	// minute.
	Timeout time.Duration
}

// Enabled says whether sign-in with WeChat is configured: an AppID and a
// Secret are both set.
func (c Config) Enabled() bool { return c.AppID != "" && c.Secret != "" }

// Validate says what is wrong with c, naming the field and its variable.
// A config with neither AppID nor Secret is valid (and not Enabled); one
// with only one of them is not. The secret's value is never in the error.
func (c Config) Validate() error {
	switch {
	case c.AppID == "" && c.Secret != "":
		return fmt.Errorf("wechat: AppID (CAMPUS_WECHAT_APPID) is empty while Secret is set: set both or neither")
	case c.AppID != "" && c.Secret == "":
		return fmt.Errorf("wechat: Secret (CAMPUS_WECHAT_SECRET) is empty while AppID is set: set both or neither")
	}
	if c.AppID != "" && !token(c.AppID, maxCredential) {
		return fmt.Errorf("wechat: AppID (CAMPUS_WECHAT_APPID) %q is not an appid: want up to %d printable ASCII characters without spaces", c.AppID, maxCredential)
	}
	if c.Secret != "" && !token(c.Secret, maxCredential) {
		return fmt.Errorf("wechat: Secret (CAMPUS_WECHAT_SECRET) is not an AppSecret: want up to %d printable ASCII characters without spaces", maxCredential)
	}
	if c.API != "" {
		if _, err := apiBase(c.API); err != nil {
			return err
		}
	}
	if c.Timeout < 0 || c.Timeout > maxTimeout {
		return fmt.Errorf("wechat: Timeout %v is out of range: want 0 (the default, %v) up to %v", c.Timeout, DefaultTimeout, maxTimeout)
	}
	return nil
}

// apiBase reads the API server's address: https, or http to a loopback
// host (the secret goes in the query, so never in clear over a network),
// with no user, query or fragment.
func apiBase(api string) (*url.URL, error) {
	bad := func(why string) error {
		return fmt.Errorf("wechat: API (CAMPUS_WECHAT_API) %q %s", redactedURL(api), why)
	}
	u, err := url.Parse(api)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return nil, bad("is not an absolute URL like " + DefaultAPI)
	}
	switch {
	case u.User != nil:
		return nil, bad("has a user: give the secret as CAMPUS_WECHAT_SECRET")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, bad("has a query or fragment: give only the server, e.g. " + DefaultAPI)
	case u.Scheme == "http" && !loopback(u.Hostname()):
		return nil, bad("is plain http to a host that is not loopback: the secret would cross the network in clear; use https")
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, bad("is not https")
	}
	return u, nil
}

// redactedURL is s without any password it holds, for messages.
func redactedURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return "(unreadable URL)"
}

// loopback says whether host is this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// token says whether s is 1 to max printable ASCII characters without
// spaces: what an appid, a secret, a code or an openid looks like.
func token(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

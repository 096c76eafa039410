package main

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestPhoneCountriesAndSessionCacheConfig: the phone country list and the
// session cache's TTL, from flags or the environment, checked at start.
func TestPhoneCountriesAndSessionCacheConfig(t *testing.T) {
	parse := func(args []string, env map[string]string) (*Main, error) {
		m := NewMain(io.Discard)
		return m, m.ParseFlags(append([]string{"--venue", venue}, args...), func(k string) string { return env[k] })
	}
	m, err := parse(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := m.Config.authOptions(nil)
	if !slices.Equal(o.PhoneCountries, []string{"86", "852", "853"}) || o.SessionCacheTTL != 5*time.Second {
		t.Errorf("defaults: countries %v, session cache %v", o.PhoneCountries, o.SessionCacheTTL)
	}
	m, err = parse([]string{"--phone-countries", "86,852", "--session-cache-ttl", "0"}, map[string]string{"CAMPUS_PHONE_COUNTRIES": "+852, +853, 44"})
	if err != nil {
		t.Fatal(err)
	}
	o = m.Config.authOptions(nil)
	if !slices.Equal(o.PhoneCountries, []string{"852", "853", "44"}) || o.SessionCacheTTL >= 0 {
		t.Errorf("set: countries %v (the environment goes over flags), session cache %v (want off, negative)", o.PhoneCountries, o.SessionCacheTTL)
	}
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--phone-countries", "86,China"}, nil, "phone-countries"},
		{nil, map[string]string{"CAMPUS_PHONE_COUNTRIES": "0086"}, "phone-countries"},
		{[]string{"--phone-countries", ""}, nil, "phone-countries"},
		{[]string{"--session-cache-ttl", "2m"}, nil, "session-cache-ttl"},
		{[]string{"--session-cache-ttl", "-1s"}, nil, "session-cache-ttl"},
		{nil, map[string]string{"CAMPUS_WECHAT_APPID": "wx0123456789abcdef"}, "CAMPUS_WECHAT_SECRET"},
		{nil, map[string]string{"CAMPUS_WECHAT_APPID": "wx0123456789abcdef", "CAMPUS_WECHAT_SECRET": "s", "CAMPUS_WECHAT_API": "http://api.example.com"}, "CAMPUS_WECHAT_API"},
	} {
		if _, err := parse(c.args, c.env); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: %v, want an error naming %s", c.args, c.env, err, c.want)
		}
	}
}

// TestVisitConfig: the office workflow's webhook needs its secret; the
// days visitors' personal data is kept, from flags or the environment.
func TestVisitConfig(t *testing.T) {
	parse := func(args []string, env map[string]string) (*Main, error) {
		m := NewMain(io.Discard)
		return m, m.ParseFlags(append([]string{"--venue", venue}, args...), func(k string) string { return env[k] })
	}
	m, err := parse(nil, nil)
	if err != nil || m.Config.VisitorKeepDays != 180 || m.Config.VisitWebhook != "" {
		t.Fatalf("defaults: %+v %v", m.Config, err)
	}
	m, err = parse([]string{"--visitor-keep-days", "30"}, map[string]string{"CAMPUS_VISIT_WEBHOOK": "https://office.example/visits",
		"CAMPUS_VISIT_WEBHOOK_SECRET": "0123456789abcdef0123", "CAMPUS_VISITOR_KEEP_DAYS": "90"})
	if err != nil || m.Config.VisitorKeepDays != 90 || m.Config.VisitWebhook != "https://office.example/visits" {
		t.Fatalf("set: %+v %v", m.Config, err)
	}
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--visitor-keep-days", "0"}, nil, "visitor-keep-days"},
		{nil, map[string]string{"CAMPUS_VISITOR_KEEP_DAYS": "half a year"}, "CAMPUS_VISITOR_KEEP_DAYS"},
		{[]string{"--visit-webhook", "https://office.example/visits"}, nil, "CAMPUS_VISIT_WEBHOOK_SECRET"},
		{nil, map[string]string{"CAMPUS_VISIT_WEBHOOK": "office.example", "CAMPUS_VISIT_WEBHOOK_SECRET": "0123456789abcdef0123"}, "visit-webhook"},
	} {
		if _, err := parse(c.args, c.env); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: %v, want an error naming %s", c.args, c.env, err, c.want)
		}
	}
}

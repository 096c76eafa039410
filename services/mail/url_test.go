package mail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		raw        string
		host       string
		port       int
		user, pass string
		implicit   bool
		str        string // String()
	}{
		{raw: "smtp://mail.campus.example", host: "mail.campus.example", port: 587, str: "smtp://mail.campus.example:587"},
		{raw: "smtp://mail.campus.example:25", host: "mail.campus.example", port: 25, str: "smtp://mail.campus.example:25"},
		{raw: "SMTP://mail.campus.example:2525/", host: "mail.campus.example", port: 2525, str: "smtp://mail.campus.example:2525"},
		{raw: "smtps://mail.campus.example", host: "mail.campus.example", port: 465, implicit: true, str: "smtps://mail.campus.example:465"},
		{raw: "smtps://smtp.exmail.qq.com:465", host: "smtp.exmail.qq.com", port: 465, implicit: true, str: "smtps://smtp.exmail.qq.com:465"},
		{raw: "smtp://127.0.0.1:1025", host: "127.0.0.1", port: 1025, str: "smtp://127.0.0.1:1025"},
		{raw: "smtp://[::1]:1025", host: "::1", port: 1025, str: "smtp://[::1]:1025"},
		{raw: "smtp://[2001:db8::25]", host: "2001:db8::25", port: 587, str: "smtp://[2001:db8::25]:587"},
		{
			raw: "smtp://noreply%40campus.example:p%40ss%3Aw%2Frd@mail.campus.example:587", host: "mail.campus.example", port: 587,
			user: "noreply@campus.example", pass: "p@ss:w/rd", str: "smtp://noreply%40campus.example@mail.campus.example:587",
		},
		{
			// written unescaped: the last @ still ends the password
			raw: "smtp://campus:p@ss:w/rd?#@mail.campus.example", host: "mail.campus.example", port: 587,
			user: "campus", pass: "p@ss:w/rd?#", str: "smtp://campus@mail.campus.example:587",
		},
		{raw: "smtp://campus:%E5%AF%86%E7%A0%81@h", host: "h", port: 587, user: "campus", pass: "密码", str: "smtp://campus@h:587"},
		{raw: "smtp://@mail.campus.example", host: "mail.campus.example", port: 587, str: "smtp://mail.campus.example:587"},
	} {
		c, err := ParseURL(tc.raw)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.raw, err)
			continue
		}
		if c.Host != tc.host || c.Port != tc.port || c.User != tc.user || c.password != tc.pass || c.ImplicitTLS != tc.implicit {
			t.Errorf("ParseURL(%q) = host %q port %d user %q password %q implicit %v; want %q %d %q %q %v",
				tc.raw, c.Host, c.Port, c.User, c.password, c.ImplicitTLS, tc.host, tc.port, tc.user, tc.pass, tc.implicit)
		}
		if c.String() != tc.str {
			t.Errorf("ParseURL(%q).String() = %q, want %q", tc.raw, c.String(), tc.str)
		}
	}
}

func TestParseURLErrors(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"", "CAMPUS_SMTP_URL: is empty"},
		{"   ", "CAMPUS_SMTP_URL: is empty"},
		{"mail.campus.example:587", "CAMPUS_SMTP_URL: want smtp://"},
		{"http://mail.campus.example", "CAMPUS_SMTP_URL: scheme must be smtp or smtps"},
		{"campus:hunter22@smtp://h", "CAMPUS_SMTP_URL: scheme must be smtp or smtps"},
		{"smtp://", "CAMPUS_SMTP_URL: missing host"},
		{"smtp://:587", "CAMPUS_SMTP_URL: missing host"},
		{"smtp://campus:hunter22@", "CAMPUS_SMTP_URL: missing host"},
		{"smtp://campus:hunter22@/", "CAMPUS_SMTP_URL: missing host"},
		{"smtp://h:", "CAMPUS_SMTP_URL: empty port"},
		{"smtp://h:smtp", `CAMPUS_SMTP_URL: bad port "smtp"`},
		{"smtp://h:0", `CAMPUS_SMTP_URL: bad port "0"`},
		{"smtp://h:65536", `CAMPUS_SMTP_URL: bad port "65536"`},
		{"smtp://h:+25", `CAMPUS_SMTP_URL: bad port "+25"`},
		{"smtp://h:-1", `CAMPUS_SMTP_URL: bad port "-1"`},
		{"smtp://h:99999999999999999999", `CAMPUS_SMTP_URL: bad port "99999999999999999999"`},
		{"smtp://::1:25", `CAMPUS_SMTP_URL: host "::1": write an IPv6 address in brackets`},
		{"smtp://[::1", `CAMPUS_SMTP_URL: host "[::1": missing ]`},
		{"smtp://[mail.campus.example]", `CAMPUS_SMTP_URL: host "mail.campus.example": not an IPv6 address`},
		{"smtp://[127.0.0.1]:25", `CAMPUS_SMTP_URL: host "127.0.0.1": not an IPv6 address`},
		{"smtp://[::1]x", `CAMPUS_SMTP_URL: unexpected "x" after the host`},
		{"smtp://[::1]:", "CAMPUS_SMTP_URL: empty port"},
		{"smtp://mail campus", `CAMPUS_SMTP_URL: host "mail campus": only letters`},
		{"smtp://邮件.example", `CAMPUS_SMTP_URL: host "邮件.example": only letters`},
		{"smtp://h/path", `CAMPUS_SMTP_URL: unexpected path, query or fragment "/path"`},
		{"smtp://h?tls=no", `CAMPUS_SMTP_URL: unexpected path, query or fragment "?tls=no"`},
		{"smtp://h#x", `CAMPUS_SMTP_URL: unexpected path, query or fragment "#x"`},
		{"smtp://campus@h", `CAMPUS_SMTP_URL: user "campus" without a password`},
		{"smtp://campus:@h", `CAMPUS_SMTP_URL: user "campus" without a password`},
		{"smtp://:hunter22@h", "CAMPUS_SMTP_URL: password without a user"},
		{"smtp://campus:100%hunter@h", "CAMPUS_SMTP_URL: user or password is not URL-escaped (write % as %25)"},
		{"smtp://campus:a%00b@h", "CAMPUS_SMTP_URL: user or password contains a NUL character"},
	} {
		_, err := ParseURL(tc.raw)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("ParseURL(%q): %v; want an error starting %q", tc.raw, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "hunter") {
			t.Errorf("ParseURL(%q): error %q shows the password", tc.raw, err)
		}
	}
}

// TestConfigHidesPassword prints a Config every way a program might.
func TestConfigHidesPassword(t *testing.T) {
	c, err := ParseURL("smtps://campus:hunter22@mail.campus.example")
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "smtp", c)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "smtp", c)
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		c.String(), c.GoString(), fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c),
		fmt.Sprintf("%v %+v %#v", &c, &c, &c), logged.String(), string(js),
	} {
		if strings.Contains(s, "hunter22") {
			t.Errorf("%s shows the password", s)
		}
		if !strings.Contains(s, "mail.campus.example") {
			t.Errorf("%s does not name the server", s)
		}
	}
}

// FuzzParseURL checks that ParseURL never panics, that what it accepts
// is usable and prints back to itself without the password, and that its
// errors never show the password.
func FuzzParseURL(f *testing.F) {
	for _, seed := range []string{
		"smtp://mail.campus.example", "smtps://mail.campus.example:465", "smtp://[::1]:25",
		"smtp://u%40x:p%40ss@h:587", "smtp://u:p@ss@h", "smtp://campus:hunter22@h:x",
		"smtp://campus:hunter22@[::1", "smtp://campus:hunter22@h/p?q#f", "smtp://campus:100%@h",
		"smtp://h:0", "smtp://h:65536", "http://h", "smtp:h", "", "smtp://", "smtp://@", "smtp://:@h",
		"smtp://[fe80::1%25eth0]:25", "smtp://campus:密码@邮件.example", "smtp://a:b@c:d@e:25/",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := ParseURL(raw)
		pass := rawPassword(raw)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "CAMPUS_SMTP_URL: ") {
				t.Fatalf("error %q does not name CAMPUS_SMTP_URL", err)
			}
			if leaks(err.Error(), raw, pass) {
				t.Fatalf("ParseURL(%q): error %q shows the password %q", raw, err, pass)
			}
			return
		}
		if c.Host == "" || c.Port < 1 || c.Port > 65535 {
			t.Fatalf("ParseURL(%q) = host %q port %d", raw, c.Host, c.Port)
		}
		if (c.User == "") != (c.password == "") {
			t.Fatalf("ParseURL(%q): user %q with password set %v", raw, c.User, c.password != "")
		}
		// String has no password, and a user without one does not
		// parse, so String is read back without its user.
		if c.User != "" && !strings.Contains(c.String(), "://"+url.User(c.User).String()+"@") {
			t.Fatalf("ParseURL(%q).String() = %q does not show the user %q", raw, c.String(), c.User)
		}
		anon := c
		anon.User, anon.password = "", ""
		again, err := ParseURL(anon.String())
		if err != nil {
			t.Fatalf("%q, from ParseURL(%q), does not parse: %v", anon.String(), raw, err)
		}
		if again.Host != c.Host || again.Port != c.Port || again.ImplicitTLS != c.ImplicitTLS {
			t.Fatalf("%q, from ParseURL(%q), parses to %#v", anon.String(), raw, again)
		}
		if c.password != "" && strings.Contains(c.String(), ":"+url.PathEscape(c.password)+"@") {
			t.Fatalf("ParseURL(%q).String() = %q shows the password", raw, c.String())
		}
	})
}

// rawPassword is the password part of raw as ParseURL would cut it out,
// before unescaping, or "".
func rawPassword(raw string) string {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return ""
	}
	i := strings.LastIndexByte(rest, '@')
	if i < 0 {
		return ""
	}
	_, pass, _ := strings.Cut(rest[:i], ":")
	return pass
}

// quoteEscape is an escape that %q writes.
var quoteEscape = regexp.MustCompile(`\\(x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8}|.)`)

// leaks reports whether msg shows pass (raw or unescaped), in a way that
// cannot be a coincidence: the error's fixed words and the quoted parts
// of raw outside its user and password are not counted.
func leaks(msg, raw, pass string) bool {
	const fixed = "CAMPUS_SMTP_URL: is empty; want smtp://[user:password@]host[:port] or smtps://... scheme must be smtp or smtps " +
		"unexpected path, query or fragment user or password is not URL-escaped (write % as %25) contains a NUL character " +
		"password without a user without a password host missing ] not an IPv6 address unexpected after the host empty port after : " +
		"write an IPv6 address in brackets missing host bad port ; want 1 to 65535 only letters, digits, - and . (write a non-ASCII name in its xn-- form)"
	outside := strings.Replace(raw, pass, "", 1)
	if at := strings.LastIndexByte(raw, '@'); at >= 0 {
		outside = raw[at+1:]
	}
	// What %q escaped could look like anything: it is counted as a quote.
	msg = quoteEscape.ReplaceAllString(msg, `"`)
	candidates := []string{pass}
	if u, err := url.PathUnescape(pass); err == nil {
		candidates = append(candidates, u)
	}
	for _, p := range candidates {
		if p == "" || strings.ContainsAny(p, "\"\\") || strings.Contains(fixed, p) || strings.Contains(outside, p) {
			continue // cannot tell a leak from a coincidence
		}
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

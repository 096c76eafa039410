package mail

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Default ports: submission with STARTTLS (RFC 6409) for smtp://, and
// submission over implicit TLS (RFC 8314) for smtps://. Port 25 is for
// servers relaying to each other, and often blocked for the rest.
const (
	DefaultPort    = 587
	DefaultTLSPort = 465
)

// DefaultTimeout bounds the connection and each SMTP command when
// Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// urlEnv names the setting that ParseURL reads, in its errors.
const urlEnv = "CAMPUS_SMTP_URL"

// Config says how to reach an SMTP server. Its password is set only by
// ParseURL and is never printed: String, GoString, LogValue and errors
// show the server without it.
type Config struct {
	Host string
	Port int
	// User, when set, signs in with SMTP AUTH (PLAIN or LOGIN, which
	// refuse to send the password unencrypted to any host but loopback).
	User     string
	password string
	// ImplicitTLS is smtps://: TLS from the first byte. Without it the
	// client switches to TLS with STARTTLS whenever the server offers it,
	// and fails (never falls back to plain text) if that goes wrong.
	ImplicitTLS bool
	// RootCAs verifies the server's certificate; nil means the system's
	// roots. Tests set it to trust their own server.
	RootCAs *x509.CertPool
	// Timeout bounds connecting and each command; zero is DefaultTimeout.
	Timeout time.Duration
}

// ParseURL reads CAMPUS_SMTP_URL:
//
//	smtp://[user:password@]host[:port]    STARTTLS when offered; port 587 by default
//	smtps://[user:password@]host[:port]   implicit TLS; port 465 by default
//
// User and password are URL-escaped ("p%40ss" for "p@ss"). An IPv6 host
// is written in brackets. No path, query or fragment is allowed. Errors
// name CAMPUS_SMTP_URL and what is wrong, never the password.
func ParseURL(raw string) (Config, error) {
	var c Config
	if strings.TrimSpace(raw) == "" {
		return c, urlError("is empty; want smtp://[user:password@]host[:port]")
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return c, urlError("want smtp://[user:password@]host[:port] or smtps://...")
	}
	switch strings.ToLower(scheme) {
	case "smtp":
		c.Port = DefaultPort
	case "smtps":
		c.Port, c.ImplicitTLS = DefaultTLSPort, true
	default:
		// The scheme is not quoted: a URL written the wrong way round
		// could hold the password there.
		return c, urlError("scheme must be smtp or smtps")
	}
	// The last @ ends the user and password, so that one written
	// unescaped (with @, /, ? or #) still lands there and is not
	// mistaken for a host or a path and shown in an error.
	hostport := rest
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		if err := c.setUser(rest[:i]); err != nil {
			return Config{}, err
		}
		hostport = rest[i+1:]
	}
	if i := strings.IndexAny(hostport, "/?#"); i >= 0 {
		if tail := hostport[i:]; tail != "/" {
			return Config{}, urlError(fmt.Sprintf("unexpected path, query or fragment %q", tail))
		}
		hostport = hostport[:i]
	}
	if err := c.setHostPort(hostport); err != nil {
		return Config{}, err
	}
	return c, nil
}

// setUser sets the user and password from the URL's userinfo.
func (c *Config) setUser(userinfo string) error {
	rawUser, rawPass, hasPass := strings.Cut(userinfo, ":")
	user, err1 := url.PathUnescape(rawUser)
	pass, err2 := url.PathUnescape(rawPass)
	switch {
	case err1 != nil || err2 != nil:
		return urlError("user or password is not URL-escaped (write % as %25)")
	case strings.ContainsRune(user, 0) || strings.ContainsRune(pass, 0):
		return urlError("user or password contains a NUL character")
	case user == "" && pass != "":
		return urlError("password without a user")
	case user != "" && (!hasPass || pass == ""):
		return urlError(fmt.Sprintf("user %q without a password", user))
	}
	c.User, c.password = user, pass
	return nil
}

// setHostPort sets the host and, when given, the port.
func (c *Config) setHostPort(hostport string) error {
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return urlError(fmt.Sprintf("host %q: missing ]", hostport))
		}
		host = hostport[1:end]
		if ip := net.ParseIP(host); ip == nil || !strings.Contains(host, ":") {
			return urlError(fmt.Sprintf("host %q: not an IPv6 address", host))
		}
		after := hostport[end+1:]
		if after != "" {
			if after[0] != ':' {
				return urlError(fmt.Sprintf("unexpected %q after the host", after))
			}
			port = after[1:]
			if port == "" {
				return urlError("empty port after :")
			}
		}
	} else {
		if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
			host, port = hostport[:i], hostport[i+1:]
			if strings.Contains(host, ":") {
				return urlError(fmt.Sprintf("host %q: write an IPv6 address in brackets", host))
			}
			if port == "" {
				return urlError("empty port after :")
			}
		}
		if host == "" {
			return urlError("missing host")
		}
		if err := checkHostname(host); err != nil {
			return err
		}
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '+' || port[0] == '-' {
			return urlError(fmt.Sprintf("bad port %q; want 1 to 65535", port))
		}
		c.Port = n
	}
	c.Host = host
	return nil
}

// checkHostname accepts a DNS name or IPv4 address in ASCII.
func checkHostname(host string) error {
	for _, r := range host {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_'
		if !ok {
			return urlError(fmt.Sprintf("host %q: only letters, digits, - and . (write a non-ASCII name in its xn-- form)", host))
		}
	}
	return nil
}

func urlError(what string) error {
	return errors.New(urlEnv + ": " + what)
}

// check says what makes a hand-made Config unusable.
func (c Config) check() error {
	switch {
	case c.Host == "":
		return errors.New("mail: config: missing host")
	case c.Port < 1 || c.Port > 65535:
		return fmt.Errorf("mail: config: port %d not in 1 to 65535", c.Port)
	case c.Timeout < 0:
		return fmt.Errorf("mail: config: negative timeout %v", c.Timeout)
	}
	return nil
}

// addr is host:port to dial.
func (c Config) addr() string {
	return net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

// String is the server as a URL, with the user and without the password.
func (c Config) String() string {
	u := url.URL{Scheme: "smtp", Host: c.addr()}
	if c.ImplicitTLS {
		u.Scheme = "smtps"
	}
	if c.User != "" {
		u.User = url.User(c.User)
	}
	return u.String()
}

// GoString is String, for %#v, which would otherwise print the password.
func (c Config) GoString() string {
	return "mail.Config(" + strconv.Quote(c.String()) + ")"
}

// LogValue is String, for slog.
func (c Config) LogValue() slog.Value {
	return slog.StringValue(c.String())
}

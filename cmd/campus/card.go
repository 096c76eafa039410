package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/campusnav/engine/services/card"
)

// runCard dispatches the card subcommands: the reference client of the
// campus card's offline codes.
func runCard(e *env, args []string) int {
	if len(args) == 0 {
		return e.fail("card", usagef("want a subcommand: device or code"))
	}
	var err error
	switch args[0] {
	case "device":
		err = e.cardDevice(args[1:])
	case "code":
		err = e.cardCode(args[1:])
	default:
		err = usagef("unknown subcommand %q (want device or code)", args[0])
	}
	if err != nil {
		return e.fail("card "+args[0], err)
	}
	return exitOK
}

// cardFlags is the flag set of a card subcommand, with --device-key.
func cardFlags(name string, keyFile *string) *pflag.FlagSet {
	fs := pflag.NewFlagSet("card "+name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(keyFile, "device-key", "", "the device's key file (JSON; made by card device if missing)")
	return fs
}

// parseCard parses args, wanting no positional argument and --device-key.
func parseCard(fs *pflag.FlagSet, args []string, keyFile *string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return usagef("help requested")
		}
		return usagef("%v", err)
	}
	if fs.NArg() != 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *keyFile == "" {
		return usagef("--device-key FILE is required")
	}
	return nil
}

// deviceAnswer is what POST /api/v1/card/devices answers (201).
type deviceAnswer struct {
	DeviceID    int64  `json:"device_id"`
	Certificate string `json:"certificate"`
	ExpiresAt   string `json:"expires_at"`
}

// deviceJSON is what card device prints.
type deviceJSON struct {
	DeviceID  int64  `json:"device_id"`
	CardID    int64  `json:"card_id"`
	ExpiresAt string `json:"expires_at"`
	DeviceKey string `json:"device_key"`
}

// cardDevice registers the device key (made if missing) with the server
// and keeps the certificate it answers.
func (e *env) cardDevice(args []string) error {
	var keyFile, server, token string
	fs := cardFlags("device", &keyFile)
	fs.StringVar(&server, "server", os.Getenv("CAMPUS_SERVER"), "the campus server's address (default $CAMPUS_SERVER)")
	fs.StringVar(&token, "token", "", "a signed-in card holder's bearer token (default $CAMPUS_TOKEN)")
	if err := parseCard(fs, args, &keyFile); err != nil {
		return err
	}
	if token == "" {
		token = os.Getenv("CAMPUS_TOKEN")
	}
	if token == "" {
		return usagef("--token TOKEN (or $CAMPUS_TOKEN) is required: the bearer token of the card holder signed in")
	}
	endpoint, err := devicesURL(server)
	if err != nil {
		return err
	}
	if endpoint.Scheme == "http" && !loopback(endpoint.Hostname()) {
		fmt.Fprintf(e.stderr, "campus card device: warning: %s is plain http: the token crosses the network unencrypted\n", server)
	}

	k, missing, err := readDeviceKey(keyFile)
	if err != nil {
		return err
	}
	if missing {
		if k, err = newDeviceKey(keyFile); err != nil {
			return err
		}
		// Kept before the server is asked, so that a failed request does
		// not lose the key.
		if err := k.write(); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "campus card device: made a new device key in %s\n", keyFile)
	} else if w := openToOthers(keyFile); w != "" {
		fmt.Fprintf(e.stderr, "campus card device: warning: %s\n", w)
	}

	ans, err := register(endpoint.String(), token, k.public())
	if err != nil {
		return err
	}
	cert, err := base64.RawURLEncoding.Strict().DecodeString(ans.Certificate)
	if err != nil {
		return fmt.Errorf("%s answered a certificate that is not base64url without padding: %v", endpoint, err)
	}
	c, err := card.ParseCertificate(cert)
	if err != nil {
		return fmt.Errorf("%s answered a certificate that does not parse: %v", endpoint, err)
	}
	switch {
	case !bytes.Equal(c.Public, k.public()):
		return fmt.Errorf("%s certified another key than this device's (certificate bytes 22-53)", endpoint)
	case c.Device != ans.DeviceID:
		return fmt.Errorf("%s answered device_id %d, but its certificate names device %d", endpoint, ans.DeviceID, c.Device)
	}
	k.setCertificate(cert, c.Device, c.NotAfter)
	if err := k.write(); err != nil {
		return err
	}
	return e.writeJSON(deviceJSON{DeviceID: c.Device, CardID: c.Card, ExpiresAt: c.NotAfter.Format(time.RFC3339), DeviceKey: keyFile})
}

// devicesURL is the devices endpoint of server.
func devicesURL(server string) (*url.URL, error) {
	if server == "" {
		return nil, usagef("--server URL (or $CAMPUS_SERVER) is required: the campus server, e.g. https://campus.example.edu")
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--server: %q is not an http or https URL", server)
	}
	return u.JoinPath("api/v1/card/devices"), nil
}

// loopback reports whether host is this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// register posts the public key and reads the 201 answer.
func register(endpoint, token string, pub []byte) (*deviceAnswer, error) {
	body, _ := json.Marshal(map[string]string{"public_key": base64.RawURLEncoding.EncodeToString(pub)})
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	// The same key registered again is the same request: a retry after a
	// lost answer gets the first answer back.
	h := sha256.Sum256(pub)
	req.Header.Set("Idempotency-Key", "card-device-"+hex.EncodeToString(h[:16]))
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("registering the device: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("registering the device: reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("registering the device: %s answered %s%s", endpoint, resp.Status, problemText(b))
	}
	var ans deviceAnswer
	if err := json.Unmarshal(b, &ans); err != nil {
		return nil, fmt.Errorf("registering the device: %s answered 201 but not the JSON expected: %v", endpoint, err)
	}
	return &ans, nil
}

// problemText is ": title: detail" of an RFC 9457 problem, or "".
func problemText(b []byte) string {
	var p struct{ Title, Detail string }
	if json.Unmarshal(b, &p) != nil {
		return ""
	}
	var s string
	for _, part := range []string{p.Title, p.Detail} {
		if part != "" {
			s += ": " + part
		}
	}
	return s
}

// codeJSON is what card code prints, as GET /api/v1/card/code answers.
type codeJSON struct {
	Code          string `json:"code"`
	ExpiresAt     string `json:"expires_at"`
	RefreshAfterS int    `json:"refresh_after_s"`
}

// cardCode makes a device code from the key file, offline.
func (e *env) cardCode(args []string) error {
	var keyFile, at string
	fs := cardFlags("code", &keyFile)
	fs.StringVar(&at, "at", "", "make the code for this time (RFC 3339; default now)")
	if err := parseCard(fs, args, &keyFile); err != nil {
		return err
	}
	now := time.Now()
	if at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return usagef("--at: %q is not an RFC 3339 time (2026-03-02T08:00:00+08:00)", at)
		}
		now = t
	}
	k, missing, err := readDeviceKey(keyFile)
	switch {
	case err != nil:
		return err
	case missing:
		return fmt.Errorf("%s: no such file: run campus card device --server URL --token TOKEN --device-key %s first", keyFile, keyFile)
	case k.cert == nil:
		return fmt.Errorf("%s: no certificate yet: run campus card device --server URL --token TOKEN --device-key %s", keyFile, keyFile)
	}
	if w := openToOthers(keyFile); w != "" {
		fmt.Fprintf(e.stderr, "campus card code: warning: %s\n", w)
	}
	nonce, err := card.Nonce()
	if err != nil {
		return err
	}
	step := card.StepOf(now)
	code, err := card.DeviceCode(k.cert, k.priv, step, nonce)
	if errors.Is(err, card.ErrExpired) {
		return fmt.Errorf("%s: the certificate expired: run campus card device --server URL --token TOKEN --device-key %s to renew it (%v)", keyFile, keyFile, err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", keyFile, err)
	}
	if c, err := card.ParseCertificate(k.cert); err == nil && c.NotAfter.Sub(now) < 24*time.Hour {
		fmt.Fprintf(e.stderr, "campus card code: the certificate expires at %s: renew it with campus card device\n", c.NotAfter.Format(time.RFC3339))
	}
	return e.writeJSON(codeJSON{Code: code, ExpiresAt: card.ExpiresAt(step).Format(time.RFC3339), RefreshAfterS: card.RefreshAfter(now)})
}

package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/card"
)

// simClient speaks to the server for the simulated people and readers,
// at most --concurrency requests at once, and counts what it sends and
// what comes back.
type simClient struct {
	base  string
	hc    *http.Client
	slots chan struct{}
	stats *simStats
}

func newSimClient(base string, concurrency int, stats *simStats) *simClient {
	tr := &http.Transport{MaxIdleConns: concurrency, MaxIdleConnsPerHost: concurrency, MaxConnsPerHost: concurrency,
		IdleConnTimeout: 90 * time.Second}
	return &simClient{base: strings.TrimRight(base, "/"), hc: &http.Client{Transport: tr, Timeout: 30 * time.Second},
		slots: make(chan struct{}, concurrency), stats: stats}
}

// statusError is an answer other than 2xx.
type statusError struct {
	what   string
	status int
	body   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s: %d %s", e.what, e.status, strings.TrimSpace(e.body))
}

// simAnswer is an answer as a simulator reads it: its status, headers
// and body (up to 1 MiB), and the round trip's time from the request's
// sending (once a slot is free) to its answer read.
type simAnswer struct {
	Status int
	Header http.Header
	Body   []byte
	Took   time.Duration
	// Sent: the request went out (it may have got no answer); false when
	// ctx ended while it waited for a slot.
	Sent bool
}

// send sends one request with a body (nil: none; JSON), a bearer token
// (empty: none) and an Idempotency-Key (empty: none), plus any header,
// at most --concurrency at once. The error is only for an answer that
// never came.
func (c *simClient) send(ctx context.Context, method, path, token, key string, body []byte, header http.Header) (simAnswer, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return simAnswer{}, fmt.Errorf("--server: %w", err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return simAnswer{}, ctx.Err()
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	a := simAnswer{Sent: true}
	if err == nil {
		a.Status, a.Header = resp.StatusCode, resp.Header
		a.Body, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}
	a.Took = time.Since(start)
	<-c.slots
	if err != nil {
		return a, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return a, nil
}

// call sends one request (what names it in the counts: "check", "code",
// ...) with a JSON body (nil: none) and a bearer token, and decodes a
// 2xx answer into out. It answers the round trip's time, from the
// request's sending (once a slot is free) to its answer read.
func (c *simClient) call(ctx context.Context, what, method, path, token string, body, out any) (time.Duration, error) {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return 0, err
		}
	}
	a, err := c.send(ctx, method, path, token, "", b, nil)
	if err != nil {
		if a.Sent && ctx.Err() == nil {
			c.stats.failed(what, 0, err.Error())
		}
		return a.Took, err
	}
	if a.Status/100 != 2 {
		c.stats.failed(what, a.Status, string(a.Body))
		return a.Took, &statusError{what: method + " " + path, status: a.Status, body: string(a.Body)}
	}
	c.stats.sent(what)
	if out != nil {
		if err := json.Unmarshal(a.Body, out); err != nil {
			return a.Took, fmt.Errorf("%s %s: the answer is not what was expected: %w", method, path, err)
		}
	}
	return a.Took, nil
}

// code fetches a server-signed code for the holder of token.
func (c *simClient) code(ctx context.Context, token string) (string, error) {
	var a access.Code
	_, err := c.call(ctx, "code", http.MethodGet, "/api/v1/card/code", token, nil, &a)
	return a.Code, err
}

// check presents a credential at a reader with the reader's token.
func (c *simClient) check(ctx context.Context, readerToken string, chk access.Check) (access.Result, time.Duration, error) {
	var res access.Result
	took, err := c.call(ctx, "check", http.MethodPost, "/api/v1/access/check", readerToken, chk, &res)
	return res, took, err
}

// capture reports a screenshot taken while the code was shown.
func (c *simClient) capture(ctx context.Context, token string) error {
	_, err := c.call(ctx, "capture", http.MethodPost, "/api/v1/card/capture", token, map[string]string{"kind": access.CaptureShot}, nil)
	return err
}

// unfreeze is the service desk unfreezing a card.
func (c *simClient) unfreeze(ctx context.Context, adminToken string, cardID int64) error {
	_, err := c.call(ctx, "unfreeze", http.MethodPost, fmt.Sprintf("/api/v1/admin/cards/%d/unfreeze", cardID), adminToken, nil, nil)
	return err
}

// simDevice is a phone that signs its own codes: its key and the
// certificate the server gave it.
type simDevice struct {
	priv ed25519.PrivateKey
	cert []byte
}

// register makes a new key for the holder of token's phone and has the
// server certify it (POST /card/devices).
func (c *simClient) register(ctx context.Context, token string) (*simDevice, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	var a access.Registered
	body := map[string]string{"public_key": base64.RawURLEncoding.EncodeToString(pub)}
	if _, err := c.call(ctx, "devices", http.MethodPost, "/api/v1/card/devices", token, body, &a); err != nil {
		return nil, err
	}
	cert, err := base64.RawURLEncoding.DecodeString(a.Certificate)
	if err != nil {
		return nil, fmt.Errorf("POST /api/v1/card/devices: the certificate is not base64url: %w", err)
	}
	return &simDevice{priv: priv, cert: cert}, nil
}

// code is a code the phone signs at now, as offline.
func (d *simDevice) code(now time.Time) (string, error) {
	nonce, err := card.Nonce()
	if err != nil {
		return "", err
	}
	return card.DeviceCode(d.cert, d.priv, card.StepOf(now), nonce)
}

// reachable asks the server for its card keys: an error if it cannot be
// reached or has no campus card.
func (c *simClient) reachable(ctx context.Context) error {
	_, err := c.call(ctx, "keys", http.MethodGet, "/api/v1/card/keys", "", nil, nil)
	var se *statusError
	switch {
	case errors.As(err, &se) && se.status == http.StatusNotFound:
		return fmt.Errorf("--server %s has no campus card (GET /api/v1/card/keys: 404)", c.base)
	case err != nil:
		return fmt.Errorf("--server %s cannot be reached: %w", c.base, err)
	}
	return nil
}

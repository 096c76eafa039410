package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/card"
)

// fakeCampus is a server that certifies device keys with the card package,
// as POST /api/v1/card/devices does, for card 42.
type fakeCampus struct {
	*httptest.Server
	key  card.SigningKey
	now  time.Time
	mu   sync.Mutex
	seen []string // public keys registered, base64url
	next int64
}

func newFakeCampus(t *testing.T) *fakeCampus {
	t.Helper()
	k, err := card.NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeCampus{key: k, now: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), next: 100}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeCampus) serve(w http.ResponseWriter, r *http.Request) {
	problem := func(status int, detail string) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"title": http.StatusText(status), "detail": detail})
	}
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/api/v1/card/devices":
		problem(http.StatusNotFound, r.Method+" "+r.URL.Path)
		return
	case r.Header.Get("Authorization") != "Bearer good-token":
		problem(http.StatusUnauthorized, "sign in first")
		return
	case r.Header.Get("Content-Type") != "application/json":
		problem(http.StatusUnsupportedMediaType, "want JSON")
		return
	}
	var body struct {
		PublicKey string `json:"public_key"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		problem(http.StatusBadRequest, err.Error())
		return
	}
	pub, err := base64.RawURLEncoding.Strict().DecodeString(body.PublicKey)
	if err == nil {
		err = card.CheckDeviceKey(pub)
	}
	if err != nil {
		problem(http.StatusUnprocessableEntity, "public_key: "+err.Error())
		return
	}
	f.mu.Lock()
	f.seen = append(f.seen, body.PublicKey)
	f.next++
	dev := f.next
	f.mu.Unlock()
	notAfter := f.now.Add(card.CertificateLifetime)
	cert := f.key.Certify(card.Certificate{Card: 42, Device: dev, Public: pub, NotAfter: notAfter})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{"device_id": dev, "certificate": base64.RawURLEncoding.EncodeToString(cert), "expires_at": notAfter.Format(time.RFC3339)})
}

func TestCardDeviceAndCode(t *testing.T) {
	srv := newFakeCampus(t)
	file := filepath.Join(t.TempDir(), "phone.json")

	code, out, errs := campusRun(t, "card", "device", "--server", srv.URL, "--token", "good-token", "--device-key", file)
	if code != exitOK {
		t.Fatalf("card device: exit %d\n%s%s", code, out, errs)
	}
	var dev deviceJSON
	if err := json.Unmarshal([]byte(out), &dev); err != nil {
		t.Fatalf("card device printed %q: %v", out, err)
	}
	if dev.DeviceID != 101 || dev.CardID != 42 || dev.ExpiresAt != "2026-03-09T08:00:00Z" {
		t.Errorf("card device printed %+v", dev)
	}
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", st.Mode().Perm())
	}
	var kf map[string]any
	b, _ := os.ReadFile(file)
	if err := json.Unmarshal(b, &kf); err != nil {
		t.Fatalf("key file: %v\n%s", err, b)
	}
	seed, _ := base64.RawURLEncoding.DecodeString(kf["private_key"].(string))
	if len(seed) != 32 || kf["device_id"] != float64(101) || kf["expires_at"] != "2026-03-09T08:00:00Z" || kf["certificate"] == nil {
		t.Errorf("key file %s", b)
	}
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	if srv.seen[0] != base64.RawURLEncoding.EncodeToString(pub) {
		t.Errorf("registered %s, but the file's key is %x", srv.seen[0], pub)
	}

	// Again: the same key, a new certificate.
	if code, _, errs := campusRun(t, "card", "device", "--server", srv.URL, "--token", "good-token", "--device-key", file); code != exitOK {
		t.Fatalf("card device again: %d %s", code, errs)
	}
	if len(srv.seen) != 2 || srv.seen[1] != srv.seen[0] {
		t.Errorf("the second registration sent %v, want the same key twice", srv.seen)
	}

	// A code, offline, that the server's keys verify.
	at := "2026-03-02T16:00:10+08:00"
	code, out, errs = campusRun(t, "card", "code", "--device-key", file, "--at", at)
	if code != exitOK {
		t.Fatalf("card code: exit %d\n%s", code, errs)
	}
	var c codeJSON
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("card code printed %q: %v", out, err)
	}
	now, _ := time.Parse(time.RFC3339, at)
	claims, err := card.NewVerifier([]card.PublicKey{srv.key.Public()}).Verify(c.Code, now)
	if err != nil || claims.Card != 42 || claims.Device != 102 || claims.Step != card.StepOf(now) {
		t.Errorf("the code verifies as %+v, %v", claims, err)
	}
	if c.ExpiresAt != "2026-03-02T08:01:05Z" || c.RefreshAfterS != 20 {
		t.Errorf("expires_at %s, refresh_after_s %d; want 2026-03-02T08:01:05Z, 20", c.ExpiresAt, c.RefreshAfterS)
	}
	// Nonces differ from code to code.
	_, out2, _ := campusRun(t, "card", "code", "--device-key", file, "--at", at)
	if out2 == out {
		t.Error("two codes of one step are the same")
	}
	// The certificate expired: no code, and how to renew.
	code, _, errs = campusRun(t, "card", "code", "--device-key", file, "--at", "2026-03-10T08:00:00Z")
	if code != exitFail || !strings.Contains(errs, "expired") || !strings.Contains(errs, "campus card device") {
		t.Errorf("expired certificate: exit %d, %q", code, errs)
	}
	if _, _, errs := campusRun(t, "card", "code", "--device-key", file, "--at", "2026-03-08T09:00:00Z"); !strings.Contains(errs, "expires at") {
		t.Errorf("a day before expiry, no warning: %q", errs)
	}
}

func TestCardDeviceRefusals(t *testing.T) {
	srv := newFakeCampus(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "phone.json")

	code, _, errs := campusRun(t, "card", "device", "--server", srv.URL, "--token", "bad", "--device-key", file)
	if code != exitFail || !strings.Contains(errs, "401") || !strings.Contains(errs, "sign in first") {
		t.Errorf("wrong token: exit %d, %q", code, errs)
	}
	// The key was kept, with no certificate.
	b, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(b), `"certificate": null`) {
		t.Errorf("after a refused registration the file is %s (%v)", b, err)
	}
	if code, _, errs := campusRun(t, "card", "code", "--device-key", file); code != exitFail || !strings.Contains(errs, "no certificate") {
		t.Errorf("code before registering: exit %d, %q", code, errs)
	}

	// A server that certifies another key.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, priv, _ := ed25519.GenerateKey(nil)
		cert := srv.key.Certify(card.Certificate{Card: 1, Device: 5, Public: priv.Public().(ed25519.PublicKey), NotAfter: time.Now().Add(time.Hour)})
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"device_id": 5, "certificate": base64.RawURLEncoding.EncodeToString(cert), "expires_at": "x"})
	}))
	defer other.Close()
	if code, _, errs := campusRun(t, "card", "device", "--server", other.URL, "--token", "t", "--device-key", file); code != exitFail || !strings.Contains(errs, "another key") {
		t.Errorf("a certificate of another key: exit %d, %q", code, errs)
	}

	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"no key file flag": {[]string{"card", "code"}, "--device-key"},
		"no server":        {[]string{"card", "device", "--token", "t", "--device-key", file}, "--server"},
		"not a URL":        {[]string{"card", "device", "--server", "ftp://x", "--token", "t", "--device-key", file}, "http"},
		"no token":         {[]string{"card", "device", "--server", srv.URL, "--device-key", file}, "--token"},
		"bad --at":         {[]string{"card", "code", "--device-key", file, "--at", "tomorrow"}, "RFC 3339"},
		"no subcommand":    {[]string{"card"}, "device or code"},
		"unknown":          {[]string{"card", "print"}, "device or code"},
		"stray argument":   {[]string{"card", "code", "x", "--device-key", file}, "unexpected"},
	} {
		t.Setenv("CAMPUS_SERVER", "")
		t.Setenv("CAMPUS_TOKEN", "")
		code, _, errs := campusRun(t, c.args...)
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, %q; want 2 and %q", name, code, errs, c.want)
		}
	}

	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"private_key": "short"}`), 0o600)
	if code, _, errs := campusRun(t, "card", "code", "--device-key", bad); code != exitFail || !strings.Contains(errs, "bad.json") || !strings.Contains(errs, "private_key") {
		t.Errorf("a bad key file: exit %d, %q", code, errs)
	}
	if code, _, errs := campusRun(t, "card", "code", "--device-key", filepath.Join(dir, "none.json")); code != exitFail || !strings.Contains(errs, "no such file") {
		t.Errorf("a missing key file: exit %d, %q", code, errs)
	}
}

// TestCardTokenFromEnvironment: the token may come from $CAMPUS_TOKEN
// (kept out of the process list), the server from $CAMPUS_SERVER.
func TestCardTokenFromEnvironment(t *testing.T) {
	srv := newFakeCampus(t)
	t.Setenv("CAMPUS_SERVER", srv.URL+"/")
	t.Setenv("CAMPUS_TOKEN", "good-token")
	file := filepath.Join(t.TempDir(), "k.json")
	if code, out, errs := campusRun(t, "card", "device", "--device-key", file); code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	os.Chmod(file, 0o644)
	if _, _, errs := campusRun(t, "card", "code", "--device-key", file); !strings.Contains(errs, "chmod 600") {
		t.Errorf("a key file others may read: no warning: %q", errs)
	}
}

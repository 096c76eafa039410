package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/auth/oidctest"
	"github.com/campusnav/engine/services/postgres"
	"github.com/campusnav/engine/services/postgres/pgtest"
)

// TestReplicas runs two real campusd processes on one PostgreSQL
// database, as two replicas behind a load balancer would be, and sends
// the second half of each sign-in to the other one: a phone code asked
// for on A verifies on B (and not again on A); a single sign-on begun on
// A finishes on B (and not again on A); five wrong passwords, alternately
// on A and B, lock the account on both.
func TestReplicas(t *testing.T) {
	dbURL := os.Getenv("CAMPUS_TEST_DATABASE_URL")
	if dbURL == "" {
		t.Skip("set CAMPUS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run two campusd replicas on one PostgreSQL")
	}
	if testing.Short() {
		t.Skip("builds and runs two servers")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "campusd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	schemaURL := pgtest.SchemaOf(t, dbURL)
	db, err := postgres.Open(t.Context(), schemaURL)
	if err != nil {
		t.Fatal(err)
	}
	const email, password = "pat@hkust-gz.edu.cn", "correct horse battery"
	_, err = auth.New(db, auth.Options{}).AddUser(t.Context(), email, password, auth.Staff)
	if err != nil {
		t.Fatal(err)
	}
	if _, err = auth.New(db, auth.Options{}).AddUser(t.Context(), "kim@connect.hkust-gz.edu.cn", password, auth.Student); err != nil {
		t.Fatal(err)
	}
	// Two gate turnstiles with their readers' tokens.
	v, err := geo.Load(venue)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := access.New(db, v, nil, access.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var gates []*geo.Reader
	tokens := map[string]string{}
	for _, r := range v.Readers {
		if r.Kind == geo.ReaderGate && len(gates) < 2 {
			tok, err := acc.NewReaderToken(t.Context(), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			gates, tokens[r.ID] = append(gates, r), tok
		}
	}
	acc.Close()
	db.Close()
	op := oidctest.New(t, time.Now)
	env := []string{
		"CAMPUS_DATABASE_URL=" + schemaURL,
		"CAMPUS_OIDC_ISSUER=" + op.URL(), "CAMPUS_OIDC_CLIENT_ID=campus", "CAMPUS_OIDC_CLIENT_SECRET=" + op.Secret,
		"CAMPUS_OIDC_REDIRECT_URL=https://campus.example/api/v1/auth/oidc/callback",
	}
	// Both start at once on the fresh schema: one migrates, the other
	// waits for it.
	a, b := startReplica(t, "A", bin, env), startReplica(t, "B", bin, env)
	a.wait(t)
	b.wait(t)

	t.Run("phone code asked on A verifies on B", func(t *testing.T) {
		const phone = "+8613800000042"
		code, body := do(t, "POST", a.base+"/api/v1/auth/phone/start", "", `{"phone":"138 0000 0042"}`)
		if code != 202 {
			t.Fatalf("start on A: %d %s", code, body)
		}
		sent := sentCode(t, phone, a, b) // the outbox: whichever replica works the job sends it
		code, body = do(t, "POST", b.base+"/api/v1/auth/phone/verify", "", fmt.Sprintf(`{"phone":%q,"code":%q}`, phone, sent))
		var sess struct{ Token, Role string }
		json.Unmarshal(body, &sess)
		if code != 200 || sess.Role != "visitor" || sess.Token == "" {
			t.Fatalf("verify on B: %d %s", code, body)
		}
		if code, body := do(t, "GET", a.base+"/api/v1/me", sess.Token, ""); code != 200 || !bytes.Contains(body, []byte(`"tel:`+phone+`"`)) {
			t.Errorf("the session made on B, on A: %d %s", code, body)
		}
		if code, body := do(t, "POST", a.base+"/api/v1/auth/phone/verify", "", fmt.Sprintf(`{"phone":%q,"code":%q}`, phone, sent)); code != 401 {
			t.Errorf("the code used on B, again on A: %d %s, want 401", code, body)
		}
	})

	t.Run("single sign-on begun on A finishes on B", func(t *testing.T) {
		resp, err := noRedirects.Get(a.base + "/api/v1/auth/oidc/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode != 302 {
			t.Fatalf("login on A: %d", resp.StatusCode)
		}
		code, state := oidctest.Authorize(t, loc)
		callback := "/api/v1/auth/oidc/callback?code=" + url.QueryEscape(code) + "&state=" + url.QueryEscape(state)
		got, body := do(t, "GET", b.base+callback, "", "")
		if got != 200 || !bytes.Contains(body, []byte(`"role":"staff"`)) {
			t.Fatalf("callback on B: %d %s", got, body)
		}
		if got, body := do(t, "GET", a.base+callback, "", ""); got != 401 {
			t.Errorf("the same callback again, on A: %d %s, want 401", got, body)
		}
	})

	t.Run("a card code made on A opens a reader on B, once", func(t *testing.T) {
		kim := login(t, a.base, "kim@connect.hkust-gz.edu.cn", password)
		code, body := do(t, "GET", a.base+"/api/v1/card/code", kim, "")
		var c struct{ Code string }
		if json.Unmarshal(body, &c); code != 200 || c.Code == "" {
			t.Fatalf("code on A: %d %s", code, body)
		}
		check := func(r *replica, g *geo.Reader) string {
			code, body := do(t, "POST", r.base+"/api/v1/access/check", tokens[g.ID], fmt.Sprintf(`{"reader":%q,"code":%q}`, g.ID, c.Code))
			var d struct{ Reason string }
			if json.Unmarshal(body, &d); code != 200 {
				t.Fatalf("check on %s: %d %s", r.name, code, body)
			}
			return d.Reason
		}
		if got := check(b, gates[0]); got != "ok" {
			t.Fatalf("the code at a reader asking B: %s, want ok", got)
		}
		if got := check(a, gates[1]); got != "replayed" {
			t.Errorf("the same code at another reader asking A: %s, want replayed", got)
		}
		if code, body := do(t, "GET", b.base+"/api/v1/card", kim, ""); code != 200 || !bytes.Contains(body, []byte(`"status":"frozen"`)) {
			t.Errorf("the card on B: %d %s, want frozen", code, body)
		}
	})

	t.Run("five wrong passwords across A and B lock the account", func(t *testing.T) {
		body := fmt.Sprintf(`{"email":%q,"password":"wrong password"}`, email)
		for i := range 5 {
			r := []*replica{a, b}[i%2]
			if code, got := do(t, "POST", r.base+"/api/v1/auth/login", "", body); code != 401 {
				t.Fatalf("wrong password %d, on %s: %d %s, want 401", i+1, r.name, code, got)
			}
		}
		right := fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)
		for _, r := range []*replica{b, a} {
			if code, got := do(t, "POST", r.base+"/api/v1/auth/login", "", right); code != 429 {
				t.Errorf("the right password on %s after five wrong ones across both: %d %s, want 429", r.name, code, got)
			}
		}
	})
}

// noRedirects is a client that answers redirects instead of following
// them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// replica is a campusd process started by a test.
type replica struct {
	name      string
	base      string // http://host:port, once it listens
	listening chan string
	codes     chan logLine // the sign-in codes it logged

	mu  sync.Mutex
	log bytes.Buffer // all it logged, for failures
}

// logLine is what the tests read of a line campusd logs.
type logLine struct{ Msg, Addr, Phone, Code string }

// startReplica starts bin on a free loopback port with the environment
// env (and nothing of the test's own CAMPUS_ variables), killed when the
// test ends. Call wait before using it.
func startReplica(t *testing.T, name, bin string, env []string) *replica {
	t.Helper()
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--venue", venue, "--data-dir", t.TempDir())
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	r := &replica{name: name, listening: make(chan string, 1), codes: make(chan logLine, 16)}
	go func() {
		defer close(r.listening)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			r.mu.Lock()
			r.log.Write(sc.Bytes())
			r.log.WriteByte('\n')
			r.mu.Unlock()
			var l logLine
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				continue
			}
			switch l.Msg {
			case "campusd listening":
				r.listening <- l.Addr
			case "sign-in code":
				r.codes <- l
			}
		}
	}()
	return r
}

// wait waits until r listens, or stops the test with what it logged.
func (r *replica) wait(t *testing.T) {
	t.Helper()
	select {
	case addr, ok := <-r.listening:
		if ok {
			r.base = "http://" + addr
			return
		}
	case <-time.After(2 * time.Minute):
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t.Fatalf("replica %s did not start:\n%s", r.name, r.log.String())
}

// sentCode is the next sign-in code one of rs logged (whichever worked
// the outbox job), which must be phone's.
func sentCode(t *testing.T, phone string, rs ...*replica) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	cases := make([]reflect.SelectCase, 0, len(rs)+1)
	for _, r := range rs {
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(r.codes)})
	}
	cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())})
	i, v, _ := reflect.Select(cases)
	if i == len(rs) {
		t.Fatal("no replica sent a sign-in code")
		return ""
	}
	l := v.Interface().(logLine)
	if l.Phone != phone || len(l.Code) != 6 {
		t.Fatalf("replica %s sent a code %q for %s, want 6 digits for %s", rs[i].name, l.Code, l.Phone, phone)
	}
	return l.Code
}

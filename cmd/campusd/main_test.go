package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/postgres/pgtest"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/auth/oidctest"
	"github.com/campusnav/engine/services/places"
	"github.com/campusnav/engine/services/postgres"
	"github.com/campusnav/engine/services/sqlite"
)

const venue = "../../data/floorplans/hkust-gz"

// addUser creates an account in the data folder, as `campus users add` does.
func addUser(t *testing.T, dir, email, password string, role auth.Role) {
	t.Helper()
	db, err := sqlite.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := auth.New(db, auth.Options{}).AddUser(context.Background(), email, password, role); err != nil {
		t.Fatal(err)
	}
}

// start runs the real server on a free port with a temporary data folder.
func start(t *testing.T, dir string) (*Main, string) {
	t.Helper()
	m := NewMain(io.Discard)
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--venue", venue}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m, "http://" + m.Addr.String()
}

func do(t *testing.T, method, url, token, body string) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func login(t *testing.T, base, email, password string) string {
	t.Helper()
	code, b := do(t, "POST", base+"/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password))
	var a struct{ Token, Role string }
	json.Unmarshal(b, &a)
	if code != 200 || a.Token == "" {
		t.Fatalf("login %s: %d %s", email, code, b)
	}
	return a.Token
}

func TestServerEndToEnd(t *testing.T) {
	dir := t.TempDir()
	addUser(t, dir, "alice@hkust-gz.edu.cn", "correct horse battery", auth.Staff)
	addUser(t, dir, "bob@example.com", "another good one", auth.Visitor)
	m, base := start(t, dir)
	defer m.Close()

	alice := login(t, base, "alice@hkust-gz.edu.cn", "correct horse battery")
	code, b := do(t, "GET", base+"/api/v1/me", alice, "")
	if code != 200 || !strings.Contains(string(b), `"role":"staff"`) {
		t.Fatalf("me: %d %s", code, b)
	}
	// The role comes from the session: alice sees C1, bob does not.
	bob := login(t, base, "bob@example.com", "another good one")
	for _, c := range []struct {
		token string
		want  bool
	}{{alice, true}, {bob, false}, {"", false}} {
		_, b := do(t, "GET", base+"/api/v1/search?q=C1-301", c.token, "")
		if found := strings.Contains(string(b), `"C1-301"`); found != c.want {
			t.Errorf("search C1-301 with token %q: found=%v", c.token[:min(6, len(c.token))], found)
		}
	}
	// Saved places survive a restart, and route back.
	code, b = do(t, "POST", base+"/api/v1/me/places", alice, `{"name":"car","lon":113.4786,"lat":22.8955,"ordinal":-1}`)
	var p struct{ ID int64 }
	json.Unmarshal(b, &p)
	if code != 201 || p.ID == 0 {
		t.Fatalf("add place: %d %s", code, b)
	}
	// Tile URLs name where the server listens, not what a client's Host says.
	req, _ := http.NewRequest("GET", base+"/tiles/tiles.json", nil)
	req.Host = "evil.example"
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		tj, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(tj), base+"/tiles/{z}/{x}/{y}.mvt") || strings.Contains(string(tj), "evil") {
			t.Errorf("tiles.json with a forged Host: %.300s", tj)
		}
	}
	// Logout ends the session.
	if code, _ := do(t, "POST", base+"/api/v1/auth/logout", alice, ""); code != 204 {
		t.Errorf("logout: %d", code)
	}
	if code, _ := do(t, "GET", base+"/api/v1/me", alice, ""); code != 401 {
		t.Errorf("me after logout: %d", code)
	}
	alice = login(t, base, "alice@hkust-gz.edu.cn", "correct horse battery") // kept across the restart
	// Wrong passwords: 401, then 429 once the account's attempts are spent.
	var codes []int
	for i := 0; i < 7; i++ {
		c, _ := do(t, "POST", base+"/api/v1/auth/login", "", `{"email":"bob@example.com","password":"wrong password"}`)
		codes = append(codes, c)
	}
	if codes[0] != 401 || codes[len(codes)-1] != 429 {
		t.Errorf("failed logins answered %v, want 401s then 429", codes)
	}
	// Claiming another address does not escape the per-address limit.
	limited := false
	for i := 0; i < 25 && !limited; i++ {
		req, _ := http.NewRequest("POST", base+"/api/v1/auth/login", strings.NewReader(fmt.Sprintf(`{"email":"nobody%d@example.com","password":"wrong password"}`, i)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.0.0.%d", i))
		req.Header.Set("X-Real-Ip", fmt.Sprintf("10.0.1.%d", i))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		limited = resp.StatusCode == 429
	}
	if !limited {
		t.Error("forged X-Forwarded-For headers escape the per-address login limit")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	// After a restart the session holds (the login limits do too, in the
	// store: the flooded address has refilled by a token or so by now).
	m2, base2 := start(t, dir)
	defer m2.Close()
	code, b = do(t, "GET", fmt.Sprintf("%s/api/v1/route?from=C3-607&to=place:%d", base2, p.ID), alice, "")
	if code != 200 || !strings.Contains(string(b), `"to_ordinal":-1`) {
		t.Errorf("route to the saved car after a restart: %d %.300s", code, b)
	}
}

// Shutdown lets requests in flight finish. Each request's body arrives in
// two halves, the second only after Close has begun, so the requests are
// surely in flight when the server is told to stop.
func TestGracefulShutdown(t *testing.T) {
	m, base := start(t, t.TempDir())
	const n = 5
	var wg sync.WaitGroup
	results := make(chan int, n)
	writers := make([]*io.PipeWriter, n)
	for i := range writers {
		r, w := io.Pipe()
		writers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(base+"/api/v1/position", "application/json", r)
			if err != nil {
				results <- 0
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			results <- resp.StatusCode
		}()
		if _, err := io.WriteString(w, `{"device":"d`+strconv.Itoa(i)+`","t":"2026-01-01T00:00:00Z",`); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond) // the server has accepted the connections
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-closed:
		t.Fatalf("Close returned with requests in flight: %v", err)
	default:
	}
	for _, w := range writers {
		io.WriteString(w, `"scans":[]}`)
		w.Close()
	}
	wg.Wait()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	close(results)
	served := 0
	for c := range results {
		if c == 200 {
			served++
		} else {
			t.Errorf("a request in flight got %d", c)
		}
	}
	if served != n {
		t.Errorf("%d of %d requests in flight finished", served, n)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still serving after Close")
	}
}

func TestConfig(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--addr", "nonsense"}, nil, "addr"},
		{[]string{"--venue", "/no/such/venue"}, nil, "venue"},
		{nil, map[string]string{"CAMPUS_VENUE": "/no/such/venue"}, "venue"},
		{[]string{"--venue", venue}, map[string]string{"CAMPUS_DATABASE_URL": "mysql://x"}, "database-url"},
		{[]string{"--venue", venue, "--body-limit", "10"}, nil, "body-limit"},
		{[]string{"--venue", venue, "extra"}, nil, "unexpected argument"},
		{[]string{"--venue", venue, "--public-url", "map.example.edu"}, nil, "public-url"},
		{[]string{"--venue", venue}, map[string]string{"CAMPUS_PUBLIC_URL": "ftp://map.example.edu"}, "public-url"},
		{[]string{"--venue", venue, "--public-url", "https://map.example.edu/?x=1"}, nil, "public-url"},
	} {
		env = c.env
		m := NewMain(io.Discard)
		err := m.ParseFlags(c.args, getenv)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: got %v, want an error about %s", c.args, c.env, err, c.want)
		}
	}
	env = map[string]string{"CAMPUS_ADDR": "127.0.0.1:9999"}
	m := NewMain(io.Discard)
	if err := m.ParseFlags([]string{"--venue", venue, "--addr", "127.0.0.1:1234"}, getenv); err != nil || m.Config.Addr != "127.0.0.1:9999" {
		t.Errorf("the environment goes over flags: %v %q", err, m.Config.Addr)
	}
}

// TestKillNineKeepsAcknowledgedWrites runs the real server binary, saves
// places as fast as it acknowledges them, kills it with SIGKILL mid-writes,
// and checks that every acknowledged place is in the store: the embedded
// SQLite file, and PostgreSQL when CAMPUS_TEST_DATABASE_URL is set.
func TestKillNineKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the server")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "campusd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	t.Run("sqlite", func(t *testing.T) {
		data := filepath.Join(t.TempDir(), "data")
		open := func() (store, error) { return sqlite.OpenDir(data) }
		killNine(t, bin, []string{"--data-dir", data}, open)
	})
	t.Run("postgresql", func(t *testing.T) {
		url := os.Getenv("CAMPUS_TEST_DATABASE_URL")
		if url == "" {
			t.Skip("set CAMPUS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run this on PostgreSQL")
		}
		schemaURL := pgtest.SchemaOf(t, url)
		open := func() (store, error) {
			db, err := postgres.Open(context.Background(), schemaURL)
			if err != nil {
				return nil, err
			}
			return db, nil
		}
		killNine(t, bin, []string{"--data-dir", t.TempDir(), "--database-url", schemaURL}, open)
	})
}

func killNine(t *testing.T, bin string, storeArgs []string, open func() (store, error)) {
	db, err := open()
	if err != nil {
		t.Fatal(err)
	}
	// Four writers, an account each: a person keeps at most
	// places.MaxPerPerson places.
	const writers = 4
	writer := func(w int) string { return fmt.Sprintf("writer%d@hkust-gz.edu.cn", w) }
	for w := range writers {
		if _, err := auth.New(db, auth.Options{}).AddUser(context.Background(), writer(w), "correct horse battery", auth.Staff); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--venue", venue}, storeArgs...)...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// The server logs where it listens.
	sc := bufio.NewScanner(stderr)
	var base string
	for sc.Scan() {
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "campusd listening" {
			base = "http://" + line.Addr
			break
		}
	}
	if base == "" {
		t.Fatal("the server did not say where it listens")
	}
	go io.Copy(io.Discard, stderr)
	var tokens []string
	for w := range writers {
		tokens = append(tokens, login(t, base, writer(w), "correct horse battery"))
	}
	var mu sync.Mutex
	var acked []int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("POST", base+"/api/v1/me/places", strings.NewReader(fmt.Sprintf(`{"name":"p%d-%d","lon":113.478,"lat":22.895,"ordinal":0}`, w, i)))
				req.Header.Set("Authorization", "Bearer "+tokens[w])
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				var p struct{ ID int64 }
				json.NewDecoder(resp.Body).Decode(&p)
				resp.Body.Close()
				if resp.StatusCode == 201 {
					mu.Lock()
					acked = append(acked, p.ID)
					mu.Unlock()
				}
			}
		}(w)
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 300 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Kill() // SIGKILL, mid-writes
	cmd.Wait()
	close(stop)
	wg.Wait()

	db, err = open()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	have := map[int64]bool{}
	for w := range writers {
		u, _, err := db.UserByEmail(context.Background(), writer(w))
		if err != nil {
			t.Fatal(err)
		}
		ps, err := db.ListPlaces(context.Background(), u.ID, 0, places.MaxPerPerson)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			have[p.ID] = true
		}
	}
	for _, id := range acked {
		if !have[id] {
			t.Fatalf("acknowledged place %d is lost after kill -9 (%d acknowledged, %d stored)", id, len(acked), len(have))
		}
	}
	t.Logf("%d acknowledged writes, all kept (%d stored)", len(acked), len(have))
}

// Single sign-on is configured from the environment and discovered at
// start: the sign-in goes to the issuer, and through it to a session.
func TestSingleSignOnConfigured(t *testing.T) {
	op := oidctest.New(t, time.Now)
	m := NewMain(io.Discard)
	env := map[string]string{"CAMPUS_OIDC_ISSUER": op.URL(), "CAMPUS_OIDC_CLIENT_ID": "campus",
		"CAMPUS_OIDC_CLIENT_SECRET": op.Secret, "CAMPUS_OIDC_REDIRECT_URL": "http://campus.invalid/api/v1/auth/oidc/callback"}
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--venue", venue}, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get("http://" + m.Addr.String() + "/api/v1/auth/oidc/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 302 || !strings.HasPrefix(loc, op.URL()+"/authorize?") {
		t.Fatalf("oidc login: %d %s", resp.StatusCode, loc)
	}
	code, state := oidctest.Authorize(t, loc)
	got, b := do(t, "GET", "http://"+m.Addr.String()+"/api/v1/auth/oidc/callback?code="+code+"&state="+state, "", "")
	if got != 200 || !strings.Contains(string(b), `"role":"staff"`) {
		t.Errorf("callback: %d %s", got, b)
	}

	bad := NewMain(io.Discard)
	delete(env, "CAMPUS_OIDC_CLIENT_ID")
	err = bad.ParseFlags([]string{"--data-dir", t.TempDir(), "--venue", venue}, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "CAMPUS_OIDC_CLIENT_ID") {
		t.Errorf("an issuer without a client id: %v", err)
	}
}

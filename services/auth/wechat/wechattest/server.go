// Package wechattest is WeChat's code2Session endpoint for tests, over
// loopback: it mints one-time codes for users, as wx.login would, and
// answers their exchange as WeChat does, refusals included. It keeps no
// bound on what it mints; it is for tests only.
package wechattest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// CodeTTL is how long a code may be exchanged after it is minted: five
// minutes, as wx.login's documentation says.
const CodeTTL = 5 * time.Minute

// messages are the errmsg WeChat sends with each errcode (a ", rid: ..."
// request id is added, as WeChat does).
var messages = map[int]string{
	-1:    "system error",
	40029: "invalid code",
	40163: "code been used",
	45011: "api minute-quota reach limit  mustslower  retry next minute",
	40226: "code blocked",
	40013: "invalid appid",
	40125: "invalid appsecret",
	40002: "invalid grant_type",
	41002: "appid missing",
	41004: "appsecret missing",
	41008: "missing code",
	43001: "require GET method",
}

// Server answers GET /sns/jscode2session for one mini program. Make it
// with Start; its methods are safe to call while it serves.
type Server struct {
	srv           *httptest.Server
	appID, secret string

	mu          sync.Mutex
	now         func() time.Time
	codes       map[string]*grant
	next        []int // errcodes to answer next, first first
	stalls      int   // exchanges still to hang
	contentType string
	requests    int
	lastKey     string
}

// grant is a code minted and who it signs in.
type grant struct {
	openID, unionID string
	issued          time.Time
	used            bool
}

// Start serves code2Session for appID and secret on loopback, until the
// test ends. Answers are text/plain, as WeChat's have been seen to be.
func Start(t testing.TB, appID, secret string) *Server {
	s := &Server{appID: appID, secret: secret, now: time.Now, codes: map[string]*grant{}, contentType: "text/plain"}
	mux := http.NewServeMux()
	mux.HandleFunc("/sns/jscode2session", s.exchange)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the API server, for Config.API.
func (s *Server) URL() string { return s.srv.URL }

// Issue mints a code that signs openid in once, within CodeTTL, as the
// code wx.login gives a mini program.
func (s *Server) Issue(openid string) (code string) { return s.IssueUnion(openid, "") }

// IssueUnion is Issue for a user WeChat also knows by a unionid.
func (s *Server) IssueUnion(openid, unionid string) (code string) {
	code = random(24) // 32 characters, like wx.login's
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = &grant{openID: openid, unionID: unionid, issued: s.now()}
	return code
}

// FailNext makes the next exchange that names the right app answer
// errcode (-1 busy, 45011 rate limited, 40226 blocked, or any other),
// leaving its code unused. Calls queue up.
func (s *Server) FailNext(errcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next = append(s.next, errcode)
}

// StallNext makes the next request hang, unanswered, until its client
// gives up or the server closes. Calls queue up.
func (s *Server) StallNext() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stalls++
}

// SetContentType sets the Content-Type of the answers that follow.
func (s *Server) SetContentType(ct string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contentType = ct
}

// SetClock sets the clock codes are minted and expired by.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// Requests is how many requests reached the endpoint.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// LastSessionKey is the session_key of the last successful exchange, so
// that a test can check it went no further.
func (s *Server) LastSessionKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastKey
}

// exchange answers one request as WeChat would: always HTTP 200, with a
// JSON body that is either a session or an errcode.
func (s *Server) exchange(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	if s.stalls > 0 {
		s.stalls--
		s.mu.Unlock()
		<-r.Context().Done()
		return
	}
	answer, ct := s.answer(r), s.contentType
	s.mu.Unlock()
	w.Header().Set("Content-Type", ct)
	json.NewEncoder(w).Encode(answer)
}

// answer is the body for r; s.mu is held.
func (s *Server) answer(r *http.Request) any {
	q := r.URL.Query()
	code := q.Get("js_code")
	switch {
	case r.Method != http.MethodGet:
		return refusal(43001)
	case q.Get("appid") == "":
		return refusal(41002)
	case q.Get("secret") == "":
		return refusal(41004)
	case q.Get("appid") != s.appID:
		return refusal(40013)
	case q.Get("secret") != s.secret:
		return refusal(40125)
	case code == "":
		return refusal(41008)
	case q.Get("grant_type") != "authorization_code":
		return refusal(40002)
	case len(s.next) > 0:
		errcode := s.next[0]
		s.next = s.next[1:]
		return refusal(errcode)
	}
	g, ok := s.codes[code]
	switch {
	case !ok || s.now().Sub(g.issued) >= CodeTTL:
		return refusal(40029)
	case g.used:
		return refusal(40163)
	}
	g.used = true
	key := make([]byte, 16) // WeChat's are 16 bytes, base64: 24 characters
	rand.Read(key)
	s.lastKey = base64.StdEncoding.EncodeToString(key)
	// Success carries no errcode, as WeChat's has not since late 2019.
	return struct {
		SessionKey string `json:"session_key"`
		OpenID     string `json:"openid"`
		UnionID    string `json:"unionid,omitempty"`
	}{s.lastKey, g.openID, g.unionID}
}

// refusal is WeChat's answer of an errcode.
func refusal(errcode int) any {
	msg, ok := messages[errcode]
	if !ok {
		msg = fmt.Sprintf("error %d", errcode)
	}
	rid := make([]byte, 12)
	rand.Read(rid)
	h := hex.EncodeToString(rid)
	return struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}{errcode, fmt.Sprintf("%s, rid: %s-%s-%s", msg, h[:8], h[8:16], h[16:])}
}

// random is n random bytes, base64url: 4n/3 characters.
func random(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/campusnav/engine/services/auth"
)

// TestCardEndToEnd drives the real server over loopback: a reader's
// token from the command line tool, a student's code, the reader's
// decisions (allow, a copy at another reader: replayed, the card
// frozen), the holder's history, and an admin unfreezing.
func TestCardEndToEnd(t *testing.T) {
	dir := t.TempDir()
	addUser(t, dir, "ada@connect.hkust-gz.edu.cn", "correct horse", auth.Student)
	addUser(t, dir, "root@hkust-gz.edu.cn", "correct horse", auth.Admin)
	// Two turnstiles of gate 2, each with its own token.
	tokens := map[string]string{}
	var gates []string
	list := campus(t, "", "readers", "list", "--kind", "gate")
	var readers []struct{ ID, Name string }
	if err := json.Unmarshal(list, &readers); err != nil || len(readers) < 2 {
		t.Fatalf("readers list: %s %v", list, err)
	}
	for _, r := range readers[:2] {
		var tok struct{ Reader, Token string }
		if err := json.Unmarshal(campus(t, dir, "readers", "token", r.ID), &tok); err != nil || !strings.HasPrefix(tok.Token, "rdr_") {
			t.Fatalf("readers token: %+v %v", tok, err)
		}
		tokens[r.ID] = tok.Token
		gates = append(gates, r.ID)
	}
	m, base := start(t, dir)
	defer m.Close()
	ada := login(t, base, "ada@connect.hkust-gz.edu.cn", "correct horse")

	code, b := do(t, "GET", base+"/api/v1/card/code", ada, "")
	var c struct{ Code string }
	if json.Unmarshal(b, &c); code != 200 || c.Code == "" {
		t.Fatalf("code: %d %s", code, b)
	}
	check := func(reader, body string) (int, map[string]any) {
		code, b := do(t, "POST", base+"/api/v1/access/check", tokens[reader], body)
		var d map[string]any
		json.Unmarshal(b, &d)
		return code, d
	}
	if code, d := check(gates[0], fmt.Sprintf(`{"reader":%q,"code":%q}`, gates[0], c.Code)); code != 200 || d["decision"] != "allow" {
		t.Fatalf("first use: %d %v", code, d)
	}
	if code, d := check(gates[1], fmt.Sprintf(`{"reader":%q,"code":%q}`, gates[1], c.Code)); code != 200 || d["reason"] != "replayed" {
		t.Fatalf("a copy at the next turnstile: %d %v", code, d)
	}
	if code, _ := check(gates[1], fmt.Sprintf(`{"reader":%q,"code":%q}`, gates[0], c.Code)); code != 401 {
		t.Errorf("one reader's token for another: %d, want 401", code)
	}
	code, b = do(t, "GET", base+"/api/v1/card", ada, "")
	var card struct {
		CardID       int64   `json:"card_id"`
		Status       string  `json:"status"`
		FrozenReason *string `json:"frozen_reason"`
	}
	if json.Unmarshal(b, &card); code != 200 || card.Status != "frozen" || card.FrozenReason == nil || *card.FrozenReason != "replayed" {
		t.Fatalf("card after a copy: %d %s", code, b)
	}
	code, b = do(t, "GET", base+"/api/v1/card/history?lang=zh", ada, "")
	if code != 200 || !strings.Contains(string(b), `"place":"2号门`) || !strings.Contains(string(b), `"reason":"replayed"`) {
		t.Errorf("history: %d %s", code, b)
	}
	root := login(t, base, "root@hkust-gz.edu.cn", "correct horse")
	if code, b := do(t, "POST", fmt.Sprintf("%s/api/v1/admin/cards/%d/unfreeze", base, card.CardID), root, ""); code != 200 || !strings.Contains(string(b), `"status":"valid"`) {
		t.Errorf("unfreeze: %d %s", code, b)
	}
	// Revoked: the reader is refused.
	campus(t, dir, "readers", "revoke", gates[0])
	m.Close()
	m, base = start(t, dir)
	defer m.Close()
	if code, _ := check(gates[0], fmt.Sprintf(`{"reader":%q,"code":"x"}`, gates[0])); code != 401 {
		t.Errorf("a revoked reader: %d, want 401", code)
	}
}

// campus runs the command line tool (on the data folder dir, unless
// empty) and returns its standard output.
func campus(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	campusOnce.Do(func() {
		campusBin = filepath.Join(t.TempDir(), "campus")
		if out, err := exec.Command("go", "build", "-o", campusBin, "../campus").CombinedOutput(); err != nil {
			t.Fatalf("building campus: %v\n%s", err, out)
		}
	})
	args = append(args, "--venue", venue)
	if dir != "" {
		args = append(args, "--data-dir", dir)
	}
	out, err := exec.Command(campusBin, args...).Output()
	if err != nil {
		t.Fatalf("campus %s: %v", strings.Join(args, " "), err)
	}
	return out
}

var (
	campusOnce sync.Once
	campusBin  string
)

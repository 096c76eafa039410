package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/sqlite"
)

// TestLiveWired: the real server shares a location over its socket, and
// an account disabled by another program on the same data (as `campus
// users disable` does) ends what it shares within a second.
func TestLiveWired(t *testing.T) {
	dir := t.TempDir()
	addUser(t, dir, "ann@hkust-gz.edu.cn", "correct horse battery", auth.Student)
	addUser(t, dir, "bob@hkust-gz.edu.cn", "another good one", auth.Staff)
	m, base := start(t, dir)
	defer m.Close()
	ann, bob := login(t, base, "ann@hkust-gz.edu.cn", "correct horse battery"), login(t, base, "bob@hkust-gz.edu.cn", "another good one")
	code, b := do(t, "POST", base+"/api/v1/shares", ann, `{"with":"bob@hkust-gz.edu.cn","minutes":10}`)
	var sh struct{ ID int64 }
	if json.Unmarshal(b, &sh); code != 201 {
		t.Fatalf("share: %d %s", code, b)
	}
	if code, b := do(t, "POST", fmt.Sprintf("%s/api/v1/shares/%d/accept", base, sh.ID), bob, ""); code != 200 {
		t.Fatalf("accept: %d %s", code, b)
	}
	dial := func(token string) *websocket.Conn {
		code, b := do(t, "POST", base+"/api/v1/live/ticket", token, "")
		var tk struct{ Ticket string }
		if json.Unmarshal(b, &tk); code != 201 {
			t.Fatalf("ticket: %d %s", code, b)
		}
		ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/api/v1/live?ticket="+tk.Ticket, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.Close() })
		return ws
	}
	annWS, bobWS := dial(ann), dial(bob)
	next := func(typ string) bool {
		bobWS.SetReadDeadline(time.Now().Add(time.Second))
		for {
			var msg struct{ Type string }
			if err := bobWS.ReadJSON(&msg); err != nil {
				return false
			}
			if msg.Type == typ {
				return true
			}
		}
	}
	if err := annWS.WriteJSON(map[string]any{"type": "fix", "lon": 113.4786, "lat": 22.8955, "ordinal": 0, "accuracy_m": 5}); err != nil {
		t.Fatal(err)
	}
	if !next("location") {
		t.Fatal("bob got no location")
	}
	db, err := sqlite.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := auth.New(db, auth.Options{}).Disable(context.Background(), "ann@hkust-gz.edu.cn"); err != nil {
		t.Fatal(err)
	}
	if !next("share_ended") {
		t.Error("no share_ended within 1 s of ann's account disabled by another program")
	}
}

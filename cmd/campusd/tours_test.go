package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestToursWithTheServer: the server answers the campus's tours; a tours
// file replaces them, and one that is wrong stops the server at start-up
// with an error naming the file, the tour and the stop.
func TestToursWithTheServer(t *testing.T) {
	m, base := start(t, t.TempDir())
	code, b := do(t, "GET", base+"/api/v1/tours?lang=zh", "", "")
	var list struct {
		Items []struct {
			ID    string
			Stops []struct{ Name string }
		}
	}
	json.Unmarshal(b, &list)
	if code != 200 || len(list.Items) < 2 || list.Items[0].Stops[0].Name != "2号门" {
		t.Errorf("the tours: %d %.300s", code, b)
	}
	m.Close()

	dir := t.TempDir()
	data := `{"version":1,"tours":[{"id":"inside-c1","name":{"en":"C1","zh-Hans":"C1"},"description":{"en":"d","zh-Hans":"d"},
		"duration_min":30,"capacity":5,"schedule":[{"days":["mon"],"times":["10:00"]}],"stops":[{"place":"G2"},{"place":"C1-111"}]}]}`
	file := filepath.Join(dir, "tours.json")
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	m = NewMain(io.Discard)
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--venue", venue, "--tours", file}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	err := m.Run(context.Background())
	if err == nil {
		m.Close()
		t.Fatal("the server started with a tour through C1")
	}
	if want := file + `: tour inside-c1: stop 2 ("C1-111"): place:`; !strings.Contains(err.Error(), want) {
		t.Errorf("%v, want %q in it", err, want)
	}
	m = NewMain(io.Discard)
	if err := m.ParseFlags([]string{"--venue", venue}, func(k string) string {
		if k == "CAMPUS_TOURS" {
			return "/no/such/tours.json"
		}
		return ""
	}); err == nil || !strings.Contains(err.Error(), "tours") {
		t.Errorf("CAMPUS_TOURS of no file: %v", err)
	}
}

package sqlite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/places"
)

// crashEnv names the database the child of TestKilledWriter writes to.
const crashEnv = "SQLITE_CRASH_CHILD"

// crashWriters is how many goroutines of the child write, each for its
// own account.
const crashWriters = 4

// TestKilledWriter kills -9 a process writing places and checks that every
// write it acknowledged is in the file. The child is this test binary again,
// with crashEnv set: four goroutines add places, each for an account of
// its own (a person keeps at most places.MaxPerPerson), each printing the
// id of a place once AddPlace has returned (committed). The parent reads a few
// hundred ids, kills the child mid-stream, reopens the file and looks for
// each one.
//
// A kill tests what the process does (commits reach the file before they
// are acknowledged, the WAL recovers on reopening), not the disk: that
// synchronous=FULL also survives power loss rests on fsync.
func TestKilledWriter(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), FileName)
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var writers []int64
	for w := range crashWriters {
		u, err := d.CreateUser(t.Context(), auth.User{Email: fmt.Sprintf("writer%d@example.edu", w), Role: auth.Staff}, "h")
		if err != nil {
			t.Fatal(err)
		}
		writers = append(writers, u.ID)
	}
	d.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	const want = 400 // below crashWriters * places.MaxPerPerson
	var acked []int64
	sc := bufio.NewScanner(out)
	for len(acked) < want && sc.Scan() {
		id, err := strconv.ParseInt(sc.Text(), 10, 64)
		if err != nil {
			continue // the test framework's own output
		}
		acked = append(acked, id)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill: %v", err)
	}
	cmd.Wait()
	if len(acked) < want {
		t.Fatalf("the child acknowledged %d writes before it stopped, want %d", len(acked), want)
	}

	d, err = Open(path)
	if err != nil {
		t.Fatalf("reopening after the kill: %v", err)
	}
	defer d.Close()
	have := map[int64]bool{}
	for _, uid := range writers {
		ps, err := d.ListPlaces(t.Context(), uid, 0, places.MaxPerPerson)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			have[p.ID] = true
		}
	}
	lost := 0
	for _, id := range acked {
		if !have[id] {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged writes lost after kill -9", lost, len(acked))
	}
	t.Logf("%d acknowledged, %d in the file after kill -9", len(acked), len(have))
	if err := d.db.QueryRow("PRAGMA integrity_check").Scan(new(string)); err != nil {
		t.Errorf("integrity_check: %v", err)
	}
}

// crashChild writes places to the database at path until killed, printing
// each acknowledged id on its own line. It gives up after a minute, in case
// the parent died first.
func crashChild(path string) {
	d, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range crashWriters {
		wg.Go(func() {
			u, _, err := d.UserByEmail(ctx, fmt.Sprintf("writer%d@example.edu", w))
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			for i := 0; ctx.Err() == nil; i++ {
				p, err := d.AddPlace(ctx, places.Place{UserID: u.ID, Name: fmt.Sprintf("w%d-%d", w, i), Lon: 113.48, Lat: 22.89})
				if err != nil {
					if ctx.Err() == nil && !errors.Is(err, places.ErrFull) {
						fmt.Fprintln(os.Stderr, "child:", err)
					}
					return
				}
				mu.Lock()
				fmt.Fprintln(os.Stdout, p.ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	os.Exit(0)
}

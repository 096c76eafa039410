package jobs_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/campusnav/engine/services/mail/mailtest"
)

// outboxd builds the test program (internal/outboxd) once per test run.
var outboxd = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "outboxd")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "outboxd")
	out, err := exec.Command("go", "build", "-o", bin, "./internal/outboxd").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./internal/outboxd: %v\n%s", err, out)
	}
	return bin, nil
})

// proc is a running outboxd.
type proc struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr *bytes.Buffer
}

// run starts outboxd with args on the engine's database, sending to srv.
func run(t *testing.T, e *engine, srv *mailtest.Server, args ...string) *proc {
	t.Helper()
	bin, err := outboxd()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{lines: make(chan string, 100), stderr: new(bytes.Buffer)}
	p.cmd = exec.Command(bin, append([]string{"-db", e.url, "-smtp", srv.URL()}, args...)...)
	p.cmd.Stderr = p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
		if t.Failed() || os.Getenv("OUTBOXD_DEBUG") != "" {
			t.Logf("outboxd %s said on stderr:\n%s", strings.Join(args, " "), p.stderr)
		}
	})
	return p
}

// await waits for a line of p's that starts with prefix, and returns the
// rest of it.
func (p *proc) await(t *testing.T, prefix string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("outboxd ended before saying %q", prefix)
			}
			if rest, ok := strings.CutPrefix(l, prefix+" "); ok {
				return rest
			}
		case <-deadline:
			t.Fatalf("outboxd did not say %q in %s", prefix, timeout)
		}
	}
}

// kill kills p with SIGKILL: no deferred function, no graceful stop.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
}

// stop stops p gracefully, and checks it ended well.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("outboxd stopped with %v", err)
	}
}

// TestKilledBeforeDelivery: a server commits a state change and its mail
// job, and is killed with SIGKILL before its worker starts; started again,
// it delivers the mail exactly once.
func TestKilledBeforeDelivery(t *testing.T) {
	engines(t, func(t *testing.T, e *engine) {
		srv := mailtest.Start(t)
		first := run(t, e, srv, "-commit", "new@campus.example")
		id := first.await(t, "committed", time.Minute)
		first.kill(t)

		db := e.open(t)
		if _, _, err := db.UserByEmail(t.Context(), "new@campus.example"); err != nil {
			t.Fatalf("the state change did not survive: %v", err)
		}
		if srv.Attempts() != 0 {
			t.Fatalf("mail tried before the restart")
		}

		again := run(t, e, srv, "-work")
		if got := again.await(t, "completed", time.Minute); got != id {
			t.Fatalf("job %s completed, want %s", got, id)
		}
		again.stop(t)
		checkOnce(t, srv, "new@campus.example")
	})
}

// TestKilledDuringDelivery: a server's worker has taken the mail job and
// is about to send it when the server is killed with SIGKILL; the job,
// left running, is rescued by the next server (once its leader's lease
// has passed, and the job has been running RescueAfter), and the mail is
// delivered exactly once.
func TestKilledDuringDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a leader's lease (about 20 s)")
	}
	engines(t, func(t *testing.T, e *engine) {
		srv := mailtest.Start(t)
		first := run(t, e, srv, "-commit", "new@campus.example", "-work", "-block")
		first.await(t, "committed", time.Minute)
		first.await(t, "sending", time.Minute)
		first.kill(t)
		if srv.Attempts() != 0 {
			t.Fatalf("mail tried before the restart")
		}

		again := run(t, e, srv, "-work", "-timeout", "1s", "-rescue-after", "2s")
		again.await(t, "completed", 2*time.Minute)
		again.stop(t)
		checkOnce(t, srv, "new@campus.example")
	})
}

// checkOnce checks that srv received one message, to to, in one try.
func checkOnce(t *testing.T, srv *mailtest.Server, to string) {
	t.Helper()
	got := srv.Messages()
	if len(got) != 1 || srv.Attempts() != 1 {
		t.Fatalf("%d messages in %d tries, want exactly one", len(got), srv.Attempts())
	}
	if got[0].To[0] != to || got[0].Subject != "Welcome" {
		t.Errorf("message to %q %q, want the welcome to %s", got[0].To, got[0].Subject, to)
	}
}

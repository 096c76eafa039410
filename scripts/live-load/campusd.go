package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// startCampusd starts bin on a free port of 127.0.0.1 with a new data
// folder (its log in the folder's campusd.log), in this folder (its
// default campus is data/floorplans/...: run from the repository), and
// waits until it is ready. stop ends it and removes the folder.
func startCampusd(ctx context.Context, a api, bin string) (base, dir string, stop func(), err error) {
	dir, err = os.MkdirTemp("", "live-load-")
	if err != nil {
		return "", "", nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", "", nil, err
	}
	addr := l.Addr().String()
	l.Close()
	logf, err := os.Create(filepath.Join(dir, "campusd.log"))
	if err != nil {
		return "", "", nil, err
	}
	cmd := exec.Command(bin, "--addr", addr, "--data-dir", dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return "", "", nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	stop = func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logf.Close()
		os.RemoveAll(dir)
	}
	base = "http://" + addr
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if err := a.call(ctx, "GET", base, "/readyz", "", nil, 200, nil); err == nil {
			fmt.Printf("campusd: pid %d at %s, data folder %s\n", cmd.Process.Pid, base, dir)
			return base, dir, stop, nil
		}
		select {
		case <-done:
			log, _ := os.ReadFile(logf.Name())
			stop()
			return "", "", nil, fmt.Errorf("%s ended: %s", bin, log[max(0, len(log)-2000):])
		default:
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			stop()
			return "", "", nil, fmt.Errorf("%s not ready in a minute: see its log", bin)
		}
	}
}

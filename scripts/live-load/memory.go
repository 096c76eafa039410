package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The server's memory is read from its /metrics (Prometheus, the Go
// client's process and Go collectors): the resident set
// (process_resident_memory_bytes, which is /proc/PID/stat's RSS), the
// heap in use and the goroutine stacks (go_memstats_heap_inuse_bytes,
// go_memstats_stack_inuse_bytes: runtime.MemStats) and the live heap
// (go_memstats_heap_alloc_bytes). Each reading is taken just after a
// GC of the server's own (go_gc_duration_seconds_count moved: the Go
// runtime collects at least every two minutes), so that the heap figures
// hold little garbage; the resident set is what the machine pays.

// memory is one reading of a server's.
type memory struct {
	RSS, HeapInuse, StackInuse, HeapAlloc, Goroutines float64
	// GCs is how many the server has run; AfterGC: the reading was
	// taken just after one.
	GCs     float64
	AfterGC bool
}

var memNames = map[string]func(m *memory) *float64{
	"process_resident_memory_bytes": func(m *memory) *float64 { return &m.RSS },
	"go_memstats_heap_inuse_bytes":  func(m *memory) *float64 { return &m.HeapInuse },
	"go_memstats_stack_inuse_bytes": func(m *memory) *float64 { return &m.StackInuse },
	"go_memstats_heap_alloc_bytes":  func(m *memory) *float64 { return &m.HeapAlloc },
	"go_goroutines":                 func(m *memory) *float64 { return &m.Goroutines },
	"go_gc_duration_seconds_count":  func(m *memory) *float64 { return &m.GCs },
}

// readMetrics reads base's /metrics: the value of each unlabelled
// metric.
func readMetrics(ctx context.Context, a api, base string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s/metrics: %s", base, resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if ok && !strings.HasPrefix(name, "#") && !strings.Contains(name, "{") {
			if v, err := strconv.ParseFloat(val, 64); err == nil {
				out[name] = v
			}
		}
	}
	return out, sc.Err()
}

// readMetric reads one metric of base's.
func readMetric(ctx context.Context, a api, base, name string) (float64, error) {
	ms, err := readMetrics(ctx, a, base)
	if err != nil {
		return 0, err
	}
	v, ok := ms[name]
	if !ok {
		return 0, fmt.Errorf("%s/metrics: no %s", base, name)
	}
	return v, nil
}

// readMemory reads base's memory figures.
func readMemory(ctx context.Context, a api, base string) (memory, error) {
	var m memory
	ms, err := readMetrics(ctx, a, base)
	if err != nil {
		return m, err
	}
	for name, f := range memNames {
		v, ok := ms[name]
		if !ok {
			return m, fmt.Errorf("%s/metrics: no %s", base, name)
		}
		*f(&m) = v
	}
	return m, nil
}

// readAfterGC reads base's memory just after its next GC, or after wait
// if none came.
func readAfterGC(ctx context.Context, a api, base string, wait time.Duration) (memory, error) {
	m0, err := readMemory(ctx, a, base)
	if err != nil {
		return m0, err
	}
	for deadline := time.Now().Add(wait); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(100 * time.Millisecond) {
		m, err := readMemory(ctx, a, base)
		if err != nil {
			return m, err
		}
		if m.GCs != m0.GCs {
			m.AfterGC = true
			return m, nil
		}
	}
	return readMemory(ctx, a, base)
}

// readMemories reads every base's (just after its next GC, waiting at
// most wait for it) and sums them.
func readMemories(ctx context.Context, a api, bases []string, wait time.Duration) (memory, error) {
	sum := memory{AfterGC: true}
	ms := make([]memory, len(bases))
	errs := make([]error, len(bases))
	var wg sync.WaitGroup
	for i, b := range bases {
		wg.Go(func() { ms[i], errs[i] = readAfterGC(ctx, a, b, wait) })
	}
	wg.Wait()
	for i, m := range ms {
		if errs[i] != nil {
			return sum, errs[i]
		}
		sum.AfterGC = sum.AfterGC && m.AfterGC
		sum.RSS += m.RSS
		sum.HeapInuse += m.HeapInuse
		sum.StackInuse += m.StackInuse
		sum.HeapAlloc += m.HeapAlloc
		sum.Goroutines += m.Goroutines
	}
	return sum, nil
}

// cpu is the CPU time used so far, seconds: the servers' together
// (process_cpu_seconds_total), and this process's (user + system).
type cpu struct{ server, client float64 }

func readCPU(ctx context.Context, a api, bases []string) (cpu, error) {
	var c cpu
	for _, b := range bases {
		v, err := readMetric(ctx, a, b, "process_cpu_seconds_total")
		if err != nil {
			return c, err
		}
		c.server += v
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	c.client = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	return c, nil
}

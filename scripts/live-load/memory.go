package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The server's memory is read from its /metrics (Prometheus, the Go
// client's process and Go collectors): the resident set
// (process_resident_memory_bytes, which is /proc/PID/stat's RSS), the
// heap in use and the goroutine stacks (go_memstats_heap_inuse_bytes,
// go_memstats_stack_inuse_bytes: runtime.MemStats) and the live heap
// (go_memstats_heap_alloc_bytes). These are read without a GC first, so
// the heap figures hold garbage not yet collected: the resident set is
// what the machine pays.

// memory is one reading of a server's.
type memory struct {
	RSS, HeapInuse, StackInuse, HeapAlloc, Goroutines float64
}

var memNames = map[string]func(m *memory) *float64{
	"process_resident_memory_bytes": func(m *memory) *float64 { return &m.RSS },
	"go_memstats_heap_inuse_bytes":  func(m *memory) *float64 { return &m.HeapInuse },
	"go_memstats_stack_inuse_bytes": func(m *memory) *float64 { return &m.StackInuse },
	"go_memstats_heap_alloc_bytes":  func(m *memory) *float64 { return &m.HeapAlloc },
	"go_goroutines":                 func(m *memory) *float64 { return &m.Goroutines },
}

// readMemory reads base's /metrics.
func readMemory(ctx context.Context, a api, base string) (memory, error) {
	var m memory
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		return m, err
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return m, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return m, fmt.Errorf("%s/metrics: %s", base, resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	found := 0
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if f, known := memNames[name]; ok && known {
			if v, err := strconv.ParseFloat(val, 64); err == nil {
				*f(&m) = v
				found++
			}
		}
	}
	if found < len(memNames) {
		return m, fmt.Errorf("%s/metrics: %d of the %d memory figures", base, found, len(memNames))
	}
	return m, sc.Err()
}

// readMemories reads every base's and sums them.
func readMemories(ctx context.Context, a api, bases []string) (memory, error) {
	var sum memory
	for _, b := range bases {
		m, err := readMemory(ctx, a, b)
		if err != nil {
			return sum, err
		}
		sum.RSS += m.RSS
		sum.HeapInuse += m.HeapInuse
		sum.StackInuse += m.StackInuse
		sum.HeapAlloc += m.HeapAlloc
		sum.Goroutines += m.Goroutines
	}
	return sum, nil
}

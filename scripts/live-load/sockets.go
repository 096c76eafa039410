package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	json "github.com/goccy/go-json"
	"github.com/gorilla/websocket"
)

// A socket is one person's: it reads in a goroutine of its own (one
// reusable buffer, no JSON decoding: the type and the sharer's id are
// found by scanning the bytes) and is written to by the senders.

// run is the state the sockets share.
type run struct {
	people []person
	index  map[int64]int // person id -> index in people
	// sends holds, by person, when each of their fixes of the measured
	// rounds was sent (UnixNano): a viewer's k-th location of a sharer
	// while recording is the sharer's k-th fix (a socket delivers in
	// order, and drops none: a viewer too slow is closed).
	sends [][]atomic.Int64
	// recording: deliveries are counted and timed; before, those of the
	// round unmeasured are counted in warm.
	recording atomic.Bool
	warm      atomic.Int64
	delivered atomic.Int64
	errs      atomic.Int64 // {"type":"error"} messages received
	open      atomic.Int64
	// ending: live-load is closing the sockets.
	ending atomic.Bool

	mu     sync.Mutex
	errMsg map[string]int // error messages' details, the first few kinds
	lat    []time.Duration
	closes map[string]int // by close code, or the error of a socket that failed
}

// socket is one open socket.
type socket struct {
	ws *websocket.Conn
	mu sync.Mutex // one writer at a time
}

// dial takes a ticket for p and opens its socket.
func (r *run) dial(ctx context.Context, a api, d *websocket.Dialer, p person) (*socket, error) {
	var t struct {
		URL string `json:"url"`
	}
	if err := a.call(ctx, "POST", p.base, "/api/v1/live/ticket", p.token, nil, http.StatusCreated, &t); err != nil {
		return nil, err
	}
	u := "ws" + strings.TrimPrefix(p.base, "http") + t.URL[strings.Index(t.URL, "/api/"):]
	ws, _, err := d.DialContext(ctx, u, nil)
	if err != nil {
		return nil, err
	}
	r.open.Add(1)
	return &socket{ws: ws}, nil
}

var (
	locationType = []byte(`"type":"location"`)
	errorType    = []byte(`"type":"error"`)
	personID     = []byte(`"person":{"id":`)
)

// read reads s until it closes, timing the locations it receives.
func (r *run) read(s *socket) {
	var mine []time.Duration
	var seen map[int]int // by sharer: locations received while recording
	buf := make([]byte, 0, 1024)
	defer func() {
		r.open.Add(-1)
		r.mu.Lock()
		r.lat = append(r.lat, mine...)
		r.mu.Unlock()
	}()
	for {
		_, rd, err := s.ws.NextReader()
		if err != nil {
			r.closed(err)
			return
		}
		buf = buf[:0]
		for {
			if len(buf) == cap(buf) {
				buf = slices.Grow(buf, len(buf))
			}
			n, err := rd.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if err != nil {
				break
			}
		}
		now := time.Now().UnixNano()
		if bytes.Contains(buf, errorType) {
			r.errs.Add(1)
			r.errDetail(buf)
			continue
		}
		if !bytes.Contains(buf, locationType) {
			continue
		}
		if !r.recording.Load() {
			r.warm.Add(1)
			continue
		}
		i := bytes.Index(buf, personID)
		if i < 0 {
			continue
		}
		rest := buf[i+len(personID):]
		end := bytes.IndexAny(rest, ",}")
		id, err := strconv.ParseInt(string(rest[:max(end, 0)]), 10, 64)
		if err != nil {
			continue
		}
		r.delivered.Add(1)
		if who, ok := r.index[id]; ok {
			if seen == nil {
				seen = map[int]int{}
			}
			if k := seen[who]; k < len(r.sends[who]) {
				if at := r.sends[who][k].Load(); at != 0 {
					mine = append(mine, time.Duration(now-at))
				}
			}
			seen[who]++
		}
	}
}

// errDetail counts an error message by its detail.
func (r *run) errDetail(m []byte) {
	var e struct{ Field, Detail string }
	json.Unmarshal(m, &e)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.errMsg == nil {
		r.errMsg = map[string]int{}
	}
	k := e.Field + ": " + e.Detail
	if _, ok := r.errMsg[k]; ok || len(r.errMsg) < 10 {
		r.errMsg[k]++
	}
}

// errDetails are the error messages counted by detail.
func (r *run) errDetails() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.errMsg)
}

// closed counts how a socket ended.
func (r *run) closed(err error) {
	key := "other: " + err.Error()
	var ce *websocket.CloseError
	switch {
	case r.ending.Load():
		key = "at the end, by live-load"
	case errors.As(err, &ce):
		key = strconv.Itoa(ce.Code)
	case strings.Contains(err.Error(), "unexpected EOF") || strings.Contains(err.Error(), "reset by peer"):
		key = "1006 (no close frame)"
	}
	r.mu.Lock()
	r.closes[key]++
	r.mu.Unlock()
}

// send writes m to s; false when the socket is gone.
func (s *socket) send(m []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return s.ws.WriteMessage(websocket.TextMessage, m) == nil
}

// rounds has every socket send msg once a period, from senders
// goroutines, socket i at its place i/n of the period so that the
// sends are spread evenly, for rounds periods from start.
func (r *run) rounds(socks []*socket, msg []byte, start time.Time, first, rounds int, period time.Duration, senders int) (failed int64) {
	n := len(socks)
	var bad atomic.Int64
	var wg sync.WaitGroup
	for w := range senders {
		wg.Go(func() {
			for k := first; k < first+rounds; k++ {
				for i := w; i < n; i += senders {
					if socks[i] == nil || !r.people[i].sharer {
						continue
					}
					slot := start.Add(time.Duration(k)*period + period*time.Duration(i)/time.Duration(n))
					time.Sleep(time.Until(slot))
					if k < len(r.sends[i]) && r.recording.Load() {
						r.sends[i][k].Store(time.Now().UnixNano())
					}
					if !socks[i].send(msg) {
						bad.Add(1)
					}
				}
			}
		})
	}
	wg.Wait()
	time.Sleep(time.Until(start.Add(time.Duration(first+rounds) * period)))
	return bad.Load()
}

// percentile is the p-th percentile of sorted d.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(float64(len(d))*p/100))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

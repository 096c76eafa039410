package natsbus_test

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/campusnav/engine/services/share"
	"github.com/campusnav/engine/services/share/natsbus"
)

func same(a, b share.Located) bool {
	return a.Sharer == b.Sharer && a.Lon == b.Lon && a.Lat == b.Lat && a.Ordinal == b.Ordinal &&
		a.Level == b.Level && a.AccuracyM == b.AccuracyM && a.T.Equal(b.T)
}

func TestCodecRoundTrip(t *testing.T) {
	for name, l := range map[string]share.Located{
		"indoors":  *located(7),
		"outdoors": {Sharer: 1, Lon: -180, Lat: 90, AccuracyM: 0, T: time.Unix(1, 0)},
		"parking":  {Sharer: math.MaxInt64, Lon: 113.48, Lat: -22.9, Ordinal: -1, Level: "停车场-B1", AccuracyM: 1000, T: time.Now()},
	} {
		b := natsbus.AppendLocation(nil, &l)
		got, err := natsbus.DecodeLocation(b)
		if err != nil || !same(got, l) {
			t.Errorf("%s: %+v, %v; want %+v", name, got, err, l)
		}
	}
}

func TestCodecRefuses(t *testing.T) {
	good := *located(7)
	for name, mut := range map[string]func(*share.Located){
		"no sharer":     func(l *share.Located) { l.Sharer = 0 },
		"NaN lon":       func(l *share.Located) { l.Lon = math.NaN() },
		"lat beyond 90": func(l *share.Located) { l.Lat = 91 },
		"infinite acc":  func(l *share.Located) { l.AccuracyM = math.Inf(1) },
		"negative acc":  func(l *share.Located) { l.AccuracyM = -1 },
		"ordinal 999":   func(l *share.Located) { l.Ordinal = 999 },
		"long level":    func(l *share.Located) { l.Level = string(make([]byte, 200)) },
		"bad utf-8":     func(l *share.Located) { l.Level = "\xff" },
		"zero time":     func(l *share.Located) { l.T = time.Unix(0, 0) },
	} {
		l := good
		mut(&l)
		if _, err := natsbus.DecodeLocation(natsbus.AppendLocation(nil, &l)); !errors.Is(err, natsbus.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	b := natsbus.AppendLocation(nil, &good)
	for name, bad := range map[string][]byte{
		"empty": nil, "version 2": append([]byte{2}, b[1:]...), "cut": b[:len(b)-1], "trailing": append(b, 0),
	} {
		if _, err := natsbus.DecodeLocation(bad); !errors.Is(err, natsbus.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

// FuzzDecodeLocation: no bytes make the decoder panic, and what it
// accepts encodes back to the same bytes.
func FuzzDecodeLocation(f *testing.F) {
	f.Add(natsbus.AppendLocation(nil, located(7)))
	f.Add(natsbus.AppendLocation(nil, &share.Located{Sharer: 1, Ordinal: -1, T: time.Unix(1, 0)}))
	f.Add([]byte{1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := natsbus.DecodeLocation(b)
		if err != nil {
			return
		}
		again, err := natsbus.DecodeLocation(natsbus.AppendLocation(nil, &l))
		if err != nil || !same(again, l) {
			t.Fatalf("%x decodes to %+v, which does not survive a round trip: %+v %v", b, l, again, err)
		}
	})
}

// BenchmarkCodec: a location encoded and decoded, by this package and by
// encoding/json.
func BenchmarkCodec(b *testing.B) {
	l := located(123456)
	b.Run("binary", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = natsbus.AppendLocation(buf[:0], l)
			if _, err := natsbus.DecodeLocation(buf); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(buf)), "bytes/msg")
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, _ = json.Marshal(l)
			var got share.Located
			if err := json.Unmarshal(buf, &got); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(buf)), "bytes/msg")
	})
}

func TestAlertCodec(t *testing.T) {
	at := time.Date(2026, 12, 9, 10, 0, 0, 5, time.UTC)
	for _, e := range []share.AlertEvent{
		{ID: 1, AlertID: 2, ShareID: 3, ViewerID: 4, Place: "C3", Event: share.Enter, At: at},
		{AlertID: 2, ShareID: 3, ViewerID: 4, Place: "c3-level-2", Event: share.Leave, At: at}, // not kept: no id
	} {
		got, err := natsbus.DecodeAlert(natsbus.AppendAlert(nil, &e))
		if err != nil || got.ID != e.ID || got.AlertID != e.AlertID || got.ShareID != e.ShareID || got.ViewerID != e.ViewerID ||
			got.Place != e.Place || got.Event != e.Event || !got.At.Equal(e.At) {
			t.Errorf("%+v: %+v, %v", e, got, err)
		}
	}
	good := share.AlertEvent{ID: 1, AlertID: 2, ShareID: 3, ViewerID: 4, Place: "C3", Event: share.Enter, At: at}
	for name, mut := range map[string]func(*share.AlertEvent){
		"no share":   func(e *share.AlertEvent) { e.ShareID = 0 },
		"no place":   func(e *share.AlertEvent) { e.Place = "" },
		"long place": func(e *share.AlertEvent) { e.Place = string(make([]byte, 300)) },
		"odd event":  func(e *share.AlertEvent) { e.Event = "linger" },
		"zero time":  func(e *share.AlertEvent) { e.At = time.Unix(0, 0) },
	} {
		e := good
		mut(&e)
		if _, err := natsbus.DecodeAlert(natsbus.AppendAlert(nil, &e)); !errors.Is(err, natsbus.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	b := natsbus.AppendAlert(nil, &good)
	if _, err := natsbus.DecodeAlert(append(b, 0)); !errors.Is(err, natsbus.ErrMalformed) {
		t.Errorf("trailing bytes: %v", err)
	}
}

// FuzzDecodeAlert: no bytes make the decoder panic, and what it accepts
// survives a round trip.
func FuzzDecodeAlert(f *testing.F) {
	f.Add(natsbus.AppendAlert(nil, &share.AlertEvent{ID: 1, AlertID: 2, ShareID: 3, ViewerID: 4, Place: "C3", Event: share.Enter, At: time.Unix(5, 0)}))
	f.Add([]byte{1, 0, 1, 1, 1, 2, 'C', '3', 2, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := natsbus.DecodeAlert(b)
		if err != nil {
			return
		}
		again, err := natsbus.DecodeAlert(natsbus.AppendAlert(nil, &e))
		if err != nil || again.ID != e.ID || again.AlertID != e.AlertID || again.ShareID != e.ShareID || again.ViewerID != e.ViewerID ||
			again.Place != e.Place || again.Event != e.Event || !again.At.Equal(e.At) {
			t.Fatalf("%x decodes to %+v, which does not survive a round trip: %+v %v", b, e, again, err)
		}
	})
}

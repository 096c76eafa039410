package tiles

import (
	"bytes"
	"compress/gzip"
	"sort"
	"testing"
	"time"

	"github.com/paulmach/orb/maptile"

	"github.com/campusnav/engine/geo"
)

// densest returns the z18 tile with the most features of the campus.
func densest(b *testing.B) maptile.Tile {
	v, _ := campus(b)
	count := map[maptile.Tile]int{}
	for _, u := range v.Units {
		count[maptile.At(u.Display, 18)]++
	}
	var best maptile.Tile
	for t, n := range count {
		if n > count[best] || (n == count[best] && t.X < best.X) {
			best = t
		}
	}
	return best
}

// BenchmarkTileDensestZ18 renders the densest z18 tile, uncached, as
// staff, into a reused buffer (as the server does), and reports p50, p99
// and its size.
func BenchmarkTileDensestZ18(b *testing.B) {
	_, r := campus(b)
	t := densest(b)
	var times []time.Duration
	size := 0
	var buf []byte
	for b.Loop() {
		start := time.Now()
		data, err := r.AppendTile(buf[:0], geo.Staff, 18, t.X, t.Y, "en")
		buf = data
		if err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
		size = len(data)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(size), "bytes")
	var zbuf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zbuf, gzip.BestSpeed) // as the server sends it
	zw.Write(buf)
	zw.Close()
	b.ReportMetric(float64(zbuf.Len()), "gzip-bytes")
}

package main

import (
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// Glyph PBFs as MapLibre reads them (the glyphs.proto of the Mapbox style
// spec): signed distance fields of each glyph at 24 px with a 3 px border,
// 256 code points a file, one folder per font stack.
const (
	glyphSize   = 24  // px, the size MapLibre expects
	glyphBorder = 3   // px around each bitmap
	sdfRadius   = 8.0 // px of distance the field spans
	sdfCutoff   = 0.25
)

// loadFonts reads the fonts of a stack, in fallback order; a .ttc gives its
// first face.
func loadFonts(paths []string) ([]*sfnt.Font, error) {
	var out []*sfnt.Font
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		if c, err := sfnt.ParseCollection(b); err == nil && c.NumFonts() > 0 {
			f, err := c.Font(0)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			out = append(out, f)
			continue
		}
		f, err := sfnt.Parse(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, f)
	}
	return out, nil
}

type glyph struct {
	id            uint32
	bitmap        []byte
	width, height uint32
	left, top     int32
	advance       uint32
	hasBitmap     bool
}

// makeGlyph renders code point r from the first font that has it.
func makeGlyph(fonts []*sfnt.Font, r rune) (glyph, bool) {
	var buf sfnt.Buffer
	ppem := fixed.I(glyphSize)
	for _, f := range fonts {
		idx, err := f.GlyphIndex(&buf, r)
		if err != nil || idx == 0 {
			continue
		}
		adv, err := f.GlyphAdvance(&buf, idx, ppem, font.HintingNone)
		if err != nil {
			continue
		}
		m, err := f.Metrics(&buf, ppem, font.HintingNone)
		if err != nil {
			continue
		}
		segs, err := f.LoadGlyph(&buf, idx, ppem, nil)
		if err != nil {
			continue
		}
		g := glyph{id: uint32(r), advance: uint32(math.Round(float64(adv) / 64))}
		bb := segs.Bounds()
		x0, y0 := int(math.Floor(float64(bb.Min.X)/64)), int(math.Floor(float64(bb.Min.Y)/64))
		x1, y1 := int(math.Ceil(float64(bb.Max.X)/64)), int(math.Ceil(float64(bb.Max.Y)/64))
		if len(segs) == 0 || x1 <= x0 || y1 <= y0 {
			return g, true // a space: metrics only
		}
		w, h := x1-x0, y1-y0
		W, H := w+2*glyphBorder, h+2*glyphBorder
		ras := vector.NewRasterizer(W, H)
		ox, oy := float32(glyphBorder-x0), float32(glyphBorder-y0)
		pt := func(p fixed.Point26_6) (float32, float32) {
			return float32(p.X)/64 + ox, float32(p.Y)/64 + oy
		}
		for _, s := range segs {
			switch s.Op {
			case sfnt.SegmentOpMoveTo:
				ras.MoveTo(pt(s.Args[0]))
			case sfnt.SegmentOpLineTo:
				ras.LineTo(pt(s.Args[0]))
			case sfnt.SegmentOpQuadTo:
				ax, ay := pt(s.Args[0])
				bx, by := pt(s.Args[1])
				ras.QuadTo(ax, ay, bx, by)
			case sfnt.SegmentOpCubeTo:
				ax, ay := pt(s.Args[0])
				bx, by := pt(s.Args[1])
				cx, cy := pt(s.Args[2])
				ras.CubeTo(ax, ay, bx, by, cx, cy)
			}
		}
		ras.ClosePath()
		alpha := image.NewAlpha(image.Rect(0, 0, W, H))
		ras.Draw(alpha, alpha.Bounds(), image.Opaque, image.Point{})
		g.bitmap = sdf(alpha.Pix, W, H)
		g.width, g.height = uint32(w), uint32(h)
		g.left = int32(x0)
		// Fontnik's convention: the top of the bitmap above the baseline,
		// less the font's ascender.
		g.top = int32(-y0) - int32(math.Round(float64(m.Ascent)/64))
		g.hasBitmap = true
		return g, true
	}
	return glyph{}, false
}

// sdf turns coverage into a signed distance field as TinySDF (and so
// MapLibre's own local glyphs) does: 8 px either side of the edge, the
// edge at 192.
func sdf(a []byte, w, h int) []byte {
	n := w * h
	outer := make([]float64, n)
	inner := make([]float64, n)
	const inf = 1e20
	for i, v := range a {
		f := float64(v) / 255
		switch {
		case f >= 1:
			outer[i], inner[i] = 0, inf
		case f <= 0:
			outer[i], inner[i] = inf, 0
		default:
			d := math.Max(0, 0.5-f)
			outer[i] = d * d
			d = math.Max(0, f-0.5)
			inner[i] = d * d
		}
	}
	edt(outer, w, h)
	edt(inner, w, h)
	out := make([]byte, n)
	for i := range out {
		d := math.Sqrt(outer[i]) - math.Sqrt(inner[i])
		v := math.Round(255 - 255*(d/sdfRadius+sdfCutoff))
		out[i] = byte(math.Max(0, math.Min(255, v)))
	}
	return out
}

// edt is Felzenszwalb and Huttenlocher's squared distance transform, in 2D.
func edt(g []float64, w, h int) {
	m := max(w, h)
	f := make([]float64, m)
	v := make([]int, m)
	z := make([]float64, m+1)
	for x := range w {
		edt1d(g, x, w, h, f, v, z)
	}
	for y := range h {
		edt1d(g, y*w, 1, w, f, v, z)
	}
}

func edt1d(g []float64, off, stride, n int, f []float64, v []int, z []float64) {
	for q := range n {
		f[q] = g[off+q*stride]
	}
	v[0] = 0
	z[0], z[1] = -1e20, 1e20
	k := 0
	for q := 1; q < n; q++ {
		s := ((f[q] + float64(q*q)) - (f[v[k]] + float64(v[k]*v[k]))) / float64(2*q-2*v[k])
		for s <= z[k] {
			k--
			s = ((f[q] + float64(q*q)) - (f[v[k]] + float64(v[k]*v[k]))) / float64(2*q-2*v[k])
		}
		k++
		v[k] = q
		z[k] = s
		z[k+1] = 1e20
	}
	k = 0
	for q := range n {
		for z[k+1] < float64(q) {
			k++
		}
		d := float64(q - v[k])
		g[off+q*stride] = d*d + f[v[k]]
	}
}

// ---- protobuf ----

func pbVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func pbKey(b []byte, field, wire int) []byte { return pbVarint(b, uint64(field<<3|wire)) }

func pbBytes(b []byte, field int, p []byte) []byte {
	b = pbKey(b, field, 2)
	b = pbVarint(b, uint64(len(p)))
	return append(b, p...)
}

func pbUint(b []byte, field int, v uint64) []byte { return pbVarint(pbKey(b, field, 0), v) }

func pbSint(b []byte, field int, v int64) []byte {
	return pbUint(b, field, uint64((v<<1)^(v>>63)))
}

func (g glyph) encode() []byte {
	var b []byte
	b = pbUint(b, 1, uint64(g.id))
	if g.hasBitmap {
		b = pbBytes(b, 2, g.bitmap)
	}
	b = pbUint(b, 3, uint64(g.width))
	b = pbUint(b, 4, uint64(g.height))
	b = pbSint(b, 5, int64(g.left))
	b = pbSint(b, 6, int64(g.top))
	b = pbUint(b, 7, uint64(g.advance))
	return b
}

// writeGlyphs writes dir/<stack>/<start>-<end>.pbf for each range that
// has a glyph.
func writeGlyphs(dir, stack string, fonts []*sfnt.Font, ranges []int) (int, error) {
	total := 0
	if err := os.MkdirAll(filepath.Join(dir, stack), 0o755); err != nil {
		return 0, err
	}
	for _, start := range ranges {
		name := fmt.Sprintf("%d-%d", start, start+255)
		var fs []byte
		fs = pbBytes(fs, 1, []byte(stack))
		fs = pbBytes(fs, 2, []byte(name))
		n := 0
		for r := start; r <= start+255; r++ {
			g, ok := makeGlyph(fonts, rune(r))
			if !ok {
				continue
			}
			fs = pbBytes(fs, 3, g.encode())
			n++
		}
		if n == 0 {
			continue
		}
		out := pbBytes(nil, 1, fs)
		if err := os.WriteFile(filepath.Join(dir, stack, name+".pbf"), out, 0o644); err != nil {
			return 0, err
		}
		total += len(out)
	}
	return total, nil
}

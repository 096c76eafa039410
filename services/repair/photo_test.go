package repair

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

// encoded is a w × h image encoded by enc.
func encoded(t testing.TB, w, h int, enc func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := enc(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegOf(t testing.TB, w, h int) []byte {
	return encoded(t, w, h, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) })
}

func pngOf(t testing.TB, w, h int) []byte {
	return encoded(t, w, h, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) })
}

// pngClaiming is a PNG whose header says w × h (its CRC right), and
// nothing after it.
func pngClaiming(w, h uint32) []byte {
	ihdr := make([]byte, 17)
	copy(ihdr, "IHDR")
	binary.BigEndian.PutUint32(ihdr[4:], w)
	binary.BigEndian.PutUint32(ihdr[8:], h)
	ihdr[12], ihdr[13] = 8, 2 // 8-bit RGB
	b := append([]byte("\x89PNG\r\n\x1a\n"), 0, 0, 0, 13)
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}

func TestInspect(t *testing.T) {
	gifImage := encoded(t, 8, 8, func(b *bytes.Buffer, m image.Image) error { return gif.Encode(b, m, nil) })
	jpg := jpegOf(t, 64, 48)
	for _, c := range []struct {
		name string
		b    []byte
		ct   string
		w, h int
		kind error
	}{
		{"jpeg", jpg, "image/jpeg", 64, 48, nil},
		{"png", pngOf(t, 30, 20), "image/png", 30, 20, nil},
		{"a png header claiming 4000 × 3000", pngClaiming(4000, 3000), "image/png", 4000, 3000, nil},
		{"gif", gifImage, "", 0, 0, ErrMediaType},
		{"text named .jpg", []byte("<script>alert(1)</script>"), "", 0, 0, ErrMediaType},
		{"empty", nil, "", 0, 0, ErrMediaType},
		{"a jpeg cut short", jpg[:20], "", 0, 0, ErrInvalid},
		{"a png of 20000 × 20000", pngClaiming(20000, 20000), "", 0, 0, ErrInvalid},
		{"a png of 0 × 10", pngClaiming(0, 10), "", 0, 0, ErrInvalid},
		{"over 5 MB", append(jpg, make([]byte, MaxPhotoBytes)...), "", 0, 0, ErrTooLarge},
	} {
		ct, w, h, err := Inspect(c.b)
		if !errors.Is(err, c.kind) || ct != c.ct || w != c.w || h != c.h {
			t.Errorf("%s: %q %d×%d %v, want %q %d×%d %v", c.name, ct, w, h, err, c.ct, c.w, c.h, c.kind)
		}
		var e *Error
		if err != nil && (!errors.As(err, &e) || e.Field != "photo" || e.Zh == "") {
			t.Errorf("%s: %v names no field or has no Chinese", c.name, err)
		}
	}
}

// FuzzInspect: any bytes are told apart without a panic; what is
// accepted is a JPEG or a PNG by its first bytes, of a sane size.
func FuzzInspect(f *testing.F) {
	f.Add(jpegOf(f, 16, 16))
	f.Add(pngOf(f, 16, 16))
	f.Add(pngClaiming(1<<31-1, 1<<31-1))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 16})
	f.Add([]byte("GIF89a"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ct, w, h, err := Inspect(b)
		if err != nil {
			if e := (*Error)(nil); !errors.As(err, &e) || e.Field != "photo" {
				t.Fatalf("%v is not a photo's refusal", err)
			}
			return
		}
		jpg, isPNG := bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}), bytes.HasPrefix(b, pngMagic)
		if (ct == "image/jpeg") != jpg || (ct == "image/png") != isPNG || w <= 0 || h <= 0 || int64(w)*int64(h) > MaxPhotoPixels {
			t.Fatalf("accepted %q %d×%d from % x", ct, w, h, b[:min(len(b), 8)])
		}
	})
}

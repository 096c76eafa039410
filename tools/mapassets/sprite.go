package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/srwiley/oksvg"
	"github.com/srwiley/rasterx"
)

// Icon is one image of the sprite: a white glyph from an SVG on a round
// badge of a colour (or, with no colour, the glyph in ink alone).
type Icon struct {
	Name, SVG string
	Colour    string // "#rrggbb"
}

// Icons are the sprite's images. Their names are what the style's
// icon-image expressions and the page's legend use.
var Icons = []Icon{
	{"restroom-male", "toilet.svg", "#2a6fb5"},
	{"restroom-female", "toilet.svg", "#c2417a"},
	{"restroom", "toilet.svg", "#5b6b7b"},
	{"elevator", "elevator.svg", "#5b4bb7"},
	{"stairs", "stairs.svg", "#7a5a2e"},
	{"copymachine", "printer.svg", "#2b83ba"},
	{"drinkingfountain", "drinking-water.svg", "#1f9bb5"},
	{"firstaid", "hospital.svg", "#2e9a48"},
	{"defibrillator", "defibrillator.svg", "#d7191c"},
	{"vendingmachine", "vending.svg", "#e07b12"},
	{"information", "information.svg", "#0b63ce"},
	{"cashier", "shop.svg", "#6a7b2a"},
	{"atm", "bank.svg", "#6a7b2a"},
	{"shower", "shower.svg", "#1f9bb5"},
	{"gate", "gate.svg", "#37474f"},
	{"carpark", "parking-garage.svg", "#1565c0"},
	{"entrance", "entrance-alt1.svg", "#37474f"},
}

// iconPx is an icon's size at pixel ratio 1.
const iconPx = 18

type spriteEntry struct {
	X          int `json:"x"`
	Y          int `json:"y"`
	Width      int `json:"width"`
	Height     int `json:"height"`
	PixelRatio int `json:"pixelRatio"`
}

// writeSprite writes sprite.png/.json and sprite@2x.png/.json into dir.
func writeSprite(iconDir, dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	total := 0
	for _, ratio := range []int{1, 2} {
		size := iconPx * ratio
		cols := 6
		rows := (len(Icons) + cols - 1) / cols
		sheet := image.NewNRGBA(image.Rect(0, 0, cols*size, rows*size))
		index := map[string]spriteEntry{}
		for i, ic := range Icons {
			x, y := (i%cols)*size, (i/cols)*size
			img, err := renderIcon(filepath.Join(iconDir, ic.SVG), ic.Colour, size)
			if err != nil {
				return 0, fmt.Errorf("%s: %w", ic.Name, err)
			}
			draw.Draw(sheet, image.Rect(x, y, x+size, y+size), img, image.Point{}, draw.Src)
			index[ic.Name] = spriteEntry{X: x, Y: y, Width: size, Height: size, PixelRatio: ratio}
		}
		suffix := ""
		if ratio == 2 {
			suffix = "@2x"
		}
		var pb bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(&pb, sheet); err != nil {
			return 0, err
		}
		names := make([]string, 0, len(index))
		for n := range index {
			names = append(names, n)
		}
		sort.Strings(names)
		var jb bytes.Buffer
		jb.WriteString("{\n")
		for i, n := range names {
			e, _ := json.Marshal(index[n])
			fmt.Fprintf(&jb, "  %q: %s", n, e)
			if i < len(names)-1 {
				jb.WriteString(",")
			}
			jb.WriteString("\n")
		}
		jb.WriteString("}\n")
		if err := os.WriteFile(filepath.Join(dir, "sprite"+suffix+".png"), pb.Bytes(), 0o644); err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(dir, "sprite"+suffix+".json"), jb.Bytes(), 0o644); err != nil {
			return 0, err
		}
		total += pb.Len() + jb.Len()
	}
	return total, nil
}

func parseHex(s string) color.NRGBA {
	var r, g, b uint8
	fmt.Sscanf(strings.TrimPrefix(s, "#"), "%02x%02x%02x", &r, &g, &b)
	return color.NRGBA{r, g, b, 255}
}

// renderIcon draws a badge of size px: a disc of the colour with a white
// rim, and the SVG's shapes in white inside it.
func renderIcon(svgPath, colour string, size int) (*image.NRGBA, error) {
	src, err := os.ReadFile(svgPath)
	if err != nil {
		return nil, err
	}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	// The disc, anti-aliased by 4x4 supersampling.
	c := parseHex(colour)
	r := float64(size) / 2
	rim := math.Max(1, float64(size)/18)
	for y := range size {
		for x := range size {
			var in, fill int
			for sy := range 4 {
				for sx := range 4 {
					dx := float64(x) + (float64(sx)+0.5)/4 - r
					dy := float64(y) + (float64(sy)+0.5)/4 - r
					d := math.Hypot(dx, dy)
					if d <= r-0.25 {
						in++
						if d <= r-0.25-rim {
							fill++
						}
					}
				}
			}
			if in == 0 {
				continue
			}
			// white rim, colour inside
			f := float64(fill) / float64(in)
			px := color.NRGBA{
				R: uint8(float64(c.R)*f + 255*(1-f)),
				G: uint8(float64(c.G)*f + 255*(1-f)),
				B: uint8(float64(c.B)*f + 255*(1-f)),
				A: uint8(255 * in / 16),
			}
			img.SetNRGBA(x, y, px)
		}
	}
	// The glyph, white: every shape filled white.
	s := string(src)
	for _, tag := range []string{"<path ", "<circle ", "<rect ", "<polygon ", "<ellipse "} {
		s = strings.ReplaceAll(s, tag, tag+`fill="#ffffff" `)
	}
	icon, err := oksvg.ReadIconStream(strings.NewReader(s), oksvg.StrictErrorMode)
	if err != nil {
		return nil, err
	}
	pad := float64(size) * 0.22
	icon.SetTarget(pad, pad, float64(size)-2*pad, float64(size)-2*pad)
	glyph := image.NewRGBA(image.Rect(0, 0, size, size))
	scanner := rasterx.NewScannerGV(size, size, glyph, glyph.Bounds())
	icon.Draw(rasterx.NewDasher(size, size, scanner), 1)
	draw.Draw(img, img.Bounds(), glyph, image.Point{}, draw.Over)
	return img, nil
}

// Command mapassets makes the map page's generated assets from files on
// this machine, so the page loads nothing from elsewhere:
//
//	mapassets glyphs -out ../../web/assets/glyphs   glyph PBFs from Debian's fonts
//	mapassets sprite -out ../../web/assets/sprite   the icon sprite from icons/*.svg
//
// scripts/map-assets.sh installs the fonts and runs both; the output is
// committed, and the same inputs give the same bytes.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// Stack is one font stack of the style: its name (what text-font says) and
// its fonts, in fallback order.
type Stack struct {
	Name  string
	Fonts []string
}

// Stacks are the style's fonts: DejaVu Sans Condensed (Debian's
// fonts-dejavu-extra) for Latin, punctuation and arrows. CJK is not
// generated: MapLibre draws ideographs, CJK punctuation and full-width
// forms with the browser's own CJK font (localIdeographFontFamily).
var Stacks = []Stack{
	{"Campus Sans Regular", []string{
		"/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf"}},
	{"Campus Sans Bold", []string{
		"/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf"}},
}

// Ranges are the first code points of the 256-point ranges generated:
// Latin-1, Latin Extended-A/B, general punctuation, letterlike symbols and
// arrows.
var Ranges = []int{0, 256, 8192, 8448}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mapassets glyphs|sprite -out DIR")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	out := fs.String("out", "", "output folder")
	icons := fs.String("icons", "icons", "folder of the SVG icons")
	fs.Parse(os.Args[2:])
	if *out == "" {
		fmt.Fprintln(os.Stderr, "-out is required")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "glyphs":
		for _, s := range Stacks {
			fonts, err := loadFonts(s.Fonts)
			if err != nil {
				fail(err)
			}
			n, err := writeGlyphs(*out, s.Name, fonts, Ranges)
			if err != nil {
				fail(err)
			}
			fmt.Printf("%s: %d bytes (%s)\n", s.Name, n, strings.Join(s.Fonts, ", "))
		}
	case "sprite":
		n, err := writeSprite(*icons, *out)
		if err != nil {
			fail(err)
		}
		fmt.Printf("sprite: %d icons, %d bytes\n", len(Icons), n)
	default:
		fmt.Fprintln(os.Stderr, "usage: mapassets glyphs|sprite -out DIR")
		os.Exit(2)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "mapassets:", err)
	os.Exit(1)
}

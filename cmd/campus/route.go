package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
)

// loadGraph loads the venue and builds its navigation graph.
func (e *env) loadGraph(c *common) (*geo.Venue, *routing.Graph, error) {
	v, err := e.load(c)
	if err != nil {
		return nil, nil, err
	}
	return v, routing.Build(v), nil
}

func parseProfile(s string) (routing.Profile, error) {
	p, err := routing.ParseProfile(s)
	if err != nil {
		return 0, usagef("--profile: %q is not a profile (want walk, wheelchair or sheltered)", s)
	}
	return p, nil
}

func runRoute(e *env, args []string) int {
	var c common
	fs := newFlags("route", &c)
	from := fs.String("from", "", "where the route starts: a room reference, an id from search, or LON,LAT,ORDINAL")
	to := fs.String("to", "", "where the route ends")
	via := fs.StringArray("via", nil, "a place to pass, in order (repeatable)")
	profile := fs.String("profile", "walk", "walk, wheelchair or sheltered")
	pairs := fs.String("pairs", "", "a file of source,target vertex ids (from campus graph): print source,target,cost for each")
	role, err := parse(fs, &c, args)
	var p routing.Profile
	if err == nil {
		p, err = parseProfile(*profile)
	}
	switch {
	case err != nil:
	case fs.NArg() > 0:
		err = usagef("takes no arguments, got %q (give places with --from and --to)", fs.Arg(0))
	case *pairs != "" && (*from != "" || *to != "" || len(*via) > 0):
		err = usagef("--pairs goes without --from, --to and --via")
	case *pairs == "" && (*from == "" || *to == ""):
		err = usagef("--from and --to are required")
	}
	if err != nil {
		return e.fail("route", err)
	}
	if *pairs != "" {
		return e.routePairs(&c, *pairs, p, role)
	}
	v, g, err := e.loadGraph(&c)
	if err != nil {
		return e.fail("route", err)
	}
	lang := "en"
	if geo.IsChinese(c.lang) {
		lang = "zh"
	}
	rt, err := g.Route(v.View(role), routing.Request{From: *from, To: *to, Via: *via, Profile: p, Lang: lang})
	if err != nil {
		return e.placeFail("route", err, lang)
	}
	if err := e.writeJSON(rt); err != nil {
		return e.fail("route", err)
	}
	return exitOK
}

// detailer is an error that says what is wrong in a language.
type detailer interface{ DetailIn(lang string) string }

// detail says what err is in lang: in its own words when it can, else its
// message without the package's prefix.
func detail(err error, lang string) string {
	var d detailer
	if errors.As(err, &d) {
		return d.DetailIn(lang)
	}
	msg := err.Error()
	for _, prefix := range []string{"routing: ", "geo: "} {
		msg = strings.TrimPrefix(msg, prefix)
	}
	return msg
}

// placeFail reports an error of routing or nearest for command c: a bad or
// far-away position is a bad argument (exit 2) naming its flag; an unknown
// or ambiguous place, or no route, is a failure (exit 1) with the close
// matches or the candidates.
func (e *env) placeFail(c string, err error, lang string) int {
	msg := detail(err, lang)
	if ee := (*routing.EndError)(nil); errors.As(err, &ee) {
		msg = "--" + ee.End + ": " + msg
	}
	if errors.Is(err, geo.ErrBadPosition) || errors.Is(err, geo.ErrFarAway) {
		return e.fail(c, usageError{msg})
	}
	fmt.Fprintf(e.stderr, "campus %s: %s\n", c, msg)
	return exitFail
}

// routePairs answers a file of vertex pairs with their least costs.
func (e *env) routePairs(c *common, file string, p routing.Profile, role geo.Role) int {
	var in io.Reader = e.stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return e.fail("route", usagef("--pairs: %v", err))
		}
		defer f.Close()
		in = f
	}
	_, g, err := e.loadGraph(c)
	if err != nil {
		return e.fail("route", err)
	}
	type pair struct {
		src, dst int64
		cost     float64
	}
	var pairs []pair
	sc := bufio.NewScanner(in)
	line, bad := 0, 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || (line == 1 && strings.HasPrefix(text, "source")) {
			continue
		}
		parts := strings.Split(text, ",")
		var src, dst int64
		var err1, err2 error
		if len(parts) == 2 {
			src, err1 = strconv.ParseInt(strings.TrimSpace(parts[0]), 10, 64)
			dst, err2 = strconv.ParseInt(strings.TrimSpace(parts[1]), 10, 64)
		}
		if len(parts) != 2 || err1 != nil || err2 != nil {
			fmt.Fprintf(e.stderr, "campus route: %s line %d: want source,target (two vertex ids), got %q\n", file, line, text)
			bad++
			continue
		}
		pairs = append(pairs, pair{src: src, dst: dst})
	}
	if err := sc.Err(); err != nil {
		return e.fail("route", fmt.Errorf("--pairs: %w", err))
	}
	// The graph is safe for concurrent searches: use every core, answer in order.
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(len(pairs)); i = next.Add(1) - 1 {
				c, ok := g.VertexCost(p, role, pairs[i].src, pairs[i].dst)
				if !ok {
					c = -1
				}
				pairs[i].cost = c
			}
		}()
	}
	wg.Wait()
	out := bufio.NewWriter(e.stdout)
	for _, pr := range pairs {
		fmt.Fprintf(out, "%d,%d,%s\n", pr.src, pr.dst, strconv.FormatFloat(pr.cost, 'g', -1, 64))
	}
	if err := out.Flush(); err != nil {
		return e.fail("route", err)
	}
	if bad > 0 {
		return exitFail
	}
	return exitOK
}

func runGraph(e *env, args []string) int {
	var c common
	fs := newFlags("graph", &c)
	profile := fs.String("profile", "walk", "walk, wheelchair or sheltered")
	format := fs.String("format", "", "csv (pgRouting's edge table) or geojson")
	role, err := parse(fs, &c, args)
	var p routing.Profile
	if err == nil {
		p, err = parseProfile(*profile)
	}
	switch {
	case err != nil:
	case fs.NArg() > 0:
		err = usagef("takes no arguments, got %q", fs.Arg(0))
	case *format != "csv" && *format != "geojson":
		err = usagef("--format: want csv or geojson, got %q", *format)
	}
	if err != nil {
		return e.fail("graph", err)
	}
	_, g, err := e.loadGraph(&c)
	if err != nil {
		return e.fail("graph", err)
	}
	if *format == "csv" {
		err = g.WriteCSV(e.stdout, p, role)
	} else {
		err = g.WriteGeoJSON(e.stdout, p, role)
	}
	if err != nil {
		return e.fail("graph", err)
	}
	return exitOK
}

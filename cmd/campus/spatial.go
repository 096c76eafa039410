package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
)

func runValidate(e *env, args []string) int {
	var c common
	fs := newFlags("validate", &c)
	if _, err := parse(fs, &c, args); err != nil {
		return e.fail("validate", err)
	}
	switch fs.NArg() {
	case 0:
	case 1:
		c.venue, c.from = fs.Arg(0), "PATH"
	default:
		return e.fail("validate", usagef("want at most one PATH, got %d", fs.NArg()))
	}
	v, err := e.load(&common{venue: c.venue, from: c.from})
	if err != nil {
		return e.fail("validate", err)
	}
	for _, p := range v.Problems {
		fmt.Fprintln(e.stdout, p.String())
	}
	errs, warns := geo.Counts(v.Problems)
	fmt.Fprintf(e.stdout, "%s: %d errors, %d warnings; %d buildings, %d levels, %d units, %d openings, %d amenities\n",
		c.venue, errs, warns, len(v.Buildings), len(v.Levels), len(v.Units), len(v.Openings), len(v.Amenities))
	if errs > 0 {
		return exitFail
	}
	return exitOK
}

func runVenue(e *env, args []string) int {
	var c common
	fs := newFlags("venue", &c)
	role, err := parse(fs, &c, args)
	if err == nil && fs.NArg() > 0 {
		err = usagef("takes no arguments, got %q", fs.Arg(0))
	}
	if err != nil {
		return e.fail("venue", err)
	}
	v, err := e.load(&c)
	if err != nil {
		return e.fail("venue", err)
	}
	out := struct {
		Buildings []geo.BuildingLevels `json:"buildings"`
	}{v.View(role).Buildings(c.lang)}
	if err := e.writeJSON(out); err != nil {
		return e.fail("venue", err)
	}
	return exitOK
}

func runSearch(e *env, args []string) int {
	var c common
	fs := newFlags("search", &c)
	limit := fs.Int("limit", geo.DefaultSearchLimit, "most results")
	role, err := parse(fs, &c, args)
	switch {
	case err != nil:
	case fs.NArg() != 1:
		err = usagef("want one QUERY (quote a query of several words), got %d arguments", fs.NArg())
	case *limit < 1:
		err = usagef("--limit: %d is not a positive number", *limit)
	}
	if err != nil {
		return e.fail("search", err)
	}
	v, err := e.load(&c)
	if err != nil {
		return e.fail("search", err)
	}
	if err := e.writeJSON(v.View(role).Search(fs.Arg(0), c.lang, *limit)); err != nil {
		return e.fail("search", err)
	}
	return exitOK
}

func runLocate(e *env, args []string) int {
	var c common
	fs := newFlags("locate", &c)
	at := fs.String("at", "", "position LON,LAT,ORDINAL")
	role, err := parse(fs, &c, args)
	var pos geo.Position
	switch {
	case err != nil:
	case fs.NArg() > 0:
		err = usagef("takes no arguments, got %q", fs.Arg(0))
	case *at == "":
		err = usagef("--at LON,LAT,ORDINAL is required")
	default:
		pos, err = parseAt(*at)
	}
	if err != nil {
		return e.fail("locate", err)
	}
	v, err := e.load(&c)
	if err != nil {
		return e.fail("locate", err)
	}
	if err := v.CheckNear(pos.Lon, pos.Lat); err != nil {
		return e.placeFail("locate", &routing.EndError{End: "at", Err: err}, c.lang)
	}
	if err := e.writeJSON(v.View(role).Locate(pos, c.lang)); err != nil {
		return e.fail("locate", err)
	}
	return exitOK
}

func runNearest(e *env, args []string) int {
	var c common
	fs := newFlags("nearest", &c)
	at := fs.String("at", "", "position LON,LAT,ORDINAL")
	k := fs.IntP("count", "k", 3, "how many")
	profile := fs.String("profile", "walk", "walk, wheelchair or sheltered")
	role, err := parse(fs, &c, args)
	var pos geo.Position
	var p routing.Profile
	if err == nil {
		p, err = parseProfile(*profile)
	}
	switch {
	case err != nil:
	case fs.NArg() != 1:
		err = usagef("want one CATEGORY (an IMDF amenity category such as copymachine or defibrillator), got %d arguments", fs.NArg())
	case !geo.IsAmenityCategoryGroup(fs.Arg(0)) && len(geo.AmenityCategoriesNamed(fs.Arg(0))) > 0:
		err = usagef("%q is not an IMDF amenity category: for %[1]q ask for %[2]s", fs.Arg(0), strings.Join(geo.AmenityCategoriesNamed(fs.Arg(0)), ", "))
	case !geo.IsAmenityCategoryGroup(fs.Arg(0)):
		err = usagef("%q is not an IMDF amenity category (printers are copymachine, AEDs defibrillator; also firstaid, vendingmachine, drinkingfountain, atm, information, restroom (every kind) ...)", fs.Arg(0))
	case *at == "":
		err = usagef("--at LON,LAT,ORDINAL is required")
	case *k < 1:
		err = usagef("-k: %d is not a positive number", *k)
	default:
		pos, err = parseAt(*at)
	}
	if err != nil {
		return e.fail("nearest", err)
	}
	v, g, err := e.loadGraph(&c)
	if err != nil {
		return e.fail("nearest", err)
	}
	near, err := g.Nearest(v.View(role), fs.Arg(0), pos, *k, p, c.lang)
	if err != nil {
		if errors.Is(err, geo.ErrFarAway) {
			err = &routing.EndError{End: "at", Err: err}
		}
		return e.placeFail("nearest", err, c.lang)
	}
	if err := e.writeJSON(near); err != nil {
		return e.fail("nearest", err)
	}
	return exitOK
}

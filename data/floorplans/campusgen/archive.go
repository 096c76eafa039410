// Package campusgen writes the representative IMDF 1.0.0 archive of the
// HKUST (Guangzhou) campus in Nansha (data/floorplans/hkust-gz): the
// teaching buildings C1..C7, E and W, the sports hall, the residences
// D1..D5 and the underground car park, with their floors, rooms, doors,
// stairs and lifts, amenities and beacons, and outdoors the paths and gates
// of data/floorplans/FORMAT.md; the places the card is used at (the
// library, canteens, tills) and the card readers (reader.geojson) with the
// rules of who may pass them (access.json); the rooms bookings need
// (library study rooms, the NICE and NFF labs' rooms, the counselling
// rooms) with the booking rules and the labs' equipment (booking.json).
// The layout is generated, not surveyed, and the same on every run:
// Generate returns the same bytes every time.
package campusgen

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Generate returns every file of the archive by name.
func Generate() (map[string][]byte, error) {
	c, err := build()
	if err != nil {
		return nil, err
	}
	return c.encode()
}

// Write generates the archive into dir, first removing the .geojson and
// .json files already there.
func Write(dir string) error {
	files, err := Generate()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range old {
		if n := e.Name(); !e.IsDir() && (strings.HasSuffix(n, ".geojson") || strings.HasSuffix(n, ".json")) {
			if err := os.Remove(filepath.Join(dir, n)); err != nil {
				return err
			}
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), files[n], 0o644); err != nil {
			return fmt.Errorf("campusgen: %w", err)
		}
	}
	return nil
}

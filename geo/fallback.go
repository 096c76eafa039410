package geo

import (
	"cmp"
	"slices"
	"strings"

	json "github.com/goccy/go-json"
)

// What the engine does without: a fault in a property it can do without is
// a warning, and the feature stays with a fallback. A geometry where IMDF
// wants none is set aside (a building's outline may stand for its missing
// footprint); a category missing or not IMDF's reads as unspecified.

// checkGeometries drops features with the wrong or an invalid geometry. A
// geometry where IMDF wants none is set aside with a warning (a building's
// outline may serve as its footprint): the engine does without it.
func (ld *loader) checkGeometries() {
	for _, typ := range allTypes() {
		allowed := geometryTypes[typ]
		kept := ld.raw[typ][:0]
		for _, f := range ld.raw[typ] {
			gt := geometryTypeName(f.Geometry)
			if !hasString(allowed, gt) && slices.Equal(allowed, []string{""}) {
				ld.setAside(f, typ, gt)
				f.Geometry = nil
				kept = append(kept, f)
				continue
			}
			if !hasString(allowed, gt) {
				names := make([]string, len(allowed))
				for i, a := range allowed {
					names[i] = cmp.Or(a, "null")
				}
				ld.ps.errorf(f.file, f.ID, RuleGeometryType, "geometry is %s, a %s needs %s", cmp.Or(gt, "null"), typ, strings.Join(names, " or "))
				ld.left.own(f.file, f.ID)
				continue
			}
			if f.Geometry != nil {
				if msg := checkGeometry(f.Geometry); msg != "" {
					ld.ps.errorf(f.file, f.ID, RuleGeometry, "%s", msg)
					ld.left.own(f.file, f.ID)
					continue
				}
			}
			kept = append(kept, f)
		}
		ld.raw[typ] = kept
	}
}

// setAside reports the geometry of a feature whose type IMDF wants without
// one. A building's sound outline is kept, to stand for its footprint if it
// has none (see useShapes); any other is ignored.
func (ld *loader) setAside(f rawFeature, typ, gt string) {
	if typ == "building" && (gt == "Polygon" || gt == "MultiPolygon") && checkGeometry(f.Geometry) == "" {
		ld.shapes[f.ID] = f.Geometry
		return
	}
	ld.ps.warnf(f.file, f.ID, RuleGeometryType, "geometry is %s, IMDF wants null for a %s (ignored)", gt, typ)
}

// useShapes makes the outline of each building that has no footprint its
// ground footprint, and reports every building outline, used or not.
func (ld *loader) useShapes() {
	for _, b := range ld.v.Buildings {
		g, ok := ld.shapes[b.ID]
		if !ok {
			continue
		}
		what := "ignored: its footprints are its outline"
		if len(b.Footprints) == 0 {
			what = "used as its footprint, as it has none"
			props, _ := json.Marshal(map[string]any{"category": "ground", "building_ids": []string{b.ID}})
			fp := &Footprint{Base: Base{ID: b.ID + "/footprint", Type: "footprint", Geometry: g, Local: project(ld.v.Projection, g), Properties: props}, Category: "ground", Buildings: []*Building{b}}
			b.Footprints = append(b.Footprints, fp)
			ld.v.Footprints = append(ld.v.Footprints, fp)
			if _, taken := ld.v.byID[fp.ID]; !taken {
				ld.register(fp)
			}
		}
		ld.ps.warnf(ld.read["building"], b.ID, RuleGeometryType, "geometry is %s, IMDF wants null for a building (%s)", g.GeoJSONType(), what)
	}
}

// unspecified is the category of a feature whose own cannot be read.
const unspecified = "unspecified"

// category reads the category property, one of allowed. A category missing
// where IMDF requires one, or one IMDF does not define, is read as
// unspecified with a warning: the engine can do without it.
func (ld *loader) category(p *props, allowed []string, required bool) string {
	raw, ok := p.m["category"]
	if !ok || isNull(raw) {
		if required {
			ld.ps.warnf(p.file, p.id, RuleProperty, "category: missing (read as %s)", unspecified)
			return unspecified
		}
		return ""
	}
	var c string
	if err := json.Unmarshal(raw, &c); err != nil || c == "" {
		ld.ps.warnf(p.file, p.id, RuleProperty, "category: want a category (read as %s)", unspecified)
		return unspecified
	}
	if c != unspecified && !hasString(allowed, c) {
		ld.ps.warnf(p.file, p.id, RuleCategory, "category %q is not an IMDF %s category (read as %s)", c, p.typ, unspecified)
		return unspecified
	}
	return c
}

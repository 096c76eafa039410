package geo

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	json "github.com/goccy/go-json"

	"github.com/paulmach/orb"
)

// loader carries the state of one load: the raw features by type, the ids
// seen, the problems found and the venue being built.
type loader struct {
	ps         problems
	v          *Venue
	raw        map[string][]rawFeature
	files      map[string]bool   // the archive's files, by name
	read       map[string]string // the file each feature type was read from
	policy     []byte
	addressIDs map[string]bool
	otherIDs   map[string]string       // ids of features kept but not modelled (anchor, fixture...), to their type
	left       leftOut                 // what was left out, and why
	shapes     map[string]orb.Geometry // buildings' geometries, which IMDF wants null, by id
}

// build turns the files of an archive into a Venue, reporting every problem.
func build(files []archiveFile) *Venue {
	ld := &loader{
		v:          &Venue{byID: map[string]Feature{}},
		raw:        map[string][]rawFeature{},
		files:      map[string]bool{},
		read:       map[string]string{},
		addressIDs: map[string]bool{},
		otherIDs:   map[string]string{},
		left:       newLeftOut(),
		shapes:     map[string]orb.Geometry{},
	}
	ld.readFiles(files)
	ld.dedupe()
	ld.checkGeometries()
	ld.v.Projection = ld.anchor()
	ld.buildVenue()
	ld.buildBuildings()
	ld.buildFootprints()
	ld.useShapes()
	ld.buildLevels()
	ld.buildUnits()
	ld.buildOpenings()
	ld.buildAmenities()
	ld.buildOthers()
	ld.buildRelationships()
	ld.buildBeacons()
	ld.buildPaths()
	ld.buildGates()
	ld.buildReaders()
	ld.v.index = newVenueIndex(ld.v)
	// The search index reads names and references only: build it while the
	// rest is checked.
	searchDone := make(chan *searchIndex)
	go func() { searchDone <- newSearchIndex(ld.v) }()
	ld.derive()
	ld.check()
	ld.applyPolicy()
	ld.v.index.buildRoleIndexes(ld.v)
	ld.v.index.search = <-searchDone
	ld.left.report(&ld.ps)
	ld.v.Problems = ld.ps.sorted()
	return ld.v
}

// decodeJob is the decoding of one GeoJSON file.
type decodeJob struct {
	typ      string
	file     archiveFile
	features []rawFeature
	bad      []string // ids of features in error
	ps       problems
}

func (ld *loader) readFiles(files []archiveFile) {
	for _, f := range files {
		ld.files[f.name] = true
	}
	var jobs []decodeJob
	for _, f := range files {
		if strings.HasSuffix(f.name, "/") {
			ld.ps.warnf(f.name, "", RuleUnknownFile, "folder is not part of an IMDF archive (ignored)")
			continue
		}
		if f.err != nil {
			ld.ps.errorf(f.name, "", RuleParse, "cannot read: %v", f.err)
			continue
		}
		typ := featureFile(f.name)
		switch {
		case f.name == "manifest.json":
			ld.readManifest(f.data)
		case f.name == PolicyFile:
			ld.policy = f.data
		case f.name == AccessFile:
			ld.v.Access = f.data
		case f.name == BookingFile:
			ld.v.Booking = f.data
		case typ == "":
			ld.ps.warnf(f.name, "", RuleUnknownFile, "not part of an IMDF archive (ignored)")
		case geometryTypes[typ] == nil:
			ld.ps.warnf(f.name, "", RuleUnknownFile, "feature type %q is not IMDF 1.0.0 nor an extension this engine reads (ignored)", typ)
		case !strings.HasSuffix(f.name, ".geojson") && ld.files[typ+".geojson"]:
			ld.ps.warnf(f.name, "", RuleFileName, "%s.geojson is read, not this file (ignored)", typ)
		default:
			if !strings.HasSuffix(f.name, ".geojson") {
				ld.ps.warnf(f.name, "", RuleFileName, "IMDF names this file %s.geojson (read as such)", typ)
			}
			ld.read[typ] = f.name
			jobs = append(jobs, decodeJob{typ: typ, file: f})
		}
	}
	// Decode the collections on every core; report in file order.
	var wg sync.WaitGroup
	for i := range jobs {
		wg.Add(1)
		go func(j *decodeJob) {
			defer wg.Done()
			j.features, j.bad = decodeCollection(j.file.name, j.typ, j.file.data, &j.ps)
		}(&jobs[i])
	}
	wg.Wait()
	for _, j := range jobs {
		ld.raw[j.typ] = j.features
		ld.ps.list = append(ld.ps.list, j.ps.list...)
		for _, id := range j.bad {
			ld.left.own(j.file.name, id)
		}
	}
	if !ld.files["manifest.json"] {
		ld.ps.errorf("manifest.json", "", RuleMissingFile, "the archive has no manifest.json")
	}
	for _, typ := range requiredFiles {
		if ld.read[typ] == "" {
			ld.ps.errorf(typ+".geojson", "", RuleMissingFile, "the archive has no %s.geojson (IMDF requires it)", typ)
		}
	}
	for file, ext := range extensionFiles {
		if typ := featureFile(file); typ != "" && ld.read[typ] != "" {
			file = ld.read[typ]
		}
		if ld.files[file] && ld.files["manifest.json"] && !hasString(ld.v.Manifest.Extensions, ext) {
			ld.ps.warnf(file, "", RuleManifest, "extension %s is not declared in manifest.json (read anyway)", ext)
		}
	}
}

func (ld *loader) readManifest(data []byte) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		ld.ps.errorf("manifest.json", "", RuleParse, "not a manifest: %v", err)
		return
	}
	ld.v.Manifest = m
	if m.Version != "1.0.0" {
		ld.ps.warnf("manifest.json", "", RuleManifest, "version %q (this engine reads IMDF 1.0.0)", m.Version)
	}
	if m.Language == "" {
		ld.ps.warnf("manifest.json", "", RuleManifest, "language is missing")
	}
}

// allTypes lists the feature types in build order: IMDF, then extensions.
func allTypes() []string {
	return append(append([]string(nil), imdfFiles...), "beacon", "path", "gate", "reader")
}

// dedupe drops every feature whose id was used before, in file order.
func (ld *loader) dedupe() {
	seen := map[string]string{}
	for _, typ := range allTypes() {
		kept := ld.raw[typ][:0]
		for _, f := range ld.raw[typ] {
			if first, ok := seen[f.ID]; ok {
				ld.ps.errorf(f.file, f.ID, RuleDuplicateID, "id is already used in %s", first)
				continue
			}
			seen[f.ID] = f.file
			kept = append(kept, f)
		}
		ld.raw[typ] = kept
	}
}

// anchor picks the projection's anchor: the venue's display point, else the
// centre of everything there is.
func (ld *loader) anchor() Projection {
	if venues := ld.raw["venue"]; len(venues) > 0 {
		f := venues[0]
		p := newProps(f, &problems{}, nil)
		c := f.Geometry.Bound().Center()
		// A display point far from its venue (copied from another archive)
		// would put the plane's origin there, and distort every distance.
		if pt, ok := p.displayPoint(); ok && f.Geometry.Bound().Pad(0.01).Contains(pt) {
			return NewProjection(pt[0], pt[1])
		}
		return NewProjection(c[0], c[1])
	}
	var b orb.Bound
	first := true
	for _, typ := range allTypes() {
		for _, f := range ld.raw[typ] {
			if f.Geometry == nil {
				continue
			}
			if first {
				b, first = f.Geometry.Bound(), false
			} else {
				b = b.Union(f.Geometry.Bound())
			}
		}
	}
	c := b.Center()
	return NewProjection(c[0], c[1])
}

// base makes a feature's common part and registers its id.
func (ld *loader) base(f rawFeature) Base {
	return Base{ID: f.ID, Type: f.FeatureType, Geometry: f.Geometry, Local: project(ld.v.Projection, f.Geometry), Properties: f.Properties}
}

func (ld *loader) register(f Feature) {
	ld.v.byID[f.Common().ID] = f
}

func (ld *loader) props(f rawFeature) *props {
	return newProps(f, &ld.ps, ld.known(f.FeatureType))
}

func (ld *loader) known(typ string) []string {
	known := knownProperties[typ]
	if ext, ok := extensionProperties[typ]; ok && hasString(ld.v.Manifest.Extensions, ExtUnitBooking) {
		known = append(append([]string(nil), known...), ext...)
	}
	return known
}

// propsAll reads the properties of many features on every core; what is
// wrong is reported in feature order, as props would.
func (ld *loader) propsAll(fs []rawFeature) []*props {
	out := make([]*props, len(fs))
	if len(fs) == 0 {
		return out
	}
	workers := runtime.GOMAXPROCS(0)
	size := (len(fs) + workers - 1) / workers
	found := make([]problems, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*size, min(len(fs), (w+1)*size)
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				out[i] = newProps(fs[i], &found[w], ld.known(fs[i].FeatureType))
			}
		}()
	}
	wg.Wait()
	for w := range found {
		ld.ps.list = append(ld.ps.list, found[w].list...)
	}
	for _, p := range out {
		p.ps = &ld.ps
	}
	return out
}

func (ld *loader) restricted(p *props) bool {
	r := p.str("restriction", false)
	if r != "" && !hasString(restrictions, r) {
		ld.ps.warnf(p.file, p.id, RuleCategory, "restriction %q is not an IMDF restriction", r)
	}
	return r != ""
}

func (ld *loader) checkAddress(p *props) {
	if id := p.str("address_id", false); id != "" && !ld.addressIDs[id] {
		ld.ps.warnf(p.file, p.id, RuleReference, "address_id %q does not resolve (ignored)", id)
	}
}

func (ld *loader) displayPoint(p *props, b *Base) orb.Point {
	pt, ok := p.displayPoint()
	if ok && b.Local != nil {
		if lp := ld.v.Projection.ToLocal(pt[0], pt[1]); !Contains(b.Local, lp) && BoundaryDistance(b.Local, lp) > 0.5 {
			ld.ps.warnf(p.file, p.id, RuleDisplayPoint, "display_point lies outside the feature")
		}
	}
	if !ok && b.Geometry != nil {
		pt = InteriorPoint(b.Geometry)
	}
	return pt
}

func (ld *loader) buildVenue() {
	for _, f := range ld.raw["address"] {
		ld.props(f)
		ld.addressIDs[f.ID] = true
		ld.otherIDs[f.ID] = "address"
	}
	venues := ld.raw["venue"]
	for i, f := range venues {
		p := ld.props(f)
		if i > 0 {
			ld.ps.warnf(f.file, f.ID, RuleParse, "a second venue in the archive (ignored)")
			ld.otherIDs[f.ID] = "venue"
			continue
		}
		v := ld.v
		v.Base = ld.base(f)
		v.Category = ld.category(p, venueCategories, true)
		v.Name = p.labels("name")
		ld.restricted(p)
		ld.checkAddress(p)
		v.Display = ld.displayPoint(p, &v.Base)
		ld.register(v)
	}
}

func (ld *loader) buildBuildings() {
	for _, f := range ld.raw["building"] {
		p := ld.props(f)
		b := &Building{Base: ld.base(f)}
		b.Name = p.labels("name")
		alt := p.labels("alt_name")
		b.Ref = alt.In("en")
		if b.Ref == "" {
			b.Ref = b.Name.In("en")
		}
		b.Category = ld.category(p, buildingCategories, true)
		b.Restricted = ld.restricted(p)
		ld.checkAddress(p)
		if pt, ok := p.displayPoint(); ok {
			b.Display = pt
		}
		if p.bad {
			ld.drop(f, p)
			continue
		}
		ld.v.Buildings = append(ld.v.Buildings, b)
		ld.register(b)
	}
}

func (ld *loader) buildFootprints() {
	for _, f := range ld.raw["footprint"] {
		p := ld.props(f)
		fp := &Footprint{Base: ld.base(f)}
		fp.Category = ld.category(p, footprintCategories, true)
		for _, b := range ld.resolve(p, "building_ids", p.ids("building_ids", true), "building") {
			fp.Buildings = append(fp.Buildings, b.(*Building))
		}
		if p.bad {
			ld.drop(f, p)
			continue
		}
		for _, b := range fp.Buildings {
			b.Footprints = append(b.Footprints, fp)
		}
		ld.v.Footprints = append(ld.v.Footprints, fp)
		ld.register(fp)
	}
}

func (ld *loader) buildLevels() {
	for _, f := range ld.raw["level"] {
		p := ld.props(f)
		l := &Level{Base: ld.base(f)}
		l.Ordinal, _ = p.integer("ordinal", true)
		l.Name = p.labels("name")
		l.ShortName = p.labels("short_name")
		l.Outdoor = p.boolean("outdoor")
		l.Category = ld.category(p, levelCategories, false)
		l.Restricted = ld.restricted(p)
		ld.checkAddress(p)
		for _, b := range ld.resolve(p, "building_ids", p.ids("building_ids", false), "building") {
			l.Buildings = append(l.Buildings, b.(*Building))
		}
		ld.displayPoint(p, &l.Base)
		if p.bad {
			ld.drop(f, p)
			continue
		}
		for _, b := range l.Buildings {
			b.Levels = append(b.Levels, l)
		}
		ld.v.Levels = append(ld.v.Levels, l)
		ld.register(l)
	}
	for _, b := range ld.v.Buildings {
		sort.SliceStable(b.Levels, func(i, j int) bool { return b.Levels[i].Ordinal < b.Levels[j].Ordinal })
	}
}

// level resolves a level_id property.
func (ld *loader) level(p *props, required bool) *Level {
	id := p.str("level_id", required)
	if id == "" {
		return nil
	}
	fs := ld.resolve(p, "level_id", []string{id}, "level")
	if len(fs) == 0 {
		return nil
	}
	return fs[0].(*Level)
}

func (ld *loader) buildUnits() {
	all := ld.propsAll(ld.raw["unit"])
	for i, f := range ld.raw["unit"] {
		p := all[i]
		u := &Unit{Base: ld.base(f)}
		u.Category = ld.category(p, unitCategories, true)
		u.Restricted = ld.restricted(p)
		u.Name = p.labels("name")
		u.AltName = p.labels("alt_name")
		u.Ref = u.AltName.In("en")
		u.Level = ld.level(p, true)
		u.Display = ld.displayPoint(p, &u.Base)
		if c, ok := p.integer("capacity", false); ok {
			u.Capacity = c
		}
		u.AreaM2 = p.number("area_m2")
		if p.bad {
			ld.drop(f, p)
			continue
		}
		u.Level.Units = append(u.Level.Units, u)
		ld.v.Units = append(ld.v.Units, u)
		ld.register(u)
	}
}

func (ld *loader) buildOpenings() {
	all := ld.propsAll(ld.raw["opening"])
	for i, f := range ld.raw["opening"] {
		p := all[i]
		o := &Opening{Base: ld.base(f)}
		o.Category = ld.category(p, openingCategories, true)
		o.Name = p.labels("name")
		o.Door = p.m["door"]
		o.Level = ld.level(p, true)
		if p.bad {
			ld.drop(f, p)
			continue
		}
		o.Level.Openings = append(o.Level.Openings, o)
		ld.v.Openings = append(ld.v.Openings, o)
		ld.register(o)
	}
}

func (ld *loader) buildAmenities() {
	all := ld.propsAll(ld.raw["amenity"])
	for i, f := range ld.raw["amenity"] {
		p := all[i]
		a := &Amenity{Base: ld.base(f)}
		a.Category = ld.category(p, amenityCategories, true)
		a.Name = p.labels("name")
		ld.checkAddress(p)
		for _, u := range ld.resolve(p, "unit_ids", p.ids("unit_ids", true), "unit") {
			a.Units = append(a.Units, u.(*Unit))
		}
		if p.bad {
			ld.drop(f, p)
			continue
		}
		a.Level = a.Units[0].Level
		a.Ordinal = a.Level.Ordinal
		for _, u := range a.Units {
			u.Amenities = append(u.Amenities, a)
		}
		ld.v.Amenities = append(ld.v.Amenities, a)
		ld.register(a)
	}
}

// buildOthers checks the IMDF features this engine keeps no model of, so
// their ids resolve and their references are checked.
func (ld *loader) buildOthers() {
	refs := map[string]string{"anchor": "unit_id", "fixture": "level_id", "kiosk": "level_id", "section": "level_id", "detail": "level_id"}
	for _, typ := range []string{"anchor", "fixture", "kiosk", "section", "geofence", "detail", "occupant"} {
		for _, f := range ld.raw[typ] {
			p := ld.props(f)
			if key, ok := refs[typ]; ok {
				want := "level"
				if key == "unit_id" {
					want = "unit"
				}
				if id := p.str(key, typ != "kiosk"); id != "" {
					ld.resolve(p, key, []string{id}, want)
				}
			}
			if typ == "occupant" {
				if id := p.str("anchor_id", true); id != "" && ld.otherIDs[id] != "anchor" {
					ld.resolve(p, "anchor_id", []string{id}, "anchor")
				}
			}
			if p.bad {
				ld.drop(f, p)
				continue
			}
			ld.otherIDs[f.ID] = typ
		}
	}
}

func (ld *loader) buildRelationships() {
	for _, f := range ld.raw["relationship"] {
		p := ld.props(f)
		r := &Relationship{Base: ld.base(f)}
		r.Category = ld.category(p, relationshipCategories, true)
		r.Direction = p.str("direction", true)
		if r.Direction != "" && r.Direction != "directed" && r.Direction != "undirected" {
			p.fail("direction", "%q is neither directed nor undirected", r.Direction)
		}
		unmodelled := ""
		end := func(key string) Feature {
			id, _ := p.ref(key, true)
			if id == "" {
				return nil
			}
			if typ, ok := ld.otherIDs[id]; ok {
				unmodelled = typ
				return nil
			}
			if fs := ld.resolve(p, key, []string{id}, ""); len(fs) == 1 {
				return fs[0]
			}
			return nil
		}
		r.Origin = end("origin")
		r.Destination = end("destination")
		if raw, ok := p.m["intermediary"]; ok && !isNull(raw) {
			var list []json.RawMessage
			if err := json.Unmarshal(raw, &list); err != nil {
				p.fail("intermediary", "want an array of feature references")
			}
			for i := range list {
				p.m[fmt.Sprintf("intermediary[%d]", i)] = list[i]
				if f := end(fmt.Sprintf("intermediary[%d]", i)); f != nil {
					r.Intermediary = append(r.Intermediary, f)
				}
			}
		}
		if unmodelled != "" && !p.bad {
			ld.ps.warnf(p.file, p.id, RuleRelationship, "links a %s, which this engine does not model (ignored)", unmodelled)
			continue
		}
		if p.bad {
			ld.drop(f, p)
			continue
		}
		ld.v.Relationships = append(ld.v.Relationships, r)
		ld.register(r)
	}
}

func (ld *loader) buildBeacons() {
	seen := map[string]string{}
	all := ld.propsAll(ld.raw["beacon"])
	for i, f := range ld.raw["beacon"] {
		p := all[i]
		b := &Beacon{Base: ld.base(f)}
		b.UUID = strings.ToLower(p.str("uuid", true))
		b.Major, _ = p.integer("major", true)
		b.Minor, _ = p.integer("minor", true)
		b.MeasuredPower, _ = p.integer("measured_power", true)
		if b.Major < 0 || b.Major > 65535 {
			p.fail("major", "%d is outside 0-65535", b.Major)
		}
		if b.Minor < 0 || b.Minor > 65535 {
			p.fail("minor", "%d is outside 0-65535", b.Minor)
		}
		if b.MeasuredPower < -127 || b.MeasuredPower > 20 {
			p.fail("measured_power", "%d dBm is not a power at 1 m", b.MeasuredPower)
		}
		b.Level = ld.level(p, false)
		if b.Level != nil {
			b.Ordinal = b.Level.Ordinal
		} else if o, ok := p.integer("ordinal", false); ok {
			b.Ordinal = o
		}
		key := fmt.Sprintf("%s/%d/%d", b.UUID, b.Major, b.Minor)
		if first, dup := seen[key]; dup && !p.bad {
			ld.ps.errorf(f.file, f.ID, RuleDuplicateID, "uuid, major, minor %s already belong to beacon %s", key, first)
			p.bad, p.own = true, true
		}
		if p.bad {
			ld.drop(f, p)
			continue
		}
		seen[key] = f.ID
		ld.v.Beacons = append(ld.v.Beacons, b)
		ld.register(b)
	}
}

func (ld *loader) buildPaths() {
	for _, f := range ld.raw["path"] {
		p := ld.props(f)
		pa := &Path{Base: ld.base(f)}
		pa.Category = ld.category(p, pathCategories, true)
		pa.Covered = p.boolean("covered")
		pa.FromOrdinal, _ = p.integer("from_ordinal", false)
		pa.ToOrdinal, _ = p.integer("to_ordinal", false)
		pa.Name = p.labels("name")
		if p.bad {
			ld.drop(f, p)
			continue
		}
		ld.v.Paths = append(ld.v.Paths, pa)
		ld.register(pa)
	}
}

func (ld *loader) buildGates() {
	for _, f := range ld.raw["gate"] {
		p := ld.props(f)
		g := &Gate{Base: ld.base(f)}
		g.Name = p.labels("name")
		g.Ref = p.labels("alt_name").In("en")
		g.Category = ld.category(p, gateCategories, false)
		if len(g.Name) == 0 {
			p.fail("name", "a gate needs a name")
		}
		if p.bad {
			ld.drop(f, p)
			continue
		}
		ld.v.Gates = append(ld.v.Gates, g)
		ld.register(g)
	}
}

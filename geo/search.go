package geo

import (
	"cmp"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// DefaultSearchLimit is how many results a search returns unless asked.
const DefaultSearchLimit = 20

// The kinds of search results.
const (
	KindUnit     = "unit"
	KindAmenity  = "amenity"
	KindGate     = "gate"
	KindBuilding = "building"
)

// searchEntry is one searchable feature. Entries are numbered in the order
// results are listed: buildings, gates, units, amenities, each by reference.
type searchEntry struct {
	f        Feature
	kind     string
	ref      string
	building *Building
	level    *Level
	// dest is false for a corridor, shaft or other unit nobody goes to for
	// its own sake: found by reference only, after the rooms.
	dest bool
	// near lists, for an amenity in a corridor or other passage, the
	// rooms nearest it on its level, nearest first: what tells a printer
	// from the two others along the same corridor.
	near []*Unit
}

type refKey struct {
	lower string
	entry int32
}

type tokenKey struct {
	token string
	entry int32
}

// searchIndex finds features by reference prefix and by word prefix of their
// names (English and Chinese), for every role; results are filtered by role.
type searchIndex struct {
	entries []searchEntry
	exact   map[string][]int32
	refs    []refKey   // sorted by lower, then entry
	tokens  []tokenKey // the words of names, sorted by token, then entry
	// groupTokens holds the words shared by a group of entries (a kind's
	// label and synonyms, a building's reference), with the group's index
	// for entry, sorted like tokens; groups holds each group's members.
	// Indexed once per group, not once per member, they cost a search a
	// bitset union, not thousands of tokens.
	groupTokens []tokenKey
	groups      []bitset
	// names holds every entry by each of its names (any language; its
	// kind's label when it has none), lower case, spaces folded.
	names map[string][]int32
	// refWords holds the words of references ("c3", "607"), sorted like
	// tokens, for close matches.
	refWords []tokenKey
	byID     map[string]int32
}

func newSearchIndex(v *Venue) *searchIndex {
	ix := &searchIndex{exact: map[string][]int32{}, names: map[string][]int32{}}
	var es []searchEntry
	for _, b := range v.Buildings {
		es = append(es, searchEntry{f: b, kind: KindBuilding, ref: b.Ref, building: b, dest: true})
	}
	for _, g := range v.Gates {
		es = append(es, searchEntry{f: g, kind: KindGate, ref: g.Ref, dest: true})
	}
	for _, u := range v.Units {
		es = append(es, searchEntry{f: u, kind: KindUnit, ref: u.Ref, building: u.Level.Building(), level: u.Level, dest: IsDestination(u.Category)})
	}
	for _, a := range v.Amenities {
		es = append(es, searchEntry{f: a, kind: KindAmenity, building: a.Level.Building(), level: a.Level, dest: true, near: roomsNear(a)})
	}
	kindRank := map[string]int{KindBuilding: 0, KindGate: 1, KindUnit: 2, KindAmenity: 3}
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.kind != b.kind {
			return kindRank[a.kind] < kindRank[b.kind]
		}
		if a.kind == KindAmenity {
			return amenityKey(a) < amenityKey(b)
		}
		return naturalLess(a.ref, b.ref)
	})
	ix.entries = es
	ix.byID = make(map[string]int32, len(es))
	groupOf := map[string]int32{}
	join := func(key string, texts []string, n int32) {
		g, ok := groupOf[key]
		if !ok {
			g = int32(len(ix.groups))
			groupOf[key] = g
			ix.groups = append(ix.groups, newBitset(len(es)))
			for _, text := range texts {
				for _, t := range indexTokens(text) {
					ix.groupTokens = append(ix.groupTokens, tokenKey{t, g})
				}
			}
		}
		ix.groups[g].set(n)
	}
	for i, e := range es {
		n := int32(i)
		ix.byID[e.f.Common().ID] = n
		if e.ref != "" {
			lower := strings.ToLower(e.ref)
			ix.exact[lower] = append(ix.exact[lower], n)
			ix.refs = append(ix.refs, refKey{lower, n})
			words, _ := splitWords(lower)
			for _, w := range words {
				ix.refWords = append(ix.refWords, tokenKey{w, n})
			}
		}
		for _, text := range entryTexts(e) {
			for _, t := range indexTokens(text) {
				ix.tokens = append(ix.tokens, tokenKey{t, n})
			}
		}
		if c := entryCategory(e); c != "" {
			join("category "+c, categoryTexts(c), n)
		}
		if e.kind != KindBuilding && e.building != nil {
			join("building "+e.building.ID, []string{e.building.Ref}, n)
		}
		for _, name := range entryNames(e) {
			key := foldName(name)
			if l := ix.names[key]; len(l) == 0 || l[len(l)-1] != n {
				ix.names[key] = append(l, n)
			}
		}
	}
	slices.SortFunc(ix.refs, func(a, b refKey) int {
		return cmp.Or(strings.Compare(a.lower, b.lower), cmp.Compare(a.entry, b.entry))
	})
	slices.SortFunc(ix.tokens, func(a, b tokenKey) int {
		return cmp.Or(strings.Compare(a.token, b.token), cmp.Compare(a.entry, b.entry))
	})
	ix.tokens = slices.Compact(ix.tokens) // a word twice in one entry
	slices.SortFunc(ix.groupTokens, func(a, b tokenKey) int {
		return cmp.Or(strings.Compare(a.token, b.token), cmp.Compare(a.entry, b.entry))
	})
	ix.groupTokens = slices.Compact(ix.groupTokens)
	slices.SortFunc(ix.refWords, func(a, b tokenKey) int {
		return cmp.Or(strings.Compare(a.token, b.token), cmp.Compare(a.entry, b.entry))
	})
	ix.refWords = slices.Compact(ix.refWords)
	return ix
}

// nearRooms is how many rooms nearRooms lists: enough for one the viewer
// may see.
const nearRooms = 3

// roomsNear lists the rooms nearest amenity a on its level, by the distance
// from a to their outlines, when a stands in a corridor or other passage;
// nil when it stands in a room, which names it well enough.
func roomsNear(a *Amenity) []*Unit {
	if len(a.Units) == 0 || IsDestination(a.Units[0].Category) || a.Level == nil || a.Level.index == nil {
		return nil
	}
	p, ok := a.Local.(orb.Point)
	if !ok {
		return nil
	}
	type cand struct {
		u *Unit
		d float64
	}
	var cs []cand
	pt := [2]float64{p[0], p[1]}
	a.Level.index.units.Nearby(rtree.BoxDist[float64, *Unit](pt, pt, nil), func(_, _ [2]float64, u *Unit, box float64) bool {
		if len(cs) >= nearRooms && box > cs[nearRooms-1].d {
			return false // no room farther out can come nearer
		}
		if IsDestination(u.Category) && u.Ref != "" {
			d := 0.0
			if !Contains(u.Local, p) {
				d = outerDistance(u.Local, p)
			}
			cs = append(cs, cand{u, d})
			slices.SortStableFunc(cs, func(x, y cand) int { return cmp.Compare(x.d, y.d) })
		}
		return true
	})
	out := make([]*Unit, 0, nearRooms)
	for _, c := range cs[:min(len(cs), nearRooms)] {
		out = append(out, c.u)
	}
	return out
}

// entryNames lists the names an entry answers to exactly: its names in
// every language, or, for a room or amenity without one, its kind's label
// in every language ("Office", "办公室").
func entryNames(e searchEntry) []string {
	var name Labels
	category := ""
	switch f := e.f.(type) {
	case *Building:
		name = f.Name
	case *Gate:
		name = f.Name
	case *Unit:
		name, category = f.Name, f.Category
	case *Amenity:
		name, category = f.Name, f.Category
	}
	var out []string
	for _, s := range name {
		if s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 && category != "" {
		for _, lang := range []string{"en", "zh"} {
			out = append(out, CategoryLabel(category, lang))
		}
	}
	return out
}

// foldName is a name as names are looked up: lower case, runs of spaces
// as one.
func foldName(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

func amenityKey(e searchEntry) string {
	a := e.f.(*Amenity)
	b := ""
	if e.building != nil {
		b = e.building.Ref
	}
	return b + "\x00" + a.Units[0].Ref + "\x00" + a.Category + "\x00" + a.ID
}

// entryTexts lists the texts of an entry's own that find it: its names in
// every language (a gate's reference too). Its kind's words and its
// building's reference find it as a member of a group.
func entryTexts(e searchEntry) []string {
	var texts []string
	add := func(l Labels) {
		for _, s := range l {
			texts = append(texts, s)
		}
	}
	switch f := e.f.(type) {
	case *Building:
		add(f.Name)
	case *Gate:
		add(f.Name)
		texts = append(texts, f.Ref)
	case *Unit:
		add(f.Name)
	case *Amenity:
		add(f.Name)
	}
	return texts
}

// entryCategory is the category of a room or amenity, whose words find it.
func entryCategory(e searchEntry) string {
	switch f := e.f.(type) {
	case *Unit:
		return f.Category
	case *Amenity:
		return f.Category
	}
	return ""
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// accented and plain are the Latin letters with accents people leave out
// when they type, and the letters they type instead: "cafe" for "café".
const (
	accented = "àáâãäåçèéêëìíîïñòóôõöøùúûüýÿ"
	plain    = "aaaaaaceeeeiiiinoooooouuuuyy"
)

// unaccent maps an accented lower-case Latin letter to the letter without
// its accent; any other rune to itself.
var unaccent = func() map[rune]rune {
	m := map[rune]rune{}
	p := []rune(plain)
	for i, r := range []rune(accented) {
		m[r] = p[i]
	}
	return m
}()

// words splits text into lower-case words: runs of letters and digits, and
// runs of Chinese characters, which have no spaces between words. Accents
// are dropped from Latin letters, so that "cafe" finds "Café".
func splitWords(text string) (words []string, han []bool) {
	var cur []rune
	curHan := false
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			han = append(han, curHan)
			cur = cur[:0]
		}
	}
	for _, r := range strings.ToLower(text) {
		switch {
		case isHan(r):
			if !curHan {
				flush()
			}
			curHan = true
			cur = append(cur, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if curHan {
				flush()
			}
			curHan = false
			if p, ok := unaccent[r]; ok {
				r = p
			}
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return words, han
}

// indexTokens lists the tokens of text to index: its words, and every suffix
// of a Chinese run, so that a query matches anywhere inside one.
func indexTokens(text string) []string {
	words, han := splitWords(text)
	var out []string
	for i, w := range words {
		if !han[i] {
			out = append(out, w)
			continue
		}
		rs := []rune(w)
		for j := range rs {
			out = append(out, string(rs[j:]))
		}
	}
	return out
}

type bitset []uint64

func (b bitset) set(i int32)      { b[i/64] |= 1 << (uint(i) % 64) }
func (b bitset) has(i int32) bool { return b[i/64]&(1<<(uint(i)%64)) != 0 }
func newBitset(n int) bitset      { return make(bitset, (n+63)/64) }
func (b bitset) and(o bitset) {
	for i := range b {
		b[i] &= o[i]
	}
}
func (b bitset) or(o bitset) {
	for i := range b {
		b[i] |= o[i]
	}
}

// find calls fn for each entry matching q that role r may see, best first:
// an exact reference, then references by prefix in order (corridors and
// shafts after the rest), then entries whose names match every word of q by
// prefix (never corridors and shafts), until fn returns false.
func (ix *searchIndex) find(q string, r Role, fn func(e *searchEntry) bool) {
	lower := strings.ToLower(strings.TrimSpace(q))
	if lower == "" {
		return
	}
	done := newBitset(len(ix.entries))
	emit := func(n int32) bool {
		if done.has(n) {
			return true
		}
		done.set(n)
		e := &ix.entries[n]
		if !e.f.Common().mask.has(r) {
			return true
		}
		return fn(e)
	}
	for _, n := range ix.exact[lower] {
		if !emit(n) {
			return
		}
	}
	if !ix.refPrefix(lower, emit) {
		return
	}
	words, _ := splitWords(lower)
	if len(words) == 0 {
		return
	}
	var match bitset
	var joined []int32
	for _, w := range words {
		m := newBitset(len(ix.entries))
		j := sort.Search(len(ix.tokens), func(j int) bool { return ix.tokens[j].token >= w })
		for ; j < len(ix.tokens) && strings.HasPrefix(ix.tokens[j].token, w); j++ {
			m.set(ix.tokens[j].entry)
		}
		joined = joined[:0]
		j = sort.Search(len(ix.groupTokens), func(j int) bool { return ix.groupTokens[j].token >= w })
		for ; j < len(ix.groupTokens) && strings.HasPrefix(ix.groupTokens[j].token, w); j++ {
			if g := ix.groupTokens[j].entry; !slices.Contains(joined, g) {
				joined = append(joined, g)
				m.or(ix.groups[g])
			}
		}
		if match == nil {
			match = m
		} else {
			match.and(m)
		}
	}
	for wi, word := range match {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			word &^= 1 << b
			if n := int32(wi*64 + b); ix.entries[n].dest && !emit(n) {
				return
			}
		}
	}
}

// refPrefix calls emit for every entry whose reference starts with lower,
// in order, corridors and shafts after the rest, until emit returns false;
// it returns false if emit did.
func (ix *searchIndex) refPrefix(lower string, emit func(n int32) bool) bool {
	var passages []int32 // references of corridors and shafts, for after the rest
	i := sort.Search(len(ix.refs), func(i int) bool { return ix.refs[i].lower >= lower })
	for ; i < len(ix.refs) && strings.HasPrefix(ix.refs[i].lower, lower); i++ {
		n := ix.refs[i].entry
		if !ix.entries[n].dest {
			passages = append(passages, n)
			continue
		}
		if !emit(n) {
			return false
		}
	}
	for _, n := range passages {
		if !emit(n) {
			return false
		}
	}
	return true
}

// naturalLess orders strings with their digit runs compared as numbers:
// "C3-99" before "C3-100".
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digitRun(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

package geo

import (
	"math"
	"math/bits"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CloseMatches returns up to limit features the role may see that come
// close to q, a name or reference that named nothing: what to suggest
// instead. A suggestion shares a meaningful part of q, tried in turn:
//
//  1. every word of q, each exactly, as the start of a word (three letters
//     or two Chinese characters at least), or with a few typing slips (one
//     in words of three to six letters or three Chinese characters and
//     more, two from seven letters; none in numbers): "C3-6O7" finds
//     C3-607, "Metting Room" the meeting rooms;
//  2. for a reference "BUILDING-FLOOR...", the rooms on that floor of that
//     building: "C3-699" finds C3-601...;
//  3. every word of q that is not a number, one of them three letters or
//     two Chinese characters long at least: "Metting Room 99" finds the
//     meeting rooms.
//
// Only the closest of those sharing that part are suggested. One shared
// letter or digit is never enough: "C9-101", where there is no
// C9, finds nothing, nor do queries of under three letters or of numbers
// alone. Best first (fewest slips, rooms before corridors);
// names in lang.
func (w View) CloseMatches(q, lang string, limit int) []SearchResult {
	ix := w.v.index.search
	lower := strings.ToLower(strings.TrimSpace(q))
	words, han := splitWords(lower)
	if len(words) == 0 || limit <= 0 {
		return nil
	}
	out := []SearchResult{}
	emit := func(n int32) bool {
		out = append(out, w.result(&ix.entries[n], lang))
		return len(out) < limit
	}
	letters, numbers := 0, 0
	for _, word := range words {
		letters += utf8.RuneCountInString(word)
		numbers += b2i(isNumber(word))
	}
	if letters < 3 || numbers == len(words) {
		return out // a letter or two, or numbers alone, mean nothing
	}
	if ns := ix.closeTo(words, han, w.role); len(ns) > 0 {
		for _, n := range ns {
			if !emit(n) {
				break
			}
		}
		return out
	}
	if p := floorPrefix(lower); p != "" {
		ix.refPrefix(p, func(n int32) bool {
			if !ix.entries[n].f.Common().mask.has(w.role) {
				return true
			}
			return emit(n)
		})
		if len(out) > 0 {
			return out
		}
	}
	var named []string
	var namedHan []bool
	meaningful := false
	for i, word := range words {
		if isNumber(word) {
			continue
		}
		named, namedHan = append(named, word), append(namedHan, han[i])
		meaningful = meaningful || utf8.RuneCountInString(word) >= minPrefix(han[i])
	}
	if meaningful && len(named) < len(words) {
		for _, n := range ix.closeTo(named, namedHan, w.role) {
			if !emit(n) {
				break
			}
		}
	}
	return out
}

// closeTo returns the entries role r sees that match every word, by
// exactness, prefix or few slips, and come closest (within a prefix's
// cost of the closest), best first.
func (ix *searchIndex) closeTo(words []string, han []bool, r Role) []int32 {
	total := make([]float64, len(ix.entries))
	best := make([]float64, len(ix.entries))
	for i, word := range words {
		for j := range best {
			best[j] = math.Inf(1)
		}
		for _, list := range [2][]tokenKey{ix.tokens, ix.refWords} {
			last, lastCost := "", math.Inf(1)
			for _, tk := range list {
				if tk.token != last {
					last, lastCost = tk.token, wordCost(word, tk.token, han[i])
				}
				if lastCost < best[tk.entry] {
					best[tk.entry] = lastCost
				}
			}
		}
		// The words of groups count for every member.
		groupCost := make([]float64, len(ix.groups))
		for g := range groupCost {
			groupCost[g] = math.Inf(1)
		}
		last, lastCost := "", math.Inf(1)
		for _, tk := range ix.groupTokens {
			if tk.token != last {
				last, lastCost = tk.token, wordCost(word, tk.token, han[i])
			}
			groupCost[tk.entry] = min(groupCost[tk.entry], lastCost)
		}
		for g, c := range groupCost {
			if math.IsInf(c, 1) {
				continue
			}
			for wi, bits64 := range ix.groups[g] {
				for bits64 != 0 {
					b := bits.TrailingZeros64(bits64)
					bits64 &^= 1 << b
					if n := wi*64 + b; c < best[n] {
						best[n] = c
					}
				}
			}
		}
		for j, c := range best {
			total[j] += c
		}
	}
	best1 := math.Inf(1)
	for j, c := range total {
		if c < best1 && ix.entries[j].f.Common().mask.has(r) {
			best1 = c
		}
	}
	if math.IsInf(best1, 1) {
		return nil
	}
	// Only the closest: with C3-607 for "C3-6O7", C3-617 is no match.
	var ns []int32
	for j, c := range total {
		if c <= best1+0.25 && ix.entries[j].f.Common().mask.has(r) {
			ns = append(ns, int32(j))
		}
	}
	slices.SortStableFunc(ns, func(a, b int32) int {
		if total[a] != total[b] {
			if total[a] < total[b] {
				return -1
			}
			return 1
		}
		da, db := ix.entries[a].dest, ix.entries[b].dest
		switch {
		case da && !db:
			return -1
		case db && !da:
			return 1
		}
		return 0
	})
	return ns
}

// wordCost says how close a token of the index comes to a word of a query:
// 0 for the word itself, 0.25 for a word it begins (if long enough to
// mean something), the number of slips if few enough for the word's
// length, +Inf otherwise.
func wordCost(word, token string, han bool) float64 {
	if word == token {
		return 0
	}
	if digitLookalikes(word) == token {
		return 0.5 // "6o7" for 607: a letter for the digit it looks like
	}
	n := utf8.RuneCountInString(word)
	if n >= minPrefix(han) && strings.HasPrefix(token, word) {
		return 0.25
	}
	if isNumber(word) {
		return math.Inf(1)
	}
	max := maxSlips(n, han)
	if max == 0 {
		return math.Inf(1)
	}
	if m := utf8.RuneCountInString(token); m < n-max || m > n+max {
		return math.Inf(1)
	}
	if d := slips([]rune(word), []rune(token), max); d <= max {
		return float64(d)
	}
	return math.Inf(1)
}

// minPrefix is how long the start of a word must be to stand for it: three
// letters, or two Chinese characters.
func minPrefix(han bool) int {
	if han {
		return 2
	}
	return 3
}

// maxSlips is how many typing slips a word of n letters (or Chinese
// characters) may hold and still be recognised.
func maxSlips(n int, han bool) int {
	switch {
	case han && n >= 3:
		return 1
	case han:
		return 0
	case n >= 7:
		return 2
	case n >= 3:
		return 1
	}
	return 0
}

// slips is the optimal string alignment distance between a and b (letters
// inserted, deleted, replaced, or two neighbours swapped), or max+1 once it
// is sure to exceed max.
func slips(a, b []rune, max int) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// digitLookalikes replaces, in a word with digits, the letters that look
// like digits by them: o by 0, i and l by 1.
func digitLookalikes(w string) string {
	if !strings.ContainsAny(w, "0123456789") {
		return w
	}
	return strings.NewReplacer("o", "0", "i", "1", "l", "1").Replace(w)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func isNumber(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}

// floorPrefix returns the start of a reference "BUILDING-FLOOR..." up to
// and including its floor ("c3-6" of "c3-699", "cp-b1" of "cp-b105"), or
// "" if q is no such reference.
func floorPrefix(q string) string {
	i := strings.IndexByte(q, '-')
	if i <= 0 {
		return ""
	}
	for j, r := range q[i+1:] {
		if r >= '0' && r <= '9' {
			return q[:i+1+j+1]
		}
		if !unicode.IsLetter(r) {
			return ""
		}
	}
	return ""
}

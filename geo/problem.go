package geo

import (
	"fmt"
	"sort"
	"strings"
)

// Severity says whether a problem makes a feature unusable.
type Severity uint8

const (
	// Error: the feature (or file) is dropped.
	Error Severity = iota
	// Warning: the feature is kept.
	Warning
)

func (s Severity) String() string {
	if s == Error {
		return "ERROR"
	}
	return "WARNING"
}

// Problem is one finding of validation: where (file and feature id), which
// rule, and what is wrong. The same finding of many features of a file is
// one Problem, which names the first of them and counts them all.
type Problem struct {
	Severity Severity
	File     string // the archive file, "manifest.json", "unit.geojson"
	Feature  string // the feature id, "-" for the file as a whole
	Rule     string // a short name of the rule, "unresolved-reference"
	Message  string
	Count    int // how many features (or files) it is about: 1 or more
}

// String formats the problem as `ERROR unit.geojson 1234: message [rule]`.
func (p Problem) String() string {
	return fmt.Sprintf("%s %s %s: %s [%s]", p.Severity, p.File, p.Feature, p.Message, p.Rule)
}

// The rules, as named in problems.
const (
	RuleParse        = "parse"            // a file or feature that does not parse
	RuleMissingFile  = "missing-file"     // a required file is absent
	RuleMissingID    = "missing-id"       // a feature without an id
	RuleDuplicateID  = "duplicate-id"     // an id used twice
	RuleFeatureType  = "feature-type"     // missing or wrong feature_type
	RuleGeometryType = "geometry-type"    // the wrong geometry type for the feature type
	RuleGeometry     = "invalid-geometry" // rings not closed, too few points, non-finite coordinates...
	RuleReference    = "unresolved-reference"
	RuleProperty     = "invalid-property" // a required property missing or of the wrong type
	RuleUnknownFile  = "unknown-file"     // a file or feature type this engine does not know
	RuleFileName     = "file-name"        // a feature file named otherwise than IMDF says ("unit.json")
	RuleUnknownProp  = "unknown-property" // a property IMDF does not define
	RuleCategory     = "unknown-category" // a category IMDF does not define
	RuleRelationship = "missing-relationship"
	RuleOrdinals     = "inconsistent-ordinals"
	RuleDisplayPoint = "display-point" // a display point outside its feature
	RuleOverlap      = "overlapping-units"
	RuleOpening      = "opening-off-boundary"
	RulePolicy       = "policy"
	RuleManifest     = "manifest"
)

// problems collects the findings of one load.
type problems struct {
	list []Problem
}

func (ps *problems) add(sev Severity, file, id, rule, format string, args ...any) {
	if id == "" {
		id = "-"
	}
	ps.list = append(ps.list, Problem{Severity: sev, File: file, Feature: id, Rule: rule, Message: fmt.Sprintf(format, args...), Count: 1})
}

func (ps *problems) errorf(file, id, rule, format string, args ...any) {
	ps.add(Error, file, id, rule, format, args...)
}

func (ps *problems) warnf(file, id, rule, format string, args ...any) {
	ps.add(Warning, file, id, rule, format, args...)
}

// sorted returns the problems ordered by file, then feature, errors first;
// the order of finding is kept among equals so output is stable. The same
// finding of many features of a file (an exporter's habit: the same unknown
// property on every feature) is one problem, naming the first few features.
func (ps *problems) sorted() []Problem {
	out := collapse(ps.list)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Severity != b.Severity {
			return a.Severity < b.Severity
		}
		return false
	})
	return out
}

// maxNamed is how many more features a collapsed problem names.
const maxNamed = 3

// collapse returns the problems with the problems of features that are
// alike (same severity, file, rule and message) made one, in the order of
// their first.
func collapse(list []Problem) []Problem {
	type group struct {
		at   int
		more []string
	}
	groups := map[[4]string]*group{}
	out := make([]Problem, 0, len(list))
	for _, p := range list {
		if p.Feature == "-" {
			out = append(out, p)
			continue
		}
		k := [4]string{p.Severity.String(), p.File, p.Rule, p.Message}
		g, ok := groups[k]
		if !ok {
			groups[k] = &group{at: len(out)}
			out = append(out, p)
			continue
		}
		out[g.at].Count += max(p.Count, 1)
		if len(g.more) < maxNamed {
			g.more = append(g.more, p.Feature)
		}
	}
	for _, g := range groups {
		p := &out[g.at]
		if n := p.Count - 1; n > 0 {
			named := strings.Join(g.more, ", ")
			if n > len(g.more) {
				named += ", ..."
			}
			p.Message += fmt.Sprintf(" (and %d more features alike: %s)", n, named)
		}
	}
	return out
}

// Counts returns how many features (or files) are in error and how many
// have warnings in ps.
func Counts(ps []Problem) (errors, warnings int) {
	for _, p := range ps {
		if p.Severity == Error {
			errors += max(p.Count, 1)
		} else {
			warnings += max(p.Count, 1)
		}
	}
	return errors, warnings
}

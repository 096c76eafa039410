package geo

import (
	"fmt"
	"sort"
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
// rule, and what is wrong.
type Problem struct {
	Severity Severity
	File     string // the archive file, "manifest.json", "unit.geojson"
	Feature  string // the feature id, "-" for the file as a whole
	Rule     string // a short name of the rule, "unresolved-reference"
	Message  string
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
	ps.list = append(ps.list, Problem{Severity: sev, File: file, Feature: id, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

func (ps *problems) errorf(file, id, rule, format string, args ...any) {
	ps.add(Error, file, id, rule, format, args...)
}

func (ps *problems) warnf(file, id, rule, format string, args ...any) {
	ps.add(Warning, file, id, rule, format, args...)
}

// sorted returns the problems ordered by file, then feature, errors first;
// the order of finding is kept among equals so output is stable.
func (ps *problems) sorted() []Problem {
	out := append([]Problem(nil), ps.list...)
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

// Counts returns how many errors and warnings there are in ps.
func Counts(ps []Problem) (errors, warnings int) {
	for _, p := range ps {
		if p.Severity == Error {
			errors++
		} else {
			warnings++
		}
	}
	return errors, warnings
}

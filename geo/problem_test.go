package geo

import (
	"strings"
	"testing"
)

// The same finding on many features of a file is one problem that counts
// them, and Counts counts features.
func TestSameProblemOfManyFeaturesIsOneLine(t *testing.T) {
	a := newTestArchive()
	n := 0
	for _, f := range a.files["unit"] {
		f["properties"].(map[string]any)["colour"] = "red"
		n++
	}
	v := a.load(t)
	w := problemsOf(v, RuleUnknownProp)
	if len(w) != 1 || w[0].Count != n || !strings.Contains(w[0].Message, "more features alike") {
		t.Fatalf("want one line counting %d units, got %v", n, w)
	}
	if _, warns := Counts(w); warns != n {
		t.Errorf("Counts: %d warnings, want %d", warns, n)
	}
}

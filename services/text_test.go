package services

import "testing"

func TestTextProblem(t *testing.T) {
	for _, c := range []struct {
		in  string
		bad bool
	}{
		{"", false},
		{"Where I parked, B2 停车场", false},
		{"tab\tand newline\n", false},
		{"a\x00b@x", true},
		{"\x00", true},
		{"end\x00", true},
		{"\xff\xfe", true},
		{"half \xe5\x81", true},
	} {
		en, zh := TextProblem(c.in)
		if (en != "") != c.bad || (zh != "") != c.bad {
			t.Errorf("TextProblem(%q) = %q, %q; want a problem: %v", c.in, en, zh, c.bad)
		}
	}
}

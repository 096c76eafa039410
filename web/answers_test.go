package web

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/campusnav/engine/geo"
)

// The answers people can use: bad places and far-away points are 400s
// naming the parameter, ambiguous names 409s listing the candidates,
// unknown places 404s with close matches, details in Chinese, and search
// and nearest results that say where things are.

func hasHan(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// getProblem makes a request with headers and returns its status and problem.
func getProblem(t *testing.T, path string, header ...string) (int, Problem) {
	t.Helper()
	ts := testServer(t)
	req, _ := http.NewRequest("GET", ts.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p Problem
	if resp.StatusCode >= 400 {
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("GET %s: %d as %s", path, resp.StatusCode, ct)
		}
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			t.Errorf("GET %s: %v", path, err)
		}
	}
	return resp.StatusCode, p
}

func TestBadPlacesAre400sNamingTheParameter(t *testing.T) {
	bad := []string{"a,b,c", "NaN,22.8,0", "Inf,22.8,0", "113.47,-Inf,0", "1e309,22.8,0", "200,22.8,0", ",,", "113.4786,22.8955,2e0",
		"١١٣,٢٢,٠", "113.4786,22.8955,1.5", "113.4786,22.8955,999"}
	for _, s := range bad {
		for _, c := range []struct{ query, param string }{
			{"from=" + url.QueryEscape(s) + "&to=C3-607", "from"},
			{"from=G2&to=" + url.QueryEscape(s), "to"},
			{"from=G2&to=C3-607&via=C4&via=" + url.QueryEscape(s), "via"},
		} {
			code, p := getProblem(t, "/api/v1/route?"+c.query)
			if code != 400 || p.Param != c.param || p.Detail == "" {
				t.Errorf("route?%s: %d %+v, want 400 naming %s", c.query, code, p, c.param)
			}
		}
	}
	if code, p := getProblem(t, "/api/v1/route?from=G2&to=a,b,c&lang=zh"); code != 400 || !hasHan(p.Detail) || !strings.Contains(p.Detail, "经度") {
		t.Errorf("a bad position in Chinese: %d %q", code, p.Detail)
	}
}

func TestFarAwayPointsAreRefused(t *testing.T) {
	v := campusDeps.Venue
	testServer(t)
	paris := "2.35,48.85,0"
	code, p := getProblem(t, "/api/v1/route?from=G2&to="+paris)
	if code != 400 || p.Param != "to" || !strings.Contains(p.Detail, "outside the campus") || !strings.Contains(p.Detail, "500 m") {
		t.Errorf("route to Paris: %d %+v", code, p)
	}
	if code, p := getProblem(t, "/api/v1/route?from=G2&to="+paris+"&lang=zh"); code != 400 || !strings.Contains(p.Detail, "校园边界外") {
		t.Errorf("route to Paris in Chinese: %d %q", code, p.Detail)
	}
	for _, path := range []string{"/api/v1/locate?lon=2.35&lat=48.85&ordinal=0", "/api/v1/nearest?category=copymachine&lon=2.35&lat=48.85&ordinal=0"} {
		if code, p := getProblem(t, path); code != 400 || p.Param != "lon,lat" || !strings.Contains(p.Detail, "km outside the campus") {
			t.Errorf("%s: %d %+v", path, code, p)
		}
	}
	// The line is MaxOutsideM outside the venue's boundary: east of its
	// easternmost point, 100 m short of it is a place, 100 m past it not.
	b := v.Geometry.Bound()
	lat := (b.Min[1] + b.Max[1]) / 2
	mPerDeg := geo.EarthRadius * math.Pi / 180 * math.Cos(lat*math.Pi/180)
	for _, c := range []struct {
		outside float64
		ok      bool
	}{{geo.MaxOutsideM - 100, true}, {geo.MaxOutsideM + 100, false}} {
		lon := b.Max[0] + c.outside/mPerDeg
		if got := v.OutsideM(lon, lat); math.Abs(got-c.outside) > 5 {
			t.Fatalf("%.0f m east of the boundary measures %.1f m", c.outside, got)
		}
		for _, path := range []string{
			fmt.Sprintf("/api/v1/locate?lon=%v&lat=%v&ordinal=0", lon, lat),
			fmt.Sprintf("/api/v1/nearest?category=copymachine&lon=%v&lat=%v&ordinal=0", lon, lat),
			fmt.Sprintf("/api/v1/route?from=G2&to=%v,%v,0", lon, lat),
		} {
			if code, _ := getProblem(t, path); (code == 200) != c.ok {
				t.Errorf("%.0f m outside: %s: %d", c.outside, path, code)
			}
		}
	}
}

func TestAmbiguousNameIs409WithTheCandidates(t *testing.T) {
	code, p := getProblem(t, "/api/v1/route?from=G2&to="+url.QueryEscape("Meeting Room 9"))
	if code != 409 || p.Param != "to" || len(p.Candidates) != 4 || !strings.Contains(p.Detail, "names 4 places") {
		t.Fatalf("Meeting Room 9: %d %+v", code, p)
	}
	for _, c := range p.Candidates {
		if c.ID == "" || c.Ref == nil || c.Name != "Meeting Room 9" || c.BuildingRef == nil || c.Floor == nil {
			t.Errorf("candidate %+v", c)
		}
		// Each is reached by its reference or its id.
		for _, to := range []string{*c.Ref, c.ID} {
			if code, _, body := call(t, testServer(t), "", "GET", "/api/v1/route?from=G2&to="+url.QueryEscape(to), ""); code != 200 {
				t.Errorf("to %s: %d %s", to, code, body)
			}
		}
	}
	code, p = getProblem(t, "/api/v1/route?from="+url.QueryEscape("9号会议室")+"&to=G2&lang=zh")
	if code != 409 || p.Param != "from" || !strings.Contains(p.Detail, "对应 4 个地点") || p.Candidates[0].Name != "9号会议室" || *p.Candidates[0].Floor == "" || !hasHan(*p.Candidates[0].Floor) {
		t.Errorf("9号会议室: %d %+v", code, p)
	}
	if code, p := getProblem(t, "/api/v1/route?from=G2&to=printer"); code != 409 || len(p.Candidates) != 10 || p.Candidates[0].In == nil {
		t.Errorf("printer: %d %d candidates", code, len(p.Candidates))
	}
}

func TestUnknownPlaceIs404WithCloseMatches(t *testing.T) {
	code, p := getProblem(t, "/api/v1/route?from=G2&to=C3-6O7")
	if code != 404 || p.Param != "to" || len(p.Suggestions) != 1 || *p.Suggestions[0].Ref != "C3-607" || !strings.Contains(p.Detail, "close matches: C3-607") {
		t.Errorf("C3-6O7: %d %+v", code, p)
	}
	if code, p := getProblem(t, "/api/v1/route?from=G2&to=C9-101"); code != 404 || len(p.Suggestions) != 0 {
		t.Errorf("C9-101: %d %+v", code, p)
	}
	code, p = getProblem(t, "/api/v1/route?from=G2&to=Metting+Room&lang=zh")
	if code != 404 || !strings.Contains(p.Detail, "未知地点") || !strings.Contains(p.Detail, "会议室") || len(p.Suggestions) == 0 {
		t.Errorf("Metting Room in Chinese: %d %+v", code, p)
	}
}

func TestProblemDetailsInTheRequestLanguage(t *testing.T) {
	cases := []struct {
		path    string
		header  []string
		chinese bool
	}{
		{"/api/v1/search?q=C3&limit=0&lang=zh", nil, true},
		{"/api/v1/search?q=C3&limit=0", []string{"Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8"}, true},
		{"/api/v1/search?q=C3&limit=0&lang=en", []string{"Accept-Language", "zh-CN"}, false},
		{"/api/v1/search?q=C3&limit=0", []string{"Accept-Language", "en-GB,zh;q=0.5"}, false},
		{"/api/v1/nearest?lon=113.4786&lat=22.8955&ordinal=0&lang=zh", nil, true},
		{"/api/v1/route?from=G2&to=C3-607&profile=skate&lang=zh-Hans", nil, true},
		{"/api/v1/nothing-here?lang=zh", nil, true},
		{"/api/v1/collections/units/items?bbox=1,2,3&lang=zh", nil, true},
		{"/api/v1/route?from=C3-101&to=C3-607&lang=zh", nil, false}, // a route: no problem
	}
	for _, c := range cases {
		code, p := getProblem(t, c.path, c.header...)
		if code == 200 {
			continue
		}
		if hasHan(p.Detail) != c.chinese || hasHan(p.Title) != c.chinese || p.Detail == "" {
			t.Errorf("%s %v: %d %q / %q", c.path, c.header, code, p.Title, p.Detail)
		}
	}
	// An argument in the detail keeps its value; the words around it change.
	_, p := getProblem(t, "/api/v1/search?q=C3&limit=0&lang=zh")
	if p.Detail != "limit 的值 0 超出范围 1..200" {
		t.Errorf("limit in Chinese: %q", p.Detail)
	}
}

// TestEveryDetailHasChinese reads every problem(...), badParam(...) and
// requireUser(...) call of the package: each English format (or phrase)
// must have its Chinese in detailsZh (phrasesZh), take the same arguments,
// and the catalog must hold nothing no call uses.
func TestEveryDetailHasChinese(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	used := map[string]bool{}
	calls := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn, ok := call.Fun.(*ast.Ident)
			if !ok {
				return true
			}
			at, catalog := map[string]int{"problem": 2, "badParam": 1, "requireUser": 1}[fn.Name], detailsZh
			if at == 0 || len(call.Args) <= at {
				return true
			}
			if fn.Name == "requireUser" {
				catalog = phrasesZh
			}
			calls++
			where := fset.Position(call.Pos())
			lit, ok := call.Args[at].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				if _, isIdent := call.Args[at].(*ast.Ident); isIdent && fn.Name != "requireUser" && inDefinition(f, call) {
					return true // the definition of problem or badParam passing its own format on
				}
				t.Errorf("%s: %s's detail is no literal, so its Chinese cannot be checked", where, fn.Name)
				return true
			}
			s, _ := strconv.Unquote(lit.Value)
			if _, ok := catalog[s]; !ok {
				t.Errorf("%s: no Chinese for %q: add it to detail_zh.go", where, s)
			}
			used[s] = true
			return true
		})
	}
	if calls < 50 {
		t.Errorf("only %d calls found", calls)
	}
	for en, zh := range detailsZh {
		if !used[en] {
			t.Errorf("detailsZh holds %q, which no call uses", en)
		}
		args := fmtArgs(en)
		got := fmt.Sprintf(zh, args...)
		if strings.Contains(got, "%!") || strings.Contains(fmt.Sprintf(en, args...), "%!") {
			t.Errorf("%q -> %q: the arguments do not fit: %q", en, zh, got)
		}
		if !hasHan(zh) && strings.Trim(zh, "%sv") != "" {
			t.Errorf("%q -> %q is no Chinese", en, zh)
		}
	}
	for en, zh := range phrasesZh {
		if !hasHan(zh) {
			t.Errorf("phrase %q -> %q is no Chinese", en, zh)
		}
	}
}

// fmtVerb finds the verbs of a format, with their argument index if any.
var fmtVerb = regexp.MustCompile(`%(?:\[([0-9]+)\])?[-+# 0]*[0-9]*(?:\.[0-9]+)?([vsqdgfxX%])`)

// fmtArgs makes arguments that fit format: a number for %d, text else.
func fmtArgs(format string) []any {
	var args []any
	next := 0
	for _, m := range fmtVerb.FindAllStringSubmatch(format, -1) {
		if m[2] == "%" {
			continue
		}
		if m[1] != "" {
			next, _ = strconv.Atoi(m[1])
			next--
		}
		for len(args) <= next {
			args = append(args, nil)
		}
		if m[2] == "d" {
			args[next] = 7
		} else {
			args[next] = "x"
		}
		next++
	}
	return args
}

// inDefinition reports whether call is inside the function that defines
// problem or badParam.
func inDefinition(f *ast.File, call *ast.CallExpr) bool {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && (fd.Name.Name == "badParam" || fd.Name.Name == "problem") &&
			fd.Pos() <= call.Pos() && call.End() <= fd.End() {
			return true
		}
	}
	return false
}

func TestSearchAndNearestNamePlacesForPeople(t *testing.T) {
	ts := testServer(t)
	var res []geo.SearchResult
	get(t, ts, "", "/api/v1/search?q=C3-6&limit=5", &res)
	if len(res) != 5 || res[0].Category == "walkway" || *res[0].BuildingRef != "C3" || *res[0].Floor != "6/F" {
		t.Errorf("C3-6: %+v", res[0])
	}
	get(t, ts, "", "/api/v1/search?q=C3-607&lang=zh", &res)
	if *res[0].Floor != "6楼" {
		t.Errorf("C3-607 in Chinese: floor %q", *res[0].Floor)
	}
	for _, q := range []string{"printer", "打印", "AED", "toilet", "restroom", "洗手间"} {
		get(t, ts, "", "/api/v1/search?q="+url.QueryEscape(q), &res)
		if len(res) == 0 || res[0].Kind != geo.KindAmenity && res[0].Kind != geo.KindUnit {
			t.Errorf("%s: %v", q, res)
		}
	}
	get(t, ts, "", "/api/v1/search?q=printer", &res)
	if res[0].In == nil || res[0].Near == nil || res[0].BuildingRef == nil || res[0].Floor == nil {
		t.Errorf("a printer: %+v", res[0])
	}
	var near []geo.Nearby
	get(t, ts, "staff", "/api/v1/nearest?category=restroom&lon=113.4786&lat=22.8955&ordinal=0&k=6", &near)
	kinds := map[string]bool{}
	for _, n := range near {
		kinds[n.Category] = true
	}
	if !kinds["restroom.male"] || !kinds["restroom.female"] || near[0].Floor == nil || near[0].In == nil {
		t.Errorf("nearest restroom: %v", near)
	}
	code, p := getProblem(t, "/api/v1/nearest?category=printer&lon=113.4786&lat=22.8955&ordinal=0")
	if code != 400 || p.Param != "category" || !strings.Contains(p.Detail, "ask for copymachine") {
		t.Errorf("category printer: %d %+v", code, p)
	}
}

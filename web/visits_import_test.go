package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"sort"
	"strings"
	"testing"

	json "github.com/goccy/go-json"
	"github.com/xuri/excelize/v2"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/visitor"
)

// importRows are n rows of the template's columns: a visitor each, on
// day (days after 1 December) 14:00 to 16:00, at C1.
func importRows(n, day int) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = []string{fmt.Sprintf("Visitor %d", i), fmt.Sprintf("139%08d", i), idNumber(i), fmt.Sprintf("2026-12-%02d", 1+day),
			"14:00", "16:00", "seminar", "C1", "academic", "foot", ""}
	}
	return rows
}

// importFile is rows as a table of format (csv or xlsx), under the
// template's header.
func importFile(t testing.TB, format string, rows [][]string) []byte {
	t.Helper()
	header := make([]string, len(visitor.Columns))
	for i, c := range visitor.Columns {
		header[i] = c.Header()
	}
	if format == "csv" {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.Write(header)
		w.WriteAll(rows)
		return b.Bytes()
	}
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	cells := func(r []string) []any {
		out := make([]any, len(r))
		for i, c := range r {
			out[i] = c
		}
		return out
	}
	sw.SetRow("A1", cells(header))
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		sw.SetRow(cell, cells(r))
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// importBody is a multipart body with file as its part file.
func importBody(t testing.TB, name string, file []byte) (*bytes.Buffer, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(file)
	w.Close()
	return &b, w.FormDataContentType()
}

type importAnswer struct {
	Rows []struct {
		Row    int
		Status string
		Visit  *visitJSON
		Error  *struct{ Field, Detail string }
	}
	Created int
}

func (s *visitSite) importFile(t testing.TB, token, query, name string, file []byte) (int, importAnswer, []byte) {
	b, ct := importBody(t, name, file)
	code, _, body := upload(t, s.URL+"/api/v1/visits/import"+query, token, b, ct)
	var a importAnswer
	if code == 200 {
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatalf("import: %s", body)
		}
	}
	return code, a, body
}

// TestVisitImportOverHTTP: the templates, an import's rows one by one
// (errors named by field, duplicates reported), a dry run, the visitors'
// accounts and texts; on both stores.
func TestVisitImportOverHTTP(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { testVisitImportOverHTTP(t, engine) })
	}
}

func testVisitImportOverHTTP(t *testing.T, engine string) {
	s := newVisitSite(t, engine, visitor.Options{})
	host := s.person(t, "host@hkust-gz.edu.cn", auth.Staff)
	student := s.person(t, "ann@connect.hkust-gz.edu.cn", auth.Student)
	known := s.person(t, "tel:+8613900000001", auth.Visitor) // row 1's visitor has an account already

	for format, ctype := range map[string]string{"csv": "text/csv; charset=utf-8", "xlsx": xlsxType} {
		res, err := http.Get(s.URL + "/api/v1/visits/template." + format)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != ctype || !strings.Contains(res.Header.Get("Content-Disposition"), "visits-template."+format) {
			t.Errorf("template.%s: %d %v", format, res.StatusCode, res.Header)
		}
		if rows, err := visitor.ReadTable(b); err != nil || len(rows) != 0 {
			t.Errorf("template.%s reads as %v %v", format, rows, err)
		}
	}

	rows := importRows(6, 2)
	rows[2][2] = idNumber(2)[:17] + "Y" // row 4: a bad ID number
	rows[3][2] = idNumber(0)            // row 5: row 2's person, the same day
	rows[4][7] = ""                     // row 6: no place
	rows[5][9], rows[5][10] = "car", "粤A12345"
	for _, format := range []string{"csv", "xlsx"} {
		file := importFile(t, format, rows)
		code, a, body := s.importFile(t, host, "?dry_run=true", "visits."+format, file)
		if code != 200 || a.Created != 3 || len(a.Rows) != 6 {
			t.Fatalf("%s dry run: %d %s", format, code, body)
		}
		want := []struct {
			status, field string
		}{{"ok", ""}, {"ok", ""}, {"error", "id_number"}, {"error", "id_number"}, {"error", "place"}, {"ok", ""}}
		for i, w := range want {
			r := a.Rows[i]
			if r.Row != i+2 || r.Status != w.status || (w.field != "") != (r.Error != nil) || r.Error != nil && (r.Error.Field != w.field || r.Error.Detail == "") || r.Visit != nil {
				t.Errorf("%s dry run, row %d: %+v, want %s %s", format, i+2, r, w.status, w.field)
			}
		}
		if a.Rows[3].Error != nil && !strings.Contains(a.Rows[3].Error.Detail, "row 2") {
			t.Errorf("the duplicate's detail: %q", a.Rows[3].Error.Detail)
		}
	}
	var n int
	s.db.SQL().QueryRowContext(t.Context(), "SELECT count(*) FROM visits").Scan(&n)
	if n != 0 {
		t.Fatalf("a dry run made %d visits", n)
	}
	s.jobs.of(visitor.KindText)

	code, a, body := s.importFile(t, host, "?lang=zh", "visits.xlsx", importFile(t, "xlsx", rows))
	if code != 200 || a.Created != 3 || a.Rows[0].Visit == nil || a.Rows[0].Visit.Status != visitor.Approved || a.Rows[0].Visit.Source != visitor.SourceImport ||
		a.Rows[0].Visit.Visitor != "tel:+8613900000000" || a.Rows[5].Visit == nil || a.Rows[5].Visit.Plate == nil || *a.Rows[5].Visit.Plate != "粤A12345" {
		t.Fatalf("import: %d %s", code, body)
	}
	if !strings.Contains(a.Rows[4].Error.Detail, "会面地点") {
		t.Errorf("in Chinese: %q", a.Rows[4].Error.Detail)
	}
	if texts := s.jobs.of(visitor.KindText); len(texts) != 3 {
		t.Errorf("%d texts, want 3", len(texts))
	}
	// The visitors sign in by phone and see their visits: the known one
	// on their account.
	var page visitsPage
	if code, body := s.do(t, known, "GET", "/api/v1/me/visits", ""); code != 200 || json.Unmarshal(body, &page) != nil || len(page.Items) != 1 ||
		page.Items[0].Host != "host@hkust-gz.edu.cn" {
		t.Errorf("the known visitor's visits: %d %s", code, body)
	}
	var accounts []string
	rs, _ := s.db.SQL().QueryContext(t.Context(), "SELECT email FROM users WHERE role = 'visitor' ORDER BY email")
	for rs.Next() {
		var e string
		rs.Scan(&e)
		accounts = append(accounts, e)
	}
	rs.Close()
	sort.Strings(accounts)
	if strings.Join(accounts, " ") != "tel:+8613900000000 tel:+8613900000001 tel:+8613900000005" {
		t.Errorf("visitors' accounts %v", accounts)
	}
	// Again: everyone imported visits that day already.
	code, a, body = s.importFile(t, host, "", "visits.csv", importFile(t, "csv", rows))
	if code != 200 || a.Created != 0 || a.Rows[0].Error == nil || !strings.Contains(a.Rows[0].Error.Detail, "visit") {
		t.Errorf("imported again: %d %s", code, body)
	}
	for _, c := range []struct {
		token, name string
		file        []byte
		status      int
		param       string
	}{
		{student, "visits.csv", importFile(t, "csv", rows), 403, ""},
		{host, "visits.csv", []byte("name,phone\n"), 400, "file"},
		{host, "visits.csv", importFile(t, "csv", importRows(visitor.MaxImportRows+1, 3)), 400, "file"},
	} {
		code, _, body := s.importFile(t, c.token, "", c.name, c.file)
		bookingProblem(t, c.name, c.status, c.param, "", code, body)
	}
	code, _, body = upload(t, s.URL+"/api/v1/visits/import", host, strings.NewReader("{}"), "application/json")
	bookingProblem(t, "JSON", 415, "Content-Type", "", code, body)
	code, _, body = s.importFile(t, host, "?dry_run=perhaps", "v.csv", importFile(t, "csv", rows))
	bookingProblem(t, "dry_run perhaps", 400, "dry_run", "", code, body)
}

// BenchmarkVisitImport imports 1,000 rows (XLSX and CSV) end to end over
// HTTP on each store: a fresh day each time, so every row is created.
//
//	go test ./web -run XXX -bench VisitImport -count 3 (with CAMPUS_TEST_DATABASE_URL set for PostgreSQL)
func BenchmarkVisitImport(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		for _, format := range []string{"xlsx", "csv"} {
			b.Run(engine+"/"+format, func(b *testing.B) { benchVisitImport(b, engine, format) })
		}
	}
}

func benchVisitImport(b *testing.B, engine, format string) {
	s := newVisitSite(b, engine, visitor.Options{})
	files := make([][]byte, 0, 30)
	for day := range 30 {
		files = append(files, importFile(b, format, importRows(visitor.MaxImportRows, day)))
	}
	i := 0
	for b.Loop() {
		// A host of their own each time (at most 2,000 upcoming visits a
		// host), and the days again once all are used.
		b.StopTimer()
		host := s.person(b, fmt.Sprintf("host%d@hkust-gz.edu.cn", i), auth.Staff)
		if i%len(files) == 0 && i > 0 {
			if _, err := s.db.SQL().ExecContext(b.Context(), "DELETE FROM visits"); err != nil {
				b.Fatal(err)
			}
		}
		body, ct := importBody(b, "visits."+format, files[i%len(files)])
		b.StartTimer()
		code, _, res := upload(b, s.URL+"/api/v1/visits/import", host, body, ct)
		if code != 200 || !bytes.Contains(res, []byte(fmt.Sprintf(`"created":%d`, visitor.MaxImportRows))) {
			b.Fatalf("import: %d %.300s", code, res)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/import")
}

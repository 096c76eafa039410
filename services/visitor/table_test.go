package visitor

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// workbook is an XLSX of the template filled with rows (cells in the
// template's column order), numbers given as numbers.
func workbook(t testing.TB, header []string, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetRow("Sheet1", "A1", &header)
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		f.SetSheetRow("Sheet1", cell, &r)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func headers() []string {
	h := make([]string, len(Columns))
	for i, c := range Columns {
		h[i] = c.Header()
	}
	return h
}

func TestTemplates(t *testing.T) {
	rows, err := ReadTable(TemplateCSV())
	if err != nil || len(rows) != 0 {
		t.Errorf("the CSV template reads as %v %v", rows, err)
	}
	if !bytes.HasPrefix(TemplateCSV(), []byte("\ufeffname / 姓名,phone / 手机号,")) {
		t.Errorf("the CSV template: %q", TemplateCSV())
	}
	x, err := TemplateXLSX()
	if err != nil {
		t.Fatal(err)
	}
	if rows, err := ReadTable(x); err != nil || len(rows) != 0 {
		t.Errorf("the XLSX template reads as %v %v", rows, err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, _ := f.GetCellValue("Visits 访客", "C1"); got != "id_number / 证件号码" {
		t.Errorf("C1 is %q", got)
	}
	if sheets := f.GetSheetList(); len(sheets) != 2 {
		t.Errorf("sheets %v", sheets)
	}
}

func TestReadTable(t *testing.T) {
	// CSV: Chinese headers in another order, semicolons, an empty row.
	csv := "\ufeff证件号码;姓名;手机号;日期;开始时间;结束时间;来访事由;会面地点;mode\n" +
		"E12345678;Li Lei;13800000001;2026-12-03;14:00;16:00;meeting;C1;foot\n;;;;;;;;\n" +
		"E12345679;\"Han, Meimei\";13800000002;2026-12-04;09:00;10:00;visit;C1-101;\n"
	rows, err := ReadTable([]byte(csv))
	if err != nil || len(rows) != 2 || rows[0].N != 2 || rows[1].N != 4 || rows[1].Cells["name"] != "Han, Meimei" || rows[0].Cells["id_number"] != "E12345678" {
		t.Fatalf("CSV: %+v %v", rows, err)
	}
	// XLSX: dates and times typed as Excel's numbers.
	x := workbook(t, headers(), [][]any{
		{"Li Lei", "13800000001", "E12345678", 46359, 14.0 / 24, 0.6875, "meeting", "C1"},
		{"Han", "13800000002", "E12345679", "2026-12-04", "09:30", "10:00", "visit", "C1-101", "business", "car", "粤A12345"},
	})
	rows, err = ReadTable(x)
	if err != nil || len(rows) != 2 {
		t.Fatalf("XLSX: %+v %v", rows, err)
	}
	if c := rows[0].Cells; c["date"] != "2026-12-03" || c["from"] != "14:00" || c["to"] != "16:30" || c["phone"] != "13800000001" {
		t.Errorf("serial dates: %v", c)
	}
	if c := rows[1].Cells; c["date"] != "2026-12-04" || c["from"] != "09:30" || c["plate"] != "粤A12345" {
		t.Errorf("text dates: %v", c)
	}
	for name, data := range map[string]string{
		"empty":          "",
		"missing column": "name,phone,id_number,date,from,to,reason\n",
		"unknown column": strings.Join(headers(), ",") + ",shoe size\n",
		"a column twice": strings.Join(headers(), ",") + ",姓名\n",
		"not UTF-8":      "name\xff\n",
		"binary":         "PK\x03\x04garbage",
	} {
		if _, err := ReadTable([]byte(data)); !errors.Is(err, ErrInvalid) || fieldOf(err) != "file" {
			t.Errorf("%s: %v, want invalid naming file", name, err)
		}
	}
	var b strings.Builder
	b.WriteString(strings.Join(headers(), ",") + "\n")
	for i := range MaxImportRows + 1 {
		fmt.Fprintf(&b, "n%d,13800000001,E%08d,2026-12-03,14:00,15:00,r,C1\n", i, i)
	}
	if _, err := ReadTable([]byte(b.String())); fieldOf(err) != "file" {
		t.Errorf("1,001 rows: %v", err)
	}
}

// FuzzReadTable: whatever a file holds, reading it as a table of visits
// never panics, answers at most MaxImportRows rows of cells no longer
// than MaxCell, each in a known column, or a field-named error.
func FuzzReadTable(f *testing.F) {
	f.Add(TemplateCSV())
	x, _ := TemplateXLSX()
	f.Add(x)
	f.Add([]byte(strings.Join(headers(), ",") + "\nLi,13800000001,E12345678,2026-12-03,14:00,16:00,meeting,C1,business,car,粤A12345\n"))
	f.Add([]byte("证件号码;姓名;手机号;日期;开始时间;结束时间;来访事由;会面地点\nE1;a;1;2;3;4;5;6\n"))
	f.Add(workbook(f, headers(), [][]any{{"Li", "13800000001", "E12345678", 46359, 0.5, 0.75, "m", "C1"}}))
	f.Add([]byte("name\tphone\n\"a\tb\"\t1\n"))
	f.Add([]byte("PK\x03\x04"))
	known := map[string]bool{}
	for _, c := range Columns {
		known[c.Key] = true
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ReadTable(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) || fieldOf(err) != "file" {
				t.Fatalf("error %v, want invalid naming file", err)
			}
			return
		}
		if len(rows) > MaxImportRows {
			t.Fatalf("%d rows", len(rows))
		}
		for _, r := range rows {
			for k, v := range r.Cells {
				if !known[k] || len(v) > MaxCell {
					t.Fatalf("row %d: cell %q of %d bytes", r.N, k, len(v))
				}
			}
		}
	})
}

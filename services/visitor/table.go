package visitor

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Batch import's tables: the template (XLSX or CSV) and what is read
// back from a filled one. A table's first row names its columns, in
// English, in Chinese, or both as the template writes them ("name /
// 姓名"), in any order; empty rows are skipped; at most MaxImportRows
// rows of visits.

// Column is a column of the import template.
type Column struct {
	Key      string // as the rows are read: name, phone ...
	Zh       string
	Required bool
	Note     string // what it holds, for the template's notes
	NoteZh   string
}

// Columns are the template's columns, in order.
var Columns = []Column{
	{"name", "姓名", true, "the visitor's full name", "来访人姓名"},
	{"phone", "手机号", true, "their mobile (+86 138 0000 0000); they sign in with it to see the visit", "来访人手机号（如 +86 138 0000 0000），可用其登录查看预约"},
	{"id_number", "证件号码", true, "a PRC resident identity card's, or a passport's or permit's", "居民身份证号码，或护照、通行证号码"},
	{"date", "日期", true, "YYYY-MM-DD, today to 30 days ahead", "YYYY-MM-DD，今天至 30 天内"},
	{"from", "开始时间", true, "HH:MM", "HH:MM"},
	{"to", "结束时间", true, "HH:MM, after from", "HH:MM，晚于开始时间"},
	{"reason", "来访事由", true, "at most 200 characters", "最多 200 字"},
	{"place", "会面地点", true, "a building (C1) or a room (C1-201)", "楼栋（如 C1）或房间（如 C1-201）"},
	{"type", "类型", false, "business, academic, interview, personal, delivery or other (default business)", "business、academic、interview、personal、delivery 或 other（默认 business）"},
	{"mode", "方式", false, "foot or car (default foot)", "foot（步行）或 car（驾车），默认 foot"},
	{"plate", "车牌号", false, "for car: 粤A12345", "驾车时填写，如 粤A12345"},
}

// Header is a column's header as the template writes it.
func (c Column) Header() string { return c.Key + " / " + c.Zh }

// Row is one row of a table: its number as a spreadsheet shows it (the
// header is row 1) and its cells by column key.
type Row struct {
	N     int
	Cells map[string]string
}

// ErrTable is a file that is not a table of visits.
var ErrTable = errors.New("visitor: not a table of visits")

func tableError(en, zh string, args ...any) *Error {
	return &Error{Kind: ErrInvalid, Field: "file", En: fmt.Sprintf(en, args...), Zh: fmt.Sprintf(zh, args...)}
}

// MaxCell bounds a cell's bytes.
const MaxCell = 1000

// columnOf is the column a header cell names, by its key, its Chinese
// name, or both ("name / 姓名"); "" for none.
func columnOf(h string) string {
	h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
	for _, part := range append([]string{h}, strings.Split(h, "/")...) {
		p := strings.ToLower(strings.TrimSpace(part))
		p = strings.TrimSuffix(p, "*")
		for _, c := range Columns {
			if p == c.Key || p == c.Zh || p == strings.ReplaceAll(c.Key, "_", " ") {
				return c.Key
			}
		}
	}
	return ""
}

// rowsOf reads a table's records: the first names the columns. Excel's
// numbers in the date and time columns (its serial dates) are read as
// dates and times.
func rowsOf(records [][]string, serials bool) ([]Row, error) {
	if len(records) == 0 {
		return nil, tableError("the file is empty: the first row names the columns (see the template)", "文件为空：第一行应为列名（见模板）")
	}
	cols := make([]string, len(records[0]))
	seen := map[string]bool{}
	for i, h := range records[0] {
		if strings.TrimSpace(h) == "" {
			continue
		}
		k := columnOf(h)
		if k == "" {
			return nil, tableError("column %d, %q, is none of the template's columns", "第 %d 列“%s”不是模板中的列", i+1, clip(h, 60))
		}
		if seen[k] {
			return nil, tableError("column %q is there twice", "列“%s”重复", k)
		}
		seen[k], cols[i] = true, k
	}
	for _, c := range Columns {
		if c.Required && !seen[c.Key] {
			return nil, tableError("the column %s is missing", "缺少列“%s”", c.Header())
		}
	}
	var rows []Row
	for n, rec := range records[1:] {
		r := Row{N: n + 2, Cells: map[string]string{}}
		empty := true
		for i, v := range rec {
			if i >= len(cols) || cols[i] == "" {
				continue
			}
			v = strings.TrimSpace(v)
			if len(v) > MaxCell {
				v = v[:MaxCell]
			}
			if v != "" {
				empty = false
			}
			if serials {
				v = fromSerial(cols[i], v)
			}
			r.Cells[cols[i]] = v
		}
		if empty {
			continue
		}
		if len(rows) == MaxImportRows {
			return nil, tableError("more than %d rows of visits: import them in parts", "超过 %d 行：请分批导入", MaxImportRows)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// fromSerial reads an Excel serial date (days since 1899-12-30) in the
// date column, and a fraction of a day in the time columns.
func fromSerial(col, v string) string {
	if col != "date" && col != "from" && col != "to" {
		return v
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 2958465 {
		return v
	}
	if col == "date" {
		if f < 1 {
			return v
		}
		return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(f)).Format(time.DateOnly)
	}
	if f >= 1 {
		return v
	}
	m := int(math.Round(f * 24 * 60))
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}

// isXLSX reports whether data is a ZIP archive: an XLSX workbook.
func isXLSX(data []byte) bool { return bytes.HasPrefix(data, []byte("PK\x03\x04")) }

// MaxXLSXCells bounds the cells read of a workbook's sheet, whatever its
// rows hold.
const MaxXLSXCells = 64 * (MaxImportRows + 10)

// ReadTable reads a table of visits: an XLSX workbook (its first sheet)
// or CSV (UTF-8, with or without a byte order mark; commas,
// semicolons or tabs).
func ReadTable(data []byte) ([]Row, error) {
	if isXLSX(data) {
		return readXLSX(data)
	}
	return readCSV(data)
}

func readCSV(data []byte) ([]Row, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return nil, tableError("the file is neither an XLSX workbook nor CSV in UTF-8", "文件既不是 XLSX 工作簿，也不是 UTF-8 编码的 CSV")
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	switch {
	case bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")):
		r.Comma = ';'
	case bytes.Count(first, []byte("\t")) > bytes.Count(first, []byte(",")):
		r.Comma = '\t'
	}
	var records [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, tableError("the CSV does not read: %v", "CSV 无法读取：%v", err)
		}
		if len(records) > MaxImportRows+1 {
			blank := true
			for _, c := range rec {
				if strings.TrimSpace(c) != "" {
					blank = false
				}
			}
			if !blank {
				return nil, tableError("more than %d rows of visits: import them in parts", "超过 %d 行：请分批导入", MaxImportRows)
			}
			continue
		}
		records = append(records, rec)
	}
	return rowsOf(records, false)
}

func readXLSX(data []byte) ([]Row, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 64 << 20, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return nil, tableError("the XLSX workbook does not open: %v", "XLSX 工作簿无法打开：%v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, tableError("the workbook has no sheet", "工作簿中没有工作表")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, tableError("the first sheet does not read: %v", "第一个工作表无法读取：%v", err)
	}
	defer rows.Close()
	var records [][]string
	cells := 0
	for rows.Next() {
		rec, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, tableError("the first sheet does not read: %v", "第一个工作表无法读取：%v", err)
		}
		if len(rec) > 64 {
			rec = rec[:64]
		}
		cells += len(rec) + 1
		if cells > MaxXLSXCells {
			return nil, tableError("more than %d rows of visits: import them in parts", "超过 %d 行：请分批导入", MaxImportRows)
		}
		records = append(records, rec)
	}
	if err := rows.Error(); err != nil {
		return nil, tableError("the first sheet does not read: %v", "第一个工作表无法读取：%v", err)
	}
	return rowsOf(records, true)
}

// TemplateCSV is the import template as CSV: a byte order mark (so that
// Excel reads it as UTF-8) and the bilingual header.
func TemplateCSV() []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	h := make([]string, len(Columns))
	for i, c := range Columns {
		h[i] = c.Header()
	}
	w.Write(h)
	w.Flush()
	return b.Bytes()
}

// TemplateXLSX is the import template as an XLSX workbook: the visits'
// sheet with its bilingual header (its cells text, so that dates and
// times stay as typed), and a sheet of notes on each column.
func TemplateXLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet, notes = "Visits 访客", "Notes 说明"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: 49})
	if err != nil {
		return nil, err
	}
	last, _ := excelize.ColumnNumberToName(len(Columns))
	if err := f.SetColStyle(sheet, "A:"+last, text); err != nil {
		return nil, err
	}
	if err := f.SetColWidth(sheet, "A", last, 18); err != nil {
		return nil, err
	}
	if _, err := f.NewSheet(notes); err != nil {
		return nil, err
	}
	f.SetSheetRow(notes, "A1", &[]any{"column / 列", "required / 必填", "what / 说明", "说明"})
	for i, c := range Columns {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.SetCellValue(sheet, cell, c.Header()); err != nil {
			return nil, err
		}
		req := "no / 否"
		if c.Required {
			req = "yes / 是"
		}
		f.SetSheetRow(notes, fmt.Sprintf("A%d", i+2), &[]any{c.Header(), req, c.Note, c.NoteZh})
	}
	if err := f.SetRowStyle(sheet, 1, 1, bold); err != nil {
		return nil, err
	}
	f.SetColWidth(notes, "A", "D", 40)
	f.SetActiveSheet(0)
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

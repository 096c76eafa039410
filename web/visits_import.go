package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/services/visitor"
)

// Batch import of visits by a host: the template to fill (XLSX or CSV,
// bilingual headers) and the import of a filled one (multipart, the part
// file), row by row.

// importBodyLimit bounds an import's body: 1,000 rows of a workbook are
// far smaller.
const importBodyLimit = 5 << 20

func (s *Server) visitImportRoutes(get, post func(string, echo.HandlerFunc, ...echo.MiddlewareFunc)) {
	get("/visits/template.xlsx", s.visitTemplate("xlsx"))
	get("/visits/template.csv", s.visitTemplate("csv"))
	post("/visits/import", s.importVisits, noStore, s.idempotent)
	s.bodyLimits["/api/v1/visits/import"] = importBodyLimit
}

// xlsxType is an XLSX workbook's media type.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (s *Server) visitTemplate(format string) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.d.Visits == nil {
			return problem(http.StatusNotFound, "", "visits are not available")
		}
		h := c.Response().Header()
		h.Set("Cache-Control", "public, max-age=86400")
		h.Set("Content-Disposition", `attachment; filename="visits-template.`+format+`"`)
		if format == "csv" {
			return c.Blob(http.StatusOK, "text/csv; charset=utf-8", visitor.TemplateCSV())
		}
		b, err := visitor.TemplateXLSX()
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, xlsxType, b)
	}
}

func (s *Server) importVisits(c echo.Context) error {
	u, lang, err := s.visitUser(c)
	if err != nil {
		return err
	}
	dry := false
	if v := c.QueryParam("dry_run"); v != "" {
		if dry, err = strconv.ParseBool(v); err != nil {
			return badParam("dry_run", "dry_run %q is not true or false", v)
		}
	}
	file, err := filePart(c, "file", importBodyLimit)
	if err != nil {
		return err
	}
	res, err := s.d.Visits.Import(c.Request().Context(), u, file, dry, lang)
	if err != nil {
		return err
	}
	return ok(c, res)
}

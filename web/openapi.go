package web

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPI is the OpenAPI 3 document of the whole API, served at
// /api/v1/openapi.json. TestOpenAPI keeps it and the routes in step and
// checks answers against its schemas.
//
//go:embed openapi.json
var openAPI []byte

func (s *Server) openAPI(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPI)
}

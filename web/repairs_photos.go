package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/services/repair"
)

// Photos of repair tickets: one JPEG or PNG per request, as the part
// named "photo" of a multipart/form-data body (what a mini program's
// uploadFile sends); served back to the ticket's reporter and the desk.

// photoBodyLimit is the body of a photo's upload: the photo and the
// multipart framing around it.
const photoBodyLimit = repair.MaxPhotoBytes + 16<<10

// addRepairPhoto adds a photo: 201, or 200 with the photo the ticket
// holds already when the same image is sent again (an upload retried).
func (s *Server) addRepairPhoto(c echo.Context) error {
	u, id, err := s.repairTicket(c)
	if err != nil {
		return err
	}
	b, err := filePart(c, "photo", repair.MaxPhotoBytes)
	if err != nil {
		return err
	}
	v, added, err := s.d.Repairs.AddPhoto(c.Request().Context(), u, id, b)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if added {
		status = http.StatusCreated
	}
	c.Response().Header().Set(echo.HeaderLocation, v.URL)
	return c.JSON(status, v)
}

// repairPhoto serves a photo's bytes as the type its content was found
// to be; a sandbox keeps anything in it from running as the site.
func (s *Server) repairPhoto(c echo.Context) error {
	u, id, err := s.repairTicket(c)
	if err != nil {
		return err
	}
	pid, err := pathID(c, "photo")
	if err != nil {
		return err
	}
	p, err := s.d.Repairs.Photo(c.Request().Context(), u, id, pid)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set(echo.HeaderContentDisposition, "inline")
	return c.Blob(http.StatusOK, p.ContentType, p.Data)
}

package web

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
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

// photoPart is the one part named photo of c's multipart body.
func photoPart(c echo.Context) ([]byte, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	media, params, err := mime.ParseMediaType(ct)
	if err != nil || media != "multipart/form-data" || params["boundary"] == "" {
		return nil, problem(http.StatusUnsupportedMediaType, "Content-Type", "want multipart/form-data with a part named photo, got %q", ct)
	}
	tooLarge := func(err error) bool {
		_, ok := errors.AsType[*http.MaxBytesError](err)
		return ok
	}
	mr := multipart.NewReader(c.Request().Body, params["boundary"])
	var photo []byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if tooLarge(err) {
				return nil, repair.ErrPhotoTooLarge
			}
			return nil, badParam("body", "the multipart body could not be read")
		}
		if p.FormName() != "photo" {
			continue // the next part skips what is left of this one
		}
		if photo != nil {
			return nil, badParam("photo", "send one photo per request")
		}
		b, err := io.ReadAll(io.LimitReader(p, repair.MaxPhotoBytes+1))
		switch {
		case tooLarge(err) || len(b) > repair.MaxPhotoBytes:
			return nil, repair.ErrPhotoTooLarge
		case err != nil:
			return nil, badParam("photo", "the photo could not be read")
		case len(b) == 0:
			return nil, badParam("photo", "the photo is empty")
		}
		photo = b
	}
	if photo == nil {
		return nil, badParam("photo", "no part named photo")
	}
	return photo, nil
}

// addRepairPhoto adds a photo: 201, or 200 with the photo the ticket
// holds already when the same image is sent again (an upload retried).
func (s *Server) addRepairPhoto(c echo.Context) error {
	u, id, err := s.repairTicket(c)
	if err != nil {
		return err
	}
	b, err := photoPart(c)
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

package web

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/labstack/echo/v4"
)

// filePart is the one part named name of c's multipart/form-data body,
// at most limit bytes (what a mini program's uploadFile sends: one file
// a request). Every refusal names the part.
func filePart(c echo.Context, name string, limit int64) ([]byte, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	media, params, err := mime.ParseMediaType(ct)
	if err != nil || media != "multipart/form-data" || params["boundary"] == "" {
		return nil, problem(http.StatusUnsupportedMediaType, "Content-Type", "want multipart/form-data with a part named %s, got %q", name, ct)
	}
	tooLarge := problem(http.StatusRequestEntityTooLarge, name, "the %s is larger than %d bytes", name, limit)
	isTooLarge := func(err error) bool {
		_, ok := errors.AsType[*http.MaxBytesError](err)
		return ok
	}
	mr := multipart.NewReader(c.Request().Body, params["boundary"])
	var file []byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if isTooLarge(err) {
				return nil, tooLarge
			}
			return nil, badParam("body", "the multipart body could not be read")
		}
		if p.FormName() != name {
			continue // the next part skips what is left of this one
		}
		if file != nil {
			return nil, badParam(name, "send one %s per request", name)
		}
		b, err := io.ReadAll(io.LimitReader(p, limit+1))
		switch {
		case isTooLarge(err) || int64(len(b)) > limit:
			return nil, tooLarge
		case err != nil:
			return nil, badParam(name, "the %s could not be read", name)
		case len(b) == 0:
			return nil, badParam(name, "the %s is empty", name)
		}
		file = b
	}
	if file == nil {
		return nil, badParam(name, "no part named %s", name)
	}
	return file, nil
}

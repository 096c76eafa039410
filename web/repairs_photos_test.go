package web

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/repair"
)

// photoImage is a w × h image encoded as format (jpeg, png or gif).
func photoImage(t testing.TB, format string, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{G: 180, A: 255})
	}
	var b bytes.Buffer
	var err error
	switch format {
	case "jpeg":
		err = jpeg.Encode(&b, img, nil)
	case "png":
		err = png.Encode(&b, img)
	default:
		err = gif.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// multipartBody is a form with a file part per name ("photo" unless
// said), each named shot.jpg whatever it holds; and its content type.
func multipartBody(t testing.TB, parts map[string][][]byte) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for name, files := range parts {
		for _, f := range files {
			fw, err := w.CreateFormFile(name, "shot.jpg")
			if err != nil {
				t.Fatal(err)
			}
			fw.Write(f)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &b, w.FormDataContentType()
}

// upload sends a request with body and content type ct as token.
func upload(t testing.TB, url, token string, body io.Reader, ct string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

func TestRepairPhotosOverHTTP(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { testRepairPhotosOverHTTP(t, engine) })
	}
}

func testRepairPhotosOverHTTP(t *testing.T, engine string) {
	site := newRepairSite(t, engine)
	s := site.labServer
	ann := s.person(t, "ann@example.edu", auth.Student)
	eve := s.person(t, "eve@example.edu", auth.Student)
	desk := s.person(t, "desk@example.edu", auth.Staff, auth.Desk)
	code, b := s.do(t, ann, "POST", "/api/v1/repairs", fmt.Sprintf(`{"category":"walls","description":"a crack","unit":%q}`, site.room.ID))
	if code != http.StatusCreated {
		t.Fatalf("report: %d %s", code, b)
	}
	tk := decode[repairView](t, "ticket", b)
	url := fmt.Sprint(s.URL, "/api/v1/repairs/", tk.ID, "/photos")
	jpg := photoImage(t, "jpeg", 64, 48)
	body, ct := multipartBody(t, map[string][][]byte{"photo": {jpg}})
	code, h, b := upload(t, url, ann, bytes.NewReader(body.Bytes()), ct)
	p := decode[repair.PhotoView](t, "photo", b)
	if code != http.StatusCreated || p.ContentType != "image/jpeg" || p.Width != 64 || p.Height != 48 || p.Bytes != len(jpg) ||
		h.Get("Location") != p.URL || !strings.HasPrefix(p.URL, "/api/v1/repairs/") {
		t.Fatalf("upload: %d %s", code, b)
	}
	// A retried upload is the same photo.
	if code, _, b := upload(t, url, ann, bytes.NewReader(body.Bytes()), ct); code != http.StatusOK || decode[repair.PhotoView](t, "again", b).ID != p.ID {
		t.Errorf("the same photo again: %d %s", code, b)
	}
	// The desk adds one (a PNG); another student may not, nor see any.
	pngBody, pngType := multipartBody(t, map[string][][]byte{"photo": {photoImage(t, "png", 20, 10)}})
	if code, _, b := upload(t, url, eve, bytes.NewReader(pngBody.Bytes()), pngType); code != http.StatusNotFound {
		t.Errorf("another's upload: %d %s", code, b)
	}
	if code, _, b := upload(t, url, desk, pngBody, pngType); code != http.StatusCreated {
		t.Errorf("the desk's upload: %d %s", code, b)
	}
	for _, who := range []string{ann, desk} {
		_, res, got := send(t, s.URL, who, "GET", p.URL, "")
		if res.StatusCode != 200 || !bytes.Equal(got, jpg) || res.Header.Get("Content-Type") != "image/jpeg" ||
			res.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("the photo: %d %v, %d bytes", res.StatusCode, res.Header, len(got))
		}
	}
	if code, _ := s.do(t, eve, "GET", p.URL, ""); code != http.StatusNotFound {
		t.Errorf("another's photo: %d", code)
	}
	if code, _ := s.do(t, ann, "GET", fmt.Sprint("/api/v1/repairs/", tk.ID, "/photos/", p.ID+100), ""); code != http.StatusNotFound {
		t.Errorf("no such photo: %d", code)
	}
	code, b = s.do(t, ann, "GET", fmt.Sprint("/api/v1/repairs/", tk.ID), "")
	var full struct{ Photos []repair.PhotoView }
	if full = decode[struct{ Photos []repair.PhotoView }](t, "ticket", b); code != 200 || len(full.Photos) != 2 || full.Photos[0].ID != p.ID {
		t.Errorf("the ticket's photos: %d %s", code, b)
	}
	// Refusals name the field and say why; nothing is kept.
	big := append(bytes.Clone(jpg), make([]byte, repair.MaxPhotoBytes)...)
	for _, c := range []struct {
		what   string
		parts  map[string][][]byte
		ct     string
		status int
		param  string
	}{
		{"a gif named .jpg", map[string][][]byte{"photo": {photoImage(t, "gif", 8, 8)}}, "", http.StatusUnsupportedMediaType, "photo"},
		{"text", map[string][][]byte{"photo": {[]byte("<svg onload=alert(1)>")}}, "", http.StatusUnsupportedMediaType, "photo"},
		{"over 5 MB", map[string][][]byte{"photo": {big}}, "", http.StatusRequestEntityTooLarge, "photo"},
		{"a jpeg cut short", map[string][][]byte{"photo": {jpg[:30]}}, "", http.StatusBadRequest, "photo"},
		{"two photos", map[string][][]byte{"photo": {jpg, photoImage(t, "png", 5, 5)}}, "", http.StatusBadRequest, "photo"},
		{"no photo part", map[string][][]byte{"file": {jpg}}, "", http.StatusBadRequest, "photo"},
		{"json", nil, "application/json", http.StatusUnsupportedMediaType, "Content-Type"},
	} {
		body, ct := multipartBody(t, c.parts)
		if c.ct != "" {
			ct = c.ct
		}
		code, _, b := upload(t, url, ann, body, ct)
		bookingProblem(t, c.what, c.status, c.param, "", code, b)
	}
	// At most MaxPhotos.
	for i := 3; i <= repair.MaxPhotos+1; i++ {
		body, ct := multipartBody(t, map[string][][]byte{"photo": {photoImage(t, "png", i, i)}})
		code, _, b := upload(t, url, ann, body, ct)
		if i <= repair.MaxPhotos && code != http.StatusCreated {
			t.Fatalf("photo %d: %d %s", i, code, b)
		}
		if i > repair.MaxPhotos {
			bookingProblem(t, "one photo too many", http.StatusConflict, "photo", "too_many_photos", code, b)
		}
	}
}

package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// The map page: plain HTML, CSS and JavaScript modules with MapLibre GL JS
// copied from npm (the version is in assets/VERSIONS), embedded in the
// binary, so the server needs no build step and no other files.
//
//go:embed assets
var assetsFS embed.FS

// assetTypes are the content types of the files the page is made of, by
// extension; anything else is served as bytes.
var assetTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".json":  "application/json",
	".jsonl": "application/jsonl; charset=utf-8",
	".txt":   "text/plain; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".pbf":   "application/x-protobuf", // glyphs
	".map":   "application/json",       // source maps
}

// pageCSP keeps the page to its own origin: the scripts, the worker, the
// style, the tiles and the API are all served here.
const pageCSP = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; " +
	"img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; font-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'"

// asset is one embedded file, ready to serve.
type asset struct {
	name  string
	ctype string
	etag  string
	body  []byte

	gzOnce sync.Once
	gz     []byte // the gzipped body, when it is worth it; made on first use
}

func (a *asset) gzipped() []byte {
	a.gzOnce.Do(func() {
		if len(a.body) < 1024 || !compressible(a.ctype) {
			return
		}
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		w.Write(a.body)
		w.Close()
		if b.Len() < len(a.body)*9/10 {
			a.gz = b.Bytes()
		}
	})
	return a.gz
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.HasPrefix(ctype, "application/json") ||
		strings.HasPrefix(ctype, "application/jsonl") || ctype == "image/svg+xml" || ctype == "application/x-protobuf"
}

type assetHandler struct {
	files map[string]*asset // by name inside assets/
}

// Assets serves the map page: index.html at "/" (and "/index.html"), and
// every embedded file under "/assets/" (the page asks for them there).
// GET and HEAD only. Each answer has its content type, a strong ETag
// (If-None-Match gives a 304) and "Cache-Control: no-cache", so a browser
// keeps the files but asks whether they changed: a new binary's page is
// picked up at once, and an unchanged one costs a 304. Text is gzipped for
// clients that accept it. Wire it for "/" and "/assets/*".
func Assets() http.Handler {
	h := &assetHandler{files: map[string]*asset{}}
	err := fs.WalkDir(assetsFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := assetsFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ctype, known := assetTypes[path.Ext(p)]
		if path.Ext(p) == "" { // VERSIONS, LICENSE and the like
			ctype, known = "text/plain; charset=utf-8", true
		}
		if !known {
			ctype = "application/octet-stream"
		}
		name := strings.TrimPrefix(p, "assets/")
		h.files[name] = &asset{name: name, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, body: body}
		return nil
	})
	if err != nil {
		panic("web: the embedded page cannot be read: " + err.Error()) // only a broken build gets here
	}
	return h
}

func (h *assetHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		assetProblem(w, http.StatusMethodNotAllowed, "Method not allowed", "the page is read with GET or HEAD")
		return
	}
	var name string
	switch p := r.URL.Path; {
	case p == "/" || p == "/index.html":
		name = "index.html"
	case strings.HasPrefix(p, "/assets/"):
		name = strings.TrimPrefix(p, "/assets/")
	}
	a := h.files[name]
	if a == nil {
		assetProblem(w, http.StatusNotFound, "Not found", "no such file: "+r.URL.Path)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.ctype)
	hd.Set("Cache-Control", "no-cache")
	hd.Set("ETag", a.etag)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Add("Vary", "Accept-Encoding")
	if a.name == "index.html" {
		hd.Set("Content-Security-Policy", pageCSP)
		hd.Set("Referrer-Policy", "same-origin")
	}
	body := a.body
	if gz := a.gzipped(); gz != nil && acceptsGzip(r) {
		hd.Set("Content-Encoding", "gzip")
		body = gz
	}
	// ServeContent answers If-None-Match (with the ETag above), ranges and
	// HEAD; the zero time leaves Last-Modified out.
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// assetProblem answers an error as the API does, as problem details.
func assetProblem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	encodeJSON(w, &Problem{Type: "about:blank", Title: title, Status: status, Detail: detail,
		RequestID: w.Header().Get(headerRequestID)})
}

package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/idempotency"
)

// Idempotency-Key (services/idempotency; the IETF httpapi draft, with
// Stripe's semantics) on the routes that create something or move money:
// a route honours it with one more middleware, after the viewer's,
//
//	post("/me/places", s.addPlace, noStore, s.idempotent)
//
// The first answer to a signed-in person's key (its status, the headers
// of keptHeaders, its body) is kept for idempotency.TTL, and the same
// request again (method, path and query, body) gets it again, marked
// Idempotent-Replayed: true. A request is keyed only by a signed-in
// person: a key without a session is a 401.
//
// Answers are kept as Stripe keeps them, problems included, but for
// server errors (5xx) and 429 (a limit that lifts with time): then the key
// is released and a retry runs the request again. An answer whose body is
// over idempotency.MaxBody (no creating route answers a tenth of it) is
// kept without its body: status and Location.

const (
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotent-Replayed"
)

// keptHeaders are the headers of an answer kept with its key.
var keptHeaders = []string{echo.HeaderContentType, "Content-Language", echo.HeaderLocation}

// titleKeyReused names the problem of a key used for another request.
var titleKeyReused = [2]string{"Idempotency-Key reused", "幂等键已用于其他请求"}

// idempotent honours Idempotency-Key on a route; see above.
func (s *Server) idempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		keys := c.Request().Header.Values(headerIdempotencyKey)
		if len(keys) == 0 || s.d.Idempotency == nil {
			return next(c)
		}
		r, err := s.keyed(c, keys)
		if err != nil {
			return err
		}
		kept, err := s.d.Idempotency.ClaimIdempotencyKey(c.Request().Context(), r)
		switch {
		case err != nil:
			return s.keyProblem(c, err)
		case kept != nil:
			return replay(c, *kept)
		}
		return s.runKeyed(c, next, r)
	}
}

// keyed reads the keyed request: its key (one; the draft's quoted form
// and Stripe's bare one are the same key), its person, and the hash of
// its method, target and body. The body, read here, is given to the
// handler again.
func (s *Server) keyed(c echo.Context, keys []string) (idempotency.Request, error) {
	var r idempotency.Request
	if rd, ok := c.Get(readerKey).(*geo.Reader); ok {
		r.Reader = rd.ID // a reader's own keys
	} else {
		u, err := requireUser(c, "sign in to send an Idempotency-Key")
		if err != nil {
			return idempotency.Request{}, err
		}
		r.UserID = u.ID
	}
	if len(keys) > 1 {
		return idempotency.Request{}, badParam(headerIdempotencyKey, "send one Idempotency-Key, not %d", len(keys))
	}
	key := unquoteKey(keys[0])
	if err := idempotency.CheckKey(key); err != nil {
		return idempotency.Request{}, causeProblem(http.StatusBadRequest, headerIdempotencyKey, err)
	}
	req := c.Request()
	body, err := io.ReadAll(req.Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return idempotency.Request{}, echo.ErrStatusRequestEntityTooLarge
		}
		return idempotency.Request{}, badParam("body", "the body could not be read")
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	r.Key, r.Hash, r.At = key, idempotency.Hash(req.Method, req.URL.RequestURI(), body), s.cfg.Now()
	return r, nil
}

// unquoteKey is a key as sent: the draft's quoted form and Stripe's bare
// one are the same key.
func unquoteKey(key string) string {
	if n := len(key); n >= 2 && key[0] == '"' && key[n-1] == '"' && !strings.ContainsAny(key[1:n-1], `"\`) {
		return key[1 : n-1]
	}
	return key
}

// idempotencyKey is the request's Idempotency-Key ("" for none).
func idempotencyKey(c echo.Context) string {
	return unquoteKey(c.Request().Header.Get(headerIdempotencyKey))
}

// keyRequired refuses a request that moves money without an
// Idempotency-Key: a client that loses the answer must be able to ask
// again without paying twice.
func (s *Server) keyRequired(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if len(c.Request().Header.Values(headerIdempotencyKey)) == 0 {
			return badParam(headerIdempotencyKey, "this request moves money: send an Idempotency-Key header (a fresh random value, the same on a retry)")
		}
		return next(c)
	}
}

// keyProblem is the problem of a claim refused.
func (s *Server) keyProblem(c echo.Context, err error) error {
	var limit *idempotency.LimitError
	switch {
	case errors.Is(err, idempotency.ErrMismatch):
		p := problem(http.StatusUnprocessableEntity, headerIdempotencyKey,
			"this Idempotency-Key was sent with another request (another method, path or body); send a new key with a new request")
		p.title = titleKeyReused
		return p
	case errors.Is(err, idempotency.ErrInFlight):
		return problem(http.StatusConflict, headerIdempotencyKey,
			"the first request with this Idempotency-Key is still being processed; retry in a moment")
	case errors.As(err, &limit):
		wait := max(1, int(math.Ceil(limit.Until.Sub(s.cfg.Now()).Seconds())))
		c.Response().Header().Set("Retry-After", strconv.Itoa(wait))
		return problem(http.StatusTooManyRequests, headerIdempotencyKey,
			"at most %d Idempotency-Keys in 24 hours; retry later, or without the header", idempotency.MaxPerPerson)
	case errors.Is(err, idempotency.ErrInvalid):
		return causeProblem(http.StatusBadRequest, headerIdempotencyKey, err)
	}
	return err
}

// replay answers what was kept of the first answer to the key.
func replay(c echo.Context, a idempotency.Answer) error {
	h := c.Response().Header()
	for k, v := range a.Header {
		h[k] = v
	}
	h.Set(headerReplayed, "true")
	c.Response().WriteHeader(a.Status)
	_, err := c.Response().Write(a.Body)
	return err
}

// runKeyed runs the request of a claimed key and keeps its answer, or
// releases the key: on a server error, a 429, a panic, or the client
// hanging up before any answer. The request gets half of
// idempotency.Lease, so that a claim is never taken over while its
// request runs. What it did is recorded even if the client has hung up.
// Should keeping the answer fail, the key stays running until the lease
// ends (a retry meanwhile is a 409).
func (s *Server) runKeyed(c echo.Context, next echo.HandlerFunc, r idempotency.Request) error {
	req, resp := c.Request(), c.Response()
	ctx, cancel := context.WithTimeout(req.Context(), idempotency.Lease/2)
	defer cancel()
	record := context.WithoutCancel(req.Context())
	rec := &recorder{ResponseWriter: resp.Writer}
	c.SetRequest(req.WithContext(ctx))
	resp.Writer = rec
	held := true
	defer func() {
		c.SetRequest(req)
		resp.Writer = rec.ResponseWriter
		if held {
			if err := s.d.Idempotency.ReleaseIdempotencyKey(record, r); err != nil {
				s.log.Error("releasing an idempotency key", "request_id", requestID(c), "err", err)
			}
		}
	}()
	if err := next(c); err != nil {
		if req.Context().Err() != nil && !resp.Committed {
			return err // the client hung up: observe counts it
		}
		c.Error(err) // the problem is written now, to be kept
	}
	if !resp.Committed || resp.Status >= 500 || resp.Status == http.StatusTooManyRequests {
		return nil
	}
	a := idempotency.Answer{Status: resp.Status, Header: http.Header{}}
	for _, k := range keptHeaders {
		if v := resp.Header().Values(k); len(v) > 0 {
			a.Header[k] = v
		}
	}
	if rec.over {
		delete(a.Header, echo.HeaderContentType)
		s.log.Warn("an answer too large to keep with its idempotency key", "request_id", requestID(c), "bytes", resp.Size)
	} else {
		a.Body = rec.body.Bytes()
	}
	held = false
	if err := s.d.Idempotency.FinishIdempotencyKey(record, r, a); err != nil {
		s.log.Error("keeping the answer to an idempotency key", "request_id", requestID(c), "err", err)
	}
	return nil
}

// recorder writes an answer through and keeps a copy of its body, up to
// idempotency.MaxBody bytes; over says it was larger.
type recorder struct {
	http.ResponseWriter
	body bytes.Buffer
	over bool
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.over {
		if r.body.Len()+len(b) > idempotency.MaxBody {
			r.over = true
			r.body = bytes.Buffer{}
		} else {
			r.body.Write(b)
		}
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the writer underneath.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

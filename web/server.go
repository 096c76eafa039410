package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	json "github.com/goccy/go-json"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/campusnav/engine/beacons"
	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
	"github.com/campusnav/engine/services/idempotency"
	"github.com/campusnav/engine/services/occupancy"
	"github.com/campusnav/engine/services/payments"
	"github.com/campusnav/engine/services/places"
	"github.com/campusnav/engine/services/repair"
	"github.com/campusnav/engine/services/share"
	"github.com/campusnav/engine/services/tour"
	"github.com/campusnav/engine/services/visitor"
	"github.com/campusnav/engine/tiles"
)

// Authenticator signs people in and out and tells who holds a token; the
// auth service is one.
type Authenticator interface {
	Login(ctx context.Context, email, password, addr string) (auth.Session, error)
	Authenticate(ctx context.Context, token string) (auth.User, error)
	Logout(ctx context.Context, token string) error
}

// PhoneSignIn signs visitors in with a code sent to their phone; the auth
// service is one.
type PhoneSignIn interface {
	StartPhone(ctx context.Context, phone, addr string) (string, time.Time, error)
	VerifyPhone(ctx context.Context, phone, code, addr string) (auth.Session, error)
}

// Deps is what the server answers from.
type Deps struct {
	Venue      *geo.Venue
	Graph      *routing.Graph
	Positioner *beacons.Positioner
	Auth       Authenticator
	Places     places.Store
	// Idempotency keeps the answers to requests with an Idempotency-Key;
	// nil: the header is not honoured.
	Idempotency idempotency.Store
	// Phone signs visitors in by SMS code; nil: phone sign-in is off.
	Phone PhoneSignIn
	// Family runs family-account applications; nil: they are off.
	Family Family
	// WeChat is the mini program's sign-in; nil: it is off.
	WeChat WeChatSignIn
	// SSO is the campus single sign-on; nil: not configured.
	SSO SSO
	// Audit is the audit log, for admins; nil: not available.
	Audit AuditLog
	// Access is the campus card and access control; nil: off.
	Access *access.Service
	// Payments is the money on the card; nil: off.
	Payments *payments.Service
	// Bookings books the campus's spaces; nil: off.
	Bookings *booking.Service
	// Courses is the sports hall's courses; nil: off.
	Courses *booking.Courses
	Tiles   *tiles.Renderer
	// Labs are the labs' profiles, approvals and samples; nil: off.
	Labs *booking.Labs
	// Counselling is the counsellors' slots and students' appointments;
	// nil: off.
	Counselling *booking.Counselling
	// VisitBuilding is the building (IMDF id or reference) that visitor
	// userID's approved visit lets them see inside at t, "" for none;
	// nil: no visits. Their map, search, routes and positions then
	// answer as that building's guest role (geo.Venue.GuestRole), for
	// the visit's window only.
	VisitBuilding func(ctx context.Context, userID int64, at time.Time) (string, error)
	// Repairs are the repair tickets; nil: off.
	Repairs *repair.Service
	// Visits are visitors' visits, invitations, the watchlist and the
	// visitors' side of the gates; nil: off.
	Visits *visitor.Service
	// RepairLocator places a reporter from their beacon scans; nil:
	// reports by scans are refused.
	RepairLocator repair.Locating
	// Tours are the public campus tours and their bookings; nil: off.
	Tours *tour.Service
	// Shares is live location sharing's requests, Live its hub (the
	// socket's fan-out); nil: off.
	Shares *share.Service
	Live   *share.Hub
	// Calendars are people's calendar feeds; nil: off.
	Calendars *booking.Calendars
	// Ready reports whether the stores (and the bus between replicas)
	// answer; nil means always.
	Ready func(context.Context) error
	// Metrics are more collectors /metrics serves (the live bus's).
	Metrics []prometheus.Collector
}

// Config tunes the server.
type Config struct {
	BodyLimit int64 // bytes of a request body; 413 beyond
	Logger    *slog.Logger
	// PublicURL is the scheme, host and any path prefix clients reach the
	// server at (https://map.example.edu); the tile URLs of tiles.json and
	// style.json are built on it. Empty: the address of each request.
	PublicURL string
	// The most devices tracked at once, in all, per signed-in person and
	// per address of people not signed in; 0 is the default.
	TrackersTotal, TrackersPerPerson, TrackersPerAddress int
	// LivePing is how often a live socket is pinged (a socket silent for
	// two pings and a quarter is closed); LiveQueue the messages a
	// socket's queue holds before a slow viewer is closed. 0: the
	// defaults.
	LivePing  time.Duration
	LiveQueue int
	// LiveRate is the messages a second a live socket may send (0:
	// DefaultLiveRate).
	LiveRate int
	// OccupancyTotal is the most people the occupancy map keeps (0:
	// occupancy.DefaultTotal).
	OccupancyTotal int
	// Now is the clock the age of idempotency keys is told by; nil:
	// time.Now.
	Now func() time.Time
}

// DefaultBodyLimit is 64 KiB: a scan or a login is far smaller.
const DefaultBodyLimit = 64 << 10

// Server is the HTTP API. Make it with New; serve its Handler.
type Server struct {
	d   Deps
	cfg Config
	log *slog.Logger
	e   *echo.Echo

	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec

	trackers  *trackers
	occupancy *occupancy.Map
	tiles     *tileCache
	// pinger pings the live sockets.
	pinger *livePinger
	// bodyLimits are the routes (echo's paths) that take a larger body
	// than Config.BodyLimit: files.
	bodyLimits map[string]int64
}

// New builds the server and its routes.
func New(d Deps, cfg Config) *Server {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.TrackersTotal <= 0 {
		cfg.TrackersTotal = DefaultTrackersTotal
	}
	if cfg.TrackersPerPerson <= 0 {
		cfg.TrackersPerPerson = DefaultTrackersPerPerson
	}
	if cfg.TrackersPerAddress <= 0 {
		cfg.TrackersPerAddress = DefaultTrackersPerAddress
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LivePing <= 0 {
		cfg.LivePing = DefaultLivePing
	}
	if cfg.LiveQueue <= 0 {
		cfg.LiveQueue = DefaultLiveQueue
	}
	if cfg.LiveRate <= 0 {
		cfg.LiveRate = DefaultLiveRate
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{d: d, cfg: cfg, log: cfg.Logger, e: echo.New(), reg: prometheus.NewRegistry(), bodyLimits: map[string]int64{},
		tiles: &tileCache{max: tileCacheSize, m: map[string]cachedTile{}}, pinger: &livePinger{every: cfg.LivePing}}
	s.trackers = newTrackers(cfg.TrackersTotal, s.newTracker, func(owner string) int {
		if strings.HasPrefix(owner, "user:") {
			return cfg.TrackersPerPerson
		}
		return cfg.TrackersPerAddress
	})
	s.occupancy = occupancy.New(cfg.OccupancyTotal)
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "campus_http_requests_total", Help: "HTTP requests by route, method and status code.",
	}, []string{"route", "method", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "campus_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
		Buckets: []float64{.0001, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route", "method"})
	s.reg.MustRegister(s.requests, s.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.reg.MustRegister(d.Metrics...)

	e := s.e
	e.HideBanner, e.HidePort = true, true
	// The client's address is the connection's: without a proxy we trust,
	// X-Forwarded-For is whatever the client says, and would let it dodge
	// the per-address login limit.
	e.IPExtractor = echo.ExtractIPDirect()
	e.HTTPErrorHandler = s.errorHandler
	e.Use(s.requestID, secureHeaders, s.observe, s.recoverPanic, s.bodyLimit)
	s.routes()
	return s
}

// newTracker starts tracking a device; nil without a positioner.
func (s *Server) newTracker(key string) *beacons.Tracker {
	if s.d.Positioner == nil {
		return nil
	}
	return s.d.Positioner.NewTracker(key)
}

// Handler returns the server's http.Handler.
func (s *Server) Handler() http.Handler { return s.e }

func (s *Server) routes() {
	e := s.e
	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/readyz", s.ready)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})))

	page := echo.WrapHandler(Assets())
	getHead := []string{http.MethodGet, http.MethodHead}
	e.Match(getHead, "/", page)
	e.Match(getHead, "/index.html", page)
	e.Match(getHead, "/assets/*", page)
	e.GET("/tiles/tiles.json", s.tileJSON)
	e.GET("/tiles/:z/:x/:y", s.tile, s.viewer)
	e.GET("/style.json", s.style)

	// The API's routes each resolve the viewer themselves rather than
	// through group middleware: echo gives a group with middleware a
	// catch-all route, which answers a wrong method 404 instead of 405.
	api := e.Group("/api/v1")
	get := func(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
		api.GET(path, h, append([]echo.MiddlewareFunc{s.viewer}, m...)...)
	}
	post := func(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
		api.POST(path, h, append([]echo.MiddlewareFunc{s.viewer}, m...)...)
	}
	get("/openapi.json", s.openAPI)
	post("/auth/login", s.login, noStore)
	post("/auth/logout", s.logout, noStore)
	get("/auth/oidc/login", s.oidcLogin, noStore)
	get("/auth/oidc/callback", s.oidcCallback, noStore)
	post("/auth/phone/start", s.phoneStart, noStore)
	post("/auth/phone/verify", s.phoneVerify, noStore)
	post("/auth/wechat", s.weChatSignIn, noStore)
	post("/auth/wechat/bind", s.weChatBind, noStore)
	get("/me", s.me, noStore)
	get("/me/places", s.listPlaces, noStore)
	post("/me/places", s.addPlace, noStore, s.idempotent)
	api.DELETE("/me/places/:id", s.deletePlace, s.viewer, noStore)
	post("/family", s.applyFamily, noStore, s.idempotent)
	get("/family", s.familyApplications, noStore)
	post("/family/:id/approve", s.decideFamily(true), noStore)
	post("/family/:id/reject", s.decideFamily(false), noStore)
	get("/admin/audit", s.auditEntries, noStore)
	get("/card", s.card, noStore)
	get("/card/code", s.cardCode, noStore)
	get("/card/keys", s.cardKeys)
	post("/card/devices", s.registerDevice, noStore, s.idempotent)
	post("/card/capture", s.cardCapture, noStore)
	get("/card/history", s.cardHistory, noStore)
	post("/card/physical/lost", s.cardPhysical(true), noStore)
	post("/card/physical/found", s.cardPhysical(false), noStore)
	post("/admin/cards/:id/freeze", s.freezeCard(true), noStore)
	post("/admin/cards/:id/unfreeze", s.freezeCard(false), noStore)
	post("/admin/access/grants", s.addGrant, noStore, s.idempotent)
	get("/admin/access/grants", s.grants, noStore)
	api.DELETE("/admin/access/grants/:id", s.deleteGrant, s.viewer, noStore)
	api.PUT("/locks/:reader_id/pin", s.setPIN, s.viewer, noStore)
	post("/locks/:reader_id/fingerprints", s.enrol, noStore, s.idempotent)
	get("/locks/:reader_id/fingerprints", s.fingerprints, noStore)
	api.DELETE("/locks/:reader_id/fingerprints/:id", s.deleteFingerprint, s.viewer, noStore)
	// Readers authenticate with their own tokens, not a person's session.
	api.POST("/access/check", s.accessCheck, noStore)
	api.POST("/readers/enrolments/:id", s.reportEnrolment, noStore)
	api.POST("/pos/charge", s.posCharge, noStore, s.readerAuth, s.keyRequired, s.idempotent)
	// Providers sign their notifications; the sandbox's checkout stands
	// for the provider's own page.
	api.POST("/payments/:provider/notify", s.paymentNotify, noStore)
	api.POST("/payments/sandbox/checkout/:id", s.sandboxCheckout, noStore)
	api.GET("/payments/sandbox/checkout/:id", s.sandboxCheckoutPage, noStore)
	get("/wallet", s.wallet, noStore)
	get("/wallet/transactions", s.walletTransactions, noStore)
	post("/wallet/topups", s.topUp, noStore, s.keyRequired, s.idempotent)
	get("/wallet/topups/:id", s.topUpStatus, noStore)
	post("/wallet/external-account", s.linkExternal, noStore, s.idempotent)
	api.PUT("/wallet/password-free", s.passwordFree, s.viewer, noStore)
	post("/admin/payments/:id/refund", s.refund, noStore, s.keyRequired, s.idempotent)
	post("/admin/bills", s.issueBills, noStore, s.keyRequired, s.idempotent)
	get("/bills", s.bills, noStore)
	post("/bills/:id/pay", s.payBill, noStore, s.keyRequired, s.idempotent)
	post("/bills/:id/appeal", s.appealBill, noStore, s.idempotent)
	get("/spaces", s.spaces, noStore)
	post("/bookings", s.book, noStore, s.idempotent)
	get("/bookings/pending", s.pendingBookings, noStore)
	get("/bookings/:id", s.oneBooking, noStore)
	api.PATCH("/bookings/:id", s.moveBooking, s.viewer, noStore)
	api.DELETE("/bookings/:id", s.cancelBooking, s.viewer, noStore)
	post("/bookings/:id/checkin", s.checkIn, noStore)
	post("/bookings/:id/approve", s.decideBooking(true), noStore)
	post("/bookings/:id/reject", s.decideBooking(false), noStore)
	get("/me/bookings", s.myBookings, noStore)
	get("/me/attendance", s.attendance, noStore)
	api.GET("/readers/commands", s.readerCommands, noStore)
	api.POST("/readers/commands/:id/done", s.commandDone, noStore)
	s.courseRoutes(api, get, post)
	s.labsRoutes(get, post)
	s.counsellingRoutes(api, get, post)
	s.repairRoutes(get, post)
	s.visitRoutes(get, post)
	s.invitationRoutes(get, post)
	s.visitHostRoutes(api, get, post)
	s.visitImportRoutes(get, post)
	s.shareRoutes(api, get, post)
	post("/repairs/locate", s.locateReporter, noStore)
	s.tourRoutes(get, post)
	post("/me/calendar", s.newCalendarFeed, noStore)
	api.DELETE("/me/calendar", s.revokeCalendarFeed, s.viewer, noStore)
	api.Match(getHead, "/calendar/:feed", s.calendarFeed, hidePath, noStore) // the secret is the credential

	get("/venue", s.venue, byRole)
	get("/buildings/:id", s.building, byRole)
	get("/levels/:id", s.level, byRole)
	get("/collections", s.collections, byRole)
	get("/collections/:collection", s.collection, byRole)
	get("/collections/:collection/items", s.items, byRole)
	get("/search", s.search, byRole)
	get("/locate", s.locate, byRole)
	get("/nearest", s.nearest, byRole)
	get("/route", s.route, byRole)
	post("/position", s.position, noStore)
	get("/occupancy", s.occupancyMap)
}

// noStore marks answers that hold a token or personal data: no cache, no
// proxy keeps them.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

// byRole marks answers that differ by who asks: a shared cache keys them
// by the Authorization header.
func byRole(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Add("Vary", "Authorization")
		return next(c)
	}
}

func (s *Server) ready(c echo.Context) error {
	if s.d.Ready != nil {
		if err := s.d.Ready(c.Request().Context()); err != nil {
			s.log.Warn("not ready", "err", err)
			return problem(http.StatusServiceUnavailable, "", "the store does not answer")
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// The middleware.

const headerRequestID = "X-Request-Id"

func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(headerRequestID)
		if id == "" || len(id) > 64 {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set("request_id", id)
		c.Response().Header().Set(headerRequestID, id)
		return next(c)
	}
}

func requestID(c echo.Context) string {
	id, _ := c.Get("request_id").(string)
	return id
}

// statusClientClosed is what a request whose client hung up before the
// answer counts as (nginx's 499): not an error of ours.
const statusClientClosed = 499

// methodLabel is the method as a metric label: one of a closed set, so a
// client inventing methods cannot grow the metrics.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// observe logs each request and counts it, with its latency, by route
// template, method and status: every label from a closed set. A request
// whose client hung up is counted as 499 and logged at debug level.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		gone := c.Request().Context().Err() != nil && !c.Response().Committed
		switch {
		case gone:
			c.Response().Status = statusClientClosed
		case err != nil:
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		status := c.Response().Status
		method := methodLabel(c.Request().Method)
		dur := time.Since(start)
		s.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
		s.latency.WithLabelValues(route, method).Observe(dur.Seconds())
		level := slog.LevelInfo
		switch {
		case gone:
			level = slog.LevelDebug
		case status >= 500:
			level = slog.LevelError
		}
		s.log.Log(c.Request().Context(), level, "request", "request_id", requestID(c), "method", method,
			"path", logPath(c), "route", route, "status", status, "duration_ms", float64(dur.Microseconds())/1000)
		return nil
	}
}

// secureHeaders sets what every answer carries: browsers are not to
// guess content types.
func secureHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("X-Content-Type-Options", "nosniff")
		return next(c)
	}
}

func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("panic", "request_id", requestID(c), "panic", r)
				err = problem(http.StatusInternalServerError, "", "something went wrong on our side")
			}
		}()
		return next(c)
	}
}

// bodyLimit bounds a request's body: Config.BodyLimit, or the larger
// limit of a route that takes files (bodyLimits).
func (s *Server) bodyLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		limit, ok := s.bodyLimits[c.Path()]
		if !ok {
			limit = s.cfg.BodyLimit
		}
		if r.ContentLength > limit {
			return problem(http.StatusRequestEntityTooLarge, "", "the body is larger than %d bytes", limit)
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
		return next(c)
	}
}

// viewerKey holds who is asking: the signed-in user, or nobody (a tourist).
const viewerKey = "viewer"

type viewer struct {
	user  *auth.User
	role  geo.Role
	token string
}

// viewer resolves the bearer token, if any, to the person asking. The role
// comes from the session, never from the request; a token that is given
// but not valid is a 401, not a quiet fall back to tourist.
func (s *Server) viewer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		v := viewer{role: geo.Tourist}
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		if h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			if !ok || token == "" {
				return problem(http.StatusUnauthorized, "Authorization", "want Authorization: Bearer TOKEN")
			}
			if s.d.Auth == nil {
				return problem(http.StatusUnauthorized, "Authorization", "sign-in is not available")
			}
			u, err := s.d.Auth.Authenticate(c.Request().Context(), token)
			if err != nil {
				return err
			}
			v = viewer{user: &u, role: auth.GeoRole(u.Role), token: token}
			if v.role, err = s.guestRole(c, u, v.role); err != nil {
				return err
			}
		}
		c.Set(viewerKey, v)
		return next(c)
	}
}

// guestRole is the role of visitor u while an approved visit lets them
// inside a building (asked afresh each request: the window is exact),
// else role.
func (s *Server) guestRole(c echo.Context, u auth.User, role geo.Role) (geo.Role, error) {
	if u.Role != auth.Visitor || s.d.VisitBuilding == nil || s.d.Venue == nil {
		return role, nil
	}
	b, err := s.d.VisitBuilding(c.Request().Context(), u.ID, s.cfg.Now())
	if err != nil || b == "" {
		return role, err
	}
	if g, ok := s.d.Venue.GuestRole(b); ok {
		return g, nil
	}
	return role, nil
}

func viewerOf(c echo.Context) viewer {
	v, _ := c.Get(viewerKey).(viewer)
	if v.user == nil {
		v.role = geo.Tourist
	}
	return v
}

func (s *Server) view(c echo.Context) geo.View { return s.d.Venue.View(viewerOf(c).role) }

// encodeJSON writes v as JSON, as the CLI prints it.
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// ok answers v as JSON with status 200.
func ok(c echo.Context, v any) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(http.StatusOK)
	return encodeJSON(c.Response(), v)
}

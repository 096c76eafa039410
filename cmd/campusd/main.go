// Command campusd is the campus server: the HTTP API of the spatial core
// (venue, features, search, locate, nearest, route, position) and of the
// campus services, on the embedded SQLite store (PostgreSQL follows).
//
// Configuration: defaults, then flags, then the environment (CAMPUS_ADDR,
// CAMPUS_DATA_DIR, CAMPUS_VENUE, CAMPUS_DATABASE_URL,
// CAMPUS_PHONE_COUNTRIES ...), validated at start.
// With a database URL it keeps its state in PostgreSQL, else in a SQLite
// file in the data folder.
// Mail goes to the SMTP server of CAMPUS_SMTP_URL, from CAMPUS_MAIL_FROM,
// or to the log without one, through the job queue (services/jobs).
// SIGINT or SIGTERM shut it down gracefully: requests in flight finish,
// running jobs finish, the store is closed, and it exits 0.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/campusnav/engine/beacons"
	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/auth/wechat"
	"github.com/campusnav/engine/services/booking"
	"github.com/campusnav/engine/services/idempotency"
	"github.com/campusnav/engine/services/jobs"
	"github.com/campusnav/engine/services/payments"
	"github.com/campusnav/engine/services/places"
	"github.com/campusnav/engine/services/postgres"
	"github.com/campusnav/engine/services/repair"
	"github.com/campusnav/engine/services/share"
	"github.com/campusnav/engine/services/sqlite"
	"github.com/campusnav/engine/services/tour"
	"github.com/campusnav/engine/services/visitor"
	"github.com/campusnav/engine/tiles"
	"github.com/campusnav/engine/web"
)

func main() {
	m := NewMain(os.Stderr)
	if err := m.ParseFlags(os.Args[1:], os.Getenv); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "campusd: %v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := m.Run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "campusd: %v\n", err)
		os.Exit(1)
	}
	<-ctx.Done()
	if err := m.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "campusd: %v\n", err)
		os.Exit(1)
	}
}

// Config is what campusd runs with.
type Config struct {
	Addr        string // host:port to listen on
	DataDir     string // where the embedded store keeps its file
	Venue       string // the IMDF archive, folder or .zip
	Calibration string // a beacon calibration file, optional
	// Tours is a file of the public campus tours, in the form of
	// services/tour's tours.json, replacing the campus's own; empty:
	// those.
	Tours       string
	DatabaseURL string // PostgreSQL; empty: the embedded store
	// OIDC is the campus single sign-on; off without an issuer.
	OIDC auth.SSOConfig
	// WeChat is the mini program's sign-in; off without an app id and
	// secret (environment only: the secret stays out of the command line).
	WeChat    wechat.Config
	BodyLimit int64
	Shutdown  time.Duration // how long in-flight requests may take to finish
	// PublicURL is where clients reach the server (https://map.example.edu):
	// tile URLs are built on it. Empty: http:// and the address it listens on.
	PublicURL string
	// PhoneCountries are the country calling codes sign-in codes are sent
	// to, a comma list ("86,852,853").
	PhoneCountries string
	// ReaderRate bounds each card reader's checks a second; 0: no bound.
	ReaderRate float64
	// SessionCache is how long a session looked up is trusted without
	// asking the store again; 0: every request asks.
	SessionCache time.Duration
	// Mail is where mail goes (jobs.go).
	Mail MailConfig
	// SandboxSecret is the key the sandbox payment provider signs its
	// notifications with (environment only); empty: a random one per
	// process (one replica only: another could not verify it).
	SandboxSecret string
	// VisitWebhook is the office workflow that decides visitors' own
	// registrations (each is POSTed to it, signed); empty: the hosts'
	// queue decides. VisitWebhookSecret is the key both ways are signed
	// with (environment only).
	VisitWebhook, VisitWebhookSecret string
	// VisitorKeepDays is how many days after a visit its people's names,
	// phones and ID hashes are deleted.
	VisitorKeepDays int
}

// store is what campusd keeps its state in: the embedded SQLite file, or
// PostgreSQL when a database URL is given.
type store interface {
	auth.Store
	places.Store
	idempotency.Store
	web.AuditLog
	access.Store
	payments.Store
	booking.Store
	booking.CourseStore
	booking.LabStore
	booking.CounsellingStore
	booking.CalendarStore
	booking.BookingFeed
	repair.Store
	visitor.Store
	tour.Store
	share.Store
	Ping(context.Context) error
	Close() error
}

// openStore opens the store the configuration names.
func (c *Config) openStore(ctx context.Context) (store, string, error) {
	if c.DatabaseURL != "" {
		db, err := postgres.Open(ctx, c.DatabaseURL)
		if err != nil {
			return nil, "", fmt.Errorf("database-url: %w", err)
		}
		return db, "postgresql", nil
	}
	db, err := sqlite.OpenDir(c.DataDir)
	if err != nil {
		return nil, "", err
	}
	return db, "sqlite " + db.Path(), nil
}

// Main is the program, for tests to run on a free port with a temporary
// data folder: ParseFlags, Run, then Close.
type Main struct {
	Config Config
	Addr   net.Addr // where it listens, once running

	log      *slog.Logger
	server   *http.Server
	store    store
	queue    *jobs.Queue // jobs.go
	access   *access.Service
	bookings *booking.Service
	repairs  *repair.Service
	visits   *visitor.Service
	tours    *tour.Service
	live     *share.Hub
	stopLive context.CancelFunc
	liveDone chan error
	// closer is the close job's worker, made with the queue and given
	// the repair service once it is built, before jobs start.
	closer    *jobs.CloseRepairsWorker
	done      chan error
	closeOnce sync.Once
	closeErr  error
}

// NewMain returns a program with the defaults, logging to w.
func NewMain(w io.Writer) *Main {
	return &Main{
		Config: Config{Addr: "127.0.0.1:8080", DataDir: "campus-data", Venue: "data/floorplans/hkust-gz",
			BodyLimit: web.DefaultBodyLimit, Shutdown: 10 * time.Second,
			PhoneCountries: strings.Join(auth.DefaultPhoneCountries, ","), SessionCache: auth.DefaultSessionCacheTTL, ReaderRate: access.ReaderRate,
			VisitorKeepDays: visitor.DefaultKeepDays},
		log: slog.New(slog.NewJSONHandler(w, nil)),
	}
}

// ParseFlags reads flags, then the environment over them, and validates.
func (m *Main) ParseFlags(args []string, getenv func(string) string) error {
	c := &m.Config
	fs := pflag.NewFlagSet("campusd", pflag.ContinueOnError)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address host:port ($CAMPUS_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data folder of the embedded store ($CAMPUS_DATA_DIR)")
	fs.StringVar(&c.Venue, "venue", c.Venue, "IMDF archive, folder or .zip ($CAMPUS_VENUE)")
	fs.StringVar(&c.Calibration, "calibration", c.Calibration, "beacon calibration file ($CAMPUS_CALIBRATION)")
	fs.StringVar(&c.Tours, "tours", c.Tours, "public campus tours, a JSON file replacing the campus's own ($CAMPUS_TOURS); empty: those")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostgreSQL URL, postgres://... ($CAMPUS_DATABASE_URL); empty: the embedded store")
	fs.StringVar(&c.OIDC.Issuer, "oidc-issuer", c.OIDC.Issuer, "campus single sign-on: the OpenID issuer URL ($CAMPUS_OIDC_ISSUER); empty: off")
	fs.StringVar(&c.OIDC.ClientID, "oidc-client-id", c.OIDC.ClientID, "this server's client id at the issuer ($CAMPUS_OIDC_CLIENT_ID)")
	fs.StringVar(&c.OIDC.RedirectURL, "oidc-redirect-url", c.OIDC.RedirectURL, "the callback URL registered at the issuer, https://HOST/api/v1/auth/oidc/callback ($CAMPUS_OIDC_REDIRECT_URL)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "where clients reach the server, https://HOST[/PREFIX]; tile URLs are built on it ($CAMPUS_PUBLIC_URL); empty: http://ADDR")
	fs.Int64Var(&c.BodyLimit, "body-limit", c.BodyLimit, "largest request body, bytes")
	fs.DurationVar(&c.Shutdown, "shutdown-timeout", c.Shutdown, "time in-flight requests get to finish on shutdown")
	fs.StringVar(&c.PhoneCountries, "phone-countries", c.PhoneCountries, "country calling codes sign-in codes are sent to, comma-separated ($CAMPUS_PHONE_COUNTRIES)")
	fs.Float64Var(&c.ReaderRate, "reader-rate", c.ReaderRate, "the most checks a second one card reader may ask (bursts twice as many; 429 beyond); 0: no bound, for load tests only")
	fs.StringVar(&c.VisitWebhook, "visit-webhook", c.VisitWebhook, "the office workflow visitors' registrations are POSTed to, signed, https://...; its signed callback decides them ($CAMPUS_VISIT_WEBHOOK, with $CAMPUS_VISIT_WEBHOOK_SECRET); empty: hosts decide")
	fs.IntVar(&c.VisitorKeepDays, "visitor-keep-days", c.VisitorKeepDays, "days after a visit its visitors' names, phones and ID hashes are deleted ($CAMPUS_VISITOR_KEEP_DAYS)")
	fs.DurationVar(&c.SessionCache, "session-cache-ttl", c.SessionCache, "how long a session is trusted without asking the store (a logout or disabled account reaches other replicas within it); 0: off, at most 1m")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for env, dst := range map[string]*string{"CAMPUS_ADDR": &c.Addr, "CAMPUS_DATA_DIR": &c.DataDir, "CAMPUS_VENUE": &c.Venue,
		"CAMPUS_CALIBRATION": &c.Calibration, "CAMPUS_TOURS": &c.Tours, "CAMPUS_DATABASE_URL": &c.DatabaseURL,
		"CAMPUS_OIDC_ISSUER": &c.OIDC.Issuer, "CAMPUS_OIDC_CLIENT_ID": &c.OIDC.ClientID,
		"CAMPUS_OIDC_CLIENT_SECRET": &c.OIDC.ClientSecret, "CAMPUS_OIDC_REDIRECT_URL": &c.OIDC.RedirectURL,
		"CAMPUS_PUBLIC_URL": &c.PublicURL, "CAMPUS_PHONE_COUNTRIES": &c.PhoneCountries,
		"CAMPUS_WECHAT_APPID": &c.WeChat.AppID, "CAMPUS_WECHAT_SECRET": &c.WeChat.Secret, "CAMPUS_WECHAT_API": &c.WeChat.API,
		"CAMPUS_PAY_SANDBOX_SECRET": &c.SandboxSecret, "CAMPUS_VISIT_WEBHOOK": &c.VisitWebhook, "CAMPUS_VISIT_WEBHOOK_SECRET": &c.VisitWebhookSecret} {
		if v := getenv(env); v != "" {
			*dst = v
		}
	}
	if v := getenv("CAMPUS_VISITOR_KEEP_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("CAMPUS_VISITOR_KEEP_DAYS %q is not a number of days", v)
		}
		c.VisitorKeepDays = n
	}
	c.Mail.readEnv(getenv)
	return c.Validate()
}

// Validate says what is wrong with a configuration.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("addr %q is not host:port: %v", c.Addr, err)
	}
	if c.DataDir == "" {
		return errors.New("data-dir is empty")
	}
	if _, err := os.Stat(c.Venue); err != nil {
		return fmt.Errorf("venue: %v", err)
	}
	if c.Tours != "" {
		if _, err := os.Stat(c.Tours); err != nil {
			return fmt.Errorf("tours: %v", err)
		}
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return errors.New("database-url: want postgres://user@host:port/database (or leave it empty for the embedded store)")
	}
	if o := c.OIDC; o.Issuer != "" && (o.ClientID == "" || o.RedirectURL == "") {
		return errors.New("oidc: an issuer needs a client id (CAMPUS_OIDC_CLIENT_ID) and a redirect URL (CAMPUS_OIDC_REDIRECT_URL)")
	}
	if err := c.WeChat.Validate(); err != nil {
		return err
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return fmt.Errorf("public-url %q: want http(s)://HOST[:PORT][/PREFIX], no query", c.PublicURL)
		}
	}
	if c.BodyLimit < 1024 {
		return fmt.Errorf("body-limit %d is below 1024 bytes", c.BodyLimit)
	}
	if c.Shutdown <= 0 {
		return fmt.Errorf("shutdown-timeout %v must be positive", c.Shutdown)
	}
	if err := c.Mail.check(); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	if _, err := auth.ParsePhoneCountries(c.PhoneCountries); err != nil {
		return fmt.Errorf("phone-countries: %v", err)
	}
	if c.ReaderRate < 0 || c.ReaderRate > 10000 {
		return fmt.Errorf("reader-rate %v: want 0 (no bound) to 10000", c.ReaderRate)
	}
	if c.VisitorKeepDays < 1 || c.VisitorKeepDays > 3650 {
		return fmt.Errorf("visitor-keep-days %d: want 1 to 3650", c.VisitorKeepDays)
	}
	if c.VisitWebhook != "" {
		u, err := url.Parse(c.VisitWebhook)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("visit-webhook %q: want an http(s) URL", c.VisitWebhook)
		}
		if len(c.VisitWebhookSecret) < 16 {
			return errors.New("visit-webhook: set CAMPUS_VISIT_WEBHOOK_SECRET, the key submissions and callbacks are signed with (at least 16 bytes)")
		}
	}
	if c.SessionCache < 0 || c.SessionCache > auth.MaxSessionCacheTTL {
		return fmt.Errorf("session-cache-ttl %v: want 0 (off) to %v", c.SessionCache, auth.MaxSessionCacheTTL)
	}
	return nil
}

// authOptions are the auth service's options of the configuration.
func (c *Config) authOptions(log *slog.Logger) auth.Options {
	countries, _ := auth.ParsePhoneCountries(c.PhoneCountries) // checked by Validate
	ttl := c.SessionCache
	if ttl == 0 {
		ttl = -1 // auth's "off"
	}
	return auth.Options{SMS: auth.LogSender{Logger: log}, PhoneCountries: countries, SessionCacheTTL: ttl}
}

// Run loads the venue, opens the store and starts serving. It returns once
// the server listens (Addr is then set).
func (m *Main) Run(ctx context.Context) error {
	c := m.Config
	start := time.Now()
	v, err := geo.Load(c.Venue)
	if err != nil {
		return err
	}
	if errs, warns := geo.Counts(v.Problems); errs > 0 {
		m.log.Warn("venue has problems; features in error are left out", "errors", errs, "warnings", warns)
	}
	g := routing.Build(v)
	reg := beacons.FromVenue(v)
	var cal *beacons.Calibration
	if c.Calibration != "" {
		if cal, err = beacons.ReadCalibration(c.Calibration); err != nil {
			return err
		}
	}
	var where string
	m.store, where, err = c.openStore(ctx)
	if err != nil {
		return err
	}
	m.log.Info("store open", "store", where)
	if m.bookings, err = booking.New(v, m.store, booking.Options{Graph: g, Members: m.store}); err != nil {
		m.store.Close()
		return err
	}
	if m.tours, err = m.openTours(v, g); err != nil {
		m.store.Close()
		return err
	}
	if err := m.openJobs(ctx); err != nil {
		m.store.Close()
		return err
	}
	opts := c.authOptions(m.log)
	// Sign-in codes go out through the outbox: the text message is a job,
	// retried while the code lives, sent once.
	opts.SMS = jobs.SMSOutbox{Queue: m.queue}
	var weChat web.WeChatSignIn
	if c.WeChat.Enabled() {
		if opts.WeChat, err = wechat.New(c.WeChat); err != nil {
			m.store.Close()
			return err
		}
		m.log.Info("WeChat sign-in", "appid", c.WeChat.AppID)
	}
	accounts := auth.New(m.store, opts)
	if c.WeChat.Enabled() {
		weChat = accounts
	}
	var sso web.SSO
	if c.OIDC.Issuer != "" {
		o, err := accounts.NewSSO(ctx, c.OIDC)
		if err != nil {
			m.store.Close()
			return err
		}
		sso = o
		m.log.Info("single sign-on", "issuer", c.OIDC.Issuer)
	}
	workers := 1
	if c.DatabaseURL != "" {
		workers = 4 // PostgreSQL: transactions overlap their round trips
	}
	readerRate := c.ReaderRate
	if readerRate == 0 {
		readerRate = -1 // no bound
	}
	m.access, err = access.New(m.store, v, g, access.Config{Logger: m.log, Workers: workers, ReaderRate: readerRate})
	if err != nil {
		m.store.Close()
		return err
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		m.store.Close()
		return err
	}
	m.Addr = ln.Addr()
	public := c.PublicURL
	if public == "" {
		public = m.defaultPublicURL()
	}
	pay, err := m.payments(v, public)
	if err != nil {
		ln.Close()
		m.store.Close()
		return err
	}
	m.repairs = repair.New(v, m.store, repair.Options{PublicURL: public})
	m.closer.Repairs = m.repairs
	m.visits = visitor.New(v, m.store, visitor.Options{PublicURL: public, Passes: m.access,
		Webhook: c.VisitWebhook != "", WebhookSecret: []byte(c.VisitWebhookSecret)})
	m.access.SetVisitors(m.visits)
	pos := beacons.NewPositioner(reg, cal, g)
	shares := share.New(v, m.store, share.Options{Invited: m.visits.Invited, Limits: m.store})
	m.live = share.NewHub(shares, nil, share.HubConfig{Logger: m.log})
	srv := web.New(web.Deps{
		Venue: v, Graph: g, Positioner: pos, RepairLocator: repair.NewLocator(pos),
		Auth: accounts, Phone: accounts, Family: accounts, SSO: sso, WeChat: weChat, Places: m.store, Idempotency: m.store, Audit: m.store, Access: m.access, Payments: pay, Bookings: m.bookings, Tiles: tiles.New(v),
		Courses: booking.NewCourses(m.store, m.bookings),
		Ready:   m.store.Ping,
		Labs:    booking.NewLabs(m.bookings, m.store), Counselling: booking.NewCounselling(m.bookings, m.store),
		Calendars: m.calendars(), Repairs: m.repairs, Tours: m.tours, Shares: shares, Live: m.live,
		Visits: m.visits, VisitBuilding: m.visits.VisitBuilding,
	}, web.Config{BodyLimit: c.BodyLimit, Logger: m.log, PublicURL: public})
	m.server = &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	if err := m.startJobs(ctx); err != nil {
		ln.Close()
		m.store.Close()
		return err
	}
	liveCtx, stopLive := context.WithCancel(context.WithoutCancel(ctx))
	m.stopLive, m.liveDone = stopLive, make(chan error, 1)
	go func() { m.liveDone <- m.live.Run(liveCtx) }()
	m.done = make(chan error, 1)
	go func() {
		err := m.server.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		m.done <- err
	}()
	go g.Warm() // landmark tables of every profile, off the first requests' path
	m.log.Info("campusd listening", "addr", m.Addr.String(), "venue", filepath.Clean(c.Venue),
		"units", len(v.Units), "startup_ms", time.Since(start).Milliseconds())
	return nil
}

// defaultPublicURL is http:// and the address it listens on; listening on
// every interface, it names localhost and warns that clients elsewhere
// need --public-url.
// payments is the money on the card, with the sandbox provider: its
// checkout under the public URL, its notifications posted to this
// process.
func (m *Main) payments(v *geo.Venue, public string) (*payments.Service, error) {
	secret := []byte(m.Config.SandboxSecret)
	if len(secret) == 0 {
		secret = []byte(rand.Text())
		m.log.Warn("no CAMPUS_PAY_SANDBOX_SECRET: the sandbox provider signs with a random key of this process; set one when replicas share a database")
	}
	sb := payments.NewSandbox(secret, strings.TrimSuffix(public, "/")+"/api/v1")
	host, port, _ := net.SplitHostPort(m.Addr.String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	sb.Notify = "http://" + net.JoinHostPort(host, port) + "/api/v1/payments/sandbox/notify"
	sb.Log = m.log
	return payments.New(m.store, m.access, v, payments.Config{Providers: []payments.Provider{sb}, Logger: m.log})
}

// openTours is the public campus tours (the file of Config.Tours, else
// the campus's own), checked against the venue.
func (m *Main) openTours(v *geo.Venue, g *routing.Graph) (*tour.Service, error) {
	var o tour.Options
	if f := m.Config.Tours; f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("tours: %w", err)
		}
		o.Data, o.File = data, f
	}
	return tour.New(v, g, m.store, o)
}

func (m *Main) defaultPublicURL() string {
	host, port, _ := net.SplitHostPort(m.Addr.String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		m.log.Warn("listening on every interface without --public-url: tile URLs name localhost; set CAMPUS_PUBLIC_URL to the address clients use")
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Close shuts down gracefully: no new connections, in-flight requests
// finish (up to the shutdown timeout), then the store closes. Calling it
// again returns the first call's answer.
func (m *Main) Close() error {
	m.closeOnce.Do(func() { m.closeErr = m.close() })
	return m.closeErr
}

func (m *Main) close() error {
	var err error
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.Shutdown)
		defer cancel()
		err = m.server.Shutdown(ctx)
		if serr := <-m.done; err == nil {
			err = serr
		}
	}
	if m.stopLive != nil {
		m.stopLive()
		<-m.liveDone
	}
	if m.access != nil {
		m.access.Close()
	}
	if jerr := m.stopJobs(); err == nil {
		err = jerr
	}
	if m.store != nil {
		if cerr := m.store.Close(); err == nil {
			err = cerr
		}
	}
	m.log.Info("campusd stopped")
	return err
}

package wechat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxCode is the longest code accepted, in bytes. wx.login's are 32
// characters.
const maxCode = 128

// maxAnswer is the largest answer read, in bytes. WeChat's are a few
// hundred.
const maxAnswer = 16 << 10

// Client exchanges wx.login codes for sessions at code2Session, for one
// mini program. Make it with New; it is safe for concurrent use.
type Client struct {
	appID, secret string
	endpoint      *url.URL // {API}/sns/jscode2session, no query
	http          *http.Client
	timeout       time.Duration
}

// New makes a Client of a valid, Enabled config.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !cfg.Enabled() {
		return nil, errors.New("wechat: not configured: set AppID (CAMPUS_WECHAT_APPID) and Secret (CAMPUS_WECHAT_SECRET)")
	}
	api := cfg.API
	if api == "" {
		api = DefaultAPI
	}
	base, err := apiBase(api)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{}
	if cfg.HTTP != nil {
		c := *cfg.HTTP
		hc = &c
	}
	// A redirect is an answer we do not use: following it could send
	// the request, and so the secret, somewhere else.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	return &Client{appID: cfg.AppID, secret: cfg.Secret, endpoint: base.JoinPath("sns", "jscode2session"), http: hc, timeout: timeout}, nil
}

// Exchange trades a code from wx.login for who signed in, within the
// config's timeout. A code that cannot be one is a *FieldError naming
// "code", and is not sent. WeChat's refusals are *APIError, and
// ErrInvalidCode, ErrCodeUsed, ErrRateLimited, ErrBlocked,
// ErrMisconfigured or ErrUnavailable to errors.Is; anything else that
// goes wrong is ErrUnavailable, and also context.DeadlineExceeded for a
// timeout or context.Canceled when ctx was. Nothing is retried: a code
// is single use, and the person can ask wx.login for another. No error
// holds the request's URL, its query or the secret.
func (c *Client) Exchange(ctx context.Context, code string) (Session, error) {
	if err := checkCode(code); err != nil {
		return Session{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint.String(), nil)
	if err != nil {
		return Session{}, fmt.Errorf("%w: making a request to %s: %v", ErrUnavailable, c.endpoint, err)
	}
	// Set here, after the URL was parsed and checked, so that no error
	// of parsing can quote it.
	query := url.Values{
		"appid":      {c.appID},
		"secret":     {c.secret},
		"js_code":    {code},
		"grant_type": {"authorization_code"},
	}.Encode()
	req.URL.RawQuery = query
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return Session{}, c.failed("asking", query, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer)) // so the connection can be reused
		return Session{}, fmt.Errorf("%w: GET %s answered HTTP %d", ErrUnavailable, c.endpoint, resp.StatusCode)
	}
	// The Content-Type is not checked: WeChat answers JSON as text/plain
	// as often as application/json.
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return Session{}, c.failed("reading the answer of", query, err)
	}
	if len(body) > maxAnswer {
		return Session{}, fmt.Errorf("%w: GET %s answered more than %d bytes", ErrUnavailable, c.endpoint, maxAnswer)
	}
	return decode(body, c.secret)
}

// checkCode refuses what cannot be a wx.login code.
func checkCode(code string) error {
	switch {
	case code == "":
		return &FieldError{"code", "empty: give the code wx.login returned", "为空：请提供 wx.login 返回的 code"}
	case len(code) > maxCode:
		return &FieldError{"code", fmt.Sprintf("longer than %d characters (got %d)", maxCode, len(code)),
			fmt.Sprintf("超过 %d 个字符（现为 %d 个）", maxCode, len(code))}
	case !token(code, maxCode):
		return &FieldError{"code", "not a wx.login code: want printable ASCII characters without spaces",
			"不是 wx.login 返回的 code：应为不含空格的可打印 ASCII 字符"}
	}
	return nil
}

// failed is a request of query that got no answer: ErrUnavailable, saying
// what went wrong without the URL's query (net/http's *url.Error quotes
// the URL, query and secret included, so only what it wraps is told; and
// as a transport of the caller's could quote it too, the query and then
// the secret are blanked out of that all the same). The chain holds only
// sentinels: ErrUnavailable, and context.DeadlineExceeded or
// context.Canceled when that is the cause.
func (c *Client) failed(doing, query string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	chain := []error{ErrUnavailable}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		chain = append(chain, context.DeadlineExceeded)
	case errors.Is(err, context.Canceled):
		chain = append(chain, context.Canceled)
	}
	return &unavailable{msg: fmt.Sprintf("wechat: %s GET %s: %s", doing, c.endpoint, cleanMessage(strings.ReplaceAll(err.Error(), query, "[query]"), c.secret)), chain: chain}
}

// unavailable is a request that got no answer.
type unavailable struct {
	msg   string
	chain []error
}

func (e *unavailable) Error() string   { return e.msg }
func (e *unavailable) Unwrap() []error { return e.chain }

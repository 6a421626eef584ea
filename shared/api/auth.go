package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/shelfhq/shelf/shared/account"
)

// Names the browser and the API agree on.
const (
	// SessionCookie holds a browser's session id (HttpOnly, SameSite=Lax).
	SessionCookie = "shelf_session"
	// CSRFHeader carries the session's CSRF token on every change a browser asks for; GET
	// /api/me and POST /api/login give it.
	CSRFHeader = "X-CSRF-Token"
)

// Login failures allowed per window, per client address and per user name, before both are
// refused for the rest of the window (429 with Retry-After). Counted per api replica.
const (
	failuresPerAddress = 20
	failuresPerUser    = 10
	failureWindow      = 5 * time.Minute
)

// usersSeenFor is how long a replica trusts that users exist before it counts them again: a
// user made on another replica closes this one's open api within a request, and deleting every
// user (possible only while none is an admin) reopens it within this time.
const usersSeenFor = 10 * time.Second

// principal is who a request comes from.
type principal struct {
	// user is the signed-in user; nil for the root token and for an api without accounts.
	user  *account.User
	roles account.RoleSet
	// via is how it was authenticated: "session", "token", "basic", "root" (SHELF_API_TOKEN)
	// or "open" (no user exists and the request needs no token).
	via     string
	session account.Session
}

func (p *principal) allows(n need) bool {
	if r, ok := n.role(); ok {
		return p.roles.Allows(r)
	}
	return true // needUser: any principal; needNothing never gets here
}

// accounts holds the authentication state one api process keeps.
type accounts struct {
	auth      *account.Authenticator
	secret    account.Secret
	byAddress *account.Limiter
	byUser    *account.Limiter
	// usersSeenAt is when users were last seen to exist (unix ns); 0 for not yet.
	usersSeenAt atomic.Int64
	// basicOverHTTP is set once Basic credentials arrived over plain HTTP (logged once).
	basicOverHTTP     atomic.Bool
	basicOverHTTPOnce sync.Once
}

// Keys of c.Locals.
const (
	localPrincipal = "shelf.principal"
	// localConsole marks a console client route, whose errors handleError writes as strings.
	localConsole = "shelf.console"
)

// principalOf returns the request's principal (set by authorize); nil on public routes.
func principalOf(c *fiber.Ctx) *principal {
	p, _ := c.Locals(localPrincipal).(*principal)
	return p
}

// usersExist reports whether accounts are in use.
func (s *server) usersExist(ctx context.Context) (bool, error) {
	if seen := s.acc.usersSeenAt.Load(); seen != 0 && time.Since(time.Unix(0, seen)) < usersSeenFor {
		return true, nil
	}
	n, err := account.CountUsers(ctx, s.db)
	if err != nil {
		return false, err
	}
	if n > 0 {
		s.acc.usersSeenAt.Store(time.Now().UnixNano())
	} else {
		s.acc.usersSeenAt.Store(0)
	}
	return n > 0, nil
}

// authorize is the access check in front of each route of the table: it resolves the caller
// (session cookie, then Authorization: Bearer, then Basic), stores it for the handler, and
// refuses a caller without the route's role (401 when unknown, 403 when known), and a
// cookie-authenticated change without its CSRF token.
func (s *server) authorize(op operation) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := s.allow(c, op); err != nil {
			return err
		}
		return c.Next()
	}
}

// allow is authorize's check: nil when the caller may go on (its principal stored).
func (s *server) allow(c *fiber.Ctx, op operation) error {
	if op.console {
		c.Locals(localConsole, true)
	}
	if op.need == needNothing {
		return nil
	}
	ctx := c.UserContext()
	users, err := s.usersExist(ctx)
	if err != nil {
		return err
	}
	if op.need == needAnyone {
		c.Locals(localPrincipal, s.resolveOptional(c, users))
		return nil
	}
	if !users {
		return s.authorizeWithoutAccounts(c, op)
	}
	p, err := s.resolve(c)
	if err != nil {
		return s.refuse(c, op, err)
	}
	if p == nil {
		if op.need == needShop && op.console && s.set.Current().Shop.Public {
			c.Locals(localPrincipal, &principal{via: "public"})
			return nil
		}
		return s.refuse(c, op, newError(fiber.StatusUnauthorized, codeUnauthorized,
			"sign in: this request needs a user (session, \"Authorization: Bearer <token>\" or Basic)"))
	}
	if !p.allows(op.need) {
		r, _ := op.need.role()
		return s.refuse(c, op, newError(fiber.StatusForbidden, codeForbidden, "this request needs the %s role", r))
	}
	if p.via == "session" && op.changes() && !s.acc.secret.ValidCSRF(p.session.Key, c.Get(CSRFHeader)) {
		return s.refuse(c, op, newError(fiber.StatusForbidden, "csrf",
			"a change made with a session cookie needs the %s header (GET /api/me gives it)", CSRFHeader))
	}
	c.Locals(localPrincipal, p)
	return nil
}

// authorizeWithoutAccounts is the api before any user exists, as it has always been: open
// without SHELF_API_TOKEN (New says so loudly); with it, the token is needed for changes, and
// for reads too with ProtectReads. Credentials other than the token are not looked at.
func (s *server) authorizeWithoutAccounts(c *fiber.Ctx, op operation) error {
	if s.opts.Token != "" && validBearer(c.Get(fiber.HeaderAuthorization), s.opts.Token) {
		c.Locals(localPrincipal, &principal{roles: account.AllRoles, via: "root"})
		return nil
	}
	if s.opts.Token == "" || (!op.changes() && !s.opts.ProtectReads) {
		c.Locals(localPrincipal, &principal{roles: account.AllRoles, via: "open"})
		return nil
	}
	return s.refuse(c, op, newError(fiber.StatusUnauthorized, codeUnauthorized,
		"this request needs the header \"Authorization: Bearer <SHELF_API_TOKEN>\""))
}

// resolveOptional is the caller of a route anyone may call: who the credentials say, when they
// are valid, else an anonymous principal without roles.
func (s *server) resolveOptional(c *fiber.Ctx, users bool) *principal {
	if !users {
		switch {
		case s.opts.Token != "" && validBearer(c.Get(fiber.HeaderAuthorization), s.opts.Token):
			return &principal{roles: account.AllRoles, via: "root"}
		case s.opts.Token == "":
			return &principal{roles: account.AllRoles, via: "open"}
		}
		return &principal{}
	}
	if p, err := s.resolve(c); err == nil && p != nil {
		return p
	}
	return &principal{}
}

// refuse answers a refused request. A 401 says which credentials to send: Basic on console
// routes (consoles prompt for it), Bearer elsewhere (a browser's fetch must not pop up a
// password dialog).
func (s *server) refuse(c *fiber.Ctx, op operation, err error) error {
	var ae *apiError
	if errors.As(err, &ae) && ae.status == fiber.StatusUnauthorized {
		if op.console {
			c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="shelf", charset="UTF-8"`)
		} else {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="shelf"`)
		}
	}
	return err
}

// resolve finds the principal of a request with accounts in use: nil without credentials, an
// error for credentials that are wrong (401) or for an address or user name that failed too
// often (429).
func (s *server) resolve(c *fiber.Ctx) (*principal, error) {
	ctx := c.UserContext()
	if id := c.Cookies(SessionCookie); id != "" {
		sess, err := account.SessionByID(ctx, s.db, id)
		switch {
		case err == nil:
			u := sess.User
			return &principal{user: &u, roles: u.Roles, via: "session", session: sess}, nil
		case !errors.Is(err, account.ErrNotFound):
			return nil, err
		}
		// An expired or unknown session counts as none: the other credentials may still tell.
	}
	header := c.Get(fiber.HeaderAuthorization)
	if header == "" {
		return nil, nil
	}
	scheme, value, _ := strings.Cut(header, " ")
	value = strings.TrimSpace(value)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		if s.opts.Token != "" && validBearer(header, s.opts.Token) {
			return &principal{roles: account.AllRoles, via: "root"}, nil
		}
		u, err := account.UserByToken(ctx, s.db, value)
		if errors.Is(err, account.ErrNotFound) {
			return nil, newError(fiber.StatusUnauthorized, codeUnauthorized, "the bearer token is not valid (revoked, or never issued)")
		}
		if err != nil {
			return nil, err
		}
		return &principal{user: &u, roles: u.Roles, via: "token"}, nil
	case strings.EqualFold(scheme, "Basic"):
		name, password, ok := decodeBasic(value)
		if !ok {
			return nil, newError(fiber.StatusUnauthorized, codeUnauthorized, "the Basic credentials are not base64 of user:password")
		}
		if c.Protocol() != "https" && s.acc.basicOverHTTP.CompareAndSwap(false, true) {
			s.acc.basicOverHTTPOnce.Do(func() {
				s.log.Warn("a client sent its password with HTTP Basic over plain HTTP: anyone on the network "+
					"can read it; put shelf behind a reverse proxy with TLS (see README, Reverse proxy)",
					"client", c.IP(), "user", name)
			})
		}
		u, err := s.checkPassword(c, name, password)
		if err != nil {
			return nil, err
		}
		return &principal{user: &u, roles: u.Roles, via: "basic"}, nil
	}
	return nil, newError(fiber.StatusUnauthorized, codeUnauthorized, "unknown authorization scheme %q (use Bearer or Basic)", truncate(scheme, 20))
}

// checkPassword checks a user name and password under the failure limits; it is how both
// POST /api/login and HTTP Basic sign in.
func (s *server) checkPassword(c *fiber.Ctx, name, password string) (account.User, error) {
	addrKey, userKey := "addr:"+c.IP(), "user:"+name
	if wait := max(s.acc.byAddress.Blocked(addrKey), s.acc.byUser.Blocked(userKey)); wait > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		return account.User{}, newError(fiber.StatusTooManyRequests, "too_many_failures",
			"too many failed sign-ins from this address or for this user; try again in %d s", int(math.Ceil(wait.Seconds())))
	}
	u, err := s.acc.auth.Authenticate(c.UserContext(), name, password)
	if errors.Is(err, account.ErrBadCredentials) {
		s.acc.byAddress.Fail(addrKey)
		s.acc.byUser.Fail(userKey)
		s.log.Info("sign-in failed", "client", c.IP(), "user", truncate(name, 64))
		return account.User{}, newError(fiber.StatusUnauthorized, codeUnauthorized, "wrong user name or password")
	}
	return u, err
}

func decodeBasic(value string) (name, password string, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// validBearer compares in constant time, so response timing does not reveal the token. It
// compares digests, which have one length: ConstantTimeCompare returns at once for inputs of
// different lengths, and that would tell a client how long the token is.
func validBearer(header, token string) bool {
	scheme, got, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	gotSum := sha256.Sum256([]byte(strings.TrimSpace(got)))
	wantSum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(gotSum[:], wantSum[:]) == 1
}

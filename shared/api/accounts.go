package api

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/shelfhq/shelf/shared/account"
)

// userJSON is a user as the API shows it.
type userJSON struct {
	Username  string    `json:"username"`
	Roles     []string  `json:"roles"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toUserJSON(u account.User) userJSON {
	return userJSON{Username: u.Username, Roles: u.Roles.Names(), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// meJSON is GET /api/me: who the caller is and what the UI needs to know about the api.
type meJSON struct {
	// User is the signed-in user; null for the root token and for an api without accounts.
	User *userJSON `json:"user"`
	// Roles are what the caller may do (all of them for root and an open api).
	Roles []string `json:"roles"`
	// Via is how the caller was recognised: session, token, basic, root or open.
	Via string `json:"via"`
	// Open is true while no user exists and no SHELF_API_TOKEN is set: anyone may do anything.
	Open bool `json:"open"`
	// SetupNeeded is true while no user exists: the UI offers the first-run setup page.
	SetupNeeded bool `json:"setup_needed"`
	// CSRFToken goes in the X-CSRF-Token header of every change a session makes; "" otherwise.
	CSRFToken string `json:"csrf_token"`
	// BasicOverHTTP is true once a client sent Basic credentials over plain HTTP to this
	// replica (its password could be read on the network).
	BasicOverHTTP bool `json:"basic_over_http"`
}

func (s *server) me(c *fiber.Ctx) error {
	users, err := s.usersExist(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(s.meOf(principalOf(c), users))
}

func (s *server) meOf(p *principal, users bool) meJSON {
	out := meJSON{Roles: p.roles.Names(), Via: p.via, Open: !users && s.opts.Token == "", SetupNeeded: !users,
		BasicOverHTTP: s.acc.basicOverHTTP.Load()}
	if p.user != nil {
		u := toUserJSON(*p.user)
		out.User = &u
	}
	if p.via == "session" {
		out.CSRFToken = s.acc.secret.CSRFToken(p.session.Key)
	}
	return out
}

// credentials are the body of POST /api/login and POST /api/setup, as JSON or as a form.
type credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func readCredentials(c *fiber.Ctx) (credentials, error) {
	var cr credentials
	// A page of another site must not sign this browser in (into an account the attacker
	// chose): browsers say where a request comes from; consoles and curl send no such header.
	if c.Get("Sec-Fetch-Site") == "cross-site" {
		return cr, newError(fiber.StatusForbidden, codeForbidden, "a sign-in from another site's page is refused")
	}
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationForm) {
		cr.Username, cr.Password = c.FormValue("username"), c.FormValue("password")
	} else if err := decodeBody(c.Body(), &cr); err != nil {
		return cr, err
	}
	if cr.Username == "" {
		return cr, invalidField("username", "is required")
	}
	if cr.Password == "" {
		return cr, invalidField("password", "is required")
	}
	return cr, nil
}

// login checks a user name and password and starts a session: the cookie, and in the answer
// the CSRF token the UI sends with every change.
func (s *server) login(c *fiber.Ctx) error {
	cr, err := readCredentials(c)
	if err != nil {
		return err
	}
	u, err := s.checkPassword(c, cr.Username, cr.Password)
	if err != nil {
		return err
	}
	return s.startSession(c, u)
}

func (s *server) startSession(c *fiber.Ctx, u account.User) error {
	// Sign-ins are rare, so each clears the expired sessions of everyone (an indexed delete).
	if _, err := account.PruneSessions(c.UserContext(), s.db, time.Now()); err != nil {
		return err
	}
	sess, err := account.CreateSession(c.UserContext(), s.db, u)
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{
		Name: SessionCookie, Value: sess.ID, Path: "/", Expires: sess.ExpiresAt,
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: c.Protocol() == "https",
	})
	s.log.Info("signed in", "user", u.Username, "client", c.IP())
	return c.JSON(s.meOf(&principal{user: &u, roles: u.Roles, via: "session", session: sess}, true))
}

// logout ends the session of the cookie, if any, and clears the cookie.
func (s *server) logout(c *fiber.Ctx) error {
	id := c.Cookies(SessionCookie)
	if id != "" {
		if err := account.DeleteSession(c.UserContext(), s.db, id); err != nil {
			return err
		}
	}
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: c.Protocol() == "https"})
	return c.JSON(fiber.Map{"signed_out": id != ""})
}

// setup makes the first admin, only while no user exists, and signs it in. It needs what any
// change needs before accounts exist (SHELF_API_TOKEN, when set).
func (s *server) setup(c *fiber.Ctx) error {
	cr, err := readCredentials(c)
	if err != nil {
		return err
	}
	u, made, err := account.CreateFirstAdmin(c.UserContext(), s.db, cr.Username, cr.Password)
	if err != nil {
		return err
	}
	if !made {
		return newError(fiber.StatusConflict, codeInvalidState, "a user exists already: sign in instead")
	}
	s.acc.usersSeenAt.Store(time.Now().UnixNano())
	s.log.Warn("first admin created on the setup page: the api now needs a user", "user", u.Username, "client", c.IP())
	return s.startSession(c, u)
}

// classifyAccount maps the account package's errors for classify.
func classifyAccount(err error) *apiError {
	var invalid *account.InvalidError
	switch {
	case errors.As(err, &invalid):
		return invalidField(invalid.Field, "%s", invalid.Message)
	case errors.Is(err, account.ErrNotFound):
		return notFound("%v", err)
	case errors.Is(err, account.ErrExists), errors.Is(err, account.ErrLastAdmin):
		return newError(fiber.StatusConflict, "conflict", "%v", err)
	}
	return nil
}

// accountOperations documents the sign-in and account routes.
func accountOperations() []operation {
	user := object(obj{"username": str(), "roles": array(roleSchema()), "created_at": dateTime(), "updated_at": dateTime()},
		"username", "roles", "created_at", "updated_at")
	me := object(obj{"user": obj{"oneOf": []obj{user, {"type": "null"}}}, "roles": array(roleSchema()),
		"via":  obj{"type": "string", "enum": []string{"", "session", "token", "basic", "root", "open", "public"}},
		"open": boolean(), "setup_needed": boolean(), "csrf_token": str(), "basic_over_http": boolean()},
		"user", "roles", "via", "open", "setup_needed", "csrf_token", "basic_over_http")
	creds := object(obj{"username": str(), "password": str()}, "username", "password")
	return append([]operation{
		{method: "POST", path: "/api/login", handle: (*server).login, need: needNothing, tag: "accounts",
			summary: "Sign in with a user name and password (JSON or a form): sets the session cookie and answers the CSRF token. Failures are limited per client address and per user name (429 with Retry-After); a browser request from another site (Sec-Fetch-Site: cross-site) is refused (403).",
			body:    creds, status: 200, result: me, others: []int{400, 401, 403, 422, 429}},
		{method: "POST", path: "/api/logout", handle: (*server).logout, need: needNothing, tag: "accounts",
			summary: "End the cookie's session and clear the cookie; signed_out says whether there was one.",
			status:  200, result: object(obj{"signed_out": boolean()}, "signed_out")},
		{method: "POST", path: "/api/setup", handle: (*server).setup, tag: "accounts",
			summary: "Make the first admin, only while no user exists (409 after), and sign it in. Needs SHELF_API_TOKEN when that is set.",
			body:    creds, status: 200, result: me, others: []int{400, 409, 422}},
		{method: "GET", path: "/api/me", handle: (*server).me, need: needAnyone, tag: "accounts",
			summary: "Who the caller is (via is \"\" and roles empty for a caller not signed in), with the CSRF token of a session, and whether the api is open or needs its first admin.",
			status:  200, result: me},
	}, userOperations(user)...)
}

func roleSchema() obj {
	names := make([]string, len(account.Roles))
	for i, r := range account.Roles {
		names[i] = string(r)
	}
	return obj{"type": "string", "enum": names}
}

// newUserRequest is the body of POST /api/users.
type newUserRequest struct {
	Username string   `json:"username"`
	Password string   `json:"password"`
	Roles    []string `json:"roles"`
}

// userPatch is the body of PATCH /api/users/{name}: fields left out stay as they are.
type userPatch struct {
	Password *string  `json:"password"`
	Roles    []string `json:"roles"`
}

func (s *server) listUsers(c *fiber.Ctx) error {
	users, err := account.ListUsers(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	out := make([]userJSON, len(users))
	for i, u := range users {
		out[i] = toUserJSON(u)
	}
	return c.JSON(fiber.Map{"users": out})
}

func (s *server) createUser(c *fiber.Ctx) error {
	var req newUserRequest
	if err := decodeBody(c.Body(), &req); err != nil {
		return err
	}
	if req.Roles == nil {
		return invalidField("roles", "is required: a list of admin, shop, backup (may be empty)")
	}
	roles, err := account.NewRoleSet("roles", req.Roles)
	if err != nil {
		return err
	}
	u, err := account.CreateUser(c.UserContext(), s.db, account.NewUser{Username: req.Username, Password: req.Password, Roles: roles})
	if err != nil {
		return err
	}
	s.acc.usersSeenAt.Store(time.Now().UnixNano())
	s.log.Info("user added", "user", u.Username, "roles", strings.Join(u.Roles.Names(), ","), "by", principalName(principalOf(c)))
	return c.Status(fiber.StatusCreated).JSON(toUserJSON(u))
}

func (s *server) updateUser(c *fiber.Ctx) error {
	var req userPatch
	if err := decodeBody(c.Body(), &req); err != nil {
		return err
	}
	var ch account.UserChange
	ch.Password = req.Password
	if req.Roles != nil {
		roles, err := account.NewRoleSet("roles", req.Roles)
		if err != nil {
			return err
		}
		ch.Roles = &roles
	}
	keep := ""
	if p := principalOf(c); p != nil && p.via == "session" {
		keep = p.session.Key // changing one's own password keeps one's own session
	}
	u, err := account.UpdateUser(c.UserContext(), s.db, c.Params("name"), ch, keep)
	if err != nil {
		return err
	}
	s.log.Info("user changed", "user", u.Username, "roles", strings.Join(u.Roles.Names(), ","),
		"password_changed", ch.Password != nil, "by", principalName(principalOf(c)))
	return c.JSON(toUserJSON(u))
}

func (s *server) deleteUser(c *fiber.Ctx) error {
	name := c.Params("name")
	if err := account.DeleteUser(c.UserContext(), s.db, name); err != nil {
		return err
	}
	s.log.Info("user deleted", "user", name, "by", principalName(principalOf(c)))
	return c.JSON(fiber.Map{"deleted": 1})
}

func principalName(p *principal) string {
	switch {
	case p == nil:
		return ""
	case p.user != nil:
		return p.user.Username
	}
	return p.via
}

// signedInUser is the caller's own account; the root token and an open api have none.
func signedInUser(c *fiber.Ctx) (account.User, error) {
	p := principalOf(c)
	if p == nil || p.user == nil {
		return account.User{}, newError(fiber.StatusConflict, codeInvalidState,
			"API tokens belong to users: sign in as a user (the root token and an api without users have none)")
	}
	return *p.user, nil
}

// changeOwnPassword lets any user change their password, given the current one (checked under
// the failure limits, as a sign-in); the user's other sessions end.
func (s *server) changeOwnPassword(c *fiber.Ctx) error {
	u, err := signedInUser(c)
	if err != nil {
		return err
	}
	var req struct {
		CurrentPassword string `json:"current_password"`
		Password        string `json:"password"`
	}
	if err := decodeBody(c.Body(), &req); err != nil {
		return err
	}
	if req.CurrentPassword == "" {
		return invalidField("current_password", "is required")
	}
	if _, err := s.checkPassword(c, u.Username, req.CurrentPassword); err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.status == fiber.StatusUnauthorized {
			// Not a 401: the caller is signed in; the field is wrong.
			return invalidField("current_password", "is not your current password")
		}
		return err
	}
	keep := ""
	if p := principalOf(c); p.via == "session" {
		keep = p.session.Key
	}
	changed, err := account.UpdateUser(c.UserContext(), s.db, u.Username, account.UserChange{Password: &req.Password}, keep)
	if err != nil {
		return err
	}
	s.log.Info("password changed by its user", "user", u.Username)
	return c.JSON(toUserJSON(changed))
}

func (s *server) listTokens(c *fiber.Ctx) error {
	u, err := signedInUser(c)
	if err != nil {
		return err
	}
	tokens, err := account.ListTokens(c.UserContext(), s.db, u)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"tokens": tokens})
}

func (s *server) createToken(c *fiber.Ctx) error {
	u, err := signedInUser(c)
	if err != nil {
		return err
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := decodeBody(c.Body(), &req); err != nil {
		return err
	}
	tok, secret, err := account.CreateToken(c.UserContext(), s.db, u, req.Name)
	if err != nil {
		return err
	}
	s.log.Info("API token created", "user", u.Username, "token", tok.Name)
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"token": tok, "secret": secret})
}

func (s *server) revokeToken(c *fiber.Ctx) error {
	u, err := signedInUser(c)
	if err != nil {
		return err
	}
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := account.RevokeToken(c.UserContext(), s.db, u, id); err != nil {
		return err
	}
	s.log.Info("API token revoked", "user", u.Username, "token_id", id)
	return c.JSON(fiber.Map{"deleted": 1})
}

// userOperations documents the users and tokens routes.
func userOperations(user obj) []operation {
	name := pathParam("name", "The user name.", obj{"type": "string"})
	token := object(obj{"id": integer(), "name": str(), "created_at": dateTime(),
		"last_used_at": obj{"oneOf": []obj{dateTime(), {"type": "null"}}}}, "id", "name", "created_at", "last_used_at")
	roles := array(roleSchema())
	return []operation{
		{method: "GET", path: "/api/users", handle: (*server).listUsers, tag: "accounts", summary: "Every user with their roles, by name.",
			status: 200, result: object(obj{"users": array(user)}, "users")},
		{method: "POST", path: "/api/users", handle: (*server).createUser, tag: "accounts",
			summary: "Add a user: a name (no ':' or '/'), a password of at least 8 characters, and roles (admin, shop, backup; any combination).",
			body:    object(obj{"username": str(), "password": str(), "roles": roles}, "username", "password", "roles"),
			status:  201, result: user, others: []int{400, 409, 422}},
		{method: "PATCH", path: "/api/users/{name}", handle: (*server).updateUser, tag: "accounts",
			summary: "Change a user's password and/or roles. A new password ends the user's other sessions; taking admin from the last admin is 409.",
			params:  []obj{name}, body: object(obj{"password": str(), "roles": roles}),
			status: 200, result: user, others: []int{400, 404, 409, 422}},
		{method: "DELETE", path: "/api/users/{name}", handle: (*server).deleteUser, tag: "accounts",
			summary: "Delete a user with its sessions and tokens; the last admin cannot be deleted (409).",
			params:  []obj{name}, status: 200, result: ref("Deleted"), others: []int{404, 409}},
		{method: "PATCH", path: "/api/me", handle: (*server).changeOwnPassword, need: needUser, tag: "accounts",
			summary: "Change the caller's own password, given the current one; the caller's other sessions end.",
			body:    object(obj{"current_password": str(), "password": str()}, "current_password", "password"),
			status:  200, result: user, others: []int{400, 409, 422}},
		{method: "GET", path: "/api/me/tokens", handle: (*server).listTokens, need: needUser, tag: "accounts",
			summary: "The caller's API tokens (never their secrets).", status: 200, result: object(obj{"tokens": array(token)}, "tokens"), others: []int{409}},
		{method: "POST", path: "/api/me/tokens", handle: (*server).createToken, need: needUser, tag: "accounts",
			summary: "Create an API token for scripts and consoles (Authorization: Bearer); its secret is in this answer only.",
			body:    object(obj{"name": str()}, "name"), status: 201, result: object(obj{"token": token, "secret": str()}, "token", "secret"),
			others: []int{400, 409, 422}},
		{method: "DELETE", path: "/api/me/tokens/{id}", handle: (*server).revokeToken, need: needUser, tag: "accounts",
			summary: "Revoke one of the caller's API tokens.", params: []obj{pathParam("id", "The token's id.", obj{"type": "integer", "minimum": 1})},
			status: 200, result: ref("Deleted"), others: []int{404, 409, 422}},
	}
}

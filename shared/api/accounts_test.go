package api_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/account"
)

// The account routes, called as a user would, each answer validated against the OpenAPI
// document: setup, login, users, tokens, logout.
func TestAccountRoutesAnswerAsTheOpenAPIDocumentSays(t *testing.T) {
	t.Parallel()
	l := startLive(t, withToken(false))
	root := []string{"Authorization", "Bearer " + testToken}
	// No user yet: reads are open, the setup page makes the first admin (with the token, as
	// any change before accounts exist).
	me := l.check(t, true, 200, "GET", "/api/me", "")
	require.Contains(t, string(me), `"setup_needed":true`)
	l.check(t, false, 401, "POST", "/api/setup", `{"username":"admin","password":"admin-password"}`)
	l.check(t, false, 422, "POST", "/api/setup", `{"username":"admin","password":"short"}`, root...)
	setup := l.check(t, true, 200, "POST", "/api/setup", `{"username":"admin","password":"admin-password"}`, root...)
	require.Contains(t, string(setup), `"csrf_token":"`)
	// Signed out, GET /api/me still answers: no user, no roles, and no setup to offer.
	signedOut := l.check(t, true, 200, "GET", "/api/me", "")
	require.Contains(t, string(signedOut), `"user":null,"roles":[],"via":"","open":false,"setup_needed":false`)
	admin := []string{"Authorization", basic("admin", "admin-password")}
	l.check(t, true, 409, "POST", "/api/setup", `{"username":"again","password":"again-password"}`, admin...)

	l.check(t, true, 201, "POST", "/api/users", `{"username":"switch","password":"switch-password","roles":["shop"]}`, admin...)
	l.check(t, true, 409, "POST", "/api/users", `{"username":"switch","password":"switch-password","roles":["shop"]}`, admin...)
	e := l.check(t, false, 422, "POST", "/api/users", `{"username":"a:b","password":"x","roles":["shop"]}`, admin...)
	require.Contains(t, string(e), `"field":"username"`)
	e = l.check(t, false, 422, "POST", "/api/users", `{"username":"ok","password":"long-enough","roles":["root"]}`, admin...)
	require.Contains(t, string(e), `"field":"roles"`)
	l.check(t, false, 400, "POST", "/api/users", `{"username":`, admin...)
	list := l.check(t, true, 200, "GET", "/api/users", "", admin...)
	require.Contains(t, string(list), `"username":"switch","roles":["shop"]`)
	shopper := []string{"Authorization", basic("switch", "switch-password")}
	l.check(t, true, 403, "GET", "/api/users", "", shopper...)
	l.check(t, true, 401, "GET", "/api/users", "", "Authorization", basic("switch", "wrong-password"))

	l.check(t, true, 200, "PATCH", "/api/users/switch", `{"roles":["shop","backup"],"password":"new-switch-password"}`, admin...)
	l.check(t, true, 401, "GET", "/api/shop", "", shopper...)
	me = l.check(t, true, 200, "GET", "/api/me", "", shopper...)
	require.Contains(t, string(me), `"via":""`, "wrong credentials: GET /api/me answers as to a stranger")
	shopper = []string{"Authorization", basic("switch", "new-switch-password")}
	l.check(t, true, 200, "GET", "/api/shop", "", shopper...)
	l.check(t, true, 409, "PATCH", "/api/users/admin", `{"roles":["shop"]}`, admin...)
	l.check(t, true, 404, "PATCH", "/api/users/nobody", `{"roles":[]}`, admin...)
	l.check(t, false, 422, "PATCH", "/api/users/switch", `{"password":"short"}`, admin...)

	// Tokens: shown once, then usable as Bearer, listed without the secret, revocable.
	created := l.check(t, true, 201, "POST", "/api/me/tokens", `{"name":"tinfoil"}`, shopper...)
	var tok struct {
		Token struct {
			ID int64 `json:"id"`
		} `json:"token"`
		Secret string `json:"secret"`
	}
	require.NoError(t, json.Unmarshal(created, &tok))
	require.True(t, strings.HasPrefix(tok.Secret, account.TokenPrefix))
	bearer := []string{"Authorization", "Bearer " + tok.Secret}
	l.check(t, true, 200, "GET", "/api/shop", "", bearer...)
	l.check(t, true, 403, "GET", "/api/tasks", "", bearer...)
	tokens := l.check(t, true, 200, "GET", "/api/me/tokens", "", bearer...)
	require.NotContains(t, string(tokens), tok.Secret)
	require.Contains(t, string(tokens), `"name":"tinfoil"`)
	l.check(t, true, 409, "POST", "/api/me/tokens", `{"name":"tinfoil"}`, shopper...)
	l.check(t, false, 422, "POST", "/api/me/tokens", `{"name":""}`, shopper...)
	l.check(t, true, 404, "DELETE", "/api/me/tokens/999999", "", shopper...)
	l.check(t, true, 200, "DELETE", "/api/me/tokens/"+itoa(tok.Token.ID), "", shopper...)
	l.check(t, true, 401, "GET", "/api/shop", "", bearer...)

	// A user changes their own password with the current one.
	e = l.check(t, false, 422, "PATCH", "/api/me", `{"current_password":"nope","password":"newer-switch-password"}`, shopper...)
	require.Contains(t, string(e), `"field":"current_password"`)
	l.check(t, true, 200, "PATCH", "/api/me", `{"current_password":"new-switch-password","password":"newer-switch-password"}`, shopper...)
	l.check(t, true, 401, "GET", "/api/shop", "", shopper...)
	l.check(t, true, 200, "PATCH", "/api/me", `{"current_password":"newer-switch-password","password":"new-switch-password"}`,
		"Authorization", basic("switch", "newer-switch-password"))

	// Login as JSON, logout, and the console form of a refusal.
	l.check(t, true, 200, "POST", "/api/login", `{"username":"switch","password":"new-switch-password"}`)
	l.check(t, true, 403, "POST", "/api/login", `{"username":"switch","password":"new-switch-password"}`, "Sec-Fetch-Site", "cross-site")
	l.check(t, true, 401, "POST", "/api/login", `{"username":"switch","password":"nope"}`)
	l.check(t, false, 422, "POST", "/api/login", `{"username":"switch"}`)
	l.check(t, true, 200, "POST", "/api/logout", "")
	refused := l.check(t, true, 401, "GET", "/api/shop", "")
	require.JSONEq(t, `{"error":"sign in: this request needs a user (session, \"Authorization: Bearer <token>\" or Basic)"}`, string(refused))

	l.check(t, true, 409, "DELETE", "/api/users/admin", "", admin...)
	l.check(t, true, 200, "DELETE", "/api/users/switch", "", admin...)
	l.check(t, true, 404, "DELETE", "/api/users/switch", "", admin...)
	l.check(t, true, 409, "GET", "/api/me/tokens", "", root...)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

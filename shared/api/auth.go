package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// openPaths answer without a token whatever the options: probes and Prometheus can't hold one,
// and none of them reveals or changes anything a token protects.
var openPaths = map[string]bool{"/livez": true, "/readyz": true, "/metrics": true}

// authenticate checks the bearer token in front of every route, so a new route cannot forget
// it: every request that may change something (any method but GET, HEAD and OPTIONS) and, with
// ProtectReads, every read under /api/. The web UI's own files stay readable so that the UI
// can load and ask for the token.
func (s *server) authenticate(c *fiber.Ctx) error {
	if s.opts.Token == "" || openPaths[c.Path()] || !s.needsToken(c) {
		return c.Next()
	}
	if !validBearer(c.Get(fiber.HeaderAuthorization), s.opts.Token) {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="shelf"`)
		return newError(fiber.StatusUnauthorized, codeUnauthorized,
			"this request needs the header \"Authorization: Bearer <SHELF_API_TOKEN>\"")
	}
	return c.Next()
}

func (s *server) needsToken(c *fiber.Ctx) bool {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return s.opts.ProtectReads && isAPIPath(c.Path())
	}
	return true
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

package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	fiberrecover "github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/valyala/fasthttp"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/settings"
	"github.com/shelfhq/shelf/shared/shop"
)

// Error codes: the stable, machine-readable half of an error answer.
const (
	codeInvalidJSON  = "invalid_json"
	codeInvalidField = "invalid_field"
	codeUnknownTask  = "unknown_task"
	codeNotFound     = "not_found"
	codeInvalidState = "invalid_state"
	codeUnauthorized = "unauthorized"
	codeForbidden    = "forbidden"
	codeInternal     = "internal"
)

// ErrorBody is the shape of every error answer:
// {"error": {"code": "...", "message": "...", "details": [...]}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ConsoleErrorBody is the shape of an error answer on a console client route (the shop):
// {"error": "<message>"}, the string Tinfoil and CyberFoil show.
type ConsoleErrorBody struct {
	Error string `json:"error"`
}

// ErrorDetail is the error itself: a stable code for programs and a message for people.
type ErrorDetail struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Details []FieldError `json:"details"`
}

// FieldError says what is wrong with one field of a request; Field is the JSON path (e.g.
// "worker.slots") or the query parameter.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// apiError is an error a handler returns to give the client a specific status and code.
type apiError struct {
	status  int
	code    string
	message string
	details []FieldError
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// invalidField is the 422 for one bad field, named in the details so a form can mark it.
func invalidField(field, format string, args ...any) *apiError {
	msg := fmt.Sprintf(format, args...)
	return &apiError{status: fiber.StatusUnprocessableEntity, code: codeInvalidField,
		message: field + ": " + msg, details: []FieldError{{Field: field, Message: msg}}}
}

func notFound(format string, args ...any) *apiError {
	return newError(fiber.StatusNotFound, codeNotFound, format, args...)
}

// classify turns an error into what the client sees, or nil when it is the server's fault.
// Handlers return the queue's and catalog's errors as they are; their meaning for a client is
// decided here, once.
func classify(err error) *apiError {
	var ae *apiError
	var invalid settings.ValidationError
	var fe *fiber.Error
	if ae := classifyAccount(err); ae != nil {
		return ae
	}
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, queue.ErrUnknownTask):
		return newError(fiber.StatusUnprocessableEntity, codeUnknownTask, "%v", err)
	case errors.Is(err, queue.ErrInvalidArgs):
		return invalidField("args", "%v", err)
	case errors.Is(err, queue.ErrNotFound), errors.Is(err, catalog.ErrNotFound):
		return notFound("%v", err)
	case errors.Is(err, queue.ErrInvalidState):
		return newError(fiber.StatusConflict, codeInvalidState, "%v", err)
	case errors.As(err, &invalid):
		return fromValidation(invalid)
	case errors.As(err, &fe) && fe.Code < 500:
		return &apiError{status: fe.Code, code: fiberCode(fe.Code), message: fe.Message}
	}
	return nil
}

func fromValidation(v settings.ValidationError) *apiError {
	e := &apiError{status: fiber.StatusUnprocessableEntity, code: codeInvalidField, message: v.Error()}
	for _, f := range v.Errors {
		e.details = append(e.details, FieldError{Field: f.Field, Message: f.Message})
	}
	return e
}

// fiberCode names the errors Fiber and fasthttp raise before a handler runs.
func fiberCode(status int) string {
	switch status {
	case fiber.StatusNotFound:
		return codeNotFound
	case fiber.StatusUnauthorized:
		return codeUnauthorized
	case fiber.StatusRequestEntityTooLarge:
		return "body_too_large"
	case fiber.StatusMethodNotAllowed:
		return "method_not_allowed"
	}
	return strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
}

// handleError is the app's ErrorHandler, so that Fiber's own errors (unknown route, wrong
// method, body too large) and recovered panics are JSON like the handlers' errors.
func (s *server) handleError(c *fiber.Ctx, err error) error {
	ae := classify(err)
	attrs := []any{"method", c.Method(), "path", c.Path(), "request_id", c.Locals("requestid"), "err", err}
	if ae == nil {
		s.log.Error("api request failed", attrs...)
		ae = newError(fiber.StatusInternalServerError, codeInternal,
			"internal error; the server log has the details (request id %v)", c.Locals("requestid"))
	} else {
		s.log.Debug("api request rejected", append(attrs, "status", ae.status, "code", ae.code)...)
	}
	if ae.details == nil {
		ae.details = []FieldError{}
	}
	// A streamed body (shop download) may already be attached; the error replaces it.
	c.Response().ResetBody()
	if console, _ := c.Locals(localConsole).(bool); console {
		if client := shopClientOf(c); client != shop.Browser && !client.WantsJSON() {
			// DBI and Sphaira show a listing's link texts and nothing else.
			c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
			return c.Status(ae.status).Send(shop.RefusalListing(ae.message))
		}
		// What Tinfoil and CyberFoil show: "error" must be a string.
		return c.Status(ae.status).JSON(ConsoleErrorBody{Error: ae.message})
	}
	return c.Status(ae.status).JSON(ErrorBody{Error: ErrorDetail{Code: ae.code, Message: ae.message, Details: ae.details}})
}

// answerUnknownMethodsInJSON makes a request whose method Fiber does not know ("get",
// "PROPFIND", junk) a JSON 400 like every other error: Fiber answers those in plain text before
// any middleware or the ErrorHandler runs, so the check has to sit in front of Fiber's handler.
func (s *server) answerUnknownMethodsInJSON(app *fiber.App) {
	known := app.Config().RequestMethods
	next := app.Server().Handler
	app.Server().Handler = func(fctx *fasthttp.RequestCtx) {
		if slices.Contains(known, string(fctx.Method())) {
			next(fctx)
			return
		}
		c := app.AcquireCtx(fctx)
		defer app.ReleaseCtx(c)
		method := string(fctx.Method())
		if len(method) > 40 {
			method = method[:40] + "…"
		}
		_ = s.handleError(c, newError(fiber.StatusBadRequest, "invalid_method",
			"%q is not an HTTP method this api knows (use GET, POST, PUT, PATCH or DELETE)", method))
	}
}

// redactUnparsableRequests keeps a request that is not valid HTTP out of its own error answer
// and the log. fasthttp's error for it quotes the raw request buffer, Authorization header and
// all, and Fiber would send that text back as the 400's message. Errors Fiber maps to a status
// of their own (431, 413, 408, ...) pass through unchanged.
func redactUnparsableRequests(app *fiber.App) {
	next := app.Server().ErrorHandler
	app.Server().ErrorHandler = func(fctx *fasthttp.RequestCtx, err error) {
		var small *fasthttp.ErrSmallBuffer
		var netErr net.Error
		if !errors.As(err, &small) && !errors.As(err, &netErr) && !errors.Is(err, fasthttp.ErrBodyTooLarge) &&
			!errors.Is(err, fasthttp.ErrGetOnly) && !strings.Contains(err.Error(), "timeout") {
			err = errMalformedRequest{reason: requestErrorReason(err.Error())}
		}
		next(fctx, err)
	}
}

// errMalformedRequest is a request fasthttp could not parse, described without quoting it.
type errMalformedRequest struct{ reason string }

func (e errMalformedRequest) Error() string {
	return "the request is not valid HTTP/1.1: " + e.reason
}

// requestErrorReason keeps the part of a fasthttp parse error before it starts quoting input,
// e.g. "error when reading request headers: cannot find http request method".
func requestErrorReason(msg string) string {
	msg, _, _ = strings.Cut(msg, `"`)
	msg, _, _ = strings.Cut(msg, ". Buffer size=")
	msg = strings.TrimSpace(msg)
	msg = strings.TrimSuffix(msg, " in")
	msg = strings.TrimSuffix(msg, ":")
	if msg == "" {
		return "it cannot be parsed"
	}
	return msg
}

// recoverPanics turns a handler's panic into an error for handleError (a JSON 500) and logs the
// stack, so one bad request never takes the process down.
func recoverPanics(log *slog.Logger) fiber.Handler {
	return fiberrecover.New(fiberrecover.Config{
		EnableStackTrace: true,
		StackTraceHandler: func(c *fiber.Ctx, r any) {
			log.Error("api handler panicked", "method", c.Method(), "path", c.Path(),
				"request_id", c.Locals("requestid"), "panic", r, "stack", string(debug.Stack()))
		},
	})
}

var errNotMigrated = errors.New("the database schema is not up to date: migrations are pending")

package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// obj is a JSON object of the OpenAPI document.
type obj = map[string]any

// The OpenAPI document is built once: it depends on nothing but the code. (A plain Once: the
// route table it is built from refers to the handler that serves it.)
var (
	openAPIOnce  sync.Once
	openAPIBytes []byte
)

func openAPIDocument() []byte {
	openAPIOnce.Do(func() {
		b, err := json.Marshal(buildOpenAPI())
		if err != nil {
			panic("api: the OpenAPI document does not marshal: " + err.Error())
		}
		openAPIBytes = b
	})
	return openAPIBytes
}

func (s *server) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(openAPIDocument())
}

func buildOpenAPI() obj {
	paths := obj{}
	for _, op := range routeTable() {
		item, _ := paths[op.path].(obj)
		if item == nil {
			item = obj{}
			paths[op.path] = item
		}
		item[strings.ToLower(op.method)] = op.document()
	}
	return obj{
		"openapi": "3.1.0",
		"info": obj{"title": "shelf", "version": "1",
			"description": "shelf's REST API. Every error answer is an Error, except on the shop's " +
				"routes, which console clients call: there it is a ConsoleError ({\"error\": \"<message>\"}). " +
				"Once a user exists, every route but the probes, /metrics and the login needs a user with " +
				"the route's role (admin may do everything), by session cookie (browsers; changes also need " +
				"the X-CSRF-Token header), \"Authorization: Bearer\" (a user's API token, or " +
				"SHELF_API_TOKEN as root) or HTTP Basic. Before any user exists the api is as without " +
				"accounts: with SHELF_API_TOKEN, requests that change something need it as a bearer token, " +
				"and reads too when the api protects reads; without it, nothing needs credentials (hence " +
				"the empty security alternative). Besides the statuses listed per operation, a path that " +
				"no operation has answers 404 and a path's unlisted method 405, both with an Error body."},
		"paths": paths,
		"components": obj{
			"schemas": schemas(),
			"securitySchemes": obj{
				"bearer": obj{"type": "http", "scheme": "bearer", "description": "A user's API token (shelf_…), or SHELF_API_TOKEN (root)."},
				"basic":  obj{"type": "http", "scheme": "basic", "description": "A user name and password; what consoles send."},
				"cookie": obj{"type": "apiKey", "in": "cookie", "name": SessionCookie, "description": "A browser session from POST /api/login; changes also need the X-CSRF-Token header."},
			},
		},
	}
}

func (op operation) document() obj {
	doc := obj{"summary": op.summary, "tags": []string{op.tag}, "operationId": operationID(op)}
	if op.params != nil {
		doc["parameters"] = op.params
	}
	if op.body != nil {
		doc["requestBody"] = obj{"required": !op.bodyOptional,
			"content": obj{"application/json": obj{"schema": op.body}}}
	}
	responses := obj{strconv.Itoa(op.status): op.success()}
	others := op.others
	// Who may call it once users exist; the route table's own words, which a test walks.
	doc["x-shelf-role"] = op.need.String()
	if op.console {
		doc["x-shelf-console"] = true
	}
	if op.consoleOnly {
		doc["x-shelf-console-only"] = true // a browser's request is the web UI's
	}
	switch op.need {
	case needNothing:
		doc["security"] = []obj{}
	case needAnyone:
		doc["security"] = []obj{{}, {"bearer": []string{}}, {"basic": []string{}}, {"cookie": []string{}}}
	default:
		// Optional while no user exists and no SHELF_API_TOKEN is set.
		doc["security"] = []obj{{}, {"bearer": []string{}}, {"basic": []string{}}, {"cookie": []string{}}}
		others = append(others, 401, 403, 429)
		if op.changes() {
			others = append(others, 413)
		}
	}
	for _, code := range append(others, 500) {
		if code >= 200 && code < 300 && code != http.StatusPartialContent {
			responses[strconv.Itoa(code)] = op.successWith(code)
			continue
		}
		responses[strconv.Itoa(code)] = op.otherResponse(code)
	}
	doc["responses"] = responses
	return doc
}

func (op operation) success() obj { return op.successWith(op.status) }

func (op operation) successWith(code int) obj {
	switch {
	case op.path == "/metrics":
		text := obj{"schema": obj{"type": "string"}}
		return obj{"description": "Metrics: OpenMetrics when Accept asks for it, else the text format.",
			"content": obj{"text/plain": text, "application/openmetrics-text": text}}
	case op.result == nil:
		return obj{"description": "The file's bytes.", "content": obj{"application/octet-stream": obj{"schema": obj{"type": "string", "format": "binary"}}}}
	case op.tag == "shop":
		return shopSuccess(op, code)
	}
	return obj{"description": http.StatusText(code), "content": obj{"application/json": obj{"schema": op.result}}}
}

// otherResponse describes a status besides the success one: an Error for 4xx and 5xx (a
// ConsoleError on console routes).
func (op operation) otherResponse(code int) obj {
	switch code {
	case 206:
		return obj{"description": "The requested byte range.", "content": obj{"application/octet-stream": obj{"schema": obj{"type": "string", "format": "binary"}}}}
	case 304:
		return obj{"description": "Not modified: the If-None-Match ETag is current."}
	}
	schema := ref("Error")
	switch {
	case op.consoleOnly:
		// A browser that reaches a root route (a path the web UI has no file for) gets an Error.
		schema = obj{"anyOf": []obj{ref("ConsoleError"), ref("Error")}}
	case op.console:
		schema = ref("ConsoleError")
	}
	content := obj{"application/json": obj{"schema": schema}}
	if op.console {
		content["text/html"] = obj{"schema": obj{"type": "string", "description": "To DBI and Sphaira: a listing whose link texts say why."}}
	}
	return obj{"description": http.StatusText(code), "content": content}
}

// shopSuccess is a shop index or listing, as each client reads it; a file route's download
// (a file name at the root) is its bytes.
func shopSuccess(op operation, code int) obj {
	content := obj{
		"application/json":         obj{"schema": ref("Shop")},
		"application/octet-stream": obj{"schema": obj{"type": "string", "format": "binary", "description": "Tinfoil's encrypted index, or a file's bytes."}},
	}
	if op.consoleOnly {
		content["text/html"] = obj{"schema": obj{"type": "string", "description": "DBI and Sphaira: an HTML listing with relative links."}}
	}
	return obj{"description": http.StatusText(code), "content": content}
}

// operationID is e.g. "post_api_tasks_id_cancel".
func operationID(op operation) string {
	r := strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_", ".", "_")
	return strings.ToLower(op.method) + r.Replace(op.path)
}

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func pathParam(name, desc string, schema obj) obj {
	return obj{"name": name, "in": "path", "required": true, "description": desc, "schema": schema}
}

func queryParam(name, desc string, schema obj) obj {
	return obj{"name": name, "in": "query", "description": desc, "schema": schema}
}

func headerParam(name, desc string) obj {
	return obj{"name": name, "in": "header", "description": desc, "schema": obj{"type": "string"}}
}

func required(p obj) obj {
	p["required"] = true
	return p
}

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

// operation describes one route. The list below is the API's reference: a test fails when a
// route is registered without an operation here, or an operation has no route.
type operation struct {
	method, path, summary, tag string
	params                     []obj
	body                       obj  // request body schema; nil for none
	bodyOptional               bool // an empty body is allowed
	status                     int  // success status
	result                     obj  // success body schema; nil for a file
	// others are the other statuses it answers (a 2xx among them has the success body);
	// document adds 401, 413 and 500 as they apply.
	others []int
	// access says who may call it: mutating (token when set), reading (token with
	// ProtectReads) or open (never a token).
	access access
}

type access int

const (
	reading access = iota
	mutating
	open
)

var (
	idParam     = pathParam("id", "The task's id.", obj{"type": "integer", "minimum": 1})
	limitParam  = queryParam("limit", "Page size, 1–1000 (default 50).", obj{"type": "integer", "minimum": 1, "maximum": 1000})
	cursorParam = queryParam("cursor", "The next_cursor of the previous page.", obj{"type": "integer", "minimum": 1})
)

// operations lists every route; see the type's comment.
func operations() []operation {
	task := ref("TaskResponse")
	return append([]operation{
		{method: "GET", path: "/livez", tag: "health", summary: "The process is alive.", status: 200, result: ref("Status"), access: open},
		{method: "GET", path: "/readyz", tag: "health", summary: "The database answers and its schema is current.", status: 200, result: ref("Status"), others: []int{503}, access: open},
		{method: "GET", path: "/metrics", tag: "health", summary: "Prometheus metrics in the text exposition format.", status: 200, access: open},
		{method: "GET", path: "/api/openapi.json", tag: "meta", summary: "This document.", status: 200, result: obj{"type": "object"}},

		{method: "POST", path: "/api/tasks", tag: "tasks", summary: "Enqueue a task. 201 when created; 200 with deduplicated=true when a pending task with the same dedup key absorbed it.",
			body: ref("CreateTask"), status: 201, result: ref("Enqueued"), others: []int{200, 400, 422}, access: mutating},
		{method: "GET", path: "/api/tasks", tag: "tasks", summary: "List tasks, newest first; top-level tasks unless parent_id is given.",
			params: []obj{queryParam("status", "Only tasks in this status.", ref("TaskStatus")), queryParam("name", "Only tasks of this type.", obj{"type": "string"}),
				queryParam("parent_id", "List this task's children.", obj{"type": "integer", "minimum": 1}), limitParam, cursorParam},
			status: 200, result: ref("TaskList"), others: []int{422}},
		{method: "DELETE", path: "/api/tasks", tag: "tasks", summary: "Delete every finished top-level task in one status, with its children.",
			params: []obj{required(queryParam("status", "completed, failed or cancelled.", obj{"type": "string", "enum": []string{"completed", "failed", "cancelled"}}))},
			status: 200, result: ref("Deleted"), others: []int{422}, access: mutating},
		{method: "GET", path: "/api/tasks/{id}", tag: "tasks", summary: "One task, with its children counted by status.", params: []obj{idParam},
			status: 200, result: ref("TaskDetail"), others: []int{404, 422}},
		{method: "PATCH", path: "/api/tasks/{id}", tag: "tasks", summary: "Reschedule a pending task (run_after, priority).", params: []obj{idParam},
			body: ref("Reschedule"), status: 200, result: task, others: []int{400, 404, 409, 422}, access: mutating},
		{method: "DELETE", path: "/api/tasks/{id}", tag: "tasks", summary: "Remove a pending top-level task.", params: []obj{idParam},
			status: 200, result: ref("Deleted"), others: []int{404, 409, 422}, access: mutating},
		{method: "POST", path: "/api/tasks/{id}/cancel", tag: "tasks", summary: "Cancel a task: at once when pending or waiting; a running task is asked to stop.",
			params: []obj{idParam}, status: 200, result: task, others: []int{404, 409, 422}, access: mutating},
		{method: "POST", path: "/api/tasks/{id}/retry", tag: "tasks", summary: "Run a failed or cancelled task again, attempts reset.",
			params: []obj{idParam}, status: 200, result: task, others: []int{404, 409, 422}, access: mutating},
		{method: "GET", path: "/api/task-types", tag: "tasks", summary: "The task names POST /api/tasks accepts.", status: 200, result: ref("TaskTypes")},
		{method: "GET", path: "/api/workers", tag: "queue", summary: "Worker processes seen in the last minute, with their slots.", status: 200, result: ref("Workers")},
		{method: "GET", path: "/api/stats", tag: "queue", summary: "Task counts by status and by name.", status: 200, result: ref("Stats")},

		{method: "GET", path: "/api/settings", tag: "settings", summary: "The settings in force (settings.yaml).", status: 200, result: ref("Settings")},
		{method: "PUT", path: "/api/settings", tag: "settings", summary: "Change settings with a whole or partial document; objects merge, lists are replaced. Added library paths are scanned, removed ones forgotten.",
			body: ref("SettingsPatch"), status: 200, result: ref("Settings"), others: []int{400, 422}, access: mutating},
		{method: "POST", path: "/api/settings/preview", tag: "settings", summary: "Render the organizer templates of a settings patch (as PUT takes) for an example file of each kind, without saving; invalid settings are PUT's 422.",
			body: ref("SettingsPatch"), bodyOptional: true, status: 200, result: ref("SettingsPreview"), others: []int{400, 422}, access: mutating},

		{method: "GET", path: "/api/keys", tag: "keys", summary: "The keys file's status: valid or not, the master keys present and the keys files of the library needed but it lacks. Never a key.",
			status: 200, result: ref("KeysStatus")},
		{method: "PUT", path: "/api/keys", tag: "keys", summary: "Store prod.keys (the body is its text, or {\"text\": ...} as JSON); files not identified by content are identified again.",
			body: ref("KeysUpload"), status: 200, result: ref("KeysUploadResult"), others: []int{400, 422}, access: mutating},

		{method: "GET", path: "/api/library", tag: "library", summary: "The generated library index, with a strong ETag (If-None-Match gives 304).",
			params: []obj{headerParam("If-None-Match", "An ETag from an earlier answer.")}, status: 200, result: obj{"type": "object"}, others: []int{304, 404}},
		{method: "POST", path: "/api/library/scan", tag: "library", summary: "Scan one configured library folder, or every one when path is absent.",
			body: ref("ScanRequest"), bodyOptional: true, status: 202, result: ref("ScanResult"), others: []int{400, 422}, access: mutating},
		{method: "GET", path: "/api/titles/{title_id}", tag: "library", summary: "A title of the catalog with every known app, owned or not.",
			params: []obj{pathParam("title_id", "16 hexadecimal digits.", obj{"type": "string", "pattern": "^[0-9A-Fa-f]{16}$"})},
			status: 200, result: ref("TitleDetail"), others: []int{404, 422}},
		{method: "GET", path: "/api/files", tag: "library", summary: "The catalog's files, newest first; unidentified=true keeps those not identified (see identification_error).",
			params: []obj{queryParam("unidentified", "true: only files not identified.", obj{"type": "boolean"}),
				queryParam("noted", "true: the newest identified files with an identification_note (name and content disagree, or the content was not read).", obj{"type": "boolean"}),
				limitParam, cursorParam},
			status: 200, result: ref("FileList"), others: []int{422}},

		{method: "GET", path: "/api/shop", tag: "shop", summary: "The Tinfoil-compatible shop index.", status: 200, result: ref("Shop")},
		{method: "GET", path: "/api/shop/files/{id}/{name}", tag: "shop", summary: "Download a file; supports Range (206).",
			params: []obj{pathParam("id", "The file's id.", obj{"type": "integer", "minimum": 1}), pathParam("name", "The file's name (for display).", obj{"type": "string"}),
				headerParam("Range", "One byte range, e.g. bytes=0-1023.")},
			status: 200, others: []int{206, 404, 416, 422}},
	}, append(titleDBOperations(), customTitleOperations()...)...)
}

// openAPIDocument is built once: it depends on nothing but the code.
var openAPIDocument = sync.OnceValue(func() []byte {
	b, err := json.Marshal(buildOpenAPI())
	if err != nil {
		panic("api: the OpenAPI document does not marshal: " + err.Error())
	}
	return b
})

func (s *server) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(openAPIDocument())
}

func buildOpenAPI() obj {
	paths := obj{}
	for _, op := range operations() {
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
			"description": "shelf's REST API. Every error answer is an Error. With SHELF_API_TOKEN set, " +
				"requests that change something need \"Authorization: Bearer <token>\"; reads need it too " +
				"when the api protects reads; without it, no request needs one (hence the empty security " +
				"alternative). Besides the statuses listed per operation, a path that no operation has " +
				"answers 404 and a path's unlisted method 405, both with an Error body."},
		"paths": paths,
		"components": obj{
			"schemas":         schemas(),
			"securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer"}},
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
	switch op.access {
	case mutating:
		// The token is needed only when SHELF_API_TOKEN is set.
		doc["security"] = []obj{{}, {"bearer": []string{}}}
		others = append(others, 401, 413)
	case reading:
		// Open unless the api protects reads.
		doc["security"] = []obj{{}, {"bearer": []string{}}}
		others = append(others, 401)
	case open:
		doc["security"] = []obj{}
	}
	for _, code := range append(others, 500) {
		if code >= 200 && code < 300 && code != http.StatusPartialContent {
			responses[strconv.Itoa(code)] = op.successWith(code)
			continue
		}
		responses[strconv.Itoa(code)] = otherResponse(code)
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
	}
	return obj{"description": http.StatusText(code), "content": obj{"application/json": obj{"schema": op.result}}}
}

// otherResponse describes a status besides the success one: an Error for 4xx and 5xx.
func otherResponse(code int) obj {
	switch code {
	case 206:
		return obj{"description": "The requested byte range.", "content": obj{"application/octet-stream": obj{"schema": obj{"type": "string", "format": "binary"}}}}
	case 304:
		return obj{"description": "Not modified: the If-None-Match ETag is current."}
	}
	return obj{"description": http.StatusText(code), "content": obj{"application/json": obj{"schema": ref("Error")}}}
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

package api

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/shelfhq/shelf/shared/account"
)

// need says who may call a route once accounts are in use (a user exists). Before that, the
// api behaves as it always did: open without SHELF_API_TOKEN; with it, the token is needed for
// changes, and for reads too with SHELF_API_TOKEN_READS.
type need int

const (
	// needAdmin is the zero value, so a route that says nothing needs an admin.
	needAdmin need = iota
	// needShop: the shop and the library it lists; also open to anyone with shop.public on
	// the shop's own routes.
	needShop
	// needBackup is the role reserved for save backups.
	needBackup
	// needUser: any signed-in user, for their own account.
	needUser
	// needNothing: probes, metrics, the login itself.
	needNothing
	// needAnyone: anyone may call it, and a caller's credentials, when valid, are resolved
	// (GET /api/me, which tells a signed-out browser what to do).
	needAnyone
)

// role is the account role a need asks for; needUser and needNothing ask for none.
func (n need) role() (account.Role, bool) {
	switch n {
	case needAdmin:
		return account.RoleAdmin, true
	case needShop:
		return account.RoleShop, true
	case needBackup:
		return account.RoleBackup, true
	}
	return "", false
}

// String is the need as the OpenAPI document's x-shelf-role says it: a role, "user" or "none".
func (n need) String() string {
	if r, ok := n.role(); ok {
		return string(r)
	}
	switch n {
	case needUser:
		return "user"
	case needAnyone:
		return "anyone"
	}
	return "none"
}

// operation is one route of the table: method, path (OpenAPI style, "{id}"), handler, who may
// call it, and its documentation.
type operation struct {
	method, path string
	handle       func(*server, *fiber.Ctx) error
	need         need
	// console marks a route that console clients (Tinfoil, CyberFoil) call: its errors are
	// {"error": "<message>"}, a string they can show, and a refusal asks for Basic
	// credentials, which consoles send.
	console bool
	// consoleOnly marks a shop route at the server's root, which only a detected console client
	// reaches: a browser there gets the web UI (served before the routes) or a 404.
	consoleOnly bool

	summary, tag string
	params       []obj
	body         obj  // request body schema; nil for none
	bodyOptional bool // an empty body is allowed
	status       int  // success status
	result       obj  // success body schema; nil for a file
	// others are the other statuses it answers (a 2xx among them has the success body);
	// document adds 401, 403, 413, 429 and 500 as they apply.
	others []int
}

// changes reports whether the route's method may change something (CSRF applies, and the
// token is needed before accounts exist).
func (op operation) changes() bool {
	switch op.method {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return false
	}
	return true
}

// fiberPath is the route's path as Fiber writes it ("/api/tasks/:id").
func (op operation) fiberPath() string {
	parts := strings.Split(op.path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			parts[i] = ":" + p[1:len(p)-1]
		}
	}
	return strings.Join(parts, "/")
}

// routes registers every route of the table behind its access check.
func (s *server) routes(app *fiber.App) {
	for _, op := range routeTable() {
		handle := op.handle
		h := []fiber.Handler{s.authorize(op), func(c *fiber.Ctx) error { return handle(s, c) }}
		switch {
		case op.consoleOnly:
			h = []fiber.Handler{s.consoleRoute(op)}
		case op.console:
			h = append([]fiber.Handler{s.shopGate}, h...)
		}
		app.Add(op.method, op.fiberPath(), h...)
		if op.method == fiber.MethodGet {
			// As app.Get does: a HEAD of every GET, which download clients use.
			app.Add(fiber.MethodHead, op.fiberPath(), h...)
		}
	}
}

var (
	idParam     = pathParam("id", "The task's id.", obj{"type": "integer", "minimum": 1})
	limitParam  = queryParam("limit", "Page size, 1–1000 (default 50).", obj{"type": "integer", "minimum": 1, "maximum": 1000})
	cursorParam = queryParam("cursor", "The next_cursor of the previous page.", obj{"type": "integer", "minimum": 1})
)

// routeTable lists every route: how it is called, who may call it, what answers it gives.
// Routes are registered from it and the OpenAPI document is built from it, so neither can
// drift from the other; a test walks it with callers of every role.
func routeTable() []operation {
	task := ref("TaskResponse")
	return append([]operation{
		{method: "GET", path: "/livez", handle: (*server).livez, need: needNothing, tag: "health", summary: "The process is alive.", status: 200, result: ref("Status")},
		{method: "GET", path: "/readyz", handle: (*server).readyz, need: needNothing, tag: "health", summary: "The database answers and its schema is current.", status: 200, result: ref("Status"), others: []int{503}},
		{method: "GET", path: "/metrics", handle: (*server).serveMetrics, need: needNothing, tag: "health", summary: "Prometheus metrics in the text exposition format.", status: 200},
		{method: "GET", path: "/api/openapi.json", handle: (*server).openAPI, need: needUser, tag: "meta", summary: "This document.", status: 200, result: obj{"type": "object"}},

		{method: "POST", path: "/api/tasks", handle: (*server).createTask, tag: "tasks", summary: "Enqueue a task. 201 when created; 200 with deduplicated=true when a pending task with the same dedup key absorbed it.",
			body: ref("CreateTask"), status: 201, result: ref("Enqueued"), others: []int{200, 400, 422}},
		{method: "GET", path: "/api/tasks", handle: (*server).listTasks, tag: "tasks", summary: "List tasks, newest first; top-level tasks unless parent_id is given.",
			params: []obj{queryParam("status", "Only tasks in this status.", ref("TaskStatus")), queryParam("name", "Only tasks of this type.", obj{"type": "string"}),
				queryParam("parent_id", "List this task's children.", obj{"type": "integer", "minimum": 1}), limitParam, cursorParam},
			status: 200, result: ref("TaskList"), others: []int{422}},
		{method: "DELETE", path: "/api/tasks", handle: (*server).purgeTasks, tag: "tasks", summary: "Delete every finished top-level task in one status, with its children.",
			params: []obj{required(queryParam("status", "completed, failed or cancelled.", obj{"type": "string", "enum": []string{"completed", "failed", "cancelled"}}))},
			status: 200, result: ref("Deleted"), others: []int{422}},
		{method: "GET", path: "/api/tasks/{id}", handle: (*server).getTask, tag: "tasks", summary: "One task, with its children counted by status.", params: []obj{idParam},
			status: 200, result: ref("TaskDetail"), others: []int{404, 422}},
		{method: "PATCH", path: "/api/tasks/{id}", handle: (*server).rescheduleTask, tag: "tasks", summary: "Reschedule a pending task (run_after, priority).", params: []obj{idParam},
			body: ref("Reschedule"), status: 200, result: task, others: []int{400, 404, 409, 422}},
		{method: "DELETE", path: "/api/tasks/{id}", handle: (*server).removeTask, tag: "tasks", summary: "Remove a pending top-level task.", params: []obj{idParam},
			status: 200, result: ref("Deleted"), others: []int{404, 409, 422}},
		{method: "POST", path: "/api/tasks/{id}/cancel", handle: (*server).cancelTask, tag: "tasks", summary: "Cancel a task: at once when pending or waiting; a running task is asked to stop.",
			params: []obj{idParam}, status: 200, result: task, others: []int{404, 409, 422}},
		{method: "POST", path: "/api/tasks/{id}/retry", handle: (*server).retryTask, tag: "tasks", summary: "Run a failed or cancelled task again, attempts reset.",
			params: []obj{idParam}, status: 200, result: task, others: []int{404, 409, 422}},
		{method: "GET", path: "/api/task-types", handle: (*server).taskTypes, tag: "tasks", summary: "The task names POST /api/tasks accepts.", status: 200, result: ref("TaskTypes")},
		{method: "GET", path: "/api/workers", handle: (*server).workers, tag: "queue", summary: "Worker processes seen in the last minute, with their slots.", status: 200, result: ref("Workers")},
		{method: "GET", path: "/api/stats", handle: (*server).stats, tag: "queue", summary: "Task counts by status and by name.", status: 200, result: ref("Stats")},
		{method: "GET", path: "/api/stats/history", handle: (*server).statsHistory, tag: "queue", summary: "The queue over the last hour, as the Health page's charts draw it: every interval_seconds (15 s by default), the depth and the tasks that finished. Kept in this api replica's memory since it started.",
			status: 200, result: ref("StatsHistory")},

		{method: "GET", path: "/api/settings", handle: (*server).getSettings, tag: "settings", summary: "The settings in force (settings.yaml).", status: 200, result: ref("Settings")},
		{method: "PUT", path: "/api/settings", handle: (*server).putSettings, tag: "settings", summary: "Change settings with a whole or partial document; objects merge, lists are replaced. Added library paths are scanned, removed ones forgotten.",
			body: ref("SettingsPatch"), status: 200, result: ref("Settings"), others: []int{400, 422}},
		{method: "POST", path: "/api/settings/preview", handle: (*server).previewSettings, tag: "settings", summary: "Render the organizer templates of a settings patch (as PUT takes) for an example file of each kind, without saving; invalid settings are PUT's 422.",
			body: ref("SettingsPatch"), bodyOptional: true, status: 200, result: ref("SettingsPreview"), others: []int{400, 422}},

		{method: "GET", path: "/api/keys", handle: (*server).getKeys, tag: "keys", summary: "The keys file's status: valid or not, the master keys present and the keys files of the library needed but it lacks. Never a key.",
			status: 200, result: ref("KeysStatus")},
		{method: "PUT", path: "/api/keys", handle: (*server).putKeys, tag: "keys", summary: "Store prod.keys (the body is its text, or {\"text\": ...} as JSON); files not identified by content are identified again.",
			body: ref("KeysUpload"), status: 200, result: ref("KeysUploadResult"), others: []int{400, 422}},

		{method: "GET", path: "/api/library", handle: (*server).libraryIndex, need: needShop, tag: "library", summary: "The generated library index, with a strong ETag (If-None-Match gives 304).",
			params: []obj{headerParam("If-None-Match", "An ETag from an earlier answer.")}, status: 200, result: obj{"type": "object"}, others: []int{304, 404}},
		{method: "POST", path: "/api/library/scan", handle: (*server).scanLibrary, tag: "library", summary: "Scan one configured library folder, or every one when path is absent.",
			body: ref("ScanRequest"), bodyOptional: true, status: 202, result: ref("ScanResult"), others: []int{400, 422}},
		{method: "GET", path: "/api/titles/{title_id}", handle: (*server).getTitle, need: needShop, tag: "library", summary: "A title of the catalog with every known app, owned or not.",
			params: []obj{pathParam("title_id", "16 hexadecimal digits.", obj{"type": "string", "pattern": "^[0-9A-Fa-f]{16}$"})},
			status: 200, result: ref("TitleDetail"), others: []int{404, 422}},
		{method: "GET", path: "/api/files", handle: (*server).listFiles, need: needShop, tag: "library", summary: "The catalog's files, newest first; unidentified=true keeps those not identified (see identification_error).",
			params: []obj{queryParam("unidentified", "true: only files not identified.", obj{"type": "boolean"}),
				queryParam("noted", "true: the newest identified files with an identification_note (name and content disagree, or the content was not read).", obj{"type": "boolean"}),
				queryParam("downloaded", "true: the shop's most downloaded files first, in one page (no cursor).", obj{"type": "boolean"}),
				limitParam, cursorParam},
			status: 200, result: ref("FileList"), others: []int{422}},

		{method: "GET", path: "/api/shop", handle: (*server).shopIndex, need: needShop, console: true, tag: "shop",
			summary: "The shop index in Tinfoil's format, for scripts (and consoles given this address); encrypted (application/octet-stream) for Tinfoil when shop.clients.tinfoil.public_key is set.",
			status:  200, result: ref("Shop"), others: shopGateStatuses},
		{method: "GET", path: "/api/shop/{filter}", handle: (*server).shopIndexFiltered, need: needShop, console: true, tag: "shop",
			summary: "The shop index of one kind of file: base, update, dlc, or multi (files holding several apps).",
			params:  []obj{filterParam}, status: 200, result: ref("Shop"), others: append([]int{404}, shopGateStatuses...)},
		{method: "GET", path: "/api/shop/files/{id}/{name}", handle: (*server).shopFile, need: needShop, console: true, tag: "shop",
			summary: "Download a file (the index's URLs), with ETag and Last-Modified; Range (206), If-Range, If-None-Match and If-Modified-Since (304).",
			params:  append([]obj{pathParam("id", "The file's id.", obj{"type": "integer", "minimum": 1}), pathParam("name", "The file's name (for display).", obj{"type": "string"})}, downloadHeaders...),
			status:  200, others: append([]int{206, 304, 404, 416, 422}, shopGateStatuses...)},
	}, slices.Concat(accountOperations(), titleDBOperations(), customTitleOperations(), shopRootOperations())...)
}

// shopGateStatuses are what shopGate answers on every shop route: 421 on a host other than
// shop.host, 403 (documented with the role's) for a client switched off.
var shopGateStatuses = []int{421}

var (
	filterParam     = pathParam("filter", "base, update, dlc or multi.", obj{"type": "string", "enum": []string{"base", "update", "dlc", "multi"}})
	downloadHeaders = []obj{headerParam("Range", "One byte range, e.g. bytes=0-1023."),
		headerParam("If-Range", "An ETag or Last-Modified of an earlier answer: the Range applies only while the file is the same, else 200 with the whole file."),
		headerParam("If-None-Match", "ETags of earlier answers: 304 when one is current."),
		headerParam("If-Modified-Since", "An HTTP date: 304 when the file is not newer (without If-None-Match).")}
)

// shopRootOperations are the shop at the address a user types into a console
// (http://host:port/): only requests shop.Detect tells from a console reach them; a browser
// gets the web UI at the same paths. They come last, so that no other route is shadowed.
func shopRootOperations() []operation {
	listing := "Tinfoil and CyberFoil get the JSON index (Shop; encrypted for Tinfoil when a key is set), DBI and Sphaira an HTML listing with relative links"
	return []operation{
		{method: "GET", path: "/", handle: (*server).shopRoot, need: needShop, console: true, consoleOnly: true, tag: "shop",
			summary: "The shop for a console client: " + listing + " (the folders base/, update/, dlc/, multi/ and every file).",
			status:  200, result: ref("ShopPage"), others: append([]int{404}, shopGateStatuses...)},
		{method: "GET", path: "/{name}", handle: (*server).shopRootName, need: needShop, console: true, consoleOnly: true, tag: "shop",
			summary: "For a console client: a filter (base, update, dlc, multi; a trailing slash allowed) answers as / does with that kind of file only; any other name downloads the file of that name, as GET /api/shop/files does.",
			params:  append([]obj{pathParam("name", "A filter or a file name.", obj{"type": "string"})}, downloadHeaders...),
			status:  200, result: ref("ShopPage"), others: append([]int{206, 304, 404, 416}, shopGateStatuses...)},
		{method: "GET", path: "/{filter}/{name}", handle: (*server).shopFilterName, need: needShop, console: true, consoleOnly: true, tag: "shop",
			summary: "For a console client: download a file listed in a filter's folder (404 when it is not of that kind).",
			params:  append([]obj{filterParam, pathParam("name", "The file's name.", obj{"type": "string"})}, downloadHeaders...),
			status:  200, others: append([]int{206, 304, 404, 416}, shopGateStatuses...)},
	}
}

package api

import "github.com/shelfhq/shelf/shared/queue"

// schemas are the OpenAPI components: the bodies the handlers read and write.
func schemas() obj {
	return obj{
		"Error":        errorSchema(),
		"Status":       object(obj{"status": str()}, "status"),
		"TaskStatus":   obj{"type": "string", "enum": statusNames()},
		"Task":         taskSchema(),
		"CreateTask":   createTaskSchema(),
		"Reschedule":   object(obj{"run_after": dateTime(), "priority": integer()}),
		"Enqueued":     object(obj{"task": ref("Task"), "deduplicated": boolean()}, "task", "deduplicated"),
		"TaskResponse": object(obj{"task": ref("Task")}, "task"),
		"TaskDetail":   object(obj{"task": ref("Task"), "children_summary": countsByStatus()}, "task", "children_summary"),
		"TaskList":     object(obj{"tasks": array(ref("Task")), "next_cursor": nullable("integer")}, "tasks", "next_cursor"),
		"Deleted":      object(obj{"deleted": integer()}, "deleted"),
		"TaskTypes":    object(obj{"task_types": array(str())}, "task_types"),
		"Workers":      workersSchema(),
		"Stats":        statsSchema(),
		"StatsHistory": statsHistorySchema(),
		"Settings":     settingsSchema(),
		"ConsoleError": obj{"description": "An error on a console client route: a message Tinfoil and CyberFoil show.",
			"type": "object", "properties": obj{"error": str()}, "required": []string{"error"}, "additionalProperties": false},
		"SettingsPatch": obj{"description": "Any part of Settings; fields left out keep their value.", "type": "object"},
		"ScanRequest":   object(obj{"path": obj{"type": "string", "description": "One of library.paths; absent scans them all."}}),
		"ScanResult":    object(obj{"tasks": array(ref("Task"))}, "tasks"),
		"TitleDetail":   titleSchema(),
		"FileList":      object(obj{"files": array(fileSchema()), "next_cursor": nullable("integer")}, "files", "next_cursor"),
		"Shop": object(obj{
			"files": array(object(obj{
				"url":  obj{"type": "string", "description": "A path from the server's root, ending in #<file name>, the name Tinfoil shows."},
				"size": integer()}, "url", "size")),
			"directories": array(str()),
			"success":     obj{"type": "string", "description": "The message of the day (shop.motd)."},
			"referrer":    obj{"type": "string", "description": "With shop.host over TLS: the address Tinfoil must load the index from."},
		}, "files", "directories", "success"),
		"ShopPage":         obj{"description": "Tinfoil and CyberFoil: the index (Shop). DBI and Sphaira: an HTML listing (text/html)."},
		"SettingsPreview":  previewSchema(),
		"KeysStatus":       keysStatusSchema(),
		"KeysUpload":       object(obj{"text": str()}, "text"),
		"KeysUploadResult": keysUploadResultSchema(),
	}
}

func errorSchema() obj {
	detail := object(obj{"field": str(), "message": str()}, "field", "message")
	return object(obj{"error": object(obj{
		"code": obj{"type": "string", "description": "invalid_json, invalid_field, unknown_task, not_found, " +
			"not_generated, invalid_state, unauthorized, body_too_large, method_not_allowed, " +
			"range_not_satisfiable, not_ready, internal, …"},
		"message": str(),
		"details": array(detail),
	}, "code", "message", "details")}, "error")
}

func taskSchema() obj {
	return object(obj{
		"id": integer(), "name": str(), "args": obj{"type": "object"}, "status": ref("TaskStatus"),
		"priority": integer(), "attempts": integer(), "max_attempts": integer(), "parent_id": nullable("integer"),
		"progress":  obj{"type": "number", "minimum": 0, "maximum": 100},
		"children":  object(obj{"total": integer(), "completed": integer(), "failed": integer()}, "total", "completed", "failed"),
		"run_after": dateTime(), "created_at": dateTime(),
		"started_at": nullableDateTime(), "finished_at": nullableDateTime(),
		"worker": str(), "error": str(), "result": obj{"description": "The handler's JSON result, or null."},
		"dedup_key": str(), "lease_expires_at": dateTime(), "continuation": str(),
	}, "id", "name", "args", "status", "priority", "attempts", "max_attempts", "parent_id", "progress",
		"children", "run_after", "created_at", "started_at", "finished_at", "worker", "error", "result")
}

func createTaskSchema() obj {
	return object(obj{
		"name":         obj{"type": "string", "description": "A name from GET /api/task-types."},
		"args":         obj{"type": "object", "description": "The handler's arguments."},
		"priority":     obj{"type": "integer", "minimum": -maxPriority, "maximum": maxPriority, "description": "Lower runs first; default 0."},
		"run_after":    dateTime(),
		"delay":        obj{"type": "string", "description": "A Go duration such as \"90s\", added after run_after."},
		"max_attempts": obj{"type": "integer", "minimum": 0, "maximum": maxMaxAttempts, "description": "0: the task type's default."},
		"dedup_key":    obj{"type": "string", "maxLength": maxDedupKey, "description": "Default: name + args."},
	}, "name")
}

func workersSchema() obj {
	worker := object(obj{"id": str(), "hostname": str(), "slots": integer(), "busy": integer(),
		"started_at": dateTime(), "seen_at": dateTime()}, "id", "hostname", "slots", "busy", "started_at", "seen_at")
	return object(obj{"workers": array(worker), "slots": integer(), "busy": integer()}, "workers", "slots", "busy")
}

func statsSchema() obj {
	return object(obj{"total": integer(), "by_status": countsByStatus(),
		"by_name": obj{"type": "object", "additionalProperties": countsByStatus()}}, "total", "by_status", "by_name")
}

func statsHistorySchema() obj {
	count := obj{"type": "integer", "minimum": 0}
	sample := object(obj{"at": dateTime(), "pending": count, "running": count, "waiting_for_children": count,
		"completed": obj{"type": "integer", "minimum": 0, "description": "Tasks (children included) completed in the interval before at (ending 5 s before it, so batches still committing are counted)."},
		"failed":    obj{"type": "integer", "minimum": 0, "description": "Tasks that failed for good in that interval; retries are not counted."},
	}, "at", "pending", "running", "waiting_for_children", "completed", "failed")
	return object(obj{"interval_seconds": obj{"type": "number"}, "window_seconds": obj{"type": "number"},
		"samples": obj{"type": "array", "items": sample, "description": "Oldest first; empty until the first sample."}},
		"interval_seconds", "window_seconds", "samples")
}

func settingsSchema() obj {
	templates := object(obj{"base": str(), "update": str(), "dlc": str(), "multi": str()})
	organizer := object(obj{"enabled": boolean(), "remove_empty_folders": boolean(),
		"windows_compatible": boolean(), "templates": templates})
	return object(obj{
		"library": object(obj{"paths": array(str()), "management": object(obj{
			"organizer": organizer, "delete_older_updates": boolean()})}),
		"titles":    object(obj{"region": str(), "language": str()}),
		"titledb":   object(obj{"url": str()}),
		"scheduler": object(obj{"scan_interval": obj{"type": "string", "description": "A Go duration; \"0\" turns periodic scans off."}}),
		"worker":    object(obj{"slots": obj{"type": "integer", "minimum": 1, "maximum": 256}}),
		"shop":      shopSettingsSchema(),
	})
}

func shopSettingsSchema() obj {
	client := object(obj{"enabled": boolean()})
	return object(obj{
		"public": obj{"type": "boolean", "description": "Anyone may browse and download the shop without a user."},
		"motd":   obj{"type": "string", "maxLength": 500, "description": "The message Tinfoil and CyberFoil show (the index's success)."},
		"host": obj{"type": "string", "description": "The one host name (optionally :port) the shop answers on; other names get 421 " +
			"(consoles) or the web UI (browsers). Empty: every name."},
		"clients": object(obj{
			"tinfoil": object(obj{"enabled": boolean(), "public_key": obj{"type": "string",
				"description": "A PEM RSA-2048 public key; when set Tinfoil gets the encrypted index."}}),
			"cyberfoil": client, "dbi": client, "sphaira": client,
		}),
	})
}

func previewSchema() obj {
	path := object(obj{"example": str(), "path": obj{"type": "string",
		"description": "Where the organizer would put the example file, relative to the library folder, '/'-separated."}},
		"example", "path")
	return object(obj{"paths": obj{"type": "object", "description": "By template: base, update, dlc, multi.",
		"additionalProperties": path}}, "paths")
}

func titleSchema() obj {
	title := object(obj{"title_id": str(), "name": str(), "icon_url": str(), "banner_url": str(),
		"has_base": boolean(), "up_to_date": boolean(), "complete": boolean()})
	app := object(obj{"app_id": str(), "version": integer(), "type": obj{"type": "string", "enum": []string{"base", "update", "dlc"}},
		"owned": boolean()})
	return object(obj{"title": title, "apps": array(app)}, "title", "apps")
}

func fileSchema() obj {
	return object(obj{"id": integer(), "library_id": integer(), "path": str(), "name": str(), "size": integer(),
		"modified_at": dateTime(), "identified": boolean(), "identification_method": str(),
		"identification_error": str(), "identification_note": str(), "identification_attempts": integer(),
		"downloads": obj{"type": "integer", "minimum": 0, "description": "The shop's downloads of the file, at most one per client a minute."}})
}

func countsByStatus() obj {
	props := obj{}
	for _, st := range queue.Statuses {
		props[string(st)] = integer()
	}
	return object(props)
}

func statusNames() []string {
	out := make([]string, len(queue.Statuses))
	for i, st := range queue.Statuses {
		out[i] = string(st)
	}
	return out
}

func object(props obj, required ...string) obj {
	o := obj{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func array(items obj) obj     { return obj{"type": "array", "items": items} }
func str() obj                { return obj{"type": "string"} }
func integer() obj            { return obj{"type": "integer"} }
func boolean() obj            { return obj{"type": "boolean"} }
func dateTime() obj           { return obj{"type": "string", "format": "date-time"} }
func nullable(typ string) obj { return obj{"type": []string{typ, "null"}} }
func nullableDateTime() obj   { return obj{"type": []string{"string", "null"}, "format": "date-time"} }

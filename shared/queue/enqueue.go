package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/store"
)

// Params describe a task to enqueue.
type Params struct {
	Name string
	// Args are the handler's arguments: a JSON object, as json.RawMessage,
	// []byte, a map or a struct. nil means {}.
	Args any
	// Priority orders claims: lower values run first. Defaults to 0.
	Priority int
	// RunAfter delays the task until then. Zero means now.
	RunAfter time.Time
	// Delay, if set, delays the task by that much from now (after RunAfter).
	Delay time.Duration
	// MaxAttempts overrides the definition's default.
	MaxAttempts int
	// DedupKey replaces the default key (name + canonical args). While a task
	// with the key is pending, enqueueing another returns the pending one.
	DedupKey string
	// NoDedup enqueues without a dedup key: every call creates a task.
	NoDedup bool
	// UniqueKey, if set, may exist only once ever (in any status, until
	// retention deletes it); periodic runs use it, one per period.
	UniqueKey string
}

// Enqueued is the outcome of an enqueue.
type Enqueued struct {
	Task Task
	// Deduplicated is true when an existing task was returned instead of
	// creating one.
	Deduplicated bool
}

// Enqueue adds a task, or returns the pending task with the same dedup key.
func (q *Queue) Enqueue(ctx context.Context, p Params) (Enqueued, error) {
	row, err := q.prepare(p, nil)
	if err != nil {
		return Enqueued{}, err
	}
	// A single INSERT commits on its own, with no transaction: the unique
	// index settles races with other processes.
	var out Enqueued
	err = q.writeAuto(ctx, func(db *gorm.DB) error {
		out, err = q.insertOrFind(ctx, db, row)
		return err
	})
	return out, err
}

// EnqueueTx enqueues inside the caller's transaction, so the task exists
// if and only if the caller's own writes commit.
func (q *Queue) EnqueueTx(tx *gorm.DB, p Params) (Enqueued, error) {
	row, err := q.prepare(p, nil)
	if err != nil {
		return Enqueued{}, err
	}
	return q.insertOrFind(tx.Statement.Context, tx, row)
}

// EnqueueMany inserts many tasks in one transaction, with multi-row inserts;
// duplicates of pending tasks are skipped. It returns how many were created.
func (q *Queue) EnqueueMany(ctx context.Context, ps []Params) (int, error) {
	rows := make([]newTask, 0, len(ps))
	for _, p := range ps {
		r, err := q.prepare(p, nil)
		if err != nil {
			return 0, err
		}
		rows = append(rows, r)
	}
	created := 0
	err := q.writeInserts(ctx, func(tx *gorm.DB) error {
		n, err := q.insertBatch(ctx, tx, rows)
		created = n
		return err
	})
	return created, err
}

// newTask is a validated row ready to insert.
type newTask struct {
	name        string
	args        string
	priority    int
	runAfter    int64
	maxAttempts int
	dedupKey    sql.NullString
	uniqueKey   sql.NullString
	parentID    sql.NullInt64
	createdAt   int64
}

func (q *Queue) prepare(p Params, parent *int64) (newTask, error) {
	def, ok := q.registry.Lookup(p.Name)
	if !ok {
		return newTask{}, unknownTask(p.Name)
	}
	args, err := CanonicalArgs(p.Args)
	if err != nil {
		return newTask{}, err
	}
	now := q.now()
	runAfter := now
	if p.RunAfter.After(now) {
		runAfter = p.RunAfter
	}
	if p.Delay > 0 {
		runAfter = runAfter.Add(p.Delay)
	}
	maxAttempts := p.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = def.MaxAttempts
	}
	if maxAttempts <= 0 {
		maxAttempts = q.opts.DefaultMaxAttempts
	}
	t := newTask{name: p.Name, args: string(args), priority: p.Priority, runAfter: micros(runAfter),
		maxAttempts: maxAttempts, createdAt: micros(now)}
	switch {
	case parent != nil:
		// Children are never deduplicated: the parent counts every one.
		t.parentID = sql.NullInt64{Int64: *parent, Valid: true}
	case p.NoDedup:
	case p.DedupKey != "":
		t.dedupKey = sql.NullString{String: p.DedupKey, Valid: true}
	default:
		t.dedupKey = sql.NullString{String: DefaultDedupKey(p.Name, args), Valid: true}
	}
	if p.UniqueKey != "" {
		t.uniqueKey = sql.NullString{String: p.UniqueKey, Valid: true}
	}
	return t, nil
}

// insertOrFind inserts row unless its dedup or unique key is taken, in which
// case it returns the task holding the key.
func (q *Queue) insertOrFind(ctx context.Context, tx *gorm.DB, row newTask) (Enqueued, error) {
	shape := shapeOf([]newTask{row})
	insert := `INSERT INTO tasks (` + shape.columns() + `) VALUES ` + shape.placeholders() +
		` ON CONFLICT DO NOTHING RETURNING ` + taskColumns
	args := shape.appendValues(nil, row)
	for attempt := 0; attempt < 5; attempt++ {
		rows, err := q.query(ctx, tx, insert, args...)
		if err != nil {
			return Enqueued{}, fmt.Errorf("enqueueing %s: %w", row.name, err)
		}
		tasks, err := scanTasks(rows)
		if err != nil {
			return Enqueued{}, fmt.Errorf("enqueueing %s: %w", row.name, err)
		}
		if len(tasks) == 1 {
			return Enqueued{Task: tasks[0]}, nil
		}
		existing, err := scanTask(q.queryRow(ctx, tx, `SELECT `+taskColumns+` FROM tasks
			WHERE (dedup_key = ? AND status = 'pending') OR unique_key = ? LIMIT 1`, row.dedupKey, row.uniqueKey))
		if err == nil {
			return Enqueued{Task: existing, Deduplicated: true}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return Enqueued{}, fmt.Errorf("enqueueing %s: finding the duplicate: %w", row.name, err)
		}
		// The duplicate was claimed between our two statements: try again.
	}
	return Enqueued{}, fmt.Errorf("enqueueing %s: dedup key kept changing hands", row.name)
}

// batchRows keeps a multi-row insert well under SQLite's variable limit.
// (Reading the rows from one JSON parameter, as completions do, measured 8 %
// slower here: nine JSON extractions per row cost more than parsing the
// placeholders.)
const batchRows = 64

// insertBatch inserts rows, skipping those whose dedup or unique key is
// taken, and returns how many it created. Run it in writeInserts: on SQLite,
// OR IGNORE settles the keys as ON CONFLICT DO NOTHING does and also spares
// the statement journal that the NOT NULL columns' default ABORT needs (no
// row binds a NULL to them), as writeInserts spares the foreign key's.
func (q *Queue) insertBatch(ctx context.Context, tx *gorm.DB, rows []newTask) (int, error) {
	insert, conflict := `INSERT INTO tasks (`, ` ON CONFLICT DO NOTHING`
	if q.dialect == store.SQLite {
		insert, conflict = `INSERT OR IGNORE INTO tasks (`, ``
	}
	created := 0
	args := make([]any, 0, batchRows*9)
	var sb strings.Builder
	for start := 0; start < len(rows); start += batchRows {
		chunk := rows[start:min(start+batchRows, len(rows))]
		shape := shapeOf(chunk)
		sb.Reset()
		args = args[:0]
		sb.WriteString(insert + shape.columns() + `) VALUES `)
		for i, r := range chunk {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(shape.placeholders())
			args = shape.appendValues(args, r)
		}
		sb.WriteString(conflict)
		res, err := q.exec(ctx, tx, sb.String(), args...)
		if err != nil {
			return created, fmt.Errorf("inserting %d tasks: %w", len(chunk), err)
		}
		n, _ := res.RowsAffected()
		created += int(n)
	}
	return created, nil
}

// batchShape is which optional columns an insert of tasks binds: unique_key
// and parent_id only when one of its rows has one, and status never (its
// default is pending). Every placeholder costs SQLite's parser and
// glebarez's binding, which looks each one up among all the arguments, on
// every statement: a batch enqueue binds 7 per row instead of 9.
type batchShape struct{ unique, parent bool }

func shapeOf(rows []newTask) batchShape {
	var s batchShape
	for _, r := range rows {
		s.unique = s.unique || r.uniqueKey.Valid
		s.parent = s.parent || r.parentID.Valid
	}
	return s
}

func (s batchShape) columns() string {
	c := `name, args, priority, run_after, max_attempts, dedup_key, created_at`
	if s.unique {
		c += `, unique_key`
	}
	if s.parent {
		c += `, parent_id`
	}
	return c
}

func (s batchShape) placeholders() string {
	switch {
	case s.unique && s.parent:
		return `(?, ?, ?, ?, ?, ?, ?, ?, ?)`
	case s.unique || s.parent:
		return `(?, ?, ?, ?, ?, ?, ?, ?)`
	}
	return `(?, ?, ?, ?, ?, ?, ?)`
}

func (s batchShape) appendValues(args []any, r newTask) []any {
	args = append(args, r.name, r.args, r.priority, r.runAfter, r.maxAttempts, r.dedupKey, r.createdAt)
	if s.unique {
		args = append(args, r.uniqueKey)
	}
	if s.parent {
		args = append(args, r.parentID)
	}
	return args
}

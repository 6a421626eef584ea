package queue_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/shelfhq/shelf/shared/queue"
	"github.com/shelfhq/shelf/shared/store"
)

// ThumbnailArgs are the args of the thumbnail task: Kind ties the task's
// name to the type.
type ThumbnailArgs struct {
	Path string `json:"path"`
}

func (ThumbnailArgs) Kind() string { return "thumbnail" }

// A task type is its args type and a handler that receives them decoded;
// enqueueing takes the args alone.
func Example_typedArgs() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "shelf-example")
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, filepath.Join(dir, "shelf.db"), store.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close(db)

	reg := queue.NewRegistry()
	reg.Register(queue.Define(func(_ context.Context, job *queue.Job, a ThumbnailArgs) error {
		fmt.Println("making a thumbnail of", a.Path)
		return nil
	}))
	q := queue.New(db, reg, queue.Options{})

	res, _ := q.Enqueue(ctx, queue.NewParams(ThumbnailArgs{Path: "/games/cover.png"}))
	fmt.Println("enqueued", res.Task.Name)

	// A worker pool does this: claim, look the handler up, run it.
	tasks, _ := q.Claim(ctx, "example-worker", 1)
	def, _ := reg.Lookup(tasks[0].Name)
	_ = def.Handler(ctx, q.NewJob(tasks[0], "example-worker", slog.New(slog.DiscardHandler)))
	// Output:
	// enqueued thumbnail
	// making a thumbnail of /games/cover.png
}

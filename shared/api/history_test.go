package api_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/shelfhq/shelf/shared/api"
	"github.com/shelfhq/shelf/shared/eventually"
	"github.com/shelfhq/shelf/shared/queue"
)

type historyBody struct {
	IntervalSeconds float64 `json:"interval_seconds"`
	WindowSeconds   float64 `json:"window_seconds"`
	Samples         []struct {
		At                                           time.Time
		Pending, Running, Completed, Failed, Waiting int
	} `json:"samples"`
}

func TestHistoryIsAnEmptyListBeforeTheFirstSample(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, "GET", "/api/stats/history", nil)
	require.Equal(t, http.StatusOK, r.status)
	require.JSONEq(t, `{"interval_seconds": 15, "window_seconds": 3600, "samples": []}`, string(r.body))
}

func TestHistorySamplesTheQueueAndCountsEachFinishedTaskOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *api.Options) { o.History = api.NewHistory(o.Queue, time.Second, o.Logger) })
	ctx, cancel := context.WithCancel(b.ctx)
	t.Cleanup(cancel)
	go b.opts.History.Run(ctx)

	for range 3 {
		_, err := b.q.Enqueue(b.ctx, queue.Params{Name: "echo", NoDedup: true})
		require.NoError(t, err)
	}
	_, err := b.q.Enqueue(b.ctx, queue.Params{Name: "fail", NoDedup: true, MaxAttempts: 1})
	require.NoError(t, err)
	tasks, err := b.q.Claim(b.ctx, "w", 4)
	require.NoError(t, err)
	var outs []queue.Outcome
	for _, task := range tasks {
		o := queue.Outcome{Ref: queue.RefOf(task)}
		if task.Name == "fail" {
			o.Err = queue.Permanent(errors.New("bad"))
		}
		outs = append(outs, o)
	}
	_, err = b.q.Finish(b.ctx, outs)
	require.NoError(t, err)
	_, err = b.q.Enqueue(b.ctx, queue.Params{Name: "echo", NoDedup: true, Delay: time.Hour})
	require.NoError(t, err)

	var h historyBody
	eventually.Holds(t, 30*time.Second, "the samples to count the finished tasks and show one pending", func() bool {
		h = decode[historyBody](t, b.do(t, "GET", "/api/stats/history", nil))
		if len(h.Samples) == 0 {
			return false
		}
		completed, failed := 0, 0
		for _, s := range h.Samples {
			completed += s.Completed
			failed += s.Failed
		}
		last := h.Samples[len(h.Samples)-1]
		return completed == 3 && failed == 1 && last.Pending == 1 && last.Running == 0
	})
	require.Equal(t, 1.0, h.IntervalSeconds)
	for i := 1; i < len(h.Samples); i++ {
		require.True(t, h.Samples[i].At.After(h.Samples[i-1].At), "oldest first")
	}
}

package translate

import (
	"context"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
)

// compose-go reports warnings (an unset variable, an obsolete key) only
// by logging them through logrus' process-global logger. This file is
// the one place that touches that logger: captureComposeLog swaps its
// hooks and output for the length of one load and puts them back, and
// captureMu serialises loads, so that two loads never mix their messages
// and nothing is printed behind the caller's back.

var captureMu sync.Mutex

// captureComposeLog runs load and returns what compose-go logged at warning
// level or above meanwhile, in order.
func captureComposeLog(load func()) []string {
	captureMu.Lock()
	defer captureMu.Unlock()
	std := logrus.StandardLogger()
	h := &logHook{}
	oldOut, oldHooks := std.Out, std.ReplaceHooks(logrus.LevelHooks{})
	std.AddHook(h)
	std.SetOutput(io.Discard)
	defer func() {
		std.ReplaceHooks(oldHooks)
		std.SetOutput(oldOut)
	}()
	load()
	return h.msgs
}

type logHook struct{ msgs []string }

func (h *logHook) Levels() []logrus.Level {
	return []logrus.Level{logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel, logrus.WarnLevel}
}

func (h *logHook) Fire(e *logrus.Entry) error {
	h.msgs = append(h.msgs, e.Message)
	return nil
}

// loadProject is compose-go's LoadProject, which reads a file named "-"
// from os.Stdin itself: for that length os.Stdin is a pipe that gives
// the caller's content (under captureMu, held by Load), so that a load
// reads only what it was given.
func loadProject(ctx context.Context, po *cli.ProjectOptions, stdin []byte) (*types.Project, error) {
	if !slices.Contains(po.ConfigPaths, "-") {
		return po.LoadProject(ctx)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	go func() {
		_, _ = w.Write(stdin)
		w.Close()
	}()
	old := os.Stdin
	os.Stdin = r
	defer func() {
		os.Stdin = old
		r.Close()
	}()
	return po.LoadProject(ctx)
}

package translate

import (
	"io"
	"sync"

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

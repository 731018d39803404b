package images

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// Progress timing: quiet for a lookup that ends within progressDelay (the
// common case with a warm lock or few images, where a progress line would
// only flicker), then a refresh every progressTick.
const (
	progressDelay = time.Second
	progressTick  = 200 * time.Millisecond
)

// startProgress writes "resolving images: n/total" to w, rewritten in
// place with \r, once the lookup has run for progressDelay. The returned
// stop ends the line with a newline (if one was started) and returns only
// when nothing more will be written, so the caller may use w again.
func startProgress(w io.Writer, total int, done *atomic.Int64) (stop func()) {
	if w == nil {
		return func() {}
	}
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		runProgress(w, total, done, quit)
	}()
	return func() {
		close(quit)
		<-finished
	}
}

func runProgress(w io.Writer, total int, done *atomic.Int64, quit <-chan struct{}) {
	delay := time.NewTimer(progressDelay)
	defer delay.Stop()
	select {
	case <-quit:
		return
	case <-delay.C:
	}
	tick := time.NewTicker(progressTick)
	defer tick.Stop()
	last := int64(-1)
	for {
		if n := done.Load(); n != last {
			fmt.Fprintf(w, "\rresolving images: %d/%d", n, total)
			last = n
		}
		select {
		case <-quit:
			fmt.Fprintf(w, "\rresolving images: %d/%d\n", done.Load(), total)
			return
		case <-tick.C:
		}
	}
}

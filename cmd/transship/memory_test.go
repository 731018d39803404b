package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/transship/transship/internal/synth"
)

// transship's peak RSS was 2.5 times compose-go's own load of the same
// file (GOGC=300: the heap grew to four times what was live). The real
// binary, told by the runtime's GC trace what each collection saw, must
// keep its heap within the limit sized from the input (memory.go), and a
// user's GOGC must still win.
func TestHeapPacedToInput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir, bin := buildBinary(t)
	data := synth.Triples(3000)
	f := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	limitMB := float64(limitBase+limitPerByte*int64(len(data))) / (1 << 20)
	peak, live := gcPeaks(t, bin, f, nil)
	t.Logf("limit %.0f MB: peak heap %d MB, peak live %d MB", limitMB, peak, live)
	// The trace prints heap sizes in MB (1<<20) at a collection's end;
	// a little overshoot while marking is allowed.
	if float64(peak) > 1.1*limitMB {
		t.Errorf("heap reached %d MB, over the limit of %.0f MB sized from the input", peak, limitMB)
	}
	if uPeak, _ := gcPeaks(t, bin, f, []string{"GOGC=400"}); float64(uPeak) < 1.5*limitMB {
		t.Errorf("with GOGC=400 the heap peaked at %d MB: the user's setting did not win", uPeak)
	}
}

var gcLine = regexp.MustCompile(`(\d+)->(\d+)->(\d+) MB`)

// gcPeaks runs `graph -f file` with the GC trace on and returns the
// largest heap at a collection's end and the largest heap found live.
func gcPeaks(t *testing.T, bin, file string, env []string) (peak, live int) {
	trace := traced(t, bin, "gctrace=1", env, "graph", "-f", file)
	ms := gcLine.FindAllStringSubmatch(trace, -1)
	if len(ms) == 0 {
		t.Fatalf("no GC trace in:\n%s", trace)
	}
	for _, m := range ms {
		end, _ := strconv.Atoi(m[2])
		l, _ := strconv.Atoi(m[3])
		peak, live = max(peak, end), max(live, l)
	}
	return peak, live
}

// traced runs bin with args and GODEBUG=godebug (then env) and returns
// what the runtime traced to standard error.
func traced(t *testing.T, bin, godebug string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "GODEBUG="+godebug), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", args[0], err, stderr.Bytes())
	}
	return stderr.String()
}

// Package runtimedouble builds the apptainer/singularity/udocker TEST
// DOUBLE of internal/fakeruntime for tests that run generated launchers,
// and reads what it recorded. See internal/fakeruntime for what the
// double checks and records.
package runtimedouble

import (
	"bufio"
	"encoding/json"
	"github.com/transship/transship/internal/fakeruntime/record"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// Record is one line of the double's log.
type Record = record.Record

// LogEnv names the file the double appends its records to.
const LogEnv = "TRANSSHIP_DOUBLE_LOG"

var built struct {
	once sync.Once
	dir  string
	err  error
}

// Dir builds the double once per test binary and returns a directory
// holding it as apptainer, singularity and udocker, to put first on PATH.
func Dir(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "transship-double-")
		if err != nil {
			built.err = err
			return
		}
		built.dir = dir
		_, file, _, _ := runtime.Caller(0)
		pkg := filepath.Join(filepath.Dir(file), "..", "fakeruntime")
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "apptainer"), ".")
		cmd.Dir = pkg
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = &buildError{out: string(out), err: err}
			return
		}
		for _, n := range []string{"singularity", "udocker"} {
			if err := os.Symlink("apptainer", filepath.Join(dir, n)); err != nil {
				built.err = err
				return
			}
		}
	})
	if built.err != nil {
		t.Fatalf("building the runtime test double: %v", built.err)
	}
	return built.dir
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// Read returns the records in the log file, in the order written.
func Read(t testing.TB, path string) []Record {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

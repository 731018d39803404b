// Command fakeruntime is a TEST DOUBLE for apptainer, singularity and
// udocker. It is NOT a container runtime: it isolates nothing, pulls
// nothing, and runs the requested command directly on the host.
//
// Neither runtime is packaged for Debian, so tests that execute generated
// run.sh scripts build this program, put it on PATH as "apptainer" and
// symlink "singularity" and "udocker" to it; filepath.Base(os.Args[0])
// selects which CLI it imitates. For each invocation it
//
//  1. checks the arguments against the subset of the real CLI that the
//     generator is allowed to use, and fails loudly (exit 255 for
//     apptainer/singularity, 1 for udocker) on anything else, including
//     constructs the real runtime accepts but that are unsafe for us
//     (apptainer --env/--env-file, apptainer run/exec without --no-eval
//     and --containall/--cleanenv, udocker -v ...:ro, udocker --hostenv,
//     udocker setup --execmode other than P1/P2);
//  2. appends one JSON line describing the call to the file named by
//     $TRANSSHIP_DOUBLE_LOG (exit 97 if the variable is unset), also for
//     calls it then rejects;
//  3. for apptainer exec/run and udocker run, replaces itself
//     (syscall.Exec, same pid) with the requested command, using the
//     container environment and a host directory standing in for the
//     container working directory, so signals and the exit status are the
//     command's own.
//
// # Record format
//
// Each line of $TRANSSHIP_DOUBLE_LOG is the JSON encoding of a
// record.Record (internal/fakeruntime/record), which tests decode with
// internal/runtimedouble. [][]byte fields are arrays of base64 strings, so
// arbitrary bytes (non-UTF-8, newlines) survive.
// The line is written with a single write(2) on an O_APPEND file, so
// lines from concurrent invocations do not interleave.
//
// # Host stand-ins
//
// Container environment: apptainer passes each host APPTAINERENV_X=V as
// X=V (singularity: SINGULARITYENV_X), in os.Environ order; udocker passes
// exactly its -e/--env list. Then PATH (a standard default) and HOME (the
// host's) are added if missing; the record shows the list before that.
//
// Working directory: a container directory D (absolute) is mapped to the
// host through the most specific bind/volume whose container path is D or
// a parent of D; failing that, D itself if it is a directory on the host;
// failing that, "/". Without a working directory option the command runs
// in "/", so scripts that silently depend on the caller's directory fail.
//
// The command is looked up in the container PATH (run relative to that
// directory); a missing one is reported as
// `FATAL: "cmd": executable file not found in $PATH`, exit 255, for
// udocker too (as are an unusable working directory and a failed exec).
//
// udocker containers made by create are files TOPDIR/containers/NAME
// holding the image name; TOPDIR is --repo=DIR, else $UDOCKER_DIR, else
// $HOME/.udocker. apptainer pull writes a placeholder file at DEST.
package main

import (
	"encoding/json"
	"fmt"
	"github.com/transship/transship/internal/fakeruntime/record"
	"os"
	"path/filepath"
	"time"
)

// logEnv names the file every invocation appends its record to.
const logEnv = "TRANSSHIP_DOUBLE_LOG"

// exitMisconfigured is distinct from every runtime's own codes, so a test
// can tell "the double was set up wrong" from "the script failed".
const exitMisconfigured = 97

// Record is one line of the log; see the package comment.
type Record = record.Record

// outcome is what a verb decided to do once its record is on disk.
type outcome struct {
	stdout string   // printed as is
	stderr string   // printed as is (a note, not a failure)
	run    *hostRun // when set, exec'd; the double does not return
}

// failure is a rejection: message printed to stderr, then exit code.
type failure struct {
	code int
	msg  string
}

func (f *failure) Error() string { return f.msg }

// fatal is an apptainer/singularity error, formatted like theirs.
func fatal(format string, a ...any) error {
	return &failure{code: 255, msg: "FATAL: " + fmt.Sprintf(format, a...)}
}

// udErr is a udocker error; udocker exits 1 on usage errors.
func udErr(format string, a ...any) error {
	return &failure{code: 1, msg: fmt.Sprintf(format, a...)}
}

func main() {
	os.Exit(realMain())
}

// realMain decides, records, then acts, so even rejected and failing
// calls leave a trace that tests can inspect.
func realMain() int {
	logPath := os.Getenv(logEnv)
	if logPath == "" {
		fmt.Fprintln(os.Stderr, "test double: "+logEnv+" not set")
		return exitMisconfigured
	}
	name := filepath.Base(os.Args[0])
	rec := newRecord(name, os.Args[1:])
	out, err := dispatch(name, &rec, os.Args[1:])
	if werr := appendRecord(logPath, &rec); werr != nil {
		fmt.Fprintf(os.Stderr, "test double: cannot write %s: %v\n", logEnv, werr)
		return exitMisconfigured
	}
	if err != nil {
		return report(err)
	}
	os.Stdout.WriteString(out.stdout)
	os.Stderr.WriteString(out.stderr)
	if out.run != nil {
		return report(out.run.exec())
	}
	return 0
}

func dispatch(name string, rec *Record, args []string) (outcome, error) {
	switch name {
	case "apptainer", "singularity":
		return apptainerMain(name, rec, args)
	case "udocker":
		return udockerMain(rec, args)
	}
	return outcome{}, &failure{code: exitMisconfigured,
		msg: fmt.Sprintf("test double: invoked as %q; link it as apptainer, singularity or udocker", name)}
}

// report prints a failure and returns its exit code.
func report(err error) int {
	if f, ok := err.(*failure); ok {
		fmt.Fprintln(os.Stderr, f.msg)
		return f.code
	}
	fmt.Fprintln(os.Stderr, "test double:", err)
	return 255
}

func newRecord(runtime string, args []string) Record {
	return Record{
		Runtime: runtime,
		Argv:    toBytes(args),
		PID:     os.Getpid(),
		Time:    time.Now().UnixNano(),
	}
}

// toBytes keeps argv and env entries byte-exact: Go strings carry the raw
// bytes, and []byte makes encoding/json base64 them instead of replacing
// invalid UTF-8 with U+FFFD.
func toBytes(ss []string) [][]byte {
	out := make([][]byte, 0, len(ss))
	for _, s := range ss {
		out = append(out, []byte(s))
	}
	return out
}

// appendRecord writes rec as one line with one write(2): with O_APPEND
// the kernel places each write at the end atomically, so concurrent
// services' lines never interleave.
func appendRecord(path string, rec *Record) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, werr := f.Write(append(line, '\n'))
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}

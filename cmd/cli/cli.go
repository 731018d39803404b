// Package cli is the transship command line: flags into option structs,
// then load, emit, write. main only calls Run, so tests run the very same
// code in-process with their own arguments, environment and streams.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the input or the output has a problem, or --check found a difference
	exitUsage = 2 // the command line is wrong
)

// env is what one invocation may use from its surroundings.
type env struct {
	environ []string
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
	cwd     string
}

// Run executes one transship command line (without the program name) and
// returns the exit status.
func Run(args, environ []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cwd, _ := os.Getwd()
	e := &env{environ: environ, stdin: stdin, stdout: stdout, stderr: stderr, cwd: cwd}
	if len(args) == 0 {
		fmt.Fprint(stderr, mainHelp)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "convert":
		return runConvert(e, rest)
	case "graph":
		return runGraph(e, rest)
	case "explain":
		return runExplain(e, rest)
	case "targets":
		return runTargets(e, rest)
	case "schema":
		return runSchema(e, rest)
	case "version", "--version":
		return runVersion(e, rest)
	case "completion":
		return runCompletion(e, rest)
	case "__complete": // hidden: what the completion scripts ask
		return runComplete(e, rest)
	case "help":
		if len(rest) == 1 {
			return Run([]string{rest[0], "--help"}, environ, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, mainHelp)
		return exitOK
	case "-h", "--help":
		fmt.Fprint(stdout, mainHelp)
		return exitOK
	default:
		fmt.Fprintf(stderr, "transship: unknown command %q\n\n%s", cmd, mainHelp)
		return exitUsage
	}
}

// parse parses a command's flags. It returns a status and false when the
// command should stop: after --help (0) or on a usage error (2).
func parse(e *env, fs *pflag.FlagSet, args []string) (int, bool) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	if errors.Is(err, pflag.ErrHelp) {
		fmt.Fprint(e.stdout, help(fs))
		return exitOK, false
	}
	if err != nil {
		return usageError(e, fs, "%v", err), false
	}
	return 0, true
}

// usageError reports a wrong command line and points at --help.
func usageError(e *env, fs *pflag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "transship %s: %s\nRun 'transship %s --help' for usage.\n", fs.Name(), fmt.Sprintf(format, args...), fs.Name())
	return exitUsage
}

// parseNoArgs is parse for commands that take flags only.
func parseNoArgs(e *env, fs *pflag.FlagSet, args []string) (int, bool) {
	if st, ok := parse(e, fs, args); !ok {
		return st, false
	}
	if fs.NArg() > 0 {
		return usageError(e, fs, "unexpected argument %q", strings.Join(fs.Args(), " ")), false
	}
	return 0, true
}

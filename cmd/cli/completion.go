package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/transship/transship/site"
)

// Shell completion: `transship completion bash|zsh|fish` prints a small
// script that asks the binary itself for the words (`transship
// __complete WORD... CURRENT`), so flags, --to values, --site names and
// the project's services for --expose come from the same tables the
// commands use and never go stale.

var commandNames = []string{"convert", "graph", "explain", "targets", "schema", "version", "completion", "help"}

func runCompletion(e *env, args []string) int {
	fs := pflag.NewFlagSet("completion", pflag.ContinueOnError)
	if st, ok := parse(e, fs, args); !ok {
		return st
	}
	script, ok := completionScripts[fs.Arg(0)]
	if fs.NArg() != 1 || !ok {
		return usageError(e, fs, "name a shell: bash, zsh or fish (e.g. source <(transship completion bash))")
	}
	io.WriteString(e.stdout, script)
	return exitOK
}

// runComplete prints the completions of the last word, one a line.
func runComplete(e *env, args []string) int {
	if len(args) == 0 {
		return exitOK
	}
	for _, w := range complete(e, args[:len(args)-1], args[len(args)-1]) {
		fmt.Fprintln(e.stdout, w)
	}
	return exitOK
}

// complete lists the words that may stand where cur is, after prev
// (the words typed after the program name).
func complete(e *env, prev []string, cur string) []string {
	if len(prev) == 0 {
		return withPrefix(commandNames, cur)
	}
	switch prev[0] {
	case "completion":
		return withPrefix([]string{"bash", "fish", "zsh"}, cur)
	case "schema":
		return withPrefix([]string{"site", "x-transship"}, cur)
	case "help":
		return withPrefix(commandNames, cur)
	}
	var f convertFlags
	var fs *pflag.FlagSet
	switch prev[0] {
	case "convert":
		fs = f.convertFlagSet()
	case "graph":
		fs = f.graphFlagSet()
	case "explain":
		fs = f.explainFlagSet()
	default:
		fs = pflag.NewFlagSet(prev[0], pflag.ContinueOnError)
	}
	if name, value, ok := strings.Cut(cur, "="); ok && strings.HasPrefix(name, "--") {
		var out []string
		for _, v := range flagValues(e, &f, fs, prev, strings.TrimPrefix(name, "--"), value) {
			out = append(out, name+"="+v)
		}
		return out
	}
	if last := prev[len(prev)-1]; strings.HasPrefix(last, "-") && !strings.Contains(last, "=") {
		if fl := lookupFlag(fs, last); fl != nil && fl.NoOptDefVal == "" {
			return flagValues(e, &f, fs, prev, fl.Name, cur)
		}
	}
	if strings.HasPrefix(cur, "-") {
		var names []string
		fs.VisitAll(func(fl *pflag.Flag) {
			if !fl.Hidden {
				names = append(names, "--"+fl.Name)
			}
		})
		return withPrefix(append(names, "--help"), cur)
	}
	return nil // a file name: the shell completes it
}

func lookupFlag(fs *pflag.FlagSet, word string) *pflag.Flag {
	if name, ok := strings.CutPrefix(word, "--"); ok {
		return fs.Lookup(name)
	}
	if len(word) == 2 {
		return fs.ShorthandLookup(word[1:])
	}
	return nil
}

// flagValues are the values flag name may take that begin with cur.
func flagValues(e *env, f *convertFlags, fs *pflag.FlagSet, prev []string, name, cur string) []string {
	switch name {
	case "to":
		var out []string
		for _, t := range targetList {
			out = append(out, t.name)
			out = append(out, t.aliases...)
		}
		return withPrefix(out, cur)
	case "site":
		var out []string
		for _, p := range site.Builtins() {
			out = append(out, p.Name)
		}
		return withPrefix(out, cur)
	case "expose":
		return withPrefix(append(serviceNames(e, f, fs, prev), "*"), cur)
	case "diagnostics":
		return withPrefix([]string{"json", "text"}, cur)
	case "scheduler":
		return withPrefix([]string{"dirac", "htcondor", "none", "slurm"}, cur)
	case "runtime":
		return withPrefix([]string{"apptainer", "auto", "singularity", "udocker"}, cur)
	case "secrets":
		return withPrefix([]string{"embed", "external", "file", "prompt"}, cur)
	}
	return nil
}

// serviceNames loads the project the words typed so far name (-f, -p,
// --profile, ...) and lists its services; nothing when it does not load.
func serviceNames(e *env, f *convertFlags, fs *pflag.FlagSet, prev []string) []string {
	fs.ParseErrorsAllowlist.UnknownFlags = true
	fs.SetOutput(io.Discard)
	args := slices.Clone(prev[1:])
	if n := len(args); n > 0 && lookupFlag(fs, args[n-1]) != nil {
		args = args[:n-1] // the flag being completed itself
	}
	_ = fs.Parse(args)
	quiet := *e
	quiet.stderr, quiet.stdin = io.Discard, strings.NewReader("")
	g, _ := f.load(&quiet)
	if g == nil {
		return nil
	}
	var out []string
	for _, s := range g.Services {
		out = append(out, s.Name)
	}
	return out
}

func withPrefix(words []string, cur string) []string {
	var out []string
	for _, w := range words {
		if strings.HasPrefix(w, cur) {
			out = append(out, w)
		}
	}
	return out
}

var completionScripts = map[string]string{
	"bash": `# transship completion for bash: source <(transship completion bash)
_transship() {
	mapfile -t COMPREPLY < <(transship __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
}
complete -o default -F _transship transship
`,
	"zsh": `#compdef transship
# transship completion for zsh: source <(transship completion zsh), or save
# it as _transship in a directory of $fpath.
_transship() {
	local -a candidates
	candidates=("${(@f)$(transship __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
	candidates=(${candidates:#})
	if (( ${#candidates} )); then
		compadd -a candidates
	else
		_files
	fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
	_transship "$@"
else
	compdef _transship transship
fi
`,
	"fish": `# transship completion for fish: transship completion fish | source
function __transship_complete
	set -l words (commandline -opc)[2..-1] (commandline -ct)
	set -l found (transship __complete $words 2>/dev/null)
	if test (count $found) -gt 0
		printf '%s\n' $found
	else
		__fish_complete_path (commandline -ct)
	end
end
complete -c transship -f -a '(__transship_complete)'
`,
}

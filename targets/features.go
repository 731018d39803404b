package targets

import (
	"fmt"
	"os"
	"regexp"
)

// Verdicts of a Feature.
const (
	Kept     = "kept"     // the output does what compose does
	Degraded = "degraded" // it does part of it; a warning says what is lost
	Refused  = "refused"  // the conversion stops with an error
)

// Feature is what a target makes of one compose feature: a row of the
// table `transship explain --to TARGET` prints. Each target's table names
// the diagnostic codes its emitter gives for the feature, and a test of
// the target keeps the table and its codes.go in step (CodesCovered).
type Feature struct {
	Key     string   // the compose key(s)
	Verdict string   // Kept, Degraded or Refused
	What    string   // what the output does with it
	Codes   []string // the diagnostics it can give
}

// CodesCovered compares a table with the codes a target defines: it
// returns the problems, none when every code is named by a feature and
// every feature's code is defined.
func CodesCovered(table []Feature, codes []string) []string {
	var problems []string
	defined := map[string]bool{}
	for _, c := range codes {
		defined[c] = true
	}
	named := map[string]bool{}
	for _, f := range table {
		if f.Verdict != Kept && f.Verdict != Degraded && f.Verdict != Refused {
			problems = append(problems, f.Key+": verdict "+f.Verdict)
		}
		for _, c := range f.Codes {
			if !defined[c] {
				problems = append(problems, f.Key+" names "+c+", which codes.go does not define")
			}
			named[c] = true
		}
	}
	for _, c := range codes {
		if !named[c] {
			problems = append(problems, c+" is in codes.go but no feature of the explain table names it")
		}
	}
	return problems
}

// CodesCoveredFile is CodesCovered for the codes a target's codes.go
// spells as string literals "PREFIXnnn"; fewer than least found means
// the file was not read as expected, an error.
func CodesCoveredFile(table []Feature, codesFile, prefix string, least int) ([]string, error) {
	src, err := os.ReadFile(codesFile)
	if err != nil {
		return nil, err
	}
	var codes []string
	for _, m := range regexp.MustCompile(`"(`+regexp.QuoteMeta(prefix)+`\d+)"`).FindAllStringSubmatch(string(src), -1) {
		codes = append(codes, m[1])
	}
	if len(codes) < least {
		return nil, fmt.Errorf("found %d %s codes in %s, want at least %d: the parse is wrong", len(codes), prefix, codesFile, least)
	}
	return CodesCovered(table, codes), nil
}

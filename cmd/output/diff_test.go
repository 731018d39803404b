package output

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func seq(from, to int, replace map[int]string) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		if r, ok := replace[i]; ok {
			b.WriteString(r + "\n")
		} else {
			b.WriteString(strconv.Itoa(i) + "\n")
		}
	}
	return b.String()
}

// The expected texts are what GNU diff -u prints for the same inputs.
func TestUnified(t *testing.T) {
	cases := []struct{ name, a, b, want string }{
		{"equal", "x\n", "x\n", "--- a\n+++ b\n"},
		{"no newline at end", "a", "b\n", "--- a\n+++ b\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n"},
		{"newline added", "a", "a\n", "--- a\n+++ b\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n"},
		{"gap of 6 is one hunk", seq(1, 20, nil), seq(1, 20, map[int]string{4: "x", 11: "y"}),
			"--- a\n+++ b\n@@ -1,14 +1,14 @@\n 1\n 2\n 3\n-4\n+x\n 5\n 6\n 7\n 8\n 9\n 10\n-11\n+y\n 12\n 13\n 14\n"},
		{"gap of 7 is two hunks", seq(1, 20, nil), seq(1, 20, map[int]string{4: "x", 12: "y"}),
			"--- a\n+++ b\n@@ -1,7 +1,7 @@\n 1\n 2\n 3\n-4\n+x\n 5\n 6\n 7\n@@ -9,7 +9,7 @@\n 9\n 10\n 11\n-12\n+y\n 13\n 14\n 15\n"},
		{"insert in the middle", seq(1, 10, nil), seq(1, 5, nil) + "new\n" + seq(6, 10, nil),
			"--- a\n+++ b\n@@ -3,6 +3,7 @@\n 3\n 4\n 5\n+new\n 6\n 7\n 8\n"},
		{"delete at the end", seq(1, 5, nil), seq(1, 4, nil),
			"--- a\n+++ b\n@@ -2,4 +2,3 @@\n 2\n 3\n 4\n-5\n"},
		{"binary", "a\x00", "b\x00", "Binary files a and b differ\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := unified("a", "b", []byte(tc.a), []byte(tc.b)); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@\n$`)

// parseHunkHeader returns the start and count of each side; a count left
// out is 1.
func parseHunkHeader(h string) (as, an, bs, bn int, err error) {
	m := hunkHeader.FindStringSubmatch(h)
	if m == nil {
		return 0, 0, 0, 0, fmt.Errorf("bad hunk header %q", h)
	}
	num := func(s string) int {
		if s == "" {
			return 1
		}
		n, _ := strconv.Atoi(s)
		return n
	}
	return num(m[1]), num(m[2]), num(m[3]), num(m[4]), nil
}

const noNewline = "\\ No newline at end of file\n"

// applyUnified applies the hunks of diff to a, checking every header
// number and every context and removed line, as a strict patch would.
func applyUnified(a, diff string) (string, error) {
	lines, rest := splitLines([]byte(a)), splitLines([]byte(diff))
	if len(rest) < 2 || rest[0] != "--- a\n" || rest[1] != "+++ b\n" {
		return "", fmt.Errorf("bad file header in %q", diff)
	}
	rest = rest[2:]
	var out []string
	next := 0 // the first line of a not yet used
	for len(rest) > 0 {
		as, an, bs, bn, err := parseHunkHeader(rest[0])
		if err != nil {
			return "", err
		}
		start := as - 1
		if an == 0 {
			start = as // an empty range names the line before it
		}
		wantBS := len(out) + (start - next) + 1
		if bn == 0 {
			wantBS--
		}
		if start < next || start > len(lines) || bs != wantBS {
			return "", fmt.Errorf("hunk %q out of place (a at %d, b at %d)", rest[0], next, len(out))
		}
		out, next, rest = append(out, lines[next:start]...), start, rest[1:]
		gotA, gotB := 0, 0
		for len(rest) > 0 && !strings.HasPrefix(rest[0], "@@") {
			op, line := rest[0][0], rest[0][1:]
			rest = rest[1:]
			if len(rest) > 0 && rest[0] == noNewline {
				line, rest = strings.TrimSuffix(line, "\n"), rest[1:]
			}
			if op == ' ' || op == '-' {
				if next >= len(lines) || lines[next] != line {
					return "", fmt.Errorf("line %d: %q does not match %q", next+1, op, line)
				}
				next, gotA = next+1, gotA+1
			}
			if op == ' ' || op == '+' {
				out, gotB = append(out, line), gotB+1
			}
		}
		if gotA != an || gotB != bn {
			return "", fmt.Errorf("hunk %q has %d and %d lines", rest, gotA, gotB)
		}
	}
	return strings.Join(append(out, lines[next:]...), ""), nil
}

// lcs is the length of the longest common subsequence, by dynamic
// programming: the reference the Myers search must match.
func lcs(a, b []string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(cur[j], prev[j+1])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func randomText(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(15) {
		b.WriteString([]string{"a\n", "b\n", "c\n", "d\n"}[r.IntN(4)])
	}
	if r.IntN(4) == 0 {
		b.WriteString("z") // a last line without a newline
	}
	return b.String()
}

func TestUnifiedRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		a, b := randomText(r), randomText(r)
		diff := unified("a", "b", []byte(a), []byte(b))
		got, err := applyUnified(a, diff)
		if err != nil || got != b {
			t.Fatalf("case %d: a=%q b=%q\n%s\napplied: %q, %v", i, a, b, diff, got, err)
		}
		changed := strings.Count(diff, "\n-") + strings.Count(diff, "\n+") - 1 // the +++ header
		la, lb := splitLines([]byte(a)), splitLines([]byte(b))
		if want := len(la) + len(lb) - 2*lcs(la, lb); a != b && changed != want {
			t.Fatalf("case %d: a=%q b=%q: %d changed lines, want the minimum %d\n%s", i, a, b, changed, want, diff)
		}
	}
}

// Past the memory bound the diff is still correct, just not minimal.
func TestUnifiedFallback(t *testing.T) {
	defer func(n int) { maxTraceCells = n }(maxTraceCells)
	maxTraceCells = 8
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 1000 {
		a, b := randomText(r), randomText(r)
		diff := unified("a", "b", []byte(a), []byte(b))
		if got, err := applyUnified(a, diff); err != nil || got != b {
			t.Fatalf("case %d: a=%q b=%q\n%s\napplied: %q, %v", i, a, b, diff, got, err)
		}
	}
}

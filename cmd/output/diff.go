package output

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// contextLines is the number of unchanged lines around each change, as in
// `diff -u`.
const contextLines = 3

// maxTraceCells bounds the memory of the Myers search (about 32 MiB). Past
// it, the remaining middle is shown as removed and re-added: still a correct
// diff, only not a minimal one, and only for inputs that share almost nothing.
var maxTraceCells = 1 << 22 // a var only so tests can exercise the fallback

type op int8

const (
	opEqual op = iota
	opDelete
	opInsert
)

type edit struct {
	op   op
	line string // with its "\n", unless it is a last line without one
}

// unified returns the unified diff of a and b with the file names aName and
// bName ("a/x", "/dev/null"): the ---/+++ header, then the hunks, byte for
// byte what `diff -u` prints (without timestamps). Equal inputs give the
// header alone; the caller decides whether that is a difference.
func unified(aName, bName string, a, b []byte) string {
	header := "--- " + aName + "\n+++ " + bName + "\n"
	switch {
	case bytes.Equal(a, b):
		return header
	case bytes.IndexByte(a, 0) >= 0 || bytes.IndexByte(b, 0) >= 0:
		return fmt.Sprintf("Binary files %s and %s differ\n", aName, bName)
	}
	var sb strings.Builder
	sb.WriteString(header)
	writeHunks(&sb, diffLines(splitLines(a), splitLines(b)))
	return sb.String()
}

// splitLines splits after each "\n"; a last line without one is kept.
func splitLines(data []byte) []string {
	var lines []string
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return append(lines, string(data))
		}
		lines = append(lines, string(data[:i+1]))
		data = data[i+1:]
	}
	return lines
}

// diffLines returns a shortest edit script from a to b. The common prefix
// and suffix are taken off first: generated files usually change in a few
// places, and that keeps the search small.
func diffLines(a, b []string) []edit {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	edits := equalEdits(a[:p])
	edits = append(edits, myers(a[p:len(a)-s], b[p:len(b)-s])...)
	return append(edits, equalEdits(a[len(a)-s:])...)
}

func equalEdits(lines []string) []edit {
	edits := make([]edit, len(lines))
	for i, l := range lines {
		edits[i] = edit{opEqual, l}
	}
	return edits
}

// replaceAll is the edit script that deletes all of a and inserts all of b.
func replaceAll(a, b []string) []edit {
	edits := make([]edit, 0, len(a)+len(b))
	for _, l := range a {
		edits = append(edits, edit{opDelete, l})
	}
	for _, l := range b {
		edits = append(edits, edit{opInsert, l})
	}
	return edits
}

// myers is E. Myers' O((N+M)D) greedy algorithm ("An O(ND) Difference
// Algorithm and Its Variations", 1986). trace[d] keeps the furthest-reaching
// x of each diagonal k in [-d-1, d+1] before step d, for the backtrack.
func myers(a, b []string) []edit {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return replaceAll(a, b)
	}
	off := n + m + 1
	v := make([]int, 2*off+1)
	var trace [][]int
	cells := 0
	for d := 0; d <= n+m; d++ {
		snap := slices.Clone(v[off-d-1 : off+d+2])
		if cells += len(snap); cells > maxTraceCells {
			return replaceAll(a, b)
		}
		trace = append(trace, snap)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1] // down: insert b[y]
			} else {
				x = v[off+k-1] + 1 // right: delete a[x]
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(trace, a, b)
			}
		}
	}
	return replaceAll(a, b) // not reached: d = n+m always ends the search
}

// backtrack walks the trace from the end back to the start.
func backtrack(trace [][]int, a, b []string) []edit {
	x, y := len(a), len(b)
	var rev []edit
	for d := len(trace) - 1; d >= 0; d-- {
		v := trace[d]
		at := func(k int) int { return v[k+d+1] }
		k := x - y
		pk := k - 1
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			pk = k + 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			rev = append(rev, edit{opEqual, a[x-1]})
			x, y = x-1, y-1
		}
		if d > 0 {
			if x == px {
				rev = append(rev, edit{opInsert, b[y-1]})
			} else {
				rev = append(rev, edit{opDelete, a[x-1]})
			}
		}
		x, y = px, py
	}
	slices.Reverse(rev)
	return rev
}

// writeHunks groups the changes into hunks with contextLines of context;
// changes closer than 2*contextLines unchanged lines share a hunk.
func writeHunks(sb *strings.Builder, edits []edit) {
	// before[i] counts the lines of a and of b before edits[i].
	before := make([][2]int, len(edits)+1)
	for i, e := range edits {
		before[i+1] = before[i]
		if e.op != opInsert {
			before[i+1][0]++
		}
		if e.op != opDelete {
			before[i+1][1]++
		}
	}
	for _, h := range hunkRanges(edits) {
		lo, hi := before[h[0]], before[h[1]]
		fmt.Fprintf(sb, "@@ -%s +%s @@\n", hunkRange(lo[0], hi[0]-lo[0]), hunkRange(lo[1], hi[1]-lo[1]))
		for _, e := range edits[h[0]:h[1]] {
			sb.WriteByte(" -+"[e.op])
			sb.WriteString(e.line)
			if !strings.HasSuffix(e.line, "\n") {
				sb.WriteString("\n\\ No newline at end of file\n")
			}
		}
	}
}

// hunkRanges returns the [lo, hi) edit index ranges of the hunks.
func hunkRanges(edits []edit) [][2]int {
	var hunks [][2]int
	for i, e := range edits {
		if e.op == opEqual {
			continue
		}
		lo, hi := max(0, i-contextLines), min(len(edits), i+contextLines+1)
		if n := len(hunks); n > 0 && lo <= hunks[n-1][1] {
			hunks[n-1][1] = hi
		} else {
			hunks = append(hunks, [2]int{lo, hi})
		}
	}
	return hunks
}

// hunkRange formats one side of a hunk header as diff does: "start,count",
// "start" alone when count is 1, and the line before when count is 0.
func hunkRange(before, count int) string {
	switch count {
	case 0:
		return strconv.Itoa(before) + ",0"
	case 1:
		return strconv.Itoa(before + 1)
	}
	return strconv.Itoa(before+1) + "," + strconv.Itoa(count)
}

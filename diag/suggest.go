package diag

// Nearest is the index of the candidate at the smallest edit distance
// from s, if that distance is below within; -1 when none is. Ties go to
// the first. It gives the "did you mean" hints of compose keys and of
// site profiles.
func Nearest(s string, candidates []string, within int) int {
	best, bestD := -1, within
	for i, c := range candidates {
		if d := EditDistance(s, c); d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// EditDistance is the Levenshtein distance of a and b, under Nearest.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

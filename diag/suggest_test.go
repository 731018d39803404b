package diag

import "testing"

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"a", "", 1}, {"kitten", "sitting", 3}, {"volume", "volumes", 1}, {"publshed", "published", 1}} {
		if got := EditDistance(c.a, c.b); got != c.d {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}

func TestNearest(t *testing.T) {
	cands := []string{"volumes", "services", "secrets"}
	for _, c := range []struct {
		s      string
		within int
		want   int
	}{
		{"volume", 2, 0},   // distance 1
		{"servics", 2, 1},  // distance 1
		{"secret", 1, -1},  // distance 1 is not below 1
		{"zzz", 3, -1},     // nothing near
		{"sevrices", 3, 1}, // distance 2: services, before secrets (3)
	} {
		if got := Nearest(c.s, cands, c.within); got != c.want {
			t.Errorf("Nearest(%q, %d) = %d, want %d", c.s, c.within, got, c.want)
		}
	}
}

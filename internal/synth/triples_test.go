package synth

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// The testdata files are gen-compose.py's output for 4 (the last service
// a web without a db after it) and 7 services.
func TestTriplesMatchesScript(t *testing.T) {
	for _, n := range []int{4, 7} {
		want, err := os.ReadFile(filepath.Join("testdata", "triples-"+strconv.Itoa(n)+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if got := Triples(n); !bytes.Equal(got, want) {
			t.Errorf("Triples(%d) differs from gen-compose.py:\n%s", n, got)
		}
	}
}

// Where the script itself is at hand (the team's ../shared), the large
// files are compared too.
func TestTriplesMatchesScriptLarge(t *testing.T) {
	script, err := filepath.Abs("../../../shared/bench/gen-compose.py")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(script); err != nil {
		t.Logf("no %s here: compared with testdata only", script)
		return
	}
	for _, n := range []int{500, 5000} {
		want, err := exec.Command("python3", script, strconv.Itoa(n)).Output()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(Triples(n), want) {
			t.Errorf("Triples(%d) differs from gen-compose.py", n)
		}
	}
}

package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/transship/transship/internal/standin/config"
)

// TestHealthyFrom: a service without ports passes its healthcheck
// HealthyAfterMS after the launcher wrote its /etc/hosts, which comes
// before its start by however long the runtime took; one with ports
// listens HealthyAfterMS after its start. The batch suite's order check
// took the start for both, and failed a correct run whose runtime was slow
// to start a port-less db.
func TestHealthyFrom(t *testing.T) {
	saved := hostsPath
	t.Cleanup(func() { hostsPath = saved })
	hostsPath = filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hostsPath, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	written := time.Now().Add(-time.Second).Truncate(time.Millisecond)
	if err := os.Chtimes(hostsPath, written, written); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	portless := &config.Service{HealthyAfterMS: 2000}
	if got, want := healthyFrom(portless, start), written.Add(2*time.Second); !got.Equal(want) {
		t.Errorf("without ports: healthy from %v, want %v (the hosts file's time + 2 s)", got, want)
	}
	if probeService(portless, "pg_isready") != 1 {
		t.Errorf("without ports, 1 s after the hosts file: the probe passes, want it to fail until 2 s")
	}
	served := &config.Service{HealthyAfterMS: 2000, Ports: []int{5432}}
	if got, want := healthyFrom(served, start), start.Add(2*time.Second); !got.Equal(want) {
		t.Errorf("with ports: healthy from %v, want %v (the start + 2 s)", got, want)
	}
}

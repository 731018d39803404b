package batch_test

import (
	"testing"

	"github.com/transship/transship/internal/slurm"
)

// TestMain stops the Slurm cluster the end-to-end tests start (e2e_test.go).
func TestMain(m *testing.M) { slurm.Main(m) }

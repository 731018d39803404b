package golden

import (
	"testing"

	"github.com/transship/transship/internal/kubeapi"
)

// TestMain stops the API server the Kubernetes tests share, if one ran.
func TestMain(m *testing.M) { kubeapi.Main(m) }

package cloudinit

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

var gpuProject = map[string]string{"compose.yaml": `services:
  llm:
    image: ollama/ollama
    deploy:
      resources:
        reservations:
          devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]
`}

// cloud-init dropped GPU reservations without a word: a VM's docker
// gives GPUs only with the NVIDIA container toolkit. Without
// NvidiaToolkit a warning at the reservation says so; with it, a script
// installs the toolkit and runs before the app's unit starts.
func TestGPUReservation(t *testing.T) {
	g, o := load(t, gpuProject)
	data, ds := emit(t, g, o)
	if c := codes(ds); !strings.Contains(c, "CI105 services.llm.deploy.resources.reservations.devices[0]: ") {
		t.Errorf("want CI105 at the reservation:\n%s", c)
	}
	if writeFile(t, data, nvidiaScriptPath) != nil {
		t.Error("the toolkit is installed without being asked for")
	}
	o.NvidiaToolkit = true
	data, ds = emit(t, g, o)
	if c := codes(ds); strings.Contains(c, "CI105") {
		t.Errorf("CI105 with the toolkit asked for:\n%s", c)
	}
	wf := writeFile(t, data, nvidiaScriptPath)
	if wf == nil || wf["permissions"] != "0755" || !strings.Contains(wf["content"].(string), "nvidia-ctk runtime configure --runtime=docker") {
		t.Fatalf("no toolkit script: %v", wf)
	}
	var doc struct {
		Runcmd [][]string `yaml:"runcmd"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	setup := slices.IndexFunc(doc.Runcmd, func(c []string) bool { return slices.Equal(c, []string{nvidiaScriptPath}) })
	start := slices.IndexFunc(doc.Runcmd, func(c []string) bool { return slices.Contains(c, "enable") })
	if setup < 0 || start < 0 || setup > start {
		t.Errorf("runcmd %q: the toolkit must be set up before the app starts", doc.Runcmd)
	}
	cloudInitSchema(t, data)
	script := filepath.Join(t.TempDir(), "nvidia.sh")
	if err := os.WriteFile(script, []byte(nvidiaScript), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("sh", "-n", script).CombinedOutput(); err != nil {
		t.Errorf("sh -n: %v\n%s", err, out)
	}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		if out, err := exec.Command(sc, "-s", "sh", script).CombinedOutput(); err != nil {
			t.Errorf("shellcheck: %v\n%s", err, out)
		}
	}
}

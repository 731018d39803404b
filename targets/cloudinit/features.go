package cloudinit

import "github.com/transship/transship/targets"

// Features is what the cloud-init target makes of each compose feature:
// what `transship explain --to cloud-init` prints. The VM runs the
// project with docker compose itself, so most of compose is kept; every
// code of codes.go is named by its feature (features_test.go).
var Features = []targets.Feature{
	{Key: "services, networks, volumes, ports, healthcheck, depends_on, ...", Verdict: targets.Kept, What: "the normalised compose file runs under docker compose on the VM, started by a systemd unit at boot"},
	{Key: "build", Verdict: targets.Degraded, What: "with an image, build: is ignored and the image pulled; without one, the VM builds <project>-<service> with docker compose build from the context shipped in the user-data (inside the project, small enough), else pulls it (under --image-prefix when given), so it must be pushed", Codes: []string{CodeBuild, CodeBuilt}},
	{Key: "env_file, bind-mounted files, configs", Verdict: targets.Degraded, What: "project files are written into the user-data; directories, files outside the project and files too large are not shipped", Codes: []string{CodeNotShipped}},
	{Key: "secrets", Verdict: targets.Degraded, What: "embedded in the user-data (readable through the metadata service), or with --secrets prompt|file waited for until copied; a secret from a variable the VM lacks is empty", Codes: []string{CodeSecretEmbedded, CodeSecretEnv}},
	{Key: "GPUs (deploy.resources.reservations.devices)", Verdict: targets.Degraded, What: "kept in the compose file; docker gives them only with the NVIDIA container toolkit, which --nvidia-toolkit (site: nvidia_toolkit) installs", Codes: []string{CodeGPU}},
	{Key: "the project as a whole", Verdict: targets.Refused, What: "user-data larger than OpenStack's 49,149 bytes, an invalid project name or option stop the conversion", Codes: []string{CodeTooBig, CodeOptions}},
}

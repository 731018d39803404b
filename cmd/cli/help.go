package cli

import (
	"strings"

	"github.com/spf13/pflag"
)

const mainHelp = `transship turns docker-compose projects into what runs elsewhere.

Usage:
  transship <command> [flags]

Commands:
  convert     generate a target's files from a compose project
  graph       print the project as transship understands it (JSON)
  explain     say what a target keeps, degrades or refuses of each compose feature
  targets     list the targets convert can generate
  schema      print a JSON Schema: the x-transship extension, or site profiles
  version     print transship's version (also: transship --version)
  completion  print a shell completion script: bash, zsh or fish
  help        show help for a command

Examples:
  transship convert --to kubernetes -f examples/web-db-cache/compose.yaml -o out/web-db-cache
  transship convert --to k8s --site egi-im --domain 203.0.113.7.nip.io -o deploy/k8s
  transship convert --to batch --scheduler slurm -f examples/batch-pipeline/compose.yaml -o out/job
  transship graph -f compose.yaml -f compose.prod.yaml --profile debug

Exit status: 0 success, 1 errors in the input or output (or --check found
a difference), 2 a wrong command line.
Run 'transship <command> --help' for a command's flags.
`

// intros hold each command's usage line, description and examples; the
// flags are listed from the FlagSet itself so help cannot drift from code.
var intros = map[string][2]string{
	"convert": {`Generate a target's files from a compose project.

Usage:
  transship convert --to TARGET [-f FILE]... [-o DIR|-] [flags]

The compose project is read exactly as 'docker compose config' reads it:
files are discovered or merged in order, .env and --env-file feed
interpolation, profiles select services. Files are written atomically, and
a manifest (.transship-manifest) records what transship wrote: files it
did not write are never overwritten or deleted without --force.

Kubernetes (--to kubernetes, or k8s) writes one manifest per object and a
kustomization.yaml: apply it with 'kubectl apply -k DIR'. What depends on
the cluster (ingress class, TLS issuer, storage classes, NFS) comes from a
site profile (--site); 'transship targets' lists the built-in ones.

Helm (--to helm) writes a chart directory from the same decisions as
--to kubernetes: Chart.yaml (--chart-version, default 0.1.0), values.yaml
(images, replicas, resources, env, ingress, persistence, Service types,
existing Secrets, the site's settings), values.schema.json, templates/,
README.md with the values table, NOTES.txt. It takes the Kubernetes flags
but --namespace (the release's namespace is used), and refuses -o -.

Batch (--to batch, or apptainer, singularity, udocker to fix the runtime)
writes run.sh, which runs every service on one node with Apptainer,
Singularity or udocker, a README.txt, and a job for --scheduler: job.sbatch
(Slurm), job.sub (HTCondor) or job.jdl (DIRAC). 'transship explain' says
what each compose feature becomes. Nodes without a registry: pre-load the
images on a login node ('udocker pull REF', or a SIF or docker/OCI archive
per image in the image cache); run.sh uses them before pulling, and
README.txt names each image's file.

cloud-init (--to cloud-init) writes user-data.yaml, which boots a VM with
docker (EGI's docker image, any OpenStack) into the running app and keeps
it running across reboots: openstack server create --user-data FILE.

A service with build: and no image: runs <project>-<service>, the name
compose tags its build with (warnings K8S102, BAT128, CI106 name it). On
Kubernetes and batch it must be pushed (or pre-loaded); cloud-init ships a
build context inside the project in the user-data and the VM builds it.
--image-prefix REG/PATH makes it REG/PATH/<project>-<service> on every
target, for a CI that pushes its builds there (cloud-init then pulls it).
`, `
Examples:
  # convert a shipped example to Kubernetes manifests
  transship convert --to kubernetes -f examples/web-db-cache/compose.yaml -o out/web-db-cache
  # a Helm chart of it, then install it
  transship convert --to helm -f examples/web-db-cache/compose.yaml -o charts/web-db-cache
  helm install gitea charts/web-db-cache -n gitea --create-namespace
  # for an EGI cluster made by the Infrastructure Manager, with nip.io hosts
  transship convert --to k8s --site egi-im --domain 203.0.113.7.nip.io -o deploy/k8s
  # stream the manifests straight to a cluster
  transship convert --to k8s -o - | kubectl apply -f -
  # a Slurm job running the services with Apptainer; submit with sbatch job.sbatch
  transship convert --to batch -f examples/batch-pipeline/compose.yaml -o out/job
  # the same for the EGI Workload Manager (DIRAC), with udocker
  transship convert --to udocker --site egi-dirac -o out/dirac
  # user-data for a VM, secrets kept out of it, an extra user with a key
  transship convert --to cloud-init --secrets prompt --user alice --ssh-key ~/.ssh/id_ed25519.pub -o out/vm
  # the graph transship builds, for debugging
  transship convert --to graph -f examples/web-db-cache/compose.yaml -o out/graph
  # merge an override file and stream the result
  transship convert --to graph -f compose.yaml -f compose.prod.yaml -o -
  # services built by CI and pushed to ghcr.io/org/ci/<project>-<service>
  transship convert --to k8s --image-prefix ghcr.io/org/ci -o deploy/k8s
  # in CI: fail when the committed output is stale, showing the diff
  transship convert --to graph -o deploy/graph --check
`},
	"graph": {`Print the compose project as transship's graph, in JSON.

Usage:
  transship graph [-f FILE]... [flags]

Same as 'transship convert --to graph -o -'. The graph holds services,
volumes, networks, secrets and configs with the edges between them and the
file, line and column each came from.
`, `
Examples:
  transship graph -f examples/healthcheck-chain/compose.yaml
  COMPOSE_PROFILES=debug transship graph --diagnostics json
`},
	"explain": {`Say what a target keeps, degrades or refuses of each compose feature.

Usage:
  transship explain [--to batch|kubernetes|helm|cloud-init] [-f FILE]... [flags]

Without -f: the table of every compose feature. With -f: for each service
of the project, the features it uses and the warnings converting it gives.
The tables are the ones the targets' tests keep in step with the warning
codes their emitters give; helm is explained by the Kubernetes table, whose
decisions the chart renders.
`, `
Examples:
  transship explain --to batch
  transship explain --to batch -f examples/web-db-cache/compose.yaml
  transship explain --to kubernetes -f examples/kompose-labels/compose.yaml
`},
	"targets": {`List the targets 'transship convert --to' can generate.

Usage:
  transship targets
`, `
Example:
  transship targets
`},
	"schema": {`Print a JSON Schema of what transship adds to compose.

Usage:
  transship schema [x-transship|site]
`, `
Examples:
  transship schema x-transship > x-transship.schema.json
  transship schema site > site.schema.json
`},
	"version": {`Print transship's version.

Usage:
  transship version
`, `
Example:
  transship version
`},
}

// help renders a command's help from its intro and its FlagSet.
func help(fs *pflag.FlagSet) string {
	in := intros[fs.Name()]
	var b strings.Builder
	b.WriteString(in[0])
	if fs.HasFlags() {
		b.WriteString("\nFlags:\n")
		b.WriteString(fs.FlagUsages())
	}
	b.WriteString(in[1])
	return b.String()
}

# transship: `make test` is what CI runs (.ci/run calls it with CI=true).
GO ?= go
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
EXAMPLE ?= web-db-cache

.PHONY: build run test golden lint bench fuzz clean e2e-deps e2e-vm e2e-cluster e2e-runtimes

build:
	$(GO) build -buildvcs=true -o bin/transship ./cmd/transship

# Convert a shipped example: the README's first command.
run:
	$(GO) run ./cmd/transship convert --to kubernetes -f examples/$(EXAMPLE)/compose.yaml -o out/$(EXAMPLE)

# Every test; the corpus sweeps run verbosely so their counts are printed.
# The Kubernetes tests need the API server from `make e2e-deps` (they skip
# without it, and fail without it in CI).
test:
	$(GO) test -timeout 20m -skip '^TestCorpus' ./...
	$(GO) test -count=1 -timeout 30m -run '^TestCorpus' -v ./translate/ ./golden/ 2>&1 | grep -E '^(corpus:|kubernetes corpus:|helm corpus:|batch corpus:|cloud-init corpus:|--- |ok |FAIL|panic)'

# Rewrite the goldens from the current code; review `git diff golden/`.
golden:
	TRANSSHIP_UPDATE=1 $(GO) test -count=1 ./golden/

# gofmt, vet, a tidy go.mod, and the architecture rules: translate/ is
# compose -> Graph and nothing else, so it imports no k8s.io, no target, no
# CLI, and no network client (the registry client, package images, runs
# at the edge; compose-go's own use of package net for addresses is fine).
TRANSLATE_FORBIDDEN := ^k8s\.io/|^github\.com/transship/transship/(targets|cmd|images)(/|$$)|^(net/http|net/rpc|net/smtp|crypto/tls)(/|$$)|^github\.com/google/go-containerregistry/|^google\.golang\.org/grpc(/|$$)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@$(GO) mod tidy -diff >/dev/null 2>&1 || { echo "go.mod or go.sum is not tidy: run go mod tidy"; $(GO) mod tidy -diff; exit 1; }
	@bad=$$($(GO) list -deps ./translate/... | grep -E '$(TRANSLATE_FORBIDDEN)' || true); \
	  if [ -n "$$bad" ]; then echo "translate/ must not import:"; echo "$$bad"; exit 1; fi

bench:
	./scripts/bench.sh

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $${FUZZTIME:-60s} ./translate/
	$(GO) test -run '^$$' -fuzz '^FuzzEmit$$' -fuzztime $${FUZZTIME:-60s} ./targets/kubernetes/
	$(GO) test -run '^$$' -fuzz '^FuzzEmit$$' -fuzztime $${FUZZTIME:-60s} ./targets/batch/
	$(GO) test -run '^$$' -fuzz '^FuzzQuote$$' -fuzztime $${FUZZTIME:-60s} ./targets/batch/

clean:
	rm -rf bin out

# Build the Kubernetes binaries (kube-apiserver and etcd for internal/kubeapi,
# the rest of a single-node cluster and CoreDNS for internal/cluster) into
# ~/.cache/transship-e2e; a no-op once built (cold: ~10 min). Then
# Apptainer, proot and udocker from ../shared/runtimes for make
# e2e-runtimes, into e2ecache.RuntimesDir() (cold: ~10 min). Called here,
# not at the end of e2e-deps.sh, because that script exits early when the
# kube binaries are already built.
e2e-deps:
	./scripts/e2e-deps.sh
	./scripts/e2e-runtimes-deps.sh >/dev/null

# Boot a Debian VM under qemu with the cloud-init user-data of
# examples/vm-web and check the app from the host, after the first boot and
# after a reboot (targets/cloudinit/vm_test.go; CI runs it). Needs root and
# the packages e2e-deps installs; the base image is built once (~2 min)
# into ~/.cache/transship-e2e, the boots take 7-9 min under emulation
# (one vCPU: see internal/vmtest/qemu.go). KVM is used when a probe boot
# shows it works (internal/vmtest/accel.go); TRANSSHIP_VM_ACCEL=kvm|tcg
# forces one.
e2e-vm:
	TRANSSHIP_VM_E2E=1 $(GO) test -count=1 -timeout 40m -run '^TestVMBoot$$' -v ./targets/cloudinit/

# Start a real single-node cluster (internal/cluster: etcd, kube-apiserver,
# controller-manager, scheduler, kubelet, kube-proxy, containerd, CoreDNS)
# inside namespaces the test binary makes, and run the suite on it: every
# example's Kubernetes output applied and seen working (one line per
# example), and every example's Helm chart installed and uninstalled with
# Helm, web-db-cache's upgraded too (TestHelmExamples, ~2 min). Needs root
# and make e2e-deps; CI runs it. Four examples at a
# time: they mostly wait, and the suite starts one only when its pods' CPU
# requests fit the node beside the others' (internal/cluster/capacity_test.go).
e2e-cluster:
	TRANSSHIP_CLUSTER_E2E=1 $(GO) test -count=1 -timeout 30m -v -parallel 4 ./internal/cluster/

# Run generated batch launchers under the real Apptainer and udocker that
# e2e-deps builds (targets/batch/realrt_test.go), as an unprivileged user
# (transship-e2e, created when run as root), with stand-in images given as
# archives (internal/standin). One line per run; without the runtimes it
# skips saying why, and fails when CI=true. The three tests and both
# runtimes run side by side (-parallel 5): their runs mostly wait (health
# intervals), each in namespaces of its own; the Slurm jobs one at a time.
e2e-runtimes:
	TRANSSHIP_RUNTIMES_E2E=1 $(GO) test -count=1 -timeout 15m -parallel 5 -run '^TestReal(Runtimes|Examples|Slurm)$$' -v ./targets/batch/ 2>&1 | \
	  grep --line-buffered -vE '^(=== (RUN|PAUSE|CONT|NAME)|\s*--- PASS)'

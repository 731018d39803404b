#!/usr/bin/env bash
# make e2e-deps: installs the Debian packages the tests run (shellcheck,
# Slurm with munge for internal/slurm, cloud-init, and what make e2e-vm
# builds and boots a VM with) when missing, then builds a real
# kube-apiserver and etcd from the Go module proxy, for the tests that
# validate our manifests against a real API server (internal/kubeapi).
# Needs Go, and root (or the packages already installed).
#
#   bin dir: ${TRANSSHIP_E2E_CACHE:-$HOME/.cache/transship-e2e}/kube-v1.37.2/bin
#
# The bin dir's path is the last line on stdout; progress goes to stderr.
# Idempotent: when every binary is there and answers its version flag, it
# does nothing. A cold build of all of them took 9.5 min here on 2 cores
# (613 MB of binaries, ~2.3 GB of module cache, ~5 GB of build cache); a
# warm one ~15 s.
#
# Why not `go install k8s.io/kubernetes/cmd/kube-apiserver@v1.37.2`: the
# kubernetes module (and etcd's server module) carry replace directives
# (./staging/...), which `go install pkg@version` refuses. So we build in a
# throwaway main module that requires k8s.io/kubernetes and replaces each
# staging module by its published k8s.io/* v0.37.2 (see
# ../shared/notes/kubernetes.md section 7). The list of staging modules is
# read from k8s.io/kubernetes' own go.mod.
set -euo pipefail

KUBE_VERSION=v1.37.2
STAGING_VERSION=v0.37.2   # staging modules are published as v0.<minor>.<patch>

cache="${TRANSSHIP_E2E_CACHE:-$HOME/.cache/transship-e2e}"
bin="$cache/kube-$KUBE_VERSION/bin"

log() { echo "e2e-deps: $*" >&2; }

# Debian packages the tests run as real consumers: a real Slurm on
# localhost (internal/slurm: slurmctld, slurmd, munged, sbatch & co), a
# linter for the batch scripts (shellcheck), and `cloud-init schema` for
# the cloud-init user-data; mmdebstrap, e2fsprogs, qemu and genisoimage to
# build a Debian VM image and boot it with our user-data (internal/vmtest),
# openssh-client to copy a secret into it.
# Installed when missing (needs root);
# apt's output goes to stderr, so the bin dir stays the last line on stdout.
# For the single-node cluster (internal/cluster): containerd and runc, the
# CNI plugins, iptables and conntrack for kube-proxy, iproute2 for the
# harness's namespaces and bridge, busybox-static as the userland of the
# images it builds, and gcc (static) for the pause binary.
# zsh and fish parse and run the completion scripts (cmd/cli,
# cmd/transship); patch applies --check's diff (cmd/output).
DEB_PACKAGES=(shellcheck slurm-wlm slurmctld slurmd slurm-client munge cloud-init
  mmdebstrap e2fsprogs qemu-system-x86 qemu-utils genisoimage openssh-client
  containerd runc containernetworking-plugins iptables conntrack iproute2
  busybox-static gcc libc6-dev zsh fish patch)
if command -v dpkg-query >/dev/null 2>&1; then
  deb_missing=()
  for p in "${DEB_PACKAGES[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
      deb_missing+=("$p")
    fi
  done
  if [ "${#deb_missing[@]}" -eq 0 ]; then
    log "Debian packages already installed: ${DEB_PACKAGES[*]}"
  elif [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${deb_missing[*]}"
    log "install them as root: apt-get install --no-install-recommends ${deb_missing[*]}"
    exit 1
  else
    log "installing Debian packages: ${deb_missing[*]}"
    apt_install() {
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${deb_missing[@]}" >&2
    }
    # apt-get update only when needed: it is slow and needs the network.
    if ! apt_install; then
      log "apt-get install failed; running apt-get update and retrying"
      apt-get -o DPkg::Lock::Timeout=900 update -q >&2
      apt_install
    fi
  fi
else
  # Not Debian: nothing to install with; the Slurm tests skip without
  # these (and fail when CI=true).
  log "no dpkg-query: install ${DEB_PACKAGES[*]} (or your system's equivalents) yourself"
fi

# ok BINARY: the binary exists and runs.
ok() { [ -x "$1" ] && "$1" $(version_flag "$1") >/dev/null 2>&1; }
# version_flag BINARY: how BINARY prints its version (kubectl has no
# --version flag).
version_flag() {
  case ${1##*/} in
  kubectl | .kubectl.*) echo "version --client" ;;
  *) echo --version ;;
  esac
}

# Everything the tests run: the API server and etcd (internal/kubeapi) and
# the rest of a single-node cluster (internal/cluster); CoreDNS is its own
# module, built by go install.
BINARIES=(kube-apiserver etcd kube-controller-manager kube-scheduler kubelet kube-proxy kubectl coredns)
all_ok() {
  local b
  for b in "${BINARIES[@]}"; do ok "$bin/$b" || return 1; done
}
if all_ok; then
  log "${BINARIES[*]} already built"
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  export PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null 2>&1 || { log "go not found (looked in PATH and /usr/local/go/bin)"; exit 1; }

export GOWORK=off GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0
# A private build cache: a build once failed midway here with files
# vanishing from a build cache that other builds were sharing
# (../shared/notes/cluster.md). It is kept, so a rebuild is quick.
export GOCACHE="$cache/go-build"

mkdir -p "$bin"
work=$(mktemp -d "$cache/build.XXXXXX")
cleanup() {
  rm -rf "$work"
  rm -f "$bin"/.*.tmp.$$
}
trap cleanup EXIT
cd "$work"

log "$(go version); building in $work"
go mod init transship.invalid/e2e-build >/dev/null 2>&1

log "reading k8s.io/kubernetes@$KUBE_VERSION's go.mod"
gomod=$(go list -m -f '{{.GoMod}}' "k8s.io/kubernetes@$KUBE_VERSION")
[ -f "$gomod" ] || { log "could not fetch k8s.io/kubernetes@$KUBE_VERSION's go.mod"; exit 1; }

# Staging modules: replaced by ./staging/... in kubernetes' go.mod AND
# required by it (sample-cli-plugin and sample-controller are replaced but
# neither required nor published).
mapfile -t staged < <(awk '
  /^replace[ \t]*\(/ { rep = 1; next }
  /^require[ \t]*\(/ { req = 1; next }
  /^\)/              { rep = 0; req = 0; next }
  rep && $2 == "=>" && $3 ~ /^\.\/staging\// { replaced[$1] = 1 }
  req && $1 ~ /^k8s\.io\//                   { required[$1] = 1 }
  END { for (m in replaced) if (m in required) print m }
' "$gomod" | sort)
[ "${#staged[@]}" -gt 0 ] || { log "found no staging modules in $gomod"; exit 1; }
log "${#staged[@]} staging modules -> $STAGING_VERSION"

edits=(-require="k8s.io/kubernetes@$KUBE_VERSION")
for m in "${staged[@]}"; do
  edits+=(-replace="$m=$m@$STAGING_VERSION")
done
go mod edit "${edits[@]}"

log "resolving the module graph (downloads ~570 MB on a cold module cache)"
go mod download k8s.io/kubernetes

minor=${KUBE_VERSION#v1.}
minor=${minor%%.*}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$KUBE_VERSION"
  ldflags+=" -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean"
  ldflags+=" -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

# build NAME PACKAGE [LDFLAGS]: builds to a temporary name, checks that it
# runs, then renames it, so an interrupted build never leaves a half binary.
build() {
  local name=$1 pkg=$2 flags=${3:-"-s -w"} start=$SECONDS
  local tmp="$bin/.$name.tmp.$$"
  if ok "$bin/$name"; then
    log "$name: already built"
    return
  fi
  log "$name: go build $pkg (this is the slow part)"
  go build -trimpath -ldflags "$flags" -o "$tmp" "$pkg"
  "$tmp" $(version_flag "$tmp") >&2
  mv -f "$tmp" "$bin/$name"
  log "$name: built in $((SECONDS - start)) s"
}

build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$ldflags"
# etcd's server module is in kubernetes' module graph (v3.7.0, matching its
# etcd client); its root package is the etcd main.
build etcd go.etcd.io/etcd/server/v3
build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$ldflags"
build kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler "$ldflags"
build kube-proxy k8s.io/kubernetes/cmd/kube-proxy "$ldflags"
build kubelet k8s.io/kubernetes/cmd/kubelet "$ldflags"
build kubectl k8s.io/kubernetes/cmd/kubectl "$ldflags"

# CoreDNS has no replace directives, so go install works; ~2 min.
COREDNS_VERSION=v1.15.0
if ok "$bin/coredns"; then
  log "coredns: already built"
else
  log "coredns: go install github.com/coredns/coredns@$COREDNS_VERSION"
  start=$SECONDS
  GOBIN="$work/gobin" go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
  "$work/gobin/coredns" -version >&2
  mv -f "$work/gobin/coredns" "$bin/coredns"
  log "coredns: built in $((SECONDS - start)) s"
fi

log "done"
echo "$bin"

#!/usr/bin/env bash
# Real container runtimes for make e2e-runtimes (targets/batch's real-runtime
# tests): Apptainer 1.5.3 and proot 5.4.0 built from the sources kept in
# ../shared/runtimes, udocker 1.3.16 unpacked, and the local udockertools
# tarball udocker installs from (it cannot download one here). Called at the
# end of scripts/e2e-deps.sh; can be run on its own.
#
# Layout: apptainer/bin/apptainer, bin/udocker (a wrapper of
# udocker-VERSION/udocker/maincmd.py), proot/proot-x86_64,
# udockertools-1.2.11.tar.gz (for UDOCKER_TARBALL + `udocker install`).
#
#   runtimes dir: $TRANSSHIP_E2E_RUNTIMES, else /var/cache/transship-e2e/runtimes
#                 as root, else ${TRANSSHIP_E2E_CACHE:-$HOME/.cache/transship-e2e}/runtimes
#
# Why not under root's ~/.cache: the tests run the runtimes as an
# unprivileged user (HPC users are not root, and root Apptainer fails on
# this machine), and root's home is 0700. The directory is made world-
# readable. internal/e2ecache.RuntimesDir() applies the same rule.
#
# The runtimes dir's path is the last line on stdout; progress goes to
# stderr. Idempotent: once built (each part checked by running it), it does
# nothing. Cold: ~8-12 min on 2 cores (Apptainer's Go build dominates);
# warm: under a second. Without ../shared/runtimes it says so and exits 0,
# so that the suite skips with that message (and fails under CI=true).
set -euo pipefail

APPTAINER_VERSION=1.5.3
UDOCKER_VERSION=1.3.16
PROOT_VERSION=5.4.0
UDOCKERTOOLS_VERSION=1.2.11 # what udocker 1.3.16 expects in lib/VERSION

repo=$(cd "$(dirname "$0")/.." && pwd)
src="${TRANSSHIP_RUNTIMES_SRC:-$repo/../shared/runtimes}"
if [ -n "${TRANSSHIP_E2E_RUNTIMES:-}" ]; then
  dir=$TRANSSHIP_E2E_RUNTIMES
elif [ "$(id -u)" -eq 0 ]; then
  dir=/var/cache/transship-e2e/runtimes
else
  dir="${TRANSSHIP_E2E_CACHE:-$HOME/.cache/transship-e2e}/runtimes"
fi

log() { echo "e2e-runtimes-deps: $*" >&2; }

apptainer_ok() { "$dir/apptainer/bin/apptainer" --version 2>/dev/null | grep -q "$APPTAINER_VERSION"; }
proot_ok() { "$dir/proot/proot-x86_64" --version >/dev/null 2>&1; }
udocker_ok() {
  [ -f "$dir/udocker-$UDOCKER_VERSION/udocker/maincmd.py" ] && [ -x "$dir/bin/udocker" ] &&
    [ -f "$dir/udockertools-$UDOCKERTOOLS_VERSION.tar.gz" ]
}
if apptainer_ok && proot_ok && udocker_ok; then
  log "apptainer $APPTAINER_VERSION, proot $PROOT_VERSION, udocker $UDOCKER_VERSION already built in $dir"
  echo "$dir"
  exit 0
fi

for f in apptainer-$APPTAINER_VERSION udocker-$UDOCKER_VERSION proot-$PROOT_VERSION; do
  if [ ! -f "$src/$f.tar.gz" ]; then
    log "no $src/$f.tar.gz: the real-runtime tests (make e2e-runtimes) will skip (and fail when CI=true)"
    exit 0
  fi
done

# Apptainer's build packages (its INSTALL.md; ../shared/runtimes/README.md)
# and proot's (libtalloc-dev); installed when missing (needs root).
DEB_PACKAGES=(build-essential libseccomp-dev libtalloc-dev libattr1-dev libprotobuf-c-dev
  pkg-config uidmap fakeroot cryptsetup squashfs-tools squashfuse fuse2fs libfuse3-dev
  autoconf automake libtool zlib1g-dev liblzo2-dev liblz4-dev liblzma-dev libzstd-dev
  libsubid-dev python3)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${missing[*]}; install them as root"
    exit 1
  fi
  log "installing Debian packages: ${missing[*]}"
  apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
  if ! apt_install; then
    apt-get update -q >&2
    apt_install
  fi
fi

if ! command -v go >/dev/null 2>&1; then export PATH="/usr/local/go/bin:$PATH"; fi
umask 022
mkdir -p "$dir"
# Every directory above $dir must be traversable by the test user.
chmod a+rx "$dir"
work=$(mktemp -d "$dir/build.XXXXXX")
trap 'rm -rf "$work"' EXIT

if ! apptainer_ok; then
  start=$SECONDS
  log "apptainer $APPTAINER_VERSION: building (the slow part)"
  tar -C "$work" -xzf "$src/apptainer-$APPTAINER_VERSION.tar.gz"
  a=$(find "$work" -maxdepth 2 -name mconfig -printf '%h\n' | head -1)
  rm -rf "$dir/apptainer"
  # GOFLAGS: the archive has no .git, so no VCS stamping. GOCACHE: a
  # private one, since Apptainer's Makefile runs `go clean -cache`, which
  # would wipe the build cache everyone else on the machine uses.
  export GOCACHE="$work/go-build"
  (cd "$a" && GOFLAGS=-buildvcs=false ./mconfig --prefix="$dir/apptainer" >&2 &&
    GOFLAGS=-buildvcs=false make -C builddir >&2 && make -C builddir install >&2)
  apptainer_ok || { log "apptainer built but does not run"; exit 1; }
  log "apptainer: built in $((SECONDS - start)) s"
fi

if ! proot_ok; then
  start=$SECONDS
  log "proot $PROOT_VERSION: building"
  tar -C "$work" -xzf "$src/proot-$PROOT_VERSION.tar.gz"
  p=$(find "$work" -maxdepth 3 -type d -name src -path '*proot*' | head -1)
  make -C "$p" loader.elf loader-m32.elf build.h >&2
  make -C "$p" proot >&2
  mkdir -p "$dir/proot"
  install -m 0755 "$p/proot" "$dir/proot/proot-x86_64"
  proot_ok || { log "proot built but does not run"; exit 1; }
  log "proot: built in $((SECONDS - start)) s"
fi

if ! udocker_ok; then
  log "udocker $UDOCKER_VERSION: unpacking; udockertools tarball with proot $PROOT_VERSION"
  rm -rf "$dir/udocker-$UDOCKER_VERSION"
  mkdir -p "$dir/udocker-$UDOCKER_VERSION"
  tar -C "$dir/udocker-$UDOCKER_VERSION" --strip-components=1 -xzf "$src/udocker-$UDOCKER_VERSION.tar.gz"
  t="$work/tools/udocker_dir"
  mkdir -p "$t/bin" "$t/lib" "$t/doc"
  cp "$dir/proot/proot-x86_64" "$t/bin/proot-x86_64"
  printf '%s' "$UDOCKERTOOLS_VERSION" >"$t/lib/VERSION"
  echo "proot $PROOT_VERSION built from ../shared/runtimes by transship's e2e-runtimes-deps.sh" >"$t/doc/README"
  tar -C "$work/tools" --owner=0 --group=0 --numeric-owner -czf "$dir/.tools.tmp" udocker_dir
  mv -f "$dir/.tools.tmp" "$dir/udockertools-$UDOCKERTOOLS_VERSION.tar.gz"
  # udocker on PATH, as run.sh looks for it.
  mkdir -p "$dir/bin"
  printf '#!/bin/sh\nexec python3 %s/udocker-%s/udocker/maincmd.py "$@"\n' "$dir" "$UDOCKER_VERSION" >"$dir/bin/udocker"
  chmod 0755 "$dir/bin/udocker"
  udocker_ok || { log "udocker unpack failed"; exit 1; }
fi

chmod -R a+rX "$dir"
log "done"
echo "$dir"

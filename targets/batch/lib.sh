# ---- the launcher (the same in every run.sh transship writes) ----

say() { printf 'transship: %s\n' "$*" >&2; }
die() { local code=$1; shift; say "error: $*"; exit "$code"; }

# physical DIR prints DIR without symlinks; the x keeps a trailing newline
# of a directory name from being dropped.
physical() { cd -P -- "$1" && printf '%sx' "$PWD"; }
here=${BASH_SOURCE[0]%/*}
[ "$here" = "${BASH_SOURCE[0]}" ] && here=.
here=$(physical "$here") && here=${here%x}
project_dir=${TRANSSHIP_PROJECT_DIR:-$default_project_dir}
case $project_dir in /*) ;; *) project_dir=$here/$project_dir ;; esac
[ -d "$project_dir" ] || die 1 "project directory $project_dir not found: set TRANSSHIP_PROJECT_DIR"
project_dir=$(physical "$project_dir") && project_dir=${project_dir%x}
job_id=${TRANSSHIP_JOB_ID:-${SLURM_JOB_ID:-${DIRACJOBID:-local-$$}}}
volumes=${TRANSSHIP_VOLUMES:-${default_volumes:-volumes}}/$job_id
case $volumes in /*) ;; *) volumes=$here/$volumes ;; esac
image_cache=${TRANSSHIP_IMAGE_CACHE:-${default_image_cache:-${XDG_CACHE_HOME:-$HOME/.cache}/transship/images}}
cvmfs=${TRANSSHIP_CVMFS_UNPACKED-$default_cvmfs}
oasis=/cvmfs/oasis.opensciencegrid.org/mis/apptainer/current/bin/apptainer

# A variable the user exported for their own runs must not reach ours.
while read -r v; do
  case $v in APPTAINERENV_* | SINGULARITYENV_*) unset "$v" ;; esac
done < <(compgen -e)

# find_runtime sets rt (apptainer, singularity or udocker) and rt_bin.
find_runtime() {
  local want=${TRANSSHIP_RUNTIME:-$default_runtime}
  case $want in
  auto)
    for rt in apptainer singularity; do
      rt_bin=$(command -v "$rt") && return 0
    done
    rt=apptainer rt_bin=$oasis
    [ -x "$rt_bin" ] && return 0
    rt=udocker
    rt_bin=$(command -v udocker) && return 0
    die 127 "no container runtime: looked for apptainer, singularity, $oasis and udocker (set TRANSSHIP_RUNTIME, or load a module that provides one)"
    ;;
  apptainer | singularity | udocker)
    rt=$want
    rt_bin=$(command -v "$rt") && return 0
    if [ "$rt" = apptainer ] && [ -x "$oasis" ]; then rt_bin=$oasis && return 0; fi
    die 127 "$rt not found on PATH (TRANSSHIP_RUNTIME=$rt)"
    ;;
  *) die 2 "TRANSSHIP_RUNTIME=$want: expected auto, apptainer, singularity or udocker" ;;
  esac
}

# ms_to_s prints a duration in milliseconds as seconds for sleep and timeout.
ms_to_s() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
# now_ms sets now to the time in milliseconds; bash 5 has a clock, older
# ones ask date. (Helpers set variables rather than print: command
# substitution costs a fork and drops trailing newlines from paths.)
now_ms() {
  if [ -n "${EPOCHREALTIME:-}" ]; then
    local t=${EPOCHREALTIME/[.,]/}
    now=$((10#$t / 1000))
  else
    now=$(date +%s%N)
    now=$((now / 1000000))
  fi
}

# --- images ---

# sif_path REF SIF CVMFS sets img to where the image of REF is (or will be).
sif_path() {
  if [ "$rt" != udocker ] && [ -n "$cvmfs" ] && [ -n "$3" ] && [ -d "$cvmfs/$3" ]; then
    img=$cvmfs/$3
  else
    img=$image_cache/$2
  fi
}

# pull REF SIF CVMFS makes the image of REF ready once, without the
# network when it can, since compute nodes often have none: a CVMFS
# unpacked image is used in place; with Apptainer, a SIF already in the
# image cache is reused, and an archive put there beside it
# (<SIF name without .sif>.tar: `docker save`, or an OCI archive) is built
# into it; with udocker, an image already in its repository (a login node's
# `udocker pull REF`) is used as it is, and the same archive is loaded.
# Only then is the image pulled, to a temporary name renamed at the end,
# so concurrent jobs never see half a file.
pull() {
  local archive=$image_cache/${2%.sif}.tar
  if [ "$rt" = udocker ]; then
    "$rt_bin" -q inspect "$1" >/dev/null 2>&1 && return 0
    if [ -f "$archive" ]; then
      # The archive names its image (docker save's RepoTags, an OCI
      # index's ref.name annotation), but udocker reads a ref.name as
      # REPO:TAG only when it has a '/'; docker save and skopeo write the
      # tag alone there (1.37 for busybox:1.37), which udocker then puts
      # under a random name: load it again under the repository's.
      say "loading $archive into udocker"
      "$rt_bin" -q load -i "$archive" >/dev/null || die 1 "udocker load -i $archive failed"
      "$rt_bin" -q inspect "$1" >/dev/null 2>&1 || "$rt_bin" -q load -i "$archive" "${1%:*}" >/dev/null 2>&1 || true
      "$rt_bin" -q inspect "$1" >/dev/null 2>&1 || die 1 "$archive does not hold an image named $1"
      return 0
    fi
    say "pulling $1 with udocker (no network? pre-load it: see README.txt)"
    "$rt_bin" -q pull "$1" || die 1 "pulling $1 with udocker failed"
    return 0
  fi
  local dest img
  sif_path "$@"
  dest=$img
  [ -e "$dest" ] && return 0
  mkdir -p -- "$image_cache"
  local tmp="$image_cache/.tmp.$$.$2" how=pull src="docker://$1"
  if [ -f "$archive" ]; then
    how=build src=docker-archive://$archive
    tar -tf "$archive" oci-layout >/dev/null 2>&1 && src=oci-archive://$archive
  fi
  say "${how}ing $src into $dest"
  "$rt_bin" "$how" "$tmp" "$src" >&2 || { rm -f -- "$tmp"; die 1 "${how}ing $src failed"; }
  mv -f -- "$tmp" "$dest"
}

# --- service specs: spec SERVICE calls the functions below ---
# They only record; prepare does what they need on disk when the service
# starts, so loading a spec again (for a probe, or to stop it) is free.

reset_spec() {
  s_id='' s_ref='' s_sif='' s_cvmfs='' s_mode=run s_workdir=/ s_hostname=''
  s_root=0 s_ro=0 s_gpus=0 s_nonet=0 s_signal=TERM s_grace=10000
  s_args=() s_env=() s_binds=() s_hosts=() s_mkdirs=() s_needs=() s_writes=()
  s_health=() s_health_shell=0
  s_interval=30000 s_timeout=30000 s_retries=3 s_start_period=0 s_start_interval=5000
}
service_id() { s_id=$1; }
image() { s_ref=$1 s_sif=$2 s_cvmfs=$3; }
entrypoint_mode() { s_mode=$1; } # run: the image's entrypoint; exec: ours
args() { s_args=("$@"); }
workdir() { s_workdir=$1; }
setenv() { s_env+=("$1=$2"); }
host_name() { s_hostname=$1; }
as_root() { s_root=1; }
read_only() { s_ro=1; }
gpus() { s_gpus=1; }
no_network() { s_nonet=1; }
stop_with() { s_signal=$1 s_grace=$2; }
extra_host() { s_hosts+=("$2 $1"); }
# bind_mount SRC DST ro|rw: a missing source directory is created, as
# compose does; SRC is relative to the project directory.
bind_mount() {
  local path
  project_path "$1"
  s_mkdirs+=("$path")
  add_bind "$path" "$2" "$3"
  wrote "$1" "$3"
}
# bind_file SRC DST ro|rw: a file, which must exist.
bind_file() {
  local path
  project_path "$1"
  s_needs+=("$path")
  add_bind "$path" "$2" "$3"
  wrote "$1" "$3"
}
# wrote SRC ro|rw notes the top-level entry of the project directory that
# a read-write bind writes into: where the worker's scratch is wiped after
# the job (DIRAC), those entries leave in TRANSSHIP_BINDS_TARBALL.
# (return 0, never a bare return: called from the EXIT trap's teardown, a
# bare return gives the status from before the trap, and set -e ends it.)
wrote() {
  local top=${1%%/*} w
  case $2:$1 in rw:/* | rw:.. | rw:../*) return 0 ;; rw:*) ;; *) return 0 ;; esac
  for w in "${project_written[@]}"; do [ "$w" = "$top" ] && return 0; done
  project_written+=("$top")
}
project_written=()
volume() { s_mkdirs+=("$volumes/$1") && add_bind "$volumes/$1" "$2" "$3"; }
tmpdir() {
  local d="$state/s$s_id.tmp${#s_binds[@]}"
  s_mkdirs+=("$d") && add_bind "$d" "$1" rw
}
# inline_file DST CONTENT: a config given by value.
inline_file() {
  local f="$state/s$s_id.file${#s_binds[@]}"
  s_writes+=("$f" "=$2") && add_bind "$f" "$1" ro
}
# secret_from_env VAR DST: the value is read when the job runs, never
# written into this script.
secret_from_env() {
  local f="$state/s$s_id.file${#s_binds[@]}"
  s_writes+=("$f" "\$$1") && add_bind "$f" "$2" ro
}
add_bind() { s_binds+=("$1:$2:$3"); }
health() { s_health=("$@"); }
health_shell() { s_health=("$1") s_health_shell=1; }
health_timing() { s_interval=$1 s_timeout=$2 s_retries=$3 s_start_period=$4 s_start_interval=$5; }
# project_path P sets path to P, relative to the project directory.
project_path() { case $1 in /*) path=$1 ;; *) path=$project_dir/$1 ;; esac; }

# prepare makes what the loaded service mounts.
prepare() {
  local b d i v
  for b in "${s_binds[@]}"; do
    case $b in *,*) die 1 "cannot bind ${b%:*}: Apptainer and udocker split mount specs on ','" ;; esac
    case ${b%:*} in *:*:*) die 1 "cannot bind ${b%:*}: a path with ':' cannot be mounted" ;; esac
  done
  # A fork costs milliseconds on some nodes: mkdir only what is missing.
  for d in "${s_mkdirs[@]}"; do [ -d "$d" ] || mkdir -p -- "$d"; done
  for d in "${s_needs[@]}"; do [ -e "$d" ] || die 1 "$d not found"; done
  for ((i = 0; i < ${#s_writes[@]}; i += 2)); do
    v=${s_writes[i + 1]}
    case $v in
    =*) printf '%s' "${v#=}" >"${s_writes[i]}" ;;
    \$*)
      v=${v#\$}
      [ -n "${!v+set}" ] || die 1 "environment variable $v is not set: it holds a secret of the project"
      (umask 077 && printf '%s' "${!v}" >"${s_writes[i]}")
      ;;
    esac
  done
  hosts_file
}

# load SERVICE: the spec of SERVICE in the s_* variables.
load() {
  reset_spec
  spec "$1"
  add_bind "$state/s$s_id.hosts" /etc/hosts ro
}

# --- running ---

declare -A pid=() status=() healthy=() started_at=()
started=()

# hosts_file writes the service's /etc/hosts: every name of the project on
# the loopback address, since all services share the node's network.
hosts_file() {
  local f="$state/s$s_id.hosts"
  {
    printf '127.0.0.1\tlocalhost %s\n' "$all_names"
    printf '::1\tlocalhost ip6-localhost ip6-loopback\n'
    local h
    for h in "${s_hosts[@]}"; do printf '%s\n' "$h"; done
  } >"$f"
}

# runtime_cmd NAME: the command that runs the loaded service's container
# with the arguments in the rest (the service's own, or a health probe's),
# into the array cmd.
runtime_cmd() {
  local mode=$1
  shift
  if [ "$rt" = udocker ]; then
    udocker_cmd "$mode" "$@"
    return
  fi
  local prefix=APPTAINERENV_ kv b
  [ "$rt" = singularity ] && prefix=SINGULARITYENV_
  cmd=(env)
  for kv in "${s_env[@]}"; do cmd+=("$prefix$kv"); done
  cmd+=("$rt_bin" "$mode" --containall --no-eval --pwd "$s_workdir")
  [ "$s_ro" = 1 ] || cmd+=(--writable-tmpfs)
  [ "$s_root" = 1 ] && cmd+=(--fakeroot)
  [ "$s_gpus" = 1 ] && cmd+=(--nv)
  [ "$s_nonet" = 1 ] && cmd+=(--net --network none)
  [ -n "$s_hostname" ] && cmd+=(--hostname "$s_hostname")
  for b in "${s_binds[@]}"; do cmd+=(--bind "${b%:rw}"); done
  local img
  sif_path "$s_ref" "$s_sif" "$s_cvmfs"
  # A SIF is mounted with squashfuse, which needs /dev/fuse; where a node
  # does not give it to users, the image is extracted instead.
  if [ -f "$img" ] && ! { [ -r /dev/fuse ] && [ -w /dev/fuse ]; }; then cmd+=(--unsquash); fi
  cmd+=("$img" "$@")
}

# udocker_cmd: udocker has no read-only mounts and takes the environment
# as -e flags; --entrypoint= with the whole command avoids its splitting of
# the entrypoint flag on spaces.
udocker_cmd() {
  local mode=$1 kv b uname
  shift
  udocker_name
  cmd=("$rt_bin" -q)
  [ "$(id -u)" = 0 ] && cmd+=(--allow-root)
  cmd+=(run --nobanner -w "$s_workdir")
  for kv in "${s_env[@]}"; do cmd+=(-e "$kv"); done
  for b in "${s_binds[@]}"; do b=${b%:rw} && cmd+=(-v "${b%:ro}"); done
  [ "$s_root" = 1 ] && cmd+=(--user=root)
  [ -n "$s_hostname" ] && cmd+=("--hostname=$s_hostname")
  [ "$mode" = exec ] && cmd+=(--entrypoint=)
  cmd+=("$uname" "$@")
}
# udocker_name sets uname to the loaded service's container name.
udocker_name() { uname=transship-$project-s$s_id-$job_id; }

# udocker_create makes the loaded service's container (once per job).
udocker_create() {
  local uname
  udocker_name
  local name=$uname
  # Before it exists: a TERM while udocker creates it must still remove it.
  udocker_made+=("$name")
  "$rt_bin" -q create --name="$name" "$s_ref" >/dev/null || die 1 "udocker create $name failed"
  local setup=("$rt_bin" -q setup --execmode=P1)
  [ "$s_gpus" = 1 ] && setup+=(--nvidia)
  "${setup[@]}" "$name" >/dev/null || die 1 "udocker setup $name failed"
}
udocker_made=()

# start SERVICE runs it in the background, in its own process group.
start() {
  local svc=$1 cmd=()
  load "$svc"
  prepare
  [ "$rt" = udocker ] && udocker_create
  runtime_cmd "$s_mode" "${s_args[@]}"
  say "starting $svc"
  # Job control, on only while it starts, gives the service its own process
  # group, so a stop signal reaches everything it started; nor does it
  # inherit the ignored SIGINT of a non-interactive shell's background job.
  set -m
  "${cmd[@]}" </dev/null > >(prefix "$svc") 2> >(prefix "$svc" >&2) &
  pid[$svc]=$!
  started+=("$svc") # at once: a TERM from now on must stop it
  set +m
  local now
  now_ms
  started_at[$svc]=$now
}

# prefix SERVICE copies lines to its output with the service's name in
# front, as compose does, so a job log says who printed what. It runs in
# the service's process group and ignores the stop signal, so that it
# passes on what the service prints while it stops, and ends at EOF.
prefix() {
  trap '' TERM INT HUP
  local line
  while IFS= read -r line || [ -n "$line" ]; do printf '%s | %s\n' "$1" "$line"; done
}

# reap SERVICE records its exit status once it has exited.
reap() {
  local rc=0
  [ -n "${status[$1]:-}" ] && return 0
  wait "${pid[$1]}" || rc=$?
  status[$1]=$rc
}
running() { [ -z "${status[$1]:-}" ] && kill -0 "${pid[$1]}" 2>/dev/null; }

# probe runs the loaded service's healthcheck once, under its timeout.
probe() {
  local cmd=()
  if [ "$s_health_shell" = 1 ]; then
    runtime_cmd exec /bin/sh -c "${s_health[0]}"
  else
    runtime_cmd exec "${s_health[@]}"
  fi
  timeout -k 1 "$(ms_to_s "$s_timeout")" "${cmd[@]}" </dev/null >/dev/null 2>&1
}

# wait_healthy SERVICE REQUIRED: probes as docker does: every interval
# (start_interval during start_period, whose failures do not count) until
# one succeeds, or retries consecutive failures make it unhealthy.
wait_healthy() {
  local svc=$1 required=$2 fails=0 now
  if [ "${healthy[$svc]:-}" = yes ]; then return 0; fi
  [ -n "${healthy[$svc]:-}" ] && { check_health "$svc" "$required"; return; }
  load "$svc"
  if [ ${#s_health[@]} -eq 0 ]; then
    healthy[$svc]=yes
    return 0
  fi
  say "waiting for $svc to be healthy"
  while :; do
    now_ms
    if [ $((now - started_at[$svc])) -lt "$s_start_period" ]; then
      sleep "$(ms_to_s "$s_start_interval")"
      probe && break
    else
      sleep "$(ms_to_s "$s_interval")"
      probe && break
      fails=$((fails + 1))
      if [ "$fails" -ge "$s_retries" ]; then healthy[$svc]=no && break; fi
    fi
    running "$svc" || { healthy[$svc]=exited && break; }
  done
  : "${healthy[$svc]:=yes}"
  check_health "$svc" "$required"
}
check_health() {
  case ${healthy[$1]}:$2 in
  yes:*) say "$1 is healthy" ;;
  *:required) die 1 "dependency $1 is not healthy (${healthy[$1]})" ;;
  *) say "$1 is not healthy (${healthy[$1]}); going on, as it is not required" ;;
  esac
}

# wait_completed SERVICE REQUIRED: the dependency runs to its end and must
# exit 0.
wait_completed() {
  reap "$1"
  local rc=${status[$1]}
  [ "$rc" = 0 ] && { say "$1 completed"; return 0; }
  [ "$2" = required ] && die "$rc" "dependency $1 exited with status $rc"
  say "$1 exited with status $rc; going on, as it is not required"
}

# watch waits like `docker compose up --exit-code-from`: the services
# nothing depends on decide the job's status; a dependency that fails while
# they run fails the job.
watch() {
  local left=$# svc rc
  while [ "$left" -gt 0 ]; do
    for svc in "${started[@]}"; do
      [ -n "${status[$svc]:-}" ] && continue
      kill -0 "${pid[$svc]}" 2>/dev/null && continue
      reap "$svc"
      rc=${status[$svc]}
      if [[ " $* " == *" $svc "* ]]; then
        [ "$rc" = 0 ] || die "$rc" "service $svc exited with status $rc"
        say "$svc exited with status 0"
        left=$((left - 1))
      elif [ "$rc" != 0 ]; then
        die "$rc" "dependency $svc exited with status $rc"
      else
        say "$svc exited with status 0"
      fi
    done
    if [ "$left" -gt 0 ]; then sleep 0.2; fi
  done
}

# stop SERVICE: its stop signal to its whole process group, its grace
# period, then KILL.
stop() {
  local svc=$1 p=${pid[$1]} waited=0
  load "$svc"
  if [ -n "${status[$svc]:-}" ]; then
    # It has exited: what is left of its group is what prefixes its
    # output, which ends at EOF.
    while kill -0 -- "-$p" 2>/dev/null && [ "$waited" -lt 2000 ]; do
      sleep 0.1
      waited=$((waited + 100))
    done
    kill -s KILL -- "-$p" 2>/dev/null || true
  elif kill -0 -- "-$p" 2>/dev/null; then
    say "stopping $svc"
    kill -s "$s_signal" -- "-$p" 2>/dev/null || true
    while kill -0 -- "-$p" 2>/dev/null && [ "$waited" -lt "$s_grace" ]; do
      sleep 0.1
      waited=$((waited + 100))
    done
    kill -s KILL -- "-$p" 2>/dev/null || true
  fi
  reap "$svc"
}

# teardown runs on every exit: services stop in reverse start order, then
# the job's temporary files go. Named volumes stay.
teardown() {
  local rc=$? i
  trap '' TERM INT HUP
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do stop "${started[i]}"; done
  # One udocker for all: each start of it is a Python start-up, and a
  # scheduler's grace after TERM is short (Slurm's KillWait).
  if [ ${#udocker_made[@]} -gt 0 ]; then "$rt_bin" -q rm -f "${udocker_made[@]}" >/dev/null 2>&1 || true; fi
  rm -rf -- "$state"
  # Where the worker's scratch is wiped after the job (DIRAC), the named
  # volumes leave in a tarball the job's output sandbox holds.
  if [ -n "${TRANSSHIP_VOLUMES_TARBALL:-}" ]; then
    tar -czf "$TRANSSHIP_VOLUMES_TARBALL" -C "${volumes%/*}" "${volumes##*/}" ||
      say "could not write the named volumes to $TRANSSHIP_VOLUMES_TARBALL"
  fi
  if [ -n "${TRANSSHIP_BINDS_TARBALL:-}" ] && [ ${#project_written[@]} -gt 0 ]; then
    tar -czf "$TRANSSHIP_BINDS_TARBALL" -C "$project_dir" -- "${project_written[@]}" ||
      say "could not write ${project_written[*]} to $TRANSSHIP_BINDS_TARBALL"
  fi
  exit "$rc"
}

mkdir -p -- "$volumes"
umask 077
state=$(mktemp -d "${TMPDIR:-/tmp}/transship-$project.XXXXXX")
umask 022
trap teardown EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

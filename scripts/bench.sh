#!/usr/bin/env bash
# make bench: what transship costs next to compose-go's own load.
#  1. builds transship and scripts/composeload (compose-go alone),
#  2. on gen-compose.py's files (issue 18; `gencompose -triples`) runs
#     both side by side, interleaved, and prints the CPU and peak-RSS
#     ratios (CPU = user + sys; peak RSS = the child's rusage maxrss;
#     median, min and max of RUNS),
#  3. times both binaries on synthetic files of 50, 500 and 5000 services
#     (CPU = user + sys, best of RUNS runs, and peak memory),
#  4. runs the in-process go test benchmarks of translate.
# It asserts nothing: it prints figures for people and closing notes.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/transship" ./cmd/transship
go build -o "$work/composeload" ./scripts/composeload

# best prints the lowest CPU seconds and the peak KB of RUNS runs of "$@".
best() {
  local min="" kb=0 cpu mem
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -o "$work/time" -f '%U %S %M' "$@" >/dev/null 2>&1
    read -r u s mem <"$work/time"
    cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }')
    if [ -z "$min" ] || awk -v a="$cpu" -v b="$min" 'BEGIN { exit !(a < b) }'; then min=$cpu; fi
    [ "$mem" -gt "$kb" ] && kb=$mem
  done
  echo "$min $kb"
}

# stats prints the median, min and max of the numbers on its standard
# input ("MED MIN MAX").
stats() {
  sort -g | awk '{ v[NR] = $1 } END { printf "%s %s %s\n", v[int((NR + 1) / 2)], v[1], v[NR] }'
}

# side prints "CPU_MED CPU_MIN CPU_MAX RSS_MED RSS_MIN RSS_MAX" for each
# of the commands given as strings, run in turn RUNS times (interleaved,
# so that a busy machine weighs on all alike). Medians, not best runs:
# compose-go's own peak RSS at 500 services varies by a quarter from run
# to run (GOGC=100 pacing), and a best-of would pick its luckiest run.
side() {
  local c u s kb
  local -a cpus=() rss=()
  for _ in $(seq "$RUNS"); do
    for c in $(seq $#); do
      eval "/usr/bin/time -o '$work/time' -f '%U %S %M' ${!c} >/dev/null 2>&1"
      read -r u s kb <"$work/time"
      cpus[c]+="$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }') "
      rss[c]+="$kb "
    done
  done
  for c in $(seq $#); do
    echo "$(tr ' ' '\n' <<<"${cpus[c]}" | grep . | stats) $(tr ' ' '\n' <<<"${rss[c]}" | grep . | stats)"
  done
}

# ratio A B prints A/B to two places, or n/a when B is zero: a tiny file
# can take 0.00 s at the clock's resolution.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'
}

# Issue 18's measure: gen-compose.py's files, compose-go's full load (as
# `docker compose config` does it) against transship's graph and
# Kubernetes conversion. Ratios are transship / compose-go of the
# medians; the bar is CPU at most 1 and peak RSS within 1.25. Each cell
# is "median [min-max]". BENCH_RATIOS_ONLY=1 stops after this table.
echo "gen-compose.py files (web/db/cache triples): CPU s (user+sys) and peak RSS KB, median [min-max] of $RUNS interleaved runs"
printf '%-8s %-10s %-26s %-28s %s\n' services command "CPU s" "peak RSS KB" "ratio cpu,rss"
for n in 500 5000; do
  f="$work/triples-$n/compose.yaml"
  mkdir -p "$(dirname "$f")" "$work/out-$n"
  go run ./scripts/gencompose -triples "$n" >"$f"
  mapfile -t r < <(side "$work/composeload $f" "$work/transship graph -f $f" \
    "$work/transship convert --to kubernetes -f $f -o $work/out-$n --force")
  read -r cc _ _ ck _ _ <<<"${r[0]}"
  names=(compose-go graph k8s)
  for c in 0 1 2; do
    read -r m lo hi km klo khi <<<"${r[c]}"
    printf '%-8s %-10s %-26s %-28s %s\n' "$n" "${names[c]}" "$m [$lo-$hi]" "$km [$klo-$khi]" \
      "$(ratio "$m" "$cc"),$(ratio "$km" "$ck")"
  done
done
echo
[ -n "${BENCH_RATIOS_ONLY:-}" ] && exit 0

# compose-go's full load is cubic in a depends_on chain (its cycle check):
# at 5000 services it takes minutes, so it is timed once there.
printf '%-9s %-24s %-24s %-24s %s\n' services "compose-go (s, KB)" "compose-go -no-check" "transship graph" "graph/no-check"
for n in 50 500 5000; do
  f="$work/synth-$n/compose.yaml"
  mkdir -p "$(dirname "$f")"
  go run ./scripts/gencompose "$n" >"$f"
  if [ "$n" -le 500 ]; then
    read -r full fullkb < <(best "$work/composeload" "$f")
  else
    read -r full fullkb < <(RUNS=1 best "$work/composeload" "$f")
  fi
  read -r floor floorkb < <(best "$work/composeload" -no-check "$f")
  read -r ours ourskb < <(best "$work/transship" graph -f "$f")
  printf '%-9s %-24s %-24s %-24s %s\n' "$n" "$full $fullkb" "$floor $floorkb" "$ours $ourskb" "$(ratio "$ours" "$floor")"
done

# The Kubernetes target on the same files, next to `transship graph`
# (both write one stream to stdout).
echo
printf '%-9s %-24s %-24s %s\n' services "transship graph" "convert --to kubernetes" "kubernetes/graph"
for n in 50 500 5000; do
  f="$work/synth-$n/compose.yaml"
  read -r g gkb < <(best "$work/transship" graph -f "$f")
  read -r k kkb < <(best "$work/transship" convert --to kubernetes -f "$f" -o -)
  printf '%-9s %-24s %-24s %s\n' "$n" "$g $gkb" "$k $kkb" "$(ratio "$k" "$g")"
done

echo
go test -run '^$' -bench . -benchtime "${BENCHTIME:-3x}" ./translate/ ./targets/kubernetes/

# Image lookup: 100 images from go-containerregistry's in-process registry
# on loopback (the bar: under 2 s a run).
go test -run '^$' -bench 'Resolve100' -benchtime "${BENCHTIME:-5x}" ./images/

#!/usr/bin/env bash
# Re-runs every measurement behind docs/results/ and the README, one after another (hours on 2 CPU
# cores), each logged to docs/results/logs/<name>.log with its command on the first line. A
# comparison that was stopped continues where it stopped (--resume), and a finished training run
# is kept: run the script again.
#   bash scripts/reproduce-results.sh [name ...]   # default: all, in the order below
set -uo pipefail
cd "$(dirname "$0")/.."
# One torch thread: CPU seconds then count the work, not OpenMP threads spinning while other
# processes share the 2 cores (the committed figures were measured so).
export VADER_TORCH_THREADS=${VADER_TORCH_THREADS:-1}
RESULTS=docs/results
VADER="node bin/vader.js"

run() { # name, command... (a resumed job appends to its log, so earlier runs' lines stay)
  local log="$RESULTS/logs/$1.log"; shift
  if [ -f "$log" ]; then echo "--- resumed $(date -u +%FT%TZ)" >> "$log"; fi
  echo "$ $*" >> "$log"
  "$@" >> "$log" 2>&1
  echo "exit $?" >> "$log"
}

compare() { # reward, captions
  local out="$RESULTS/seeds3/$1-$2" into=--out
  [ -d "$out" ] && into=--resume
  run "compare-$1-$2" $VADER compare --reward "$1" --captions "$2" --budget 256 --seeds 3 \
    --config "$RESULTS/configs/$2-captions.json" $into "$out"
}

train() { # name, flags... (a run that finished, its evaluation.json written, is kept)
  local name=$1; shift
  [ -f "$RESULTS/train/$name/evaluation.json" ] && return
  rm -rf "$RESULTS/train/$name" "$RESULTS/logs/train-$name.log"
  run "train-$name" $VADER train --runs-dir "$RESULTS/train" --name "$name" "$@"
}

all=(compare-digit-task default-train hack-checks compare-digit-all compare-removal-task compare-removal-all)
for job in "${@:-${all[@]}}"; do
  case "$job" in
    compare-*-*) IFS=- read -r _ reward captions <<< "$job"; compare "$reward" "$captions" ;;
    default-train) train default ;;
    hack-checks)
      train digit-lr1e-2 --reward digit --steps 40 --lr 1e-2
      train digit-lr3e-2 --reward digit --steps 40 --lr 3e-2
      train motion-lr3e-3 --reward motion --steps 40 --lr 3e-3
      train motion-lr1e-2 --reward motion --steps 40 --lr 1e-2
      train removal-lr3e-3 --reward removal --steps 40 --lr 3e-3
      train removal-lr1e-2 --reward removal --steps 40 --lr 1e-2 ;;
    *) echo "unknown job $job; known: ${all[*]}" >&2; exit 2 ;;
  esac
done

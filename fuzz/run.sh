#!/usr/bin/env bash
# Run one fuzz target for SECONDS of wall time at the lowest priority, restarting after a crash
# (the crash is kept in artifacts/), and print the CPU time it got.
#   fuzz/run.sh TARGET SECONDS [WORKDIR]
# Needs `cargo +nightly fuzz build -s none -a` first (CARGO_TARGET_DIR as for the build).
set -uo pipefail
t="$1"; budget="$2"; work="${3:-/var/tmp/xborder-fuzz}"
here="$(cd "$(dirname "$0")" && pwd)"
bin="${CARGO_TARGET_DIR:-$here/target}/x86_64-unknown-linux-gnu/release/$t"
mkdir -p "$work/corpus/$t" "$work/artifacts/$t" "$work/panics/$t"
cp -n "$here/seeds/$t/"* "$work/corpus/$t/" 2>/dev/null || true
cp -n "$here/regressions/$t/"* "$work/corpus/$t/" 2>/dev/null || true
case "$t" in validators) max=512 ;; *) max=65536 ;; esac
end=$(( $(date +%s) + budget ))
while [ "$(date +%s)" -lt "$end" ]; do
    left=$(( end - $(date +%s) ))
    FUZZ_PANICS_DIR="$work/panics/$t" nice -n 19 /usr/bin/time -f "$t cpu user %U sys %S wall %e" -a -o "$work/$t.time" \
        "$bin" "$work/corpus/$t" -artifact_prefix="$work/artifacts/$t/" -max_len=$max -rss_limit_mb=2048 \
        -timeout=30 -max_total_time="$left" -print_final_stats=1 >>"$work/$t.log" 2>&1
done
grep " cpu " "$work/$t.time" | awk -v t="$t" '{u+=$4; s+=$6} END {printf "%s: %.0f s CPU (user %.0f, sys %.0f)\n", t, u+s, u, s}'

#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 30) on the stable toolchain.
#
#   fuzz/run.sh 60                 # all targets, 60 s each
#   fuzz/run.sh 60 jwt_header      # only the named targets
#   FUZZ_SANITIZER=none fuzz/run.sh 30   # without AddressSanitizer (faster)
#
# Fails when a target crashes (panic, failed assertion, sanitizer report, timeout, OOM);
# the crashing input is left in fuzz/artifacts/<target>/ and can be replayed with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run <target> fuzz/artifacts/<target>/<file>
# New corpus entries go to fuzz/target/corpus/<target> (ignored); the committed seeds in
# fuzz/corpus/<target> are only read.
set -euo pipefail

secs="${1:-30}"
shift || true
cd "$(dirname "$0")"

all_targets=(cookie_header chunks_decode session_json jwt_header)
if [ "$#" -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

# cargo-fuzz passes nightly-only flags (-Zsanitizer, -Cpasses=sancov-module, …) to rustc.
export RUSTC_BOOTSTRAP=1
sanitizer="${FUZZ_SANITIZER:-address}"
# -a: debug assertions (overflow checks) on, as in the test profile.
build_flags=(--sanitizer "$sanitizer" -a)

# Build every target (one `cargo fuzz build` without a name builds them all).
cargo fuzz build "${build_flags[@]}"

summary=()
failed=0
for t in "${targets[@]}"; do
    scratch="target/corpus/$t"
    mkdir -p "$scratch" "artifacts/$t"
    log="target/fuzz-$t.log"
    echo "fuzz: $t for ${secs}s" >&2
    start=$(date +%s)
    set +e
    cargo fuzz run "${build_flags[@]}" "$t" "$scratch" "corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        >"$log" 2>&1
    rc=$?
    set -e
    took=$(( $(date +%s) - start ))
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n 1 || true)
    execs="${execs:-?}"
    cov=$(grep -oE 'DONE[[:space:]]+cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -n 1 | sed -E 's/DONE[[:space:]]+//' || true)
    if [ "$rc" -ne 0 ]; then
        failed=1
        echo "fuzz: $t FAILED (exit $rc); last lines of $log:" >&2
        tail -n 40 "$log" >&2
        summary+=("$t: CRASH after ${took}s, ${execs} execs (see fuzz/$log, fuzz/artifacts/$t)")
    else
        summary+=("$t: ok, ${execs} execs in ${took}s (${cov:-no stats})")
    fi
done

echo "fuzz summary (${secs}s per target, sanitizer ${sanitizer}):"
printf '  %s\n' "${summary[@]}"
exit "$failed"

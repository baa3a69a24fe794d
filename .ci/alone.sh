#!/usr/bin/env bash
# Every published adapter and every example, resolved and built ALONE (`-p`, never
# `--workspace`: a workspace build unifies features, so a crate that forgets to turn TLS on
# still gets it from a neighbour and the bug only shows in a user's project).
#
#   .ci/alone.sh            # the feature checks, then the end-to-end HTTPS test
#   .ci/alone.sh --quick    # the feature checks only (no example builds)
#
# 1. `cargo tree -p <pkg> -e normal,features -i reqwest` must show a TLS backend on reqwest
#    (`rustls`/`__rustls` or `native-tls`/`__native-tls`); example-admin is checked here too.
# 2. An adapter built with `--no-default-features` must fail with the core's compile_error!.
# 3. The core builds with `--no-default-features --features native-tls`, and no adapter on
#    native-tls has aws-lc-sys (no second C crypto stack). With both TLS features the core
#    still verifies tokens (tests/tls_features.rs, over OpenSSL then).
# 4. Each example binary is built alone (one `cargo build -p` at a time) and driven over HTTP
#    while it talks to `local-auth --tls` over HTTPS (integration-tests/tests/https_examples.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

adapters=(supabase-ssr-tower supabase-ssr-axum supabase-ssr-actix-web supabase-ssr-rocket supabase-ssr-poem)
examples=(example-axum example-actix-web example-hyper example-poem example-rocket)
failures=()
fail() { echo "FAIL: $*"; failures+=("$*"); }

echo "== reqwest has a TLS backend in every adapter and example resolved alone"
for pkg in supabase-ssr-core "${adapters[@]}" "${examples[@]}" example-admin; do
  tree=$(cargo tree --locked -p "$pkg" -e normal,features -i reqwest 2>&1) || { fail "$pkg: cargo tree failed: $tree"; continue; }
  features_of() { { grep -oE "reqwest feature \"$1\"" <<<"$tree" || true; } | sort -u | sed 's/reqwest feature //' | tr '\n' ' '; }
  backends=$(features_of '(__rustls|rustls|__native-tls|native-tls)')
  if [ -n "$backends" ]; then
    echo "ok   $pkg: $backends"
  else
    fail "$pkg: reqwest has no TLS backend (features: $(features_of '[^"]+'))"
  fi
done

echo "== an adapter without a TLS feature is refused at compile time"
for pkg in "${adapters[@]}"; do
  if out=$(cargo check --locked -p "$pkg" --no-default-features 2>&1); then
    fail "$pkg --no-default-features compiled; it must be refused"
  elif grep -q 'enable the `rustls` (default) or `native-tls` feature' <<<"$out"; then
    echo "ok   $pkg --no-default-features: refused with the compile_error! message"
  else
    fail "$pkg --no-default-features failed without the compile_error! message:"; echo "$out" | tail -20
  fi
done

echo "== the core on native-tls alone: builds, and has no aws-lc"
if cargo build --locked -p supabase-ssr-core --no-default-features --features native-tls --lib; then
  echo "ok   supabase-ssr-core --no-default-features --features native-tls builds"
else
  fail "supabase-ssr-core --no-default-features --features native-tls does not build"
fi
for pkg in supabase-ssr-core "${adapters[@]}"; do
  native_tree=$(cargo tree --locked -p "$pkg" --no-default-features --features native-tls -e normal --prefix none)
  if grep -qE '^aws-lc-(sys|rs) ' <<<"$native_tree"; then
    fail "$pkg on native-tls still depends on aws-lc: $(grep -E '^aws-lc' <<<"$native_tree" | sort -u | tr '\n' ' ' || true)"
  elif ! grep -qE '^native-tls ' <<<"$native_tree"; then
    fail "$pkg --features native-tls does not reach native-tls"
  else
    echo "ok   $pkg on native-tls: native-tls, no aws-lc-rs / aws-lc-sys"
  fi
done

echo "== both TLS features: tokens verify (jsonwebtoken backend installed), HTTPS over OpenSSL"
if cargo test --locked -p supabase-ssr-core --features native-tls --lib --test tls_features; then
  echo "ok   supabase-ssr-core with rustls + native-tls"
else
  fail "supabase-ssr-core with rustls + native-tls: unit tests or tests/tls_features.rs"
fi

if [ "${1:-}" != "--quick" ]; then
  echo "== end-to-end HTTPS: each example built alone against local-auth --tls"
  bins_dir=$(mktemp -d)
  trap 'rm -rf "$bins_dir"' EXIT
  bins=()
  for pkg in "${examples[@]}"; do
    # One package per build: a build of several packages would unify their features.
    exe=$(cargo build --locked -p "$pkg" --message-format=json-render-diagnostics \
      | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
    if [ -z "$exe" ] || [ ! -x "$exe" ]; then fail "$pkg: no binary built"; continue; fi
    # Copy it away: the next build may relink shared artefacts, never this binary, but the
    # test should run exactly what this build produced.
    cp "$exe" "$bins_dir/$pkg"
    bins+=("$bins_dir/$pkg:${pkg#example-}")
  done
  if HTTPS_EXAMPLE_BINS=$(IFS=,; echo "${bins[*]}") \
    cargo test --locked -p supabase-ssr-testing --features cli --test https_examples -- --ignored --nocapture; then
    echo "ok   end-to-end HTTPS over ${#bins[@]} examples"
  else
    fail "end-to-end HTTPS test"
  fi
fi

if [ ${#failures[@]} -gt 0 ]; then
  printf '\n== alone checks: %s failed\n' "${#failures[@]}"
  printf '  - %s\n' "${failures[@]}"
  exit 1
fi
printf '\n== alone checks: all passed\n'

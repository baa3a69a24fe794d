#!/usr/bin/env bash
# Every optional feature of the published crates compiles, and is clippy-clean, on its own:
# `cargo hack --each-feature` builds each crate once per feature (plus once with none of the
# optional ones), always with `rustls` since a build without TLS is refused on purpose. Then
# one native-tls build per crate. `--no-dev-deps`: the crates' own code, as users compile it.
set -euo pipefail
cd "$(dirname "$0")/.."
crates=(
  supabase-ssr-core
  supabase-ssr-tower
  supabase-ssr-axum
  supabase-ssr-actix-web
  supabase-ssr-poem
  supabase-ssr-rocket
)
packages=()
for crate in "${crates[@]}"; do packages+=(-p "$crate"); done

# No `--locked` here: with the dev-dependencies removed Cargo would prune Cargo.lock, which
# `--locked` refuses (cargo-hack restores the manifests and the lock file afterwards).
cargo hack clippy --each-feature --no-dev-deps \
  --features rustls --exclude-features native-tls,default \
  "${packages[@]}" -- -D warnings

# native-tls instead of rustls, with every other default feature.
for crate in "${crates[@]}"; do
  cargo clippy --locked -p "$crate" --no-default-features \
    --features native-tls,rest,storage,functions -- -D warnings
done

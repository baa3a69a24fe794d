#!/usr/bin/env bash
# Real-browser tests of the example servers (headless Chromium through playwright-core).
#
#   integration-tests/browser/run.sh                 # every example-* package of the workspace
#   integration-tests/browser/run.sh axum actix-web  # only these (example-axum, example-actix-web)
#
# Builds the example binaries (debug), installs the pinned npm packages (npm ci), checks for the
# system Chromium, then runs integration-tests/js/browser.test.mjs. Needs cargo, node >= 20, npm
# and Chromium (Debian/Ubuntu: apt-get install -y chromium). Env: CHROMIUM (default
# /usr/bin/chromium), SCREENSHOT_DIR (default: a temp dir, printed on failure), CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "error: $chromium not found. Install it: sudo apt-get install -y chromium (or set CHROMIUM=/path/to/chromium)" >&2
  exit 2
fi
command -v node >/dev/null || { echo "error: node (>= 20) is not installed" >&2; exit 2; }

# The example servers of the workspace (example-site is the shared library and example-admin a
# command-line tool: neither serves the example contract).
metadata=$(cargo metadata --no-deps --format-version 1 --locked)
available=$(node -e '
  const m = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const names = m.packages.map((p) => p.name).filter((n) => n.startsWith("example-") && n !== "example-site" && n !== "example-admin");
  console.log(names.map((n) => n.slice("example-".length)).join(" "));' <<<"$metadata")
target_dir=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).target_directory)' <<<"$metadata")

if [ $# -gt 0 ]; then
  wanted=("$@")
  for name in "${wanted[@]}"; do
    case " $available " in
      *" $name "*) ;;
      *) echo "error: example-$name is not a package of this workspace (have: $available)" >&2; exit 2 ;;
    esac
  done
else
  read -r -a wanted <<<"$available"
fi
if [ ${#wanted[@]} -eq 0 ]; then
  echo "error: no example-* package in the workspace" >&2
  exit 2
fi

echo "== building: ${wanted[*]/#/example-}"
packages=()
bins=()
for name in "${wanted[@]}"; do
  packages+=(-p "example-$name")
  bins+=("$target_dir/debug/example-$name:$name")
done
cargo build --locked "${packages[@]}"

echo "== npm ci (integration-tests/js)"
(cd integration-tests/js && npm ci --no-audit --no-fund --loglevel=error)

echo "== browser tests ($("$chromium" --version 2>/dev/null || echo chromium))"
export EXAMPLE_BINS
EXAMPLE_BINS=$(IFS=,; echo "${bins[*]}")
export CHROMIUM="$chromium"
status=0
tap=$(mktemp)
(cd integration-tests/js && node --experimental-websocket --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  browser.test.mjs) || status=$?
pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -1)
fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -1)
cancelled=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$tap" | tail -1)
rm -f "$tap"
echo "== browser tests: ${pass:-?} passed, ${fail:-?} failed, ${cancelled:-?} cancelled against ${wanted[*]} in $(( $(date +%s) - started ))s"
exit $status

#!/usr/bin/env bash
# Each adapter README's complete app, as a newcomer builds it: the blocks marked
# `<!-- readme-app: Cargo.toml -->` and `<!-- readme-app: src/main.rs -->` are copied into a
# scratch crate outside the workspace (the supabase-ssr-* dependencies become path dependencies
# on this checkout, with the features the README names; the workspace's Cargo.lock pins the
# rest), built with its default features, started with no SUPABASE_URL (so `dev` starts the
# local Auth server) and driven with curl as the README's "Try it" commands do.
# Usage: .ci/readme-apps.sh [adapter ...]   (default: every adapter whose README has an app)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# Shared by the apps (and kept between runs): the second app reuses the first one's dependencies.
export CARGO_TARGET_DIR="$root/target/readme-apps"
export CARGO_TERM_COLOR=never
unset SUPABASE_URL SUPABASE_PUBLISHABLE_KEY SUPABASE_ANON_KEY
# What the README's curl commands use (the `dev` module's demo user).
email=demo@example.com
password=password123

scratch=$(mktemp -d)
keep_scratch=""
app_pid=""
log=""
stop_app() {
  if [ -n "$app_pid" ]; then
    kill "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
    app_pid=""
  fi
}
trap 'stop_app; [ -n "$keep_scratch" ] || rm -rf "$scratch"' EXIT

fail() {
  printf 'readme-apps: %s: %s (scratch crate kept: %s)\n' "$adapter" "$1" "$scratch/$adapter" >&2
  keep_scratch=1
  if [ -n "$log" ] && [ -f "$log" ]; then
    printf -- '--- the app'"'"'s output:\n' >&2
    cat "$log" >&2
    printf -- '---\n' >&2
  fi
  exit 1
}

# block FILE README: the fenced block after `<!-- readme-app: FILE -->`.
block() {
  awk -v marker="<!-- readme-app: $1 -->" '
    $0 == marker { armed = 1; next }
    armed == 1 && /^```/ { armed = 2; found = 1; next }
    armed == 2 && /^```/ { exit }
    armed == 2 { print }
    END { if (!found) exit 1 }
  ' "$2"
}

# The supabase-ssr-* dependency lines of a README's [dependencies] become path dependencies on
# this checkout, keeping their `features = [..]`.
rewrite_deps() {
  local line name dir features
  while IFS= read -r line; do
    if [[ $line =~ ^(supabase-ssr-[a-z-]+)[[:space:]]*= ]]; then
      name=${BASH_REMATCH[1]}
      dir=$(grep -l "^name = \"$name\"" "$root"/*/Cargo.toml "$root"/adapters/*/Cargo.toml | head -1 || true)
      [ -n "$dir" ] || fail "no crate named $name in this checkout"
      features=$(grep -o 'features = \[[^]]*\]' <<<"$line" || true)
      printf '%s = { path = "%s"%s }\n' "$name" "$(dirname "$dir")" "${features:+, $features}"
    else
      printf '%s\n' "$line"
    fi
  done
}

# free_port: a port nothing listens on (the app binds it a moment later).
free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
  fail "no free port found"
}

# request ARGS...: one request (no redirect followed); sets $status and $location, the body is
# in $body.
request() {
  local headers
  headers=$(curl -sS --max-time 20 -o "$body" -D - "$@") || fail "curl $* failed"
  status=$(awk 'NR == 1 { print $2 }' <<<"$headers")
  location=$(tr -d '\r' <<<"$headers" | awk 'tolower($1) == "location:" { print $2 }')
}

adapters=("$@")
if [ ${#adapters[@]} -eq 0 ]; then
  for readme in "$root"/adapters/*/README.md; do
    grep -q '^<!-- readme-app: src/main.rs -->$' "$readme" && adapters+=("$(basename "$(dirname "$readme")")")
  done
fi
[ ${#adapters[@]} -gt 0 ] || { echo "readme-apps: no README has a marked app" >&2; exit 1; }

for adapter in "${adapters[@]}"; do
  started=$(date +%s)
  readme="$root/adapters/$adapter/README.md"
  dir="$scratch/$adapter"
  mkdir -p "$dir/src"
  log=""
  {
    printf '[package]\nname = "readme-app-%s"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n' "$adapter"
    # Its own workspace: never part of one above the scratch directory.
    printf '[workspace]\n\n'
    block Cargo.toml "$readme" | rewrite_deps
  } >"$dir/Cargo.toml" || fail "no <!-- readme-app: Cargo.toml --> block in $readme"
  # rustdoc's hidden lines (`# …`) are not part of the code a reader copies.
  block src/main.rs "$readme" | sed -E '/^[[:space:]]*#( |$)/d' >"$dir/src/main.rs" \
    || fail "no <!-- readme-app: src/main.rs --> block in $readme"
  cp "$root/Cargo.lock" "$dir/Cargo.lock"

  echo "-- $adapter: cargo build (outside the workspace, default features)"
  cargo build --quiet --manifest-path "$dir/Cargo.toml" 2>"$dir/build.log" \
    || { cat "$dir/build.log" >&2; fail "the README's app does not build"; }
  # What a newcomer copies must build without a warning.
  if grep -q '^warning' "$dir/build.log"; then
    cat "$dir/build.log" >&2
    fail "the README's app builds with warnings"
  fi
  built=$(date +%s)

  port=$(free_port)
  base="http://127.0.0.1:$port"
  log="$scratch/$adapter.log"
  ADDR="127.0.0.1:$port" "$CARGO_TARGET_DIR/debug/readme-app-$adapter" >"$log" 2>&1 &
  app_pid=$!
  for _ in $(seq 300); do
    curl -s -o /dev/null --max-time 1 "$base/" && break
    kill -0 "$app_pid" 2>/dev/null || fail "the app exited before answering"
    sleep 0.1
  done
  curl -s -o /dev/null --max-time 1 "$base/" || fail "the app does not answer on $base after 30 s"

  jar="$dir/jar.txt" old="$dir/old-jar.txt" body="$dir/body" status="" location=""
  # Sign in: 303 to `next`, with the session cookies.
  request -c "$jar" -d "email=$email" -d "password=$password" -d next=/private "$base/login"
  [ "$status" = 303 ] || fail "POST /login answered $status, expected 303"
  [ "$location" = /private ] || fail "POST /login sent to '$location', expected /private (the next parameter)"
  grep -q 'auth-token' "$jar" || fail "POST /login set no session cookie"
  # The protected page and the JSON endpoint with the session.
  request -b "$jar" "$base/private"
  [ "$status" = 200 ] || fail "GET /private with the session answered $status, expected 200"
  grep -q "$email" "$body" || fail "GET /private does not name $email: $(head -c 300 "$body")"
  request -b "$jar" "$base/api/me"
  [ "$status" = 200 ] || fail "GET /api/me with the session answered $status, expected 200"
  grep -Eq '"sub":"[0-9a-f-]{36}"' "$body" || fail "GET /api/me has no user id (sub): $(head -c 300 "$body")"
  grep -q "\"email\":\"$email\"" "$body" || fail "GET /api/me has no email: $(head -c 300 "$body")"
  request -b "$jar" "$base/"
  [ "$status" = 200 ] || fail "GET / with the session answered $status, expected 200"
  # No session: 401 JSON for curl's `Accept: */*`, 303 to the login page (with next) for HTML.
  request "$base/private"
  [ "$status" = 401 ] || fail "GET /private without a session answered $status, expected 401"
  grep -q '"error"' "$body" || fail "the 401 has no JSON error: $(head -c 300 "$body")"
  request -H 'Accept: text/html' "$base/private"
  [ "$status" = 303 ] || fail "GET /private (Accept: text/html) without a session answered $status, expected 303"
  [ "$location" = "/login?next=%2Fprivate" ] \
    || fail "GET /private (Accept: text/html) sent to '$location', expected /login?next=%2Fprivate"
  request "$base/login?next=/private"
  [ "$status" = 200 ] || fail "GET /login answered $status, expected 200"
  grep -q 'value="/private"' "$body" || fail "the login page does not carry next=/private"
  # Sign out; the cookie copied before is refused by this server.
  cp "$jar" "$old"
  request -b "$jar" -c "$jar" -X POST "$base/logout"
  [ "$status" = 303 ] || fail "POST /logout answered $status, expected 303"
  request -b "$jar" "$base/private"
  [ "$status" = 401 ] || fail "GET /private after sign-out answered $status, expected 401"
  request -b "$old" "$base/private"
  [ "$status" = 401 ] || fail "GET /private with the cookie from before sign-out answered $status, expected 401"
  request -b "$old" "$base/api/me"
  [ "$status" = 401 ] || fail "GET /api/me with the cookie from before sign-out answered $status, expected 401"

  stop_app
  printf -- '-- %s: README app ok (build %ss, checks %ss)\n' "$adapter" $((built - started)) $(($(date +%s) - built))
done

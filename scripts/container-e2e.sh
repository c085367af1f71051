#!/usr/bin/env bash
# Seeded end-to-end check of the built image, after ../shared/tools/container-check has
# built it (it leaves localhost/container-check-app:latest and its podman settings behind).
#
# Runs the image with host networking on a free loopback port, examples/seed.json mounted
# as LOSANT_EMULATOR_SEED and a named volume on /data, then checks that:
#   - the seed's static token lists the seeded invites;
#   - the web UI is served: GET / redirects to _emulator/ui/, which answers the page, and
#     its script loads;
#   - an invite POSTed before a restart (stop + start, then a new container on the same
#     volume) is still there after it, and the seed is not applied twice;
#   - examples/list-invites.mjs (the compose example's client) prints the invites, from
#     another container calling the emulator by a service name (http://emulator:PORT,
#     as in compose), which the Host check answers; a dotted name it refuses;
#   - each stop on SIGTERM is well under 5 s with exit code 0.
# Containers and the volume are removed whatever happens.
#
# Usage: scripts/container-e2e.sh       (as root, like container-check)
# Environment: IMAGE (default localhost/container-check-app:latest)
set -euo pipefail
cd "$(dirname "$0")/.."

ENV_FILE=/var/tmp/container-check/env
IMAGE=${IMAGE:-localhost/container-check-app:latest}
BASE=docker.io/library/node:20-bookworm-slim
SEED=$PWD/examples/seed.json
CLIENT=$PWD/examples/list-invites.mjs
INSTANCE=5f0c0a1b2c3d4e5f60718293
ORG=5f0c0a1b2c3d4e5f60718294
TOKEN=example-static-token
NAME=container-e2e-$$
NAME2=container-e2e-$$-b
VOL=container-e2e-$$
T0=$SECONDS

step() { echo "container-e2e [$((SECONDS - T0))s] $*"; }
fail() {
  echo "container-e2e: FAIL: $*" >&2
  for c in "$NAME" "$NAME2"; do
    podman container exists "$c" 2>/dev/null && { echo "--- logs of $c" >&2; podman logs "$c" 2>&1 | tail -20 >&2; }
  done
  exit 1
}

[ -f "$ENV_FILE" ] || fail "$ENV_FILE is missing: run ../shared/tools/container-check first"
# shellcheck disable=SC1090
. "$ENV_FILE"
podman image exists "$IMAGE" || fail "no image $IMAGE: run ../shared/tools/container-check first"

cleanup() {
  podman rm -f -t 0 "$NAME" "$NAME2" >/dev/null 2>&1 || true
  podman volume rm -f "$VOL" >/dev/null 2>&1 || true
}
trap cleanup EXIT

PORT=$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close() })")
URL=http://127.0.0.1:$PORT
INVITES=$URL/instances/$INSTANCE/orgs/$ORG/invites

podman volume create "$VOL" >/dev/null
run() { # NAME: a new container on the volume, seeded
  local out # (podman's complaints about systemd health timers are shown only on failure)
  out=$(podman run -d --name "$1" --network host -e PORT="$PORT" \
    -e LOSANT_EMULATOR_SEED=/seed.json -v "$SEED:/seed.json:ro" -v "$VOL:/data" \
    "$IMAGE" 2>&1) || fail "podman run $1: $out"
}
wait_healthy() { # NAME: up to 30 s for /_emulator/health; prints the seconds it took
  local s0 i
  s0=$(date +%s%N)
  for i in $(seq 1 300); do
    if curl -fsS -m 2 "$URL/_emulator/health" >/dev/null 2>&1; then
      awk -v a="$s0" -v b="$(date +%s%N)" 'BEGIN{printf "%.2f", (b - a) / 1e9}'
      return 0
    fi
    [ "$(podman inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ] || fail "$1 exited before it was healthy"
    [ "$i" = 300 ] || sleep 0.1
  done
  fail "$1: no 200 from $URL/_emulator/health within 30 s"
}
stop() { # NAME: SIGTERM, timed; must exit 0 within 5 s
  local s0 took code
  s0=$(date +%s%N)
  podman stop -t 10 "$1" >/dev/null 2>&1 || fail "podman stop $1"
  took=$(awk -v a="$s0" -v b="$(date +%s%N)" 'BEGIN{printf "%.2f", (b - a) / 1e9}')
  code=$(podman inspect -f '{{.State.ExitCode}}' "$1")
  step "$1 stopped on SIGTERM in ${took}s, exit code $code"
  [ "$code" = 0 ] || fail "$1 exited with $code on SIGTERM"
  awk -v s="$took" 'BEGIN{exit !(s < 5)}' || fail "$1 took ${took}s to stop"
}
list() { # the invites' emails, sorted, one line, comma-separated; fails on anything but 200
  local body
  body=$(curl -sS -m 5 -w '\n%{http_code}' -H "Authorization: Bearer $TOKEN" "$INVITES?sortField=email&sortDirection=asc") ||
    fail "GET $INVITES"
  [ "${body##*$'\n'}" = 200 ] || fail "GET $INVITES answered ${body##*$'\n'}: ${body%$'\n'*}"
  printf '%s' "${body%$'\n'*}" | node -e '
    const c = JSON.parse(require("node:fs").readFileSync(0, "utf8"))
    if (c.count !== c.items.length) throw new Error(`count ${c.count} but ${c.items.length} items`)
    console.log(c.items.map((i) => i.email).join(","))'
}
expect() { # WHAT GOT WANT
  [ "$2" = "$3" ] || fail "$1: got [$2], want [$3]"
  step "$1: $2"
}

step "image $IMAGE, port $PORT, volume $VOL"
run "$NAME"
took=$(wait_healthy "$NAME") || exit 1
step "$NAME healthy after ${took}s"
podman healthcheck run "$NAME" >/dev/null 2>&1 || fail "the image's HEALTHCHECK failed on port $PORT"
step "HEALTHCHECK healthy on port $PORT"
got=$(list) || exit 1
expect "seeded invites" "$got" "ann@example.com,bob@example.com,cy@example.com"

got=$(curl -sS -m 5 -o /dev/null -w '%{http_code} %{redirect_url}' "$URL/") || fail "GET /"
expect "GET / redirects to the web UI" "$got" "302 $URL/_emulator/ui/"
page=$(curl -sS -m 5 -w '\n%{http_code} %{content_type}' "$URL/_emulator/ui/") || fail "GET /_emulator/ui/"
expect "GET /_emulator/ui/" "${page##*$'\n'}" "200 text/html; charset=utf-8"
printf '%s' "$page" | grep -q '<script type="module" src="./app.js">' || fail "/_emulator/ui/ is not the UI's page: ${page:0:300}"
got=$(curl -sS -m 5 -o /dev/null -w '%{http_code} %{content_type}' "$URL/_emulator/ui/app.js") || fail "GET /_emulator/ui/app.js"
expect "the UI's script" "$got" "200 application/javascript; charset=utf-8"

code=$(curl -sS -m 5 -o /dev/null -w '%{http_code}' -X POST "$INVITES" -H "Authorization: Bearer $TOKEN" \
  -H 'content-type: application/json' -d '{"email":"dee@example.com","role":"view"}') || fail "POST $INVITES"
expect "POST an invite" "$code" 201
got=$(list) || exit 1
expect "after POST" "$got" "ann@example.com,bob@example.com,cy@example.com,dee@example.com"

# As compose's other services do: by the service's name, a name without a dot (here
# resolved to the loopback by --add-host, the network being the host's).
out=$(podman run --rm --network host --add-host emulator:127.0.0.1 -e LOSANT_URL="http://emulator:$PORT" \
  -v "$CLIENT:/client/list-invites.mjs:ro" "$BASE" node /client/list-invites.mjs 2>&1) || fail "examples/list-invites.mjs: $out"
step "compose client, by the service name: $(printf '%s' "$out" | tr '\n\t' '; ')"
got=$(curl -sS -m 5 -o /dev/null -w '%{http_code}' -H "Host: evil.example:$PORT" "$URL/_emulator/snapshot") || fail "GET with Host: evil.example"
expect "Host: evil.example (DNS rebinding) refused" "$got" 403

stop "$NAME"
out=$(podman start "$NAME" 2>&1) || fail "podman start $NAME: $out"
took=$(wait_healthy "$NAME") || exit 1
step "$NAME restarted, healthy after ${took}s"
got=$(list) || exit 1
expect "after restart" "$got" "ann@example.com,bob@example.com,cy@example.com,dee@example.com"
stop "$NAME"

podman rm "$NAME" >/dev/null 2>&1 || fail "podman rm $NAME"
run "$NAME2"
took=$(wait_healthy "$NAME2") || exit 1
step "new container $NAME2 on the same volume, healthy after ${took}s"
got=$(list) || exit 1
expect "in a new container" "$got" "ann@example.com,bob@example.com,cy@example.com,dee@example.com"
stop "$NAME2"

echo "container-e2e: OK"

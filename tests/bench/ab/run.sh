#!/usr/bin/env bash
# A/B of two builds of edgecrm on this machine, interleaved: the working
# tree (A) and a git revision (B) each run under their own `wrangler dev`
# (tests/harness/devserver.mjs, no devtools session), and one client
# alternates the same requests between them, so both see the same load and
# the same drift of this machine's speed. It reports, per side, latency and
# the CPU its runtime workerd (and its wrangler process) spent per request,
# read from /proc: a change's cost shows there before it shows in latency.
#
#   tests/bench/ab/run.sh <revision> [mode] [seconds] [concurrency]
#     mode: read (REST by id, one record), readmany (REST by id, 200
#           records in turn: each its own path), create (REST), gqlread (GraphQL by id),
#           bulk (REST batch create of 100 people; the outbox, D1 and the
#           consumer run behind it in the same workerd, so its CPU is theirs too),
#           bulkids (bulk with random ids in the body, as Twenty's frontend
#           sends: the id indexes take random inserts)
#
# Each pair of requests asks the sides in turn first (the side asked first
# measured a few percent slower when both were one build); an A/A run
# (run.sh HEAD on a clean tree) shows what spread is noise.
set -euo pipefail
rev=${1:?usage: run.sh <revision> [read|readmany|create|gqlread|bulk|bulkids] [seconds] [concurrency]}
mode=${2:-read} secs=${3:-10} conc=${4:-1}
root=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d)
trap 'for p in $(cat "$work"/*.dpid 2>/dev/null); do kill -- -"$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done; git -C "$root" worktree remove --force "$work/b" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
cd "$root"
make -s wasm >/dev/null
git worktree add --detach "$work/b" "$rev" >/dev/null
(cd "$work/b" && GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -o build/core.wasm ./cmd/worker && cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" build/)
grep -q JWT_PRIVATE_KEY .dev.vars 2>/dev/null || go run ./cmd/crmctl devkey >> .dev.vars
go build -o "$work/crmctl" ./cmd/crmctl
for side in A B; do
  cfg=$root/wrangler.toml; [ $side = B ] && cfg=$work/b/wrangler.toml
  st=$work/st$side; mkdir -p "$st"
  (cd "$(dirname "$cfg")" && CI=1 "$root/node_modules/.bin/wrangler" d1 migrations apply DB --local --persist-to "$st" >/dev/null 2>&1)
  setsid node tests/harness/devserver.mjs "$cfg" "$st" "$root/.dev.vars" RATE_LIMIT_WORKSPACE:1000000 RATE_LIMIT_IP:1000000 > "$work/dev$side.log" 2>&1 &
  echo $! > "$work/$side.dpid"
  for _ in $(seq 90); do grep -q "Ready on" "$work/dev$side.log" && break; sleep 1; done
  proxy=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/dev$side.log" | head -1 | sed 's/.*://')
  # the runtime workerd: the devserver's child answering /healthz on a port other than the proxy's
  for _ in $(seq 30); do
    for pp in $(ss -ltnpH | grep workerd | sed -n 's/.*127.0.0.1:\([0-9]*\) .*pid=\([0-9]*\),.*/\1:\2/p'); do
      port=${pp%%:*} wpid=${pp##*:}
      [ "$port" = "$proxy" ] && continue
      [ "$(ps -o ppid= -p "$wpid" | tr -d ' ')" = "$(cat "$work/$side.dpid")" ] || continue
      [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ] && { echo "http://127.0.0.1:$port" > "$work/$side.url"; echo "$wpid" > "$work/$side.pid"; }
    done
    [ -s "$work/$side.url" ] && break; sleep 1
  done
  "$work/crmctl" seed -url "$(cat "$work/$side.url")" > "$work/seed$side.log" 2>&1 || { cat "$work/seed$side.log" >&2; exit 1; }
  "$work/crmctl" login -url "$(cat "$work/$side.url")" -email demo@edgecrm.dev -password edgecrm-demo-password > "$work/$side.token"
done
echo "A: the working tree; B: $rev"
node "$root/tests/bench/ab/alternate.mjs" "$work" "$mode" "$secs" "$conc"

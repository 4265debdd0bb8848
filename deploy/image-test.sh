#!/usr/bin/env bash
# `make image-test`: build the image (deploy/image-build.sh), then run it and check it:
#   1. embedded defaults: /health, the dashboard page, /metrics, the image's HEALTHCHECK,
#      a non-root user, configuration from FEDERATION_* variables, a clean stop;
#   2. `federation replay` of examples/ inside the container;
#   3. as compose.yaml runs it: `federation db upgrade` on PostgreSQL, then `serve` on
#      PostgreSQL and Redis, an event ingested over HTTP and decided.
# Step 3 uses the PostgreSQL and Redis on 127.0.0.1 (a throw-away database, a random key
# namespace); without them it is skipped, except under CI=true, where that fails.
# Everything it starts is stopped and removed, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export IMAGE=${IMAGE:-localhost/federation-ai:test}
. deploy/podman-env.sh
need curl curl

PG=${PG:-postgresql://postgres@127.0.0.1:5432}
REDIS=${REDIS:-redis://127.0.0.1:6379/0}
run_id="image-test-$$"
containers=()
scratch=$(mktemp -d)
db=""
cleanup() {
  for c in "${containers[@]}"; do pm rm -f -v "$c" >/dev/null 2>&1 || true; done
  rm -rf "$scratch"
  if [ -n "$db" ]; then
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    { redis-cli -u "$REDIS" --scan --pattern "$run_id:*" | xargs -r redis-cli -u "$REDIS" del; } >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; for c in "${containers[@]}"; do pm logs --tail 30 "$c" >&2 || true; done; exit 1; }
ok() { echo "ok: $*"; }
get() { curl -fsS --max-time 5 "$@"; }  # the body, or a failure (never piped into grep -q)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_healthy() {  # wait_healthy CONTAINER PORT: /health answers within 60 s
  for _ in $(seq 120); do
    curl -fsS --max-time 2 "http://127.0.0.1:$2/health" >/dev/null 2>&1 && return 0
    [ "$(pm inspect --format '{{.State.Running}}' "$1")" = true ] || fail "$1 exited before it was healthy"
    sleep 0.5
  done
  fail "$1: /health did not answer within 60 s"
}

serve() {  # serve NAME PORT [podman run options...] -- [federation serve options...]
  local name=$1 port=$2
  shift 2
  local opts=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  containers+=("$name")
  # the HEALTHCHECK is run on demand below: its timer needs systemd, which podman says
  # on stderr (kept in a file, shown on failure)
  pm run -d --name "$name" --network host --health-interval disable \
    -e FEDERATION_SERVICE__HOST=127.0.0.1 -e "FEDERATION_SERVICE__PORT=$port" \
    "${opts[@]}" "$IMAGE" serve "$@" >/dev/null 2>"$scratch/$name.stderr" \
    || fail "podman run: $(cat "$scratch/$name.stderr")"
  wait_healthy "$name" "$port"
}

stop_cleanly() {  # SIGTERM; the service must stop by itself with status 0
  pm stop --time 20 "$1" >/dev/null 2>>"$scratch/$1.stderr"
  local status
  status=$(pm inspect --format '{{.State.ExitCode}}' "$1")
  [ "$status" = 0 ] || fail "$1 stopped with status $status"
}

started=$SECONDS
deploy/image-build.sh
built=$SECONDS

# --- 1. embedded defaults ------------------------------------------------------------
name="$run_id-embedded"
port=$(free_port)
serve "$name" "$port"
url="http://127.0.0.1:$port"
get "$url/health" | python3 -c 'import json, sys; sys.exit(json.load(sys.stdin)["status"] != "ok")' \
  || fail "/health is not ok"
ok "/health answers on port $port (FEDERATION_SERVICE__PORT)"
page=$(get "$url/") || fail "no dashboard page"
grep -q '<title>Federation AI - operator dashboard</title>' <<<"$page" || fail "not the dashboard page"
get -o /dev/null "$url/dashboard/app.js" || fail "no dashboard script"
ok "the dashboard page and its assets"
metrics=$(get "$url/metrics") || fail "no /metrics"
grep -q '^federation_frozen_accounts ' <<<"$metrics" || fail "/metrics lacks the gauges"
ok "/metrics"
pm healthcheck run "$name" >/dev/null || fail "the image's HEALTHCHECK reports unhealthy"
ok "the image's HEALTHCHECK"
uid=$(pm exec "$name" id -u)
[ "$uid" != 0 ] || fail "the service runs as root"
ok "runs as uid $uid"
stop_cleanly "$name"
ok "stops cleanly on SIGTERM"

# --- 2. replay inside the container --------------------------------------------------
mkdir -m 0777 "$scratch/out"
pm run --rm --network none --no-healthcheck \
  -v "$PWD/examples:/examples:ro" -v "$scratch/out:/out" \
  "$IMAGE" replay /examples/history-60d.jsonl --out /out >"$scratch/replay.txt" \
  || fail "replay failed: $(cat "$scratch/replay.txt")"
decisions=$(wc -l <"$scratch/out/decisions.jsonl")
[ "$decisions" -gt 0 ] || fail "the replay wrote no decisions"
python3 -c 'import json, sys; p = json.load(open(sys.argv[1])); sys.exit(len(p) < 2)' \
  "$scratch/out/policy.json" || fail "policy.json lacks the two example accounts"
ok "replay of examples/history-60d.jsonl: $decisions decisions"

# --- 3. PostgreSQL and Redis, migrations first (as compose.yaml) ----------------------
if ! pg_isready -q -d "$PG/postgres" 2>/dev/null || ! redis-cli -u "$REDIS" ping >/dev/null 2>&1; then
  [ "${CI:-}" = true ] && fail "PostgreSQL or Redis is not running on 127.0.0.1"
  echo "skipped: PostgreSQL and Redis are not running on 127.0.0.1"
else
  db="federation_${run_id//-/_}"
  psql "$PG/postgres" -qc "CREATE DATABASE $db" >/dev/null
  env_opts=(
    -e "FEDERATION_SERVICE__DB_URL=$PG/$db"
    -e "FEDERATION_SERVICE__BUS_URL=$REDIS"
    -e "FEDERATION_ADAPTERS__REDIS_URL=$REDIS"
    -e FEDERATION_ADAPTERS__POLICY_STORE=redis
    -e FEDERATION_ADAPTERS__AI_ENGINE=redis
    -e FEDERATION_ADAPTERS__ESS=redis
    -e FEDERATION_ADAPTERS__PORTFOLIO=redis
  )
  pm run --rm --network host --no-healthcheck "${env_opts[@]}" "$IMAGE" db upgrade \
    | grep -q 'schema at revision' || fail "db upgrade"
  ok "federation db upgrade on PostgreSQL"
  name="$run_id-postgres"
  port=$(free_port)
  serve "$name" "$port" "${env_opts[@]}" -- --namespace "$run_id:"
  key=$(pm exec "$name" federation keys create image-test --scope operator 2>/dev/null)
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  event='{"event_type": "portfolio.snapshot_updated", "event_id": "image-test-1", "account_id": "default",
          "timestamp": "'"$now"'", "payload": {"total_equity": 10000.0}}'
  get -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d "$event" "http://127.0.0.1:$port/api/federation/events" >"$scratch/ingest.json" \
    || fail "ingest over HTTP"
  metrics=$(get "http://127.0.0.1:$port/metrics") || fail "no /metrics"
  grep -q '^federation_events_total{event_type="portfolio.snapshot_updated",outcome="processed"} 1.0' \
    <<<"$metrics" || fail "the event was not processed"
  grep -q '"decision_type":"ess_policy"' "$scratch/ingest.json" || fail "no ESS decision"
  # the decision reaches the bus and the ESS adapter's Redis hash (the outbox, within 10 s)
  for _ in $(seq 40); do
    [ "$(redis-cli -u "$REDIS" xlen "$run_id:quantum:stream:ai.federation.decision_made")" -ge 1 ] \
      && [ "$(redis-cli -u "$REDIS" exists "$run_id:quantum:ess:default")" = 1 ] && break
    sleep 0.25
  done
  [ "$(redis-cli -u "$REDIS" exists "$run_id:quantum:ess:default")" = 1 ] \
    || fail "the decision did not reach the bus and the ESS adapter"
  ok "serve on PostgreSQL and Redis: an event ingested, decided, published and written"
  stop_cleanly "$name"
  ok "stops cleanly on SIGTERM"
fi

echo "image-test: passed in $((SECONDS - started)) s (build $((built - started)) s)"

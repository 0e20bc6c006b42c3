#!/usr/bin/env bash
# bench/auth/run.sh — what endpoint auth costs: one read-by-id endpoint, deployed three times
# (auth: public, apiKey, jwt with an HS256 secret), loaded in turn with wrk by the same client:
# one key or token for every request, and (jwt-many) a different one of 1,000 tokens per request,
# so neither the verified-token cache nor a connection's session identity is reused much.
#
# Needs wrk and a PostgreSQL at $PG (default 127.0.0.1:5432, user postgres, trust) where it may
# create and drop a database. Slipway runs with bin/slipway (Graal JIT flags and all).
# Environment: DURATION=15s WARMUP=10s ROUNDS=2 CONNS=64 THREADS=2
set -euo pipefail
repo=$(git -C "$(dirname "$(realpath "$0")")" rev-parse --show-toplevel)
PG=${PG:-127.0.0.1:5432}
DURATION=${DURATION:-15s} WARMUP=${WARMUP:-10s} ROUNDS=${ROUNDS:-2} CONNS=${CONNS:-64} THREADS=${THREADS:-2}
db=slipway_bench_auth
work=$(mktemp -d /tmp/slipway-bench-auth.XXXXXX)
token=bench-admin-token-0123456789
secret=bench-hs256-secret-that-is-long-enough-0123456789
say() { echo "bench-auth: $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
psql_() { psql -h "${PG%:*}" -p "${PG#*:}" -U postgres -v ON_ERROR_STOP=1 -q "$@"; }

command -v wrk >/dev/null || { say "needs wrk (apt-get install wrk)"; exit 1; }
psql_ -d postgres -c "drop database if exists $db with (force)" -c "create database $db"
psql_ -d $db <<'SQL'
create schema app;
create table app.items (id integer primary key, name text not null, owner text not null);
insert into app.items select i, 'item ' || i, 'user-' || (i % 10) from generate_series(1, 10000) i;
SQL

port=$(free_port) control=$(free_port)
SLIPWAY_DATABASE_URL="postgres://postgres@$PG/$db" SLIPWAY_PORT=$port SLIPWAY_CONTROL_PORT=$control \
  SLIPWAY_HOST=127.0.0.1 SLIPWAY_ADMIN_TOKEN=$token SLIPWAY_DATA_DIR="$work" SLIPWAY_CALL_LOG_LEVEL=WARN \
  "$repo/bin/slipway" serve > "$work/slipway.log" 2>&1 &
pid=$!
cleanup() {
  local status=$?
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  psql_ -d postgres -c "drop database if exists $db with (force)" || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
for _ in $(seq 1 600); do curl -sf -o /dev/null "http://127.0.0.1:$control/api/health" && break; sleep 0.5; done
psql_ -d $db -c "grant usage on schema app to slipway_caller; grant select on app.items to slipway_caller"

api() { # api <path> [curl args]: fails the run, showing the answer, unless 2xx
  local path=$1 out; shift
  out=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $token" "$@" "http://127.0.0.1:$control$path")
  [[ ${out##*$'\n'} == 2* ]] || { say "$path: ${out%$'\n'*}"; exit 1; }
  echo "${out%$'\n'*}"
}
api /api/secrets/JWT_SECRET -X PUT -H 'Content-Type: application/json' -d "{\"value\":\"$secret\"}" >/dev/null
key=$(api /api/consumer-keys -X POST -H 'Content-Type: application/json' -d '{"name":"bench","roles":["reader"]}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
for mode in public apiKey jwt; do
  case $mode in
    public) auth='public' ;;
    apiKey) auth='{ mode: apiKey, roles: [reader] }' ;;
    jwt) auth='{ mode: jwt, roles: [reader], jwt: { secret: "${secrets.JWT_SECRET}", audience: bench } }' ;;
  esac
  api /api/endpoints -X POST -H 'Content-Type: application/yaml' --data-binary @- >/dev/null <<YAML
name: item-${mode,,}
method: GET
path: /${mode,,}/items/:id
auth: $auth
input: { params: { id: { type: integer } } }
steps:
  - id: item
    sql: select id, name from app.items where id = :id
    params: { id: "\${input.params.id}" }
    expect: one
response: { body: "\${steps.item.row}" }
YAML
done
api /api/deploy -X POST >/dev/null
# tokens.lua: 1,000 HS256 tokens (subjects user-0..user-999) and a request() that picks one at random
python3 - "$secret" "$work/tokens.lua" <<'PY'
import base64, hashlib, hmac, json, sys, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def token(sub):
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"sub": sub, "role": "reader", "aud": "bench", "exp": int(time.time()) + 3600}).encode())
    sig = b64(hmac.new(sys.argv[1].encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{sig}"
tokens = [token(f"user-{i}") for i in range(1000)]
with open(sys.argv[2], "w") as out:
    out.write("tokens = {" + ",".join(f'"{t}"' for t in tokens) + "}\n")
    out.write('request = function()\n  return wrk.format(nil, nil, {["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]})\nend\n')
PY
jwt=$(python3 -c 'import re,sys; print(re.search(r"\"([^\"]+)\"", open(sys.argv[1]).read()).group(1))' "$work/tokens.lua")
base="http://127.0.0.1:$port"
declare -A header=([public]="X-None: 1" [apiKey]="X-API-Key: $key" [jwt]="Authorization: Bearer $jwt")
for mode in public apiKey jwt; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "${header[$mode]}" "$base/${mode,,}/items/42")
  [[ $code == 200 ]] || { say "$mode endpoint answered $code"; tail -20 "$work/slipway.log"; exit 1; }
done

printf 'round\tauth\treq_s\tp50_ms\tp99_ms\tnon2xx\n'
for round in $(seq 1 "$ROUNDS"); do
  for mode in public apiKey jwt jwt-many; do
    if [[ $mode == jwt-many ]]; then
      load=(-s "$work/tokens.lua" "$base/jwt/items/42")
    else
      load=(-H "${header[$mode]}" "$base/${mode,,}/items/42")
    fi
    wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "${load[@]}" >/dev/null
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${load[@]}")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$rps" "$p50" "$p99" "${non2xx:-0}"
  done
done

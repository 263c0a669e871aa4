#!/usr/bin/env bash
# Side-by-side remote-write ingestion: Prometheus 2.42, VictoriaMetrics 1.79 and Foresight, one after the other
# in one run, each fresh (new data dir, loopback port), each sent the same data by ingest_load (same seed and
# start time). Prints per system: samples/s, errors, peak resident memory (VmHWM) and on-disk bytes per sample
# after a flush, then Foresight's ratio to each.
#
# On-disk size, measured so that every system has all of its data persisted in its long-term format:
#   Prometheus: admin snapshot API (POST /api/v1/admin/tsdb/snapshot, head included) -> du of the snapshot
#               (blocks only: no WAL, no head chunks).
#   VictoriaMetrics: GET /internal/force_flush, a few seconds for background merges, then du of data/ and
#               indexdb/ (not cache/).
#   Foresight: stopped with SIGTERM (graceful: DB::Close), then du of --storage.tsdb.path (blocks + WAL; until a
#               flush endpoint exists the head is counted in its WAL form).
#
# Environment (defaults): INSTANCES=20 HOURS=12 CONNECTIONS=4 INTERVAL_MS=15000
#   BUILD=build/release  LOAD=$BUILD/bench/collection/ingest/ingest_load  FORESIGHT=$BUILD/src/server/foresight
#   SYSTEMS="prometheus victoriametrics foresight"  KEEP=0 (1 keeps the work dir)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
BUILD="${BUILD:-$ROOT/build/release}"
LOAD="${LOAD:-$BUILD/bench/collection/ingest/ingest_load}"
FORESIGHT="${FORESIGHT:-$BUILD/src/server/foresight}"
INSTANCES="${INSTANCES:-20}"
HOURS="${HOURS:-12}"
CONNECTIONS="${CONNECTIONS:-4}"
INTERVAL_MS="${INTERVAL_MS:-15000}"
SYSTEMS="${SYSTEMS:-prometheus victoriametrics foresight}"
WORK="$(mktemp -d /tmp/side_by_side.XXXXXX)"
NOW_MS=$(($(date +%s) * 1000))
STEPS=$((HOURS * 3600 * 1000 / INTERVAL_MS))
START_MS=$(((NOW_MS - STEPS * INTERVAL_MS - 3600 * 1000) / INTERVAL_MS * INTERVAL_MS))

[[ -x "$LOAD" ]] || { echo "no load generator at $LOAD (ninja -C $BUILD ingest_load)"; exit 1; }
PID=""
cleanup() {
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then kill "$PID"; wait "$PID" 2>/dev/null || true; fi
  [[ "${KEEP:-0}" == 1 ]] || rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {  # url: waits up to 60 s for a 2xx
  for _ in $(seq 600); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "timed out waiting for $1"; return 1
}
hwm_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
stop() {  # graceful stop of $PID
  kill -TERM "$PID"; for _ in $(seq 600); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  wait "$PID" 2>/dev/null || true; PID=""
}
run_load() {  # url name -> sets SAMPLES ERRORS RATE
  local out="$WORK/$2.load"
  "$LOAD" --url "$1" --instances "$INSTANCES" --hours "$HOURS" --interval_ms "$INTERVAL_MS" \
    --connections "$CONNECTIONS" --start_ms "$START_MS" >"$out" 2>"$out.err" || true
  cat "$out.err" >&2
  local line; line="$(grep '^RESULT' "$out" || true)"
  [[ -n "$line" ]] || { echo "$2: load generator failed"; cat "$out"; return 1; }
  SAMPLES=$(sed -E 's/^RESULT samples=([0-9]+).*/\1/' <<<"$line")
  ERRORS=$(sed -E 's/.* errors=([0-9]+).*/\1/' <<<"$line")
  RATE=$(sed -E 's/.*samples_per_s=([0-9]+).*/\1/' <<<"$line")
}
declare -A R_RATE R_ERR R_HWM R_BPS R_SAMPLES
record() {  # name bytes hwm_kb
  R_RATE[$1]=$RATE; R_ERR[$1]=$ERRORS; R_HWM[$1]=$3; R_SAMPLES[$1]=$SAMPLES
  R_BPS[$1]=$(python3 -c "print(f'{$2/max($SAMPLES,1):.3f}')")
  echo "== $1: $SAMPLES samples, $RATE samples/s, $ERRORS errors, VmHWM $(($3 / 1024)) MiB, $2 bytes on disk (${R_BPS[$1]} B/sample)"
}

run_prometheus() {
  command -v prometheus >/dev/null || { echo "== prometheus: not installed, skipped"; return; }
  local port; port=$(free_port); mkdir -p "$WORK/prom"
  printf 'global:\n  scrape_interval: 1m\n' >"$WORK/prom.yml"
  prometheus --config.file="$WORK/prom.yml" --storage.tsdb.path="$WORK/prom" --web.listen-address="127.0.0.1:$port" \
    --web.enable-remote-write-receiver --web.enable-admin-api >"$WORK/prom.log" 2>&1 &
  PID=$!
  wait_http "http://127.0.0.1:$port/-/ready"
  run_load "http://127.0.0.1:$port/api/v1/write" prometheus
  local hwm; hwm=$(hwm_kb "$PID")
  local name; name=$(curl -sf -XPOST "http://127.0.0.1:$port/api/v1/admin/tsdb/snapshot" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["name"])')
  local bytes; bytes=$(du -sb "$WORK/prom/snapshots/$name" | cut -f1)
  stop
  record prometheus "$bytes" "$hwm"
}

run_victoriametrics() {
  command -v victoria-metrics >/dev/null || { echo "== victoriametrics: not installed, skipped"; return; }
  local port; port=$(free_port); mkdir -p "$WORK/vm"
  victoria-metrics -storageDataPath="$WORK/vm" -httpListenAddr="127.0.0.1:$port" -retentionPeriod=1y \
    >"$WORK/vm.log" 2>&1 &
  PID=$!
  wait_http "http://127.0.0.1:$port/health"
  run_load "http://127.0.0.1:$port/api/v1/write" victoriametrics
  local hwm; hwm=$(hwm_kb "$PID")
  curl -sf "http://127.0.0.1:$port/internal/force_flush" >/dev/null; sleep 5
  local bytes; bytes=$(du -sbc "$WORK/vm/data" "$WORK/vm/indexdb" | tail -1 | cut -f1)
  stop
  record victoriametrics "$bytes" "$hwm"
}

run_foresight() {
  [[ -x "$FORESIGHT" ]] || { echo "== foresight: no binary at $FORESIGHT, skipped"; return; }
  local port; port=$(free_port); mkdir -p "$WORK/fs"
  "$FORESIGHT" --storage.tsdb.path="$WORK/fs" --web.listen-address="127.0.0.1:$port" >"$WORK/fs.log" 2>&1 &
  PID=$!
  if ! wait_http "http://127.0.0.1:$port/-/ready"; then
    echo "== foresight: did not become ready (see $WORK/fs.log), skipped"; stop; return
  fi
  local code; code=$(curl -s -o /dev/null -w '%{http_code}' -XPOST --data-binary '' "http://127.0.0.1:$port/api/v1/write")
  if [[ "$code" == 404 || "$code" == 405 ]]; then
    echo "== foresight: /api/v1/write is not wired in the server yet (HTTP $code), skipped"; stop; return
  fi
  run_load "http://127.0.0.1:$port/api/v1/write" foresight
  local hwm; hwm=$(hwm_kb "$PID")
  # Like the snapshot taken of Prometheus: the head is written out as blocks (and the log truncated behind
  # them), then the whole data directory is measured after a clean stop.
  curl -sf -XPOST "http://127.0.0.1:$port/api/v1/admin/tsdb/flush" >/dev/null || echo "== foresight: flush failed"
  stop
  local bytes; bytes=$(du -sb "$WORK/fs" | cut -f1)
  record foresight "$bytes" "$hwm"
}

echo "side-by-side: $INSTANCES instances x 507 series, ${HOURS} h at ${INTERVAL_MS} ms from $START_MS, $CONNECTIONS connections"
for s in $SYSTEMS; do "run_$s"; done

echo
printf '%-16s %14s %8s %12s %12s\n' system samples/s errors "VmHWM MiB" "bytes/sample"
for s in $SYSTEMS; do
  [[ -n "${R_RATE[$s]:-}" ]] || continue
  printf '%-16s %14s %8s %12s %12s\n' "$s" "${R_RATE[$s]}" "${R_ERR[$s]}" "$((R_HWM[$s] / 1024))" "${R_BPS[$s]}"
done
if [[ -n "${R_RATE[foresight]:-}" ]]; then
  for o in prometheus victoriametrics; do
    [[ -n "${R_RATE[$o]:-}" ]] || continue
    python3 -c "
f, o = $((R_RATE[foresight])), $((R_RATE[$o]))
print(f'foresight/$o: samples/s x{f/o:.2f}, VmHWM x{${R_HWM[foresight]}/${R_HWM[$o]}:.2f}, bytes/sample x{${R_BPS[foresight]}/${R_BPS[$o]}:.2f}')"
  done
fi

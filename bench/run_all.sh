#!/usr/bin/env bash
# Runs the Google Benchmark kernels of every part (the long tools — tsdb_tool, forecast_eval, anomaly_eval,
# scrape_bench, query_bench and the side-by-side ingest harness — are run by hand; see docs/BENCHMARKS.md).
set -euo pipefail
BUILD="${1:-build/release}"
for b in bench/storage/encoding/chunk_bench bench/storage/wal/wal_bench bench/storage/db/db_bench \
         bench/collection/textparse/textparse_bench bench/collection/remotewrite/remote_write_decode_bench \
         bench/analytics/anomaly/anomaly_bench; do
  if [[ -x "$BUILD/$b" ]]; then
    echo "== $b"
    "$BUILD/$b" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
  else
    echo "== $b: not built, skipped"
  fi
done

#!/usr/bin/env bash
# Runs each libFuzzer target for a while (CI: a minute each) from a fresh corpus seeded with the text-format
# conformance payloads when ../shared is there. A crash, leak or sanitizer report fails the run; the
# reproducer is left in the build directory.
# Usage: run-fuzzers.sh BUILD_DIR SECONDS
set -euo pipefail
build="$1"
seconds="${2:-60}"
shared="$(cd "$(dirname "$0")/.." && pwd)/../shared"

run() {  # name binary seeds...
  local name="$1" bin="$2"
  shift 2
  local corpus="$build/fuzz-corpus/$name"
  rm -rf "$corpus" && mkdir -p "$corpus"
  local seeds=()
  for s in "$@"; do [[ -d "$s" ]] && seeds+=("$s"); done
  echo "fuzz: $name for ${seconds}s"
  local log="$build/fuzz-$name.log"
  if ! "$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$build/$name-" \
      "$corpus" "${seeds[@]}" >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz: $name FAILED (log: $log)"
    exit 1
  fi
  grep -E "^stat::(number_of_executed_units|new_units_added)" "$log" | sed "s/^/fuzz: $name /"
}

if [[ ! -d "$shared/conformance/textparse" ]]; then
  echo "fuzz: ../shared is absent, the text parser starts from an empty corpus"
fi
run textparse "$build/tests/collection/textparse/fuzz_textparse" "$shared/conformance/textparse"
run remote_write "$build/tests/collection/remotewrite/fuzz_remote_write"

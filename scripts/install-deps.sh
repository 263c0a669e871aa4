#!/usr/bin/env bash
# Installs what Foresight needs to build, test and run, from Debian's packages only.
# Idempotent: packages already present are skipped, so `make run` and `make test` call it every time.
set -euo pipefail

# Build and library packages (see the brief's "Technical choices").
BUILD_PKGS=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev llvm
  libboost-dev libcurl4-openssl-dev zlib1g-dev
  libsnappy-dev libzstd-dev libprotobuf-dev protobuf-compiler
  libyaml-cpp-dev nlohmann-json3-dev
  libabsl-dev libre2-dev libxxhash-dev libroaring-dev
  libeigen3-dev libnlopt-cxx-dev libnlopt-dev
  libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libssl-dev
)
# Real peers used by the tests and the side-by-side benchmarks (started by the tests on loopback ports).
PEER_PKGS=(
  prometheus prometheus-node-exporter prometheus-alertmanager victoria-metrics
)

want=("${BUILD_PKGS[@]}")
if [ "${FORESIGHT_SKIP_PEERS:-0}" != 1 ]; then want+=("${PEER_PKGS[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
# Keep apt from starting the peers' system services: the tests start their own on loopback ports.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  added_policy=1
fi
cleanup() { [ $added_policy -eq 1 ] && $SUDO rm -f "$policy"; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

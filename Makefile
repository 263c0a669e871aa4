# The two commands a user needs: `make run` and `make test`. Everything else is a helper for them.
BUILD      ?= build/release
ASAN_BUILD ?= build/asan
FUZZ_BUILD ?= build/fuzz
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc)
ARGS       ?=
CMAKE_GEN   = cmake -G Ninja -Wno-dev

.PHONY: run test deps build build-asan test-release test-asan fuzz bench format clean

deps:
	@bash scripts/install-deps.sh

build: deps
	@$(CMAKE_GEN) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" \
	  "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG" -DFORESIGHT_WERROR=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	@$(CMAKE_GEN) -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFORESIGHT_WERROR=ON \
	  -DFORESIGHT_SANITIZE=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	  "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g" "-DCMAKE_C_FLAGS_DEBUG=-O1 -g" -DFORESIGHT_BENCH=OFF >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# Starts Foresight on the embedded default config; data goes to ./data unless ARGS says otherwise.
run: build
	@$(BUILD)/src/server/foresight --storage.tsdb.path=data $(ARGS)

test-release: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

test-asan: build-asan
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  FORESIGHT_SANITIZED=1 ctest --output-on-failure -j $(JOBS) --timeout 1800 -LE "e2e|integration"

# The libFuzzer targets (text parser, remote-write decoder) with ASan+UBSan, FUZZ_SECONDS each.
fuzz: deps
	@$(CMAKE_GEN) -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFORESIGHT_WERROR=ON -DFORESIGHT_SANITIZE=ON \
	  -DFORESIGHT_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g" \
	  "-DCMAKE_C_FLAGS_DEBUG=-O1 -g" -DFORESIGHT_BENCH=OFF "-DFORESIGHT_PARTS=common;storage;collection" >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_textparse fuzz_remote_write
	@bash scripts/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The full suite in a release build, then once more under ASan+UBSan (all but the tests labelled e2e or
# integration, which start real peers — Prometheus, node exporter — and check interoperability, not memory),
# then a minute of each fuzzer.
test: test-release test-asan fuzz

bench: build
	@bash bench/run_all.sh $(BUILD)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build

# vmemsim — the front door.  `make demo` and `make test` install what they
# need (scripts/install-deps), configure, build and run.

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
WERROR     ?= $(if $(CI),ON,OFF)

.PHONY: all deps build demo test test-fast test-asan bench format format-check fuzz fuzz-smoke clean

all: build

deps:
	@./scripts/install-deps

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DVMEMSIM_WERROR=$(WERROR) $(CMAKE_ARGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	./$(BUILD)/vmemsim compare-models

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) test-asan

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

$(ASAN_BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DVMEMSIM_SANITIZE=ON -DVMEMSIM_WERROR=$(WERROR) $(CMAKE_ARGS)

test-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && VMEMSIM_SANITIZED=1 ctest --output-on-failure -j $(JOBS)

bench: build
	./$(BUILD)/bench/vmemsim-bench

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

format-check:
	git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror

# libFuzzer targets (clang, ASan+UBSan): the trace readers, the config and
# layout parsers, the ELF loader and the database reader.
FUZZ_SECONDS ?= 10

fuzz: deps
	cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DVMEMSIM_FUZZ=ON -DVMEMSIM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
	cmake --build build-fuzz -j $(JOBS)

# Run every target for FUZZ_SECONDS from the checked-in seeds (configs, fixtures).
fuzz-smoke: fuzz
	@set -e; for f in $$(find build-fuzz -type f -name 'fuzz_*' -perm -u+x | sort); do \
		echo "== $$f ($(FUZZ_SECONDS) s)"; \
		mkdir -p build-fuzz/corpus/$$(basename $$f); \
		if ! $$f -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build-fuzz/ \
			build-fuzz/corpus/$$(basename $$f) > build-fuzz/fuzz.log 2>&1; then \
			tail -n 40 build-fuzz/fuzz.log; echo "fuzz-smoke: $$f failed" >&2; exit 1; \
		fi; \
		grep '^Done' build-fuzz/fuzz.log; \
	done

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz

# Thin wrapper around CMake. The two set-up commands in the README are `make demo`
# and `make check`; both install missing Debian packages first.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

.PHONY: all deps build check test test-asan demo bench fuzz lint format clean

all: build

deps:
	@scripts/install-deps

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) > /dev/null
	cmake --build $(BUILD) -j $(JOBS)

# Every test: unit, cases, fuzz corpora, benchmark smoke runs; then all again
# under AddressSanitizer and UndefinedBehaviorSanitizer.
check: build test test-asan

test:
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON $(CMAKE_ARGS) > /dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

# The main job end to end on the embedded SQLite default.
demo: build
	scripts/demo $(BUILD)/tiphub

bench: build
	@for b in bench/*; do \
	    case $$b in *.*) continue;; esac; \
	    [ -x $$b ] || continue; \
	    TIPHUB=$(BUILD)/tiphub BENCH_BIN_DIR=$(BUILD) $$b || exit 1; \
	done

# Coverage-guided fuzzing with libFuzzer (clang). FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
fuzz: deps
	CC=clang cmake -S . -B build-fuzz -DFUZZ=ON -DSANITIZE=ON > /dev/null
	cmake --build build-fuzz -j $(JOBS)
	@for t in build-fuzz/fuzz_*; do \
	    n=$$(basename $$t); \
	    echo "== $$n"; \
	    $$t -max_total_time=$(FUZZ_SECONDS) tests/fuzz/$${n}_corpus || exit 1; \
	done

lint: build
	clang-format --dry-run --Werror src/*.c include/*.h tests/unit/*.c tests/fuzz/*.c
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	    --suppress=missingIncludeSystem -I include -I src src
	@# one file per run: clang-tidy 14's valist check carries state from one file to
	@# the next (LLVM bug 41311) and flags correct va_list code in later files
	for f in src/*.c; do clang-tidy -p $(BUILD) --quiet $$f || exit 1; done

format:
	clang-format -i src/*.c src/*.h include/*.h tests/unit/*.c tests/fuzz/*.c bench/*.c

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz

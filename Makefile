# SPDX-License-Identifier: MIT OR Apache-2.0
#
# hud: find the code that blocks Tokio worker threads, from outside the process.
#
#   make                 build build/hud-record, build/hud-report and build/hud-diff
#   make check           install missing Debian packages, build, run every test (as root)
#   make demo            build, start the demo service, record 5 s, print the report
#   make bench           overhead of hud-record and speed of hud-report, vs perf
#   make install         PREFIX=/usr/local DESTDIR=
#   make clean
#   SAN=1                ASan+UBSan userspace build (in build-san/)
#   V=1                  show the commands
#   VMLINUX_H=path       use this vmlinux.h instead of generating it from the running kernel

HUD_VERSION := 0.1.0

SAN ?=
ifeq ($(SAN),1)
BUILD ?= build-san
else
BUILD ?= build
endif
OBJ := $(BUILD)/obj

CC ?= cc
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
CARGO ?= $(shell command -v cargo 2>/dev/null || { test -x $$HOME/.cargo/bin/cargo && echo $$HOME/.cargo/bin/cargo; })
PREFIX ?= /usr/local
DESTDIR ?=

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/' \
	-e 's/riscv64/riscv/' -e 's/s390x/s390/')

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARNINGS := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wformat=2 -Wmissing-prototypes \
	-Wstrict-prototypes
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 $(WARNINGS) -D_GNU_SOURCE -DHUD_VERSION='"$(HUD_VERSION)"' \
	-I. -Iformat -Icommon -I$(BUILD) -MMD -MP
LDFLAGS ?=
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
override CFLAGS += $(SANFLAGS)
override LDFLAGS += $(SANFLAGS)
endif

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf -Wall -Wno-unused-function

# Each tool's main() lives in its main.c; every other .c of a directory is library code
# that unit tests link against.
COMMON_SRCS := $(wildcard common/*.c)
FORMAT_SRCS := $(wildcard format/*.c)
RECORD_SRCS := $(wildcard record/*.c)
REPORT_SRCS := $(wildcard report/*.c)
DIFF_SRCS := $(wildcard diff/*.c)
BPF_SRCS := $(wildcard bpf/*.bpf.c)

objs = $(patsubst %.c,$(OBJ)/%.o,$(1))
COMMON_OBJS := $(call objs,$(COMMON_SRCS))
FORMAT_OBJS := $(call objs,$(FORMAT_SRCS))
RECORD_OBJS := $(call objs,$(RECORD_SRCS))
REPORT_OBJS := $(call objs,$(REPORT_SRCS))
REPORT_LIB_OBJS := $(filter-out $(OBJ)/report/main.o,$(REPORT_OBJS))
DIFF_OBJS := $(call objs,$(DIFF_SRCS))
DIFF_LIB_OBJS := $(filter-out $(OBJ)/diff/main.o,$(DIFF_OBJS))
SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

# hud-record must run on a minimal host: libbpf, libelf, zstd (and libz for libelf).
RECORD_LIBS := -lbpf -lelf -lzstd -lz
# ncurses for the live screen (hud-top, hud-report --follow).
NCURSES_LIBS := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw)
REPORT_LIBS := -ldw -lelf -ljansson -lzstd -lz -liberty -lm $(NCURSES_LIBS)

UNIT_SRCS := $(wildcard tests/unit/test-*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
FIXTURE_DIR := tests/fixtures/tokio-blockers
FIXTURE := $(BUILD)/fixtures/hud-fixture
FIXTURE_NOFP := $(BUILD)/fixtures/hud-fixture-nofp

TOOLS := $(BUILD)/hud-record $(BUILD)/hud-report $(BUILD)/hud-diff $(BUILD)/hud-top

.PHONY: all check demo bench install clean deps fixture unit-tests format-check
.DELETE_ON_ERROR:
.SECONDARY:

all: $(TOOLS)

# --- BPF ------------------------------------------------------------------------

ifdef VMLINUX_H
$(BUILD)/vmlinux.h: $(VMLINUX_H)
	$(Q)mkdir -p $(@D) && cp $< $@
else
$(BUILD)/vmlinux.h:
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)test -r /sys/kernel/btf/vmlinux || { echo "error: /sys/kernel/btf/vmlinux missing: the kernel lacks CONFIG_DEBUG_INFO_BTF; pass VMLINUX_H=path/to/vmlinux.h" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@
endif

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

# --- userspace ------------------------------------------------------------------

$(OBJ)/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# Only record/ sees the BPF event header: report/ and diff/ know the file format alone.
$(RECORD_OBJS): $(SKELS)
$(RECORD_OBJS): override CFLAGS += -Ibpf

$(BUILD)/hud-record: $(RECORD_OBJS) $(FORMAT_OBJS) $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(RECORD_LIBS) -o $@

$(BUILD)/hud-report: $(REPORT_OBJS) $(FORMAT_OBJS) $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(REPORT_LIBS) -o $@

# hud-top is hud-report's binary under another name: main() looks at argv[0].
$(BUILD)/hud-top: $(BUILD)/hud-report
	$(call msg,LN,$@)
	$(Q)ln -f $< $@

# hud-diff reads recordings through the report library: the same numbers as hud-report.
$(DIFF_OBJS): override CFLAGS += -Ireport

$(BUILD)/hud-diff: $(DIFF_OBJS) $(REPORT_LIB_OBJS) $(FORMAT_OBJS) $(COMMON_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(REPORT_LIBS) -o $@

# --- tests ----------------------------------------------------------------------

$(BUILD)/tests/test-%: tests/unit/test-%.c $(DIFF_LIB_OBJS) $(REPORT_LIB_OBJS) $(FORMAT_OBJS) \
		$(COMMON_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itests/lib -Ireport -Idiff $(LDFLAGS) $^ $(REPORT_LIBS) -o $@

# Small ELF files that unit tests symbolize (DWARF, inlining, build-id).
TEST_DATA_SRCS := $(wildcard tests/unit/data/*.c)
TEST_DATA_BINS := $(patsubst tests/unit/data/%.c,$(BUILD)/tests/data/%,$(TEST_DATA_SRCS))

TEST_DATA_FP := -fno-omit-frame-pointer
# test-unwind.c unwinds this one with CFI alone.
$(BUILD)/tests/data/unwindme $(BUILD)/tests/data/unwindme-clang: TEST_DATA_FP := -fomit-frame-pointer

$(BUILD)/tests/data/%: tests/unit/data/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -g -O2 $(TEST_DATA_FP) -Wl,--build-id $< -o $@

# The same with clang, which writes no .debug_aranges (libdw 0.188 cannot place its CUs).
TEST_DATA_BINS += $(patsubst tests/unit/data/%.c,$(BUILD)/tests/data/%-clang,$(TEST_DATA_SRCS))

$(BUILD)/tests/data/%-clang: tests/unit/data/%.c
	$(call msg,CLANG,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -gdwarf-4 -O2 $(TEST_DATA_FP) -Wl,--build-id $< -o $@

unit-tests: $(UNIT_BINS) $(TEST_DATA_BINS)

# --- golden tests: synthetic recordings --------------------------------------------
# hud-synth writes deterministic .hud files through format/'s writer, for
# tests/integration/report-golden.t and tests/bench/report-rss.sh; it links format/ and
# common/ only. tests/golden/symtest, the binary its stacks point into, is checked in (its
# build-id and line numbers are in the expected outputs): after editing symtest.c, run
# `make golden-elf`, then `UPDATE_GOLDEN=1 prove tests/integration/report-golden.t`.
HUD_SYNTH := $(BUILD)/tests/hud-synth

$(HUD_SYNTH): tests/tools/hud-synth.c $(FORMAT_OBJS) $(COMMON_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ -lelf -lzstd -lz -o $@

unit-tests bench: $(HUD_SYNTH)

# hud-dump: a recording's META records and stack-copy counts, for integration tests.
HUD_DUMP := $(BUILD)/tests/hud-dump

$(HUD_DUMP): tests/tools/hud-dump.c $(FORMAT_OBJS) $(COMMON_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ -lzstd -o $@

unit-tests: $(HUD_DUMP)

# hud-storm: futex wake-ups at a set rate, for the drain measurement of make bench.
HUD_STORM := $(BUILD)/tests/hud-storm

$(HUD_STORM): tests/bench/hud-storm.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -pthread -o $@

bench: $(HUD_STORM)

.PHONY: golden-elf
golden-elf: tests/golden/symtest.c
	$(call msg,CC,tests/golden/symtest)
	$(Q)$(CLANG) -g -gdwarf-4 -gdwarf-aranges -O1 -fno-omit-frame-pointer \
		-fno-optimize-sibling-calls -ffile-prefix-map=$(CURDIR)=/usr/src/hud -Wl,--build-id=sha1 \
		-Wl,-z,noseparate-code -Wl,-z,norelro $< -o tests/golden/symtest
# --- end of golden tests ------------------------------------------------------------

fixture: $(FIXTURE) $(FIXTURE_NOFP) $(BUILD)/fixtures/hud-dlspin $(BUILD)/fixtures/libhudspin.so \
	$(BUILD)/fixtures/libhudspin2.so \
	$(BUILD)/fixtures/hud-churn $(BUILD)/fixtures/libhudnoperf.so \
	$(BUILD)/fixtures/hud-longname

# The C fixtures are built like a service hud records: debug info, frame pointers,
# build-ids. Each rule sets what differs (FIXTURE_EXTRA, FIXTURE_LIBS).
FIXTURE_CFLAGS := -g -O1 -fno-omit-frame-pointer -Wl,--build-id
define fixture_cc
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(FIXTURE_CFLAGS) $(FIXTURE_EXTRA) $< -o $@ $(FIXTURE_LIBS)
endef

# A C program that dlopens a library mid-recording (tests the maps re-read).
$(BUILD)/fixtures/hud-dlspin: FIXTURE_LIBS := -ldl
$(BUILD)/fixtures/hud-dlspin: tests/fixtures/dlopen/dlspin.c
	$(fixture_cc)

# The library it loads, and the same code under another name, to be mapped where the
# first was.
$(BUILD)/fixtures/libhudspin.so: FIXTURE_EXTRA := -fPIC -shared
$(BUILD)/fixtures/libhudspin.so: tests/fixtures/dlopen/libhudspin.c
	$(fixture_cc)
$(BUILD)/fixtures/libhudspin2.so: FIXTURE_EXTRA := -fPIC -shared -DHUD_SPIN_FN=hud_dl_spin_two
$(BUILD)/fixtures/libhudspin2.so: tests/fixtures/dlopen/libhudspin.c
	$(fixture_cc)

# A C program that starts and joins many short-lived threads (tests per-thread state).
$(BUILD)/fixtures/hud-churn: FIXTURE_LIBS := -lpthread
$(BUILD)/fixtures/hud-churn: tests/fixtures/churn/churn.c
	$(fixture_cc)

# A C program spinning in two functions with 1290-character names (tests hotspot names).
$(BUILD)/fixtures/hud-longname: tests/fixtures/longname/longname.c
	$(fixture_cc)

# An LD_PRELOAD library that makes perf_event_open() fail (tests a failed attach).
$(BUILD)/fixtures/libhudnoperf.so: tests/fixtures/faults/noperf.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O1 -fPIC -shared $< -o $@ -ldl

FIXTURE_SRCS := $(shell find $(FIXTURE_DIR) -type f -not -path '*/target*' 2>/dev/null)

$(FIXTURE): $(FIXTURE_SRCS)
	$(call msg,CARGO,$@)
	$(Q)CARGO="$(CARGO)" tests/fixtures/build.sh $(FIXTURE_DIR) $(@D)

# The same service as a default release build leaves it: no frame pointers.
$(FIXTURE_NOFP): $(FIXTURE_SRCS)
	$(call msg,CARGO,$@)
	$(Q)CARGO="$(CARGO)" tests/fixtures/build.sh $(FIXTURE_DIR) $(@D) --no-frame-pointers

# --- fuzzing and soak (docs/TESTING.md) ------------------------------------------
# Each tests/fuzz/fuzz-NAME.c defines only LLVMFuzzerTestOneInput, and is built twice:
#   $(BUILD)/tests/fuzz-NAME  with $(CC) (ASan+UBSan under SAN=1) and tests/fuzz/replay.c:
#                             make check replays tests/fuzz/corpus/NAME/ with it (TAP)
#   $(BUILD)/fuzz/fuzz-NAME   with clang -fsanitize=fuzzer,address,undefined, for make fuzz
#
#   make fuzz [FUZZ_TARGETS="reader ..."] [FUZZ_TIME=60 | FUZZ_RUNS=N] [FUZZ_ARGS=...]
#       fuzz each target in turn (one process, one job) on a copy of its corpus,
#       $(BUILD)/fuzz/corpus/NAME; crash inputs land in $(BUILD)/fuzz/artifacts/NAME/
#   make fuzz-merge   add to the corpus the fewest inputs of that copy that reach new edges
#   make soak [SOAK_SECS=600]   hud-record on a busy fixture: memory and losses over time
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz-%.c,%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_REPLAY_BINS := $(patsubst %,$(BUILD)/tests/fuzz-%,$(FUZZ_NAMES))
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_RUNS ?=
FUZZ_TIME ?= $(if $(FUZZ_RUNS),,60)
FUZZ_ARGS ?=
FUZZ_FLAGS = $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS)) $(if $(FUZZ_TIME),-max_total_time=$(FUZZ_TIME)) \
	-print_final_stats=1 $(FUZZ_ARGS)
# libFuzzer is in compiler-rt, which clang-14 only recommends (deps skips recommends).
FUZZ_PACKAGES := clang libclang-rt-14-dev llvm
FUZZ_CC ?= $(CLANG)
FUZZ_OBJ := $(BUILD)/fuzz/obj
# What a target may call: the library code of report/, diff/, format/ and common/.
FUZZ_LIB_SRCS := $(filter-out %/main.c,$(COMMON_SRCS) $(FORMAT_SRCS) $(REPORT_SRCS) $(DIFF_SRCS))
FUZZ_INCLUDES := -Ireport -Idiff -Itests/lib
FUZZ_CFLAGS := -O1 -g -std=gnu11 $(WARNINGS) -D_GNU_SOURCE -DHUD_VERSION='"$(HUD_VERSION)"' -I. \
	-Iformat -Icommon $(FUZZ_INCLUDES) -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -MMD -MP

.PHONY: fuzz fuzz-deps fuzz-merge soak
unit-tests: $(FUZZ_REPLAY_BINS)
$(OBJ)/tests/fuzz/replay.o: override CFLAGS += -Itests/lib

$(BUILD)/tests/fuzz-%: tests/fuzz/fuzz-%.c $(OBJ)/tests/fuzz/replay.o $(DIFF_LIB_OBJS) \
		$(REPORT_LIB_OBJS) $(FORMAT_OBJS) $(COMMON_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(FUZZ_INCLUDES) $(LDFLAGS) $(filter %.c %.o,$^) $(REPORT_LIBS) -o $@

$(FUZZ_OBJ)/%.o: %.c
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(FUZZ_LIB_SRCS))
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(filter %.c %.o,$^) $(REPORT_LIBS) -o $@

fuzz-deps:
	$(Q)missing=; for p in $(FUZZ_PACKAGES); do \
		dpkg-query -W -f='$${db:Status-Abbrev}' $$p 2>/dev/null | grep -q '^ii' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "fuzz-deps: installing$$missing"; \
		if [ "$$(id -u)" != 0 ]; then echo "error: missing packages:$$missing: run 'make fuzz-deps' as root" >&2; exit 1; fi; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi

fuzz: deps fuzz-deps
	$(Q)$(MAKE) --no-print-directory $(patsubst %,$(BUILD)/fuzz/fuzz-%,$(FUZZ_TARGETS))
	$(Q)for t in $(FUZZ_TARGETS); do \
		c=$(BUILD)/fuzz/corpus/$$t; a=$(BUILD)/fuzz/artifacts/$$t/; \
		mkdir -p $$c $$a && { cp -n tests/fuzz/corpus/$$t/* $$c/ 2>/dev/null || true; }; \
		echo "fuzz: $$t on $$c, crashes to $$a"; \
		$(BUILD)/fuzz/fuzz-$$t $(FUZZ_FLAGS) -artifact_prefix=$$a $$c || exit 1; \
	done

fuzz-merge: fuzz-deps
	$(Q)$(MAKE) --no-print-directory $(patsubst %,$(BUILD)/fuzz/fuzz-%,$(FUZZ_TARGETS))
	$(Q)for t in $(FUZZ_TARGETS); do \
		[ -d $(BUILD)/fuzz/corpus/$$t ] || continue; \
		mkdir -p tests/fuzz/corpus/$$t; \
		$(BUILD)/fuzz/fuzz-$$t -merge=1 -use_counters=0 tests/fuzz/corpus/$$t \
			$(BUILD)/fuzz/corpus/$$t || exit 1; \
	done

SOAK_SECS ?= 600
soak: deps
	$(Q)$(MAKE) --no-print-directory all fixture
	$(Q)HUD_BUILD=$(abspath $(BUILD)) SOAK_SECS=$(SOAK_SECS) tests/soak.sh

-include $(shell find $(FUZZ_OBJ) -name '*.d' 2>/dev/null) $(wildcard $(BUILD)/fuzz/*.d $(BUILD)/tests/fuzz-*.d)
# --- end of fuzzing and soak -------------------------------------------------------

# Debian packages needed to build and test. Installed only when one is missing.
DEB_PACKAGES := clang llvm bpftool libbpf-dev libelf-dev libdw-dev libzstd-dev libjansson-dev \
	libiberty-dev zlib1g-dev pkg-config make gcc elfutils binutils perl librust-tokio-dev \
	jq util-linux procps libxml2-utils time linux-perf libbpf-tools libncurses-dev tmux

deps:
	$(Q)missing=$$(dpkg-query -W -f='$${db:Status-Abbrev} $${Package}\n' $(DEB_PACKAGES) 2>/dev/null \
		| awk '$$1 == "ii" { print $$2 }' | sort > /tmp/hud-deps.$$$$; \
		for p in $(DEB_PACKAGES); do grep -qx "$$p" /tmp/hud-deps.$$$$ || echo $$p; done; \
		rm -f /tmp/hud-deps.$$$$); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing" $$missing; \
		if [ "$$(id -u)" != 0 ]; then echo "error: missing packages ($$missing): run 'make deps' as root" >&2; exit 1; fi; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi; \
	if [ -z "$(CARGO)" ]; then \
		echo "deps: installing cargo (none on PATH or in ~/.cargo/bin)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends cargo >/dev/null || exit 1; \
	fi
	$(Q)tests/browser/setup.sh

check: deps
	$(Q)$(MAKE) --no-print-directory all unit-tests fixture
	$(Q)HUD_BUILD=$(abspath $(BUILD)) prove -f $(UNIT_BINS) $(FUZZ_REPLAY_BINS) \
		$(wildcard tests/integration/*.t)

demo: deps
	$(Q)$(MAKE) --no-print-directory all fixture
	$(Q)HUD_BUILD=$(abspath $(BUILD)) tests/demo.sh

# Overhead and speed, measured side by side (root; see docs/PERFORMANCE.md).
bench: deps
	$(Q)$(MAKE) --no-print-directory all fixture
	$(Q)HUD_BUILD=$(abspath $(BUILD)) tests/bench/bench.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 docs/hud-top.1 $(DESTDIR)$(PREFIX)/share/man/man1/

format-check:
	$(Q)clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	$(call msg,CLEAN,build build-san)
	$(Q)rm -rf build build-san $(FIXTURE_DIR)/target $(FIXTURE_DIR)/target-nofp

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# TOF — Traffic Offloading Function. See README.md.
#
#   make            build tofd (build/tofd)
#   make deps       apt-get install what is missing (Debian 12, as root)
#   make test       deps + build + every test (also under ASan/UBSan)
#   make demo       deps + build + run the appliance in the lab with traffic
#   make bench      benchmarks (figures, not pass/fail)
#   make tsan       the concurrency tests under ThreadSanitizer (also in make test)
#   make soak       a few minutes in the live lab under churn (not in make test)
#   make fuzz       the long fuzz run (10^7 executions)
#   make image      the container image localhost/tof:VERSION and :latest (podman)
#   make clean

CC      ?= cc
BUILD   ?= build
SAN     ?= 0
OPT     ?= -O2

DEB_PKGS := build-essential pkg-config libpcap-dev libjansson-dev libcmocka-dev \
	libmicrohttpd-dev libgnutls28-dev tshark python3-scapy iproute2 clang libclang-rt-14-dev \
	libdpdk-dev dpdk-dev \
	wrk openssl python3-yaml python3-jsonschema nodejs \
	osmo-ggsn tcpdump iputils-ping ethtool curl \
	podman runc debootstrap openvswitch-switch-dpdk libnetfilter-queue-dev iptables

PKGS    := libpcap jansson libmicrohttpd gnutls
INCS    := -Igtp -Ipinger -Itof -Itof/core -Itof/agent -Itof/replay -Itof/dp -Itof/ovs -Iapi
CFLAGS_BASE := -std=gnu11 $(OPT) -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -fno-strict-aliasing -D_GNU_SOURCE $(INCS)
ifeq ($(SAN),1)
CFLAGS_BASE += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS_SAN := -fsanitize=address,undefined
endif
# ThreadSanitizer (make tsan). gcc warns that it does not model fences: the
# seqlock's read sections are annotated instead (tof_tables.h).
ifeq ($(SAN),thread)
CFLAGS_BASE += -fsanitize=thread -fno-omit-frame-pointer -Wno-tsan
LDFLAGS_SAN := -fsanitize=thread
endif
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  := $(CFLAGS_BASE) $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDLIBS  := $(PKG_LIBS) -lm -lpthread

GTP_SRC    := $(wildcard gtp/*.c)
PINGER_SRC := $(wildcard pinger/*.c)
CORE_SRC   := $(wildcard tof/core/*.c)
AGENT_SRC  := $(wildcard tof/agent/*.c)
REPLAY_SRC := $(wildcard tof/replay/*.c)
OVS_SRC    := $(wildcard tof/ovs/*.c)
API_SRC    := $(wildcard api/*.c)
# tofd's own files: the command line, run, reload, health probe
TOFD_SRC   := $(wildcard tof/tofd*.c)
TOFD_OBJ   := $(TOFD_SRC:%.c=$(BUILD)/obj/%.o)
# The DPDK data plane when DPDK is installed, else a stub that says so.
HAVE_DPDK  := $(shell pkg-config --exists libdpdk 2>/dev/null && echo 1)
DP_REAL    := $(filter-out tof/dp/dp_stub.c,$(wildcard tof/dp/*.c))
ifeq ($(HAVE_DPDK)$(if $(DP_REAL),1,),11)
DP_SRC     := $(DP_REAL)
DP_CFLAGS  := $(shell pkg-config --cflags libdpdk)
DP_LIBS    := $(shell pkg-config --libs libdpdk)
else
DP_SRC     := tof/dp/dp_stub.c
endif
DP_OBJ     := $(DP_SRC:%.c=$(BUILD)/obj/%.o)

LIB_SRC := $(GTP_SRC) $(PINGER_SRC) $(CORE_SRC) $(AGENT_SRC) $(REPLAY_SRC) $(OVS_SRC) $(API_SRC) \
	$(wildcard tof/config*.c) tof/log.c
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIBTOF  := $(BUILD)/libtof.a

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
TESTLIB_SRC := $(wildcard tests/unit/lib/*.c)
TESTLIB_OBJ := $(TESTLIB_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# The tests where threads meet: tables under a churning writer, the ctl's
# writers and readers, the REST server's threads, the data plane's workers
# against the agent and the API, tof/ovs's thread against callers from
# several threads.
TSAN_TESTS := test_tables test_ctl_race test_ctl test_api test_pipeline_race test_ovs_thread
TSAN_BIN  := $(TSAN_TESTS:%=build-tsan/tests/%)
BENCH_SRC := $(wildcard tests/bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps test unit replay-test live-test demo bench fuzz clean tofd check-flags unit-bin image \
	tsan tsan-bin soak
all: $(BUILD)/tofd

tofd: $(BUILD)/tofd

$(BUILD)/obj/%.o: %.c | check-flags
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIBTOF): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	ar rcs $@ $^

$(BUILD)/tofd: $(TOFD_OBJ) $(DP_OBJ) $(LIBTOF)
	$(CC) $(LDFLAGS_SAN) -o $@ $^ $(LDLIBS) $(DP_LIBS)

# DPDK's headers bring their own flags (and warnings we do not own).
$(BUILD)/obj/tof/dp/%.o: tof/dp/%.c | check-flags
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DP_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tests/%: tests/unit/%.c $(TESTLIB_OBJ) $(LIBTOF)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit/lib -MMD -MP -o $@ $< $(TESTLIB_OBJ) $(LIBTOF) $(LDLIBS) -lcmocka $(LDFLAGS_SAN)

$(BUILD)/bench/%: tests/bench/%.c $(LIBTOF)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(LIBTOF) $(LDLIBS) $(LDFLAGS_SAN)

# Install missing Debian packages (needs root; a no-op when all are there).
deps:
	@missing=""; for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "deps: all present"; fi

unit-bin: $(UNIT_BIN) $(BUILD)/tofd

tsan-bin: $(TSAN_BIN)

# Build flags come from pkg-config, which only knows the libraries once
# `deps` has installed them: every entry point that installs first builds in
# a second make, which reads this file (and pkg-config) afresh.
check-flags:
	@for p in $(PKGS) libdpdk; do pkg-config --exists $$p || \
		{ echo "build: pkg-config does not know $$p: run make deps (as root) first"; exit 1; }; done

# The OpenAPI validator (package.json, locked) for the API tests.
node_modules: package.json package-lock.json
	@command -v npm >/dev/null || { echo "node_modules: npm is missing (Debian: nodejs)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Every test: plain build, then the sanitizer build; one summary line.
test: deps node_modules
	$(MAKE) unit-bin
	$(MAKE) BUILD=build-asan SAN=1 OPT=-O1 unit-bin
	$(MAKE) BUILD=build-tsan SAN=thread OPT=-O1 tsan-bin
	tests/run_all.sh

# The concurrency tests under ThreadSanitizer (also part of make test).
tsan: deps
	$(MAKE) BUILD=build-tsan SAN=thread OPT=-O1 tsan-bin
	tests/tsan.sh

# Live tests: real GTP peers in network namespaces (root). TOF_LIVE_MIDDLE=bridge
# (default, no TOF) or tofd.
live-test: deps
	$(MAKE) all
	tests/live/run.sh

# The soak, not part of make test: a few minutes of real traffic in the live
# lab with UE and service churn, idle purges and a restart (SOAK_SECONDS,
# default 180; TOFD=build-asan/tofd for the sanitizer build).
soak: deps
	$(MAKE) all
	tests/soak/run.sh

# The OCI image (deploy/Containerfile): built only when its inputs changed.
image: deps
	deploy/image/build.sh

# DEMO_RUN: what runs once tofd is built (tests/firstrun sets it to `true`).
DEMO_RUN ?= deploy/demo.sh
demo: deps
	$(MAKE) all
	$(DEMO_RUN) $(BUILD)/tofd

# The long fuzz run: 10^7 executions of the stateful target (ASan/UBSan);
# make test runs the same target for 30 s.
fuzz: deps
	TOF_FUZZ_RUNS=$${TOF_FUZZ_RUNS:-10000000} tests/fuzz/run.sh

bench: deps
	$(MAKE) BUILD=build-bench OPT="-O3 -march=native" $(BENCH_BIN:$(BUILD)/%=build-bench/%) build-bench/tofd
	tests/bench/run.sh build-bench

clean:
	rm -rf build build-asan build-tsan build-bench

-include $(shell find $(BUILD) build-asan -name '*.d' 2>/dev/null)

# corral — build, test and install.
#
#   make            build corral-master, corral-slave and corral into $(BUILD)/
#   make asan       the same with AddressSanitizer + UBSan into build-asan/
#   make check      install test dependencies, build, run every test
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS (default 60)
#   make soak       50 slaves and 200 concurrent CLI requests, SOAK_MINUTES
#   make demo       install dependencies, build, bring up a local demo pool
#   make install    honours PREFIX and DESTDIR

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
DOCDIR  ?= $(PREFIX)/share/doc/corral
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
DESTDIR ?=

BUILD   ?= build
CC      ?= cc
FUZZCC  ?= clang
PKG_CONFIG ?= pkg-config
VERSION := 0.1.0

# Sanitizer build (make asan sets SAN=1 and BUILD=build-asan).
SAN ?= 0
ifeq ($(SAN),1)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT = -O1 -g
else
SANFLAGS =
OPT = -O2 -g
endif

WARN     = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
CPPFLAGS += -D_GNU_SOURCE -DCORRAL_VERSION='"$(VERSION)"' -Iproto -Icommon -Iconf -Ixfer -Imaster -Islave
CFLAGS   ?= $(OPT)
CFLAGS   += -std=gnu11 $(WARN) $(SANFLAGS) -MMD -MP
LDFLAGS  += $(SANFLAGS)

SLAVE_PKGS  = lxc libssh devmapper zlib libcrypto libxxhash
MASTER_PKGS = libssh sqlite3 zlib libcrypto
SLAVE_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(SLAVE_PKGS) 2>/dev/null)
SLAVE_LIBS    := $(shell $(PKG_CONFIG) --libs $(SLAVE_PKGS) 2>/dev/null) -lrsync
MASTER_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(MASTER_PKGS) 2>/dev/null)
MASTER_LIBS   := $(shell $(PKG_CONFIG) --libs $(MASTER_PKGS) 2>/dev/null) -lrsync -lm
CMOCKA_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
# proto/ inflates compressed tree entries: everything that links it needs zlib
PROTO_LIBS    := $(shell $(PKG_CONFIG) --libs zlib 2>/dev/null)
# the transfer engine: librsync (no .pc), OpenSSL, xxHash, zlib, a thread
XFER_PKGS   = libcrypto libxxhash zlib
XFER_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(XFER_PKGS) 2>/dev/null)
XFER_LIBS   := $(shell $(PKG_CONFIG) --libs $(XFER_PKGS) 2>/dev/null) -lrsync -pthread

# ---- sources: one object list per program over four internal libraries:
# libcorralproto.a (proto/: the wire protocol, nothing else), libcorralconf.a
# (conf/: the configuration files), libcorralcommon.a (common/: logging,
# daemon start-up, the request loop, pacing, SSH key fingerprints, escaping
# untrusted text, opening trusted files safely) and libcorralxfer.a (xfer/:
# the tree-transfer engine).  proto/ and conf/ use nothing from common/: the
# fuzzers link without it. ----
PROTO_SRC  = $(sort $(wildcard proto/*.c))
COMMON_SRC = $(sort $(wildcard common/*.c))
XFER_SRC   = $(sort $(wildcard xfer/*.c))
CONF_SRC   = $(sort $(wildcard conf/*.c))
SLAVE_SRC  = $(sort $(wildcard slave/*.c))
MASTER_SRC = $(sort $(wildcard master/*.c))
CLI_SRC    = $(sort $(wildcard master/cli/*.c))
UNIT_SRC   = $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC   = $(sort $(wildcard tests/fuzz/fuzz_*.c))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

PROTO_LIB = $(BUILD)/libcorralproto.a
COMMON_LIB = $(BUILD)/libcorralcommon.a
CONF_LIB  = $(BUILD)/libcorralconf.a
XFER_LIB  = $(BUILD)/libcorralxfer.a
PROGS = $(BUILD)/corral-slave $(BUILD)/corral-master $(BUILD)/corral
UNIT_BINS = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
FUZZ_BINS = $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
REPLAY_BINS = $(patsubst tests/fuzz/%.c,$(BUILD)/replay/%,$(FUZZ_SRC))

.PHONY: all asan check check-unit check-lvm check-fuzz fuzz fuzz-bins demo install uninstall clean deps tests bench-scan
all: $(PROGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(call obj,$(SLAVE_SRC)): CFLAGS += $(SLAVE_CFLAGS)
$(call obj,$(MASTER_SRC)): CFLAGS += $(MASTER_CFLAGS) $(XFER_CFLAGS)
$(call obj,$(XFER_SRC)): CFLAGS += $(XFER_CFLAGS)

$(PROTO_LIB): $(call obj,$(PROTO_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(CONF_LIB): $(call obj,$(CONF_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(COMMON_LIB): $(call obj,$(COMMON_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(XFER_LIB): $(call obj,$(XFER_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/corral-slave: $(call obj,$(SLAVE_SRC)) $(XFER_LIB) $(CONF_LIB) $(PROTO_LIB) $(COMMON_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(XFER_LIBS) $(SLAVE_LIBS)
$(BUILD)/corral-master: $(call obj,$(MASTER_SRC)) $(XFER_LIB) $(CONF_LIB) $(PROTO_LIB) $(COMMON_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(XFER_LIBS) $(MASTER_LIBS)
$(BUILD)/corral: $(call obj,$(CLI_SRC)) $(CONF_LIB) $(PROTO_LIB) $(COMMON_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PROTO_LIBS)

# ---- unit tests (cmocka) ----
# A test of a program's module names the module's objects as extra
# prerequisites and its libraries in TEST_LIBS (see test_inventory).
$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(CONF_LIB) $(PROTO_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) \
	    $(TEST_LIBS) $(CMOCKA_LIBS) $(PROTO_LIBS)
INVENTORY_OBJS = $(call obj,master/inventory.c master/invdb.c master/schema.c master/jobs.c master/dailydb.c)
# the master's store (master/store*.c but its transfers)
STORE_OBJS = $(call obj,$(sort $(filter-out master/storexfer%,$(wildcard master/store*.c))))
# placement's pool from the inventory, which counts a put's version from
# the store
PLACEDB_OBJS = $(call obj,master/placedb.c master/place.c) $(STORE_OBJS)
PLACEDB_LIBS = $(shell $(PKG_CONFIG) --libs sqlite3 libcrypto) -lm
$(BUILD)/tests/test_inventory $(BUILD)/tests/test_jobs: $(INVENTORY_OBJS)
$(BUILD)/tests/test_inventory $(BUILD)/tests/test_jobs: TEST_LIBS = $(shell $(PKG_CONFIG) --libs sqlite3) -lm
# the pool placement reads from the inventory, and who has an address
$(BUILD)/tests/test_inventory: $(PLACEDB_OBJS) $(call obj,master/balance.c master/addrown.c)
$(BUILD)/tests/test_inventory: TEST_LIBS = $(PLACEDB_LIBS)
# scratch directories of the tests on real files
$(BUILD)/tests/test_jobs $(BUILD)/tests/test_jobrun: $(BUILD)/tests/unit/tmpdir.o
# the job runner over the inventory, with the test's own kinds (and the
# drained flag of placement's, which refuses a job toward its host)
JOBRUN_OBJS = $(call obj,master/jobrun.c master/jobctx.c master/jobwatch.c master/writemark.c)
$(BUILD)/tests/test_jobrun: $(JOBRUN_OBJS) $(INVENTORY_OBJS) $(PLACEDB_OBJS)
$(BUILD)/tests/test_jobrun: TEST_LIBS = $(PLACEDB_LIBS) -pthread
# tests of the transfer engine link its library (before proto's, which it
# uses) and the libraries it needs
$(BUILD)/tests/test_xfer_%: $(BUILD)/tests/unit/test_xfer_%.o $(XFER_LIB) $(CONF_LIB) $(PROTO_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) \
	    $(XFER_LIBS) $(CMOCKA_LIBS) $(PROTO_LIBS)
$(BUILD)/tests/unit/test_xfer_%.o: CFLAGS += $(XFER_CFLAGS)
# the storage backends' shared parts (no block devices needed)
STORAGE_OBJS = $(call obj,$(sort $(wildcard slave/storage*.c)) slave/dmstatus.c slave/run.c)
$(BUILD)/tests/test_storage: $(STORAGE_OBJS)
$(BUILD)/tests/test_storage: TEST_LIBS = $(SLAVE_LIBS)
$(BUILD)/tests/unit/test_storage.o: CFLAGS += $(SLAVE_CFLAGS)
# the slave's snapshots and the marks of its sends', and its containers'
# operation locks (all of the slave but its main), on dir storage in a
# scratch directory
SNAP_OBJS = $(call obj,$(filter-out slave/main.c,$(SLAVE_SRC)))
SLAVE_UNITS = $(BUILD)/tests/test_snapmark $(BUILD)/tests/test_ctlock
$(SLAVE_UNITS): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/tests/unit/slavetmp.o $(SNAP_OBJS) $(XFER_LIB) $(CONF_LIB) $(PROTO_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) \
	    $(XFER_LIBS) $(SLAVE_LIBS) $(CMOCKA_LIBS) $(PROTO_LIBS)
$(patsubst $(BUILD)/tests/%,$(BUILD)/tests/unit/%.o,$(SLAVE_UNITS)) $(BUILD)/tests/unit/slavetmp.o: CFLAGS += $(SLAVE_CFLAGS)
# placement and balance: pure algorithms over a pool in memory
PLACE_OBJS = $(call obj,master/place.c master/balance.c)
$(BUILD)/tests/test_place: $(PLACE_OBJS)
$(BUILD)/tests/test_place: TEST_LIBS = -lm
# when a daily task is due
$(BUILD)/tests/test_daily: $(BUILD)/master/daily.o
# the CLI's output helpers
$(BUILD)/tests/test_out: $(BUILD)/master/cli/out.o
$(BUILD)/tests/unit/test_out.o: CPPFLAGS += -Imaster/cli
# the message table's test reads proto.h, the fuzz dictionaries and seeds
$(BUILD)/tests/unit/test_msg_table.o: CPPFLAGS += -DCORRAL_SRCDIR='"$(CURDIR)"'
# a hostile CT_NEW: the slave's checks and the files it writes
$(BUILD)/tests/test_ctnew: $(BUILD)/slave/ctnew_files.o
# the slave's limits on unauthenticated connections
$(BUILD)/tests/test_preauth: $(BUILD)/slave/preauth.o
# the master's store: its manifest codec and version names
$(BUILD)/tests/test_store: $(call obj,master/store_mf.c master/store_name.c master/store_conf.c)
# retention's verdicts and the daily schedule, pure functions
$(BUILD)/tests/test_retention: $(BUILD)/master/retention.o
$(BUILD)/tests/test_daily: $(BUILD)/master/daily.o
# a container's config between this host's paths and the neutral form
$(BUILD)/tests/test_conftext: $(BUILD)/slave/conftext.o
# the host's CPU time from /proc/stat's text
$(BUILD)/tests/test_procstat: $(BUILD)/slave/procstat.o
tests: $(PROGS) $(UNIT_BINS) $(REPLAY_BINS) $(BUILD)/xfer-local $(BUILD)/ssh-try \
	$(BUILD)/store-tool $(BUILD)/ctl-tool $(BUILD)/store-xfer $(BUILD)/btrfs-tool

# A client that offers a key under any user name (tests/integration).
$(BUILD)/ssh-try: $(BUILD)/tests/integration/ssh_try.o
	$(CC) $(LDFLAGS) -o $@ $^ $(shell $(PKG_CONFIG) --libs libssh)

# Tools that drive parts of the master against the pool link its objects
# but its main: the container operations (tests/integration/ctl.sh) and
# the store's transfers (tests/integration/store_xfer.sh).
MASTER_TOOL_OBJS = $(filter-out $(BUILD)/master/main.o,$(call obj,$(MASTER_SRC)))
$(BUILD)/ctl-tool: $(BUILD)/tests/integration/ctl_tool.o $(MASTER_TOOL_OBJS) $(XFER_LIB) $(CONF_LIB) $(PROTO_LIB) $(COMMON_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(XFER_LIBS) $(MASTER_LIBS)
$(BUILD)/tests/integration/ctl_tool.o: CFLAGS += $(MASTER_CFLAGS)
$(BUILD)/store-xfer: $(BUILD)/tests/integration/store_xfer.o $(MASTER_TOOL_OBJS) $(XFER_LIB) $(CONF_LIB) $(PROTO_LIB) $(COMMON_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(XFER_LIBS) $(MASTER_LIBS)

# bench/balance.sh's synthetic pools and their scoring: placement and the
# inventory's objects over SQLite.
$(BUILD)/balance-sim: $(BUILD)/bench/balancesim.o $(PLACE_OBJS) $(PLACEDB_OBJS) $(INVENTORY_OBJS) $(CONF_LIB) $(PROTO_LIB) $(COMMON_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PLACEDB_LIBS) $(PROTO_LIBS)

# The transfer engine alone, sender and receiver over a socketpair.
$(BUILD)/xfer-local: $(BUILD)/tests/tree/xfer_local.o $(XFER_LIB) $(PROTO_LIB) $(COMMON_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(XFER_LIBS)
# --dump writes inputs of tests/fuzz/fuzz_xfer_recv
$(BUILD)/tests/tree/xfer_local.o: CPPFLAGS += -Itests/fuzz

# The master's store alone (master/store*.c), for tests/tree/store.sh.
$(BUILD)/store-tool: $(BUILD)/tests/tree/store_tool.o $(STORE_OBJS) $(CONF_LIB) $(PROTO_LIB) $(COMMON_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(shell $(PKG_CONFIG) --libs libcrypto)

# common/btrfs.c's subvolume search alone, for tests/tree/btrfs_deep.sh.
$(BUILD)/btrfs-tool: $(BUILD)/tests/tree/btrfs_tool.o $(COMMON_LIB)
	$(CC) $(LDFLAGS) -o $@ $^

# ---- fuzzers: libFuzzer under clang; corpus replay under $(CC) ----
FUZZFLAGS = -std=gnu11 -g -O1 -D_GNU_SOURCE -DCORRAL_VERSION='"$(VERSION)"' \
	-Iproto -Iconf -fsanitize=fuzzer,address,undefined
$(BUILD)/fuzz/%: tests/fuzz/%.c $(PROTO_SRC) $(CONF_SRC)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZFLAGS) -o $@ $^ $(PROTO_LIBS)
$(BUILD)/replay/%: $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/fuzz/replay.o $(CONF_LIB) $(PROTO_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PROTO_LIBS)

# the receiver's target (fuzz_xfer_recv) runs the transfer engine: its
# sources, common/'s log, pace and listing, and the engine's libraries
XFER_FUZZ_SRC = $(XFER_SRC) common/log.c common/pace.c common/dirlist.c
$(BUILD)/fuzz/fuzz_xfer_recv: tests/fuzz/fuzz_xfer_recv.c $(PROTO_SRC) $(XFER_FUZZ_SRC)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZFLAGS) -Ixfer -Icommon $(XFER_CFLAGS) -o $@ \
	    $(filter %.c,$^) $(XFER_LIBS)
$(BUILD)/replay/fuzz_xfer_recv: $(BUILD)/tests/fuzz/fuzz_xfer_recv.o \
    $(BUILD)/tests/fuzz/replay.o $(XFER_LIB) $(PROTO_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(XFER_LIBS)

# the direct transfer's sealed records: xfer_seal.c and its clock, OpenSSL
$(BUILD)/fuzz/fuzz_xfer_seal: tests/fuzz/fuzz_xfer_seal.c $(PROTO_SRC) \
    xfer/xfer_seal.c common/pace.c
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZFLAGS) -Ixfer -Icommon $(XFER_CFLAGS) -o $@ \
	    $(filter %.c,$^) $(XFER_LIBS)
$(BUILD)/replay/fuzz_xfer_seal: $(BUILD)/tests/fuzz/fuzz_xfer_seal.o \
    $(BUILD)/tests/fuzz/replay.o $(XFER_LIB) $(PROTO_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(XFER_LIBS)
# the store's manifests: store_mf.c and the escaping it reads through
$(BUILD)/fuzz/fuzz_store_mf: tests/fuzz/fuzz_store_mf.c master/store_mf.c \
    common/escape.c
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZFLAGS) -Imaster -Icommon -o $@ $(filter %.c,$^)
$(BUILD)/replay/fuzz_store_mf: $(BUILD)/tests/fuzz/fuzz_store_mf.o \
    $(BUILD)/tests/fuzz/replay.o $(BUILD)/master/store_mf.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

FUZZ_SECONDS ?= 60
fuzz: $(FUZZ_BINS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(BUILD)

# ---- top-level entry points ----
asan:
	$(MAKE) SAN=1 BUILD=build-asan all tests

deps:
	scripts/deps.sh

# README's test command: installs what is missing, builds, runs everything.
# The three builds use every core (make check's time is budgeted).
CHECK_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# the fuzzers are built by tests/run.sh beside the pool's tests
check: deps
	$(MAKE) -j$(CHECK_JOBS) all tests
	$(MAKE) -j$(CHECK_JOBS) SAN=1 BUILD=build-asan all tests
	CHECK_BUILD_FUZZ=1 tests/run.sh $(BUILD)

fuzz-bins: $(FUZZ_BINS)

# the ASan twins run too: build them, never run stale ones
check-unit: all tests asan
	tests/run.sh --unit-only $(BUILD)

# LVM for real, in a qemu VM with Debian's kernel (tests/vm/): the
# harness's smoke test and lvm.sh; make check runs lvm.sh
check-lvm: deps all
	tests/run.sh --vm-only $(BUILD)

demo: deps
	$(MAKE) all
	scripts/demo.sh $(BUILD)

# Benchmarks (not tests): see bench/.
bench-scan: all
	bench/scan.sh 50
.PHONY: bench-snapshot bench-transfer bench-move bench-backup
bench-snapshot: all
	bench/snapshot.sh
bench-transfer: all
	scripts/deps.sh --bench
	bench/transfer.sh
# a master on a synthetic inventory, no pool: no lock
.PHONY: bench-balance
bench-balance: all $(BUILD)/balance-sim
	scripts/deps.sh --bench
	bench/balance.sh
# a pool of its own, so the pool lock (-o: not inherited by its daemons)
bench-move: all
	scripts/deps.sh --bench
	flock -o /tmp/corral-pool.lock bench/move.sh
bench-backup: all
	scripts/deps.sh --bench
	flock -o /tmp/corral-pool.lock bench/backup.sh

# issue 16's long run: 50 slaves polled every second and bursts of 200
# concurrent CLI requests for SOAK_MINUTES (10), twice: the ASan build
# (leaks at the master's exit) and the normal build (its RSS judged flat);
# prints its figures.  A pool of its own: the pool lock.
.PHONY: soak
SOAK_MINUTES ?= 10
soak: all
	$(MAKE) SAN=1 BUILD=build-asan all
	SOAK_MINUTES=$(SOAK_MINUTES) flock -o /tmp/corral-pool.lock \
	    bash tests/soak/soak.sh build-asan
	SOAK_MINUTES=$(SOAK_MINUTES) flock -o /tmp/corral-pool.lock \
	    bash tests/soak/soak.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR)
	install -m 0755 $(BUILD)/corral-master $(BUILD)/corral-slave $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(BUILD)/corral $(DESTDIR)$(BINDIR)/
	install -d $(DESTDIR)$(SYSCONFDIR)/corral $(DESTDIR)$(DOCDIR)/examples
	install -m 0644 conf/*.conf $(DESTDIR)$(DOCDIR)/examples/
	# settings with defaults only; the pool's own lists are the admin's
	for f in corral.conf create.conf; do \
		t=$(DESTDIR)$(SYSCONFDIR)/corral/$$f; \
		[ -e $$t ] || install -m 0644 conf/$$f $$t; done
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	for m in man/*.[158]; do \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/; done
	install -d $(DESTDIR)$(UNITDIR)
	# the units name the daemons where this install puts them
	for u in systemd/*.service; do \
		sed 's|/usr/sbin/|$(SBINDIR)/|g' $$u >$(DESTDIR)$(UNITDIR)/$${u##*/}; \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/}; done

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/corral-master $(DESTDIR)$(SBINDIR)/corral-slave
	rm -f $(DESTDIR)$(BINDIR)/corral
	rm -rf $(DESTDIR)$(DOCDIR)
	for m in man/*.[158]; do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$$(basename $$m); done
	for u in systemd/*.service; do rm -f $(DESTDIR)$(UNITDIR)/$$(basename $$u); done

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

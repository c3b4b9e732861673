# SPDX-License-Identifier: GPL-2.0
#
# make                 module for every kernel with headers in /lib/modules/*/build,
#                      plus libioasid, ioasidctl, tests and examples
# make module KERNELRELEASE=6.1.0-56-amd64      one kernel, by release
# make module KDIR=/path/to/build [KERNELRELEASE=...]   one kernel, by tree
# make check           every test (host and VM); see README.md
# make demo            the demo in a VM
#
# DKMS always passes KERNELRELEASE=<target>, so it is never compared with the
# running kernel, and `uname -r` is never a fallback when a target is named.

VERSION := $(shell cat VERSION)
BUILD := $(CURDIR)/build

ifneq ($(KDIR),)
MODULE_RELEASES := $(or $(KERNELRELEASE),$(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null))
kdir_of = $(KDIR)
else ifneq ($(KERNELRELEASE),)
MODULE_RELEASES := $(KERNELRELEASE)
kdir_of = /lib/modules/$(1)/build
else
MODULE_RELEASES := $(patsubst /lib/modules/%/build,%,$(wildcard /lib/modules/*/build))
kdir_of = /lib/modules/$(1)/build
endif

CC ?= cc
AR ?= ar
CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes $(if $(IOASID_WERROR),-Werror)
ALL_CFLAGS := -std=gnu11 $(WARNINGS) -I$(CURDIR)/uapi -I$(CURDIR)/lib $(CFLAGS)
KMOD_CFLAGS := $(shell pkg-config --cflags libkmod 2>/dev/null)
KMOD_LIBS := $(or $(shell pkg-config --libs libkmod 2>/dev/null),-lkmod)

prefix ?= /usr/local
libdir ?= $(prefix)/lib
includedir ?= $(prefix)/include
bindir ?= $(prefix)/sbin
mandir ?= $(prefix)/share/man
# libioasid.pc is written by install-lib, from the directories given to that
# `make install` (prefix=/usr libdir=/usr/lib/x86_64-linux-gnu for a Debian
# package), never at build time. It names them relative to ${prefix} when
# they are under it, as pkg-config files do.
pc_libdir = $(patsubst $(prefix)/%,$${exec_prefix}/%,$(libdir))
pc_includedir = $(patsubst $(prefix)/%,$${prefix}/%,$(includedir))

LIB_SONAME := libioasid.so.$(firstword $(subst ., ,$(VERSION)))
LIB_SO := $(BUILD)/lib/libioasid.so.$(VERSION)
LIB_A := $(BUILD)/lib/libioasid.a
LIB_SRCS := lib/libioasid.c lib/kmod.c lib/node.c lib/device.c lib/fault.c
LIB_HDRS := lib/libioasid.h lib/libioasid_private.h uapi/linux/ioasid.h
LIB_PIC_OBJS := $(LIB_SRCS:lib/%.c=$(BUILD)/lib/pic/%.o)
LIB_OBJS := $(LIB_SRCS:lib/%.c=$(BUILD)/lib/static/%.o)

KSELFTEST := $(BUILD)/kselftest
KSELFTEST_HDRS := $(KSELFTEST)/kselftest_harness.h $(KSELFTEST)/kselftest.h
KERNEL_SOURCE := /usr/src/linux-source-6.12.tar.xz
TEST_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Wall $(if $(IOASID_WERROR),-Werror) -I$(CURDIR)/uapi -I$(CURDIR)/lib $(CFLAGS) -I$(KSELFTEST) -I$(CURDIR)/tests/include

SELFTESTS := $(patsubst tests/selftests/%.c,$(BUILD)/tests/selftests/%,$(wildcard tests/selftests/*.c))
FUZZ := $(BUILD)/tests/selftests/fuzz
UNITTESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/*.c))
EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))
TOOLS := $(BUILD)/bin/ioasidctl

.PHONY: all module userspace lib tools tests examples bench check demo install \
	install-lib install-tools install-man dkms-src clean

all: module userspace

# "+": build-module.sh's kbuild runs are sub-makes, and get make's jobserver
# (DKMS runs make -jN; without it they would build with -j1).
module:
	@test -n "$(strip $(MODULE_RELEASES))" || \
		{ echo "no kernel build tree: install linux-headers or pass KDIR=" >&2; exit 1; }
	+@set -e; for r in $(MODULE_RELEASES); do \
		scripts/build-module.sh "$$r" "$(call kdir_of,$$r)" "$(BUILD)/kmod/$$r" \
			$(if $(IOASID_WERROR),IOASID_WERROR=y); \
	done

userspace: lib tools tests examples bench
lib: $(LIB_SO) $(LIB_A)
tools: $(TOOLS)
tests: $(SELFTESTS) $(UNITTESTS) $(FUZZ)
examples: $(EXAMPLES)

# Benchmarks: bench/Makefile puts its binaries in build/examples too, where
# the VM runner picks them up.
bench: lib
	$(MAKE) -C bench CFLAGS="$(CFLAGS)" $(if $(IOASID_WERROR),IOASID_WERROR=1)

$(BUILD)/lib/pic/%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(KMOD_CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(BUILD)/lib/static/%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(KMOD_CFLAGS) -fvisibility=hidden -c -o $@ $<

$(LIB_SO): $(LIB_PIC_OBJS) lib/libioasid.map
	$(CC) $(CFLAGS) -shared -Wl,-soname,$(LIB_SONAME) -Wl,-z,defs \
		-Wl,--version-script=lib/libioasid.map -o $@ $(LIB_PIC_OBJS) $(KMOD_LIBS)
	ln -sf $(notdir $@) $(BUILD)/lib/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(BUILD)/lib/libioasid.so

$(LIB_A): $(LIB_OBJS)
	$(AR) rcs $@ $^

LINK_LIB := -L$(BUILD)/lib -lioasid -Wl,-rpath,$(BUILD)/lib

$(BUILD)/bin/%: tools/%.c $(LIB_SO) $(wildcard tools/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LINK_LIB)

$(BUILD)/examples/%: examples/%.c $(LIB_SO)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LINK_LIB)

# The kselftest harness comes from Debian's kernel source at build time; it
# is never copied into this tree.
$(KSELFTEST_HDRS):
	@test -f $(KERNEL_SOURCE) || { echo "$(KERNEL_SOURCE) missing: apt-get install linux-source-6.12" >&2; exit 1; }
	@mkdir -p $(KSELFTEST)
	tar -xJf $(KERNEL_SOURCE) -C $(KSELFTEST) --strip-components=4 \
		linux-source-6.12/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.12/tools/testing/selftests/kselftest.h
	@touch $(KSELFTEST_HDRS)

$(BUILD)/tests/selftests/%: tests/selftests/%.c $(KSELFTEST_HDRS) $(LIB_SO) $(wildcard tests/include/*.h) \
		$(wildcard tests/ctl/*.h)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(LINK_LIB) -lpthread

# The fuzzer (tests/fuzz/README.md) sits with the selftests so that the VM
# runner runs it like one.
$(FUZZ): $(wildcard tests/fuzz/*.c tests/fuzz/*.h) $(KSELFTEST_HDRS) $(LIB_SO) $(wildcard tests/include/*.h)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $(wildcard tests/fuzz/*.c) $(LINK_LIB)

# Host tests of a software walker, tests/unit/walker_<name>.c and the
# fuzzer tests/unit/fuzz_walker_<name>.c, build module/walkers/<name>.c with
# them (with the module's warnings), under ASan and UBSan, any error fatal.
# Static pattern rules: they win over the generic rule below.
SAN_CFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
WALKER_HDRS := $(wildcard module/walkers/*.h) uapi/linux/ioasid.h tests/include/walker_shim.h \
	$(wildcard tests/unit/*.h)

$(BUILD)/walkers/%.o: module/walkers/%.c $(WALKER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -I$(CURDIR)/tests/include $(SAN_CFLAGS) -c -o $@ $<

$(filter-out $(BUILD)/tests/unit/walker_diff%,$(filter $(BUILD)/tests/unit/walker_%,$(UNITTESTS))): \
$(BUILD)/tests/unit/walker_%: tests/unit/walker_%.c $(BUILD)/walkers/%.o $(KSELFTEST_HDRS) $(WALKER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(SAN_CFLAGS) -o $@ $< $(BUILD)/walkers/$*.o

$(filter $(BUILD)/tests/unit/fuzz_walker_%,$(UNITTESTS)): \
$(BUILD)/tests/unit/fuzz_walker_%: tests/unit/fuzz_walker_%.c $(BUILD)/walkers/%.o $(KSELFTEST_HDRS) $(WALKER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(SAN_CFLAGS) -o $@ $< $(BUILD)/walkers/$*.o

# The differential test of every walker (tests/unit/walker_diff.c) is the one
# walker test that links them all: every module/walkers/*.c, built as above.
WALKER_OBJS := $(patsubst module/walkers/%.c,$(BUILD)/walkers/%.o,$(wildcard module/walkers/*.c))
$(BUILD)/tests/unit/walker_diff: tests/unit/walker_diff.c $(WALKER_OBJS) $(KSELFTEST_HDRS) \
		$(WALKER_HDRS) tests/include/pt_encode.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(SAN_CFLAGS) -o $@ $< $(WALKER_OBJS)

# Its PASID-table half (tests/unit/walker_diff_pasid.c): the same mappings
# reached through each PASID-table kind's decoder, then a stage-1 walker.
$(BUILD)/tests/unit/walker_diff_pasid: tests/unit/walker_diff_pasid.c $(WALKER_OBJS) \
		$(KSELFTEST_HDRS) $(WALKER_HDRS) tests/include/pt_encode.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(SAN_CFLAGS) -o $@ $< $(WALKER_OBJS)

# The PASID-table decoders' tests and fuzzers (tests/unit/pasid_<kind>.c,
# fuzz_pasid_<kind>.c) link every walker: a decoder hands out stage-1
# configurations that the tests walk.
$(filter $(BUILD)/tests/unit/pasid_% $(BUILD)/tests/unit/fuzz_pasid_%,$(UNITTESTS)): \
$(BUILD)/tests/unit/%: tests/unit/%.c $(WALKER_OBJS) $(KSELFTEST_HDRS) $(WALKER_HDRS) \
		tests/include/pt_encode.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(SAN_CFLAGS) -o $@ $< $(WALKER_OBJS)

# Host unit tests link the static library: they also check it is complete.
# json_emit tests tools/json_emit.h (ioasidctl's) against tests/ctl/json.h.
$(BUILD)/tests/unit/%: tests/unit/%.c $(KSELFTEST_HDRS) $(LIB_A) $(wildcard tests/include/*.h) \
		$(wildcard tools/*.h tests/ctl/*.h)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(LIB_A) $(KMOD_LIBS)

check:
	scripts/check

demo:
	scripts/demo

dkms-src:
	rm -rf $(BUILD)/dkms/ioasid-$(VERSION)
	mkdir -p $(BUILD)/dkms/ioasid-$(VERSION)
	cp -r Makefile VERSION dkms.conf module uapi scripts LICENSE LICENSES \
		$(BUILD)/dkms/ioasid-$(VERSION)/

install: install-lib install-tools install-man

install-lib: lib
	install -d $(DESTDIR)$(libdir)/pkgconfig $(DESTDIR)$(includedir)/linux \
		$(DESTDIR)$(mandir)/man3 $(DESTDIR)$(mandir)/man7
	install -m 0755 $(LIB_SO) $(DESTDIR)$(libdir)/
	ln -sf $(notdir $(LIB_SO)) $(DESTDIR)$(libdir)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(libdir)/libioasid.so
	install -m 0644 $(LIB_A) $(DESTDIR)$(libdir)/
	sed -e 's|@prefix@|$(prefix)|; s|@libdir@|$(pc_libdir)|; s|@includedir@|$(pc_includedir)|; s|@version@|$(VERSION)|' \
		lib/libioasid.pc.in > $(DESTDIR)$(libdir)/pkgconfig/libioasid.pc
	chmod 0644 $(DESTDIR)$(libdir)/pkgconfig/libioasid.pc
	install -m 0644 lib/libioasid.h $(DESTDIR)$(includedir)/
	install -m 0644 uapi/linux/ioasid.h $(DESTDIR)$(includedir)/linux/
	install -m 0644 lib/man/*.3 $(DESTDIR)$(mandir)/man3/
	install -m 0644 lib/man/*.7 $(DESTDIR)$(mandir)/man7/

install-tools: tools
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(mandir)/man8
	install -m 0755 $(TOOLS) $(DESTDIR)$(bindir)/
	install -m 0644 tools/*.8 $(DESTDIR)$(mandir)/man8/

# The module's own page, ioasidfd(4): the device, access, parameters, sysfs.
install-man:
	install -d $(DESTDIR)$(mandir)/man4
	install -m 0644 man/*.4 $(DESTDIR)$(mandir)/man4/

clean:
	rm -rf $(BUILD)

# SPDX-License-Identifier: GPL-2.0
#
# xtcp - top-level Makefile. README.md lists the commands; the main ones:
#   make [KVER=6.1|6.12|6.12-debug|<full kver>] [W=1] [C=1]   build xtcp.ko
#   make install [KVER=..] [INSTALL_MOD_PATH=DIR]  install it (default: running kernel)
#   make check     host unit tests, module builds, VM selftests on 6.1 and 6.12
#   make fuzz      fuzz the header parser (FUZZ_SECONDS=60)
#   make fuzz-kernel [KVER=6.12] [N=200000] [SEED=N]   hostile segments in a guest
#   make demo      boot a guest and show xtcp working
#   make bench     boot a guest and measure TCP and xtcp on its loopback
#
# The module is built out of tree in build/<KVER>/, a tree of symlinks to
# the sources, so builds for several kernels never overwrite each other.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
RUNNING := $(shell uname -r)

# Default: the running kernel if its headers are installed, else Debian's 6.1.
KVER_DEFAULTED := $(if $(filter undefined,$(origin KVER)),$(if $(KDIR),,yes))
ifeq ($(origin KVER),undefined)
  ifneq ($(KDIR),)
    KVER := custom
  else ifneq ($(wildcard /lib/modules/$(RUNNING)/build/Makefile),)
    KVER := $(RUNNING)
  else
    KVER := 6.1
  endif
endif
BUILD := $(TOP)/build/$(KVER)
CACHE := $(TOP)/.cache
KSELFTEST := $(CACHE)/kselftest

# scripts/deps resolves and installs the 6.1 and 6.12 series (headers, guest
# images, test tools); scripts/debug-kernel builds 6.12-debug, the debug
# guest kernel (once per machine); an exact release or KDIR needs only its
# headers, so that building on a real machine installs nothing.
DEPS := $(if $(filter 6.1 6.12,$(KVER)),$(TOP)/scripts/deps,$(if \
	$(filter 6.12-debug,$(KVER)),$(TOP)/scripts/debug-kernel,true))

# make install puts xtcp on the running kernel by default, as users expect:
# it never falls back to 6.1 when that kernel's headers are missing.
ifneq ($(filter install,$(MAKECMDGOALS)),)
  ifeq ($(KVER_DEFAULTED)$(KVER),yes6.1)
    $(error make install: no headers for the running kernel $(RUNNING) \
	(/lib/modules/$(RUNNING)/build): install linux-headers-$(RUNNING), \
	or name the kernel with KVER= or KDIR=)
  endif
endif

SELFTEST_SRCS := $(wildcard $(TOP)/selftests/*.c)
SELFTEST_BINS := $(patsubst $(TOP)/selftests/%.c,$(TOP)/build/selftests/%,$(SELFTEST_SRCS))
SELFTEST_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -static -I$(TOP)/include/uapi \
		   -I$(KSELFTEST) -D_GNU_SOURCE

UNIT_SRCS := $(wildcard $(TOP)/tests/unit/*.c)
UNIT_BINS := $(patsubst $(TOP)/tests/unit/%.c,$(TOP)/build/unit/%,$(UNIT_SRCS))
UNIT_CFLAGS := -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
	       -fno-sanitize-recover=all -fno-omit-frame-pointer -I$(TOP)/src

.PHONY: all module install testmod selftests unit fuzz fuzz-kernel check demo bench deps \
	checkpatch dkms-check clean help

all: module

deps:
	@$(TOP)/scripts/deps

module:
	@$(DEPS)
	@mkdir -p $(BUILD)/src
	@ln -sfn $(TOP)/Kbuild $(BUILD)/Kbuild
	@ln -sfn $(TOP)/include $(BUILD)/include
	@ln -sfn $(TOP)/VERSION $(BUILD)/VERSION
	@ln -sf $(TOP)/src/*.[ch] $(BUILD)/src/
	$(MAKE) -C $(or $(KDIR),$(shell $(TOP)/scripts/kdir $(KVER))) \
		M=$(BUILD) modules
	@echo "xtcp.ko: $(BUILD)/xtcp.ko"

# The kernel's modules_install for this external module, into
# $(INSTALL_MOD_PATH)/lib/modules/<release>/$(INSTALL_MOD_DIR)/, then depmod
# (which the kernel skips without a System.map). The release is the
# headers' UTS_RELEASE: Debian's 6.1 headers report "6.1.N" as their
# kernelrelease, not the directory the kernel loads modules from.
# modules_install signs with the kernel's own key when the headers hold it
# (a kernel you built); distribution headers do not, so xtcp.ko is then
# installed unsigned rather than after sign-file's errors.
INSTALL_MOD_DIR ?= updates
install: module
	@kdir='$(or $(KDIR),$(shell $(TOP)/scripts/kdir $(KVER)))'; \
	rel=$$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$$/\1/p' \
		"$$kdir/include/generated/utsrelease.h"); \
	if [ -z "$$rel" ]; then \
		echo "install: no UTS_RELEASE in $$kdir" >&2; exit 1; \
	fi; \
	key=$$(sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"$$/\1/p' "$$kdir/.config"); \
	case $$key in /*|pkcs11:*|"") ;; *) key=$$kdir/$$key ;; esac; \
	nosign=; \
	if [ -n "$$key" ] && [ "$${key#pkcs11:}" = "$$key" ] && [ ! -f "$$key" ]; then \
		echo "install: no signing key $$key: xtcp.ko is installed unsigned"; \
		nosign=CONFIG_MODULE_SIG_ALL=; \
	fi; \
	set -x; \
	$(MAKE) -C "$$kdir" M=$(BUILD) KERNELRELEASE="$$rel" $$nosign \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		$(if $(INSTALL_MOD_PATH),INSTALL_MOD_PATH=$(abspath $(INSTALL_MOD_PATH))) \
		modules_install && \
	depmod $(if $(INSTALL_MOD_PATH),-b $(abspath $(INSTALL_MOD_PATH))) "$$rel"

# Test-only helper module (selftests/kmod), built like xtcp.ko.
testmod:
	@$(TOP)/scripts/deps
	@mkdir -p $(BUILD)/kmod
	@ln -sf $(TOP)/selftests/kmod/Kbuild $(TOP)/selftests/kmod/*.c $(BUILD)/kmod/
	$(MAKE) -C $(or $(KDIR),$(shell $(TOP)/scripts/kdir $(KVER))) \
		M=$(BUILD)/kmod modules

# kselftest's harness comes from the installed linux-source-6.1 tarball,
# extracted into the git-ignored cache by scripts/deps.
selftests: $(SELFTEST_BINS) $(TOP)/build/selftests/run-all.sh

$(TOP)/build/selftests/run-all.sh: $(TOP)/selftests/run-all.sh
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

$(TOP)/build/selftests/%: $(TOP)/selftests/%.c $(wildcard $(TOP)/selftests/*.h) \
		$(TOP)/include/uapi/linux/xtcp.h
	@test -f $(KSELFTEST)/kselftest_harness.h || $(TOP)/scripts/deps
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $<

# Host unit tests of the kernel-independent code, under ASan and UBSan.
unit: $(UNIT_BINS)
	@$(TOP)/scripts/tap-run $(UNIT_BINS)

$(TOP)/build/unit/%: $(TOP)/tests/unit/%.c $(wildcard $(TOP)/src/*.[ch]) \
		$(TOP)/tests/unit/unit.h $(TOP)/selftests/xtcp_sha256.h
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -o $@ $<

# Coverage-guided fuzzing of the header parser (clang's libFuzzer), with
# ASan and UBSan; make check runs a short bounded pass.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	       -fno-sanitize-recover=all -I$(TOP)/src
fuzz: $(TOP)/build/fuzz/fuzz_wire
	@mkdir -p $(TOP)/build/fuzz/corpus
	$< -max_total_time=$(FUZZ_SECONDS) -max_len=80 $(TOP)/build/fuzz/corpus

$(TOP)/build/fuzz/fuzz_wire: $(TOP)/tests/fuzz/fuzz_wire.c $(TOP)/src/wire.c \
		$(TOP)/src/wire.h
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $<

# A storm of N hostile segments against xtcp in a guest (6.12 unless KVER
# names another guest kernel: 6.1, 6.12-debug), with the scripted TUN peer
# (selftests/xtcp_fuzz_seg.c). SEED=N replays a run: its seed is the first
# line printed. vm-run builds xtcp.ko and the selftests first; its timeout
# allows 200 segments/s (50 on the debug kernel) on top of its default.
N ?= 200000
FUZZ_KVER := $(if $(KVER_DEFAULTED),6.12,$(KVER))
FUZZ_TIMEOUT ?= $(if $(filter 6.12-debug,$(FUZZ_KVER)),$$((3600 + $(N) / 50)),$$((600 + $(N) / 200)))
fuzz-kernel:
	$(TOP)/scripts/vm-run --kernel $(FUZZ_KVER) --timeout $(FUZZ_TIMEOUT) -- \
		env XTCP_FUZZ_SEGMENTS=$(N) $(if $(SEED),SEED=$(SEED)) /selftests/xtcp_fuzz_seg

check:
	@$(TOP)/scripts/check

demo:
	@$(TOP)/scripts/demo

bench:
	@$(TOP)/scripts/bench

checkpatch:
	@$(TOP)/scripts/checkpatch

# dkms add, build and install (into a private tree) for 6.1 and 6.12.
dkms-check:
	@$(TOP)/scripts/dkms-check

clean:
	rm -rf $(TOP)/build

help:
	@sed -n '3,10p' $(TOP)/Makefile

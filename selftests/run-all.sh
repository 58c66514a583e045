#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make check`: run every selftest binary in this directory,
# one after another, as kselftest TAP. Exit status 1 if any failed.
# Usage (in the guest): /selftests/run-all.sh [NAME...]
cd "$(dirname "$0")" || exit 1
rc=0
# xtcp_module first: it loads and unloads the module, which connections
# closed by earlier programs (orphans still finishing, e.g. a FIN that a
# vanished peer never acknowledges) rightly keep loaded for minutes.
if [ $# -eq 0 ]; then
	set -- xtcp_module $(ls | grep -v '\.sh$' | grep -vx xtcp_module)
fi
# xtcp_fuzz_seg: 200000 segments (1 to 2.5 min under TCG); 20000 on the
# debug kernel (XTCP_TIMEOUT_SCALE set), where each costs 11 times as much.
# make fuzz-kernel runs longer storms.
if [ -n "${XTCP_TIMEOUT_SCALE:-}" ]; then
	: "${XTCP_FUZZ_SEGMENTS:=20000}"
fi
: "${XTCP_FUZZ_SEGMENTS:=200000}"
export XTCP_FUZZ_SEGMENTS
for t in "$@"; do
	echo "# === $t"
	t0=$(date +%s)
	./"$t" || rc=1
	echo "# === $t: $(($(date +%s) - t0)) s"
done
exit $rc

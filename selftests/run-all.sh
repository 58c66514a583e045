#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make check`: run every selftest binary in this directory,
# one after another, as kselftest TAP. Exit status 1 if any failed.
# Usage (in the guest): /selftests/run-all.sh [NAME...]
cd "$(dirname "$0")" || exit 1
rc=0
if [ $# -eq 0 ]; then
	set -- $(ls | grep -v '\.sh$')
fi
for t in "$@"; do
	echo "# === $t"
	./"$t" || rc=1
done
exit $rc

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel log as the selftests read it: /dev/kmsg from "now" on, and
 * the records in it that report a problem (the guest's log is also
 * scanned as a whole after every run, by scripts/logscan; this lets a
 * test fail at once, and say which test it was).
 */
#ifndef XTCP_SELFTEST_KMSG_H
#define XTCP_SELFTEST_KMSG_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Open /dev/kmsg positioned at its end, to read what comes next. */
static inline int kmsg_open_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/*
 * Kernel log records since kmsg_open_end() that report a problem, each
 * printed with @print (a printf-like function, e.g. ksft_print_msg): how
 * many. The debug guest kernel's detectors included.
 */
static inline int kmsg_problems_print(int fd, void (*print)(const char *fmt, ...))
{
	static const char * const bad[] = {
		"WARNING", "BUG", "Oops", "general protection", "Objects remaining",
		"still has objects", "refcount_t", "KASAN", "UBSAN", "ODEBUG",
		"list_add corruption", "list_del corruption", "unreferenced object",
		"possible circular locking", "suspicious RCU usage",
	};
	char rec[1024];
	unsigned int i;
	int n = 0;
	ssize_t len;

	while ((len = read(fd, rec, sizeof(rec) - 1)) > 0 ||
	       (len < 0 && errno == EPIPE)) {
		if (len <= 0)
			continue;
		rec[len] = '\0';
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (strstr(rec, bad[i])) {
				print("kernel log: %s", rec);
				n++;
				break;
			}
		}
	}
	return n;
}

#endif /* XTCP_SELFTEST_KMSG_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by xtcp's selftests. They run as root inside the test
 * guest (scripts/vm-run), never on the host.
 */
#ifndef XTCP_SELFTEST_UTIL_H
#define XTCP_SELFTEST_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/xtcp.h>

#define XTCP_KO_DEFAULT "/lib/modules/xtcp.ko"

/* Path of xtcp.ko inside the guest: $XTCP_KO, set by the guest's init. */
static inline const char *xtcp_ko_path(void)
{
	const char *p = getenv("XTCP_KO");

	return p && *p ? p : XTCP_KO_DEFAULT;
}

/* Load xtcp.ko with @params ("" for defaults); returns 0 or -errno. */
static inline int xtcp_load(const char *params)
{
	int fd = open(xtcp_ko_path(), O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* Unload xtcp (never waits); returns 0 or -errno. */
static inline int xtcp_unload(void)
{
	return syscall(SYS_delete_module, "xtcp", O_NONBLOCK) ? -errno : 0;
}

static inline int xtcp_loaded(void)
{
	struct stat st;

	return stat("/sys/module/xtcp", &st) == 0;
}

/* Read a whole small file into @buf; returns bytes read or -errno. */
static inline int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

/* Write @val to @path in one write(); returns 0 or -errno. */
static inline int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

/* Integer value of a sysctl file, or LONG_MIN when unreadable. */
static inline long read_long(const char *path)
{
	char buf[64];

	if (read_file(path, buf, sizeof(buf)) <= 0)
		return LONG_MIN;
	return strtol(buf, NULL, 10);
}

/*
 * Value of counter @name in /proc/net/xtcp/snmp of the current netns, or -1
 * if the file or the counter is missing.
 */
static inline long xtcp_counter(const char *name)
{
	char line[128], key[64];
	long val = -1, v;
	FILE *f = fopen("/proc/net/xtcp/snmp", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^\t]\t%ld", key, &v) == 2 &&
		    !strcmp(key, name))
			val = v;
	fclose(f);
	return val;
}

/*
 * Internet checksum (RFC 1071) of segment @seg of @len bytes over the IPv4
 * pseudo-header with protocol @proto, as xtcp checks it (addresses in
 * network byte order; the result too).
 */
static inline uint16_t xtcp_csum(uint32_t saddr, uint32_t daddr, int proto,
				 const void *seg, size_t len)
{
	const uint8_t *p = seg;
	uint32_t sum = 0;
	size_t i;

	sum += (ntohl(saddr) >> 16) + (ntohl(saddr) & 0xffff);
	sum += (ntohl(daddr) >> 16) + (ntohl(daddr) & 0xffff);
	sum += proto + len;
	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/*
 * Autoloading: the kernel runs /proc/sys/kernel/modprobe for socket() of an
 * unknown protocol. An empty path turns it off (request_module() -> ENOENT).
 */
static inline int set_autoload(int on)
{
	return write_file("/proc/sys/kernel/modprobe", on ? "/sbin/modprobe" : "\n");
}

/*
 * Let slab cache @name give back what it keeps for later: a KASAN kernel
 * (the debug guest) holds freed objects in quarantine, counted as active
 * in /proc/slabinfo until then. Nothing if there is no such cache.
 */
static inline void slab_shrink(const char *name)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = write(fd, "1", 1);	/* best effort: the counts are what is checked */
	(void)n;
	close(fd);
}

#endif /* XTCP_SELFTEST_UTIL_H */

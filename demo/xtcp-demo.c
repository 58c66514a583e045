// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp-demo: what `make demo` runs inside the guest.
 *
 * Shows the module loaded, an xtcp socket opened and what it pins, a
 * segment arriving and the counters it moves, the sysctls, and the socket
 * closed again. Later issues grow this into the whole connection story.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/tcp.h>
#include <linux/xtcp.h>

#include "xtcp_util.h"	/* selftests/: the checksum helper */

static void show_file(const char *title, const char *path, const char *indent)
{
	char line[256];
	FILE *f = fopen(path, "re");

	printf("%s\n", title);
	if (!f) {
		printf("%s(%s: %s)\n", indent, path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f))
		printf("%s%s", indent, line);
	fclose(f);
}

static void show_sysctls(void)
{
	const char *dir = "/proc/sys/net/xtcp";
	struct dirent **ents;
	char path[512];
	int i, n = scandir(dir, &ents, NULL, alphasort);

	printf("\nTunables (sysctl net.xtcp.*, per network namespace):\n");
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
			printf("  net.xtcp.%-22s = %ld\n", ents[i]->d_name,
			       read_long(path));
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

/* One SYN-shaped segment from 127.0.0.1:40000 to 127.0.0.1:5000, raw. */
static int send_segment(int proto)
{
	struct sockaddr_in dst = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct tcphdr th = {
		.source = htons(40000), .dest = htons(5000),
		.seq = htonl(1), .doff = 5, .syn = 1, .window = htons(1024),
	};
	int fd, ok;

	th.check = xtcp_csum(dst.sin_addr.s_addr, dst.sin_addr.s_addr, proto,
			     &th, sizeof(th));
	fd = socket(AF_INET, SOCK_RAW, proto);
	if (fd < 0)
		return -1;
	ok = sendto(fd, &th, sizeof(th), 0, (struct sockaddr *)&dst,
		    sizeof(dst)) == sizeof(th);
	close(fd);
	return ok ? 0 : -1;
}

static const char *name(int fd, int peer)
{
	static char buf[2][32];
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&sin, &len))
		return "?";
	snprintf(buf[peer], sizeof(buf[peer]), "%s:%u",
		 inet_ntoa(sin.sin_addr), ntohs(sin.sin_port));
	return buf[peer];
}

/* A three-way handshake on loopback: listen, connect, accept. */
static void handshake(long proto)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(5001),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int lfd = socket(AF_INET, SOCK_STREAM, proto), cfd, afd;

	printf("\nA connection on loopback: listen on 127.0.0.1:5001, connect, accept\n");
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(lfd, 8)) {
		perror("listener");
		return;
	}
	cfd = socket(AF_INET, SOCK_STREAM, proto);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&sin, sizeof(sin))) {
		perror("connect");
		return;
	}
	afd = accept(lfd, NULL, NULL);
	printf("  client %s -> %s: connected (SYN, SYN-ACK, ACK)\n",
	       name(cfd, 0), name(cfd, 1));
	printf("  server %s <- %s: accepted\n", name(afd, 0), name(afd, 1));
	show_file("\nCounters (/proc/net/xtcp/snmp):", "/proc/net/xtcp/snmp", "  ");
	close(afd);
	close(cfd);
	close(lfd);
}

int main(void)
{
	long proto = read_long("/sys/module/xtcp/parameters/proto");
	int fd;

	printf("== xtcp demo: the module in a fresh guest (no network device)\n\n");
	if (proto < 0) {
		printf("xtcp.ko is not loaded\n");
		return 1;
	}
	printf("xtcp.ko is loaded as IP protocol %ld; module references: %ld\n",
	       proto, read_long("/sys/module/xtcp/refcnt"));

	fd = socket(AF_INET, SOCK_STREAM, proto);
	if (fd < 0) {
		perror("socket(AF_INET, SOCK_STREAM, IPPROTO_XTCP)");
		return 1;
	}
	printf("socket(AF_INET, SOCK_STREAM, %ld) = %d; module references: %ld\n"
	       "  (the socket pins the module, once through its struct proto and\n"
	       "  once through its proto_ops: rmmod xtcp is refused while it is open)\n",
	       proto, fd, read_long("/sys/module/xtcp/refcnt"));

	printf("\nA SYN arrives for port 5000, where nobody listens (sent with a raw\n"
	       "socket): xtcp answers with a RST, which loops back and is counted too...\n");
	if (send_segment(proto))
		perror("raw send");
	show_sysctls();

	handshake(proto);

	close(fd);
	printf("\nclose(%d); module references: %ld (rmmod xtcp would work now)\n",
	       fd, read_long("/sys/module/xtcp/refcnt"));
	printf("\nData transfer and teardown arrive with the next issues, and this\n"
	       "demo grows with them into the whole connection story.\n");
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcp - internal declarations shared by the module's files.
 *
 * Files, one concern each:
 *   main.c    module parameter, registration with the inet layer
 *   netns.c   per-network-namespace state (struct xtcp_net)
 *   socket.c  struct proto and proto_ops: the socket API
 *   demux.c   xtcp's own socket tables (never TCP's inet_hashinfo)
 *   input.c   segments arriving from IP
 *   proc.c    /proc/net/xtcp/
 *   sysctl.c  /proc/sys/net/xtcp/
 *   mib.c, mib.h, param.h   kernel-independent, also built by the host tests
 *
 * Lock rules:
 *   - struct xtcp_net lives as long as its netns; it is set up before any
 *     xtcp socket of that netns can exist and torn down after the last.
 *   - Counters are per-cpu; update them with XTCP_INC_STATS() and friends
 *     from any context (the this_cpu ops are preemption- and irq-safe).
 *   - xtcp_net.port_lock (a spinlock, taken with _bh because input runs in
 *     softirq) guards writers of the socket table; readers use RCU.
 *   - sk_state is written under lock_sock() and read with
 *     inet_sk_state_load() where the socket lock is not held (poll).
 */
#ifndef _XTCP_H
#define _XTCP_H

#include <linux/bits.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/list.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/netns/generic.h>

#include "mib.h"
#include "param.h"

/* Buckets of the per-netns socket table (see demux.c). */
#define XTCP_PORT_HASH_BITS	8
#define XTCP_PORT_HASH_SIZE	BIT(XTCP_PORT_HASH_BITS)

/**
 * struct xtcp_mib - one cpu's share of the counters
 * @mibs: indexed by enum xtcp_mib_field
 */
struct xtcp_mib {
	unsigned long mibs[XTCP_MIB_MAX];
};

/**
 * struct xtcp_sysctl - per-netns tunables, /proc/sys/net/xtcp/
 * @syn_retries: SYN retransmissions before connect() fails (ETIMEDOUT)
 * @synack_retries: SYN-ACK retransmissions before a half-open entry is dropped
 * @synack_timeout_ms: first SYN-ACK retransmission timeout, doubled each time
 *
 * Documentation/sysctl.rst describes each; sysctl.c holds defaults and ranges.
 */
struct xtcp_sysctl {
	int syn_retries;
	int synack_retries;
	int synack_timeout_ms;
};

/**
 * struct xtcp_net - xtcp's state in one network namespace
 * @mib: per-cpu counters, /proc/net/xtcp/snmp
 * @sysctl: tunables
 * @sysctl_table: this netns's copy of the sysctl table
 * @sysctl_hdr: its registration
 * @ctl_sk: SOCK_RAW kernel socket used to send replies (RSTs) that belong
 *	to no xtcp socket; raw, like TCP's, so it does not pin the module
 * @port_lock: guards writers of @port_hash
 * @port_hash: sockets with a local port, hashed by it (RCU readers)
 */
struct xtcp_net {
	struct xtcp_mib __percpu *mib;
	struct xtcp_sysctl sysctl;
	struct ctl_table *sysctl_table;
	struct ctl_table_header *sysctl_hdr;
	struct sock *ctl_sk;
	spinlock_t port_lock;	/* writers of port_hash */
	struct hlist_head port_hash[XTCP_PORT_HASH_SIZE];
};

/**
 * struct xtcp_sock - an xtcp socket
 * @inet: must be first: the generic inet code sees an inet_sock
 *
 * Connection state (sequence numbers, queues, timers) joins here as the
 * protocol grows.
 */
struct xtcp_sock {
	struct inet_sock inet;
};

extern int xtcp_proto;
extern unsigned int xtcp_net_id;
extern struct proto xtcp_prot;
extern const struct proto_ops xtcp_stream_ops;

static inline struct xtcp_net *xtcp_pernet(const struct net *net)
{
	return net_generic(net, xtcp_net_id);
}

#define XTCP_INC_STATS(net, field) \
	this_cpu_inc(xtcp_pernet(net)->mib->mibs[field])
#define XTCP_DEC_STATS(net, field) \
	this_cpu_dec(xtcp_pernet(net)->mib->mibs[field])

/* netns.c */
int xtcp_netns_register(void);
void xtcp_netns_unregister(void);

/* sysctl.c */
int xtcp_sysctl_net_init(struct net *net);
void xtcp_sysctl_net_exit(struct net *net);

/* proc.c */
int xtcp_proc_net_init(struct net *net);
void xtcp_proc_net_exit(struct net *net);

/* demux.c */
void xtcp_demux_net_init(struct xtcp_net *xn);
int xtcp_hash(struct sock *sk);
void xtcp_unhash(struct sock *sk);

/* input.c */
int xtcp_v4_rcv(struct sk_buff *skb);

#endif /* _XTCP_H */

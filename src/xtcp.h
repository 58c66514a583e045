/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcp - internal declarations shared by the module's files.
 *
 * Files, one concern each:
 *   main.c    module parameter, registration with the inet layer
 *   netns.c   per-network-namespace state (struct xtcp_net)
 *   socket.c  struct proto and proto_ops: the socket API
 *   demux.c   xtcp's own socket tables and ports (never TCP's inet_hashinfo)
 *   input.c   segments arriving from IP, per state (RFC 9293 §3.10.7)
 *   output.c  building and sending segments; initial sequence numbers
 *   listen.c  listen(), the SYN queue and the accept queue, accept()
 *   stream.c  send() and recv(), the windows we advertise, delayed ACK
 *   timer.c   SYN, SYN-ACK and data retransmission, persist, delayed ACK,
 *             FIN_WAIT_2 of orphans
 *   timewait.c  TIME_WAIT entries (struct xtcp_tw)
 *   proc.c    /proc/net/xtcp/
 *   sysctl.c  /proc/sys/net/xtcp/
 *   wire.c, seq.h, rto.c, cc.c, mib.c, param.h   kernel-independent, also
 *             built by the host unit tests
 *
 * Lock rules:
 *   - struct xtcp_net lives as long as its netns; it is set up before any
 *     xtcp socket of that netns can exist and torn down after the last.
 *   - Counters are per-cpu; update them with XTCP_INC_STATS() and friends
 *     from any context (the this_cpu ops are preemption- and irq-safe).
 *   - Lock order: a socket's lock, then a listener's queue_lock, then
 *     xtcp_net.lock, then xtcp_net.port_lock. The last three are taken
 *     with _bh in process context (segment input and timers run in
 *     softirq). Table readers use RCU:
 *     the socket slab is SLAB_TYPESAFE_BY_RCU, as TCP's, so a lookup takes
 *     a reference and checks the keys again; so are the slabs of half-open
 *     and TIME_WAIT entries.
 *   - /proc/net/xtcp/ walks the tables under RCU too, never under
 *     xtcp_net.lock: an entry is printed with a reference held, and only
 *     if it is still in the table and bucket walked (proc.c).
 *   - A connection's state and sequence variables change under its socket
 *     lock: lock_sock() in process context, bh_lock_sock() in softirq,
 *     where a segment for a socket owned by a process waits on its backlog.
 *   - A listener's queues change under its queue_lock only, never its
 *     socket lock, so softirq input never waits for a listener's owner.
 *   - The one exception to the order: a connection made by a final ACK is
 *     created locked (sk_clone_lock()) under its listener's queue_lock,
 *     which is safe because nobody else can hold the new lock yet, and
 *     stays locked after queue_lock is dropped until that ACK has been
 *     processed on it (xtcp_req_rcv()).
 *   - A listener leaves LISTEN under its queue_lock, in the section that
 *     empties its queues (xtcp_listen_stop()), and only afterwards leaves
 *     lhash and gives its port back. A SYN (xtcp_conn_request()) and a
 *     final ACK (xtcp_req_rcv()) check under that queue_lock that it is
 *     still in LISTEN before they queue an entry or make a child. So no
 *     child is made from a listener that is going away, and a child
 *     inherits (xtcp_inherit_port()) a port its listener still holds.
 *   - sk_state is read with inet_sk_state_load() where the socket lock is
 *     not held (poll, lookups).
 * Every function whose kernel-doc says "locked" or names a lock held
 * asserts it on entry (xtcp_assert_locked(), lockdep_assert_held()), so
 * a kernel with lockdep (the debug guest kernel) checks these rules.
 */
#ifndef _XTCP_H
#define _XTCP_H

#include <linux/bits.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/list.h>
#include <linux/rbtree.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/netns/generic.h>
#include <net/tcp_states.h>

#include "mib.h"
#include "param.h"
#include "wire.h"
#include "rto.h"
#include "cc.h"

/*
 * "@sk: the socket, locked": lock_sock() (a process owns it) or
 * bh_lock_sock() (softirq, or a socket not yet visible to anyone else,
 * created locked by sk_clone_lock()). Checked where lockdep is built in.
 */
static inline void xtcp_assert_locked(const struct sock *sk)
{
	lockdep_assert(lockdep_sock_is_held(sk));
}

/* Per-netns tables (see demux.c). */
#define XTCP_BHASH_BITS		8	/* bound ports */
#define XTCP_LHASH_BITS		8	/* listeners, by local port */
#define XTCP_EHASH_BITS		14	/* connections and half-open entries */
#define XTCP_BHASH_SIZE		BIT(XTCP_BHASH_BITS)
#define XTCP_LHASH_SIZE		BIT(XTCP_LHASH_BITS)
#define XTCP_EHASH_SIZE		BIT(XTCP_EHASH_BITS)

/*
 * The window a half-open entry's SYN-ACK advertises (no socket, no buffer
 * yet): the largest without scaling; the connection starts from it.
 */
#define XTCP_SYNACK_WINDOW	U16_MAX

/* Linux's TCP_INIT_CWND, in segments: sizes the initial send buffer. */
#define XTCP_INIT_CWND		10

/*
 * Linux's TCP_MIN_SND_MSS: the least net.xtcp.min_snd_mss, and its default
 * (a segment of 40 bytes of options still carries 8 of data).
 */
#define XTCP_MIN_SND_MSS	48

/* XTCP_MAXSEG limits, Linux's TCP_MIN_MSS and MAX_TCP_WINDOW. */
#define XTCP_MIN_USER_MSS	88
#define XTCP_MAX_USER_MSS	32767

/* Linux's TCP_RTO_MAX: no retransmission timeout grows beyond it. */
#define XTCP_RTO_MAX_MS		120000

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
 * @synack_timeout_ms: first SYN and SYN-ACK retransmission timeout, doubled
 *	each time
 * @max_syn_backlog: half-open entries a listener may hold
 * @abort_on_overflow: answer a final ACK that finds the accept queue full
 *	with RST (1) instead of leaving the entry half-open (0)
 * @rto_min_ms: lower bound of the data retransmission timeout
 * @rto_max_ms: upper bound of it
 * @retries2: data retransmissions without progress before the connection
 *	is given up (ETIMEDOUT); also zero-window probes without an answer
 * @window_scaling: offer window scaling (RFC 7323) in SYN and SYN-ACK
 * @delack_ms: how long an ACK may wait for data to ride on
 * @msl_ms: maximum segment lifetime; TIME_WAIT lasts twice this
 * @fin_timeout: seconds an orphaned connection stays in FIN_WAIT_2
 * @max_tw_buckets: TIME_WAIT entries a netns may hold
 * @max_orphans: connections closed by their program that a netns may keep
 *	finishing
 * @invalid_ratelimit_ms: least time between two challenge ACKs of a
 *	connection (RFC 5961 §7), 0 for none
 * @min_snd_mss: the least send MSS, whatever MSS option the peer sent
 *	(Linux's tcp_min_snd_mss)
 *
 * Documentation/sysctl.rst describes each; sysctl.c holds defaults and ranges.
 */
struct xtcp_sysctl {
	int syn_retries;
	int synack_retries;
	int synack_timeout_ms;
	int max_syn_backlog;
	int abort_on_overflow;
	int rto_min_ms;
	int rto_max_ms;
	int retries2;
	int window_scaling;
	int delack_ms;
	int msl_ms;
	int fin_timeout;
	int max_tw_buckets;
	int max_orphans;
	int invalid_ratelimit_ms;
	int min_snd_mss;
};

/**
 * struct xtcp_net - xtcp's state in one network namespace
 * @mib: per-cpu counters, /proc/net/xtcp/snmp
 * @sysctl: tunables
 * @sysctl_table: this netns's copy of the sysctl table
 * @sysctl_hdr: its registration
 * @ctl_sk: SOCK_RAW kernel socket used to send replies (RSTs) that belong
 *	to no socket; raw, like TCP's, so it does not pin the module
 * @port_lock: guards @bhash
 * @bhash: sockets holding a local port (sk_bind_node), by port
 * @lock: guards writers of @lhash, @ehash and @rhash; readers use RCU
 * @lhash: listening sockets (sk_nulls_node), by local port
 * @ehash: connections (sk_nulls_node), by 4-tuple
 * @rhash: half-open entries (struct xtcp_req), by 4-tuple
 * @twhash: TIME_WAIT entries (struct xtcp_tw), by 4-tuple; under @lock
 * @tw_bhash: TIME_WAIT entries by local port, as @bhash; under @port_lock
 * @tw_count: TIME_WAIT entries now, until each is freed (xtcp_tw_put())
 * @orphans: connections now running on after their program closed them
 */
struct xtcp_net {
	struct xtcp_mib __percpu *mib;
	struct xtcp_sysctl sysctl;
	struct ctl_table *sysctl_table;
	struct ctl_table_header *sysctl_hdr;
	struct sock *ctl_sk;
	spinlock_t port_lock;	/* bhash */
	struct hlist_head bhash[XTCP_BHASH_SIZE];
	spinlock_t lock;	/* writers of lhash, ehash, rhash */
	struct hlist_nulls_head lhash[XTCP_LHASH_SIZE];
	struct hlist_nulls_head *ehash;
	struct hlist_nulls_head *rhash;
	struct hlist_nulls_head *twhash;
	struct hlist_head tw_bhash[XTCP_BHASH_SIZE];
	atomic_t tw_count;
	atomic_t orphans;
};

/**
 * struct xtcp_listen_stats - what one listener dropped and retransmitted
 * @drops: SYNs and final ACKs dropped (its share of ListenDrops)
 * @overflows: of them, found the accept queue full (ListenOverflows)
 * @syn_overflows: SYNs dropped on a full SYN queue (SynQueueOverflows)
 * @synack_retrans: SYN-ACK retransmissions (SynAckRetrans)
 */
struct xtcp_listen_stats {
	u32 drops;
	u32 overflows;
	u32 syn_overflows;
	u32 synack_retrans;
};

/**
 * struct xtcp_sock - an xtcp socket
 * @inet: must be first: the generic inet code sees an inet_sock
 * @iss: initial send sequence number (RFC 9293 §3.3.1)
 * @snd_una: oldest unacknowledged sequence number
 * @snd_nxt: next sequence number to send
 * @irs: initial receive sequence number
 * @rcv_nxt: next sequence number expected
 * @copied_seq: next sequence number recv() returns
 * @mss: send MSS: the smaller of the peer's MSS option (or 536) and
 *	@advmss, at least net.xtcp.min_snd_mss (xtcp_snd_mss())
 * @advmss: the MSS this end announces, from the route's MTU
 * @write_seq: sequence number after the last byte queued by send()
 * @snd_max: highest sequence number sent (SND.NXT goes back to SND.UNA
 *	after a retransmission timeout; this does not)
 * @snd_wnd: the peer's receive window, from its last acceptable segment
 * @snd_wl1: sequence number of the segment that last set @snd_wnd
 * @snd_wl2: acknowledgment number of that segment
 * @rcv_wup: @rcv_nxt when our window was last advertised
 * @rcv_wnd: the window advertised then
 * @bytes_acked: bytes of ours the peer has acknowledged, in all (bounds
 *	the ACKs taken, RFC 5961 §5.2: xtcp_ack_kind())
 * @max_window: the largest window the peer has advertised (sender
 *	silly-window avoidance, RFC 9293 §3.8.6.2.1)
 * @rcv_mss: the largest segment received so far (delayed ACK's "full
 *	segment")
 * @rto: retransmission timeout estimator (rto.c)
 * @cc: congestion control (cc.c)
 * @rtt_seq: the segment being timed for an RTT sample ends here
 * @rtt_stamp: when it was sent (us)
 * @rtt_timing: a segment is being timed
 * @lsndtime: jiffies when data was last sent, or when the congestion
 *	window last restarted after idle (RFC 5681 §4.1)
 * @retransmits: SYN (or SYN-ACK) retransmissions so far (connecting; a
 *	child starts with its half-open entry's); data retransmissions
 *	without progress since (established)
 * @connect_port: the local port came from connect(), and may be shared
 *	with other connections to other destinations
 * @user_mss: XTCP_MAXSEG, 0 if unset
 * @snd_wscale: the peer's window scale: its window fields are shifted by it
 * @rcv_wscale: ours: the window fields we send are shifted right by it
 * @ws_sent: our SYN offered window scaling
 * @nodelay: XTCP_NODELAY: Nagle's algorithm off
 * @more: the last send() had MSG_MORE: a short last segment waits
 * @ack_pending: data arrived that no segment has acknowledged yet
 * @fin_queued: our FIN is on the write queue (close() or shutdown())
 * @last_challenge: jiffies of the last challenge ACK (RFC 5961)
 * @probes_out: zero-window probes since the peer last acknowledged anything
 * @probe_backoff: doublings of the persist timer (reset when the window
 *	opens)
 * @deferred: work a timer left for release_sock() (XTCP_DEFER_*)
 * @rtx_on: @rtx_timer's timeout is wanted (timer.c's rules: its work runs
 *	only while this is set)
 * @rtx_when: when it is due, in jiffies
 * @rtx_timer: SYN retransmission timer (connecting); data retransmission
 *	timer while data is in flight, persist timer while data waits for
 *	the peer's window and nothing is in flight (established)
 * @dack_timer: delayed ACK timer
 * @ooo_queue: received segments beyond RCV.NXT: an rbtree keyed by
 *	sequence number (skb->rbnode), its segments never overlapping;
 *	charged to the receive buffer (input.c)
 * @ooo_last: the highest segment of @ooo_queue, NULL when it is empty:
 *	data arriving in order beyond a hole goes there without a lookup
 * @queue_lock: listener: guards the two queues below and their lengths
 * @syn_queue: listener: half-open entries (struct xtcp_req), oldest first
 * @syn_queue_len: listener: entries on @syn_queue
 * @accept_queue: listener: established children not yet accepted; their
 *	number is sk_ack_backlog
 * @accept_node: child: its place on the listener's accept queue
 * @lstats: listener: its share of the listen counters, for
 *	/proc/net/xtcp/listeners; under @queue_lock
 */
struct xtcp_sock {
	struct inet_sock inet;
	u32 iss;
	u32 snd_una;
	u32 snd_nxt;
	u32 irs;
	u32 rcv_nxt;
	u32 copied_seq;
	u32 write_seq;
	u32 snd_max;
	u32 snd_wnd;
	u32 snd_wl1;
	u32 snd_wl2;
	u32 rcv_wup;
	u32 rcv_wnd;
	struct xtcp_rto rto;
	struct xtcp_cc cc;
	u32 rtt_seq;
	u32 rtt_stamp;
	bool rtt_timing;
	unsigned long lsndtime;
	u32 max_window;
	u64 bytes_acked;
	u32 rcv_mss;
	u16 mss;
	u16 advmss;
	u16 user_mss;
	u8 snd_wscale;
	u8 rcv_wscale;
	bool ws_sent;
	bool nodelay;
	bool more;
	bool ack_pending;
	bool fin_queued;
	unsigned long last_challenge;
	u8 retransmits;
	u8 probes_out;
	u8 probe_backoff;
	bool connect_port;
	unsigned long deferred;
	bool rtx_on;
	unsigned long rtx_when;
	struct timer_list rtx_timer;
	struct timer_list dack_timer;
	struct rb_root ooo_queue;
	struct sk_buff *ooo_last;
	spinlock_t queue_lock;	/* syn_queue, syn_queue_len, accept_queue */
	struct list_head syn_queue;
	u32 syn_queue_len;
	struct list_head accept_queue;
	struct list_head accept_node;
	struct xtcp_listen_stats lstats;
};

/**
 * struct xtcp_req - a half-open connection on a listener's SYN queue
 *
 * Lightweight on purpose: not a socket. The listener's queue_lock guards
 * everything but @refcnt and the hash linkage (xtcp_net.lock). References:
 * one while queued, one while the timer is pending. Allocated from a
 * SLAB_TYPESAFE_BY_RCU cache (lookups run under RCU and re-check the keys),
 * so the last reference frees it, and its listener reference, at once.
 *
 * @hash_node: in xtcp_net.rhash
 * @queue_node: on the listener's syn_queue
 * @listener: the listening socket (referenced)
 * @net: its namespace (a lookup key, read without the listener)
 * @laddr: local address
 * @raddr: remote address
 * @lport: local port
 * @rport: remote port
 * @iss: our initial sequence number (the SYN-ACK's)
 * @irs: theirs (the SYN's)
 * @mss: send MSS (xtcp_snd_mss())
 * @advmss: MSS we announced
 * @snd_wscale: the peer's window scale, if both sides offered scaling
 * @rcv_wscale: ours, likewise (0: no scaling)
 * @ws_ok: both sides offered window scaling (our SYN-ACK carries it)
 * @retransmits: SYN-ACK retransmissions so far
 * @queued: still on the SYN queue
 * @acked: the final ACK came while the accept queue was full
 * @refcnt: references
 * @timer: SYN-ACK retransmission
 */
struct xtcp_req {
	struct hlist_nulls_node hash_node;
	struct list_head queue_node;
	struct sock *listener;
	possible_net_t net;
	__be32 laddr;
	__be32 raddr;
	__be16 lport;
	__be16 rport;
	u32 iss;
	u32 irs;
	u16 mss;
	u16 advmss;
	u8 snd_wscale;
	u8 rcv_wscale;
	bool ws_ok;
	u8 retransmits;
	bool queued;
	bool acked;
	refcount_t refcnt;
	struct timer_list timer;
};

/*
 * skb->cb of xtcp's segments. Received: the parsed header and the data
 * length (while it waits on a socket's backlog), then the sequence space
 * of the data (receive and out-of-order queues). On the write queue: the
 * sequence space, the checksum of the data (computed as send() copied it),
 * whether it ends a write (PSH) and whether it was sent again. On input
 * it overwrites IP's IPCB, which nothing of xtcp reads after IP; on output
 * IP's IPCB is cleared before a segment goes (output.c, xtcp_ip_xmit()).
 */
struct xtcp_skb_cb {
	struct xtcp_hdr h;
	u32 len;
	u32 seq;
	u32 end_seq;
	__wsum csum;
	bool psh;
	bool fin;
	bool retransmitted;
};

/**
 * struct xtcp_tw - a connection in TIME_WAIT (RFC 9293 §3.6)
 *
 * What is left of a connection that closed first: its 4-tuple, the
 * sequence numbers to acknowledge a retransmitted FIN, and a timer, in
 * place of the socket, which is freed. It keeps the local port in use.
 * Allocated from a SLAB_TYPESAFE_BY_RCU cache and found under RCU, as
 * half-open entries are. References: one while hashed, one while the
 * timer is pending, and lookups'.
 *
 * @hash_node: in xtcp_net.twhash
 * @bind_node: in xtcp_net.tw_bhash
 * @net: its namespace
 * @laddr: local address
 * @raddr: remote address
 * @lport: local port
 * @rport: remote port
 * @snd_nxt: our next sequence number (after our FIN)
 * @rcv_nxt: the next we expect (after the peer's FIN)
 * @window: the window field our ACKs carry
 * @bound_dev_if: the socket's SO_BINDTODEVICE, for bind() conflicts
 * @reuse: the socket had SO_REUSEADDR
 * @connect_port: the port came from connect() (shared by destinations)
 * @hashed: still in the tables
 * @refcnt: references
 * @timer: expires 2 MSL after the last FIN
 */
struct xtcp_tw {
	struct hlist_nulls_node hash_node;
	struct hlist_node bind_node;
	possible_net_t net;
	__be32 laddr;
	__be32 raddr;
	__be16 lport;
	__be16 rport;
	u32 snd_nxt;
	u32 rcv_nxt;
	u16 window;
	int bound_dev_if;
	bool reuse;
	bool connect_port;
	bool hashed;
	refcount_t refcnt;
	struct timer_list timer;
};

/* States in which data (and our FIN) may still be sent. */
#define XTCPF_SENDING	(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT | TCPF_FIN_WAIT1 | \
			 TCPF_CLOSING | TCPF_LAST_ACK)

/* Bits of xtcp_sock.deferred. */
#define XTCP_DEFER_DACK	0	/* the delayed-ACK timer found the socket owned */
#define XTCP_DEFER_RTX	1	/* the rtx timer found the socket owned */

#define XTCP_SKB_CB(skb) ((struct xtcp_skb_cb *)&((skb)->cb[0]))

static inline struct xtcp_sock *xtcp_sk(const struct sock *sk)
{
	return (struct xtcp_sock *)sk;
}

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
int xtcp_demux_net_init(struct xtcp_net *xn);
void xtcp_demux_net_exit(struct xtcp_net *xn);
u32 xtcp_ehashfn(__be32 laddr, __be16 lport, __be32 raddr, __be16 rport);
int xtcp_get_port(struct sock *sk, unsigned short snum);
int xtcp_connect_port(struct sock *sk);
void xtcp_put_port(struct sock *sk);
void xtcp_inherit_port(struct sock *child, const struct sock *parent);
int xtcp_hash(struct sock *sk);
void xtcp_unhash(struct sock *sk);
struct sock *xtcp_lookup_established(struct net *net, __be32 saddr,
				     __be16 sport, __be32 daddr, __be16 dport);
struct sock *xtcp_lookup_listener(struct net *net, __be32 daddr,
				  __be16 dport, int dif);
struct xtcp_req *xtcp_lookup_req(struct net *net, __be32 saddr, __be16 sport,
				 __be32 daddr, __be16 dport);
void xtcp_req_hash(struct net *net, struct xtcp_req *req);
void xtcp_req_unhash(struct net *net, struct xtcp_req *req);
void xtcp_tw_hash(struct net *net, struct xtcp_tw *tw);
bool xtcp_tw_unhash(struct net *net, struct xtcp_tw *tw);

/* input.c */
int xtcp_v4_rcv(struct sk_buff *skb);
int xtcp_backlog_rcv(struct sock *sk, struct sk_buff *skb);
void xtcp_rcv_locked(struct sock *sk, struct sk_buff *skb);

/* output.c */
u32 xtcp_new_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport);
void xtcp_isn_init(void);
int xtcp_send_sk(struct sock *sk, u8 flags, u32 seq, bool with_mss);
void xtcp_send_ack(struct sock *sk);
void xtcp_send_probe(struct sock *sk);
void xtcp_send_fin(struct sock *sk);
void xtcp_send_challenge_ack(struct sock *sk);
void xtcp_write_xmit(struct sock *sk, bool force);
int xtcp_retransmit_head(struct sock *sk);
int xtcp_send_synack(struct xtcp_req *req);
void xtcp_send_reply(struct net *net, struct sk_buff *in, __be32 saddr,
		     __be32 daddr, const struct xtcp_hdr *h, int state);
void xtcp_send_rst_reply(struct net *net, struct sk_buff *skb, int state);

/* socket.c */
void xtcp_state_store(struct sock *sk, int state);
void xtcp_set_state(struct sock *sk, int state);
void xtcp_done(struct sock *sk, int err);
void xtcp_destroy_sock(struct sock *sk);
void xtcp_send_active_rst(struct sock *sk);

/* timewait.c */
int xtcp_tw_cache_init(void);
void xtcp_tw_cache_exit(void);
void xtcp_time_wait(struct sock *sk);
struct xtcp_tw *xtcp_lookup_tw(struct net *net, __be32 saddr, __be16 sport,
			       __be32 daddr, __be16 dport);
bool xtcp_tw_rcv(struct xtcp_tw *tw, struct sk_buff *skb,
		 const struct xtcp_hdr *h);
void xtcp_tw_put(struct xtcp_tw *tw);
void xtcp_tw_purge(struct net *net);
void xtcp_mem_init(void);

/* stream.c */
void xtcp_stream_init(struct sock *sk, u32 snd_wnd);
void xtcp_wmem_free_skb(struct sock *sk, struct sk_buff *skb);
u32 xtcp_seg_size(const struct sock *sk);

/* Room in front of a segment's data for its headers. */
#define XTCP_HEADROOM	(MAX_HEADER + 60 + XTCP_HDR_MAX)
int xtcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size);
int xtcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
		 int flags, int *addr_len);
void xtcp_purge_queues(struct sock *sk);
u32 xtcp_inq(const struct sock *sk);
u16 xtcp_rcv_window(struct sock *sk);
u16 xtcp_syn_window(const struct sock *sk);
u8 xtcp_choose_wscale(const struct net *net);
u16 xtcp_user_mss(const struct sock *sk, u32 route_mss);
void xtcp_ack_snd_check(struct sock *sk, bool now);

/* listen.c */
int xtcp_listen(struct socket *sock, int backlog);
void xtcp_listen_stop(struct sock *sk);
void xtcp_conn_request(struct sock *sk, struct sk_buff *skb);
bool xtcp_req_rcv(struct xtcp_req *req, struct sk_buff *skb);
void xtcp_req_put(struct xtcp_req *req);
u32 xtcp_syn_queue_limit(const struct sock *sk);
int xtcp_req_cache_init(void);
void xtcp_req_cache_exit(void);

/* timer.c */
void xtcp_init_timers(struct sock *sk);
void xtcp_syn_timer_arm(struct sock *sk);
void xtcp_rtx_timer_arm(struct sock *sk);
void xtcp_rtx_timer_stop(struct sock *sk);
void xtcp_persist_timer_arm(struct sock *sk);
void xtcp_dack_timer_arm(struct sock *sk);
void xtcp_clear_timers(struct sock *sk);
void xtcp_release_cb(struct sock *sk);
void xtcp_fin_wait2_timer_arm(struct sock *sk);
void xtcp_req_timer_init(struct xtcp_req *req);
void xtcp_req_timer_arm(struct xtcp_req *req);
u32 xtcp_syn_rto_ms(const struct net *net, unsigned int n);
u32 xtcp_rtx_timeout_us(struct sock *sk);

#endif /* _XTCP_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - /proc/net/xtcp/, per network namespace.
 *
 *   snmp       one "Name<TAB>value" line per counter, in enum
 *              xtcp_mib_field order
 *   sockets    one row per listener, half-open entry, connection and
 *              TIME_WAIT entry, in the columns and encoding of /proc/net/tcp
 *   listeners  one row per listener: its two queues, their limits, and
 *              what it dropped and retransmitted
 *
 * The tables are walked bucket by bucket under RCU, as lookups read them
 * (see demux.c), never under xtcp_net.lock: a reader never holds up a
 * SYN or a close. Each entry is taken with a reference before it is
 * printed, and only if it is still in the netns, table and bucket walked
 * (the slabs are SLAB_TYPESAFE_BY_RCU: a freed entry may be anywhere
 * now); the reference is dropped when the walk moves past it or the
 * read() ends. A read() goes on from the bucket and the offset in it
 * where the last one stopped, as Linux's tcp_seek_last_pos(), so reading
 * a whole file costs one walk, whatever the size of the reads. Nothing
 * stops the tables changing between two read()s: an entry added or
 * removed meanwhile may make a later one appear twice or not at all, as
 * in /proc/net/tcp.
 *
 * Documentation/proc.rst describes every file and counter.
 */

#include <linux/hash.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "xtcp.h"

/* The tables a walk visits, in order. */
enum xtcp_walk_table {
	XTCP_WALK_LISTEN,	/* lhash: sockets */
	XTCP_WALK_REQ,		/* rhash: struct xtcp_req */
	XTCP_WALK_ESTAB,	/* ehash: sockets */
	XTCP_WALK_TW,		/* twhash: struct xtcp_tw */
	XTCP_WALK_END,
};

/*
 * Where a walk is: seq_file's private data (seq_net_private first). The
 * entry last returned by ->start() or ->next() is in @table, bucket
 * @bucket, after @offset others of that bucket, and referenced.
 */
struct xtcp_walk {
	struct seq_net_private p;
	enum xtcp_walk_table table;
	unsigned int bucket;
	unsigned int offset;
	loff_t last_pos;	/* the position after that entry */
	enum xtcp_walk_table last;	/* the walk stops after this table */
	const struct net *net;	/* seq_file_net(), set by ->start() */
};

static struct hlist_nulls_head *xtcp_walk_bucket(struct xtcp_net *xn,
						 enum xtcp_walk_table t,
						 unsigned int b)
{
	switch (t) {
	case XTCP_WALK_LISTEN:
		return b < XTCP_LHASH_SIZE ? &xn->lhash[b] : NULL;
	case XTCP_WALK_REQ:
		return b < XTCP_EHASH_SIZE ? &xn->rhash[b] : NULL;
	case XTCP_WALK_ESTAB:
		return b < XTCP_EHASH_SIZE ? &xn->ehash[b] : NULL;
	case XTCP_WALK_TW:
		return b < XTCP_EHASH_SIZE ? &xn->twhash[b] : NULL;
	default:
		return NULL;
	}
}

/* Is socket @sk, referenced, in the netns, table and bucket @w walks? */
static bool xtcp_walk_sock_ok(const struct xtcp_walk *w, const struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);
	int state = inet_sk_state_load(sk);

	if (sk_unhashed(sk) || !net_eq(sock_net(sk), w->net))
		return false;
	if (w->table == XTCP_WALK_LISTEN)
		return state == TCP_LISTEN &&
		       hash_32(READ_ONCE(inet->inet_num), XTCP_LHASH_BITS) ==
		       w->bucket;
	return state != TCP_LISTEN &&
	       xtcp_ehashfn(READ_ONCE(inet->inet_rcv_saddr),
			    READ_ONCE(inet->inet_sport),
			    READ_ONCE(inet->inet_daddr),
			    READ_ONCE(inet->inet_dport)) == w->bucket;
}

/*
 * Take a reference on the entry at @node if it is still in the table and
 * bucket being walked. RCU read lock held.
 */
static bool xtcp_walk_hold(const struct xtcp_walk *w,
			   struct hlist_nulls_node *node)
{
	struct xtcp_req *req;
	struct xtcp_tw *tw;
	struct sock *sk;

	switch (w->table) {
	case XTCP_WALK_REQ:
		req = hlist_nulls_entry(node, struct xtcp_req, hash_node);
		if (!refcount_inc_not_zero(&req->refcnt))
			return false;
		if (!hlist_nulls_unhashed(&req->hash_node) &&
		    net_eq(read_pnet(&req->net), w->net) &&
		    xtcp_ehashfn(req->laddr, req->lport, req->raddr,
				 req->rport) == w->bucket)
			return true;
		xtcp_req_put(req);
		return false;
	case XTCP_WALK_TW:
		tw = hlist_nulls_entry(node, struct xtcp_tw, hash_node);
		if (!refcount_inc_not_zero(&tw->refcnt))
			return false;
		if (READ_ONCE(tw->hashed) && net_eq(read_pnet(&tw->net), w->net) &&
		    xtcp_ehashfn(tw->laddr, tw->lport, tw->raddr,
				 tw->rport) == w->bucket)
			return true;
		xtcp_tw_put(tw);
		return false;
	default:
		sk = hlist_nulls_entry(node, struct sock, sk_nulls_node);
		if (!refcount_inc_not_zero(&sk->sk_refcnt))
			return false;
		if (xtcp_walk_sock_ok(w, sk))
			return true;
		sock_put(sk);
		return false;
	}
}

/* Drop the reference on the entry at @node, of table @t. */
static void xtcp_walk_put(enum xtcp_walk_table t, struct hlist_nulls_node *node)
{
	switch (t) {
	case XTCP_WALK_REQ:
		xtcp_req_put(hlist_nulls_entry(node, struct xtcp_req, hash_node));
		break;
	case XTCP_WALK_TW:
		xtcp_tw_put(hlist_nulls_entry(node, struct xtcp_tw, hash_node));
		break;
	default:
		sock_put(hlist_nulls_entry(node, struct sock, sk_nulls_node));
	}
}

/*
 * The entry at @node or the first after it in its chain that can be
 * held, or NULL at the chain's end. A chain the walk was diverted to (an
 * entry freed and reused meanwhile) yields nothing: no entry of it is in
 * this bucket of this netns's table.
 */
static struct hlist_nulls_node *xtcp_walk_chain(struct xtcp_walk *w,
						struct hlist_nulls_node *node)
{
	for (; !is_a_nulls(node);
	     node = rcu_dereference(hlist_nulls_next_rcu(node)))
		if (xtcp_walk_hold(w, node))
			return node;
	return NULL;
}

/* From bucket w->bucket of w->table on, the first entry, held; or NULL. */
static struct hlist_nulls_node *xtcp_walk_first(struct xtcp_walk *w,
						struct xtcp_net *xn)
{
	struct hlist_nulls_node *node;
	struct hlist_nulls_head *head;

	for (; w->table <= w->last; w->table++, w->bucket = 0) {
		for (; (head = xtcp_walk_bucket(xn, w->table, w->bucket));
		     w->bucket++) {
			node = rcu_dereference(hlist_nulls_first_rcu(head));
			if (is_a_nulls(node))
				continue;
			node = xtcp_walk_chain(w, node);
			if (node) {
				w->offset = 0;
				return node;
			}
		}
	}
	return NULL;
}

/* The entry after @node (held; released here), held; or NULL. */
static struct hlist_nulls_node *xtcp_walk_next_entry(struct xtcp_walk *w,
						     struct xtcp_net *xn,
						     struct hlist_nulls_node *node)
{
	struct hlist_nulls_node *next;

	next = xtcp_walk_chain(w, rcu_dereference(hlist_nulls_next_rcu(node)));
	xtcp_walk_put(w->table, node);
	if (next) {
		w->offset++;
		return next;
	}
	w->bucket++;
	return xtcp_walk_first(w, xn);
}

/* Back to where the last read() stopped: its bucket, then its offset. */
static struct hlist_nulls_node *xtcp_walk_seek(struct xtcp_walk *w,
					       struct xtcp_net *xn)
{
	enum xtcp_walk_table table = w->table;
	unsigned int bucket = w->bucket, offset = w->offset;
	struct hlist_nulls_node *node;

	node = xtcp_walk_first(w, xn);
	while (node && offset-- && w->table == table && w->bucket == bucket)
		node = xtcp_walk_next_entry(w, xn, node);
	return node;
}

static void *xtcp_walk_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct xtcp_walk *w = seq->private;
	struct xtcp_net *xn = xtcp_pernet(seq_file_net(seq));

	if (v == SEQ_START_TOKEN) {
		w->table = XTCP_WALK_LISTEN;
		w->bucket = 0;
		v = xtcp_walk_first(w, xn);
	} else {
		v = xtcp_walk_next_entry(w, xn, v);
	}
	++*pos;
	w->last_pos = *pos;
	return v;
}

static void *xtcp_walk_start(struct seq_file *seq, loff_t *pos)
	__acquires(RCU)
{
	struct xtcp_walk *w = seq->private;
	struct xtcp_net *xn = xtcp_pernet(seq_file_net(seq));
	struct hlist_nulls_node *node;
	loff_t n;

	w->net = seq_file_net(seq);
	rcu_read_lock();
	if (*pos && *pos == w->last_pos)	/* the next read() of a file */
		return xtcp_walk_seek(w, xn);
	w->last_pos = *pos;
	if (!*pos)
		return SEQ_START_TOKEN;
	/* a jump (lseek()): walk from the first entry */
	w->table = XTCP_WALK_LISTEN;
	w->bucket = 0;
	node = xtcp_walk_first(w, xn);
	for (n = 1; node && n < *pos; n++)
		node = xtcp_walk_next_entry(w, xn, node);
	return node;
}

static void xtcp_walk_stop(struct seq_file *seq, void *v)
	__releases(RCU)
{
	struct xtcp_walk *w = seq->private;

	if (v && v != SEQ_START_TOKEN)
		xtcp_walk_put(w->table, v);
	rcu_read_unlock();
}

/* Microseconds as /proc/net/tcp's clock ticks (USER_HZ). */
static unsigned long xtcp_us_to_clock_t(u32 us)
{
	return jiffies_to_clock_t(usecs_to_jiffies(us));
}

/* A listener or connection, as Linux's get_tcp4_sock(). */
static void xtcp_show_sock(struct seq_file *seq, struct sock *sk, int i)
{
	const struct xtcp_sysctl *sc = &xtcp_pernet(sock_net(sk))->sysctl;
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	int state = inet_sk_state_load(sk);
	unsigned long expires = jiffies;
	u32 mss = max_t(u32, READ_ONCE(xs->cc.mss), 1);
	u32 ssthresh = READ_ONCE(xs->cc.ssthresh);
	int timer = 0, rx_queue;

	if (READ_ONCE(xs->rtx_on)) {
		/*
		 * 1: retransmission; 4: the persist timer (Linux's
		 * ICSK_TIME_PROBE0); 3: an orphan's FIN_WAIT2 timeout, which
		 * Linux runs as a TIME_WAIT entry's timer
		 */
		if (state == TCP_FIN_WAIT2)
			timer = 3;
		else if (state != TCP_SYN_SENT &&
			 READ_ONCE(xs->snd_una) == READ_ONCE(xs->snd_max))
			timer = 4;
		else
			timer = 1;
		expires = READ_ONCE(xs->rtx_when);
	}
	if (state == TCP_LISTEN)
		rx_queue = READ_ONCE(sk->sk_ack_backlog);
	else
		rx_queue = max_t(int, READ_ONCE(xs->rcv_nxt) -
				      READ_ONCE(xs->copied_seq), 0);

	seq_printf(seq,
		   "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %pK %lu %lu %u %u %d",
		   i, inet->inet_rcv_saddr, ntohs(inet->inet_sport),
		   inet->inet_daddr, ntohs(inet->inet_dport), state,
		   READ_ONCE(xs->write_seq) - READ_ONCE(xs->snd_una), rx_queue,
		   timer, jiffies_delta_to_clock_t(expires - jiffies),
		   READ_ONCE(xs->retransmits),
		   from_kuid_munged(seq_user_ns(seq), sock_i_uid(sk)),
		   READ_ONCE(xs->probes_out), sock_i_ino(sk),
		   refcount_read(&sk->sk_refcnt), sk,
		   xtcp_us_to_clock_t(xtcp_rto_timeout(&xs->rto,
						       READ_ONCE(sc->rto_min_ms) * 1000U,
						       READ_ONCE(sc->rto_max_ms) * 1000U)),
		   jiffies_to_clock_t(msecs_to_jiffies(READ_ONCE(sc->delack_ms))),
		   0, READ_ONCE(xs->cc.cwnd) / mss,
		   state == TCP_LISTEN ? 0 :
		   ssthresh >= XTCP_CC_INFINITE ? -1 : (int)(ssthresh / mss));
}

/* A half-open entry, as Linux's get_openreq4(). */
static void xtcp_show_req(struct seq_file *seq, struct xtcp_req *req, int i)
{
	seq_printf(seq,
		   "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %u %d %pK",
		   i, req->laddr, ntohs(req->lport), req->raddr, ntohs(req->rport),
		   TCP_SYN_RECV, 0, 0, 1,
		   jiffies_delta_to_clock_t(READ_ONCE(req->timer.expires) - jiffies),
		   READ_ONCE(req->retransmits),
		   from_kuid_munged(seq_user_ns(seq), sock_i_uid(req->listener)),
		   0, 0, 0, req);
}

/* A TIME_WAIT entry, as Linux's get_timewait4_sock(). */
static void xtcp_show_tw(struct seq_file *seq, struct xtcp_tw *tw, int i)
{
	seq_printf(seq,
		   "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5d %8d %d %d %pK",
		   i, tw->laddr, ntohs(tw->lport), tw->raddr, ntohs(tw->rport),
		   TCP_TIME_WAIT, 0, 0, 3,
		   jiffies_delta_to_clock_t(READ_ONCE(tw->timer.expires) - jiffies),
		   0, 0, 0, 0, refcount_read(&tw->refcnt), tw);
}

#define XTCP_ROW_WIDTH	149	/* /proc/net/tcp's TMPSZ - 1 */

static int xtcp_sockets_show(struct seq_file *seq, void *v)
{
	struct xtcp_walk *w = seq->private;
	int i = seq->index - 1;	/* the header is position 0 */

	seq_setwidth(seq, XTCP_ROW_WIDTH);
	if (v == SEQ_START_TOKEN) {
		seq_puts(seq,
			 "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
	} else if (w->table == XTCP_WALK_REQ) {
		xtcp_show_req(seq, hlist_nulls_entry(v, struct xtcp_req, hash_node), i);
	} else if (w->table == XTCP_WALK_TW) {
		xtcp_show_tw(seq, hlist_nulls_entry(v, struct xtcp_tw, hash_node), i);
	} else {
		xtcp_show_sock(seq, hlist_nulls_entry(v, struct sock, sk_nulls_node), i);
	}
	seq_pad(seq, '\n');
	return 0;
}

static void *xtcp_sockets_start(struct seq_file *seq, loff_t *pos)
	__acquires(RCU)
{
	((struct xtcp_walk *)seq->private)->last = XTCP_WALK_TW;
	return xtcp_walk_start(seq, pos);
}

static const struct seq_operations xtcp_sockets_ops = {
	.start	= xtcp_sockets_start,
	.next	= xtcp_walk_next,
	.stop	= xtcp_walk_stop,
	.show	= xtcp_sockets_show,
};

static int xtcp_listeners_show(struct seq_file *seq, void *v)
{
	struct xtcp_sock *xs;
	struct sock *sk;
	u32 backlog;

	if (v == SEQ_START_TOKEN) {
		seq_puts(seq,
			 "local_address syn_q syn_max acc_q acc_max    drops overflows syn_overflows synack_rtx\n");
		return 0;
	}
	sk = hlist_nulls_entry(v, struct sock, sk_nulls_node);
	xs = xtcp_sk(sk);
	backlog = READ_ONCE(sk->sk_max_ack_backlog);
	/* the limits: see listen.c (the accept queue is full beyond backlog) */
	seq_printf(seq, "%08X:%04X %5u %7u %5u %7u %8u %9u %13u %10u\n",
		   inet_sk(sk)->inet_rcv_saddr, ntohs(inet_sk(sk)->inet_sport),
		   READ_ONCE(xs->syn_queue_len),
		   xtcp_syn_queue_limit(sk),
		   READ_ONCE(sk->sk_ack_backlog), backlog + 1,
		   READ_ONCE(xs->lstats.drops), READ_ONCE(xs->lstats.overflows),
		   READ_ONCE(xs->lstats.syn_overflows),
		   READ_ONCE(xs->lstats.synack_retrans));
	return 0;
}

static void *xtcp_listeners_start(struct seq_file *seq, loff_t *pos)
	__acquires(RCU)
{
	((struct xtcp_walk *)seq->private)->last = XTCP_WALK_LISTEN;
	return xtcp_walk_start(seq, pos);
}

static const struct seq_operations xtcp_listeners_ops = {
	.start	= xtcp_listeners_start,
	.next	= xtcp_walk_next,
	.stop	= xtcp_walk_stop,
	.show	= xtcp_listeners_show,
};

static int xtcp_snmp_show(struct seq_file *seq, void *v)
{
	struct net *net = seq->private;
	struct xtcp_mib __percpu *mib = xtcp_pernet(net)->mib;
	unsigned long sum[XTCP_MIB_MAX] = { };
	int cpu, i;

	for_each_possible_cpu(cpu)
		for (i = 0; i < XTCP_MIB_MAX; i++)
			sum[i] += READ_ONCE(per_cpu_ptr(mib, cpu)->mibs[i]);
	for (i = 0; i < XTCP_MIB_MAX; i++)
		seq_printf(seq, "%s\t%lu\n", xtcp_mib_names[i], sum[i]);
	return 0;
}

/**
 * xtcp_proc_net_init() - create /proc/net/xtcp/ in a netns
 * @net: the namespace being set up
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_proc_net_init(struct net *net)
{
	struct proc_dir_entry *dir;

	dir = proc_net_mkdir(net, "xtcp", net->proc_net);
	if (!dir)
		return -ENOMEM;
	if (!proc_create_net_single("snmp", 0444, dir, xtcp_snmp_show, NULL) ||
	    !proc_create_net("sockets", 0444, dir, &xtcp_sockets_ops,
			     sizeof(struct xtcp_walk)) ||
	    !proc_create_net("listeners", 0444, dir, &xtcp_listeners_ops,
			     sizeof(struct xtcp_walk))) {
		remove_proc_subtree("xtcp", net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

/**
 * xtcp_proc_net_exit() - remove /proc/net/xtcp/ from a netns
 * @net: the namespace going away
 */
void xtcp_proc_net_exit(struct net *net)
{
	remove_proc_subtree("xtcp", net->proc_net);
}

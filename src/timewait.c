// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - TIME_WAIT (RFC 9293 §3.6, §3.10.7.4).
 *
 * The side that closes first waits 2 MSL (net.xtcp.msl_ms) before the
 * connection's 4-tuple may be used again, so that a late segment of the old
 * connection cannot be taken for one of a new. That wait needs little: the
 * 4-tuple, two sequence numbers and a timer. xtcp_time_wait() puts them in
 * a struct xtcp_tw and frees the socket; xtcp_tw_rcv() answers what
 * arrives meanwhile, as Linux's tcp_timewait_state_process() does:
 *
 *   RST                  ignored (RFC 1337; Linux by default lets it end
 *                        TIME_WAIT, tcp_rfc1337=0)
 *   bare ACK at RCV.NXT  accepted silently, the timer restarts
 *   SYN, no ACK, above   the entry ends and the SYN goes on to a listener
 *   RCV.NXT              (RFC 9293 §3.10.7.4 note; TimeWaitReopened)
 *   anything else        answered with <SEQ=SND.NXT><ACK=RCV.NXT><ACK>;
 *                        with ACK set (a retransmitted FIN) the timer
 *                        restarts
 *
 * At most net.xtcp.max_tw_buckets entries per netns; beyond, a closing
 * connection skips TIME_WAIT (TimeWaitOverflow), as Linux's.
 *
 * Locking and lifetime: entries are hashed under xtcp_net.lock (by 4-tuple)
 * and xtcp_net.port_lock (by port, keeping the port in use), found under
 * RCU with a reference (SLAB_TYPESAFE_BY_RCU: the keys are checked again).
 * The timer is only (re)armed while the entry is hashed, checked under
 * xtcp_net.lock, so an entry taken out of the tables never fires again.
 * A netns going away (or the module) ends every entry: xtcp_tw_purge().
 */

#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/wait_bit.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "xtcp.h"
#include "seq.h"
#include "trace.h"

static struct kmem_cache *xtcp_tw_cache __read_mostly;

/**
 * xtcp_tw_cache_init() - create the slab cache of TIME_WAIT entries
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_tw_cache_init(void)
{
	xtcp_tw_cache = kmem_cache_create("xtcp_tw", sizeof(struct xtcp_tw), 0,
					  SLAB_TYPESAFE_BY_RCU, NULL);
	return xtcp_tw_cache ? 0 : -ENOMEM;
}

/**
 * xtcp_tw_cache_exit() - destroy it (every entry is gone)
 */
void xtcp_tw_cache_exit(void)
{
	kmem_cache_destroy(xtcp_tw_cache);
}

/**
 * xtcp_tw_put() - drop a reference to a TIME_WAIT entry
 * @tw: the entry; the last reference frees it
 */
void xtcp_tw_put(struct xtcp_tw *tw)
{
	struct xtcp_net *xn;

	if (!refcount_dec_and_test(&tw->refcnt))
		return;
	xn = xtcp_pernet(read_pnet(&tw->net));
	kmem_cache_free(xtcp_tw_cache, tw);
	/* the entry's last use of its netns: xtcp_tw_purge() waits for it */
	if (atomic_dec_and_test(&xn->tw_count))
		wake_up_var(&xn->tw_count);
}

/* Take @tw out of the tables (for @why) and stop its timer; once only. */
static void xtcp_tw_kill(struct xtcp_tw *tw, int why)
{
	struct net *net = read_pnet(&tw->net);

	if (!xtcp_tw_unhash(net, tw))
		return;
	trace_xtcp_tw_expire(tw, why);
	trace_xtcp_state(tw, XTCP_OBJ_TW, tw->laddr, tw->lport, tw->raddr,
			 tw->rport, TCP_TIME_WAIT, TCP_CLOSE);
	XTCP_DEC_STATS(net, XTCP_MIB_CURRTIMEWAIT);
	if (timer_delete(&tw->timer))
		xtcp_tw_put(tw);	/* the pending timer's reference */
	xtcp_tw_put(tw);		/* the tables' */
}

static void xtcp_tw_timer(struct timer_list *t)
{
	struct xtcp_tw *tw = from_timer(tw, t, timer);

	xtcp_tw_kill(tw, XTCP_TW_TIMER);
	xtcp_tw_put(tw);		/* the timer's */
}

/* (Re)start the 2 MSL timer of a hashed entry; the timer holds a reference. */
static void xtcp_tw_arm(struct xtcp_tw *tw)
{
	struct xtcp_net *xn = xtcp_pernet(read_pnet(&tw->net));
	unsigned long when = jiffies +
		msecs_to_jiffies(2 * READ_ONCE(xn->sysctl.msl_ms));

	spin_lock_bh(&xn->lock);
	if (tw->hashed) {
		refcount_inc(&tw->refcnt);
		if (mod_timer(&tw->timer, when))
			xtcp_tw_put(tw);	/* it had one already */
	}
	spin_unlock_bh(&xn->lock);
}

/**
 * xtcp_time_wait() - a connection enters TIME_WAIT
 * @sk: the socket, locked, in FIN_WAIT_2 or CLOSING, its peer's FIN
 *	acknowledged
 *
 * A TIME_WAIT entry takes the connection's place (unless max_tw_buckets
 * are in use: then it just closes, TimeWaitOverflow), then the socket
 * closes: unhashed, its port given back (the entry holds it now) and, if
 * its program closed it already, freed. Traced as the socket's move to
 * TIME_WAIT and xtcp_tw_enter; the socket's own CLOSE then is not.
 */
void xtcp_time_wait(struct sock *sk)
{
	struct net *net = sock_net(sk);
	struct xtcp_net *xn = xtcp_pernet(net);
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_tw *tw = NULL;

	xtcp_assert_locked(sk);

	if (atomic_read(&xn->tw_count) < READ_ONCE(xn->sysctl.max_tw_buckets))
		tw = kmem_cache_alloc(xtcp_tw_cache, GFP_ATOMIC);
	if (!tw) {
		XTCP_INC_STATS(net, XTCP_MIB_TIMEWAITOVERFLOW);
		goto close;
	}
	write_pnet(&tw->net, net);
	tw->laddr = inet->inet_rcv_saddr;
	tw->raddr = inet->inet_daddr;
	tw->lport = inet->inet_sport;
	tw->rport = inet->inet_dport;
	tw->snd_nxt = xs->snd_nxt;
	tw->rcv_nxt = xs->rcv_nxt;
	tw->window = xtcp_rcv_window(sk);
	tw->bound_dev_if = sk->sk_bound_dev_if;
	tw->reuse = sk->sk_reuse;
	tw->connect_port = xs->connect_port;
	tw->hashed = false;
	timer_setup(&tw->timer, xtcp_tw_timer, 0);
	smp_wmb();	/* keys before the count: see xtcp_lookup_tw() */
	refcount_set(&tw->refcnt, 1);		/* the tables' */
	atomic_inc(&xn->tw_count);
	XTCP_INC_STATS(net, XTCP_MIB_CURRTIMEWAIT);
	XTCP_INC_STATS(net, XTCP_MIB_TIMEWAITENTERED);
	trace_xtcp_tw_enter(tw, sk->sk_state,
			    2 * READ_ONCE(xn->sysctl.msl_ms));
	xtcp_state_store(sk, TCP_TIME_WAIT);
	xtcp_tw_hash(net, tw);
	xtcp_tw_arm(tw);
close:
	xtcp_done(sk, 0);
}

/*
 * <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> from a TIME_WAIT entry, in answer to
 * segment @in.
 */
static void xtcp_tw_send_ack(struct xtcp_tw *tw, struct sk_buff *in)
{
	struct xtcp_hdr h = {
		.sport = ntohs(tw->lport),
		.dport = ntohs(tw->rport),
		.seq = tw->snd_nxt,
		.ack = tw->rcv_nxt,
		.flags = XTCP_ACK,
		.window = tw->window,
	};

	xtcp_send_reply(read_pnet(&tw->net), in, tw->laddr, tw->raddr, &h,
			TCP_TIME_WAIT);
}

/**
 * xtcp_tw_rcv() - a segment for a connection in TIME_WAIT
 * @tw: its entry (referenced)
 * @skb: the segment; its control block is still IP's (a SYN that reopens
 *	the 4-tuple goes on to a listener, whose checks read it)
 * @h: its header, parsed
 *
 * RFC 9293 §3.10.7.4 in TIME-WAIT, with RFC 1337; see the table above.
 *
 * Return: true if the segment is a SYN that ended the entry and should go
 * on to a listener; false if it was dealt with here.
 */
bool xtcp_tw_rcv(struct xtcp_tw *tw, struct sk_buff *skb,
		 const struct xtcp_hdr *h)
{
	u32 len = skb->len - h->hdr_len;

	if (h->flags & XTCP_RST)
		return false;
	if (h->seq == tw->rcv_nxt && !len &&
	    !(h->flags & (XTCP_SYN | XTCP_FIN))) {
		if (h->flags & XTCP_ACK)
			xtcp_tw_arm(tw);	/* a bare ACK: fine */
		return false;
	}
	if ((h->flags & (XTCP_SYN | XTCP_ACK)) == XTCP_SYN &&
	    xtcp_seq_after(h->seq, tw->rcv_nxt)) {
		XTCP_INC_STATS(read_pnet(&tw->net), XTCP_MIB_TIMEWAITREOPENED);
		xtcp_tw_kill(tw, XTCP_TW_REOPEN);
		return true;
	}
	if (h->flags & XTCP_ACK)
		xtcp_tw_arm(tw);		/* a retransmitted FIN, ... */
	xtcp_tw_send_ack(tw, skb);
	return false;
}

/**
 * xtcp_tw_purge() - end every TIME_WAIT entry of a netns
 * @net: the namespace, going away (no segment arrives any more)
 *
 * Timers are shut down before the entries go. An entry whose timer took it
 * out of the tables just before (so the loop does not see it) may still be
 * counting it in the netns's counters on another CPU: returns only once
 * every entry is freed, so nothing touches struct xtcp_net afterwards.
 */
void xtcp_tw_purge(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	struct hlist_nulls_node *node;
	struct xtcp_tw *tw;
	unsigned int i;

	for (i = 0; i < XTCP_EHASH_SIZE; i++) {
again:
		spin_lock_bh(&xn->lock);
		hlist_nulls_for_each_entry(tw, node, &xn->twhash[i], hash_node) {
			refcount_inc(&tw->refcnt);	/* hashed: not zero */
			spin_unlock_bh(&xn->lock);
			xtcp_tw_kill(tw, XTCP_TW_PURGE);
			timer_shutdown_sync(&tw->timer);
			xtcp_tw_put(tw);
			goto again;
		}
		spin_unlock_bh(&xn->lock);
	}
	wait_var_event(&xn->tw_count, !atomic_read(&xn->tw_count));
}

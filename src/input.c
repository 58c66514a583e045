// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - segments arriving from IP (the inet_add_protocol() handler).
 *
 * RFC 9293 §3.10.7 "SEGMENT ARRIVES", one place per state:
 *   no socket        xtcp_v4_rcv() -> RST reply       §3.10.7.1 CLOSED
 *   LISTEN           xtcp_conn_request() (listen.c)    §3.10.7.2
 *   SYN_RECV entry   xtcp_req_rcv() (listen.c)         §3.10.7.4
 *                    (its final ACK's text and FIN: the new connection's,
 *                    xtcp_rcv_locked())
 *   SYN_SENT         xtcp_rcv_synsent()                §3.10.7.3
 *   SYN_RECV socket, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT,
 *   CLOSING, LAST_ACK
 *                    xtcp_rcv_synchronized()           §3.10.7.4
 *                    (the FIN bit, eighth: xtcp_fin())
 *   TIME_WAIT        xtcp_tw_rcv() (timewait.c)        §3.10.7.4
 * Lookup order: connection, TIME_WAIT entry, half-open entry, listener.
 */

#include <linux/filter.h>
#include <linux/security.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/checksum.h>
#include <net/tcp_states.h>
#include <net/xfrm.h>

#include "xtcp.h"
#include "seq.h"
#include "trace.h"

/* xtcp_reset_recv: the RST @skb ends what is in @state. */
static void xtcp_trace_rst(const struct sk_buff *skb, int state)
{
	trace_xtcp_reset_recv(ip_hdr(skb)->saddr, ip_hdr(skb)->daddr,
			      &XTCP_SKB_CB(skb)->h, state);
}

/*
 * Our SYN is acknowledged by segment @h: ESTABLISHED, data can flow, the
 * owner is woken. @send_ack when @h carried the peer's SYN, which we
 * acknowledge.
 */
static void xtcp_establish(struct sock *sk, const struct xtcp_hdr *h,
			   bool send_ack)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->snd_una = h->ack;
	xtcp_rtx_timer_stop(sk);
	xtcp_stream_init(sk, h->window);
	xtcp_set_state(sk, TCP_ESTABLISHED);
	if (send_ack)
		xtcp_send_sk(sk, XTCP_ACK, xs->snd_nxt, false);
	sk->sk_state_change(sk);
}

/*
 * SYN_SENT (§3.10.7.3). An ACK must acknowledge our SYN exactly (else RST
 * <SEQ=SEG.ACK>, unless the segment is a RST); a RST with that ACK refuses
 * the connection; a SYN with it establishes it (we ACK); a SYN alone is a
 * simultaneous open (SYN_RECV, we send SYN-ACK).
 */
static void xtcp_rcv_synsent(struct sock *sk, struct sk_buff *skb)
{
	const struct xtcp_hdr *h = &XTCP_SKB_CB(skb)->h;
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (h->flags & XTCP_ACK) {
		if (h->ack != xs->snd_nxt) {
			if (!(h->flags & XTCP_RST))
				xtcp_send_rst_reply(sock_net(sk), skb,
						    TCP_SYN_SENT);
			return;
		}
		if (h->flags & XTCP_RST) {
			xtcp_trace_rst(skb, sk->sk_state);
			xtcp_done(sk, ECONNREFUSED);
			return;
		}
	} else if (h->flags & XTCP_RST) {
		return;
	}
	if (!(h->flags & XTCP_SYN))
		return;

	xs->irs = h->seq;
	xs->rcv_nxt = h->seq + 1;
	xs->mss = xtcp_snd_mss(h->mss, xs->advmss,
			       READ_ONCE(xtcp_pernet(sock_net(sk))->sysctl.min_snd_mss));
	/* RFC 7323 §2.2: scaling only if both SYNs offer it */
	if (xs->ws_sent && h->has_ws) {
		xs->snd_wscale = h->ws;
	} else {
		xs->ws_sent = false;
		xs->snd_wscale = 0;
		xs->rcv_wscale = 0;
	}
	if (h->flags & XTCP_ACK) {
		/* the LSM labels the connection from the SYN-ACK, as TCP's */
		security_inet_conn_established(sk, skb);
		xtcp_establish(sk, h, true);
		return;
	}
	xtcp_set_state(sk, TCP_SYN_RECV);
	xtcp_send_sk(sk, XTCP_SYN | XTCP_ACK, xs->iss, true);
}

/* Free the write queue's segments that @ack covers; any sent again? */
static bool xtcp_clean_rtx_queue(struct sock *sk, u32 ack)
{
	bool retransmitted = false;
	struct sk_buff *skb;

	while ((skb = skb_peek(&sk->sk_write_queue)) &&
	       !xtcp_seq_after(XTCP_SKB_CB(skb)->end_seq, ack)) {
		retransmitted |= XTCP_SKB_CB(skb)->retransmitted;
		__skb_unlink(skb, &sk->sk_write_queue);
		xtcp_wmem_free_skb(sk, skb);
	}
	return retransmitted;
}

/*
 * The ACK field of an acceptable segment in ESTABLISHED (RFC 9293
 * §3.10.7.4, fifth; xtcp_ack_kind()): new data acknowledged (RTT sample,
 * congestion window, retransmission timer), or a duplicate ACK at SND.UNA
 * (fast retransmit, RFC 5681 §3.2); then the send window (SND.WL1/WL2
 * rule). An older ACK is ignored, window included, and the segment's text
 * processed. False if the segment is dropped: its ACK acknowledges what
 * was never sent (answered with an ACK), or is older than SND.UNA -
 * MAX.SND.WND (answered with a challenge ACK, RFC 5961 §5.2).
 */
static bool xtcp_ack(struct sock *sk, const struct xtcp_hdr *h, u32 len)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 wnd = (u32)h->window << xs->snd_wscale;	/* RFC 7323 §2.3 */
	struct net *net = sock_net(sk);
	enum xtcp_ack_kind kind;
	unsigned int todo = 0;
	u32 ack = h->ack;

	kind = xtcp_ack_kind(ack, xs->snd_una, xs->snd_max, xs->max_window,
			     xs->bytes_acked);
	switch (kind) {
	case XTCP_ACK_UNSENT:
		xtcp_send_ack(sk);
		return false;
	case XTCP_ACK_TOO_OLD:
		xtcp_send_challenge_ack(sk);
		return false;
	case XTCP_ACK_OLD:
		return true;	/* a duplicate: nothing, not even the window */
	default:
		break;
	}
	xs->probes_out = 0;	/* the peer is alive */
	if (kind == XTCP_ACK_NEW) {
		u32 acked = ack - xs->snd_una;
		bool rexmit = xtcp_clean_rtx_queue(sk, ack);

		xs->snd_una = ack;
		xs->bytes_acked += acked;
		if (xtcp_seq_before(xs->snd_nxt, ack))
			xs->snd_nxt = ack;
		if (xs->rtt_timing && !xtcp_seq_before(ack, xs->rtt_seq)) {
			xtcp_rto_ack(&xs->rto, (u32)ktime_to_us(ktime_get()) -
				     xs->rtt_stamp, rexmit);
			xs->rtt_timing = false;
		}
		xs->retransmits = 0;
		todo = xtcp_cc_on_ack(&xs->cc, ack, acked);
		if (xs->snd_una == xs->snd_max)
			xtcp_rtx_timer_stop(sk);
		else if (todo & XTCP_CC_RESTART_TIMER)	/* RFC 6582 §4 */
			xtcp_rtx_timer_arm(sk);
		sk->sk_write_space(sk);
	} else if (!len && wnd == xs->snd_wnd && xs->snd_max != xs->snd_una) {
		todo = xtcp_cc_on_dupack(&xs->cc, ack, xs->snd_max,
					 xs->snd_max - xs->snd_una);
		if (todo & XTCP_CC_RETRANSMIT)
			XTCP_INC_STATS(net, XTCP_MIB_FASTRETRANS);
	}
	if (todo & XTCP_CC_RETRANSMIT) {
		struct sk_buff *head = skb_peek(&sk->sk_write_queue);

		if (head && xtcp_seq_before(XTCP_SKB_CB(head)->seq, xs->snd_nxt))
			xtcp_trace_rtx(sk, XTCP_RTX_FAST, XTCP_SKB_CB(head)->seq,
				       0, 0);
		xtcp_retransmit_head(sk);
	}
	/* the window, from SND.UNA =< SEG.ACK =< SND.NXT only (old: above) */
	if (xtcp_seq_before(xs->snd_wl1, h->seq) ||
	    (xs->snd_wl1 == h->seq && !xtcp_seq_before(ack, xs->snd_wl2))) {
		xs->snd_wnd = wnd;
		xs->snd_wl1 = h->seq;
		xs->snd_wl2 = ack;
		xs->max_window = max(xs->max_window, wnd);
		if (wnd)
			xs->probe_backoff = 0;	/* the window opened */
	}
	return true;
}

/*
 * The out-of-order queue (RFC 9293 §3.10.7.4, seventh: data beyond RCV.NXT
 * may be held for later delivery), as Linux's since its rbtree
 * (tcp_data_queue_ofo()): an rbtree of segments keyed by sequence number,
 * which never overlap, so that a segment finds its place in O(log n) and a
 * peer cannot make each arrival walk all of the queue (SegmentSmack,
 * CVE-2018-5390); the highest segment is remembered (ooo_last), so data
 * arriving in order beyond a hole needs no lookup at all. A segment is
 * trimmed to what is new, takes the place of those it covers whole, and
 * merges with its neighbours where the skb helpers can join their data
 * (tiny segments thus share buffers). All of it is charged to the receive
 * buffer; when that is full, the highest segments give way.
 */

/* Memory for @skb in the receive buffer (the out-of-order queue counts). */
static bool xtcp_rmem_ok(struct sock *sk, struct sk_buff *skb)
{
	return atomic_read(&sk->sk_rmem_alloc) <= READ_ONCE(sk->sk_rcvbuf) &&
	       sk_rmem_schedule(sk, skb, skb->truesize);
}

/*
 * Make room for @skb, not queued yet: drop out-of-order segments, the
 * highest first (they are the furthest from being read), but none that
 * starts below @skb, which would only trade data nearer RCV.NXT for data
 * further away; as Linux's tcp_prune_ofo_queue(). Each counts in
 * PruneDrops. True if @skb fits now.
 */
static bool xtcp_prune_ooo(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *last;

	while ((last = xs->ooo_last) &&
	       !xtcp_seq_before(XTCP_SKB_CB(last)->seq, XTCP_SKB_CB(skb)->seq)) {
		xs->ooo_last = skb_rb_prev(last);
		rb_erase(&last->rbnode, &xs->ooo_queue);
		__kfree_skb(last);
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_PRUNEDROPS);
		if (xtcp_rmem_ok(sk, skb))
			return true;
	}
	return false;
}

/*
 * Join the data of @from, which starts where @to ends, onto @to, as
 * Linux's tcp_try_coalesce(): copied into @to's tailroom, or its pages
 * (and head) moved over, whatever skb_try_coalesce() can; the memory that
 * moves is charged to the socket with @to. Not with a FIN on either (a
 * FIN stays at the end of its own segment). True if joined: the caller
 * unlinks @from and frees it with kfree_skb_partial(@from, *@stolen).
 */
static bool xtcp_coalesce(struct sock *sk, struct sk_buff *to,
			  struct sk_buff *from, bool *stolen)
{
	int delta;

	if (XTCP_SKB_CB(to)->end_seq != XTCP_SKB_CB(from)->seq ||
	    ((XTCP_SKB_CB(to)->h.flags | XTCP_SKB_CB(from)->h.flags) &
	     XTCP_FIN) ||
	    !skb_try_coalesce(to, from, stolen, &delta))
		return false;
	XTCP_SKB_CB(to)->end_seq = XTCP_SKB_CB(from)->end_seq;
	atomic_add(delta, &sk->sk_rmem_alloc);
	sk_mem_charge(sk, delta);
	return true;
}

/*
 * Append @skb, data only, not on any queue, to @to if xtcp_coalesce()
 * can. True if merged (and @skb gone); else the caller queues it.
 */
static bool xtcp_try_merge(struct sock *sk, struct sk_buff *to,
			   struct sk_buff *skb)
{
	bool stolen;

	if (!to || !xtcp_coalesce(sk, to, skb, &stolen))
		return false;
	kfree_skb_partial(skb, stolen);
	return true;
}

/* @skb, data only, starting at RCV.NXT: onto the receive queue. */
static void xtcp_queue_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	WRITE_ONCE(xs->rcv_nxt, XTCP_SKB_CB(skb)->end_seq);	/* poll() */
	if (xtcp_try_merge(sk, skb_peek_tail(&sk->sk_receive_queue), skb))
		return;
	if (!skb->destructor)
		skb_set_owner_r(skb, sk);
	__skb_queue_tail(&sk->sk_receive_queue, skb);
}

/*
 * Out-of-order segments that RCV.NXT has reached, lowest first: to the
 * receive queue, trimmed of what arrived meanwhile. True if any moved (a
 * hole filled); *@fin if the last one carried the peer's FIN.
 */
static bool xtcp_ooo_drain(struct sock *sk, bool *fin)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb, *next;
	struct xtcp_skb_cb *cb;
	bool moved = false;

	for (skb = skb_rb_first(&xs->ooo_queue); skb; skb = next) {
		cb = XTCP_SKB_CB(skb);
		if (xtcp_seq_after(cb->seq, xs->rcv_nxt))
			break;
		next = skb_rb_next(skb);
		rb_erase(&skb->rbnode, &xs->ooo_queue);
		moved = true;
		if (!xtcp_seq_after(cb->end_seq, xs->rcv_nxt) ||
		    !pskb_pull(skb, xs->rcv_nxt - cb->seq)) {
			__kfree_skb(skb);
			continue;
		}
		cb->seq = xs->rcv_nxt;
		*fin = cb->h.flags & XTCP_FIN;
		xtcp_queue_rcv(sk, skb);
	}
	if (!skb)
		xs->ooo_last = NULL;	/* all of it moved */
	return moved;
}

/*
 * @skb, data only, beyond RCV.NXT: onto the out-of-order queue. Its place:
 * after ooo_last at once when it starts there or beyond (data in order
 * after a hole), else by a lookup in the tree, which finds the segments
 * before (@prev) and after (@next) it. What @prev holds already is trimmed
 * off @skb's front; segments @skb covers whole are dropped after it is
 * linked (the link found stays valid while the tree is unchanged); where
 * it ends inside a following segment, its tail is trimmed. Then it merges
 * into @prev and takes the following segment in, when they join. False if
 * @skb brought nothing new (a duplicate); the caller frees it.
 */
static bool xtcp_ooo_insert(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct rb_node **link = &xs->ooo_queue.rb_node, *parent = NULL;
	struct sk_buff *prev = NULL, *next = NULL, *pos, *node;
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb), *pcb;
	bool stolen;

	if (xs->ooo_last &&
	    !xtcp_seq_before(cb->seq, XTCP_SKB_CB(xs->ooo_last)->seq)) {
		prev = xs->ooo_last;		/* the highest: no right child */
		parent = &prev->rbnode;
		link = &parent->rb_right;
	} else {
		while (*link) {
			parent = *link;
			pos = rb_to_skb(parent);
			if (xtcp_seq_before(cb->seq, XTCP_SKB_CB(pos)->seq)) {
				next = pos;
				link = &parent->rb_left;
			} else {
				prev = pos;
				link = &parent->rb_right;
			}
		}
	}
	if (prev) {
		pcb = XTCP_SKB_CB(prev);
		if (!xtcp_seq_after(cb->end_seq, pcb->end_seq))
			return false;
		if (xtcp_seq_after(pcb->end_seq, cb->seq)) {
			if (!pskb_pull(skb, pcb->end_seq - cb->seq))
				return false;
			cb->seq = pcb->end_seq;
		}
	}
	for (pos = next; pos && xtcp_seq_after(cb->end_seq, XTCP_SKB_CB(pos)->seq);
	     pos = skb_rb_next(pos)) {
		pcb = XTCP_SKB_CB(pos);
		if (!xtcp_seq_before(cb->end_seq, pcb->end_seq))
			continue;		/* covered whole: dropped below */
		if (!xtcp_seq_after(pcb->seq, cb->seq))
			return false;		/* inside @pos: nothing new */
		if (pskb_trim(skb, pcb->seq - cb->seq))
			return false;
		cb->end_seq = pcb->seq;
		cb->h.flags &= ~XTCP_FIN;	/* cut off with the tail */
		break;
	}
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OUTOFORDERQUEUED);
	if (xtcp_try_merge(sk, prev, skb)) {
		node = prev;
	} else {
		skb_set_owner_r(skb, sk);
		rb_link_node(&skb->rbnode, parent, link);
		rb_insert_color(&skb->rbnode, &xs->ooo_queue);
		node = skb;
	}
	pcb = XTCP_SKB_CB(node);
	while ((pos = skb_rb_next(node)) &&
	       !xtcp_seq_after(XTCP_SKB_CB(pos)->end_seq, pcb->end_seq)) {
		/* a FIN right after the data it replaces is kept */
		if (XTCP_SKB_CB(pos)->end_seq == pcb->end_seq)
			pcb->h.flags |= XTCP_SKB_CB(pos)->h.flags & XTCP_FIN;
		rb_erase(&pos->rbnode, &xs->ooo_queue);
		__kfree_skb(pos);
	}
	if (pos && xtcp_coalesce(sk, node, pos, &stolen)) {
		rb_erase(&pos->rbnode, &xs->ooo_queue);
		kfree_skb_partial(pos, stolen);
		pos = skb_rb_next(node);
	}
	if (!pos)
		xs->ooo_last = node;
	return true;
}

/*
 * A segment that costs far more memory than its data (a small piece of a
 * large buffer, such as the tail of a segment cut to fit a window): its
 * data in a buffer of its own, as Linux's tcp_collapse() does, or NULL
 * (keep it as it is). Otherwise a few such segments fill the receive
 * buffer and shrink the window to silly sizes.
 */
static struct sk_buff *xtcp_compact(struct sk_buff *skb)
{
	struct sk_buff *n;

	if (skb->truesize <= 2 * skb->len + 4096)
		return NULL;
	n = alloc_skb(skb->len, GFP_ATOMIC);
	if (!n)
		return NULL;
	skb_copy_bits(skb, 0, skb_put(n, skb->len), skb->len);
	memcpy(n->cb, skb->cb, sizeof(skb->cb));
	return n;
}

/*
 * The peer's FIN, in order (RFC 9293 §3.10.7.4, eighth): it takes one
 * sequence number, recv() returns 0 once the data is read, and the state
 * moves on. The ACK waits like any (delayed ACK), so a program that
 * closes at once sends its FIN with it (three segments instead of four),
 * except in FIN_WAIT_1 and FIN_WAIT_2, where it goes at once, as Linux's.
 */
static void xtcp_fin(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	WRITE_ONCE(xs->rcv_nxt, xs->rcv_nxt + 1);
	xs->ack_pending = true;
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	sock_set_flag(sk, SOCK_DONE);
	switch (sk->sk_state) {
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
		xtcp_set_state(sk, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT1:		/* simultaneous close */
		xtcp_send_ack(sk);
		xtcp_set_state(sk, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT2:
		xtcp_send_ack(sk);
		xtcp_time_wait(sk);	/* wakes the owner, if any */
		return;
	}
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
}

/*
 * Data and FIN (RFC 9293 §3.10.7.4, seventh and eighth). What was received
 * before is trimmed off; what lies beyond the window we advertised is
 * dropped (first check) or trimmed off; data at RCV.NXT goes to the
 * receive queue, with any out-of-order segments it reaches; data beyond it
 * to the out-of-order queue (a FIN there too, on its segment's data). A
 * segment that does not fit the receive buffer is dropped (PruneDrops)
 * after the out-of-order queue has given way. Duplicates, out-of-order
 * segments and hole fillers are acknowledged at once, the rest per the
 * delayed-ACK rule. After the peer's FIN (CLOSE_WAIT, CLOSING, LAST_ACK)
 * text is ignored and only acknowledged; new data for a program that
 * closed its receiving side (FIN_WAIT_*) is answered with RST, as Linux's
 * (AbortOnData). True if @skb was queued (not to be freed).
 */
static bool xtcp_data(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 edge = xs->rcv_wup + xs->rcv_wnd;
	bool queued = false, now = true, fin = false, copied = false;
	struct sk_buff *compact;

	xs->ack_pending = true;
	cb->seq = cb->h.seq;
	cb->end_seq = cb->h.seq + cb->len;
	if ((1 << sk->sk_state) & (TCPF_CLOSE_WAIT | TCPF_CLOSING | TCPF_LAST_ACK))
		goto out;	/* the peer's FIN came before: nothing new */
	if (!cb->len) {		/* a FIN alone */
		if (cb->seq == xs->rcv_nxt && RB_EMPTY_ROOT(&xs->ooo_queue)) {
			xtcp_fin(sk);
			now = false;
		}
		goto out;	/* else old, or early: dropped (resent) */
	}
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_DATASEGSIN);
	xs->rcv_mss = max(xs->rcv_mss, cb->len);
	if (!xtcp_seq_after(cb->end_seq, xs->rcv_nxt) ||
	    !xtcp_seq_before(cb->seq, edge)) {
		/* old, or beyond the window; a FIN right at RCV.NXT counts */
		if ((cb->h.flags & XTCP_FIN) && cb->end_seq == xs->rcv_nxt &&
		    RB_EMPTY_ROOT(&xs->ooo_queue)) {
			xtcp_fin(sk);
			now = false;
		}
		goto out;
	}
	if ((1 << sk->sk_state) & (TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2) &&
	    sk->sk_shutdown & RCV_SHUTDOWN) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ABORTONDATA);
		xtcp_send_active_rst(sk);
		xtcp_done(sk, ECONNRESET);
		return false;
	}

	__skb_pull(skb, cb->h.hdr_len);	/* linear: xtcp_parse() */
	skb_dst_drop(skb);
	if (xtcp_seq_after(cb->end_seq, edge)) {
		if (pskb_trim(skb, edge - cb->seq))
			goto out;
		cb->end_seq = edge;
		cb->h.flags &= ~XTCP_FIN;	/* beyond the window too */
	}
	compact = xtcp_compact(skb);
	if (compact) {
		consume_skb(skb);	/* the caller's: see "copied" below */
		skb = compact;
		cb = XTCP_SKB_CB(skb);
		copied = true;
	}
	if (xtcp_seq_after(cb->seq, xs->rcv_nxt)) {
		if (!xtcp_rmem_ok(sk, skb) && !xtcp_prune_ooo(sk, skb)) {
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_PRUNEDROPS);
			goto out;
		}
		queued = xtcp_ooo_insert(sk, skb);
		goto out;
	}
	if (xtcp_seq_before(cb->seq, xs->rcv_nxt)) {
		if (!pskb_pull(skb, xs->rcv_nxt - cb->seq))
			goto out;
		cb->seq = xs->rcv_nxt;
	}
	if (!xtcp_rmem_ok(sk, skb) && !xtcp_prune_ooo(sk, skb)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_PRUNEDROPS);
		goto out;
	}
	fin = cb->h.flags & XTCP_FIN;
	xtcp_queue_rcv(sk, skb);
	queued = true;
	now = xtcp_ooo_drain(sk, &fin) || !RB_EMPTY_ROOT(&xs->ooo_queue);
	sk->sk_data_ready(sk);
	if (fin)
		xtcp_fin(sk);
out:
	xtcp_write_xmit(sk, false);	/* data of ours carries the ACK */
	xtcp_ack_snd_check(sk, now);
	if (copied && !queued) {
		kfree_skb(skb);		/* the copy; the original is gone */
		queued = true;
	}
	return queued;
}

/*
 * Our FIN is acknowledged (fifth, per state): FIN_WAIT_1 -> FIN_WAIT_2
 * (an orphan there waits fin_timeout at most); CLOSING -> TIME_WAIT;
 * LAST_ACK -> CLOSED. False if the connection is over.
 */
static bool xtcp_fin_acked(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->fin_queued || xs->snd_una != xs->write_seq)
		return true;
	switch (sk->sk_state) {
	case TCP_FIN_WAIT1:
		xtcp_set_state(sk, TCP_FIN_WAIT2);
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | SEND_SHUTDOWN);
		if (sock_flag(sk, SOCK_DEAD))
			xtcp_fin_wait2_timer_arm(sk);
		else
			sk->sk_state_change(sk);
		return true;
	case TCP_CLOSING:
		xtcp_time_wait(sk);
		return false;
	case TCP_LAST_ACK:
		xtcp_done(sk, 0);
		return false;
	}
	return true;
}

/*
 * The synchronized states, a socket's (§3.10.7.4): SYN_RECV after a
 * simultaneous open, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT,
 * CLOSING, LAST_ACK. True if @skb was queued (not to be freed).
 */
static bool xtcp_rcv_synchronized(struct sock *sk, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct xtcp_hdr *h = &cb->h;
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 end = h->seq + cb->len + !!(h->flags & XTCP_FIN);

	/* the peer's SYN-ACK that completes a simultaneous open */
	if (sk->sk_state == TCP_SYN_RECV && (h->flags & XTCP_SYN) &&
	    (h->flags & XTCP_ACK) && h->seq + 1 == xs->rcv_nxt &&
	    h->ack == xs->snd_nxt) {
		xtcp_establish(sk, h, true);
		return false;
	}
	/*
	 * first, check the sequence number (§3.10.7.4): acceptable if it
	 * overlaps the window we advertised last, as Linux's tcp_sequence()
	 * (an ACK may carry an older sequence number); else answered with an
	 * ACK (a RST is dropped).
	 */
	if (xtcp_seq_before(end, xs->rcv_wup) ||
	    xtcp_seq_after(h->seq, xs->rcv_nxt + xs->rcv_wnd)) {
		if (!(h->flags & XTCP_RST))
			xtcp_send_ack(sk);
		return false;
	}
	/*
	 * second, the RST bit: exactly at RCV.NXT it ends the connection
	 * (ECONNRESET; EPIPE in CLOSE_WAIT, as Linux's); elsewhere in the
	 * window it gets a challenge ACK (RFC 5961 §3.2)
	 */
	if (h->flags & XTCP_RST) {
		if (h->seq != xs->rcv_nxt) {
			xtcp_send_challenge_ack(sk);
			return false;
		}
		xtcp_trace_rst(skb, sk->sk_state);
		switch (sk->sk_state) {
		case TCP_SYN_RECV:
			xtcp_done(sk, ECONNREFUSED);
			break;
		case TCP_CLOSE_WAIT:
			xtcp_done(sk, EPIPE);
			break;
		case TCP_CLOSING:
		case TCP_LAST_ACK:
			xtcp_done(sk, 0);
			break;
		default:
			xtcp_done(sk, ECONNRESET);
		}
		return false;
	}
	/* fourth, a SYN in the window: a challenge ACK (RFC 5961 §4.2) */
	if (h->flags & XTCP_SYN) {
		xtcp_send_challenge_ack(sk);
		return false;
	}
	/* fifth, the ACK field */
	if (!(h->flags & XTCP_ACK))
		return false;
	if (sk->sk_state == TCP_SYN_RECV) {
		if (h->ack != xs->snd_nxt) {
			xtcp_send_rst_reply(sock_net(sk), skb, TCP_SYN_RECV);
			return false;
		}
		xtcp_establish(sk, h, false);
	}
	if (!xtcp_ack(sk, h, cb->len))
		return false;
	if (!xtcp_fin_acked(sk))
		return false;
	/* seventh and eighth, the segment text and the FIN bit */
	if (cb->len || (h->flags & XTCP_FIN))
		return xtcp_data(sk, skb);
	xtcp_write_xmit(sk, false);	/* the windows may have opened */
	return false;
}

/* A segment for socket @sk, which is locked and not owned by a process. */
static int xtcp_rcv_state_process(struct sock *sk, struct sk_buff *skb)
{
	switch (sk->sk_state) {
	case TCP_SYN_SENT:
		xtcp_rcv_synsent(sk, skb);
		break;
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
	case TCP_CLOSE_WAIT:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		if (xtcp_rcv_synchronized(sk, skb))
			return 0;	/* queued for recv() */
		break;
	case TCP_CLOSE:
		xtcp_send_rst_reply(sock_net(sk), skb, TCP_CLOSE);
		break;
	}
	kfree_skb(skb);
	return 0;
}

/**
 * xtcp_backlog_rcv() - a segment that waited while a process owned @sk
 * @sk: the socket, now locked by release_sock()
 * @skb: the segment, parsed
 *
 * struct proto .backlog_rcv. Return: 0.
 */
int xtcp_backlog_rcv(struct sock *sk, struct sk_buff *skb)
{
	xtcp_assert_locked(sk);

	return xtcp_rcv_state_process(sk, skb);
}

/*
 * Check the header and parse it into @h; false if malformed. Not into
 * XTCP_SKB_CB() yet: skb->cb is still IP's control block, which the IPsec
 * policy check reads (xtcp_sk_accepts()).
 */
static bool xtcp_parse(struct net *net, struct sk_buff *skb,
		       struct xtcp_hdr *h)
{
	const struct tcphdr *th;

	if (!pskb_may_pull(skb, sizeof(struct tcphdr)))
		goto bad;
	th = (const struct tcphdr *)skb->data;
	if (th->doff < sizeof(struct tcphdr) / 4 ||
	    !pskb_may_pull(skb, th->doff * 4))
		goto bad;
	if (skb_checksum_init(skb, xtcp_proto, inet_compute_pseudo) ||
	    skb_checksum_complete(skb)) {
		XTCP_INC_STATS(net, XTCP_MIB_INCSUMERRORS);
		goto bad;
	}
	/* the header is linear now: pskb_may_pull() above */
	if (xtcp_parse_hdr(skb->data, th->doff * 4, h) != XTCP_PARSE_OK)
		goto bad;
	return true;
bad:
	XTCP_INC_STATS(net, XTCP_MIB_INERRS);
	return false;
}

/*
 * The parsed header @h into XTCP_SKB_CB(@skb), with the length of the data
 * that follows it (what a socket filter left). IP's control block is gone
 * from here on.
 */
static void xtcp_fill_cb(struct sk_buff *skb, const struct xtcp_hdr *h)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	cb->h = *h;
	cb->len = skb->len - h->hdr_len;
}

/*
 * What a segment passes before it reaches socket @sk (a connection, or the
 * listener of a SYN or of a half-open entry's final ACK), in
 * tcp_v4_rcv()'s order:
 *   - the inbound IPsec policy, the socket's own (IP_XFRM_POLICY) or the
 *     namespace's: xfrm4_policy_check(), which reads IP's control block
 *     (xtcp's protocol is registered with no_policy, so IP leaves this to
 *     us, as it does for TCP and UDP);
 *   - netfilter's conntrack reference dropped (nf_reset_ct()): the segment
 *     may wait on a queue for long;
 *   - the socket's filter, sk_filter_trim_cap(): an SO_ATTACH_FILTER
 *     program, cgroup ingress BPF and the LSM's socket_sock_rcv_skb hook,
 *     any of which may drop the segment; a program may also trim it, but
 *     never below its header (tcp_filter()'s rule).
 * Then the header goes into XTCP_SKB_CB(), with the length the filter left.
 * False if the segment is to be dropped (counted in the socket's drops).
 */
static bool xtcp_sk_accepts(struct sock *sk, struct sk_buff *skb,
			    const struct xtcp_hdr *h)
{
	if (!xfrm4_policy_check(sk, XFRM_POLICY_IN, skb))
		goto drop;
	nf_reset_ct(skb);
	if (sk_filter_trim_cap(sk, skb, h->hdr_len))
		goto drop;
	xtcp_fill_cb(skb, h);
	return true;
drop:
	sk_drops_add(sk, skb);
	return false;
}

/**
 * xtcp_rcv_locked() - hand a segment to a connection the caller has locked
 * @sk: the connection, locked with bh_lock_sock() (softirq)
 * @skb: the segment, parsed; consumed
 *
 * Processed now, or, if a process owns the socket, queued on its backlog
 * for release_sock() (dropped if the backlog is full). Also for the
 * segment that completed a passive open, on the connection it made
 * (xtcp_req_rcv()).
 */
void xtcp_rcv_locked(struct sock *sk, struct sk_buff *skb)
{
	xtcp_assert_locked(sk);

	if (!sock_owned_by_user(sk)) {
		xtcp_rcv_state_process(sk, skb);
	} else if (sk_add_backlog(sk, skb, READ_ONCE(sk->sk_rcvbuf) +
				  READ_ONCE(sk->sk_sndbuf))) {
		kfree_skb(skb);
	}
}

/* Hand @skb to connection @sk (referenced): now, or on its backlog. */
static void xtcp_rcv_established(struct sock *sk, struct sk_buff *skb)
{
	bh_lock_sock_nested(sk);
	xtcp_rcv_locked(sk, skb);
	bh_unlock_sock(sk);
}

/**
 * xtcp_v4_rcv() - receive one IPv4 segment of xtcp's protocol
 * @skb: the packet; skb->data is at the xtcp (TCP-format) header
 *
 * Counts it (InSegs), rejects a malformed header or options (InErrs) and a
 * bad checksum over the pseudo-header with xtcp's protocol number
 * (InCsumErrors and InErrs, as Linux TCP counts them), then finds what it
 * belongs to: a connection, a TIME_WAIT entry, a half-open entry, a
 * listener, or nothing (answered with RST). What goes to a socket passes
 * that socket's checks first (xtcp_sk_accepts()); what goes to a TIME_WAIT
 * entry or to nothing, the namespace's IPsec policy, as tcp_v4_rcv().
 *
 * Return: 0 (the packet is always consumed).
 */
int xtcp_v4_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	__be16 sport, dport;
	__be32 saddr, daddr;
	struct xtcp_req *req;
	struct xtcp_hdr h;
	struct xtcp_tw *tw;
	struct sock *sk;

	if (skb->pkt_type != PACKET_HOST)
		goto discard;
	XTCP_INC_STATS(net, XTCP_MIB_INSEGS);
	if (!xtcp_parse(net, skb, &h))
		goto discard;
	/* a filter may move the headers: the keys are kept apart */
	saddr = ip_hdr(skb)->saddr;
	daddr = ip_hdr(skb)->daddr;
	sport = htons(h.sport);
	dport = htons(h.dport);
	trace_xtcp_seg_recv(saddr, daddr, &h, skb->len - h.hdr_len);

	sk = xtcp_lookup_established(net, saddr, sport, daddr, dport);
	if (sk) {
		if (xtcp_sk_accepts(sk, skb, &h))
			xtcp_rcv_established(sk, skb);
		else
			kfree_skb(skb);
		sock_put(sk);
		return 0;
	}
	tw = xtcp_lookup_tw(net, saddr, sport, daddr, dport);
	if (tw) {
		bool reopen = xfrm4_policy_check(NULL, XFRM_POLICY_IN, skb) &&
			      xtcp_tw_rcv(tw, skb, &h);

		xtcp_tw_put(tw);
		if (!reopen)
			goto discard;
	}
	req = xtcp_lookup_req(net, saddr, sport, daddr, dport);
	if (req) {
		bool consumed = xtcp_sk_accepts(req->listener, skb, &h) &&
				xtcp_req_rcv(req, skb);

		xtcp_req_put(req);
		if (consumed)
			return 0;
		goto discard;
	}
	sk = xtcp_lookup_listener(net, daddr, dport, inet_iif(skb));
	if (sk) {
		if (xtcp_sk_accepts(sk, skb, &h))
			xtcp_conn_request(sk, skb);
		sock_put(sk);
		goto discard;
	}
	if (!xfrm4_policy_check(NULL, XFRM_POLICY_IN, skb))
		goto discard;
	xtcp_fill_cb(skb, &h);
	xtcp_send_rst_reply(net, skb, TCP_CLOSE);
discard:
	kfree_skb(skb);
	return 0;
}

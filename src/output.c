// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - building and sending segments, and initial sequence numbers.
 *
 * Every segment is built by xtcp_build_hdr() (wire.c) and checksummed in
 * software over the pseudo-header with xtcp's protocol number, so no
 * offload ever sees it. Each is traced (xtcp_seg_send, and xtcp_reset_send
 * for a RST) before it goes, so a reply on loopback never shows first.
 * Three ways out:
 *   a socket's own segments   ip_queue_xmit() (routes and caches the route)
 *   a half-open entry's       ip_build_and_send_pkt() from the listener
 *   replies with no socket    ip_build_and_send_pkt() from the netns's
 *                             control socket
 */

#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/security.h>
#include <linux/siphash.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/sock.h>

#include "xtcp.h"
#include "seq.h"
#include "trace.h"

static siphash_key_t xtcp_isn_key __read_mostly;

/**
 * xtcp_isn_init() - choose the secret for initial sequence numbers
 *
 * Called once at module load.
 */
void xtcp_isn_init(void)
{
	get_random_bytes(&xtcp_isn_key, sizeof(xtcp_isn_key));
}

/**
 * xtcp_new_isn() - an initial sequence number for a connection
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 *
 * RFC 6528 and RFC 9293 §3.4.1: ISN = M + F(4-tuple, secret), with F a keyed
 * hash (SipHash, secret chosen at load) and M a clock (64 ns ticks, as
 * Linux TCP). Unpredictable from outside, different for every 4-tuple, and
 * increasing over time for the same 4-tuple.
 *
 * Return: the ISN.
 */
u32 xtcp_new_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	u32 hash = siphash_3u32((__force u32)saddr, (__force u32)daddr,
				(u32)ntohs(sport) << 16 | ntohs(dport),
				&xtcp_isn_key);

	return hash + (u32)(ktime_get_real_ns() >> 6);
}

/* A segment with header @h from @saddr to @daddr, checksum filled in. */
static struct sk_buff *xtcp_make_seg(const struct xtcp_hdr *h, __be32 saddr,
				     __be32 daddr)
{
	/* room for the link-layer and the IP header (options included) */
	const unsigned int room = MAX_HEADER + 60;
	u8 hdr[XTCP_HDR_MAX];
	struct sk_buff *skb;
	unsigned int len;

	len = xtcp_build_hdr(hdr, h);
	skb = alloc_skb(room + len, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, room + len);
	skb_push(skb, len);
	memcpy(skb->data, hdr, len);
	skb_reset_transport_header(skb);
	tcp_hdr(skb)->check = csum_tcpudp_magic(saddr, daddr, len, xtcp_proto,
						csum_partial(skb->data, len, 0));
	skb->ip_summed = CHECKSUM_NONE;
	return skb;
}

/*
 * Count a segment without data about to go from @saddr to @daddr, and
 * trace it; @state: of what sends it, for a RST's event.
 */
static void xtcp_count_out(struct net *net, __be32 saddr, __be32 daddr,
			   const struct xtcp_hdr *h, int state)
{
	trace_xtcp_seg_send(saddr, daddr, h, 0);
	XTCP_INC_STATS(net, XTCP_MIB_OUTSEGS);
	if (h->flags & XTCP_RST) {
		trace_xtcp_reset_send(saddr, daddr, h, state);
		XTCP_INC_STATS(net, XTCP_MIB_OUTRSTS);
	}
}

/*
 * The window field of a segment about to go: a SYN's is unscaled and
 * remembers nothing (RFC 7323 §2.2); any other advertises the window and
 * acknowledges everything received, so no ACK is pending any more.
 */
static u16 xtcp_window_field(struct sock *sk, u8 flags)
{
	if (flags & XTCP_RST)
		return 0;
	if (flags & XTCP_SYN)
		return xtcp_syn_window(sk);
	if (flags & XTCP_ACK)
		xtcp_sk(sk)->ack_pending = false;
	return xtcp_rcv_window(sk);
}

/*
 * Hand a socket's segment to IP. IP reads skb->cb as its own control
 * block (IPCB: options, flags, fragment size) from here on, so whatever
 * xtcp kept there goes first, as tcp_transmit_skb() clears it: a clone of
 * a write-queue segment carries xtcp's control block (sequence numbers,
 * checksum), which IP must not take for options or flags.
 */
static int xtcp_ip_xmit(struct sock *sk, struct sk_buff *skb)
{
	int err;

	memset(skb->cb, 0, sizeof(struct inet_skb_parm));
	err = ip_queue_xmit(sk, skb, &inet_sk(sk)->cork.fl);
	return err > 0 ? net_xmit_errno(err) : err;
}

/**
 * xtcp_send_sk() - send a segment of a socket with no data
 * @sk: a connected (or connecting) socket, locked
 * @flags: control bits; ACK carries rcv_nxt
 * @seq: sequence number
 * @with_mss: carry the MSS option, and window scale if offered (SYN,
 *	SYN-ACK)
 *
 * Return: 0 or a negative errno (no route, no memory).
 */
int xtcp_send_sk(struct sock *sk, u8 flags, u32 seq, bool with_mss)
{
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_hdr h = {
		.sport = ntohs(inet->inet_sport),
		.dport = ntohs(inet->inet_dport),
		.seq = seq,
		.ack = (flags & XTCP_ACK) ? xs->rcv_nxt : 0,
		.flags = flags,
		.window = xtcp_window_field(sk, flags),
		.mss = with_mss ? xs->advmss : 0,
		.has_ws = with_mss && xs->ws_sent,
		.ws = xs->rcv_wscale,
	};
	struct sk_buff *skb;

	xtcp_assert_locked(sk);

	skb = xtcp_make_seg(&h, inet->inet_saddr, inet->inet_daddr);
	if (!skb)
		return -ENOBUFS;
	skb_set_owner_w(skb, sk);
	xtcp_count_out(sock_net(sk), inet->inet_saddr, inet->inet_daddr, &h,
		       sk->sk_state);
	return xtcp_ip_xmit(sk, skb);
}

/**
 * xtcp_send_ack() - acknowledge what has arrived: <SEQ=SND.MAX><ACK=RCV.NXT>
 * @sk: a synchronized socket, locked
 *
 * The sequence number is the highest sent, as Linux's: after a timeout
 * SND.NXT steps back, and an ACK numbered there would look old to the
 * peer (and be answered, and so on).
 */
void xtcp_send_ack(struct sock *sk)
{
	xtcp_send_sk(sk, XTCP_ACK, xtcp_sk(sk)->snd_max, false);
}

/**
 * xtcp_send_probe() - probe a zero window: <SEQ=SND.UNA-1><ACK=RCV.NXT>
 * @sk: an established socket, locked
 *
 * As Linux's window probe: a segment with no data and an old sequence
 * number, which the peer must answer with an ACK carrying its current
 * window (RFC 9293 §3.10.7.4, first check). RFC 9293 §3.8.6.1 also allows
 * one byte of new data; Linux, and xtcp, send none.
 */
void xtcp_send_probe(struct sock *sk)
{
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ZEROWINDOWPROBES);
	xtcp_send_sk(sk, XTCP_ACK, xtcp_sk(sk)->snd_una - 1, false);
}

/*
 * Send the data segment @skb of the write queue (it stays queued until
 * acknowledged): a clone with the header in front, or a copy if an earlier
 * transmission of it is still on its way (the header room is shared).
 * What of it the peer has acknowledged already is not sent again: the
 * segment starts at SND.UNA, as tcp_retransmit_skb() trims its head, so a
 * receiver that takes only the first bytes of each segment (a socket
 * filter that trims, sk_filter_trim_cap()) gets new ones every time.
 */
static int xtcp_transmit_skb(struct sock *sk, struct sk_buff *skb)
{
	struct inet_sock *inet = inet_sk(sk);
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 snd_una = xtcp_sk(sk)->snd_una;
	u32 acked = xtcp_seq_before(cb->seq, snd_una) ? snd_una - cb->seq : 0;
	struct xtcp_hdr h = {
		.sport = ntohs(inet->inet_sport),
		.dport = ntohs(inet->inet_dport),
		.seq = cb->seq + acked,
		.ack = xtcp_sk(sk)->rcv_nxt,
		.flags = XTCP_ACK | (cb->psh ? XTCP_PSH : 0) |
			 (cb->fin ? XTCP_FIN : 0),
		.window = xtcp_window_field(sk, XTCP_ACK),
	};
	__wsum csum = cb->csum;
	unsigned int hlen, len;
	u8 hdr[XTCP_HDR_MAX];
	struct sk_buff *c;

	c = skb_cloned(skb) ? pskb_copy(skb, GFP_ATOMIC) :
			      skb_clone(skb, GFP_ATOMIC);
	if (!c)
		return -ENOBUFS;
	if (acked) {	/* at most the data: a segment wholly acked is freed */
		if (!pskb_pull(c, acked)) {
			kfree_skb(c);
			return -ENOBUFS;
		}
		csum = skb_checksum(c, 0, c->len, 0);
	}
	len = c->len;
	hlen = xtcp_build_hdr(hdr, &h);
	memcpy(skb_push(c, hlen), hdr, hlen);
	skb_reset_transport_header(c);
	/* the data's sum was taken as send() copied it; add the header's */
	tcp_hdr(c)->check = csum_tcpudp_magic(inet->inet_saddr,
					      inet->inet_daddr, c->len,
					      xtcp_proto,
					      csum_partial(c->data, hlen, csum));
	c->ip_summed = CHECKSUM_NONE;
	skb_set_owner_w(c, sk);
	trace_xtcp_seg_send(inet->inet_saddr, inet->inet_daddr, &h, len);
	return xtcp_ip_xmit(sk, c);
}

/* Count a data segment sent: the first time, or again. */
static void xtcp_count_data(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	xs->lsndtime = jiffies;

	if (xtcp_seq_before(cb->seq, xs->snd_max)) {
		cb->retransmitted = true;
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_RETRANSSEGS);
	} else {
		if (skb->len)
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_DATASEGSOUT);
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OUTSEGS);
	}
}

/*
 * Cut write-queue segment @skb after @len bytes; the rest becomes the next
 * segment (skb_split()): what of the rest is in the head is copied to the
 * new segment's head; its pages move over, the memory they cost with
 * them, as TCP's tcp_fragment(). 0, or -ENOBUFS.
 */
static int xtcp_split(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb), *ncb;
	u32 head = len < skb_headlen(skb) ? skb_headlen(skb) - len : 0;
	u32 rest = skb->len - len;
	struct sk_buff *nskb;

	if (skb_unclone(skb, GFP_ATOMIC))	/* a clone shares its frags */
		return -ENOBUFS;
	nskb = alloc_skb(XTCP_HEADROOM + head, GFP_ATOMIC);
	if (!nskb || !sk_wmem_schedule(sk, nskb->truesize)) {
		kfree_skb(nskb);
		return -ENOBUFS;
	}
	skb_reserve(nskb, XTCP_HEADROOM);
	sk_wmem_queued_add(sk, nskb->truesize);
	sk_mem_charge(sk, nskb->truesize);
	skb_split(skb, nskb, len);
	nskb->truesize += rest - head;
	skb->truesize -= rest - head;
	ncb = XTCP_SKB_CB(nskb);
	*ncb = *cb;
	ncb->seq = cb->seq + len;
	cb->end_seq = ncb->seq;
	cb->psh = false;
	cb->fin = false;	/* the FIN, if any, stays last */
	cb->csum = skb_checksum(skb, 0, len, 0);
	ncb->csum = skb_checksum(nskb, 0, rest, 0);
	__skb_queue_after(&sk->sk_write_queue, skb, nskb);
	return 0;
}

/*
 * Nagle's algorithm (RFC 896, RFC 9293 §3.7.4): a segment shorter than the
 * MSS waits while anything sent is unacknowledged, unless XTCP_NODELAY;
 * after a send() with MSG_MORE it waits in any case (the next send(), or
 * the persist timer, moves it), as Linux's cork. Only the last segment of
 * the queue can be short: send() fills the tail before it starts another.
 * A FIN is never held (as Linux's).
 */
static bool xtcp_nagle_holds(const struct sock *sk, const struct sk_buff *skb)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	return (xs->more || (!xs->nodelay && xs->snd_nxt != xs->snd_una)) &&
	       skb->len < xtcp_seg_size(sk) && !XTCP_SKB_CB(skb)->fin &&
	       skb_queue_is_last(&sk->sk_write_queue, skb);
}

/*
 * Slow start after idle (RFC 5681 §4.1; Linux's tcp_slow_start_after_idle,
 * on by default, with no knob here): nothing is outstanding and data is
 * about to go; if none was sent for more than an RTO, the congestion
 * window decays towards the initial window (cc.c). The restart counts as
 * a send, so an idle period is charged once.
 */
static void xtcp_idle_restart(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long idle = jiffies - xs->lsndtime;

	if (xtcp_cc_restart_after_idle(&xs->cc, min_t(unsigned long, idle, U32_MAX),
				       usecs_to_jiffies(xtcp_rtx_timeout_us(sk))))
		xs->lsndtime = jiffies;
}

/**
 * xtcp_write_xmit() - send what the windows allow
 * @sk: an established socket, locked
 * @force: the persist timer expired: send what Nagle or MSG_MORE would hold
 *
 * Segments from SND.NXT on, while the data in flight stays within both the
 * congestion window (cc.c) and the peer's receive window (RFC 9293
 * §3.8.6, RFC 5681 §3.1), subject to Nagle. A segment larger than what the
 * window leaves is cut to fit only when nothing is in flight, as Linux's
 * tcp_write_xmit(): silly windows are avoided by the receiver's rule
 * (xtcp_select_window()) and by Nagle, not by holding data back from a
 * small window (RFC 9293 §3.8.6.2.1's sender rule would need the window
 * to be half the largest offered, and our SYN-ACK's 65535 is no measure
 * of the peer's buffer). If data is left waiting with nothing in flight,
 * the persist timer will send it (or probe a zero window). After an idle
 * period, restarts the congestion window first (xtcp_idle_restart()).
 * Times one segment per round trip for RTT samples, and starts the
 * retransmission timer.
 */
void xtcp_write_xmit(struct sock *sk, bool force)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;
	bool waiting = false;

	xtcp_assert_locked(sk);

	if (!((1 << sk->sk_state) & XTCPF_SENDING))
		return;
	if (xs->snd_una == xs->snd_max && xs->snd_nxt != xs->write_seq)
		xtcp_idle_restart(sk);
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
		u32 flight = xs->snd_nxt - xs->snd_una;
		u32 wnd = min(xs->cc.cwnd, xs->snd_wnd);
		u32 room = wnd > flight ? wnd - flight : 0;

		if (!xtcp_seq_after(cb->end_seq, xs->snd_nxt))
			continue;	/* sent already */
		waiting = true;
		if (skb->len > room) {
			if (flight || !room || xtcp_split(sk, skb, room))
				break;
		}
		if (!force && xtcp_nagle_holds(sk, skb))
			break;
		if (xtcp_transmit_skb(sk, skb))
			break;
		waiting = false;
		xtcp_count_data(sk, skb);
		xs->snd_nxt = cb->end_seq;
		if (xtcp_seq_after(xs->snd_nxt, xs->snd_max))
			xs->snd_max = xs->snd_nxt;
		if (!xs->rtt_timing && !cb->retransmitted) {
			xs->rtt_timing = true;
			xs->rtt_seq = cb->end_seq;
			xs->rtt_stamp = (u32)ktime_to_us(ktime_get());
		}
		/* the first in flight restarts the timer (a persist timer) */
		if (!flight || !xs->rtx_on)
			xtcp_rtx_timer_arm(sk);
		force = false;
	}
	if (waiting && xs->snd_nxt == xs->snd_una &&
	    !xs->rtx_on)
		xtcp_persist_timer_arm(sk);
}

/**
 * xtcp_send_fin() - queue our FIN after everything written (and send it)
 * @sk: the socket, locked, just moved to FIN_WAIT_1 or LAST_ACK
 *
 * The FIN rides on the last unsent segment if there is one, else goes in
 * a segment of its own; it takes one sequence number (RFC 9293 §3.4) and
 * is retransmitted like data until acknowledged.
 */
void xtcp_send_fin(struct sock *sk)
{
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb;

	xtcp_assert_locked(sk);

	if (!skb || skb_cloned(skb) ||
	    xtcp_seq_before(XTCP_SKB_CB(skb)->seq, xs->snd_max)) {
		skb = alloc_skb(XTCP_HEADROOM, sk->sk_allocation | __GFP_NOFAIL);
		skb_reserve(skb, XTCP_HEADROOM);
		cb = XTCP_SKB_CB(skb);
		memset(cb, 0, sizeof(*cb));
		cb->seq = xs->write_seq;
		cb->end_seq = xs->write_seq;
		/* charged even beyond the limits, as TCP's FIN */
		sk_wmem_schedule(sk, skb->truesize);
		__skb_queue_tail(&sk->sk_write_queue, skb);
		sk_wmem_queued_add(sk, skb->truesize);
		sk_mem_charge(sk, skb->truesize);
	}
	cb = XTCP_SKB_CB(skb);
	cb->fin = true;		/* PSH only if the data's write had it, as Linux */
	cb->end_seq++;
	xs->write_seq++;
	xs->fin_queued = true;
	xtcp_write_xmit(sk, false);
}

/**
 * xtcp_send_challenge_ack() - answer a suspicious RST, SYN or ACK (RFC 5961)
 * @sk: a synchronized socket, locked
 *
 * <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>: a peer that really sent it resends
 * with the right sequence number; a blind attacker learns nothing. At most
 * one per invalid_ratelimit_ms per connection, as Linux's.
 */
void xtcp_send_challenge_ack(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 gap = READ_ONCE(xtcp_pernet(sock_net(sk))->sysctl.invalid_ratelimit_ms);

	xtcp_assert_locked(sk);

	if (gap && xs->last_challenge &&
	    time_before(jiffies, xs->last_challenge + msecs_to_jiffies(gap)))
		return;
	xs->last_challenge = jiffies ? jiffies : 1;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_CHALLENGEACKS);
	xtcp_send_ack(sk);
}

/**
 * xtcp_retransmit_head() - send the oldest unacknowledged segment again
 * @sk: an established socket, locked
 *
 * For fast retransmit and NewReno's partial ACKs (cc.c). An RTT timing in
 * progress is abandoned (Karn's algorithm, RFC 6298 §3).
 *
 * Return: 0 or a negative errno.
 */
int xtcp_retransmit_head(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);
	int err;

	xtcp_assert_locked(sk);

	if (!skb || !xtcp_seq_before(XTCP_SKB_CB(skb)->seq, xtcp_sk(sk)->snd_nxt))
		return 0;
	err = xtcp_transmit_skb(sk, skb);
	if (!err)
		xtcp_count_data(sk, skb);
	xtcp_sk(sk)->rtt_timing = false;
	return err;
}

/*
 * Route for a reply from @saddr to @daddr, sent as @sk, answering segment
 * @in (or NULL). The flow is classified for the LSM (its secid, which IPsec
 * policy lookups match) as TCP's are: from the segment answered, as
 * ip_send_unicast_reply() does, else from the socket, as for TCP's own
 * segments (ip_route_connect(), ip_route_output_ports()); a SYN-ACK, from
 * the listener, where TCP's comes from its request_sock (the listener's
 * secid, unless the LSM labels the peer: see protocol.rst).
 */
static struct rtable *xtcp_route_reply(struct net *net, struct sock *sk,
				       struct sk_buff *in, __be32 saddr,
				       __be32 daddr, const struct xtcp_hdr *h)
{
	struct flowi4 fl4;

	flowi4_init_output(&fl4, sk->sk_bound_dev_if, READ_ONCE(sk->sk_mark),
			   0, RT_SCOPE_UNIVERSE, xtcp_proto, 0, daddr, saddr,
			   htons(h->dport), htons(h->sport), sk->sk_uid);
	if (in)
		security_skb_classify_flow(in, flowi4_to_flowi_common(&fl4));
	else
		security_sk_classify_flow(sk, flowi4_to_flowi_common(&fl4));
	return ip_route_output_flow(net, &fl4, sk);
}

/*
 * Send @h from @saddr to @daddr as socket @sk (a listener or ctl_sk), on
 * behalf of something in @state (traced with a RST), in answer to segment
 * @in or NULL.
 */
static int xtcp_send_as(struct net *net, struct sock *sk, struct sk_buff *in,
			__be32 saddr, __be32 daddr, const struct xtcp_hdr *h,
			int state)
{
	struct sk_buff *skb;
	struct rtable *rt;

	rt = xtcp_route_reply(net, sk, in, saddr, daddr, h);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	skb = xtcp_make_seg(h, saddr, daddr);
	if (!skb) {
		ip_rt_put(rt);
		return -ENOBUFS;
	}
	skb_dst_set(skb, &rt->dst);
	xtcp_count_out(net, saddr, daddr, h, state);
	return ip_build_and_send_pkt(skb, sk, saddr, daddr, NULL, 0);
}

/**
 * xtcp_send_synack() - send (or resend) a half-open entry's SYN-ACK
 * @req: the entry; its listener's queue_lock is held
 *
 * <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> with the MSS option (RFC 9293
 * §3.10.7.2), and window scale if the SYN offered it (RFC 7323 §2.2).
 *
 * Return: 0 or a negative errno.
 */
int xtcp_send_synack(struct xtcp_req *req)
{
	struct xtcp_hdr h = {
		.sport = ntohs(req->lport),
		.dport = ntohs(req->rport),
		.seq = req->iss,
		.ack = req->irs + 1,
		.flags = XTCP_SYN | XTCP_ACK,
		.window = XTCP_SYNACK_WINDOW,
		.mss = req->advmss,
		.has_ws = req->ws_ok,
		.ws = req->rcv_wscale,
	};

	lockdep_assert_held(&xtcp_sk(req->listener)->queue_lock);

	return xtcp_send_as(sock_net(req->listener), req->listener, NULL,
			    req->laddr, req->raddr, &h, TCP_SYN_RECV);
}

/**
 * xtcp_send_reply() - send a segment that belongs to no socket
 * @net: namespace
 * @in: the segment it answers, or NULL
 * @saddr: its source address (ours)
 * @daddr: its destination
 * @h: header, ports from our side
 * @state: TCP_* state of what it answers for (a half-open entry's
 *	TCP_SYN_RECV, TIME_WAIT's, TCP_CLOSE for nothing), for tracing
 *
 * Goes out through the namespace's control socket.
 */
void xtcp_send_reply(struct net *net, struct sk_buff *in, __be32 saddr,
		     __be32 daddr, const struct xtcp_hdr *h, int state)
{
	xtcp_send_as(net, xtcp_pernet(net)->ctl_sk, in, saddr, daddr, h,
		     state);
}

/**
 * xtcp_send_rst_reply() - answer a segment that found no connection
 * @net: namespace
 * @skb: the segment, header parsed into XTCP_SKB_CB()
 * @state: TCP_* state of what it reached (TCP_CLOSE: nothing), for tracing
 *
 * RFC 9293 §3.10.7.1; never a reset for a reset (xtcp_rst_reply()).
 */
void xtcp_send_rst_reply(struct net *net, struct sk_buff *skb, int state)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct iphdr *iph = ip_hdr(skb);
	struct xtcp_hdr rst;

	if (xtcp_rst_reply(&cb->h, cb->len, &rst))
		xtcp_send_reply(net, skb, iph->daddr, iph->saddr, &rst, state);
}

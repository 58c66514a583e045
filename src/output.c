// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - building and sending segments, and initial sequence numbers.
 *
 * Every segment is built by xtcp_build_hdr() (wire.c) and checksummed in
 * software over the pseudo-header with xtcp's protocol number, so no
 * offload ever sees it. Three ways out:
 *   a socket's own segments   ip_queue_xmit() (routes and caches the route)
 *   a half-open entry's       ip_build_and_send_pkt() from the listener
 *   replies with no socket    ip_build_and_send_pkt() from the netns's
 *                             control socket
 */

#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/sock.h>

#include "xtcp.h"

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

static void xtcp_count_out(struct net *net, u8 flags)
{
	XTCP_INC_STATS(net, XTCP_MIB_OUTSEGS);
	if (flags & XTCP_RST)
		XTCP_INC_STATS(net, XTCP_MIB_OUTRSTS);
}

/**
 * xtcp_send_sk() - send a segment of a socket with no data
 * @sk: a connected (or connecting) socket, locked
 * @flags: control bits; ACK carries rcv_nxt
 * @seq: sequence number
 * @with_mss: carry the MSS option (SYN, SYN-ACK)
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
		.window = (flags & XTCP_RST) ? 0 : U16_MAX,
		.mss = with_mss ? xs->advmss : 0,
	};
	struct sk_buff *skb;
	int err;

	skb = xtcp_make_seg(&h, inet->inet_saddr, inet->inet_daddr);
	if (!skb)
		return -ENOBUFS;
	skb_set_owner_w(skb, sk);
	xtcp_count_out(sock_net(sk), flags);
	err = ip_queue_xmit(sk, skb, &inet->cork.fl);
	return err > 0 ? net_xmit_errno(err) : err;
}

/* Route for a reply from @saddr to @daddr, sent as @sk. */
static struct rtable *xtcp_route_reply(struct net *net, const struct sock *sk,
				       __be32 saddr, __be32 daddr,
				       const struct xtcp_hdr *h)
{
	struct flowi4 fl4;

	flowi4_init_output(&fl4, sk->sk_bound_dev_if, READ_ONCE(sk->sk_mark),
			   0, RT_SCOPE_UNIVERSE, xtcp_proto, 0, daddr, saddr,
			   htons(h->dport), htons(h->sport), sk->sk_uid);
	return ip_route_output_flow(net, &fl4, sk);
}

/* Send @h from @saddr to @daddr as socket @sk (a listener or ctl_sk). */
static int xtcp_send_as(struct net *net, const struct sock *sk, __be32 saddr,
			__be32 daddr, const struct xtcp_hdr *h)
{
	struct sk_buff *skb;
	struct rtable *rt;

	rt = xtcp_route_reply(net, sk, saddr, daddr, h);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	skb = xtcp_make_seg(h, saddr, daddr);
	if (!skb) {
		ip_rt_put(rt);
		return -ENOBUFS;
	}
	skb_dst_set(skb, &rt->dst);
	xtcp_count_out(net, h->flags);
	return ip_build_and_send_pkt(skb, sk, saddr, daddr, NULL, 0);
}

/**
 * xtcp_send_synack() - send (or resend) a half-open entry's SYN-ACK
 * @req: the entry; its listener's queue_lock is held
 *
 * <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> with the MSS option (RFC 9293
 * §3.10.7.2).
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
		.window = U16_MAX,
		.mss = req->advmss,
	};

	return xtcp_send_as(sock_net(req->listener), req->listener,
			    req->laddr, req->raddr, &h);
}

/**
 * xtcp_send_reply() - send a segment that belongs to no socket
 * @net: namespace
 * @saddr: its source address (ours)
 * @daddr: its destination
 * @h: header, ports from our side
 *
 * Goes out through the namespace's control socket.
 */
void xtcp_send_reply(struct net *net, __be32 saddr, __be32 daddr,
		     const struct xtcp_hdr *h)
{
	xtcp_send_as(net, xtcp_pernet(net)->ctl_sk, saddr, daddr, h);
}

/**
 * xtcp_send_rst_reply() - answer a segment that found no connection
 * @net: namespace
 * @skb: the segment, header parsed into XTCP_SKB_CB()
 *
 * RFC 9293 §3.10.7.1; never a reset for a reset (xtcp_rst_reply()).
 */
void xtcp_send_rst_reply(struct net *net, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct iphdr *iph = ip_hdr(skb);
	struct xtcp_hdr rst;

	if (xtcp_rst_reply(&cb->h, cb->len, &rst))
		xtcp_send_reply(net, iph->daddr, iph->saddr, &rst);
}

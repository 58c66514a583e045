// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - segments arriving from IP (the inet_add_protocol() handler).
 *
 * RFC 9293 §3.10.7 "SEGMENT ARRIVES" starts here. Until connection handling
 * exists, every well-formed segment is counted and dropped: no socket can
 * be reached yet.
 */

#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/checksum.h>

#include "xtcp.h"

/**
 * xtcp_v4_rcv() - receive one IPv4 segment of xtcp's protocol
 * @skb: the packet; skb->data is at the xtcp (TCP-format) header
 *
 * Counts it (InSegs), rejects a truncated header or a bad data offset
 * (InErrs) and a bad checksum over the pseudo-header with xtcp's protocol
 * number (InCsumErrors and InErrs, as Linux TCP counts them).
 *
 * Return: 0 (the packet is always consumed).
 */
int xtcp_v4_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	const struct tcphdr *th;

	if (skb->pkt_type != PACKET_HOST)
		goto discard;
	XTCP_INC_STATS(net, XTCP_MIB_INSEGS);

	if (!pskb_may_pull(skb, sizeof(struct tcphdr)))
		goto bad_packet;
	th = (const struct tcphdr *)skb->data;
	if (th->doff < sizeof(struct tcphdr) / 4 ||
	    !pskb_may_pull(skb, th->doff * 4))
		goto bad_packet;
	if (skb_checksum_init(skb, xtcp_proto, inet_compute_pseudo) ||
	    skb_checksum_complete(skb))
		goto csum_error;

	/* No xtcp socket can take a segment yet. */
	goto discard;

csum_error:
	XTCP_INC_STATS(net, XTCP_MIB_INCSUMERRORS);
bad_packet:
	XTCP_INC_STATS(net, XTCP_MIB_INERRS);
discard:
	kfree_skb(skb);
	return 0;
}

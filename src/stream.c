// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - the byte stream: send and receive queues, send() and recv().
 *
 * send() cuts the data into segments of at most the send MSS, each an skb
 * on sk_write_queue that stays there, charged to the socket, until it is
 * acknowledged (output.c sends, input.c frees). Received in-order data
 * waits on sk_receive_queue, charged to the socket, until recv() copies
 * it. Both follow Linux TCP's socket semantics and errno values.
 *
 * All of it runs under the socket lock.
 */

#include <linux/sched/signal.h>
#include <linux/skbuff.h>
#include <linux/uio.h>
#include <net/ip.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "xtcp.h"
#include "seq.h"

/**
 * xtcp_seg_size() - the most data send() puts in one segment
 * @sk: the socket
 *
 * The send MSS, but no more than half the largest window the peer has
 * offered (as Linux's tcp_bound_to_half_wnd()), so that two segments can
 * be in flight: on loopback the MSS is 65495 and a default receive buffer
 * offers a 64 KiB window. Large segments carry their data in pages
 * (xtcp_queue_data()), at most MAX_SKB_FRAGS of them.
 *
 * Return: bytes.
 */
u32 xtcp_seg_size(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	u32 size = min_t(u32, xs->mss, MAX_SKB_FRAGS * PAGE_SIZE);
	u32 cutoff = xs->max_window > XTCP_DEFAULT_MSS ? xs->max_window / 2 :
			xs->max_window;

	if (cutoff && size > cutoff)
		size = max_t(u32, cutoff, 48);	/* Linux's 68 - header */
	return size;
}

/*
 * The send buffer of a new connection, unless SO_SNDBUF set it: room for
 * twice the initial window of full segments, as Linux's
 * tcp_sndbuf_expand(), at most sysctl_wmem[2] (4 MiB).
 */
static void xtcp_sndbuf_expand(struct sock *sk)
{
	u32 per_seg = roundup_pow_of_two(xtcp_sk(sk)->mss + XTCP_HEADROOM +
					 SKB_DATA_ALIGN(sizeof(struct skb_shared_info))) +
		      SKB_DATA_ALIGN(sizeof(struct sk_buff));
	u32 want = min_t(u32, 2 * XTCP_INIT_CWND * per_seg,
			 sk->sk_prot->sysctl_wmem[2]);

	if (!(sk->sk_userlocks & SOCK_SNDBUF_LOCK) && sk->sk_sndbuf < want)
		WRITE_ONCE(sk->sk_sndbuf, want);
}

/**
 * xtcp_stream_init() - sequence and window state of a new connection
 * @sk: the socket, locked, entering ESTABLISHED; its retransmits counts
 *	the handshake's SYN or SYN-ACK retransmissions
 * @snd_wnd: the window the peer advertised in its handshake segment
 *
 * Everything before SND.NXT was the SYN; data starts there. After a
 * retransmitted SYN or SYN-ACK the RTO starts at 3 s instead of 1 s
 * (RFC 6298 §5.7, as Linux's tcp_init_metrics() falls back to
 * TCP_TIMEOUT_FALLBACK without an RTT sample from the handshake), and
 * after more than one the congestion window at one segment (RFC 5681
 * §3.1 with Linux's tcp_init_transfer() condition: xtcp_cc_init()).
 */
void xtcp_stream_init(struct sock *sk, u32 snd_wnd)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned int syn_retransmits = xs->retransmits;

	xtcp_assert_locked(sk);

	xs->write_seq = xs->snd_nxt;
	xs->snd_max = xs->snd_nxt;
	xs->snd_wnd = snd_wnd;
	xs->snd_wl1 = xs->rcv_nxt;
	xs->snd_wl2 = xs->snd_una;
	xs->max_window = snd_wnd;
	xs->bytes_acked = 0;
	xs->rcv_wup = xs->rcv_nxt;
	xs->copied_seq = xs->rcv_nxt;
	xs->rcv_wnd = 0;
	xs->rcv_mss = min_t(u32, xs->advmss, XTCP_DEFAULT_MSS);
	xs->rtt_timing = false;
	xs->retransmits = 0;
	xs->probes_out = 0;
	xs->probe_backoff = 0;
	xs->ack_pending = false;
	xs->lsndtime = jiffies;
	xtcp_rto_init(&xs->rto, jiffies_to_usecs(1));
	if (syn_retransmits)
		xtcp_rto_syn_retransmitted(&xs->rto);
	xtcp_cc_init(&xs->cc, xs->mss, syn_retransmits);
	xtcp_sndbuf_expand(sk);
}

/*
 * What the free receive buffer allows: half of it (data costs about twice
 * its length in memory), up to what the window field can say.
 */
static u32 xtcp_free_window(const struct sock *sk)
{
	int space = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc);

	return space > 0 ? min_t(u32, space / 2,
				 (u32)U16_MAX << xtcp_sk(sk)->rcv_wscale) : 0;
}

/**
 * xtcp_rcv_window() - the window field to send now (not in a SYN)
 * @sk: the socket, locked
 *
 * From the free receive buffer (half of it: each byte of data costs about
 * twice that in memory), by xtcp_select_window() (wire.c): never
 * shrinking, its right edge moving by a segment or a quarter of the
 * buffer, whichever is less, or not at all; scaled (RFC 7323 §2.3).
 *
 * Return: the field (window >> shift); the window is remembered as
 * advertised.
 */
u16 xtcp_rcv_window(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 edge = xs->rcv_wup + xs->rcv_wnd;
	u32 keep = xtcp_seq_after(edge, xs->rcv_nxt) ? edge - xs->rcv_nxt : 0;
	u32 step = min_t(u32, xtcp_seg_size(sk), READ_ONCE(sk->sk_rcvbuf) / 4);
	u32 wnd = xtcp_select_window(xtcp_free_window(sk), keep, step,
				     xs->rcv_wscale);

	xs->rcv_wup = xs->rcv_nxt;
	xs->rcv_wnd = wnd;
	return wnd >> xs->rcv_wscale;
}

/**
 * xtcp_syn_window() - the window field of our SYN or SYN-ACK
 * @sk: the socket
 *
 * Never scaled (RFC 7323 §2.2): half the receive buffer, at most 65535.
 *
 * Return: the field.
 */
u16 xtcp_syn_window(const struct sock *sk)
{
	return min_t(u32, READ_ONCE(sk->sk_rcvbuf) / 2, U16_MAX);
}

/**
 * xtcp_choose_wscale() - the window scale to offer, or 0
 * @net: namespace (net.xtcp.window_scaling)
 *
 * The smallest shift that lets the window field express half the largest
 * receive buffer a socket may have (sysctl_rmem[2], SO_RCVBUF's limit
 * aside), as Linux's tcp_select_initial_window(): 7 with the defaults.
 *
 * Return: the shift, 0..XTCP_WS_MAX.
 */
u8 xtcp_choose_wscale(const struct net *net)
{
	u32 space = max_t(u32, xtcp_prot.sysctl_rmem[2],
			  READ_ONCE(sysctl_rmem_max));
	u8 shift = 0;

	while (shift < XTCP_WS_MAX && space >> shift > U16_MAX)
		shift++;
	return shift;
}

/**
 * xtcp_user_mss() - the MSS to announce on a route
 * @sk: the socket (or listener), its XTCP_MAXSEG
 * @route_mss: what the route's MTU allows
 *
 * Return: the smaller of the two, at most 65535.
 */
u16 xtcp_user_mss(const struct sock *sk, u32 route_mss)
{
	u16 user = READ_ONCE(xtcp_sk(sk)->user_mss);

	route_mss = min_t(u32, route_mss, U16_MAX);
	return user && user < route_mss ? user : route_mss;
}

/**
 * xtcp_ack_snd_check() - acknowledge received data now or a little later
 * @sk: an established socket, locked, after a data segment
 * @now: it was out of order, filled a hole, or was a duplicate (RFC 5681
 *	§4.2: acknowledge at once)
 *
 * Delayed ACK (RFC 9293 §3.8.6.3, RFC 1122 §4.2.3.2): an ACK waits up to
 * net.xtcp.delack_ms for data of ours to ride on, but never once more than
 * one full segment is unacknowledged (so every second full segment is
 * acknowledged, as Linux's __tcp_ack_snd_check()). Data sent before then
 * carries the ACK (output.c clears ack_pending); so does a window update
 * from recv().
 */
void xtcp_ack_snd_check(struct sock *sk, bool now)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_assert_locked(sk);

	if (!xs->ack_pending)
		return;
	if (now || xs->rcv_nxt - xs->rcv_wup > xs->rcv_mss) {
		xtcp_send_ack(sk);
		return;
	}
	xtcp_dack_timer_arm(sk);
}

/**
 * xtcp_inq() - bytes waiting to be read
 * @sk: the socket, locked
 *
 * Return: bytes between what recv() returned and RCV.NXT.
 */
u32 xtcp_inq(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	return skb_queue_empty(&sk->sk_receive_queue) ? 0 :
	       xs->rcv_nxt - xs->copied_seq;
}

/**
 * xtcp_wmem_free_skb() - free a segment of the write queue
 * @sk: its socket, locked
 * @skb: the segment, acknowledged or abandoned, off the queue
 */
void xtcp_wmem_free_skb(struct sock *sk, struct sk_buff *skb)
{
	sk_wmem_queued_add(sk, -skb->truesize);
	sk_mem_uncharge(sk, skb->truesize);
	__kfree_skb(skb);
}

/**
 * xtcp_purge_queues() - drop everything queued, both directions
 * @sk: the socket, locked (close, abort)
 */
void xtcp_purge_queues(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb, *tmp;

	xtcp_assert_locked(sk);

	while ((skb = __skb_dequeue(&sk->sk_write_queue)))
		xtcp_wmem_free_skb(sk, skb);
	__skb_queue_purge(&sk->sk_receive_queue);
	/* children before their parent: no rebalancing of what goes anyway */
	rbtree_postorder_for_each_entry_safe(skb, tmp, &xs->ooo_queue, rbnode)
		__kfree_skb(skb);
	xs->ooo_queue = RB_ROOT;
	xs->ooo_last = NULL;
	sk_mem_reclaim(sk);
}

/*
 * The unsent tail of the write queue, if send() may add to it: never
 * handed to IP (a clone would share its head and pages), short of a
 * segment and not ending with a FIN.
 */
static struct sk_buff *xtcp_fillable_tail(struct sock *sk)
{
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (!skb || skb_cloned(skb) || skb->len >= xtcp_seg_size(sk) ||
	    XTCP_SKB_CB(skb)->fin ||
	    xtcp_seq_before(XTCP_SKB_CB(skb)->seq, xtcp_sk(sk)->snd_max))
		return NULL;
	return skb;
}

/* Small writes start in a segment's head, which has room for this much. */
#define XTCP_LINEAR_MAX	(SKB_WITH_OVERHEAD(2048) - XTCP_HEADROOM)

/*
 * A new, empty segment at the tail of the write queue, charged to the
 * socket: a head with room for a small write (@size bytes or less), or
 * for the headers only, the data going to pages (xtcp_skb_append()).
 */
static struct sk_buff *xtcp_new_data_skb(struct sock *sk, size_t size)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 linear = size <= XTCP_LINEAR_MAX ?
		     min_t(u32, XTCP_LINEAR_MAX, xtcp_seg_size(sk)) : 0;
	struct xtcp_skb_cb *cb;
	struct sk_buff *skb;

	skb = alloc_skb(XTCP_HEADROOM + linear, sk->sk_allocation);
	if (!skb)
		return NULL;
	if (!sk_wmem_schedule(sk, skb->truesize)) {
		kfree_skb(skb);
		return NULL;
	}
	skb_reserve(skb, XTCP_HEADROOM);
	cb = XTCP_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->seq = xs->write_seq;
	cb->end_seq = xs->write_seq;
	__skb_queue_tail(&sk->sk_write_queue, skb);
	sk_wmem_queued_add(sk, skb->truesize);
	sk_mem_charge(sk, skb->truesize);
	return skb;
}

/* Where xtcp_skb_append() puts the next piece of data. */
enum xtcp_append_to { XTCP_TO_HEAD, XTCP_TO_LAST_PAGE, XTCP_TO_NEW_PAGE };

/*
 * Append up to @size bytes of @msg to @skb, the unsent tail of the write
 * queue, never beyond a segment: into the room of its head while it has
 * no pages, then into the free end of its last page, then into new pages
 * (send() thus fills a segment that Nagle holds, as TCP fills its tail
 * skb up to size_goal). Data in pages is charged to the socket by the
 * byte, as TCP charges its page fragments: skb->truesize is the head plus
 * the bytes in pages, so that xtcp_split() can move the pages' share of
 * it with them. Each piece is copied and checksummed in one go, and
 * becomes part of the segment only once copied: skb->len is always what
 * the segment holds.
 *
 * Return: bytes appended, or -EFAULT if none could be copied, -ENOBUFS if
 * there was no room (a full segment, MAX_SKB_FRAGS pages, no memory).
 */
static int xtcp_skb_append(struct sock *sk, struct sk_buff *skb,
			   struct msghdr *msg, size_t size)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct skb_shared_info *shi = skb_shinfo(skb);
	u32 seg = xtcp_seg_size(sk);
	size_t done = 0;

	if (skb->len >= seg)
		return -ENOBUFS;
	size = min_t(size_t, size, seg - skb->len);
	while (done < size) {
		skb_frag_t *last = shi->nr_frags ? &shi->frags[shi->nr_frags - 1] : NULL;
		u32 off = last ? skb_frag_off(last) + skb_frag_size(last) : 0;
		size_t n = size - done;
		enum xtcp_append_to where;
		struct page *page = NULL;
		__wsum part = 0;
		void *to;

		if (!last && skb_tailroom(skb)) {
			where = XTCP_TO_HEAD;
			n = min_t(size_t, n, skb_tailroom(skb));
			to = skb_tail_pointer(skb);
		} else if (last && off < PAGE_SIZE) {
			where = XTCP_TO_LAST_PAGE;
			n = min_t(size_t, n, PAGE_SIZE - off);
			to = page_address(skb_frag_page(last)) + off;
		} else {
			where = XTCP_TO_NEW_PAGE;
			if (shi->nr_frags >= MAX_SKB_FRAGS)
				break;
			page = alloc_page(sk->sk_allocation);
			if (!page)
				break;
			n = min_t(size_t, n, PAGE_SIZE);
			to = page_address(page);
		}
		if (where != XTCP_TO_HEAD && !sk_wmem_schedule(sk, n)) {
			if (page)
				__free_page(page);
			break;
		}
		if (!csum_and_copy_from_iter_full(to, n, &part, &msg->msg_iter)) {
			if (page)
				__free_page(page);
			return done ? done : -EFAULT;
		}
		cb->csum = csum_block_add(cb->csum, part, skb->len);
		if (where == XTCP_TO_HEAD) {
			skb_put(skb, n);
		} else {
			if (where == XTCP_TO_NEW_PAGE)
				skb_fill_page_desc(skb, shi->nr_frags, page, 0, n);
			else
				skb_frag_size_add(last, n);
			skb->len += n;
			skb->data_len += n;
			skb->truesize += n;
			sk_wmem_queued_add(sk, n);
			sk_mem_charge(sk, n);
		}
		cb->end_seq += n;
		done += n;
	}
	return done ? done : -ENOBUFS;
}

/*
 * Copy up to @size bytes of @msg (at most a segment) to the write queue:
 * onto the unsent tail while it has room, else into a new segment, which
 * is started only while the send buffer is not full. Return: bytes
 * queued, or -ENOBUFS (no room: wait for the send buffer), -EFAULT.
 */
static int xtcp_queue_data(struct sock *sk, struct msghdr *msg, size_t size)
{
	struct sk_buff *skb = xtcp_fillable_tail(sk);
	int ret = -ENOBUFS;

	if (skb)
		ret = xtcp_skb_append(sk, skb, msg, size);
	if (ret != -ENOBUFS)
		goto out;
	if (READ_ONCE(sk->sk_wmem_queued) >= READ_ONCE(sk->sk_sndbuf))
		return -ENOBUFS;
	skb = xtcp_new_data_skb(sk, size);
	if (!skb)
		return -ENOBUFS;
	ret = xtcp_skb_append(sk, skb, msg, size);
	if (ret <= 0) {		/* nothing in it: take it back */
		__skb_unlink(skb, &sk->sk_write_queue);
		xtcp_wmem_free_skb(sk, skb);
		return ret;
	}
out:
	if (ret > 0)
		xtcp_sk(sk)->write_seq = XTCP_SKB_CB(skb)->end_seq;
	return ret;
}

/**
 * xtcp_sendmsg() - send() (struct proto .sendmsg)
 * @sk: the socket
 * @msg: the data
 * @size: its length
 *
 * As Linux TCP: waits for a connection in progress (or EAGAIN), EPIPE
 * (and SIGPIPE unless MSG_NOSIGNAL) when the connection cannot send, blocks
 * while the send buffer is full or returns what fit (EAGAIN if nothing).
 * The send buffer is full when what is queued reaches SO_SNDBUF; until
 * then a new segment may take a whole segment's worth (as TCP's skbs
 * grow to size_goal), so a small SO_SNDBUF costs no segment size.
 * With MSG_MORE a short last segment waits for more (output.c).
 *
 * Return: bytes queued, or a negative errno.
 */
int xtcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	int copied = 0, err = 0;
	long timeo;

	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;
	lock_sock(sk);
	xtcp_sk(sk)->more = msg->msg_flags & MSG_MORE;
	timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	if ((1 << sk->sk_state) & ~(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto out_err;
	}
	while (msg_data_left(msg)) {
		size_t seg = min_t(size_t, msg_data_left(msg), xtcp_seg_size(sk));

		err = -EPIPE;
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
			goto out_err;
		err = xtcp_queue_data(sk, msg, seg);
		if (err == -ENOBUFS) {
			/* full: send what we can, wait for room */
			set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
			xtcp_write_xmit(sk, false);
			err = sk_stream_wait_memory(sk, &timeo);
			if (err)
				goto out_err;
			continue;
		}
		if (err < 0)
			goto out_err;
		copied += err;
		if (!msg_data_left(msg))	/* the end of this write */
			XTCP_SKB_CB(skb_peek_tail(&sk->sk_write_queue))->psh = true;
		xtcp_write_xmit(sk, false);
	}
	release_sock(sk);
	return copied;

out_err:
	if (copied) {
		release_sock(sk);
		return copied;
	}
	err = sk_stream_error(sk, msg->msg_flags, err);
	release_sock(sk);
	return err;
}

/*
 * After recv() freed receive buffer: a window update, as Linux's
 * tcp_cleanup_rbuf(), only when what is left of the advertised window is
 * down to half the largest it can be and the update at least doubles it
 * (or reopens a closed one). Reading each segment as it comes thus sends
 * no extra ACKs (delayed ACK keeps its effect), while a sender held by a
 * small window goes on.
 */
static void xtcp_window_update(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 left = xs->rcv_wup + xs->rcv_wnd - xs->rcv_nxt;
	u32 clamp = min_t(u32, READ_ONCE(sk->sk_rcvbuf) / 2,
			  (u32)U16_MAX << xs->rcv_wscale);
	u32 now;

	if (sk->sk_state != TCP_ESTABLISHED || 2 * left > clamp)
		return;
	now = xtcp_free_window(sk);
	if (now && now >= 2 * left &&
	    now >= min_t(u32, xtcp_seg_size(sk), READ_ONCE(sk->sk_rcvbuf) / 4))
		xtcp_send_ack(sk);
}

/**
 * xtcp_recvmsg() - recv() (struct proto .recvmsg)
 * @sk: the socket
 * @msg: where the data goes
 * @len: at most this much
 * @flags: MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL, MSG_TRUNC (the data is
 *	dropped, not copied, as TCP's), MSG_OOB (EINVAL: no urgent data)
 * @addr_len: unused (stream)
 *
 * As Linux TCP: data first; then 0 (end of stream) if the peer's FIN came;
 * else a pending error (ECONNRESET, ...) once, then 0 when the receive
 * side is shut; ENOTCONN if never connected or listening; otherwise wait
 * (or EAGAIN) until at least SO_RCVLOWAT bytes, or all of @len with
 * MSG_WAITALL.
 *
 * Return: bytes copied, or a negative errno.
 */
int xtcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
		 int flags, int *addr_len)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb, *last;
	int copied = 0, err = 0, target;
	u32 peek_seq, *seq;
	long timeo;

	if (flags & MSG_OOB)
		return -EINVAL;
	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		err = -ENOTCONN;
		goto out;
	}
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	/* where the next byte comes from: a peek moves a copy of it */
	peek_seq = xs->copied_seq;
	seq = (flags & MSG_PEEK) ? &peek_seq : &xs->copied_seq;

	while (copied < len) {
		bool found = false;

		last = skb_peek_tail(&sk->sk_receive_queue);
		skb_queue_walk(&sk->sk_receive_queue, skb) {
			u32 off = *seq - XTCP_SKB_CB(skb)->seq;
			size_t n;

			if (off >= skb->len)
				continue;	/* peeked already */
			n = min_t(size_t, skb->len - off, len - copied);
			if (!(flags & MSG_TRUNC)) {
				err = skb_copy_datagram_msg(skb, off, msg, n);
				if (err) {
					if (!copied)
						copied = -EFAULT;
					goto out;
				}
			}
			copied += n;
			WRITE_ONCE(*seq, *seq + n);	/* poll() reads copied_seq */
			found = true;
			if (!(flags & MSG_PEEK) && off + n == skb->len) {
				__skb_unlink(skb, &sk->sk_receive_queue);
				__kfree_skb(skb);
			}
			break;
		}
		if (found)
			continue;
		if (copied >= target)
			break;
		if (copied) {
			if (sk->sk_err || sk->sk_state == TCP_CLOSE ||
			    (sk->sk_shutdown & RCV_SHUTDOWN) ||
			    signal_pending(current))
				break;
		} else {
			/*
			 * the peer's FIN first: a RST after it (in CLOSE_WAIT)
			 * leaves its error (EPIPE) to SO_ERROR and send(), as
			 * tcp_recvmsg() does
			 */
			if (sock_flag(sk, SOCK_DONE))
				break;
			if (sk->sk_err) {
				copied = sock_error(sk);
				break;
			}
			if (sk->sk_shutdown & RCV_SHUTDOWN)
				break;
			if (sk->sk_state == TCP_CLOSE) {
				copied = -ENOTCONN;
				break;
			}
			if (!timeo) {
				copied = -EAGAIN;
				break;
			}
			if (signal_pending(current)) {
				copied = sock_intr_errno(timeo);
				break;
			}
		}
		if (!timeo)
			break;
		/*
		 * What was copied freed buffer: announce the window before
		 * sleeping, or a sender held by it (MSG_WAITALL) would wait
		 * for us as we wait for it.
		 */
		if (copied > 0 && !(flags & MSG_PEEK))
			xtcp_window_update(sk);
		sk_wait_data(sk, &timeo, last);
	}
	if (copied > 0 && !(flags & MSG_PEEK))
		xtcp_window_update(sk);
	err = copied;
out:
	release_sock(sk);
	return err;
}

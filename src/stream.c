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
 * The send MSS, and no more than fits one 16 KiB buffer with its headers:
 * on loopback the MSS is 65483, and without window scaling (the window
 * field stops at 65535) segments that large would leave room for one in
 * flight; smaller ones also keep the memory they cost (truesize) near
 * their length.
 *
 * Return: bytes.
 */
u32 xtcp_seg_size(const struct sock *sk)
{
	return min_t(u32, xtcp_sk(sk)->mss,
		     SKB_WITH_OVERHEAD(16384) - XTCP_HEADROOM);
}

/**
 * xtcp_stream_init() - sequence and window state of a new connection
 * @sk: the socket, locked, entering ESTABLISHED
 * @snd_wnd: the window the peer advertised in its handshake segment
 *
 * Everything before SND.NXT was the SYN; data starts there.
 */
void xtcp_stream_init(struct sock *sk, u32 snd_wnd)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->write_seq = xs->snd_nxt;
	xs->snd_max = xs->snd_nxt;
	xs->snd_wnd = snd_wnd;
	xs->snd_wl1 = xs->rcv_nxt;
	xs->snd_wl2 = xs->snd_una;
	xs->rcv_wup = xs->rcv_nxt;
	xs->rcv_wnd = 0;
	xs->rtt_timing = false;
	xs->retransmits = 0;
	xtcp_rto_init(&xs->rto, jiffies_to_usecs(1));
	xtcp_cc_init(&xs->cc, xs->mss, false);
}

/**
 * xtcp_rcv_window() - the receive window to advertise now
 * @sk: the socket, locked
 *
 * Half the free receive buffer (each byte of data costs about twice that
 * in memory), at most 65535 (no window scaling yet), and never a right
 * edge left of one already advertised (RFC 9293 §3.8.6: no shrinking).
 *
 * Return: the window; it is remembered as advertised.
 */
u16 xtcp_rcv_window(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	int space = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc);
	u32 wnd = space > 0 ? min_t(u32, space / 2, U16_MAX) : 0;
	u32 edge = xs->rcv_wup + xs->rcv_wnd;

	if (xtcp_seq_after(edge, xs->rcv_nxt + wnd))
		wnd = edge - xs->rcv_nxt;
	xs->rcv_wup = xs->rcv_nxt;
	xs->rcv_wnd = wnd;
	return wnd;
}

/**
 * xtcp_inq() - bytes waiting to be read
 * @sk: the socket, locked
 *
 * Return: the sum over the receive queue.
 */
u32 xtcp_inq(const struct sock *sk)
{
	struct sk_buff *skb;
	u32 n = 0;

	skb_queue_walk(&sk->sk_receive_queue, skb)
		n += skb->len;
	return n;
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
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sk->sk_write_queue)))
		xtcp_wmem_free_skb(sk, skb);
	__skb_queue_purge(&sk->sk_receive_queue);
	sk_mem_reclaim(sk);
}

/* A new segment of up to @size bytes from @msg on the write queue. */
static int xtcp_queue_data(struct sock *sk, struct msghdr *msg, size_t size)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb;
	struct sk_buff *skb;

	skb = alloc_skb(XTCP_HEADROOM + size, sk->sk_allocation);
	if (!skb)
		return -ENOBUFS;
	if (!sk_wmem_schedule(sk, skb->truesize)) {
		kfree_skb(skb);
		return -ENOBUFS;
	}
	skb_reserve(skb, XTCP_HEADROOM);
	if (!copy_from_iter_full(skb_put(skb, size), size, &msg->msg_iter)) {
		kfree_skb(skb);
		return -EFAULT;
	}
	cb = XTCP_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->seq = xs->write_seq;
	cb->end_seq = xs->write_seq + size;
	xs->write_seq = cb->end_seq;
	__skb_queue_tail(&sk->sk_write_queue, skb);
	sk_wmem_queued_add(sk, skb->truesize);
	sk_mem_charge(sk, skb->truesize);
	return 0;
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
		err = -ENOBUFS;
		if (READ_ONCE(sk->sk_wmem_queued) < READ_ONCE(sk->sk_sndbuf))
			err = xtcp_queue_data(sk, msg, seg);
		if (err == -ENOBUFS) {
			/* full: send what we can, wait for room */
			set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
			xtcp_write_xmit(sk);
			err = sk_stream_wait_memory(sk, &timeo);
			if (err)
				goto out_err;
			continue;
		}
		if (err)
			goto out_err;
		copied += seg;
		xtcp_write_xmit(sk);
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
 * After recv() freed receive buffer: tell the peer if the window opened
 * by at least a segment (or from nothing), so a sender waiting on a small
 * window goes on.
 */
static void xtcp_window_update(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	int space = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc);
	u32 now = space > 0 ? min_t(u32, space / 2, U16_MAX) : 0;
	u32 left = xs->rcv_wup + xs->rcv_wnd - xs->rcv_nxt;

	if (sk->sk_state == TCP_ESTABLISHED &&
	    now >= left + min_t(u32, xtcp_seg_size(sk), U16_MAX / 2))
		xtcp_send_ack(sk);
}

/**
 * xtcp_recvmsg() - recv() (struct proto .recvmsg)
 * @sk: the socket
 * @msg: where the data goes
 * @len: at most this much
 * @flags: MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL (MSG_OOB: EINVAL, no urgent
 *	data in xtcp)
 * @addr_len: unused (stream)
 *
 * As Linux TCP: data first; then a pending error (ECONNRESET, ...) once,
 * then 0 (end of stream) when the receive side is shut; ENOTCONN if never
 * connected or listening; otherwise wait (or EAGAIN) until at least
 * SO_RCVLOWAT bytes, or all of @len with MSG_WAITALL.
 *
 * Return: bytes copied, or a negative errno.
 */
int xtcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
		 int flags, int *addr_len)
{
	struct sk_buff *skb, *last;
	int copied = 0, err = 0, target;
	u32 peek = 0;
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

	while (copied < len) {
		u32 off = (flags & MSG_PEEK) ? peek : 0;
		bool found = false;

		last = skb_peek_tail(&sk->sk_receive_queue);
		skb_queue_walk(&sk->sk_receive_queue, skb) {
			size_t n;

			if (off >= skb->len) {
				off -= skb->len;
				continue;
			}
			n = min_t(size_t, skb->len - off, len - copied);
			err = skb_copy_datagram_msg(skb, off, msg, n);
			if (err) {
				if (!copied)
					copied = -EFAULT;
				goto out;
			}
			copied += n;
			found = true;
			if (flags & MSG_PEEK) {
				peek += n;
			} else if (n == skb->len) {
				__skb_unlink(skb, &sk->sk_receive_queue);
				__kfree_skb(skb);
			} else {
				__skb_pull(skb, n);
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

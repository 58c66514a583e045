// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - retransmission timers.
 *
 *   SYN      a connecting socket's rtx_timer: resend the SYN after
 *            synack_timeout_ms, doubling, syn_retries times; then connect()
 *            fails with ETIMEDOUT (RFC 9293 §3.8.1, RFC 6298 §5).
 *   SYN-ACK  a half-open entry's timer: resend the SYN-ACK likewise,
 *            synack_retries times; then the entry is dropped.
 *   data     the same rtx_timer once established: RTO from rto.c, backed
 *            off, retries2 expiries without progress (RFC 6298 §5).
 *
 * Timer handlers run in softirq. The SYN timer holds a socket reference
 * (sk_reset_timer()); when the socket is owned by a process it tries again
 * shortly. The SYN-ACK timer holds a reference on its entry.
 */

#include <linux/timer.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "xtcp.h"

/**
 * xtcp_syn_rto_ms() - timeout before the next SYN or SYN-ACK retransmission
 * @net: namespace (its synack_timeout_ms)
 * @n: retransmissions so far
 *
 * Return: milliseconds.
 */
u32 xtcp_syn_rto_ms(const struct net *net, unsigned int n)
{
	return xtcp_backoff_ms(READ_ONCE(xtcp_pernet(net)->sysctl.synack_timeout_ms),
			       n, XTCP_RTO_MAX_MS);
}

/*
 * The retransmission timer expired with data outstanding (RFC 6298 §5.4-
 * 5.6, RFC 5681 §3.1): give up after retries2 expiries without progress
 * (ETIMEDOUT, as Linux's tcp_retries2); else back the timer off, shrink
 * the congestion window to one segment and send again from SND.UNA
 * (SND.NXT goes back; segments beyond follow as ACKs come).
 */
static void xtcp_data_timeout(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct net *net = sock_net(sk);

	if (xs->snd_una == xs->snd_max)
		return;
	if (xs->retransmits >= READ_ONCE(xtcp_pernet(net)->sysctl.retries2)) {
		xtcp_purge_queues(sk);
		xtcp_done(sk, ETIMEDOUT);
		return;
	}
	xs->retransmits++;
	XTCP_INC_STATS(net, XTCP_MIB_TIMEOUTS);
	xtcp_cc_on_timeout(&xs->cc, xs->snd_max, xs->snd_max - xs->snd_una);
	xtcp_rto_backoff(&xs->rto);
	xs->rtt_timing = false;
	xs->snd_nxt = xs->snd_una;
	xtcp_write_xmit(sk);
	xtcp_rtx_timer_arm(sk);
}

/**
 * xtcp_rtx_timer_arm() - (re)start the data retransmission timer
 * @sk: an established socket, locked
 *
 * The timeout is the RTO estimate (rto.c) within rto_min_ms..rto_max_ms.
 */
void xtcp_rtx_timer_arm(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	const struct xtcp_sysctl *sc = &xtcp_pernet(sock_net(sk))->sysctl;
	u32 us = xtcp_rto_timeout(&xs->rto, READ_ONCE(sc->rto_min_ms) * 1000U,
				  READ_ONCE(sc->rto_max_ms) * 1000U);

	sk_reset_timer(sk, &xs->rtx_timer, jiffies + usecs_to_jiffies(us));
}

static void xtcp_syn_timer(struct timer_list *t)
{
	struct xtcp_sock *xs = from_timer(xs, t, rtx_timer);
	struct sock *sk = &xs->inet.sk;
	struct net *net = sock_net(sk);

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		/* try again when the owner is likely done */
		sk_reset_timer(sk, &xs->rtx_timer, jiffies + HZ / 50);
		goto out;
	}
	switch (sk->sk_state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECV:
		if (xs->retransmits >= READ_ONCE(xtcp_pernet(net)->sysctl.syn_retries)) {
			xtcp_done(sk, ETIMEDOUT);
			break;
		}
		xs->retransmits++;
		XTCP_INC_STATS(net, XTCP_MIB_SYNRETRANS);
		/* SYN_RECV after a simultaneous open resends its SYN-ACK */
		xtcp_send_sk(sk, sk->sk_state == TCP_SYN_SENT ?
			     XTCP_SYN : XTCP_SYN | XTCP_ACK, xs->iss, true);
		xtcp_syn_timer_arm(sk);
		break;
	case TCP_ESTABLISHED:
		xtcp_data_timeout(sk);
		break;
	}
out:
	bh_unlock_sock(sk);
	sock_put(sk);
}

/**
 * xtcp_init_timers() - set up a socket's timers (socket creation or clone)
 * @sk: the socket
 */
void xtcp_init_timers(struct sock *sk)
{
	timer_setup(&xtcp_sk(sk)->rtx_timer, xtcp_syn_timer, 0);
}

/**
 * xtcp_syn_timer_arm() - (re)start the SYN timer for the next timeout
 * @sk: a connecting socket, locked
 */
void xtcp_syn_timer_arm(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	sk_reset_timer(sk, &xs->rtx_timer, jiffies +
		       msecs_to_jiffies(xtcp_syn_rto_ms(sock_net(sk),
							xs->retransmits)));
}

/**
 * xtcp_syn_timer_stop() - stop the SYN timer
 * @sk: the socket, locked
 */
void xtcp_syn_timer_stop(struct sock *sk)
{
	sk_stop_timer(sk, &xtcp_sk(sk)->rtx_timer);
}

static void xtcp_req_timer(struct timer_list *t)
{
	struct xtcp_req *req = from_timer(req, t, timer);
	struct xtcp_sock *lxs = xtcp_sk(req->listener);
	struct net *net = sock_net(req->listener);
	bool expired = false;

	spin_lock(&lxs->queue_lock);
	if (!req->queued)
		goto out;
	if (req->retransmits >= READ_ONCE(xtcp_pernet(net)->sysctl.synack_retries)) {
		req->queued = false;
		list_del_init(&req->queue_node);
		lxs->syn_queue_len--;
		expired = true;
		goto out;
	}
	req->retransmits++;
	XTCP_INC_STATS(net, XTCP_MIB_SYNACKRETRANS);
	xtcp_send_synack(req);
	xtcp_req_timer_arm(req);
out:
	spin_unlock(&lxs->queue_lock);
	if (expired) {
		XTCP_INC_STATS(net, XTCP_MIB_SYNACKTIMEOUTS);
		xtcp_req_unhash(net, req);
		xtcp_req_put(req);	/* the queue's reference */
	}
	xtcp_req_put(req);		/* the timer's */
}

/**
 * xtcp_req_timer_init() - set up a half-open entry's SYN-ACK timer
 * @req: the entry
 */
void xtcp_req_timer_init(struct xtcp_req *req)
{
	timer_setup(&req->timer, xtcp_req_timer, 0);
}

/**
 * xtcp_req_timer_arm() - start the SYN-ACK timer for the next timeout
 * @req: a queued entry; its listener's queue_lock is held
 *
 * The pending timer holds a reference on the entry.
 */
void xtcp_req_timer_arm(struct xtcp_req *req)
{
	unsigned long when = jiffies +
		msecs_to_jiffies(xtcp_syn_rto_ms(sock_net(req->listener),
						 req->retransmits));

	refcount_inc(&req->refcnt);
	if (mod_timer(&req->timer, when))
		xtcp_req_put(req);	/* it was pending: it had one already */
}

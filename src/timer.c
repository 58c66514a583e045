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
 *   persist  the same rtx_timer again when data waits for the peer's
 *            window and nothing is in flight: probe a zero window, or send
 *            what a small one allows (RFC 9293 §3.8.6.1, §3.8.6.2.1);
 *            backed off like the RTO.
 *   delayed ACK  dack_timer: the ACK that waited for data to ride on goes
 *            alone after delack_ms (RFC 9293 §3.8.6.3).
 *   FIN_WAIT_2  rtx_timer once more, for an orphan waiting for the peer's
 *            FIN: it gives up after fin_timeout seconds.
 * One timer serves SYN, data and persist because they never overlap: what
 * it does when it fires follows from the state and the queues.
 *
 * The rules, as Linux's inet_csk timers:
 *   - A pending timer holds a socket reference (sk_reset_timer()).
 *   - A socket's timers are armed and stopped only under its lock, and
 *     only through the functions below, which also set or clear what says
 *     the timeout is wanted: xtcp_sock.rtx_on and .rtx_when for the rtx
 *     timer, .ack_pending for the delayed-ACK timer.
 *   - A timer's work runs only under the socket lock, and only if that
 *     flag is still set: in the callback (softirq, bh_lock_sock()) or,
 *     when a process owns the socket, in release_sock() (xtcp_release_cb(),
 *     from an XTCP_DEFER_* bit that holds a reference meanwhile).
 *   - A callback never re-arms its timer but through that work.
 * So stopping needs no del_timer_sync(): a callback that is already
 * running on another CPU when xtcp_clear_timers() runs finds rtx_on (or
 * ack_pending) clear once it has the lock, and neither acts nor re-arms.
 * A callback that fires before rtx_when (the timer was re-armed while it
 * ran) re-arms for rtx_when and does nothing else.
 * The SYN-ACK timer holds a reference on its entry.
 */

#include <linux/timer.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "xtcp.h"
#include "trace.h"

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

/* The RTO estimate (rto.c) within rto_min_ms..rto_max_ms, in us. */
u32 xtcp_rtx_timeout_us(struct sock *sk)
{
	const struct xtcp_sysctl *sc = &xtcp_pernet(sock_net(sk))->sysctl;

	return xtcp_rto_timeout(&xtcp_sk(sk)->rto,
				READ_ONCE(sc->rto_min_ms) * 1000U,
				READ_ONCE(sc->rto_max_ms) * 1000U);
}

/* Arm the rtx timer for @when (jiffies): the one way it is started. */
static void xtcp_rtx_set(struct sock *sk, unsigned long when)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_assert_locked(sk);

	WRITE_ONCE(xs->rtx_on, true);
	WRITE_ONCE(xs->rtx_when, when);
	sk_reset_timer(sk, &xs->rtx_timer, when);
}

/**
 * xtcp_rtx_timer_stop() - stop the rtx timer (SYN, data, persist, FIN_WAIT_2)
 * @sk: the socket, locked
 *
 * A callback already running elsewhere finds rtx_on clear and does nothing.
 */
void xtcp_rtx_timer_stop(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_assert_locked(sk);

	WRITE_ONCE(xs->rtx_on, false);
	sk_stop_timer(sk, &xs->rtx_timer);
}

/*
 * The retransmission timer expired with data outstanding (RFC 6298 §5.4-
 * 5.6, RFC 5681 §3.1): give up after retries2 expiries without progress
 * (ETIMEDOUT, as Linux's tcp_retries2); else back the timer off, shrink
 * the congestion window to one segment and send the oldest segment again,
 * whatever the peer's window (as Linux); SND.NXT goes back to its end, and
 * the segments beyond follow as ACKs come.
 */
static void xtcp_data_timeout(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct net *net = sock_net(sk);
	struct sk_buff *head;

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
	head = skb_peek(&sk->sk_write_queue);
	xtcp_trace_rtx(sk, head->len || !XTCP_SKB_CB(head)->fin ?
		       XTCP_RTX_DATA : XTCP_RTX_FIN, XTCP_SKB_CB(head)->seq,
		       xs->retransmits, xtcp_rtx_timeout_us(sk) / 1000);
	/* the oldest segment goes even into a closed window, as a probe */
	xtcp_retransmit_head(sk);
	xs->snd_nxt = XTCP_SKB_CB(head)->end_seq;
	xtcp_write_xmit(sk, false);
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
	xtcp_rtx_set(sk, jiffies + usecs_to_jiffies(xtcp_rtx_timeout_us(sk)));
}

/*
 * The persist timer's next timeout: the RTO (within rto_min_ms..
 * rto_max_ms), doubled for each probe sent since the window last opened,
 * at most rto_max_ms; in us.
 */
static u32 xtcp_persist_timeout_us(struct sock *sk)
{
	const struct xtcp_sysctl *sc = &xtcp_pernet(sock_net(sk))->sysctl;
	u64 max_us = READ_ONCE(sc->rto_max_ms) * 1000U;
	u64 us = xtcp_rtx_timeout_us(sk);

	us <<= xtcp_sk(sk)->probe_backoff;
	return min(us, max_us);
}

/*
 * The persist timer expired: data waits, nothing is in flight (RFC 9293
 * §3.8.6.1). A zero window is probed; a small one gets what fits. As
 * Linux's tcp_probe_timer(), the connection is given up only after
 * retries2 expiries the peer never answered (any ACK resets the count).
 */
static void xtcp_persist_timeout(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct net *net = sock_net(sk);

	if (skb_queue_empty(&sk->sk_write_queue) || xs->snd_nxt == xs->write_seq)
		return;
	if (xs->probes_out >= READ_ONCE(xtcp_pernet(net)->sysctl.retries2)) {
		xtcp_purge_queues(sk);
		xtcp_done(sk, ETIMEDOUT);
		return;
	}
	/*
	 * Every expiry counts, as in Linux's tcp_send_probe0(): also one that
	 * finds the window open but cannot send (a route gone, a device the
	 * socket is bound to): an orphan in that state otherwise waited
	 * forever, its timer re-armed each time (xtcp_fuzz_sys found one in
	 * LAST_ACK, probes_out 0). Any ACK of the peer resets the count.
	 */
	xs->probes_out++;
	if (xs->probe_backoff < 16)
		xs->probe_backoff++;
	if (!xs->snd_wnd) {
		xtcp_trace_rtx(sk, XTCP_RTX_PROBE, xs->snd_una - 1,
			       xs->probes_out, xtcp_persist_timeout_us(sk) / 1000);
		xtcp_send_probe(sk);
		xtcp_persist_timer_arm(sk);
		return;
	}
	xtcp_write_xmit(sk, true);
}

/**
 * xtcp_persist_timer_arm() - start the persist timer
 * @sk: an established socket, locked, with data waiting and none in flight
 *
 * The RTO (within rto_min_ms..rto_max_ms), doubled for each probe sent
 * since the window last opened, at most rto_max_ms.
 */
void xtcp_persist_timer_arm(struct sock *sk)
{
	xtcp_rtx_set(sk, jiffies + usecs_to_jiffies(xtcp_persist_timeout_us(sk)));
}

/*
 * The rtx timer's work (see the list at the top), under the socket lock,
 * from its callback or from release_sock(): nothing if it was stopped
 * meanwhile, a re-arm if it came early.
 */
static void xtcp_rtx_timeout(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct net *net = sock_net(sk);

	if (!xs->rtx_on)
		return;
	if (time_before(jiffies, xs->rtx_when)) {
		sk_reset_timer(sk, &xs->rtx_timer, xs->rtx_when);
		return;
	}
	WRITE_ONCE(xs->rtx_on, false);
	switch (sk->sk_state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECV:
		if (xs->retransmits >= READ_ONCE(xtcp_pernet(net)->sysctl.syn_retries)) {
			xtcp_done(sk, ETIMEDOUT);
			break;
		}
		xs->retransmits++;
		XTCP_INC_STATS(net, XTCP_MIB_SYNRETRANS);
		xtcp_trace_rtx(sk, sk->sk_state == TCP_SYN_SENT ?
			       XTCP_RTX_SYN : XTCP_RTX_SYNACK, xs->iss,
			       xs->retransmits,
			       xtcp_syn_rto_ms(net, xs->retransmits));
		/* SYN_RECV after a simultaneous open resends its SYN-ACK */
		xtcp_send_sk(sk, sk->sk_state == TCP_SYN_SENT ?
			     XTCP_SYN : XTCP_SYN | XTCP_ACK, xs->iss, true);
		xtcp_syn_timer_arm(sk);
		break;
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		if (xs->snd_una != xs->snd_max)
			xtcp_data_timeout(sk);
		else
			xtcp_persist_timeout(sk);
		break;
	case TCP_FIN_WAIT2:
		/* an orphan waited fin_timeout for the peer's FIN */
		if (sock_flag(sk, SOCK_DEAD)) {
			XTCP_INC_STATS(net, XTCP_MIB_FINWAIT2TIMEOUTS);
			xtcp_done(sk, 0);
		}
		break;
	}
}

/*
 * A socket timer's callback: under the socket lock, its work @fn now, or,
 * if a process owns the socket, deferral bit @bit for release_sock()
 * (xtcp_release_cb()), which holds a socket reference until then. The
 * timer's own reference goes last.
 */
static void xtcp_timer_fire(struct sock *sk, int bit,
			    void (*fn)(struct sock *sk))
{
	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		if (!test_and_set_bit(bit, &xtcp_sk(sk)->deferred))
			sock_hold(sk);
	} else {
		fn(sk);
	}
	bh_unlock_sock(sk);
	sock_put(sk);
}

static void xtcp_rtx_timer(struct timer_list *t)
{
	struct xtcp_sock *xs = from_timer(xs, t, rtx_timer);

	xtcp_timer_fire(&xs->inet.sk, XTCP_DEFER_RTX, xtcp_rtx_timeout);
}

/* The ACK that waited goes alone (DelayedAcks). Socket locked. */
static void xtcp_delack_send(struct sock *sk)
{
	if (!xtcp_sk(sk)->ack_pending ||
	    !((1 << sk->sk_state) & (XTCPF_SENDING | TCPF_FIN_WAIT2)))
		return;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_DELAYEDACKS);
	xtcp_send_ack(sk);
}

static void xtcp_dack_timer(struct timer_list *t)
{
	struct xtcp_sock *xs = from_timer(xs, t, dack_timer);

	xtcp_timer_fire(&xs->inet.sk, XTCP_DEFER_DACK, xtcp_delack_send);
}

/**
 * xtcp_release_cb() - work timers left while a process owned the socket
 * @sk: the socket; release_sock() calls this (struct proto .release_cb),
 *	still owned, its spinlock held with BH off
 *
 * A retransmission or a delayed ACK that came due then goes now, if its
 * timer was not stopped meanwhile.
 */
void xtcp_release_cb(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	sock_owned_by_me(sk);

	if (test_and_clear_bit(XTCP_DEFER_RTX, &xs->deferred)) {
		xtcp_rtx_timeout(sk);
		__sock_put(sk);		/* the rtx timer's deferral */
	}
	if (test_and_clear_bit(XTCP_DEFER_DACK, &xs->deferred)) {
		xtcp_delack_send(sk);
		__sock_put(sk);		/* the dack timer's deferral */
	}
}

/**
 * xtcp_dack_timer_arm() - let an ACK wait for data (delayed ACK)
 * @sk: an established socket, locked, with an ACK pending
 *
 * No earlier deadline is pushed back.
 */
void xtcp_dack_timer_arm(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_assert_locked(sk);

	if (timer_pending(&xs->dack_timer))
		return;
	sk_reset_timer(sk, &xs->dack_timer, jiffies +
		       msecs_to_jiffies(READ_ONCE(xtcp_pernet(sock_net(sk))->sysctl.delack_ms)));
}

/**
 * xtcp_fin_wait2_timer_arm() - bound an orphan's wait for the peer's FIN
 * @sk: a socket in FIN_WAIT_2, locked, closed by its program
 *
 * After net.xtcp.fin_timeout seconds the connection is dropped
 * (FinWait2Timeouts), as Linux's tcp_fin_timeout.
 */
void xtcp_fin_wait2_timer_arm(struct sock *sk)
{
	xtcp_rtx_set(sk, jiffies +
		     READ_ONCE(xtcp_pernet(sock_net(sk))->sysctl.fin_timeout) * HZ);
}

/**
 * xtcp_clear_timers() - stop every timer of a socket (and deferred work)
 * @sk: the socket, locked, leaving the synchronized states
 *
 * No timer's work runs after this, even from a callback already running
 * on another CPU (the rules at the top of timer.c), until a timer is
 * armed again.
 */
void xtcp_clear_timers(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_assert_locked(sk);

	xtcp_rtx_timer_stop(sk);
	xs->ack_pending = false;
	sk_stop_timer(sk, &xs->dack_timer);
	if (test_and_clear_bit(XTCP_DEFER_RTX, &xs->deferred))
		__sock_put(sk);
	if (test_and_clear_bit(XTCP_DEFER_DACK, &xs->deferred))
		__sock_put(sk);
}

/**
 * xtcp_init_timers() - set up a socket's timers (socket creation or clone)
 * @sk: the socket
 */
void xtcp_init_timers(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	timer_setup(&xs->rtx_timer, xtcp_rtx_timer, 0);
	timer_setup(&xs->dack_timer, xtcp_dack_timer, 0);
	xs->rtx_on = false;
	xs->deferred = 0;
}

/**
 * xtcp_syn_timer_arm() - (re)start the SYN timer for the next timeout
 * @sk: a connecting socket, locked
 */
void xtcp_syn_timer_arm(struct sock *sk)
{
	xtcp_rtx_set(sk, jiffies +
		     msecs_to_jiffies(xtcp_syn_rto_ms(sock_net(sk),
						      xtcp_sk(sk)->retransmits)));
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
		trace_xtcp_queue_drop(req->listener, req->raddr, req->rport,
				      XTCP_QUEUE_SYN, XTCP_DROP_TIMEOUT,
				      lxs->syn_queue_len,
				      xtcp_syn_queue_limit(req->listener));
		lxs->syn_queue_len--;
		trace_xtcp_state(req, XTCP_OBJ_REQ, req->laddr, req->lport,
				 req->raddr, req->rport, TCP_SYN_RECV,
				 TCP_CLOSE);
		expired = true;
		goto out;
	}
	req->retransmits++;
	XTCP_INC_STATS(net, XTCP_MIB_SYNACKRETRANS);
	WRITE_ONCE(lxs->lstats.synack_retrans, lxs->lstats.synack_retrans + 1);
	trace_xtcp_retransmit(XTCP_RTX_SYNACK, req->laddr, req->lport,
			      req->raddr, req->rport, req->iss,
			      req->retransmits,
			      xtcp_syn_rto_ms(net, req->retransmits));
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

	lockdep_assert_held(&xtcp_sk(req->listener)->queue_lock);

	refcount_inc(&req->refcnt);
	if (mod_timer(&req->timer, when))
		xtcp_req_put(req);	/* it was pending: it had one already */
}

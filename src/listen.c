// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - listening: listen(), the two queues, accept().
 *
 * A listener keeps two queues (RFC 9293 §3.5, Linux's model):
 *   SYN queue     half-open entries (struct xtcp_req): a SYN came and our
 *                 SYN-ACK went out; at most net.xtcp.max_syn_backlog, and
 *                 at most backlog + 1 (Linux TCP's limit without SYN
 *                 cookies, which xtcp does not have).
 *   accept queue  children (full sockets, ESTABLISHED) waiting for
 *                 accept(); full when its length exceeds the backlog
 *                 (sk_acceptq_is_full(), Linux's rule).
 * Both change under the listener's queue_lock only (see xtcp.h).
 */

#include <linux/security.h>
#include <linux/slab.h>
#include <linux/sched/signal.h>
#include <net/inet_common.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "xtcp.h"
#include "compat.h"
#include "trace.h"

/* xtcp_state for a half-open entry. */
static void xtcp_trace_req(const struct xtcp_req *req, int old, int state)
{
	trace_xtcp_state(req, XTCP_OBJ_REQ, req->laddr, req->lport,
			 req->raddr, req->rport, old, state);
}

/**
 * xtcp_syn_queue_limit() - how many half-open entries a listener may hold
 * @sk: the listener
 *
 * net.xtcp.max_syn_backlog, and at most the listen() backlog + 1.
 */
u32 xtcp_syn_queue_limit(const struct sock *sk)
{
	return min_t(u32, READ_ONCE(xtcp_pernet(sock_net(sk))->sysctl.max_syn_backlog),
		     READ_ONCE(sk->sk_max_ack_backlog) + 1);
}

static struct kmem_cache *xtcp_req_cache __read_mostly;

/**
 * xtcp_req_cache_init() - create the slab of half-open entries
 *
 * SLAB_TYPESAFE_BY_RCU: see demux.c. Return: 0 or -ENOMEM.
 */
int xtcp_req_cache_init(void)
{
	xtcp_req_cache = kmem_cache_create("xtcp_req", sizeof(struct xtcp_req),
					   0, SLAB_TYPESAFE_BY_RCU, NULL);
	return xtcp_req_cache ? 0 : -ENOMEM;
}

/**
 * xtcp_req_cache_exit() - destroy it (every entry is gone)
 */
void xtcp_req_cache_exit(void)
{
	kmem_cache_destroy(xtcp_req_cache);
}

/**
 * xtcp_req_put() - drop a reference on a half-open entry
 * @req: the entry; the last reference frees it and drops its listener's
 */
void xtcp_req_put(struct xtcp_req *req)
{
	if (refcount_dec_and_test(&req->refcnt)) {
		sock_put(req->listener);
		kmem_cache_free(xtcp_req_cache, req);
	}
}

/**
 * xtcp_listen() - listen() (struct proto_ops .listen)
 * @sock: the socket
 * @backlog: accept-queue limit, already capped by net.core.somaxconn
 *
 * As inet_listen(): EINVAL unless unconnected and CLOSED or LISTEN; a
 * second listen() only changes the backlog. An unbound socket gets an
 * ephemeral port; a bound one has its port checked again, since a listener
 * conflicts with sockets a bound socket does not (EADDRINUSE).
 *
 * Return: 0 or a negative errno.
 */
int xtcp_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	int err = -EINVAL;

	lock_sock(sk);
	if (sock->state != SS_UNCONNECTED)
		goto out;
	if (sk->sk_state != TCP_CLOSE && sk->sk_state != TCP_LISTEN)
		goto out;
	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	err = 0;
	if (sk->sk_state == TCP_LISTEN)
		goto out;

	err = -EADDRINUSE;
	/* the port is checked as a listener's */
	xtcp_state_store(sk, TCP_LISTEN);
	if (xtcp_get_port(sk, inet_sk(sk)->inet_num)) {
		xtcp_state_store(sk, TCP_CLOSE);
		goto out;
	}
	inet_sk(sk)->inet_sport = htons(inet_sk(sk)->inet_num);
	WRITE_ONCE(sk->sk_ack_backlog, 0);
	xs->syn_queue_len = 0;
	memset(&xs->lstats, 0, sizeof(xs->lstats));
	xtcp_hash(sk);
	err = 0;
out:
	release_sock(sk);
	return err;
}

/**
 * xtcp_conn_request() - a segment for a listener (RFC 9293 §3.10.7.2)
 * @sk: the listener (referenced)
 * @skb: the segment, parsed; not consumed
 *
 * RST: ignored. ACK: answered with <SEQ=SEG.ACK><CTL=RST>. SYN: unless a
 * queue is full, a half-open entry is created and the SYN-ACK sent.
 */
void xtcp_conn_request(struct sock *sk, struct sk_buff *skb)
{
	const struct xtcp_hdr *h = &XTCP_SKB_CB(skb)->h;
	const struct iphdr *iph = ip_hdr(skb);
	struct xtcp_sock *lxs = xtcp_sk(sk);
	struct net *net = sock_net(sk);
	struct xtcp_req *req;
	struct rtable *rt;
	struct flowi4 fl4;

	if (h->flags & XTCP_RST)
		return;
	if (h->flags & XTCP_ACK) {
		xtcp_send_rst_reply(net, skb, TCP_LISTEN);
		return;
	}
	if (!(h->flags & XTCP_SYN))
		return;

	/*
	 * the route back gives the MSS we announce; its flow classified for
	 * the LSM as the SYN-ACK's will be (xtcp_route_reply())
	 */
	flowi4_init_output(&fl4, sk->sk_bound_dev_if, READ_ONCE(sk->sk_mark),
			   0, RT_SCOPE_UNIVERSE, xtcp_proto, 0, iph->saddr,
			   iph->daddr, htons(h->sport), htons(h->dport),
			   sk->sk_uid);
	security_sk_classify_flow(sk, flowi4_to_flowi_common(&fl4));
	rt = ip_route_output_flow(net, &fl4, sk);
	if (IS_ERR(rt))
		return;

	/*
	 * The slab is SLAB_TYPESAFE_BY_RCU: a lookup may still hold this memory
	 * as an older entry. Its reference count stays 0 until the keys are
	 * set, and the lookup checks the keys after taking a reference.
	 */
	req = kmem_cache_alloc(xtcp_req_cache, GFP_ATOMIC);
	if (!req)
		goto out_rt;
	req->acked = false;
	req->queued = false;
	req->retransmits = 0;
	req->laddr = iph->daddr;
	req->raddr = iph->saddr;
	req->lport = htons(h->dport);
	req->rport = htons(h->sport);
	req->irs = h->seq;
	req->iss = xtcp_new_isn(req->laddr, req->raddr, req->lport, req->rport);
	req->advmss = xtcp_user_mss(sk, dst_metric_advmss(&rt->dst));
	req->mss = xtcp_snd_mss(h->mss, req->advmss,
				READ_ONCE(xtcp_pernet(net)->sysctl.min_snd_mss));
	/* window scaling (RFC 7323 §2.2): if the SYN offers it and we do */
	req->ws_ok = h->has_ws &&
		     READ_ONCE(xtcp_pernet(net)->sysctl.window_scaling);
	req->snd_wscale = req->ws_ok ? h->ws : 0;
	req->rcv_wscale = req->ws_ok ? xtcp_choose_wscale(net) : 0;
	INIT_LIST_HEAD(&req->queue_node);
	xtcp_req_timer_init(req);
	sock_hold(sk);
	req->listener = sk;
	write_pnet(&req->net, net);
	smp_wmb();	/* keys before the count: see xtcp_lookup_req() */
	refcount_set(&req->refcnt, 1);	/* the queue's */

	spin_lock(&lxs->queue_lock);
	if (inet_sk_state_load(sk) != TCP_LISTEN)
		goto drop;
	if (sk_acceptq_is_full(sk)) {
		XTCP_INC_STATS(net, XTCP_MIB_LISTENOVERFLOWS);
		WRITE_ONCE(lxs->lstats.overflows, lxs->lstats.overflows + 1);
		trace_xtcp_queue_drop(sk, req->raddr, req->rport,
				      XTCP_QUEUE_ACCEPT, XTCP_DROP_SYN,
				      READ_ONCE(sk->sk_ack_backlog),
				      READ_ONCE(sk->sk_max_ack_backlog) + 1);
		goto drop_count;
	}
	if (lxs->syn_queue_len >= xtcp_syn_queue_limit(sk)) {
		XTCP_INC_STATS(net, XTCP_MIB_SYNQUEUEOVERFLOWS);
		WRITE_ONCE(lxs->lstats.syn_overflows, lxs->lstats.syn_overflows + 1);
		trace_xtcp_queue_drop(sk, req->raddr, req->rport,
				      XTCP_QUEUE_SYN, XTCP_DROP_SYN,
				      lxs->syn_queue_len,
				      xtcp_syn_queue_limit(sk));
		goto drop_count;
	}
	req->queued = true;
	list_add_tail(&req->queue_node, &lxs->syn_queue);
	lxs->syn_queue_len++;
	xtcp_trace_req(req, TCP_LISTEN, TCP_SYN_RECV);
	xtcp_req_hash(net, req);
	xtcp_send_synack(req);
	xtcp_req_timer_arm(req);
	spin_unlock(&lxs->queue_lock);
	ip_rt_put(rt);
	return;

drop_count:
	XTCP_INC_STATS(net, XTCP_MIB_LISTENDROPS);
	WRITE_ONCE(lxs->lstats.drops, lxs->lstats.drops + 1);
drop:
	spin_unlock(&lxs->queue_lock);
	xtcp_req_put(req);
out_rt:
	ip_rt_put(rt);
}

/* Take @req off its listener's SYN queue; queue_lock held. */
static void xtcp_req_dequeue(struct xtcp_req *req)
{
	lockdep_assert_held(&xtcp_sk(req->listener)->queue_lock);
	req->queued = false;
	list_del_init(&req->queue_node);
	xtcp_sk(req->listener)->syn_queue_len--;
	if (timer_delete(&req->timer))
		xtcp_req_put(req);	/* the pending timer's reference */
}

/*
 * The final ACK of @req's handshake: a child socket, ESTABLISHED, with two
 * references (one is the caller's), still locked (bh_lock_sock(), by
 * sk_clone_lock()): the caller processes the ACK on it, then unlocks it.
 * Listener's queue_lock held. NULL without memory.
 */
static struct sock *xtcp_create_child(struct xtcp_req *req, u32 snd_wnd)
{
	struct sock *sk = req->listener, *child;
	struct xtcp_sock *cxs;
	struct inet_sock *inet;

	lockdep_assert_held(&xtcp_sk(sk)->queue_lock);
	child = sk_clone_lock(sk, GFP_ATOMIC);
	if (!child)
		return NULL;
	cxs = xtcp_sk(child);
	inet = inet_sk(child);
	/* nothing of the listener's own state carries over */
	cxs->retransmits = req->retransmits;	/* for xtcp_stream_init() */
	cxs->syn_queue_len = 0;
	memset(&cxs->lstats, 0, sizeof(cxs->lstats));
	xtcp_init_timers(child);
	cxs->ooo_queue = RB_ROOT;
	cxs->ooo_last = NULL;
	spin_lock_init(&cxs->queue_lock);
	INIT_LIST_HEAD(&cxs->syn_queue);
	INIT_LIST_HEAD(&cxs->accept_queue);
	INIT_LIST_HEAD(&cxs->accept_node);
	RCU_INIT_POINTER(inet->inet_opt, NULL);
	inet->mc_list = NULL;
	sk_node_init(&child->sk_node);

	inet->inet_daddr = req->raddr;
	inet->inet_dport = req->rport;
	inet->inet_rcv_saddr = req->laddr;
	inet->inet_saddr = req->laddr;
	inet->inet_sport = req->lport;
	cxs->iss = req->iss;
	cxs->snd_una = req->iss + 1;
	cxs->snd_nxt = req->iss + 1;
	cxs->irs = req->irs;
	cxs->rcv_nxt = req->irs + 1;
	cxs->mss = req->mss;
	cxs->advmss = req->advmss;
	cxs->ws_sent = req->ws_ok;
	cxs->snd_wscale = req->snd_wscale;
	cxs->rcv_wscale = req->rcv_wscale;
	xtcp_stream_init(child, snd_wnd << req->snd_wscale);
	/* the window our SYN-ACK advertised is the one the peer may fill */
	cxs->rcv_wnd = XTCP_SYNACK_WINDOW;

	/* not yet visible, and not traced: its entry was in SYN_RECV */
	child->sk_state = TCP_SYN_RECV;
	xtcp_inherit_port(child, sk);
	xtcp_set_state(child, TCP_ESTABLISHED);
	xtcp_hash(child);
	return child;
}

/**
 * xtcp_req_rcv() - a segment for a half-open entry (RFC 9293 §3.10.7.4,
 * SYN-RECEIVED)
 * @req: the entry (referenced by the caller)
 * @skb: the segment, parsed; consumed only if true is returned
 *
 * The retransmitted SYN: the SYN-ACK is sent again, nothing new is made.
 * An acceptable RST removes the entry. An ACK must acknowledge our ISN+1
 * exactly, else it is answered with <SEQ=SEG.ACK><CTL=RST>. The right ACK
 * makes a child on the accept queue, or, if that queue is full, leaves the
 * entry for its SYN-ACK retransmission (or resets it with
 * net.xtcp.abort_on_overflow=1). The child then processes that ACK as its
 * first segment in ESTABLISHED (§3.10.7.4, fifth: "continue processing"),
 * so data and a FIN riding on it are received, as by Linux's
 * tcp_child_process(); the listener's owner is woken after that.
 *
 * Return: true if @skb went to the new connection (consumed).
 */
bool xtcp_req_rcv(struct xtcp_req *req, struct sk_buff *skb)
{
	const struct xtcp_hdr *h = &XTCP_SKB_CB(skb)->h;
	struct sock *sk = req->listener, *child = NULL;
	struct xtcp_sock *lxs = xtcp_sk(sk);
	struct net *net = sock_net(sk);
	bool drop = false, reset = false;

	spin_lock(&lxs->queue_lock);
	/* xtcp_listen_stop() takes both away in one queue_lock section */
	if (!req->queued || inet_sk_state_load(sk) != TCP_LISTEN)
		goto out;

	if (h->flags & XTCP_RST) {
		/* RFC 5961 §3.2 would want an exact match; the window is one */
		if (h->seq == req->irs + 1) {
			trace_xtcp_reset_recv(ip_hdr(skb)->saddr,
					      ip_hdr(skb)->daddr, h,
					      TCP_SYN_RECV);
			XTCP_INC_STATS(net, XTCP_MIB_EMBRYONICRSTS);
			XTCP_INC_STATS(net, XTCP_MIB_ATTEMPTFAILS);
			drop = true;
		}
		goto out;
	}
	if (h->flags & XTCP_SYN) {
		if (h->seq == req->irs && !(h->flags & XTCP_ACK))
			xtcp_send_synack(req);	/* a retransmitted SYN */
		goto out;
	}
	if (!(h->flags & XTCP_ACK))
		goto out;
	if (h->ack != req->iss + 1) {
		reset = true;
		goto out;
	}
	if (h->seq != req->irs + 1) {
		xtcp_send_synack(req);	/* not acceptable: acknowledge */
		goto out;
	}
	if (sk_acceptq_is_full(sk)) {
		XTCP_INC_STATS(net, XTCP_MIB_LISTENOVERFLOWS);
		XTCP_INC_STATS(net, XTCP_MIB_LISTENDROPS);
		WRITE_ONCE(lxs->lstats.overflows, lxs->lstats.overflows + 1);
		WRITE_ONCE(lxs->lstats.drops, lxs->lstats.drops + 1);
		if (READ_ONCE(xtcp_pernet(net)->sysctl.abort_on_overflow)) {
			reset = true;
			drop = true;
		} else {
			req->acked = true;
		}
		trace_xtcp_queue_drop(sk, req->raddr, req->rport,
				      XTCP_QUEUE_ACCEPT,
				      drop ? XTCP_DROP_ACK_RESET : XTCP_DROP_ACK,
				      READ_ONCE(sk->sk_ack_backlog),
				      READ_ONCE(sk->sk_max_ack_backlog) + 1);
		goto out;
	}
	child = xtcp_create_child(req, h->window);
	if (!child)
		goto out;	/* no memory: the SYN-ACK timer tries again */
	drop = true;
	list_add_tail(&xtcp_sk(child)->accept_node, &lxs->accept_queue);
	sk_acceptq_added(sk);
	XTCP_INC_STATS(net, XTCP_MIB_PASSIVEOPENS);
out:
	if (drop && req->queued) {
		xtcp_req_dequeue(req);
		if (!child)
			xtcp_trace_req(req, TCP_SYN_RECV, TCP_CLOSE);
	}
	spin_unlock(&lxs->queue_lock);

	if (reset)
		xtcp_send_rst_reply(net, skb, TCP_SYN_RECV);
	if (drop) {
		xtcp_req_unhash(net, req);
		xtcp_req_put(req);	/* the queue's reference */
	}
	if (!child)
		return false;
	/*
	 * Locked since sk_clone_lock() in xtcp_create_child(), so no process
	 * owns the child yet, and a recv() right after accept() waits for
	 * this segment's data.
	 */
	__acquire(&child->sk_lock.slock);
	xtcp_rcv_locked(child, skb);
	bh_unlock_sock(child);
	sock_put(child);	/* sk_clone_lock()'s caller reference */
	sk->sk_data_ready(sk);
	return true;
}

/* Wait for the accept queue to fill; socket locked. */
static int xtcp_wait_for_connect(struct sock *sk, long timeo)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int err;

	add_wait_queue_exclusive(sk_sleep(sk), &wait);
	for (;;) {
		if (!list_empty_careful(&xs->accept_queue)) {
			err = 0;
			break;
		}
		err = -EINVAL;
		if (sk->sk_state != TCP_LISTEN)
			break;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			break;
		err = -EAGAIN;
		if (!timeo)
			break;
		release_sock(sk);
		timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, timeo);
		lock_sock(sk);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return err;
}

/**
 * xtcp_accept_sk() - take a connection from a listener's accept queue
 * @sk: the listening socket
 * @flags: file flags of the accepting call (O_NONBLOCK)
 * @kern: accept on behalf of the kernel
 * @err: set to a negative errno when NULL is returned
 *
 * As Linux TCP: EINVAL if not listening, EAGAIN if non-blocking and the
 * queue is empty, the socket's receive timeout for a blocking wait.
 *
 * Return: the new socket, or NULL with *@err set.
 */
struct sock *xtcp_accept_sk(struct sock *sk, int flags, bool kern, int *err)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sock *child = NULL;
	int error;

	lock_sock(sk);
	error = -EINVAL;
	if (sk->sk_state != TCP_LISTEN)
		goto out;
	error = xtcp_wait_for_connect(sk, sock_rcvtimeo(sk, flags & O_NONBLOCK));
	if (error)
		goto out;
	spin_lock_bh(&xs->queue_lock);
	if (!list_empty(&xs->accept_queue)) {
		struct xtcp_sock *cxs = list_first_entry(&xs->accept_queue,
							 struct xtcp_sock,
							 accept_node);

		list_del_init(&cxs->accept_node);
		sk_acceptq_removed(sk);
		child = &cxs->inet.sk;
	}
	spin_unlock_bh(&xs->queue_lock);
	error = child ? 0 : -EAGAIN;
out:
	release_sock(sk);
	*err = error;
	return child;
}

/* Reset and free a child nobody accepted. */
static void xtcp_child_abort(struct sock *child)
{
	local_bh_disable();
	bh_lock_sock(child);
	if (child->sk_state != TCP_CLOSE) {
		xtcp_send_sk(child, XTCP_RST | XTCP_ACK, xtcp_sk(child)->snd_nxt,
			     false);
		xtcp_clear_timers(child);
		xtcp_set_state(child, TCP_CLOSE);
	}
	xtcp_purge_queues(child);
	sock_orphan(child);
	bh_unlock_sock(child);
	local_bh_enable();
	sock_put(child);
}

/**
 * xtcp_listen_stop() - a listener closes: reset everything it queued
 * @sk: the listener, locked, in LISTEN
 *
 * In one queue_lock section the listener leaves LISTEN and its queues are
 * emptied: a SYN or a final ACK that takes the queue_lock afterwards finds
 * it not listening and makes nothing (xtcp_conn_request(),
 * xtcp_req_rcv()). Only then does it leave the tables and give its port
 * back, so every child was made while the listener held that port, and
 * inherited it (see xtcp.h). Every half-open entry and every connection
 * nobody accepted gets a RST and is freed.
 */
void xtcp_listen_stop(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct net *net = sock_net(sk);
	struct xtcp_req *req, *rtmp;
	struct xtcp_sock *cxs, *ctmp;
	LIST_HEAD(reqs);
	LIST_HEAD(children);

	xtcp_assert_locked(sk);

	spin_lock_bh(&xs->queue_lock);
	xtcp_state_store(sk, TCP_CLOSE);
	list_for_each_entry_safe(req, rtmp, &xs->syn_queue, queue_node) {
		req->queued = false;
		list_move_tail(&req->queue_node, &reqs);
	}
	xs->syn_queue_len = 0;
	list_splice_init(&xs->accept_queue, &children);
	WRITE_ONCE(sk->sk_ack_backlog, 0);
	spin_unlock_bh(&xs->queue_lock);
	/* already CLOSE: out of lhash, and the port back unless bind() chose it */
	xtcp_set_state(sk, TCP_CLOSE);

	list_for_each_entry_safe(req, rtmp, &reqs, queue_node) {
		struct xtcp_hdr rst = {
			.sport = ntohs(req->lport),
			.dport = ntohs(req->rport),
			.seq = req->iss + 1,
			.flags = XTCP_RST,
		};

		list_del_init(&req->queue_node);
		if (timer_shutdown_sync(&req->timer))
			xtcp_req_put(req);
		xtcp_trace_req(req, TCP_SYN_RECV, TCP_CLOSE);
		local_bh_disable();
		xtcp_send_reply(net, NULL, req->laddr, req->raddr, &rst,
				TCP_SYN_RECV);
		local_bh_enable();
		xtcp_req_unhash(net, req);
		xtcp_req_put(req);
	}
	list_for_each_entry_safe(cxs, ctmp, &children, accept_node) {
		list_del_init(&cxs->accept_node);
		xtcp_child_abort(&cxs->inet.sk);
	}
}

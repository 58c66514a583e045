// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - the socket API: struct proto and struct proto_ops.
 *
 * The generic af_inet helpers (inet_bind, inet_stream_connect, inet_accept,
 * inet_getname, inet_shutdown, inet_sendmsg, inet_recvmsg, inet_release)
 * do the socket-level work and call into struct proto below. sk_state holds
 * TCP's state numbers (TCP_CLOSE, TCP_LISTEN, ...), which those helpers read.
 *
 * send() and recv() are in stream.c. Everything behaves as Linux TCP does
 * on a socket in the same state.
 */

#include <linux/net.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <asm/ioctls.h>
#include <linux/sockios.h>
#include <net/inet_common.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include <uapi/linux/xtcp.h>

#include "xtcp.h"
#include "compat.h"
#include "trace.h"

/**
 * xtcp_state_store() - set a socket's sk_state, the one place that does
 * @sk: the socket, locked (or not yet visible to anyone else)
 * @state: TCP_* state
 *
 * Paired with inet_sk_state_load() for lockless readers. Fires the
 * xtcp_state tracepoint on a change, except a socket's TIME_WAIT ->
 * CLOSE: the connection lives on as its TIME_WAIT entry, whose end is
 * traced (timewait.c).
 */
void xtcp_state_store(struct sock *sk, int state)
{
	const struct inet_sock *inet = inet_sk(sk);
	int old = sk->sk_state;

	if (old != state && old != TCP_TIME_WAIT)
		trace_xtcp_state(sk, XTCP_OBJ_SOCK, inet->inet_rcv_saddr,
				 inet->inet_sport, inet->inet_daddr,
				 inet->inet_dport, old, state);
	smp_store_release(&sk->sk_state, state);	/* inet_sk_state_load() */
}

/* States CurrEstab counts (RFC 1213's tcpCurrEstab, Linux's too). */
#define XTCPF_CURRESTAB	(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)

/**
 * xtcp_set_state() - move a socket to a new state
 * @sk: the socket, locked
 * @state: TCP_* state
 *
 * Keeps CurrEstab (ESTABLISHED and CLOSE_WAIT) and EstabResets as Linux's
 * tcp_set_state(), and on CLOSED leaves the tables: the socket is unhashed
 * and, unless bind() chose its port, gives the port back (as Linux TCP).
 */
void xtcp_set_state(struct sock *sk, int state)
{
	int old = sk->sk_state;
	struct net *net = sock_net(sk);
	bool was = (1 << old) & XTCPF_CURRESTAB;
	bool is = (1 << state) & XTCPF_CURRESTAB;

	xtcp_assert_locked(sk);

	if (is && !was)
		XTCP_INC_STATS(net, XTCP_MIB_CURRESTAB);
	else if (was && !is)
		XTCP_DEC_STATS(net, XTCP_MIB_CURRESTAB);
	if (state == TCP_CLOSE &&
	    (old == TCP_ESTABLISHED || old == TCP_CLOSE_WAIT))
		XTCP_INC_STATS(net, XTCP_MIB_ESTABRESETS);
	if (state == TCP_CLOSE) {
		xtcp_unhash(sk);
		if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
			xtcp_put_port(sk);
	}
	xtcp_state_store(sk, state);
}

/**
 * xtcp_done() - a connection ends (reset, timeout, abort, or its last ACK)
 * @sk: the socket, locked; the caller holds a reference
 * @err: errno the owner sees (ECONNREFUSED, ECONNRESET, ETIMEDOUT), or 0
 *
 * As Linux's tcp_done(): CLOSED, both directions shut, the owner woken; a
 * socket its program closed already (an orphan) is destroyed.
 */
void xtcp_done(struct sock *sk, int err)
{
	struct sk_buff *skb;

	xtcp_assert_locked(sk);

	if (sk->sk_state == TCP_SYN_SENT || sk->sk_state == TCP_SYN_RECV)
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ATTEMPTFAILS);
	xtcp_clear_timers(sk);
	/* unsent and unacknowledged data is lost; received data stays */
	while ((skb = __skb_dequeue(&sk->sk_write_queue)))
		xtcp_wmem_free_skb(sk, skb);
	xtcp_set_state(sk, TCP_CLOSE);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (err) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	}
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
	else
		xtcp_destroy_sock(sk);
}

/**
 * xtcp_destroy_sock() - free an orphan that reached CLOSED
 * @sk: the socket, locked, closed by its program (SOCK_DEAD), CLOSED; the
 *	caller holds a reference besides the one dropped here
 *
 * As Linux's inet_csk_destroy_sock(): timers stopped, queues freed, out
 * of the tables, the orphan count down, and the reference its program's
 * close() left to the protocol dropped.
 */
void xtcp_destroy_sock(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));

	xtcp_assert_locked(sk);

	xtcp_clear_timers(sk);
	xtcp_purge_queues(sk);
	xtcp_unhash(sk);
	xtcp_put_port(sk);
	atomic_dec(&xn->orphans);
	XTCP_DEC_STATS(sock_net(sk), XTCP_MIB_ORPHANS);
	sock_put(sk);
}

/**
 * xtcp_send_active_rst() - abort: <SEQ=SND.NXT><CTL=RST,ACK>
 * @sk: a synchronized socket, locked
 *
 * As Linux's tcp_send_active_reset(); the caller closes the socket.
 */
void xtcp_send_active_rst(struct sock *sk)
{
	xtcp_assert_locked(sk);

	xtcp_send_sk(sk, XTCP_RST | XTCP_ACK, xtcp_sk(sk)->snd_max, false);
}

/*
 * Before connect() (struct proto .pre_connect), as tcp_v4_pre_connect():
 * the cgroup BPF programs of BPF_CGROUP_INET4_CONNECT, which may refuse
 * the connection (EPERM) or rewrite the address it goes to (in @uaddr,
 * which connect() then uses). inet_stream_connect() calls it, the socket
 * locked, only while such a program is attached somewhere.
 */
static int xtcp_pre_connect(struct sock *sk, struct sockaddr *uaddr,
			    int addr_len)
{
	/* a program must not read beyond what the caller passed */
	if (addr_len < sizeof(struct sockaddr_in))
		return -EINVAL;
	sock_owned_by_me(sk);
	return xtcp_bpf_inet4_connect(sk, uaddr, addr_len);
}

/**
 * xtcp_connect() - start an active open (struct proto .connect)
 * @sk: the socket, locked, CLOSED
 * @uaddr: the peer's address
 * @addr_len: its length
 *
 * RFC 9293 §3.10.1 (OPEN, active): route, choose the local address and an
 * ephemeral port if unbound, pick the ISS, send <SEQ=ISS><CTL=SYN> with the
 * MSS option and go to SYN_SENT. inet_stream_connect() then waits (or
 * returns EINPROGRESS).
 *
 * Return: 0 or a negative errno (ENETUNREACH, EADDRNOTAVAIL, ...).
 */
static int xtcp_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_in *usin = (struct sockaddr_in *)uaddr;
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct flowi4 *fl4 = &inet->cork.fl.u.ip4;
	struct rtable *rt;
	__be32 daddr;
	int err;

	sock_owned_by_me(sk);

	if (addr_len < sizeof(*usin))
		return -EINVAL;
	if (usin->sin_family != AF_INET)
		return -EAFNOSUPPORT;
	daddr = usin->sin_addr.s_addr;

	rt = ip_route_connect(fl4, daddr, inet->inet_saddr, sk->sk_bound_dev_if,
			      xtcp_proto, inet->inet_sport, usin->sin_port, sk);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}
	if (!inet->inet_saddr)
		inet->inet_saddr = fl4->saddr;
	inet->inet_rcv_saddr = inet->inet_saddr;
	inet->inet_dport = usin->sin_port;
	inet->inet_daddr = daddr;

	if (!inet->inet_num) {
		err = xtcp_connect_port(sk);
		if (err)
			goto failure;
		inet->inet_sport = htons(inet->inet_num);
	}
	sk_setup_caps(sk, &rt->dst);
	rt = NULL;

	xs->advmss = xtcp_user_mss(sk, dst_metric_advmss(__sk_dst_get(sk)));
	xs->mss = xs->advmss;
	/* offer window scaling (RFC 7323); the SYN-ACK decides */
	xs->ws_sent = READ_ONCE(xtcp_pernet(sock_net(sk))->sysctl.window_scaling);
	xs->rcv_wscale = xs->ws_sent ? xtcp_choose_wscale(sock_net(sk)) : 0;
	xs->snd_wscale = 0;
	xs->iss = xtcp_new_isn(inet->inet_saddr, daddr, inet->inet_sport,
			       inet->inet_dport);
	xs->snd_una = xs->iss;
	xs->snd_nxt = xs->iss + 1;
	xs->write_seq = xs->snd_nxt;	/* the SYN is queued, as Linux counts */
	xs->retransmits = 0;

	xtcp_state_store(sk, TCP_SYN_SENT);
	xtcp_hash(sk);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ACTIVEOPENS);
	err = xtcp_send_sk(sk, XTCP_SYN, xs->iss, true);
	if (err == -ENOBUFS || err == -EHOSTUNREACH || err == -ENETUNREACH) {
		xtcp_set_state(sk, TCP_CLOSE);
		goto failure;
	}
	xtcp_syn_timer_arm(sk);
	return 0;

failure:
	xtcp_state_store(sk, TCP_CLOSE);
	if (rt)
		ip_rt_put(rt);
	sk_dst_reset(sk);
	if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
		xtcp_put_port(sk);
	inet->inet_dport = 0;
	sk->sk_route_caps = 0;
	return err;
}

/*
 * connect(AF_UNSPEC), and inet_stream_connect() after a failed connect:
 * drop any connection attempt and return to CLOSED, unconnected.
 */
static int xtcp_disconnect(struct sock *sk, int flags)
{
	struct inet_sock *inet = inet_sk(sk);

	if (sk->sk_state == TCP_LISTEN) {
		/* shutdown(SHUT_RD) of a listener: it stops, as TCP's */
		xtcp_listen_stop(sk);
	} else if (sk->sk_state != TCP_CLOSE) {
		if (sk->sk_state != TCP_SYN_SENT)
			xtcp_send_active_rst(sk);
		xtcp_clear_timers(sk);
		xtcp_purge_queues(sk);
		xtcp_sk(sk)->fin_queued = false;
		xtcp_set_state(sk, TCP_CLOSE);
	}
	inet->inet_dport = 0;
	inet->inet_daddr = 0;
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
		inet_reset_saddr(sk);
	sk_dst_reset(sk);
	WRITE_ONCE(sk->sk_shutdown, 0);
	sock_reset_flag(sk, SOCK_DONE);
	WRITE_ONCE(sk->sk_err, 0);
	return 0;
}

/**
 * xtcp_ioctl_val() - protocol ioctls on a kernel int
 * @sk: the socket
 * @cmd: SIOCINQ (FIONREAD), SIOCOUTQ or SIOCOUTQNSD
 * @karg: where the answer goes
 *
 * As in TCP: bytes waiting to be read; bytes sent and not acknowledged
 * plus not sent; bytes not sent. A listener has no queues (EINVAL).
 *
 * Return: 0, -EINVAL, or -ENOIOCTLCMD for a command that is not ours.
 */
int xtcp_ioctl_val(struct sock *sk, int cmd, int *karg)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool synced;

	switch (cmd) {
	case SIOCINQ:
	case SIOCOUTQ:
	case SIOCOUTQNSD:
		if (inet_sk_state_load(sk) == TCP_LISTEN)
			return -EINVAL;
		lock_sock(sk);
		synced = sk->sk_state == TCP_ESTABLISHED ||
			 sk->sk_state == TCP_CLOSE_WAIT;
		if (cmd == SIOCINQ)
			*karg = xtcp_inq(sk);
		else if (!synced)
			*karg = 0;
		else if (cmd == SIOCOUTQ)
			*karg = xs->write_seq - xs->snd_una;
		else
			*karg = xs->write_seq - xs->snd_nxt;
		release_sock(sk);
		return 0;
	default:
		return -ENOIOCTLCMD;
	}
}

/*
 * setsockopt() at SOL_XTCP, which is xtcp's protocol number (as SOL_TCP is
 * IPPROTO_TCP); every other level goes to the IP layer, which answers for
 * SOL_IP and refuses the rest as for TCP's and UDP's sockets (ENOPROTOOPT;
 * EOPNOTSUPP from getsockopt()). Each option behaves as the TCP option of
 * the same number (include/uapi/linux/xtcp.h).
 */
static int xtcp_setsockopt(struct sock *sk, int level, int optname,
			   sockptr_t optval, unsigned int optlen)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	int val;

	if (level != xtcp_proto)
		return ip_setsockopt(sk, level, optname, optval, optlen);
	if (optname != XTCP_NODELAY && optname != XTCP_MAXSEG)
		return -ENOPROTOOPT;
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;

	if (optname == XTCP_MAXSEG) {
		if (val && (val < XTCP_MIN_USER_MSS || val > XTCP_MAX_USER_MSS))
			return -EINVAL;
		WRITE_ONCE(xs->user_mss, val);
		return 0;
	}
	lock_sock(sk);
	WRITE_ONCE(xs->nodelay, !!val);
	if (val)	/* what Nagle held goes now, as TCP's */
		xtcp_write_xmit(sk, false);
	release_sock(sk);
	return 0;
}

static int xtcp_getsockopt(struct sock *sk, int level, int optname,
			   char __user *optval, int __user *optlen)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	int val, len;

	if (level != xtcp_proto)
		return ip_getsockopt(sk, level, optname, optval, optlen);
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	switch (optname) {
	case XTCP_NODELAY:
		val = READ_ONCE(xs->nodelay);
		break;
	case XTCP_MAXSEG:
		/*
		 * as TCP's: the largest segment sent (xtcp_seg_size()), or what
		 * was set while unconnected
		 */
		val = READ_ONCE(xs->mss) ? xtcp_seg_size(sk) : XTCP_DEFAULT_MSS;
		if (READ_ONCE(xs->user_mss) &&
		    (1 << inet_sk_state_load(sk)) & (TCPF_CLOSE | TCPF_LISTEN))
			val = READ_ONCE(xs->user_mss);
		break;
	default:
		return -ENOPROTOOPT;
	}
	len = min_t(unsigned int, len, sizeof(int));
	if (put_user(len, optlen) || copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}

/*
 * Memory accounting of queued data (struct proto), as TCP's: global limits
 * in pages (sysctl_mem, set at load from the machine's memory as
 * tcp_mem is), per-socket default and maximum buffer sizes.
 */
static atomic_long_t xtcp_memory_allocated;
static DEFINE_PER_CPU(int, xtcp_memory_per_cpu_fw_alloc);
static long xtcp_sysctl_mem[3];
static int xtcp_sysctl_wmem[3] = { 4096, 16384, 4194304 };	/* tcp_wmem */
static int xtcp_sysctl_rmem[3] = { 4096, 131072, 6291456 };	/* tcp_rmem */

/**
 * xtcp_mem_init() - memory limits for queued data, from the machine's memory
 *
 * Linux's tcp_init_mem(): pressure from 3/4 of a sixteenth of the buffer
 * pages, hard limit at twice that.
 */
void xtcp_mem_init(void)
{
	unsigned long limit = max(nr_free_buffer_pages() / 16, 128UL);

	xtcp_sysctl_mem[0] = limit / 4 * 3;
	xtcp_sysctl_mem[1] = limit;
	xtcp_sysctl_mem[2] = xtcp_sysctl_mem[0] * 2;
}

/*
 * Room in the send buffer again (sk_write_space): wake writers and poll
 * once a third of it is free, as TCP's sk_stream_write_space().
 */
static void xtcp_write_space(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	struct socket_wq *wq;

	if (!sock || sk_stream_wspace(sk) < sk_stream_min_wspace(sk))
		return;
	clear_bit(SOCK_NOSPACE, &sock->flags);
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM |
					   EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

/* A new socket (struct proto .init). */
static int xtcp_init_sock(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	sk->sk_write_space = xtcp_write_space;
	xtcp_init_timers(sk);
	xs->ooo_queue = RB_ROOT;
	xs->ooo_last = NULL;
	spin_lock_init(&xs->queue_lock);
	INIT_LIST_HEAD(&xs->syn_queue);
	INIT_LIST_HEAD(&xs->accept_queue);
	INIT_LIST_HEAD(&xs->accept_node);
	return 0;
}

/* States in which close() or shutdown(SHUT_WR) sends a FIN, and the next. */
static int xtcp_fin_next_state(int state)
{
	switch (state) {
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
		return TCP_FIN_WAIT1;
	case TCP_CLOSE_WAIT:
		return TCP_LAST_ACK;
	}
	return 0;
}

/* Queue our FIN after the data and move on (RFC 9293 §3.10.4 CLOSE). */
static void xtcp_close_send(struct sock *sk)
{
	int next = xtcp_fin_next_state(sk->sk_state);

	if (!next)
		return;
	xtcp_set_state(sk, next);
	xtcp_send_fin(sk);
}

/*
 * shutdown() (struct proto .shutdown), after inet_shutdown() has set
 * sk_shutdown: SHUT_WR sends a FIN after the data (half-close); SHUT_RD
 * alone sends nothing, as TCP's.
 */
static void xtcp_shutdown(struct sock *sk, int how)
{
	if (how & SEND_SHUTDOWN)
		xtcp_close_send(sk);
}

/*
 * close() (struct proto .close), as Linux's tcp_close():
 *   LISTEN             the listener stops, resetting what it queued;
 *   SYN_SENT           the attempt just stops;
 *   unread data        RST (RFC 2525 §2.17; AbortOnClose), CLOSED;
 *   SO_LINGER {1, 0}   RST (AbortOnLinger), CLOSED, no TIME_WAIT;
 *   otherwise          a FIN after the queued data (FIN_WAIT_1 or
 *                      LAST_ACK), and the connection runs on without its
 *                      program (an orphan) until CLOSED or TIME_WAIT;
 *                      SO_LINGER {1, t} waits up to t for that.
 * An orphan in FIN_WAIT_2 gives up after fin_timeout. Beyond max_orphans
 * the connection is reset instead (OrphanOverflows).
 */
static void xtcp_close(struct sock *sk, long timeout)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct net *net = sock_net(sk);
	int state;

	lock_sock(sk);
	state = sk->sk_state;
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (state == TCP_LISTEN) {
		xtcp_listen_stop(sk);
	} else if (state == TCP_SYN_SENT) {
		xtcp_clear_timers(sk);
		xtcp_set_state(sk, TCP_CLOSE);
	} else if (state != TCP_CLOSE && xtcp_inq(sk)) {
		XTCP_INC_STATS(net, XTCP_MIB_ABORTONCLOSE);
		xtcp_send_active_rst(sk);
		xtcp_done(sk, 0);
	} else if (state != TCP_CLOSE && sock_flag(sk, SOCK_LINGER) &&
		   !sk->sk_lingertime) {
		XTCP_INC_STATS(net, XTCP_MIB_ABORTONLINGER);
		xtcp_send_active_rst(sk);
		xtcp_done(sk, 0);
	} else {
		xtcp_close_send(sk);
		if (timeout)
			sk_stream_wait_close(sk, timeout);
	}

	sock_hold(sk);		/* until release_sock() below */
	sock_orphan(sk);
	atomic_inc(&xn->orphans);
	XTCP_INC_STATS(net, XTCP_MIB_ORPHANS);
	if (sk->sk_state != TCP_CLOSE &&
	    atomic_read(&xn->orphans) > READ_ONCE(xn->sysctl.max_orphans)) {
		XTCP_INC_STATS(net, XTCP_MIB_ORPHANOVERFLOWS);
		xtcp_send_active_rst(sk);
		xtcp_set_state(sk, TCP_CLOSE);
	}
	if (sk->sk_state == TCP_FIN_WAIT2)
		xtcp_fin_wait2_timer_arm(sk);
	if (sk->sk_state == TCP_CLOSE)
		xtcp_destroy_sock(sk);	/* the program's reference */
	release_sock(sk);
	sock_put(sk);
}

struct proto xtcp_prot = {
	.name		= "XTCP",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct xtcp_sock),
	.slab_flags	= SLAB_TYPESAFE_BY_RCU,	/* RCU lookups: see demux.c */
	.init		= xtcp_init_sock,
	.close		= xtcp_close,
	.shutdown	= xtcp_shutdown,
	.pre_connect	= xtcp_pre_connect,
	.connect	= xtcp_connect,
	.disconnect	= xtcp_disconnect,
	.accept		= xtcp_proto_accept,
	.ioctl		= xtcp_proto_ioctl,
	.setsockopt	= xtcp_setsockopt,
	.getsockopt	= xtcp_getsockopt,
	.sendmsg	= xtcp_sendmsg,
	.recvmsg	= xtcp_recvmsg,
	.backlog_rcv	= xtcp_backlog_rcv,
	.release_cb	= xtcp_release_cb,
	.memory_allocated = &xtcp_memory_allocated,
	.per_cpu_fw_alloc = &xtcp_memory_per_cpu_fw_alloc,
	.sysctl_mem	= xtcp_sysctl_mem,
	.sysctl_wmem	= xtcp_sysctl_wmem,
	.sysctl_rmem	= xtcp_sysctl_rmem,
	.hash		= xtcp_hash,
	.unhash		= xtcp_unhash,
	.get_port	= xtcp_get_port,
	.no_autobind	= true,	/* a port comes from bind() or connect() */
};

/* Bytes to read, without the socket lock (poll). */
static u32 xtcp_inq_lockless(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	return READ_ONCE(xs->rcv_nxt) - READ_ONCE(xs->copied_seq);
}

/*
 * poll(): the readiness TCP reports for a socket in the same state
 * (tcp_poll()); listeners and connections join as they appear.
 */
static __poll_t xtcp_poll(struct file *file, struct socket *sock,
			  poll_table *wait)
{
	struct sock *sk = sock->sk;
	u8 shutdown;
	int state;
	__poll_t mask = 0;

	sock_poll_wait(file, sock, wait);

	state = inet_sk_state_load(sk);
	if (state == TCP_LISTEN)
		return list_empty_careful(&xtcp_sk(sk)->accept_queue) ?
			0 : EPOLLIN | EPOLLRDNORM;

	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	/* readable with SO_RCVLOWAT bytes queued, as tcp_stream_is_readable() */
	if (state != TCP_SYN_SENT && state != TCP_SYN_RECV &&
	    !skb_queue_empty_lockless(&sk->sk_receive_queue) &&
	    xtcp_inq_lockless(sk) >= sock_rcvlowat(sk, 0, INT_MAX))
		mask |= EPOLLIN | EPOLLRDNORM;
	/*
	 * Writable once synchronized: room in the send buffer
	 * (sk_stream_is_writeable() without its call through TCP's
	 * stream_memory_free), or a shut-down sender, whose write fails at
	 * once (EPIPE). Connecting sockets are neither (tcp_poll()).
	 */
	if (state != TCP_SYN_SENT && state != TCP_SYN_RECV &&
	    ((shutdown & SEND_SHUTDOWN) ||
	     sk_stream_wspace(sk) >= sk_stream_min_wspace(sk)))
		mask |= EPOLLOUT | EPOLLWRNORM;
	smp_rmb();	/* sk_err is set before the state changes */
	if (READ_ONCE(sk->sk_err) ||
	    !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

const struct proto_ops xtcp_stream_ops = {
	.family		= PF_INET,
	.owner		= THIS_MODULE,	/* every socket pins the module */
	.release	= inet_release,
	.bind		= inet_bind,
	.connect	= inet_stream_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= inet_accept,
	.getname	= inet_getname,
	.poll		= xtcp_poll,
	.ioctl		= inet_ioctl,
	.gettstamp	= sock_gettstamp,
	.listen		= xtcp_listen,
	.shutdown	= inet_shutdown,
	.setsockopt	= sock_common_setsockopt,
	.getsockopt	= sock_common_getsockopt,
	.sendmsg	= inet_sendmsg,
	.recvmsg	= inet_recvmsg,
	.mmap		= sock_no_mmap,
	XTCP_PROTO_OPS_SENDPAGE
};

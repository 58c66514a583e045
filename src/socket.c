// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - the socket API: struct proto and struct proto_ops.
 *
 * The generic af_inet helpers (inet_bind, inet_stream_connect, inet_accept,
 * inet_getname, inet_shutdown, inet_sendmsg, inet_recvmsg, inet_release)
 * do the socket-level work and call into struct proto below. sk_state holds
 * TCP's state numbers (TCP_CLOSE, TCP_LISTEN, ...), which those helpers read.
 *
 * Sending data is not done yet and fails with EOPNOTSUPP; receiving
 * answers as TCP does with nothing queued. Everything else behaves as
 * Linux TCP does on a socket in the same state.
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

#include "xtcp.h"
#include "compat.h"

/**
 * xtcp_set_state() - move a socket to a new state
 * @sk: the socket, locked
 * @state: TCP_* state
 *
 * Keeps CurrEstab, and on CLOSED leaves the tables: the socket is unhashed
 * and, unless bind() chose its port, gives the port back (as Linux TCP).
 */
void xtcp_set_state(struct sock *sk, int state)
{
	int old = sk->sk_state;
	struct net *net = sock_net(sk);

	if (state == TCP_ESTABLISHED && old != TCP_ESTABLISHED)
		XTCP_INC_STATS(net, XTCP_MIB_CURRESTAB);
	else if (old == TCP_ESTABLISHED && state != TCP_ESTABLISHED)
		XTCP_DEC_STATS(net, XTCP_MIB_CURRESTAB);
	if (state == TCP_CLOSE) {
		xtcp_unhash(sk);
		if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
			xtcp_put_port(sk);
	}
	xtcp_state_store(sk, state);
}

/**
 * xtcp_done() - a connection ends abruptly (reset, timeout, abort)
 * @sk: the socket, locked
 * @err: errno the owner sees (ECONNREFUSED, ECONNRESET, ETIMEDOUT), or 0
 *
 * As Linux's tcp_done(): CLOSED, both directions shut, the owner woken.
 * (No socket outlives its owner yet: close() ends a connection at once.)
 */
void xtcp_done(struct sock *sk, int err)
{
	if (sk->sk_state == TCP_SYN_SENT || sk->sk_state == TCP_SYN_RECV)
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ATTEMPTFAILS);
	xtcp_syn_timer_stop(sk);
	xtcp_set_state(sk, TCP_CLOSE);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (err) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	}
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
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

	xs->advmss = min_t(u32, dst_metric_advmss(__sk_dst_get(sk)), U16_MAX);
	xs->mss = xs->advmss;
	xs->iss = xtcp_new_isn(inet->inet_saddr, daddr, inet->inet_sport,
			       inet->inet_dport);
	xs->snd_una = xs->iss;
	xs->snd_nxt = xs->iss + 1;
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
		xtcp_set_state(sk, TCP_CLOSE);
		xtcp_listen_stop(sk);
	} else if (sk->sk_state != TCP_CLOSE) {
		if (sk->sk_state != TCP_SYN_SENT)
			xtcp_send_sk(sk, XTCP_RST | XTCP_ACK,
				     xtcp_sk(sk)->snd_nxt, false);
		xtcp_syn_timer_stop(sk);
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
 * As in TCP, a listener has no queues to report (EINVAL); no other socket
 * can hold data yet.
 *
 * Return: 0, -EINVAL, or -ENOIOCTLCMD for a command that is not ours.
 */
int xtcp_ioctl_val(struct sock *sk, int cmd, int *karg)
{
	switch (cmd) {
	case SIOCINQ:
	case SIOCOUTQ:
	case SIOCOUTQNSD:
		if (inet_sk_state_load(sk) == TCP_LISTEN)
			return -EINVAL;
		*karg = 0;
		return 0;
	default:
		return -ENOIOCTLCMD;
	}
}

static int xtcp_setsockopt(struct sock *sk, int level, int optname,
			   sockptr_t optval, unsigned int optlen)
{
	if (level == SOL_IP)
		return ip_setsockopt(sk, level, optname, optval, optlen);
	return -ENOPROTOOPT;
}

static int xtcp_getsockopt(struct sock *sk, int level, int optname,
			   char __user *optval, int __user *optlen)
{
	if (level == SOL_IP)
		return ip_getsockopt(sk, level, optname, optval, optlen);
	return -ENOPROTOOPT;
}

static int xtcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t len)
{
	return -EOPNOTSUPP;
}

/*
 * recv() without a data path yet (the data-transfer issue adds one): what
 * Linux TCP answers when no data is queued. A pending error first
 * (ECONNRESET, ...), then 0 (end of stream) once the receive side is shut;
 * ENOTCONN if never connected or listening; otherwise wait (or EAGAIN).
 */
static int xtcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
			int flags, int *addr_len)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	long timeo;
	int err;

	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	add_wait_queue(sk_sleep(sk), &wait);
	for (;;) {
		err = -ENOTCONN;
		if (sk->sk_state == TCP_LISTEN)
			break;
		if (sk->sk_err) {
			err = sock_error(sk);
			break;
		}
		err = 0;
		if (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN)
			break;
		err = -ENOTCONN;
		if (sk->sk_state == TCP_CLOSE)
			break;
		err = -EAGAIN;
		if (!timeo)
			break;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			break;
		sk_wait_event(sk, &timeo, sk->sk_err ||
			      (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN) ||
			      sk->sk_state == TCP_CLOSE, &wait);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	release_sock(sk);
	return err;
}

/* A new socket (struct proto .init). */
static int xtcp_init_sock(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_init_timers(sk);
	spin_lock_init(&xs->queue_lock);
	INIT_LIST_HEAD(&xs->syn_queue);
	INIT_LIST_HEAD(&xs->accept_queue);
	INIT_LIST_HEAD(&xs->accept_node);
	return 0;
}

/*
 * close(). A listener resets what it queued. A connection is aborted with
 * a RST until the teardown issue brings FIN and the closing states; a
 * connecting socket just stops. Then the port is given back and the
 * socket released.
 */
static void xtcp_close(struct sock *sk, long timeout)
{
	int state;

	lock_sock(sk);
	state = sk->sk_state;
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (state == TCP_LISTEN) {
		xtcp_set_state(sk, TCP_CLOSE);
		xtcp_listen_stop(sk);
	} else if (state != TCP_CLOSE) {
		if (state != TCP_SYN_SENT)
			xtcp_send_sk(sk, XTCP_RST | XTCP_ACK,
				     xtcp_sk(sk)->snd_nxt, false);
		xtcp_syn_timer_stop(sk);
		xtcp_set_state(sk, TCP_CLOSE);
	}
	xtcp_put_port(sk);
	release_sock(sk);
	sk_common_release(sk);
}

struct proto xtcp_prot = {
	.name		= "XTCP",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct xtcp_sock),
	.slab_flags	= SLAB_TYPESAFE_BY_RCU,	/* RCU lookups: see demux.c */
	.init		= xtcp_init_sock,
	.close		= xtcp_close,
	.connect	= xtcp_connect,
	.disconnect	= xtcp_disconnect,
	.accept		= xtcp_proto_accept,
	.ioctl		= xtcp_proto_ioctl,
	.setsockopt	= xtcp_setsockopt,
	.getsockopt	= xtcp_getsockopt,
	.sendmsg	= xtcp_sendmsg,
	.recvmsg	= xtcp_recvmsg,
	.backlog_rcv	= xtcp_backlog_rcv,
	.hash		= xtcp_hash,
	.unhash		= xtcp_unhash,
	.get_port	= xtcp_get_port,
	.no_autobind	= true,	/* a port comes from bind() or connect() */
};

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

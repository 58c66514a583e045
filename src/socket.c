// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - the socket API: struct proto and struct proto_ops.
 *
 * The generic af_inet helpers (inet_bind, inet_stream_connect, inet_accept,
 * inet_getname, inet_shutdown, inet_sendmsg, inet_recvmsg, inet_release)
 * do the socket-level work and call into struct proto below. sk_state holds
 * TCP's state numbers (TCP_CLOSE, TCP_LISTEN, ...), which those helpers read.
 *
 * Operations the protocol does not do yet (bind, connect, listen, send,
 * receive) fail with EOPNOTSUPP; everything else behaves as Linux TCP does
 * on a socket in the same state.
 */

#include <linux/net.h>
#include <linux/poll.h>
#include <asm/ioctls.h>
#include <linux/sockios.h>
#include <net/inet_common.h>
#include <net/ip.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "xtcp.h"
#include "compat.h"

static int xtcp_bind(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	return -EOPNOTSUPP;
}

static int xtcp_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	return -EOPNOTSUPP;
}

/*
 * connect(AF_UNSPEC). A socket that never connected has nothing to undo;
 * like TCP, that succeeds.
 */
static int xtcp_disconnect(struct sock *sk, int flags)
{
	return 0;
}

/**
 * xtcp_accept_sk() - take a connection from a listener's accept queue
 * @sk: the listening socket
 * @flags: file flags of the accepting call (O_NONBLOCK)
 * @kern: accept on behalf of the kernel
 * @err: set to a negative errno when NULL is returned
 *
 * Nothing can listen yet, so this answers as TCP does for a socket that is
 * not listening.
 *
 * Return: the new socket, or NULL with *@err set.
 */
struct sock *xtcp_accept_sk(struct sock *sk, int flags, bool kern, int *err)
{
	*err = -EINVAL;
	return NULL;
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

static int xtcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
			int flags, int *addr_len)
{
	return -EOPNOTSUPP;
}

/*
 * close(): the socket is in CLOSE (the only state it can reach yet), so
 * there is no connection to end. sk_common_release() unhashes, orphans and
 * drops the last reference.
 */
static void xtcp_close(struct sock *sk, long timeout)
{
	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	release_sock(sk);
	sk_common_release(sk);
}

struct proto xtcp_prot = {
	.name		= "XTCP",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct xtcp_sock),
	.close		= xtcp_close,
	.bind		= xtcp_bind,
	.connect	= xtcp_connect,
	.disconnect	= xtcp_disconnect,
	.accept		= xtcp_proto_accept,
	.ioctl		= xtcp_proto_ioctl,
	.setsockopt	= xtcp_setsockopt,
	.getsockopt	= xtcp_getsockopt,
	.sendmsg	= xtcp_sendmsg,
	.recvmsg	= xtcp_recvmsg,
	.hash		= xtcp_hash,
	.unhash		= xtcp_unhash,
	.no_autobind	= true,	/* a port comes from bind() or connect() */
};

static int xtcp_listen(struct socket *sock, int backlog)
{
	return -EOPNOTSUPP;
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
		return 0;

	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	/*
	 * Writable: room in the send buffer (sk_stream_is_writeable() without
	 * its call through TCP's stream_memory_free), or a shut-down sender,
	 * whose write fails at once (EPIPE).
	 */
	if ((shutdown & SEND_SHUTDOWN) ||
	    sk_stream_wspace(sk) >= sk_stream_min_wspace(sk))
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

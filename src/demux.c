// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - xtcp's own socket table, per network namespace.
 *
 * xtcp never uses TCP's inet_hashinfo: its sockets live only in these
 * tables. This is the table of sockets holding a local port, hashed by the
 * port; it backs struct proto's hash/unhash. Writers take xtcp_net.port_lock
 * (with _bh: segment input runs in softirq); readers walk under RCU.
 */

#include <linux/hash.h>
#include <net/sock.h>

#include "xtcp.h"

static struct hlist_head *xtcp_port_bucket(struct xtcp_net *xn, u16 port)
{
	return &xn->port_hash[hash_32(port, XTCP_PORT_HASH_BITS)];
}

/**
 * xtcp_demux_net_init() - empty socket table for a new netns
 * @xn: the namespace's xtcp state
 */
void xtcp_demux_net_init(struct xtcp_net *xn)
{
	unsigned int i;

	spin_lock_init(&xn->port_lock);
	for (i = 0; i < XTCP_PORT_HASH_SIZE; i++)
		INIT_HLIST_HEAD(&xn->port_hash[i]);
}

/**
 * xtcp_hash() - enter a socket in its netns's table (struct proto .hash)
 * @sk: socket with inet_num set to its local port
 *
 * Return: 0.
 */
int xtcp_hash(struct sock *sk)
{
	struct net *net = sock_net(sk);
	struct xtcp_net *xn = xtcp_pernet(net);

	spin_lock_bh(&xn->port_lock);
	sk_add_node_rcu(sk, xtcp_port_bucket(xn, inet_sk(sk)->inet_num));
	sock_prot_inuse_add(net, sk->sk_prot, 1);
	spin_unlock_bh(&xn->port_lock);
	return 0;
}

/**
 * xtcp_unhash() - remove a socket from its table (struct proto .unhash)
 * @sk: socket, hashed or not (then nothing happens)
 */
void xtcp_unhash(struct sock *sk)
{
	struct net *net = sock_net(sk);
	struct xtcp_net *xn = xtcp_pernet(net);

	if (sk_unhashed(sk))
		return;
	spin_lock_bh(&xn->port_lock);
	if (sk_del_node_init_rcu(sk))
		sock_prot_inuse_add(net, sk->sk_prot, -1);
	spin_unlock_bh(&xn->port_lock);
}

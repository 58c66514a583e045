// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - xtcp's own socket tables and local ports, per network namespace.
 *
 * xtcp never uses TCP's inet_hashinfo: its sockets live only here.
 *   bhash  sockets holding a local port (sk_bind_node), for bind() conflicts
 *          and ephemeral ports; under xtcp_net.port_lock
 *   lhash  listeners (sk_node), by local port
 *   ehash  connections (sk_node), by 4-tuple
 *   rhash  half-open entries (struct xtcp_req), by 4-tuple
 *   twhash TIME_WAIT entries (struct xtcp_tw), by 4-tuple
 *   tw_bhash  TIME_WAIT entries by local port: they keep it in use
 * lhash, ehash, rhash and twhash change under xtcp_net.lock and are read
 * under RCU; bhash and tw_bhash are under xtcp_net.port_lock.
 * Sockets and half-open entries come from SLAB_TYPESAFE_BY_RCU slabs, as
 * TCP's: an object found may be freed and reused meanwhile, so a lookup
 * takes a reference with refcount_inc_not_zero() and checks the keys
 * again; the lists are hlist_nulls, whose end marker names the bucket, so
 * a walk diverted to another bucket by a reused object is restarted.
 */

#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "xtcp.h"

static u32 xtcp_hash_secret __read_mostly;

/**
 * xtcp_ehashfn() - the bucket of a 4-tuple in ehash, rhash and twhash
 * @laddr: local address
 * @lport: local port
 * @raddr: remote address
 * @rport: remote port
 *
 * Return: the bucket's index.
 */
u32 xtcp_ehashfn(__be32 laddr, __be16 lport, __be32 raddr, __be16 rport)
{
	return jhash_3words((__force u32)laddr, (__force u32)raddr,
			    (u32)ntohs(lport) << 16 | ntohs(rport),
			    xtcp_hash_secret) & (XTCP_EHASH_SIZE - 1);
}

/* Does @sk hold a local port (is it on bhash)? */
static bool xtcp_has_port(const struct sock *sk)
{
	return !hlist_unhashed(&sk->sk_bind_node);
}

static struct hlist_head *xtcp_bucket(struct xtcp_net *xn, u16 port)
{
	return &xn->bhash[hash_32(port, XTCP_BHASH_BITS)];
}

/**
 * xtcp_demux_net_init() - empty tables for a new netns
 * @xn: the namespace's xtcp state
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_demux_net_init(struct xtcp_net *xn)
{
	unsigned int i;

	if (!xtcp_hash_secret)
		xtcp_hash_secret = get_random_u32() | 1;
	spin_lock_init(&xn->port_lock);
	spin_lock_init(&xn->lock);
	for (i = 0; i < XTCP_BHASH_SIZE; i++) {
		INIT_HLIST_HEAD(&xn->bhash[i]);
		INIT_HLIST_HEAD(&xn->tw_bhash[i]);
	}
	atomic_set(&xn->tw_count, 0);
	atomic_set(&xn->orphans, 0);
	for (i = 0; i < XTCP_LHASH_SIZE; i++)
		INIT_HLIST_NULLS_HEAD(&xn->lhash[i], i);
	xn->ehash = kvmalloc_array(XTCP_EHASH_SIZE, sizeof(*xn->ehash),
				   GFP_KERNEL);
	xn->rhash = kvmalloc_array(XTCP_EHASH_SIZE, sizeof(*xn->rhash),
				   GFP_KERNEL);
	xn->twhash = kvmalloc_array(XTCP_EHASH_SIZE, sizeof(*xn->twhash),
				    GFP_KERNEL);
	if (!xn->ehash || !xn->rhash || !xn->twhash) {
		xtcp_demux_net_exit(xn);
		return -ENOMEM;
	}
	for (i = 0; i < XTCP_EHASH_SIZE; i++) {
		INIT_HLIST_NULLS_HEAD(&xn->ehash[i], i);
		INIT_HLIST_NULLS_HEAD(&xn->rhash[i], i);
		INIT_HLIST_NULLS_HEAD(&xn->twhash[i], i);
	}
	return 0;
}

/**
 * xtcp_demux_net_exit() - free a netns's tables (all sockets are gone)
 * @xn: the namespace's xtcp state
 */
void xtcp_demux_net_exit(struct xtcp_net *xn)
{
	kvfree(xn->ehash);
	kvfree(xn->rhash);
	kvfree(xn->twhash);
	xn->ehash = NULL;
	xn->rhash = NULL;
	xn->twhash = NULL;
}

/* Do @sk and @sk2 want addresses that overlap? 0.0.0.0 overlaps all. */
static bool xtcp_addr_overlap(const struct sock *sk, const struct sock *sk2)
{
	__be32 a = sk->sk_rcv_saddr, b = sk2->sk_rcv_saddr;

	return !a || !b || a == b;
}

/*
 * Would binding @sk to the port @sk2 holds conflict? Linux TCP's rule for
 * bind() (inet_bind_conflict() with relax): not on different devices; not
 * if both set SO_REUSEADDR and @sk2 is not listening; else if the
 * addresses overlap. SO_REUSEPORT is not supported.
 */
static bool xtcp_bind_conflict(const struct sock *sk, const struct sock *sk2)
{
	int dev = sk->sk_bound_dev_if, dev2 = sk2->sk_bound_dev_if;

	if (sk == sk2)
		return false;
	if (dev && dev2 && dev != dev2)
		return false;
	if (sk->sk_reuse && sk2->sk_reuse &&
	    inet_sk_state_load(sk2) != TCP_LISTEN)
		return false;
	return xtcp_addr_overlap(sk, sk2);
}

/*
 * Would binding @sk to the port TIME_WAIT entry @tw holds conflict? The
 * same rule: an entry is never listening, and carries its socket's
 * SO_REUSEADDR and device.
 */
static bool xtcp_tw_bind_conflict(const struct sock *sk,
				  const struct xtcp_tw *tw)
{
	int dev = sk->sk_bound_dev_if;

	if (dev && tw->bound_dev_if && dev != tw->bound_dev_if)
		return false;
	if (sk->sk_reuse && tw->reuse)
		return false;
	return !sk->sk_rcv_saddr || sk->sk_rcv_saddr == tw->laddr;
}

static struct hlist_head *xtcp_tw_bucket(struct xtcp_net *xn, u16 port)
{
	return &xn->tw_bhash[hash_32(port, XTCP_BHASH_BITS)];
}

static bool xtcp_port_used(struct xtcp_net *xn, u16 port)
{
	struct xtcp_tw *tw;
	struct sock *sk2;

	sk_for_each_bound(sk2, xtcp_bucket(xn, port))
		if (inet_sk(sk2)->inet_num == port)
			return true;
	hlist_for_each_entry(tw, xtcp_tw_bucket(xn, port), bind_node)
		if (ntohs(tw->lport) == port)
			return true;
	return false;
}

static bool xtcp_port_conflict(struct xtcp_net *xn, const struct sock *sk,
			       u16 port)
{
	struct xtcp_tw *tw;
	struct sock *sk2;

	sk_for_each_bound(sk2, xtcp_bucket(xn, port))
		if (inet_sk(sk2)->inet_num == port &&
		    xtcp_bind_conflict(sk, sk2))
			return true;
	hlist_for_each_entry(tw, xtcp_tw_bucket(xn, port), bind_node)
		if (ntohs(tw->lport) == port && xtcp_tw_bind_conflict(sk, tw))
			return true;
	return false;
}

/*
 * An ephemeral port from net.ipv4.ip_local_port_range that nobody holds,
 * searched from a random start. 0 if the range is exhausted.
 */
static u16 xtcp_find_free_port(struct net *net, struct xtcp_net *xn)
{
	int low, high;
	u32 n, i, start;

	inet_get_local_port_range(net, &low, &high);
	n = high - low + 1;
	start = get_random_u32_below(n);
	for (i = 0; i < n; i++) {
		u16 port = low + (start + i) % n;

		if (inet_is_local_reserved_port(net, port))
			continue;
		if (!xtcp_port_used(xn, port))
			return port;
	}
	return 0;
}

/**
 * xtcp_get_port() - give a socket a local port (struct proto .get_port)
 * @sk: the socket; sk_rcv_saddr holds the address it binds to
 * @snum: the port asked for, or 0 for an ephemeral one
 *
 * Called by inet_bind(), listen() (which checks the port again: a
 * listener conflicts with more sockets than a bound one) and connect().
 *
 * Return: 0 with inet_num set, or -EADDRINUSE (inet_bind() returns it).
 */
int xtcp_get_port(struct sock *sk, unsigned short snum)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	int ret = -EADDRINUSE;

	spin_lock_bh(&xn->port_lock);
	if (!snum)
		snum = xtcp_find_free_port(sock_net(sk), xn);
	if (!snum || xtcp_port_conflict(xn, sk, snum))
		goto out;
	if (!xtcp_has_port(sk)) {
		inet_sk(sk)->inet_num = snum;
		sk_add_bind_node(sk, xtcp_bucket(xn, snum));
	}
	ret = 0;
out:
	spin_unlock_bh(&xn->port_lock);
	return ret;
}

/*
 * May connecting socket @sk use local @port? Like Linux TCP's
 * __inet_hash_connect(): not if anything bound it with bind() or listens on
 * it; a port other connections got from connect() is shared as long as the
 * 4-tuple is new.
 */
static bool xtcp_connect_port_ok(struct xtcp_net *xn, const struct sock *sk,
				 u16 port)
{
	const struct inet_sock *inet = inet_sk(sk);
	struct xtcp_tw *tw;
	struct sock *sk2;

	/* a TIME_WAIT entry keeps its 4-tuple (no timestamps to tell) */
	hlist_for_each_entry(tw, xtcp_tw_bucket(xn, port), bind_node) {
		if (ntohs(tw->lport) != port)
			continue;
		if (!tw->connect_port)
			return false;
		if (tw->raddr == inet->inet_daddr &&
		    tw->rport == inet->inet_dport &&
		    tw->laddr == inet->inet_saddr)
			return false;
	}
	sk_for_each_bound(sk2, xtcp_bucket(xn, port)) {
		const struct inet_sock *inet2 = inet_sk(sk2);

		if (inet2->inet_num != port)
			continue;
		if (!xtcp_sk(sk2)->connect_port)
			return false;
		if (inet2->inet_daddr == inet->inet_daddr &&
		    inet2->inet_dport == inet->inet_dport &&
		    inet2->inet_rcv_saddr == inet->inet_saddr)
			return false;
	}
	return true;
}

/**
 * xtcp_connect_port() - an ephemeral port for connect() of an unbound socket
 * @sk: the socket; its destination and source address are set
 *
 * Return: 0 with inet_num set, or -EADDRNOTAVAIL when every port of
 * net.ipv4.ip_local_port_range is taken for this destination (as TCP).
 */
int xtcp_connect_port(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct net *net = sock_net(sk);
	int low, high, ret = -EADDRNOTAVAIL;
	u32 n, i, start;

	inet_get_local_port_range(net, &low, &high);
	n = high - low + 1;
	start = get_random_u32_below(n);
	spin_lock_bh(&xn->port_lock);
	for (i = 0; i < n; i++) {
		u16 port = low + (start + i) % n;

		if (inet_is_local_reserved_port(net, port) ||
		    !xtcp_connect_port_ok(xn, sk, port))
			continue;
		inet_sk(sk)->inet_num = port;
		xtcp_sk(sk)->connect_port = true;
		sk_add_bind_node(sk, xtcp_bucket(xn, port));
		ret = 0;
		break;
	}
	spin_unlock_bh(&xn->port_lock);
	return ret;
}

/**
 * xtcp_put_port() - give a socket's local port back
 * @sk: the socket (nothing happens if it holds none)
 */
void xtcp_put_port(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));

	spin_lock_bh(&xn->port_lock);
	if (xtcp_has_port(sk)) {
		__sk_del_bind_node(sk);
		sk_node_init(&sk->sk_bind_node);
		inet_sk(sk)->inet_num = 0;	/* inet_sport stays, as TCP's */
		xtcp_sk(sk)->connect_port = false;
	}
	spin_unlock_bh(&xn->port_lock);
}

/**
 * xtcp_inherit_port() - a listener's child holds the listener's port too
 * @child: the new connection
 * @parent: its listener
 */
void xtcp_inherit_port(struct sock *child, const struct sock *parent)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(child));

	sk_node_init(&child->sk_bind_node);
	spin_lock(&xn->port_lock);
	sk_add_bind_node(child, xtcp_bucket(xn, inet_sk(parent)->inet_num));
	spin_unlock(&xn->port_lock);
}

/**
 * xtcp_hash() - enter a socket in the table its state calls for
 * @sk: a listener (lhash) or a connection with its 4-tuple set (ehash)
 *
 * struct proto .hash. Return: 0.
 */
int xtcp_hash(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct inet_sock *inet = inet_sk(sk);
	struct hlist_nulls_head *head;

	if (sk->sk_state == TCP_LISTEN)
		head = &xn->lhash[hash_32(inet->inet_num, XTCP_LHASH_BITS)];
	else
		head = &xn->ehash[xtcp_ehashfn(inet->inet_rcv_saddr,
					       inet->inet_sport,
					       inet->inet_daddr,
					       inet->inet_dport)];
	spin_lock_bh(&xn->lock);
	sk_nulls_add_node_rcu(sk, head);
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, 1);
	spin_unlock_bh(&xn->lock);
	return 0;
}

/**
 * xtcp_unhash() - remove a socket from its table (struct proto .unhash)
 * @sk: socket, hashed or not (then nothing happens)
 */
void xtcp_unhash(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));

	if (sk_unhashed(sk))
		return;
	spin_lock_bh(&xn->lock);
	if (sk_nulls_del_node_init_rcu(sk))
		sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
	spin_unlock_bh(&xn->lock);
}

/*
 * Does connection @sk have this 4-tuple (seen from an arriving segment),
 * in @net? The tables are per netns, but a lookup under RCU can follow an
 * object freed and reused meanwhile into the same bucket of another
 * netns's table (the nulls marker is the bucket number in every netns):
 * the namespace is part of the key, as in TCP's INET_MATCH().
 */
static bool xtcp_match(const struct sock *sk, const struct net *net,
		       __be32 saddr, __be16 sport, __be32 daddr, __be16 dport)
{
	const struct inet_sock *inet = inet_sk(sk);

	return inet->inet_daddr == saddr && inet->inet_dport == sport &&
	       inet->inet_rcv_saddr == daddr && inet->inet_sport == dport &&
	       net_eq(sock_net(sk), net);
}

/**
 * xtcp_lookup_established() - the connection a segment belongs to
 * @net: namespace
 * @saddr: the segment's source address
 * @sport: its source port
 * @daddr: its destination address
 * @dport: its destination port
 *
 * Return: the socket with a reference held, or NULL.
 */
struct sock *xtcp_lookup_established(struct net *net, __be32 saddr,
				     __be16 sport, __be32 daddr, __be16 dport)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	u32 slot = xtcp_ehashfn(daddr, dport, saddr, sport);
	struct hlist_nulls_node *node;
	struct sock *sk;

	rcu_read_lock();
begin:
	sk_nulls_for_each_rcu(sk, node, &xn->ehash[slot]) {
		if (!xtcp_match(sk, net, saddr, sport, daddr, dport))
			continue;
		if (unlikely(!refcount_inc_not_zero(&sk->sk_refcnt)))
			goto begin;
		if (unlikely(!xtcp_match(sk, net, saddr, sport, daddr, dport))) {
			sock_put(sk);	/* reused meanwhile */
			goto begin;
		}
		goto out;
	}
	if (get_nulls_value(node) != slot)
		goto begin;
	sk = NULL;
out:
	rcu_read_unlock();
	return sk;
}

/* Is listener @sk for (@daddr, @port)? 2: exactly, 1: as 0.0.0.0, 0: no. */
static int xtcp_listener_score(const struct sock *sk, const struct net *net,
			       __be32 daddr, u16 port, int dif)
{
	if (inet_sk(sk)->inet_num != port || !net_eq(sock_net(sk), net) ||
	    inet_sk_state_load(sk) != TCP_LISTEN ||
	    (sk->sk_bound_dev_if && sk->sk_bound_dev_if != dif))
		return 0;
	if (sk->sk_rcv_saddr == daddr)
		return 2;
	return sk->sk_rcv_saddr ? 0 : 1;
}

/**
 * xtcp_lookup_listener() - the listener for a segment's destination
 * @net: namespace
 * @daddr: destination address
 * @dport: destination port
 * @dif: arriving interface
 *
 * A listener on the exact address wins over one on 0.0.0.0.
 *
 * Return: the listener with a reference held, or NULL.
 */
struct sock *xtcp_lookup_listener(struct net *net, __be32 daddr,
				  __be16 dport, int dif)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	u16 port = ntohs(dport);
	u32 slot = hash_32(port, XTCP_LHASH_BITS);
	struct hlist_nulls_node *node;
	struct sock *sk, *best;
	int score, best_score;

	rcu_read_lock();
begin:
	best = NULL;
	best_score = 0;
	sk_nulls_for_each_rcu(sk, node, &xn->lhash[slot]) {
		score = xtcp_listener_score(sk, net, daddr, port, dif);
		if (score > best_score) {
			best = sk;
			best_score = score;
		}
	}
	if (get_nulls_value(node) != slot)
		goto begin;
	if (best) {
		if (unlikely(!refcount_inc_not_zero(&best->sk_refcnt)))
			goto begin;
		if (unlikely(xtcp_listener_score(best, net, daddr, port, dif) !=
			     best_score)) {
			sock_put(best);
			goto begin;
		}
	}
	rcu_read_unlock();
	return best;
}

/* Is half-open entry @req for this 4-tuple in @net (as xtcp_match())? */
static bool xtcp_req_match(const struct xtcp_req *req, const struct net *net,
			   __be32 saddr, __be16 sport, __be32 daddr,
			   __be16 dport)
{
	return req->raddr == saddr && req->rport == sport &&
	       req->laddr == daddr && req->lport == dport &&
	       net_eq(read_pnet(&req->net), net);
}

/**
 * xtcp_lookup_req() - the half-open entry a segment belongs to
 * @net: namespace
 * @saddr: the segment's source address
 * @sport: its source port
 * @daddr: its destination address
 * @dport: its destination port
 *
 * Return: the entry with a reference held, or NULL.
 */
struct xtcp_req *xtcp_lookup_req(struct net *net, __be32 saddr, __be16 sport,
				 __be32 daddr, __be16 dport)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	u32 slot = xtcp_ehashfn(daddr, dport, saddr, sport);
	struct hlist_nulls_node *node;
	struct xtcp_req *req;

	rcu_read_lock();
begin:
	hlist_nulls_for_each_entry_rcu(req, node, &xn->rhash[slot], hash_node) {
		if (!xtcp_req_match(req, net, saddr, sport, daddr, dport))
			continue;
		if (unlikely(!refcount_inc_not_zero(&req->refcnt)))
			goto begin;
		if (unlikely(!xtcp_req_match(req, net, saddr, sport, daddr, dport))) {
			xtcp_req_put(req);	/* reused meanwhile */
			goto begin;
		}
		goto out;
	}
	if (get_nulls_value(node) != slot)
		goto begin;
	req = NULL;
out:
	rcu_read_unlock();
	return req;
}

/**
 * xtcp_req_hash() - make a half-open entry findable by its 4-tuple
 * @net: namespace
 * @req: the entry, its keys set
 */
void xtcp_req_hash(struct net *net, struct xtcp_req *req)
{
	struct xtcp_net *xn = xtcp_pernet(net);

	spin_lock(&xn->lock);
	hlist_nulls_add_head_rcu(&req->hash_node,
				 &xn->rhash[xtcp_ehashfn(req->laddr, req->lport,
							 req->raddr,
							 req->rport)]);
	spin_unlock(&xn->lock);
}

/**
 * xtcp_req_unhash() - stop finding a half-open entry
 * @net: namespace
 * @req: the entry (must be hashed)
 */
void xtcp_req_unhash(struct net *net, struct xtcp_req *req)
{
	struct xtcp_net *xn = xtcp_pernet(net);

	spin_lock_bh(&xn->lock);
	hlist_nulls_del_init_rcu(&req->hash_node);
	spin_unlock_bh(&xn->lock);
}

/* Is TIME_WAIT entry @tw for this 4-tuple in @net (as xtcp_match())? */
static bool xtcp_tw_match(const struct xtcp_tw *tw, const struct net *net,
			  __be32 saddr, __be16 sport, __be32 daddr,
			  __be16 dport)
{
	return tw->raddr == saddr && tw->rport == sport &&
	       tw->laddr == daddr && tw->lport == dport &&
	       net_eq(read_pnet(&tw->net), net);
}

/**
 * xtcp_lookup_tw() - the TIME_WAIT entry a segment belongs to
 * @net: namespace
 * @saddr: the segment's source address
 * @sport: its source port
 * @daddr: its destination address
 * @dport: its destination port
 *
 * Return: the entry with a reference held, or NULL.
 */
struct xtcp_tw *xtcp_lookup_tw(struct net *net, __be32 saddr, __be16 sport,
			       __be32 daddr, __be16 dport)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	u32 slot = xtcp_ehashfn(daddr, dport, saddr, sport);
	struct hlist_nulls_node *node;
	struct xtcp_tw *tw;

	rcu_read_lock();
begin:
	hlist_nulls_for_each_entry_rcu(tw, node, &xn->twhash[slot], hash_node) {
		if (!xtcp_tw_match(tw, net, saddr, sport, daddr, dport))
			continue;
		if (unlikely(!refcount_inc_not_zero(&tw->refcnt)))
			goto begin;
		if (unlikely(!xtcp_tw_match(tw, net, saddr, sport, daddr, dport))) {
			xtcp_tw_put(tw);	/* reused meanwhile */
			goto begin;
		}
		goto out;
	}
	if (get_nulls_value(node) != slot)
		goto begin;
	tw = NULL;
out:
	rcu_read_unlock();
	return tw;
}

/**
 * xtcp_tw_hash() - enter a TIME_WAIT entry in the tables
 * @net: namespace
 * @tw: the entry, its keys set; it now holds its local port
 */
void xtcp_tw_hash(struct net *net, struct xtcp_tw *tw)
{
	struct xtcp_net *xn = xtcp_pernet(net);

	spin_lock_bh(&xn->lock);
	spin_lock(&xn->port_lock);
	hlist_add_head(&tw->bind_node, xtcp_tw_bucket(xn, ntohs(tw->lport)));
	spin_unlock(&xn->port_lock);
	hlist_nulls_add_head_rcu(&tw->hash_node,
				 &xn->twhash[xtcp_ehashfn(tw->laddr, tw->lport,
							  tw->raddr,
							  tw->rport)]);
	tw->hashed = true;
	spin_unlock_bh(&xn->lock);
}

/**
 * xtcp_tw_unhash() - take a TIME_WAIT entry out of the tables
 * @net: namespace
 * @tw: the entry
 *
 * Return: true if it was in them (the caller drops the tables' reference).
 */
bool xtcp_tw_unhash(struct net *net, struct xtcp_tw *tw)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	bool was;

	spin_lock_bh(&xn->lock);
	was = tw->hashed;
	if (was) {
		tw->hashed = false;
		hlist_nulls_del_init_rcu(&tw->hash_node);
		spin_lock(&xn->port_lock);
		hlist_del_init(&tw->bind_node);
		spin_unlock(&xn->port_lock);
	}
	spin_unlock_bh(&xn->lock);
	return was;
}

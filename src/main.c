// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - module parameter and registration with the inet layer.
 *
 * Registration order (exit runs it in exact reverse, and a failure unwinds
 * only what was done):
 *   0. the slab of half-open entries
 *   1. per-netns state          register_pernet_subsys()
 *   2. the socket type          proto_register()
 *   3. socket(AF_INET, SOCK_STREAM, proto) inet_register_protosw()
 *   4. packets of IP protocol   inet_add_protocol()
 * Packets are accepted last, once everything they can reach exists.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <net/protocol.h>
#include <net/inet_common.h>
#include <uapi/linux/xtcp.h>

#include "xtcp.h"

int xtcp_proto = IPPROTO_XTCP;
module_param_named(proto, xtcp_proto, int, 0444);
MODULE_PARM_DESC(proto,
		 "IP protocol number: 253 (default) or 254, the RFC 3692 experimental numbers");

/* SOCK_STREAM's value, for the module alias (see the end of this file). */
#define XTCP_SOCK_STREAM_VALUE 1

static struct inet_protosw xtcp_protosw = {
	.type		= SOCK_STREAM,
	.protocol	= IPPROTO_XTCP,	/* set from the parameter at init */
	.prot		= &xtcp_prot,
	.ops		= &xtcp_stream_ops,
	.flags		= 0,		/* not permanent: we unregister */
};

/*
 * no_policy: the inbound IPsec policy check is xtcp_v4_rcv()'s, with the
 * socket a segment is for (as TCP's and UDP's), not IP's, which knows none.
 */
static const struct net_protocol xtcp_net_protocol = {
	.handler	= xtcp_v4_rcv,
	.no_policy	= 1,
};

static int __init xtcp_init(void)
{
	int err;

	BUILD_BUG_ON(SOCK_STREAM != XTCP_SOCK_STREAM_VALUE);
	BUILD_BUG_ON(sizeof(struct xtcp_skb_cb) > sizeof_field(struct sk_buff, cb));
	if (!xtcp_proto_allowed(xtcp_proto)) {
		pr_err("proto=%d refused: only the RFC 3692 experimental IP protocol numbers %d and %d are allowed\n",
		       xtcp_proto, XTCP_PROTO_EXP1, XTCP_PROTO_EXP2);
		return -EINVAL;
	}
	/* Say so before registering anything; inet_add_protocol() rechecks. */
	if (rcu_access_pointer(inet_protos[xtcp_proto])) {
		pr_err("proto=%d refused: IP protocol %d is already handled by another protocol\n",
		       xtcp_proto, xtcp_proto);
		return -EBUSY;
	}
	xtcp_protosw.protocol = xtcp_proto;
	xtcp_isn_init();
	xtcp_mem_init();

	err = xtcp_req_cache_init();
	if (err)
		goto out;
	err = xtcp_tw_cache_init();
	if (err)
		goto out_req_cache;
	err = xtcp_netns_register();
	if (err)
		goto out_cache;
	err = proto_register(&xtcp_prot, 1);
	if (err)
		goto out_netns;
	inet_register_protosw(&xtcp_protosw);
	if (inet_add_protocol(&xtcp_net_protocol, xtcp_proto) < 0) {
		pr_err("proto=%d refused: IP protocol %d was taken by another protocol meanwhile\n",
		       xtcp_proto, xtcp_proto);
		err = -EBUSY;
		goto out_protosw;
	}
	pr_info("registered as IP protocol %d\n", xtcp_proto);
	return 0;

out_protosw:
	inet_unregister_protosw(&xtcp_protosw);
	proto_unregister(&xtcp_prot);
out_netns:
	xtcp_netns_unregister();
out_cache:
	xtcp_tw_cache_exit();
out_req_cache:
	xtcp_req_cache_exit();
out:
	return err;
}

static void __exit xtcp_exit(void)
{
	inet_del_protocol(&xtcp_net_protocol, xtcp_proto);
	inet_unregister_protosw(&xtcp_protosw);
	proto_unregister(&xtcp_prot);
	xtcp_netns_unregister();
	xtcp_tw_cache_exit();
	xtcp_req_cache_exit();
}

module_init(xtcp_init);
module_exit(xtcp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xtcp: an alternate TCP-like transport (IP protocol 253)");
MODULE_AUTHOR("The xtcp developers");
MODULE_VERSION(XTCP_VERSION);	/* from the file VERSION, see Kbuild */
/*
 * socket(AF_INET, SOCK_STREAM, 253) loads the module on demand: inet_create()
 * asks for "net-pf-2-proto-253-type-1", then "net-pf-2-proto-253". The type
 * must be a number (SOCK_STREAM is an enum the preprocessor cannot expand;
 * xtcp_init() checks the value).
 */
MODULE_ALIAS_NET_PF_PROTO_TYPE(PF_INET, IPPROTO_XTCP, XTCP_SOCK_STREAM_VALUE);
MODULE_ALIAS_NET_PF_PROTO(PF_INET, IPPROTO_XTCP);

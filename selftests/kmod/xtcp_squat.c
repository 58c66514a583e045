// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_squat.ko - a test helper, not part of xtcp: it claims an IP protocol
 * number with inet_add_protocol() (and drops whatever arrives), so the
 * selftests can check that xtcp refuses a number that is already taken.
 */
#include <linux/module.h>
#include <linux/skbuff.h>
#include <net/protocol.h>

static int proto = 254;
module_param(proto, int, 0444);
MODULE_PARM_DESC(proto, "IP protocol number to claim");

static int squat_rcv(struct sk_buff *skb)
{
	kfree_skb(skb);
	return 0;
}

static const struct net_protocol squat_protocol = {
	.handler = squat_rcv,
};

static int __init squat_init(void)
{
	if (proto < 1 || proto > 255)
		return -EINVAL;
	return inet_add_protocol(&squat_protocol, proto) ? -EBUSY : 0;
}

static void __exit squat_exit(void)
{
	inet_del_protocol(&squat_protocol, proto);
}

module_init(squat_init);
module_exit(squat_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xtcp selftest helper: occupies an IP protocol number");

// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_faults.ko - a test helper, not part of xtcp: on request it commits
 * one bug of each class the debug guest kernel must catch, so that a run
 * of it proves the debug lane fails when it should (scripts/debug-lane-check).
 *
 *	insmod xtcp_faults.ko fault=NAME
 *
 *   lock_inversion   takes two mutexes in one order, then in the other,
 *                    one after the other: no deadlock, but lockdep's
 *                    "possible circular locking dependency" (commit it
 *                    first: any report that taints the kernel turns
 *                    lockdep off)
 *   use_after_free   reads a kmalloc()ed word after kfree()   (KASAN)
 *   leak             kmalloc()s an object and forgets it     (kmemleak)
 *   timer_freed      kfree()s an object whose timer is armed (debug objects)
 *
 * Each bug is real but contained: nothing is written out of bounds, the
 * leaked object is small, the armed timer is stopped before its memory is
 * reused (debug objects report at the kfree() and deactivate it). The
 * load then fails with -EAGAIN, so the module never stays loaded.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/timer.h>

static char *fault = "";
module_param(fault, charp, 0444);
MODULE_PARM_DESC(fault, "use_after_free, lock_inversion, leak or timer_freed");

static DEFINE_MUTEX(faults_a);
static DEFINE_MUTEX(faults_b);
static void *faults_leaked;

struct faults_timed {
	struct timer_list timer;
	long pad[4];
};

static void faults_timer_fn(struct timer_list *t)
{
}

static noinline int faults_use_after_free(void)
{
	long *p = kmalloc(sizeof(*p) * 8, GFP_KERNEL);
	long v;

	if (!p)
		return -ENOMEM;
	p[0] = 1;
	kfree(p);
	v = READ_ONCE(p[0]);		/* the bug */
	pr_info("xtcp_faults: read %ld after free\n", v);
	return 0;
}

static noinline int faults_lock_inversion(void)
{
	mutex_lock(&faults_a);
	mutex_lock(&faults_b);
	mutex_unlock(&faults_b);
	mutex_unlock(&faults_a);

	mutex_lock(&faults_b);
	mutex_lock(&faults_a);		/* the bug: b then a, after a then b */
	mutex_unlock(&faults_a);
	mutex_unlock(&faults_b);
	return 0;
}

static noinline int faults_leak(void)
{
	char *p = kmalloc(96, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	strscpy(p, "xtcp_faults: leaked on purpose", 96);
	faults_leaked = p;
	WRITE_ONCE(faults_leaked, NULL);	/* the bug: the only pointer */
	return 0;
}

static noinline int faults_timer_freed(void)
{
	struct faults_timed *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return -ENOMEM;
	timer_setup(&t->timer, faults_timer_fn, 0);
	mod_timer(&t->timer, jiffies + 3600 * HZ);
	kfree(t);			/* the bug: freed while armed */
	return 0;
}

static int __init faults_init(void)
{
	int err = -EINVAL;

	if (!strcmp(fault, "use_after_free"))
		err = faults_use_after_free();
	else if (!strcmp(fault, "lock_inversion"))
		err = faults_lock_inversion();
	else if (!strcmp(fault, "leak"))
		err = faults_leak();
	else if (!strcmp(fault, "timer_freed"))
		err = faults_timer_freed();
	return err ? err : -EAGAIN;
}

module_init(faults_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xtcp selftest helper: one bug of each class the debug kernel detects");

// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/xtcp/snmp, every counter: each moves when its event happens,
 * by exactly the expected amount, and no other counter moves unless the
 * scenario says so.
 *
 * Every test runs in a network namespace of its own (the harness forks
 * each test; FIXTURE_SETUP unshares), where the counters start at 0 (the
 * setup checks that) and nothing else runs. The scripted peer of
 * xtcp_peer.h plays the remote host 10.0.0.2 behind a TUN device, so
 * every segment the stack (10.0.0.1) receives is one the test sent, and
 * every one it sends is read by the test.
 *
 * A scenario is a run of steps. Before the first, the test has a snapshot
 * of all counters (parsed from the file, whatever their number); each
 * STEP("id") provokes nothing itself: it looks "id" up in steps[] below,
 * waits up to the step's time for the counters to reach the snapshot plus
 * the step's moves (exact deltas, for every counter the step lists), and
 * then checks that every counter not listed has not moved at all; the new
 * snapshot is the next step's start. Gauges (CurrEstab, CurrTimeWait,
 * Orphans) are checked the same way, and since every namespace starts at
 * 0, their values too: the tests also assert them by value where the
 * scenario is about them.
 *
 * steps[] is the table of what each event does, and a counter is covered
 * when a step that "proves" it moves it: every_counter_covered fails for
 * a counter of the file no step proves (unless listed in exceptions[],
 * with the reason), for a name in the table the file does not have, and
 * for a step whose scenario does not exist; each scenario's teardown
 * fails if a step it owns was not run.
 *
 * Timeouts are shrunk through net.xtcp sysctls; those not under test are
 * raised instead (first RTO 5 s, SYN and SYN-ACK timeouts 10 s), so no
 * timer fires by accident on a slow guest.
 */
#include <poll.h>
#include <sched.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "xtcp_main.h"
#include "xtcp_proto.h"
#include "xtcp_peer.h"
#include "xtcp_script.h"

/* --- snapshots of /proc/net/xtcp/snmp --------------------------------------- */

#define MAX_COUNTERS	64
#define NAME_LEN	32

struct snap {
	int n;
	char name[MAX_COUNTERS][NAME_LEN];
	long v[MAX_COUNTERS];
};

/*
 * Every counter of the file, in its order: "Name<TAB>value" lines. 0, or
 * -errno (-EPROTO for a line of another form, -E2BIG for too many).
 */
static int snap_read(struct snap *s)
{
	char line[128], name[NAME_LEN];
	FILE *f = fopen("/proc/net/xtcp/snmp", "re");
	int err = 0;
	long v;

	s->n = 0;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31[A-Za-z0-9]\t%ld\n", name, &v) != 2) {
			err = -EPROTO;
			break;
		}
		if (s->n == MAX_COUNTERS) {
			err = -E2BIG;
			break;
		}
		snprintf(s->name[s->n], NAME_LEN, "%s", name);
		s->v[s->n++] = v;
	}
	fclose(f);
	return err;
}

static int snap_index(const struct snap *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return i;
	return -1;
}

/* --- what each event does ------------------------------------------------- */

#define MAX_MOVES	8
#define MAX_PROVES	3

struct move {
	const char *name;
	long delta;
};

/*
 * One step of a scenario: between the snapshot before it and the one
 * after, exactly @moves move (by their deltas) and nothing else.
 * @id: what the test passes to STEP()
 * @test: the scenario that owns the step (its teardown checks that it
 *	ran), or NULL for a step many share (a handshake)
 * @proves: counters whose event this step provokes; each must be in @moves
 * @wait_ms: how long the counters may take (a timer's step), default 1 s
 * @quiet_ms: instead, wait this long and compare once (a step that proves
 *	a timer sends nothing)
 */
struct step {
	const char *id;
	const char *test;
	const char *proves[MAX_PROVES];
	int wait_ms;
	int quiet_ms;
	struct move moves[MAX_MOVES];
};

static const struct step steps[] = {
	/* shared */
	{ "handshake", NULL, {}, 0, 0,
	  { { "InSegs", 2 }, { "OutSegs", 1 }, { "PassiveOpens", 1 }, { "CurrEstab", 1 } } },
	{ "syn_synack", NULL, {}, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 } } },
	{ "final_ack", NULL, {}, 0, 0,
	  { { "InSegs", 1 }, { "PassiveOpens", 1 }, { "CurrEstab", 1 } } },
	{ "peer_ack", NULL, {}, 0, 0,
	  { { "InSegs", 1 } } },
	{ "rst_from_listener", NULL, {}, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 }, { "OutRsts", 1 } } },
	{ "data_in_delayed_ack", NULL, {}, 0, 0,
	  { { "InSegs", 1 }, { "DataSegsIn", 1 }, { "OutSegs", 1 }, { "DelayedAcks", 1 } } },
	{ "fin_acked", NULL, {}, 0, 0,
	  { { "InSegs", 1 } } },

	/* InSegs */
	{ "in_segs.rst_closed_port", "in_segs", { "InSegs" }, 0, 0,
	  { { "InSegs", 1 } } },
	{ "in_segs.pure_ack", "in_segs", { "InSegs" }, 0, 0,
	  { { "InSegs", 1 } } },

	/* OutSegs */
	{ "out_segs.ack_out_of_window", "out_segs", { "OutSegs" }, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 } } },
	{ "out_segs.fin", "out_segs", { "OutSegs" }, 0, 0,
	  { { "OutSegs", 1 }, { "CurrEstab", -1 } } },

	/* InErrs, InCsumErrors */
	{ "in_errs.truncated", "in_errs", { "InErrs" }, 0, 0,
	  { { "InSegs", 1 }, { "InErrs", 1 } } },
	{ "in_errs.doff_below_5", "in_errs", { "InErrs" }, 0, 0,
	  { { "InSegs", 1 }, { "InErrs", 1 } } },
	{ "in_errs.doff_past_end", "in_errs", { "InErrs" }, 0, 0,
	  { { "InSegs", 1 }, { "InErrs", 1 } } },
	{ "in_errs.option_length_1", "in_errs", { "InErrs" }, 0, 0,
	  { { "InSegs", 1 }, { "InErrs", 1 } } },
	{ "in_errs.option_past_header", "in_errs", { "InErrs" }, 0, 0,
	  { { "InSegs", 1 }, { "InErrs", 1 } } },
	{ "in_csum_errors.bad_csum", "in_csum_errors", { "InCsumErrors", "InErrs" }, 0, 0,
	  { { "InSegs", 1 }, { "InErrs", 1 }, { "InCsumErrors", 1 } } },

	/* OutRsts */
	{ "out_rsts.syn_closed_port", "out_rsts", { "OutRsts" }, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 }, { "OutRsts", 1 } } },
	{ "out_rsts.ack_to_listener", "out_rsts", { "OutRsts" }, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 }, { "OutRsts", 1 } } },

	/* CurrEstab: ESTABLISHED and CLOSE_WAIT */
	{ "curr_estab.handshake", "curr_estab", { "CurrEstab", "PassiveOpens" }, 0, 0,
	  { { "InSegs", 2 }, { "OutSegs", 1 }, { "PassiveOpens", 1 }, { "CurrEstab", 1 } } },
	{ "curr_estab.close_wait", "curr_estab", {}, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 }, { "DelayedAcks", 1 } } },
	{ "curr_estab.last_ack", "curr_estab", { "CurrEstab", "Orphans" }, 0, 0,
	  { { "OutSegs", 1 }, { "CurrEstab", -1 }, { "Orphans", 1 } } },
	{ "curr_estab.closed", "curr_estab", { "Orphans" }, 0, 0,
	  { { "InSegs", 1 }, { "Orphans", -1 } } },

	/* ActiveOpens, PassiveOpens, AttemptFails */
	{ "active_opens.syn", "active_opens", { "ActiveOpens" }, 0, 0,
	  { { "ActiveOpens", 1 }, { "OutSegs", 1 } } },
	{ "active_opens.established", "active_opens", { "CurrEstab" }, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 }, { "CurrEstab", 1 } } },
	{ "passive_opens.syn", "passive_opens", {}, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 } } },
	{ "passive_opens.final_ack", "passive_opens", { "PassiveOpens" }, 0, 0,
	  { { "InSegs", 1 }, { "PassiveOpens", 1 }, { "CurrEstab", 1 } } },
	{ "attempt_fails.refused", "attempt_fails", { "AttemptFails" }, 0, 0,
	  { { "InSegs", 1 }, { "AttemptFails", 1 } } },
	{ "attempt_fails.close_connecting", "attempt_fails", {}, 0, 0,
	  { } },

	/* SynRetrans (and a connect() timing out: AttemptFails) */
	{ "syn_retrans.first", "syn_retrans", { "SynRetrans" }, 1000, 0,
	  { { "SynRetrans", 1 }, { "OutSegs", 1 } } },
	{ "syn_retrans.second", "syn_retrans", { "SynRetrans" }, 1000, 0,
	  { { "SynRetrans", 1 }, { "OutSegs", 1 } } },
	{ "syn_retrans.timed_out", "syn_retrans", { "AttemptFails" }, 2000, 0,
	  { { "AttemptFails", 1 } } },
	{ "simultaneous.syn", "syn_retrans_simultaneous", {}, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 } } },
	{ "simultaneous.synack_again", "syn_retrans_simultaneous", { "SynRetrans" }, 1000, 0,
	  { { "SynRetrans", 1 }, { "OutSegs", 1 } } },
	{ "simultaneous.established", "syn_retrans_simultaneous", { "CurrEstab" }, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 }, { "CurrEstab", 1 } } },

	/* ListenOverflows, ListenDrops, SynQueueOverflows */
	{ "listen_overflows.syn", "listen_overflows_syn",
	  { "ListenOverflows", "ListenDrops" }, 0, 0,
	  { { "InSegs", 1 }, { "ListenOverflows", 1 }, { "ListenDrops", 1 } } },
	{ "listen_overflows.final_ack", "listen_overflows_final_ack",
	  { "ListenOverflows", "ListenDrops" }, 0, 0,
	  { { "InSegs", 1 }, { "ListenOverflows", 1 }, { "ListenDrops", 1 } } },
	{ "listen_overflows.final_ack_abort", "listen_overflows_abort",
	  { "ListenOverflows", "ListenDrops", "OutRsts" }, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 }, { "OutRsts", 1 },
	    { "ListenOverflows", 1 }, { "ListenDrops", 1 } } },
	{ "syn_queue_overflows.syn", "syn_queue_overflows",
	  { "SynQueueOverflows", "ListenDrops" }, 0, 0,
	  { { "InSegs", 1 }, { "SynQueueOverflows", 1 }, { "ListenDrops", 1 } } },

	/* SynAckRetrans, SynAckTimeouts, EmbryonicRsts */
	{ "syn_ack_retrans.timer", "syn_ack_retrans", { "SynAckRetrans" }, 1000, 0,
	  { { "OutSegs", 1 }, { "SynAckRetrans", 1 } } },
	{ "syn_ack_retrans.duplicate_syn", "syn_ack_retrans", {}, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 } } },
	{ "syn_ack_timeouts.expiry", "syn_ack_timeouts", { "SynAckTimeouts" }, 1000, 0,
	  { { "SynAckTimeouts", 1 } } },
	{ "embryonic_rsts.rst_elsewhere", "embryonic_rsts", {}, 0, 0,
	  { { "InSegs", 1 } } },
	{ "embryonic_rsts.rst", "embryonic_rsts", { "EmbryonicRsts", "AttemptFails" }, 0, 0,
	  { { "InSegs", 1 }, { "EmbryonicRsts", 1 }, { "AttemptFails", 1 } } },

	/* DataSegsIn, DataSegsOut */
	{ "data_segs_in.two_full", "data_segs_in", { "DataSegsIn" }, 0, 0,
	  { { "InSegs", 2 }, { "DataSegsIn", 2 }, { "OutSegs", 1 } } },
	{ "data_segs_in.beyond_window", "data_segs_in", {}, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 } } },
	{ "data_segs_out.send", "data_segs_out", { "DataSegsOut" }, 0, 0,
	  { { "OutSegs", 1 }, { "DataSegsOut", 1 } } },
	{ "data_segs_out.fin", "data_segs_out", {}, 0, 0,
	  { { "OutSegs", 1 }, { "CurrEstab", -1 } } },

	/* RetransSegs, Timeouts, FastRetrans */
	{ "timeouts.rto", "timeouts", { "Timeouts", "RetransSegs" }, 1500, 0,
	  { { "Timeouts", 1 }, { "RetransSegs", 1 } } },
	{ "timeouts.fin", "timeouts", {}, 0, 0,
	  { { "OutSegs", 1 }, { "CurrEstab", -1 } } },
	{ "timeouts.fin_rto", "timeouts", { "Timeouts", "RetransSegs" }, 1500, 0,
	  { { "Timeouts", 1 }, { "RetransSegs", 1 } } },
	{ "fast_retrans.flight", "fast_retrans", { "DataSegsOut" }, 0, 0,
	  { { "OutSegs", 4 }, { "DataSegsOut", 4 } } },
	{ "fast_retrans.two_dupacks", "fast_retrans", {}, 0, 0,
	  { { "InSegs", 2 } } },
	{ "fast_retrans.third_dupack", "fast_retrans", { "FastRetrans", "RetransSegs" }, 0, 0,
	  { { "InSegs", 1 }, { "FastRetrans", 1 }, { "RetransSegs", 1 } } },

	/* DelayedAcks */
	{ "delayed_acks.data", "delayed_acks", { "DataSegsIn" }, 0, 0,
	  { { "InSegs", 1 }, { "DataSegsIn", 1 } } },
	{ "delayed_acks.timer", "delayed_acks", { "DelayedAcks" }, 1000, 0,
	  { { "OutSegs", 1 }, { "DelayedAcks", 1 } } },
	{ "delayed_acks.data_again", "delayed_acks", {}, 0, 0,
	  { { "InSegs", 1 }, { "DataSegsIn", 1 } } },
	{ "delayed_acks.piggybacked", "delayed_acks", {}, 0, 500,
	  { { "OutSegs", 1 }, { "DataSegsOut", 1 } } },

	/* OutOfOrderQueued */
	{ "ooo.queued", "out_of_order_queued", { "OutOfOrderQueued" }, 0, 0,
	  { { "InSegs", 1 }, { "DataSegsIn", 1 }, { "OutOfOrderQueued", 1 }, { "OutSegs", 1 } } },
	{ "ooo.hole_filled", "out_of_order_queued", {}, 0, 0,
	  { { "InSegs", 1 }, { "DataSegsIn", 1 }, { "OutSegs", 1 } } },
	{ "ooo.duplicate", "out_of_order_queued", {}, 0, 0,
	  { { "InSegs", 1 }, { "DataSegsIn", 1 }, { "OutSegs", 1 } } },

	/* ZeroWindowProbes */
	{ "zero_window.held", "zero_window_probes", {}, 0, 0,
	  { } },
	{ "zero_window.probe", "zero_window_probes", { "ZeroWindowProbes" }, 1500, 0,
	  { { "OutSegs", 1 }, { "ZeroWindowProbes", 1 } } },
	{ "zero_window.opened", "zero_window_probes", {}, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 }, { "DataSegsOut", 1 } } },

	/* PruneDrops */
	{ "prune_drops.fill", "prune_drops", {}, 0, 0,
	  { { "InSegs", 1 }, { "DataSegsIn", 1 }, { "OutSegs", 1 }, { "DelayedAcks", 1 } } },
	{ "prune_drops.in_order", "prune_drops", { "PruneDrops" }, 0, 0,
	  { { "InSegs", 1 }, { "DataSegsIn", 1 }, { "OutSegs", 1 }, { "PruneDrops", 1 } } },
	{ "prune_drops.out_of_order", "prune_drops", { "PruneDrops" }, 0, 0,
	  { { "InSegs", 1 }, { "DataSegsIn", 1 }, { "OutSegs", 1 }, { "PruneDrops", 1 } } },
	{ "prune_drops.ooo_fill", "prune_drops_pruned", { "OutOfOrderQueued" }, 0, 0,
	  { { "InSegs", 1 }, { "DataSegsIn", 1 }, { "OutSegs", 1 }, { "OutOfOrderQueued", 1 } } },
	{ "prune_drops.ooo_full", "prune_drops_pruned", { "PruneDrops" }, 0, 0,
	  { { "InSegs", 1 }, { "DataSegsIn", 1 }, { "OutSegs", 1 }, { "PruneDrops", 1 } } },
	{ "prune_drops.pruned", "prune_drops_pruned", { "PruneDrops" }, 0, 0,
	  { { "InSegs", 1 }, { "DataSegsIn", 1 }, { "OutSegs", 1 }, { "PruneDrops", 1 } } },

	/* EstabResets */
	{ "estab_resets.rst", "estab_resets", { "EstabResets", "CurrEstab" }, 0, 0,
	  { { "InSegs", 1 }, { "EstabResets", 1 }, { "CurrEstab", -1 } } },
	{ "close_wait", NULL, {}, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 }, { "DelayedAcks", 1 } } },
	{ "close_wait.data_after_fin", "estab_resets_close_wait", {}, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 } } },
	{ "estab_resets.rst_close_wait", "estab_resets_close_wait",
	  { "EstabResets", "CurrEstab" }, 0, 0,
	  { { "InSegs", 1 }, { "EstabResets", 1 }, { "CurrEstab", -1 } } },

	/* Orphans (and closing first, shared by the TIME_WAIT scenarios) */
	{ "close_fin", "orphans", { "Orphans", "CurrEstab" }, 0, 0,
	  { { "OutSegs", 1 }, { "CurrEstab", -1 }, { "Orphans", 1 } } },
	{ "orphans.reset", "orphans", { "Orphans" }, 0, 0,
	  { { "InSegs", 1 }, { "Orphans", -1 } } },

	/* TimeWaitEntered, CurrTimeWait, TimeWaitReopened, TimeWaitOverflow */
	{ "time_wait.entered", "time_wait",
	  { "TimeWaitEntered", "CurrTimeWait", "Orphans" }, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 }, { "TimeWaitEntered", 1 },
	    { "CurrTimeWait", 1 }, { "Orphans", -1 } } },
	{ "time_wait.expired", "time_wait", { "CurrTimeWait" }, 1500, 0,
	  { { "CurrTimeWait", -1 } } },
	{ "time_wait.old_syn", "time_wait_reopened", {}, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 } } },
	{ "time_wait_reopened.syn", "time_wait_reopened",
	  { "TimeWaitReopened", "CurrTimeWait" }, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 }, { "TimeWaitReopened", 1 },
	    { "CurrTimeWait", -1 } } },
	{ "time_wait_overflow.fin", "time_wait_overflow", { "TimeWaitOverflow" }, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 }, { "TimeWaitOverflow", 1 }, { "Orphans", -1 } } },

	/* FinWait2Timeouts */
	{ "fin_wait2_timeouts.expiry", "fin_wait2_timeouts",
	  { "FinWait2Timeouts", "Orphans" }, 3000, 0,
	  { { "FinWait2Timeouts", 1 }, { "Orphans", -1 } } },

	/* AbortOnClose, AbortOnLinger, AbortOnData */
	{ "abort_on_close.rst", "abort_on_close", { "AbortOnClose", "EstabResets" }, 0, 0,
	  { { "OutSegs", 1 }, { "OutRsts", 1 }, { "AbortOnClose", 1 },
	    { "CurrEstab", -1 }, { "EstabResets", 1 } } },
	{ "abort_on_linger.rst", "abort_on_linger", { "AbortOnLinger" }, 0, 0,
	  { { "OutSegs", 1 }, { "OutRsts", 1 }, { "AbortOnLinger", 1 },
	    { "CurrEstab", -1 }, { "EstabResets", 1 } } },
	{ "abort_on_data.rst", "abort_on_data", { "AbortOnData" }, 0, 0,
	  { { "InSegs", 1 }, { "DataSegsIn", 1 }, { "OutSegs", 1 }, { "OutRsts", 1 },
	    { "AbortOnData", 1 }, { "Orphans", -1 } } },

	/* ChallengeAcks */
	{ "challenge_acks.rst", "challenge_acks", { "ChallengeAcks" }, 0, 0,
	  { { "InSegs", 1 }, { "OutSegs", 1 }, { "ChallengeAcks", 1 } } },
	{ "challenge_acks.rate_limited", "challenge_acks", {}, 0, 0,
	  { { "InSegs", 1 } } },

	/* OrphanOverflows */
	{ "orphan_overflows.close", "orphan_overflows", { "OrphanOverflows" }, 0, 0,
	  { { "OutSegs", 2 }, { "OutRsts", 1 }, { "OrphanOverflows", 1 },
	    { "CurrEstab", -1 } } },
};

#define N_STEPS ARRAY_SIZE(steps)

/* The gauges: they must be seen going up and back down. */
static const char * const gauges[] = { "CurrEstab", "CurrTimeWait", "Orphans" };

/*
 * Counters no test can provoke, each with the reason. None today; a
 * counter added to the module without a step must come with a reason
 * here or fail every_counter_covered.
 */
static const struct {
	const char *name, *why;
} exceptions[] = {
	{ NULL, NULL },
};

/* The scenarios, by name, whatever -t selected (see SCENARIO()). */
static const char *scenarios[64];
static int n_scenarios;

/* A TEST_F(snmp, name) that every_counter_covered knows of. */
#define SCENARIO(name)							\
	static void __attribute__((constructor)) snmp_register_##name(void) \
	{								\
		if (n_scenarios < (int)ARRAY_SIZE(scenarios))		\
			scenarios[n_scenarios++] = #name;		\
	}								\
	TEST_F(snmp, name)

static const struct step *step_find(const char *id)
{
	unsigned int i;

	for (i = 0; i < N_STEPS; i++)
		if (!strcmp(steps[i].id, id))
			return &steps[i];
	return NULL;
}

/* The step's delta for counter @name (0 if it does not list it). */
static long step_delta(const struct step *st, const char *name)
{
	int i;

	for (i = 0; i < MAX_MOVES && st->moves[i].name; i++)
		if (!strcmp(st->moves[i].name, name))
			return st->moves[i].delta;
	return 0;
}

/* --- the fixture ------------------------------------------------------------ */

FIXTURE(snmp) {
	struct script c;
	struct snap base;		/* the counters before the next step */
	bool ran[ARRAY_SIZE(steps)];
};

FIXTURE_SETUP(snmp)
{
	int i;

	ASSERT_EQ(0, script_open(&self->c, IPPROTO_XTCP));
	ASSERT_EQ(0, write_file("/proc/sys/net/xtcp/window_scaling", "0"));
	/* timers not under test: out of the way */
	ASSERT_EQ(0, write_file("/proc/sys/net/xtcp/rto_min_ms", "5000"));
	ASSERT_EQ(0, write_file("/proc/sys/net/xtcp/synack_timeout_ms", "10000"));
	ASSERT_EQ(0, snap_read(&self->base));
	ASSERT_LT(0, self->base.n);
	for (i = 0; i < self->base.n; i++) {
		EXPECT_EQ(0, self->base.v[i])
			TH_LOG("%s in a new namespace", self->base.name[i]);
	}
}

/*
 * A scenario that passed ran every step it owns, and nothing moved after
 * its last step (50 ms more).
 */
FIXTURE_TEARDOWN(snmp)
{
	struct snap now;
	unsigned int i;

	if (!_metadata->passed || _metadata->skip) {
		script_close(&self->c);
		return;
	}
	usleep(50000);
	EXPECT_EQ(0, snap_read(&now));
	for (i = 0; i < (unsigned int)now.n; i++) {
		EXPECT_EQ(self->base.v[i], now.v[i])
			TH_LOG("%s moved after the last step", now.name[i]);
	}
	script_close(&self->c);
	for (i = 0; i < N_STEPS; i++) {
		if (steps[i].test && !strcmp(steps[i].test, _metadata->name)) {
			EXPECT_TRUE(self->ran[i])
				TH_LOG("step %s of this scenario never ran", steps[i].id);
		}
	}
}

/*
 * Step @id (see the top of the file): the counters reach the snapshot plus
 * the step's moves within its time, or for a quiet step are there after
 * its time, and nothing else has moved. Every difference is reported;
 * the next step starts from what was read.
 */
static void step_check(struct __test_metadata *_metadata, FIXTURE_DATA(snmp) *self,
		       const char *id, int line)
{
	const struct step *st = step_find(id);
	struct snap now;
	long want[MAX_COUNTERS], t0;
	bool same;
	int i, wait;

	ASSERT_NE(NULL, st) TH_LOG("line %d: no step \"%s\" in steps[]", line, id);
	self->ran[st - steps] = true;
	for (i = 0; i < MAX_MOVES && st->moves[i].name; i++) {
		ASSERT_LE(0, snap_index(&self->base, st->moves[i].name))
			TH_LOG("step %s: no counter %s", id, st->moves[i].name);
	}
	for (i = 0; i < self->base.n; i++)
		want[i] = self->base.v[i] + step_delta(st, self->base.name[i]);

	wait = st->quiet_ms ? st->quiet_ms : st->wait_ms ? st->wait_ms : REPLY_MS;
	t0 = now_ms();
	if (st->quiet_ms)
		usleep(st->quiet_ms * 1000);
	for (;;) {
		ASSERT_EQ(0, snap_read(&now));
		ASSERT_EQ(self->base.n, now.n) TH_LOG("the number of counters changed");
		same = true;
		for (i = 0; i < now.n; i++)
			same &= !strcmp(now.name[i], self->base.name[i]) && now.v[i] == want[i];
		if (same || st->quiet_ms || now_ms() - t0 >= wait)
			break;
		usleep(2000);
	}
	for (i = 0; i < now.n; i++) {
		ASSERT_STREQ(self->base.name[i], now.name[i]);
		EXPECT_EQ(want[i] - self->base.v[i], now.v[i] - self->base.v[i])
			TH_LOG("line %d, step %s: %s moved by %ld (from %ld), want %ld",
			       line, id, now.name[i], now.v[i] - self->base.v[i],
			       self->base.v[i], want[i] - self->base.v[i]);
	}
	self->base = now;
}

#define STEP(id) step_check(_metadata, self, id, __LINE__)

/* Gauge @name's value now is @val. */
static void gauge_is(struct __test_metadata *_metadata, const char *name, long val,
		     int line)
{
	EXPECT_EQ(val, xtcp_counter(name)) TH_LOG("line %d: gauge %s", line, name);
}

#define GAUGE(name, val) gauge_is(_metadata, name, val, __LINE__)

/* --- building the scenarios ---------------------------------------------- */

static void knob(struct __test_metadata *_metadata, const char *name, long val)
{
	char path[96], buf[32];

	snprintf(path, sizeof(path), "/proc/sys/net/xtcp/%s", name);
	snprintf(buf, sizeof(buf), "%ld", val);
	ASSERT_EQ(0, write_file(path, buf)) TH_LOG("%s = %ld", name, val);
}

/* A non-blocking listener on 10.0.0.1:LPORT with @backlog. */
static void listener(struct __test_metadata *_metadata, FIXTURE_DATA(snmp) *self,
		     int backlog)
{
	struct sockaddr_in sin = addr4(PEER_LOCAL, LPORT);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			IPPROTO_XTCP);

	ASSERT_LE(0, fd);
	self->c.lfd = fd;
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(0, listen(fd, backlog));
}

/* The peer's SYN from port @port, ISN @isn; the stack's SYN-ACK in @sa. */
static void syn_synack(struct __test_metadata *_metadata, FIXTURE_DATA(snmp) *self,
		       uint16_t port, uint32_t isn, struct seg *sa)
{
	struct seg syn = psyn(isn);

	syn.sport = port;
	SEND(&syn);
	RECV(sa, REPLY_MS, "SYN-ACK");
	CHECK_SEG(sa, SEG_SYN | SEG_ACK, sa->seq, isn + 1, 0);
	EXPECT_EQ(port, sa->dport);
}

/* The final ACK of the handshake from @port to the SYN-ACK @sa. */
static void final_ack(struct __test_metadata *_metadata, FIXTURE_DATA(snmp) *self,
		      uint16_t port, uint32_t isn, const struct seg *sa)
{
	struct seg ack = {
		.sport = port, .dport = LPORT, .flags = SEG_ACK,
		.seq = isn + 1, .ack = sa->seq + 1, .win = PEER_WIN,
	};

	SEND(&ack);
}

/*
 * Passive open from PPORT (script_establish(): listener, SYN, SYN-ACK,
 * ACK, accept()); the peer's window @win. Step "handshake".
 */
static void establish(struct __test_metadata *_metadata, FIXTURE_DATA(snmp) *self,
		      uint16_t win)
{
	script_establish(_metadata, &self->c, IPPROTO_XTCP, -1, win);
	STEP("handshake");
	GAUGE("CurrEstab", 1);
}

/* The stack's close(): its FIN <SEQ=ISS+1>, step @id. */
static void close_fin(struct __test_metadata *_metadata, FIXTURE_DATA(snmp) *self,
		      const char *id)
{
	struct seg s;

	ASSERT_EQ(0, close(self->c.cfd));
	self->c.cfd = -1;
	RECV(&s, REPLY_MS, "FIN on close()");
	CHECK_SEG(&s, SEG_FIN | SEG_ACK, self->c.iss + 1, PEER_ISN + 1, 0);
	STEP(id);
}

/* close(), then the peer's ACK of the FIN: an orphan in FIN_WAIT2. */
static void close_to_fin_wait2(struct __test_metadata *_metadata, FIXTURE_DATA(snmp) *self)
{
	struct seg ack;

	close_fin(_metadata, self, "close_fin");
	GAUGE("Orphans", 1);
	ack = pseg(&self->c, SEG_ACK, 0, 1);
	SEND(&ack);
	STEP("fin_acked");
	GAUGE("Orphans", 1);
	GAUGE("CurrEstab", 0);
}

/* From FIN_WAIT2 the peer's FIN: the stack acknowledges it at once. */
static void peer_fin_in_fin_wait2(struct __test_metadata *_metadata,
				  FIXTURE_DATA(snmp) *self)
{
	struct seg s, fin = pseg(&self->c, SEG_FIN | SEG_ACK, 0, 1);

	SEND(&fin);
	RECV(&s, REPLY_MS, "ACK of the peer's FIN");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 2, PEER_ISN + 2, 0);
}

/*
 * The stack's active open: connect() to 10.0.0.2:PPORT, non-blocking; its
 * SYN in @syn, step "active_opens.syn". Returns the socket.
 */
static int active_open(struct __test_metadata *_metadata, FIXTURE_DATA(snmp) *self,
		       struct seg *syn)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_XTCP);

	self->c.cfd = fd;
	ASSERT_LE(0, fd);
	ASSERT_EQ(EINPROGRESS, connect_to(fd, PEER_REMOTE, PPORT));
	ASSERT_EQ(0, peer_expect(&self->c.p, syn, REPLY_MS)) TH_LOG("no SYN");
	ASSERT_EQ(SEG_SYN, syn->flags);
	ASSERT_EQ(PPORT, syn->dport);
	STEP("active_opens.syn");
	return fd;
}

/* Wait up to @ms for @fd to report an error; SO_ERROR. */
static int wait_error(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	poll(&pfd, 1, ms);
	return so_error(fd);
}

/* --- InSegs, OutSegs, InErrs, InCsumErrors, OutRsts -------------------------- */

/*
 * InSegs: a RST for a port nobody listens on is counted and gets no
 * answer; so is an ACK in ESTABLISHED that acknowledges nothing new and
 * carries nothing (RFC 9293 §3.10.7.4: nothing to do).
 */
SCENARIO(in_segs)
{
	struct seg rst = pseg(&self->c, SEG_RST, 0, 0), ack;

	rst.dport = LPORT + 1;
	SEND(&rst);
	STEP("in_segs.rst_closed_port");

	establish(_metadata, self, PEER_WIN);
	ack = pseg(&self->c, SEG_ACK, 0, 0);
	SEND(&ack);
	STEP("in_segs.pure_ack");
	SILENCE(50, "after a pure ACK");
}

/*
 * OutSegs: the ACK that answers a segment beyond the window (RFC 9293
 * §3.10.7.4 first check), and a FIN alone (shutdown(SHUT_WR)): no data,
 * so not DataSegsOut; ESTABLISHED -> FIN_WAIT1 leaves CurrEstab.
 */
SCENARIO(out_segs)
{
	struct seg s, far;

	establish(_metadata, self, PEER_WIN);
	far = pseg(&self->c, SEG_ACK, 200000, 0);
	SEND(&far);
	RECV(&s, REPLY_MS, "ACK of a segment beyond the window");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 1, 0);
	STEP("out_segs.ack_out_of_window");

	ASSERT_EQ(0, shutdown(self->c.cfd, SHUT_WR));
	RECV(&s, REPLY_MS, "FIN");
	CHECK_SEG(&s, SEG_FIN | SEG_ACK, self->c.iss + 1, PEER_ISN + 1, 0);
	STEP("out_segs.fin");
	GAUGE("CurrEstab", 0);
}

/*
 * InErrs: SYNs to a listener that are malformed each a way of their own
 * (12 bytes; data offset 4; data offset 15 in a 20-byte segment; an
 * option of length 1; an option running past the header) are counted in
 * InSegs and InErrs and get no SYN-ACK; then a well-formed one does.
 */
SCENARIO(in_errs)
{
	static const uint8_t len1[] = { OPT_MSS, 1 }, past[] = { OPT_TS, 10 };
	struct seg s, syn;

	listener(_metadata, self, 16);

	syn = psyn(PEER_ISN);
	syn.trunc = 12;
	SEND(&syn);
	STEP("in_errs.truncated");

	syn = psyn(PEER_ISN);
	syn.doff = 4;
	SEND(&syn);
	STEP("in_errs.doff_below_5");

	syn = psyn(PEER_ISN);
	syn.optlen = 0;
	syn.doff = 15;
	SEND(&syn);
	STEP("in_errs.doff_past_end");

	syn = psyn(PEER_ISN);
	syn.optlen = 0;
	seg_opt_raw(&syn, len1, sizeof(len1));
	SEND(&syn);
	STEP("in_errs.option_length_1");

	syn = psyn(PEER_ISN);
	syn.optlen = 0;
	seg_opt_raw(&syn, past, sizeof(past));
	SEND(&syn);
	STEP("in_errs.option_past_header");
	SILENCE(50, "malformed SYNs");

	syn_synack(_metadata, self, PPORT, PEER_ISN, &s);
	STEP("syn_synack");
}

/*
 * InCsumErrors: a SYN with a wrong checksum counts in InSegs, InErrs and
 * InCsumErrors and gets no SYN-ACK; the same SYN with the right one does.
 */
SCENARIO(in_csum_errors)
{
	struct seg s, syn = psyn(PEER_ISN);

	listener(_metadata, self, 16);
	syn.bad_csum = true;
	SEND(&syn);
	STEP("in_csum_errors.bad_csum");
	SILENCE(50, "a SYN with a bad checksum");

	syn_synack(_metadata, self, PPORT, PEER_ISN, &s);
	STEP("syn_synack");
}

/*
 * OutRsts: a SYN for a port nobody listens on, and an ACK for a listener
 * (no half-open entry), each get a RST (RFC 9293 §3.10.7.1, §3.10.7.2).
 */
SCENARIO(out_rsts)
{
	struct seg s, syn = psyn(PEER_ISN), ack;

	syn.dport = LPORT + 1;
	SEND(&syn);
	RECV(&s, REPLY_MS, "RST for a closed port");
	CHECK_SEG(&s, SEG_RST | SEG_ACK, 0, PEER_ISN + 1, 0);
	STEP("out_rsts.syn_closed_port");

	listener(_metadata, self, 16);
	ack = (struct seg){ .sport = PPORT, .dport = LPORT, .flags = SEG_ACK,
			    .seq = PEER_ISN + 1, .ack = 12345, .win = PEER_WIN };
	SEND(&ack);
	RECV(&s, REPLY_MS, "RST for an ACK to a listener");
	CHECK_SEG(&s, SEG_RST, 12345, 0, 0);
	STEP("out_rsts.ack_to_listener");
}

/* --- connections: CurrEstab, ActiveOpens, PassiveOpens, AttemptFails ---- */

/*
 * CurrEstab, a gauge of connections ESTABLISHED or CLOSE_WAIT (RFC 1213's
 * tcpCurrEstab, Linux's): 1 after the handshake, still 1 once the peer's
 * FIN brought CLOSE_WAIT (its ACK delayed), 0 when close() sends the FIN
 * (LAST_ACK, an orphan), and the peer's ACK ends the orphan.
 */
SCENARIO(curr_estab)
{
	struct seg s, fin, ack;

	script_establish(_metadata, &self->c, IPPROTO_XTCP, -1, PEER_WIN);
	STEP("curr_estab.handshake");
	GAUGE("CurrEstab", 1);

	fin = pseg(&self->c, SEG_FIN | SEG_ACK, 0, 0);
	SEND(&fin);
	RECV(&s, REPLY_MS, "ACK of the FIN");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 2, 0);
	STEP("curr_estab.close_wait");
	GAUGE("CurrEstab", 1);

	ASSERT_EQ(0, close(self->c.cfd));
	self->c.cfd = -1;
	RECV(&s, REPLY_MS, "FIN in CLOSE_WAIT");
	CHECK_SEG(&s, SEG_FIN | SEG_ACK, self->c.iss + 1, PEER_ISN + 2, 0);
	STEP("curr_estab.last_ack");
	GAUGE("CurrEstab", 0);
	GAUGE("Orphans", 1);

	ack = pseg(&self->c, SEG_ACK, 1, 1);
	SEND(&ack);
	STEP("curr_estab.closed");
	GAUGE("CurrEstab", 0);
	GAUGE("Orphans", 0);
}

/*
 * ActiveOpens: connect() sends the SYN (ActiveOpens, OutSegs); the
 * peer's SYN-ACK brings ESTABLISHED and the stack's ACK (not PassiveOpens).
 */
SCENARIO(active_opens)
{
	struct seg syn, s, sa;

	active_open(_metadata, self, &syn);
	sa = (struct seg){ .sport = PPORT, .dport = syn.sport, .flags = SEG_SYN | SEG_ACK,
			   .seq = PEER_ISN, .ack = syn.seq + 1, .win = PEER_WIN };
	seg_opt_mss(&sa, PEER_MSS);
	SEND(&sa);
	RECV(&s, REPLY_MS, "ACK of the SYN-ACK");
	EXPECT_EQ(SEG_ACK, s.flags);
	EXPECT_EQ(PEER_ISN + 1, s.ack);
	STEP("active_opens.established");
	GAUGE("CurrEstab", 1);
	EXPECT_EQ(0, wait_error(self->c.cfd, REPLY_MS));
}

/*
 * PassiveOpens counts the connection made by the final ACK (as Linux),
 * not the SYN: the SYN gets a SYN-ACK and moves nothing else.
 */
SCENARIO(passive_opens)
{
	struct seg sa;

	listener(_metadata, self, 16);
	syn_synack(_metadata, self, PPORT, PEER_ISN, &sa);
	STEP("passive_opens.syn");
	final_ack(_metadata, self, PPORT, PEER_ISN, &sa);
	STEP("passive_opens.final_ack");
	self->c.cfd = accept_wait(self->c.lfd, REPLY_MS);
	EXPECT_LE(0, self->c.cfd);
}

/*
 * AttemptFails: the peer refuses connect()'s SYN with RST|ACK. A program
 * that closes its connecting socket ends the attempt too, silently, and
 * that is not counted (as Linux: only tcp_done() counts).
 */
SCENARIO(attempt_fails)
{
	struct seg syn, rst;
	int fd = active_open(_metadata, self, &syn);

	rst = (struct seg){ .sport = PPORT, .dport = syn.sport, .flags = SEG_RST | SEG_ACK,
			    .ack = syn.seq + 1 };
	SEND(&rst);
	STEP("attempt_fails.refused");
	EXPECT_EQ(ECONNREFUSED, wait_error(fd, REPLY_MS));
	close(fd);

	active_open(_metadata, self, &syn);
	ASSERT_EQ(0, close(self->c.cfd));
	self->c.cfd = -1;
	STEP("attempt_fails.close_connecting");
	SILENCE(50, "close() of a connecting socket");
}

/*
 * SynRetrans: with synack_timeout_ms 100 and syn_retries 2, connect()'s
 * SYN goes again after 100 and 200 ms more (SynRetrans, and OutSegs,
 * unlike Linux), then after 400 ms connect() fails with ETIMEDOUT
 * (AttemptFails). Nothing moves before each timer.
 */
SCENARIO(syn_retrans)
{
	struct seg syn, s;
	int fd;

	knob(_metadata, "synack_timeout_ms", 100);
	knob(_metadata, "syn_retries", 2);
	fd = active_open(_metadata, self, &syn);
	RECV(&s, REPLY_MS, "first SYN retransmission");
	CHECK_SEG(&s, SEG_SYN, syn.seq, 0, 0);
	STEP("syn_retrans.first");
	RECV(&s, REPLY_MS, "second SYN retransmission");
	CHECK_SEG(&s, SEG_SYN, syn.seq, 0, 0);
	STEP("syn_retrans.second");
	EXPECT_EQ(ETIMEDOUT, wait_error(fd, 2000));
	STEP("syn_retrans.timed_out");
	SILENCE(50, "after connect() gave up");
}

/*
 * SynRetrans also counts the SYN-ACK of a simultaneous open: connect()'s
 * SYN crosses the peer's SYN; the stack answers SYN-ACK (SYN_RECV), sends
 * it again when the SYN timer fires (synack_timeout_ms 100), and the
 * peer's SYN-ACK completes the connection (the stack ACKs it).
 */
SCENARIO(syn_retrans_simultaneous)
{
	struct seg syn, s, psyn_, sa;

	knob(_metadata, "synack_timeout_ms", 100);
	active_open(_metadata, self, &syn);
	psyn_ = (struct seg){ .sport = PPORT, .dport = syn.sport, .flags = SEG_SYN,
			      .seq = PEER_ISN, .win = PEER_WIN };
	seg_opt_mss(&psyn_, PEER_MSS);
	SEND(&psyn_);
	RECV(&s, REPLY_MS, "SYN-ACK of a simultaneous open");
	CHECK_SEG(&s, SEG_SYN | SEG_ACK, syn.seq, PEER_ISN + 1, 0);
	STEP("simultaneous.syn");
	RECV(&s, REPLY_MS, "SYN-ACK again");
	CHECK_SEG(&s, SEG_SYN | SEG_ACK, syn.seq, PEER_ISN + 1, 0);
	STEP("simultaneous.synack_again");
	sa = psyn_;
	sa.flags = SEG_SYN | SEG_ACK;
	sa.ack = syn.seq + 1;
	SEND(&sa);
	RECV(&s, REPLY_MS, "ACK of the peer's SYN-ACK");
	CHECK_SEG(&s, SEG_ACK, syn.seq + 1, PEER_ISN + 1, 0);
	STEP("simultaneous.established");
	GAUGE("CurrEstab", 1);
}

/* --- a listener's queues ------------------------------------------------ */

/*
 * ListenOverflows and ListenDrops, at the SYN: listen(fd, 0) admits one
 * connection; with it unaccepted, a SYN from another port finds the
 * accept queue full and is dropped without an answer.
 */
SCENARIO(listen_overflows_syn)
{
	struct seg sa, b;

	listener(_metadata, self, 0);
	syn_synack(_metadata, self, PPORT, PEER_ISN, &sa);
	final_ack(_metadata, self, PPORT, PEER_ISN, &sa);
	STEP("handshake");

	b = psyn(PEER_ISN + 5000);
	b.sport = PPORT + 1;
	SEND(&b);
	STEP("listen_overflows.syn");
	SILENCE(50, "a SYN the listener dropped");
}

/*
 * With listen(fd, 1): connection A completes (accept queue 1), B and C
 * become half-open (SYN queue 2, its limit backlog + 1), B completes
 * (accept queue 2, full); C's final ACK then finds the queue full.
 */
static void final_ack_overflow(struct __test_metadata *_metadata,
			       FIXTURE_DATA(snmp) *self)
{
	struct seg sa[3];
	int i;

	listener(_metadata, self, 1);
	syn_synack(_metadata, self, PPORT, PEER_ISN, &sa[0]);
	final_ack(_metadata, self, PPORT, PEER_ISN, &sa[0]);
	STEP("handshake");
	for (i = 1; i < 3; i++) {
		syn_synack(_metadata, self, PPORT + i, PEER_ISN + i * 5000, &sa[i]);
		STEP("syn_synack");
	}
	final_ack(_metadata, self, PPORT + 1, PEER_ISN + 5000, &sa[1]);
	STEP("final_ack");
	GAUGE("CurrEstab", 2);
	final_ack(_metadata, self, PPORT + 2, PEER_ISN + 10000, &sa[2]);
}

/* ListenOverflows and ListenDrops at the final ACK: no answer, the entry stays. */
SCENARIO(listen_overflows_final_ack)
{
	final_ack_overflow(_metadata, self);
	STEP("listen_overflows.final_ack");
	SILENCE(50, "a final ACK the listener dropped");
}

/* The same with abort_on_overflow 1: the final ACK is answered with RST. */
SCENARIO(listen_overflows_abort)
{
	struct seg s;

	knob(_metadata, "abort_on_overflow", 1);
	final_ack_overflow(_metadata, self);
	RECV(&s, REPLY_MS, "RST for the final ACK");
	EXPECT_EQ(SEG_RST, s.flags & SEG_RST);
	STEP("listen_overflows.final_ack_abort");
}

/*
 * SynQueueOverflows and ListenDrops: with max_syn_backlog 1, a second SYN
 * (another port) while the first is half-open is dropped.
 */
SCENARIO(syn_queue_overflows)
{
	struct seg sa, b;

	knob(_metadata, "max_syn_backlog", 1);
	listener(_metadata, self, 16);
	syn_synack(_metadata, self, PPORT, PEER_ISN, &sa);
	STEP("syn_synack");
	b = psyn(PEER_ISN + 5000);
	b.sport = PPORT + 1;
	SEND(&b);
	STEP("syn_queue_overflows.syn");
	SILENCE(50, "a SYN beyond the SYN queue");
}

/*
 * SynAckRetrans counts what the SYN-ACK timer sends again
 * (synack_timeout_ms 200), not the SYN-ACK that answers a retransmitted
 * SYN (OutSegs only); the final ACK then completes the connection.
 */
SCENARIO(syn_ack_retrans)
{
	struct seg sa, s, syn = psyn(PEER_ISN);

	knob(_metadata, "synack_timeout_ms", 200);
	knob(_metadata, "synack_retries", 2);
	listener(_metadata, self, 16);
	syn_synack(_metadata, self, PPORT, PEER_ISN, &sa);
	STEP("syn_synack");
	RECV(&s, REPLY_MS, "SYN-ACK retransmission");
	CHECK_SEG(&s, SEG_SYN | SEG_ACK, sa.seq, PEER_ISN + 1, 0);
	STEP("syn_ack_retrans.timer");
	SEND(&syn);
	RECV(&s, REPLY_MS, "SYN-ACK for the retransmitted SYN");
	CHECK_SEG(&s, SEG_SYN | SEG_ACK, sa.seq, PEER_ISN + 1, 0);
	STEP("syn_ack_retrans.duplicate_syn");
	final_ack(_metadata, self, PPORT, PEER_ISN, &sa);
	STEP("final_ack");
}

/*
 * SynAckTimeouts: with synack_retries 0 and synack_timeout_ms 100, the
 * half-open entry is dropped when its timer fires, silently; a late final
 * ACK then reaches the listener and gets a RST.
 */
SCENARIO(syn_ack_timeouts)
{
	struct seg sa, s;

	knob(_metadata, "synack_timeout_ms", 100);
	knob(_metadata, "synack_retries", 0);
	listener(_metadata, self, 16);
	syn_synack(_metadata, self, PPORT, PEER_ISN, &sa);
	STEP("syn_synack");
	STEP("syn_ack_timeouts.expiry");
	final_ack(_metadata, self, PPORT, PEER_ISN, &sa);
	RECV(&s, REPLY_MS, "RST for a late final ACK");
	CHECK_SEG(&s, SEG_RST, sa.seq + 1, 0, 0);
	STEP("rst_from_listener");
}

/*
 * EmbryonicRsts and AttemptFails: a RST at the SYN's sequence number + 1
 * removes the half-open entry (one elsewhere is ignored); its final ACK
 * then gets a RST from the listener.
 */
SCENARIO(embryonic_rsts)
{
	struct seg sa, s, rst = { .sport = PPORT, .dport = LPORT, .flags = SEG_RST,
				  .seq = PEER_ISN + 1000 };

	listener(_metadata, self, 16);
	syn_synack(_metadata, self, PPORT, PEER_ISN, &sa);
	STEP("syn_synack");
	SEND(&rst);
	STEP("embryonic_rsts.rst_elsewhere");
	rst.seq = PEER_ISN + 1;
	SEND(&rst);
	STEP("embryonic_rsts.rst");
	final_ack(_metadata, self, PPORT, PEER_ISN, &sa);
	RECV(&s, REPLY_MS, "RST for the final ACK of a reset entry");
	CHECK_SEG(&s, SEG_RST, sa.seq + 1, 0, 0);
	STEP("rst_from_listener");
}

/* --- the data phase --------------------------------------------------------- */

/*
 * DataSegsIn: two full segments of 1000 bytes; the second is acknowledged
 * at once (more than one full segment unacknowledged): no DelayedAcks.
 */
SCENARIO(data_segs_in)
{
	struct seg s, d;

	knob(_metadata, "delack_ms", 1000);	/* only the second may bring the ACK */
	establish(_metadata, self, PEER_WIN);
	d = pdata(&self->c, 0, 1000, 0);
	SEND(&d);
	d = pdata(&self->c, 1000, 1000, 0);
	SEND(&d);
	RECV(&s, REPLY_MS, "ACK of two full segments");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 2001, 0);
	STEP("data_segs_in.two_full");

	/* data beyond the window is dropped at the first check: not counted */
	d = pdata(&self->c, 200000, 100, 0);
	SEND(&d);
	RECV(&s, REPLY_MS, "ACK of data beyond the window");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 2001, 0);
	STEP("data_segs_in.beyond_window");
}

/*
 * DataSegsOut: send() of 10 bytes goes in one segment; the peer's ACK
 * moves InSegs only; a FIN alone (shutdown(SHUT_WR)) is not data.
 */
SCENARIO(data_segs_out)
{
	struct seg s, ack;

	establish(_metadata, self, PEER_WIN);
	ASSERT_EQ(10, send_stream(self->c.cfd, 0, 10));
	RECV(&s, REPLY_MS, "data");
	CHECK_SEG(&s, SEG_ACK | SEG_PSH, self->c.iss + 1, PEER_ISN + 1, 10);
	STEP("data_segs_out.send");
	ack = pseg(&self->c, SEG_ACK, 0, 10);
	SEND(&ack);
	STEP("peer_ack");
	ASSERT_EQ(0, shutdown(self->c.cfd, SHUT_WR));
	RECV(&s, REPLY_MS, "FIN");
	CHECK_SEG(&s, SEG_FIN | SEG_ACK, self->c.iss + 11, PEER_ISN + 1, 0);
	STEP("data_segs_out.fin");
}

/*
 * Timeouts and RetransSegs: 10 bytes the peer does not acknowledge are
 * sent again when the retransmission timer expires (rto_min_ms 100,
 * rto_max_ms 300 bound the first RTO, 1 s before any RTT sample, to
 * 300 ms); a retransmission is not OutSegs. The peer's ACK stops it.
 * Then the FIN of shutdown(SHUT_WR), unacknowledged, likewise.
 */
SCENARIO(timeouts)
{
	struct seg s, ack;

	knob(_metadata, "rto_min_ms", 100);
	knob(_metadata, "rto_max_ms", 300);
	establish(_metadata, self, PEER_WIN);
	ASSERT_EQ(10, send_stream(self->c.cfd, 0, 10));
	RECV(&s, REPLY_MS, "data");
	CHECK_SEG(&s, SEG_ACK | SEG_PSH, self->c.iss + 1, PEER_ISN + 1, 10);
	STEP("data_segs_out.send");
	RECV(&s, REPLY_MS, "retransmission");
	CHECK_SEG(&s, SEG_ACK | SEG_PSH, self->c.iss + 1, PEER_ISN + 1, 10);
	STEP("timeouts.rto");
	ack = pseg(&self->c, SEG_ACK, 0, 10);
	SEND(&ack);
	STEP("peer_ack");

	/* a FIN is retransmitted like data */
	ASSERT_EQ(0, shutdown(self->c.cfd, SHUT_WR));
	RECV(&s, REPLY_MS, "FIN");
	CHECK_SEG(&s, SEG_FIN | SEG_ACK, self->c.iss + 11, PEER_ISN + 1, 0);
	STEP("timeouts.fin");
	RECV(&s, REPLY_MS, "FIN retransmission");
	CHECK_SEG(&s, SEG_FIN | SEG_ACK, self->c.iss + 11, PEER_ISN + 1, 0);
	STEP("timeouts.fin_rto");
	ack = pseg(&self->c, SEG_ACK, 0, 11);
	SEND(&ack);
	STEP("peer_ack");
	SILENCE(100, "after the ACK");
}

/*
 * FastRetrans and RetransSegs: four segments of 1000 bytes in flight;
 * two duplicate ACKs move InSegs only, the third brings the first segment
 * again at once (RFC 5681 §3.2); the peer then acknowledges everything.
 */
SCENARIO(fast_retrans)
{
	struct seg s, dup, ack;
	int i;

	establish(_metadata, self, PEER_WIN);
	ASSERT_EQ(4000, send_stream(self->c.cfd, 0, 4000));
	for (i = 0; i < 4; i++) {
		RECV(&s, REPLY_MS, "data");
		EXPECT_EQ(self->c.iss + 1 + i * 1000, s.seq);
		EXPECT_EQ(1000, s.len);
	}
	STEP("fast_retrans.flight");
	dup = pseg(&self->c, SEG_ACK, 0, 0);
	SEND(&dup);
	SEND(&dup);
	STEP("fast_retrans.two_dupacks");
	SEND(&dup);
	RECV(&s, REPLY_MS, "fast retransmission");
	EXPECT_EQ(self->c.iss + 1, s.seq);
	EXPECT_EQ(1000, s.len);
	STEP("fast_retrans.third_dupack");
	ack = pseg(&self->c, SEG_ACK, 0, 4000);
	SEND(&ack);
	STEP("peer_ack");
}

/*
 * DelayedAcks: with delack_ms 200, 100 bytes move InSegs and DataSegsIn
 * at once and nothing else; the ACK comes from the timer (DelayedAcks).
 * Then 100 bytes more, answered by send() at once: the data carries the
 * ACK, and when the timer fires it has nothing to send (500 ms later,
 * still no DelayedAcks).
 */
SCENARIO(delayed_acks)
{
	struct seg s, d, ack;

	knob(_metadata, "delack_ms", 200);
	establish(_metadata, self, PEER_WIN);
	d = pdata(&self->c, 0, 100, 0);
	SEND(&d);
	STEP("delayed_acks.data");
	RECV(&s, REPLY_MS, "delayed ACK");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 101, 0);
	STEP("delayed_acks.timer");

	d = pdata(&self->c, 100, 100, 0);
	SEND(&d);
	STEP("delayed_acks.data_again");
	ASSERT_EQ(10, send_stream(self->c.cfd, 0, 10));
	RECV(&s, REPLY_MS, "data carrying the ACK");
	CHECK_SEG(&s, SEG_ACK | SEG_PSH, self->c.iss + 1, PEER_ISN + 201, 10);
	STEP("delayed_acks.piggybacked");
	ack = pseg(&self->c, SEG_ACK, 200, 10);
	SEND(&ack);
	STEP("peer_ack");
}

/*
 * OutOfOrderQueued: 100 bytes beyond a hole are queued and acknowledged
 * at once (a duplicate ACK); the bytes that fill the hole, and a
 * duplicate of those beyond it, are not out of order.
 */
SCENARIO(out_of_order_queued)
{
	struct seg s, d;

	establish(_metadata, self, PEER_WIN);
	d = pdata(&self->c, 100, 100, 0);
	SEND(&d);
	RECV(&s, REPLY_MS, "duplicate ACK");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 1, 0);
	STEP("ooo.queued");
	d = pdata(&self->c, 0, 100, 0);
	SEND(&d);
	RECV(&s, REPLY_MS, "ACK of the filled hole");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 201, 0);
	STEP("ooo.hole_filled");
	d = pdata(&self->c, 100, 100, 0);
	SEND(&d);
	RECV(&s, REPLY_MS, "ACK of a duplicate");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 201, 0);
	STEP("ooo.duplicate");
}

/*
 * ZeroWindowProbes: the peer's window is 0 from the handshake on; send()
 * queues 10 bytes and nothing goes; the persist timer (rto_max_ms 300)
 * sends a probe <SEQ=SND.UNA-1>; the peer's ACK opens the window and the
 * data goes, once.
 */
SCENARIO(zero_window_probes)
{
	struct seg s, ack;

	knob(_metadata, "rto_min_ms", 100);
	knob(_metadata, "rto_max_ms", 300);
	establish(_metadata, self, 0);
	ASSERT_EQ(10, send_stream(self->c.cfd, 0, 10));
	STEP("zero_window.held");
	RECV(&s, REPLY_MS, "zero-window probe");
	CHECK_SEG(&s, SEG_ACK, self->c.iss, PEER_ISN + 1, 0);
	STEP("zero_window.probe");
	self->c.win = PEER_WIN;
	ack = pseg(&self->c, SEG_ACK, 0, 0);
	SEND(&ack);
	RECV(&s, REPLY_MS, "data once the window opened");
	CHECK_SEG(&s, SEG_ACK | SEG_PSH, self->c.iss + 1, PEER_ISN + 1, 10);
	STEP("zero_window.opened");
	ack = pseg(&self->c, SEG_ACK, 0, 10);
	SEND(&ack);
	STEP("peer_ack");
}

/*
 * PruneDrops: the connection's receive buffer is the smallest SO_RCVBUF
 * allows, and nothing reads it. Segments of 1000 bytes at RCV.NXT (the
 * advertised window never shrinks below them) are taken, each
 * acknowledged by the delayed-ACK timer, until the buffer is over its
 * size: then the next one is dropped, acknowledged at once with the old
 * RCV.NXT (PruneDrops), and so is one beyond RCV.NXT (out of order).
 */
SCENARIO(prune_drops)
{
	uint32_t off = 0;
	struct seg s, d;
	int i;

	script_establish(_metadata, &self->c, IPPROTO_XTCP, -1, PEER_WIN);
	STEP("handshake");
	/* too late for the listener's: set it on the connection itself */
	i = 1;
	ASSERT_EQ(0, setsockopt(self->c.cfd, SOL_SOCKET, SO_RCVBUF, &i, sizeof(i)));
	for (i = 0; i < 64; i++) {
		d = pdata(&self->c, off, 1000, 0);
		SEND(&d);
		RECV(&s, REPLY_MS, "ACK of data");
		ASSERT_EQ(SEG_ACK, s.flags);
		if (s.ack == PEER_ISN + 1 + off) {
			STEP("prune_drops.in_order");
			break;
		}
		ASSERT_EQ(PEER_ISN + 1 + off + 1000, s.ack);
		STEP("prune_drops.fill");
		off += 1000;
	}
	ASSERT_GT(64, i) TH_LOG("64 segments taken by a minimal receive buffer");
	ksft_print_msg("%d segments of 1000 bytes filled the buffer\n", i);

	d = pdata(&self->c, off + 1000, 1000, 0);
	SEND(&d);
	RECV(&s, REPLY_MS, "ACK of out-of-order data");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 1 + off, 0);
	STEP("prune_drops.out_of_order");
}

/*
 * PruneDrops, pruning: with SO_RCVBUF 8192 on the connection, segments of
 * 1000 bytes beyond RCV.NXT, with gaps between them (no two merge), are
 * queued out of order (a duplicate ACK each) until the buffer is over its
 * size: the next is dropped (PruneDrops). Then the bytes at RCV.NXT arrive:
 * they do not fit, so the highest out-of-order segment is pruned
 * (PruneDrops), which gives back what it took and lets them in; the lowest
 * out-of-order segment follows them: ACK <RCV.NXT + 2000> at once.
 */
SCENARIO(prune_drops_pruned)
{
	struct seg s, d;
	int i, rcvbuf = 8192;

	establish(_metadata, self, PEER_WIN);
	ASSERT_EQ(0, setsockopt(self->c.cfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	for (i = 0; i < 30; i++) {
		long queued = xtcp_counter("OutOfOrderQueued");

		d = pdata(&self->c, 1000 + 2000 * i, 1000, 0);
		SEND(&d);
		RECV(&s, REPLY_MS, "duplicate ACK");
		CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 1, 0);
		if (xtcp_counter("OutOfOrderQueued") == queued) {
			STEP("prune_drops.ooo_full");
			break;
		}
		STEP("prune_drops.ooo_fill");
	}
	ASSERT_LT(1, i) TH_LOG("only %d out-of-order segments fit", i);
	ASSERT_GT(30, i) TH_LOG("30 out-of-order segments fit in SO_RCVBUF 8192");
	ksft_print_msg("%d out-of-order segments of 1000 bytes filled the buffer\n", i);

	d = pdata(&self->c, 0, 1000, 0);
	SEND(&d);
	RECV(&s, REPLY_MS, "ACK of the data at RCV.NXT");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 2001, 0);
	STEP("prune_drops.pruned");
}

/* --- closing ------------------------------------------------------------------- */

/* EstabResets: a RST at RCV.NXT ends an established connection. */
SCENARIO(estab_resets)
{
	struct seg rst;

	establish(_metadata, self, PEER_WIN);
	rst = pseg(&self->c, SEG_RST, 0, 0);
	SEND(&rst);
	STEP("estab_resets.rst");
	GAUGE("CurrEstab", 0);
	EXPECT_EQ(-ECONNRESET, recv_once(self->c.cfd, REPLY_MS));
}

/*
 * EstabResets from CLOSE_WAIT: the peer's FIN, then its RST. Between
 * them, data after the FIN is only acknowledged (not DataSegsIn).
 */
SCENARIO(estab_resets_close_wait)
{
	struct seg s, fin, rst, d;

	establish(_metadata, self, PEER_WIN);
	fin = pseg(&self->c, SEG_FIN | SEG_ACK, 0, 0);
	SEND(&fin);
	RECV(&s, REPLY_MS, "ACK of the FIN");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 2, 0);
	STEP("close_wait");
	GAUGE("CurrEstab", 1);
	d = pdata(&self->c, 1, 10, 0);
	SEND(&d);
	RECV(&s, REPLY_MS, "ACK of data after the FIN");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 2, 0);
	STEP("close_wait.data_after_fin");
	rst = pseg(&self->c, SEG_RST, 1, 0);
	SEND(&rst);
	STEP("estab_resets.rst_close_wait");
	GAUGE("CurrEstab", 0);
}

/*
 * Orphans, a gauge: close() leaves the connection running without its
 * program (FIN_WAIT1, then FIN_WAIT2 once the FIN is acknowledged): 1;
 * the peer's RST ends it: 0.
 */
SCENARIO(orphans)
{
	struct seg rst;

	establish(_metadata, self, PEER_WIN);
	close_to_fin_wait2(_metadata, self);
	rst = pseg(&self->c, SEG_RST, 0, 1);
	SEND(&rst);
	STEP("orphans.reset");
	GAUGE("Orphans", 0);
}

/*
 * TimeWaitEntered and CurrTimeWait: the stack closes first; the peer's
 * FIN brings TIME_WAIT (the socket, an orphan, is freed: Orphans back to
 * 0); with msl_ms 100 the entry goes after 200 ms: CurrTimeWait back to 0.
 */
SCENARIO(time_wait)
{
	knob(_metadata, "msl_ms", 100);
	establish(_metadata, self, PEER_WIN);
	close_to_fin_wait2(_metadata, self);
	peer_fin_in_fin_wait2(_metadata, self);
	STEP("time_wait.entered");
	GAUGE("CurrTimeWait", 1);
	GAUGE("Orphans", 0);
	STEP("time_wait.expired");
	GAUGE("CurrTimeWait", 0);
}

/*
 * TimeWaitReopened: in TIME_WAIT an old SYN gets an ACK and changes
 * nothing; a SYN above RCV.NXT ends the entry and reaches the listener,
 * which answers SYN-ACK.
 */
SCENARIO(time_wait_reopened)
{
	struct seg s, syn;

	establish(_metadata, self, PEER_WIN);
	close_to_fin_wait2(_metadata, self);
	peer_fin_in_fin_wait2(_metadata, self);
	STEP("time_wait.entered");

	syn = psyn(PEER_ISN);
	SEND(&syn);
	RECV(&s, REPLY_MS, "ACK of an old SYN");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 2, PEER_ISN + 2, 0);
	STEP("time_wait.old_syn");
	GAUGE("CurrTimeWait", 1);

	syn = psyn(PEER_ISN + 100000);
	SEND(&syn);
	RECV(&s, REPLY_MS, "SYN-ACK for a new SYN");
	CHECK_SEG(&s, SEG_SYN | SEG_ACK, s.seq, PEER_ISN + 100001, 0);
	STEP("time_wait_reopened.syn");
	GAUGE("CurrTimeWait", 0);
}

/*
 * TimeWaitOverflow: with max_tw_buckets 0 the connection that would enter
 * TIME_WAIT just closes; the peer's FIN again then gets a RST from the
 * listener.
 */
SCENARIO(time_wait_overflow)
{
	struct seg s, fin;

	knob(_metadata, "max_tw_buckets", 0);
	establish(_metadata, self, PEER_WIN);
	close_to_fin_wait2(_metadata, self);
	peer_fin_in_fin_wait2(_metadata, self);
	STEP("time_wait_overflow.fin");
	GAUGE("CurrTimeWait", 0);
	fin = pseg(&self->c, SEG_FIN | SEG_ACK, 0, 1);
	SEND(&fin);
	RECV(&s, REPLY_MS, "RST for the FIN again");
	CHECK_SEG(&s, SEG_RST, self->c.iss + 2, 0, 0);
	STEP("rst_from_listener");
}

/*
 * FinWait2Timeouts: with fin_timeout 1, an orphan in FIN_WAIT2 whose peer
 * never sends its FIN is dropped after a second, silently.
 */
SCENARIO(fin_wait2_timeouts)
{
	knob(_metadata, "fin_timeout", 1);
	establish(_metadata, self, PEER_WIN);
	close_to_fin_wait2(_metadata, self);
	STEP("fin_wait2_timeouts.expiry");
	GAUGE("Orphans", 0);
	SILENCE(50, "after FIN_WAIT2 timed out");
}

/*
 * AbortOnClose: close() with 10 bytes unread sends RST|ACK instead of a
 * FIN (RFC 2525 §2.17): ESTABLISHED -> CLOSED, so EstabResets too.
 */
SCENARIO(abort_on_close)
{
	struct seg s, d;

	establish(_metadata, self, PEER_WIN);
	d = pdata(&self->c, 0, 10, 0);
	SEND(&d);
	RECV(&s, REPLY_MS, "delayed ACK of the data");
	STEP("data_in_delayed_ack");
	ASSERT_EQ(0, close(self->c.cfd));
	self->c.cfd = -1;
	RECV(&s, REPLY_MS, "RST on close() with unread data");
	CHECK_SEG(&s, SEG_RST | SEG_ACK, self->c.iss + 1, PEER_ISN + 11, 0);
	STEP("abort_on_close.rst");
	GAUGE("Orphans", 0);
}

/* AbortOnLinger: close() with SO_LINGER {1, 0} sends RST|ACK. */
SCENARIO(abort_on_linger)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct seg s;

	establish(_metadata, self, PEER_WIN);
	ASSERT_EQ(0, setsockopt(self->c.cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	ASSERT_EQ(0, close(self->c.cfd));
	self->c.cfd = -1;
	RECV(&s, REPLY_MS, "RST on close() with SO_LINGER {1, 0}");
	CHECK_SEG(&s, SEG_RST | SEG_ACK, self->c.iss + 1, PEER_ISN + 1, 0);
	STEP("abort_on_linger.rst");
	GAUGE("Orphans", 0);
}

/*
 * AbortOnData: new data for an orphan in FIN_WAIT2 (nobody will read it)
 * is answered with RST|ACK, and the orphan is gone.
 */
SCENARIO(abort_on_data)
{
	struct seg s, d;

	establish(_metadata, self, PEER_WIN);
	close_to_fin_wait2(_metadata, self);
	d = pdata(&self->c, 0, 10, 1);
	SEND(&d);
	RECV(&s, REPLY_MS, "RST for data after close()");
	EXPECT_EQ(SEG_RST | SEG_ACK, s.flags);
	STEP("abort_on_data.rst");
	GAUGE("Orphans", 0);
}

/*
 * ChallengeAcks: a RST inside the window but not at RCV.NXT gets a
 * challenge ACK (RFC 5961 §3.2); a second one within
 * invalid_ratelimit_ms (500 ms, the default) gets nothing.
 */
SCENARIO(challenge_acks)
{
	struct seg s, rst;

	establish(_metadata, self, PEER_WIN);
	rst = pseg(&self->c, SEG_RST, 100, 0);
	SEND(&rst);
	RECV(&s, REPLY_MS, "challenge ACK");
	CHECK_SEG(&s, SEG_ACK, self->c.iss + 1, PEER_ISN + 1, 0);
	STEP("challenge_acks.rst");
	SEND(&rst);
	STEP("challenge_acks.rate_limited");
	SILENCE(50, "a RST within the rate limit");
}

/*
 * OrphanOverflows: with max_orphans 0, close() sends its FIN, then finds
 * one orphan too many and resets the connection (RST|ACK after the FIN).
 */
SCENARIO(orphan_overflows)
{
	struct seg s;

	knob(_metadata, "max_orphans", 0);
	establish(_metadata, self, PEER_WIN);
	ASSERT_EQ(0, close(self->c.cfd));
	self->c.cfd = -1;
	RECV(&s, REPLY_MS, "FIN on close()");
	CHECK_SEG(&s, SEG_FIN | SEG_ACK, self->c.iss + 1, PEER_ISN + 1, 0);
	RECV(&s, REPLY_MS, "RST: max_orphans");
	CHECK_SEG(&s, SEG_RST | SEG_ACK, self->c.iss + 2, PEER_ISN + 1, 0);
	STEP("orphan_overflows.close");
	GAUGE("Orphans", 0);
}

/* --- the table against the file ---------------------------------------------- */

static bool in_list(const char *name, const char *const *list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (list[i] && !strcmp(list[i], name))
			return true;
	return false;
}

/*
 * Every counter /proc/net/xtcp/snmp has is proved by a step that moves it
 * (or is an exception, with its reason); every name the table uses is in
 * the file; every step belongs to a scenario that exists, and proves
 * only counters it moves; every gauge is seen going up and down.
 */
SCENARIO(every_counter_covered)
{
	const struct snap *f = &self->base;
	unsigned int i, j, k;
	int up, down;

	for (i = 0; i < (unsigned int)f->n; i++) {
		const char *name = f->name[i];
		int proved = 0;

		EXPECT_EQ((int)i, snap_index(f, name)) TH_LOG("%s twice", name);
		for (j = 0; j < N_STEPS; j++)
			for (k = 0; k < MAX_PROVES && steps[j].proves[k]; k++)
				proved += !strcmp(steps[j].proves[k], name);
		for (j = 0; exceptions[j].name; j++)
			if (!strcmp(exceptions[j].name, name)) {
				EXPECT_EQ(0, proved)
					TH_LOG("%s is an exception and has a step", name);
				ksft_print_msg("%s: no test: %s\n", name, exceptions[j].why);
				proved = -1;
			}
		EXPECT_NE(0, proved) TH_LOG("counter %s: no step proves it", name);
		if (proved > 0)
			ksft_print_msg("%-18s proved by %d step(s)\n", name, proved);
	}
	for (j = 0; exceptions[j].name; j++) {
		EXPECT_LE(0, snap_index(f, exceptions[j].name))
			TH_LOG("exception %s: no such counter", exceptions[j].name);
	}

	for (j = 0; j < N_STEPS; j++) {
		const struct step *st = &steps[j];

		EXPECT_EQ(st, step_find(st->id)) TH_LOG("step %s twice", st->id);
		if (st->test) {
			EXPECT_TRUE(in_list(st->test, scenarios, n_scenarios))
				TH_LOG("step %s: no scenario %s", st->id, st->test);
		}
		for (k = 0; k < MAX_MOVES && st->moves[k].name; k++) {
			EXPECT_LE(0, snap_index(f, st->moves[k].name))
				TH_LOG("step %s: no counter %s", st->id, st->moves[k].name);
			EXPECT_NE(0, st->moves[k].delta)
				TH_LOG("step %s: %s listed with 0", st->id, st->moves[k].name);
		}
		for (k = 0; k < MAX_PROVES && st->proves[k]; k++) {
			EXPECT_LE(0, snap_index(f, st->proves[k]))
				TH_LOG("step %s: no counter %s", st->id, st->proves[k]);
			EXPECT_NE(0, step_delta(st, st->proves[k]))
				TH_LOG("step %s proves %s but does not move it",
				       st->id, st->proves[k]);
			EXPECT_TRUE(!!st->test)
				TH_LOG("step %s proves %s: it needs its scenario", st->id,
				       st->proves[k]);
		}
	}

	for (i = 0; i < ARRAY_SIZE(gauges); i++) {
		up = 0;
		down = 0;
		EXPECT_LE(0, snap_index(f, gauges[i])) TH_LOG("gauge %s", gauges[i]);
		for (j = 0; j < N_STEPS; j++) {
			for (k = 0; k < MAX_PROVES && steps[j].proves[k]; k++) {
				if (strcmp(steps[j].proves[k], gauges[i]))
					continue;
				up += step_delta(&steps[j], gauges[i]) > 0;
				down += step_delta(&steps[j], gauges[i]) < 0;
			}
		}
		EXPECT_LT(0, up) TH_LOG("gauge %s: no step proves it going up", gauges[i]);
		EXPECT_LT(0, down) TH_LOG("gauge %s: no step proves it going down", gauges[i]);
	}
}

XTCP_TEST_MAIN

/* SPDX-License-Identifier: MIT */
/*
 * Fault injection for the fault tests: real processes that die or freeze
 * at a named phase of a run, so the tests can check what the other side
 * does. NETROOF_FAULT=PHASE:ACTION in the environment arms one point;
 * ACTION is "kill" (SIGKILL: the process vanishes) or "stop" (SIGSTOP:
 * alive, silent, its kernel still ACKs TCP, so keepalive never fires).
 * Phases, in the order a run meets them:
 *   hello     TCP connected, before the bootstrap preamble
 *   params    bootstrap hello sent (rank > 0) or received (rank 0), no reply yet
 *   connect   transport connection exchange (ib_lat tcp: data port sent/got)
 *   measure   after the first size of the sweep
 *   teardown  the sweep done, before the closing barrier
 * Unset (the normal case): a no-op after one getenv.
 */
#ifndef BM_FAULT_H
#define BM_FAULT_H

/* Acts if NETROOF_FAULT names this phase. */
void bm_fault(const char *phase);

#endif

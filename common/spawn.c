// SPDX-License-Identifier: MIT
/* Fork local ranks and wait for them (see spawn.h). */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bm.h"
#include "spawn.h"

uint16_t bm_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	uint16_t port = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return 0;
	if (!bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &al))
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* The worse of two exit statuses: a failure beats a skip beats success. */
static int worse(int a, int b)
{
	if (a != 0 && a != BM_EXIT_UNAVAIL)
		return a;
	if (b != 0 && b != BM_EXIT_UNAVAIL)
		return b;
	return a ? a : b;
}

/* A signal the parent got (SIGTERM, SIGINT, SIGHUP): passed on to the
 * ranks, which would otherwise run on, each holding its GPU. */
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static void child(const struct bm_spawn_cfg *cfg, int i, pid_t parent)
{
	char lr[16];
	int ret;

	/* a parent killed outright (SIGKILL) takes its ranks with it */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent)
		_exit(BM_EXIT_FAIL);
	snprintf(lr, sizeof(lr), "%d", i);
	setenv("LOCAL_RANK", lr, 1);
	if (cfg->child_setup && (ret = cfg->child_setup(i, cfg->arg)))
		_exit(ret > 0 && ret < 256 ? ret : BM_EXIT_FAIL);
}

/* sig to every rank still alive. */
static void signal_all(const pid_t *pids, int n, int sig)
{
	int i;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], sig);
}

int bm_spawn_local(const struct bm_spawn_cfg *cfg, int *rank_p, int *exit_p)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa, old[3];
	int i, n = cfg->n, worst = 0, alive, status;
	uint64_t kill_at = 0;	/* 0: nobody failed yet; then: SIGTERM */
	uint64_t hard_at = 0;	/* SIGTERM sent: SIGKILL past this */
	pid_t *pids, parent = getpid();
	bool sig_seen = false;

	if (n < 1 || n > BM_SPAWN_MAX)
		return -EINVAL;
	pids = calloc((size_t)n, sizeof(*pids));
	if (!pids)
		return -ENOMEM;
	fflush(NULL);	/* or the children print the parent's buffers */
	for (i = 0; i < n; i++) {
		pid_t p = fork();

		if (p < 0) {
			BM_ERR("fork: %s", strerror(errno));
			n = i;
			worst = BM_EXIT_FAIL;
			kill_at = 1;	/* stop the ones made, now */
			break;
		}
		if (p == 0) {
			free(pids);
			child(cfg, i, parent);
			*rank_p = i;
			return 0;
		}
		pids[i] = p;
	}
	if (n == cfg->n) {	/* which process is which rank, for whoever
				 * must signal one (the tests kill a rank) */
		char list[BM_SPAWN_MAX * 8 > 4096 ? 4096 : BM_SPAWN_MAX * 8];
		size_t off = 0;

		for (i = 0; i < n && off < sizeof(list) - 16; i++)
			off += (size_t)snprintf(list + off, sizeof(list) - off,
						"%s%d", i ? " " : "",
						(int)pids[i]);
		BM_INFO("%d local rank(s), pids by rank: %s", n, list);
	}
	/* no SA_RESTART: a signal wakes the blocking waitpid */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	got_signal = 0;
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	alive = n;
	while (alive > 0) {
		pid_t p;
		int code;

		if (got_signal && !sig_seen) {
			BM_ERR("signal %d: stopping the %d local rank(s)",
			       (int)got_signal, alive);
			sig_seen = true;
			worst = worse(worst, BM_EXIT_FAIL);
			if (!hard_at)
				kill_at = 1;	/* SIGTERM now */
		}
		p = waitpid(-1, &status, kill_at ? WNOHANG : 0);
		if (p == 0) {	/* WNOHANG and nobody done yet */
			uint64_t now = bm_now_ns();

			if (!hard_at && now >= kill_at) {
				signal_all(pids, n, SIGTERM);
				hard_at = now + 5000000000ull;
			} else if (hard_at && now >= hard_at) {
				signal_all(pids, n, SIGKILL);
				hard_at = UINT64_MAX;
			}
			usleep(50000);
			continue;
		}
		if (p < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < n; i++)
			if (pids[i] == p)
				pids[i] = -1;
		alive--;
		if (WIFEXITED(status)) {
			code = WEXITSTATUS(status);
		} else {
			BM_ERR("local rank (pid %d) killed by signal %d",
			       (int)p, WIFSIGNALED(status) ? WTERMSIG(status) :
							     0);
			code = BM_EXIT_FAIL;
		}
		worst = worse(worst, code);
		if (code != 0 && code != BM_EXIT_UNAVAIL && !kill_at)
			/* the survivors will time out; give them that long */
			kill_at = bm_now_ns() +
				  (uint64_t)cfg->grace_ms * 1000000ull;
	}
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	free(pids);
	*exit_p = worst;
	return 1;
}

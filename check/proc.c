// SPDX-License-Identifier: MIT
/*
 * Child processes of netroof check: the tools (ib_lat, nccl_coll, sim)
 * run as programs. Each child gets PR_SET_PDEATHSIG (SIGKILL), so that a
 * netroof killed outright takes its children with it; every other exit
 * path stops (SIGTERM, then SIGKILL) and reaps them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

int chk_find_tool(const char *name, char *path, size_t len)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return -ENOENT;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	/* the install bindir: every tool next to netroof */
	snprintf(path, len, "%s/%s", self, name);
	if (!access(path, X_OK))
		return 0;
	/* the build tree: build/check/netroof, build/ib_lat/ib_lat */
	snprintf(path, len, "%s/../%s/%s", self, name, name);
	if (!access(path, X_OK))
		return 0;
	path[0] = '\0';
	return -ENOENT;
}

static int redirect(const char *path, int fd)
{
	int f = open(path ? path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC |
		     O_CLOEXEC, 0644);

	if (f < 0)
		return -1;
	if (dup2(f, fd) < 0)
		return -1;
	close(f);
	return 0;
}

int chk_spawn(char *const argv[], const char *out, const char *err,
	      struct chk_child *c)
{
	pid_t parent = getpid(), p;

	memset(c, 0, sizeof(*c));
	fflush(NULL);
	p = fork();
	if (p < 0) {
		BM_ERR("fork: %s", strerror(errno));
		return -errno;
	}
	if (p == 0) {
		int nul = open("/dev/null", O_RDONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)	/* the parent died before prctl */
			_exit(127);
		if (nul >= 0 && nul != 0) {
			dup2(nul, 0);
			close(nul);
		}
		if (redirect(out, 1) || redirect(err, 2))
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		execv(argv[0], argv);
		fprintf(stderr, "netroof check: exec %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	c->pid = p;
	return 0;
}

static void reaped(struct chk_child *c, int st)
{
	c->reaped = true;
	c->status = WIFEXITED(st) ? WEXITSTATUS(st) :
		    WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
}

bool chk_child_done(struct chk_child *c)
{
	int st;
	pid_t r;

	if (!c->pid || c->reaped)
		return true;
	do {
		r = waitpid(c->pid, &st, WNOHANG);
	} while (r < 0 && errno == EINTR);
	if (r == c->pid)
		reaped(c, st);
	else if (r < 0)		/* not ours any more: count it as gone */
		c->reaped = true, c->status = 1;
	return c->reaped;
}

bool chk_child_stop_step(struct chk_child *c, int grace_ms)
{
	if (chk_child_done(c))
		return true;
	if (!c->term_at) {
		kill(c->pid, SIGTERM);
		c->term_at = bm_now_ns();
		return false;
	}
	if (bm_now_ns() - c->term_at > (uint64_t)grace_ms * 1000000ull)
		kill(c->pid, SIGKILL);
	return chk_child_done(c);
}

void chk_child_kill(struct chk_child *c, int grace_ms)
{
	while (!chk_child_stop_step(c, grace_ms))
		usleep(20000);
}

int chk_run_capture(char *const argv[], int deadline_ms, char *buf,
		    size_t len)
{
	char tmpl[] = "/tmp/netroof-check-XXXXXX";
	struct chk_child c;
	uint64_t end = bm_now_ns() + (uint64_t)deadline_ms * 1000000ull;
	int fd = mkstemp(tmpl), ret;
	FILE *f;
	size_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -errno;
	close(fd);
	ret = chk_spawn(argv, tmpl, NULL, &c);
	if (ret)
		goto out;
	while (!chk_child_done(&c) && bm_now_ns() < end)
		usleep(10000);
	if (!c.reaped) {
		chk_child_kill(&c, 500);
		ret = -ETIMEDOUT;
		goto out;
	}
	ret = c.status;
	f = fopen(tmpl, "r");
	if (f) {
		n = fread(buf, 1, len - 1, f);
		buf[n] = '\0';
		fclose(f);
	}
out:
	unlink(tmpl);
	return ret;
}

void chk_tail(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	long sz;
	size_t n;

	buf[0] = '\0';
	if (!f)
		return;
	if (!fseek(f, 0, SEEK_END) && (sz = ftell(f)) > (long)len - 1)
		fseek(f, sz - (long)len + 1, SEEK_SET);
	else
		fseek(f, 0, SEEK_SET);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

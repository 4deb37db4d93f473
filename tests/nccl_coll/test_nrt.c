// SPDX-License-Identifier: MIT
/*
 * nccl_rt's parts that need no GPU, on real processes and real files:
 * the option defaults (one --timeout default), --local forking (real
 * children, their environment, the worst exit status, survivors stopped),
 * NCCL's environment as nrt_env_setup leaves it, the GPUDirect RDMA lines
 * of NCCL's log and the peermem probe, and what the data-check summary may
 * claim.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bm_test.h"
#include "nrt_check.h"
#include "nrt_log.h"
#include "nrt_mps.h"
#include "nrt_opts.h"
#include "spawn.h"

/* Every wait of nccl_rt uses --timeout, whose default is the common one. */
static void test_timeout_default(void)
{
	struct nrt_opts o = NRT_OPTS_INIT;
	struct bm_common c = BM_COMMON_INIT(1, 2, 3, 4, 5);

	EXPECT_EQ(o.timeout_ms, c.timeout_ms);
	c.timeout_ms = 2500;
	nrt_opts_from_common(&o, &c);
	EXPECT_EQ(o.timeout_ms, 2500);
	EXPECT_EQ(nrt_opt(&o, NRT_KEY_NET, "tcp"), 1);
	EXPECT_EQ(o.net, NRT_NET_SOCKET);
	EXPECT_EQ(nrt_opt(&o, NRT_KEY_NET, "carrier-pigeon"), -EINVAL);
	EXPECT_EQ(nrt_opt(&o, NRT_KEY_LOCAL, "65"), -EINVAL);
	EXPECT_EQ(nrt_opt(&o, 'x', "1"), 0);
}

/* Each child: check what the spawn gave it, exit with a status chosen by
 * its rank (codes[rank]; 255: hang until killed). */
static const int *codes;

static int child_env(int rank, void *arg)
{
	char want[16];

	snprintf(want, sizeof(want), "%d", rank);
	setenv("TEST_NRT_CHILD", want, 1);
	return *(int *)arg;
}

static int spawn_codes(const int *c, int n, int grace_ms, int setup_ret)
{
	struct bm_spawn_cfg cfg = { .n = n, .grace_ms = grace_ms,
				    .child_setup = child_env,
				    .arg = &setup_ret };
	int rank = -1, code = -1, ret;

	codes = c;
	ret = bm_spawn_local(&cfg, &rank, &code);
	if (ret == 0) {	/* a child */
		const char *lr = getenv("LOCAL_RANK");
		const char *me = getenv("TEST_NRT_CHILD");

		if (!lr || atoi(lr) != rank || !me || atoi(me) != rank)
			_exit(100);
		if (codes[rank] == 255)
			for (;;)
				pause();
		if (codes[rank] == 254)
			raise(SIGKILL);
		_exit(codes[rank]);
	}
	EXPECT_EQ(ret, 1);
	return code;
}

static void test_spawn(void)
{
	uint64_t t0;
	struct bm_spawn_cfg bad = { .n = 0 };
	int r, e;

	EXPECT_EQ(spawn_codes((const int[]){ 0, 0, 0 }, 3, 1000, 0), 0);
	EXPECT_EQ(spawn_codes((const int[]){ 0, 77, 0 }, 3, 1000, 0), 77);
	/* a failure wins over a skip, whichever ends first */
	EXPECT_EQ(spawn_codes((const int[]){ 77, 3, 0 }, 3, 1000, 0), 3);
	EXPECT_EQ(spawn_codes((const int[]){ 3, 77, 0 }, 3, 1000, 0), 3);
	/* killed by a signal: a failure */
	EXPECT_EQ(spawn_codes((const int[]){ 0, 254 }, 2, 1000, 0), 1);
	/* child_setup failing ends the child with its status */
	EXPECT_EQ(spawn_codes((const int[]){ 0, 0 }, 2, 1000, 5), 5);
	/* a rank fails, another hangs: stopped after the grace time */
	t0 = bm_now_ns();
	EXPECT_EQ(spawn_codes((const int[]){ 2, 255 }, 2, 300, 0), 2);
	EXPECT((bm_now_ns() - t0) / 1000000 < 5000);
	EXPECT_EQ(bm_spawn_local(&bad, &r, &e), -EINVAL);
	EXPECT(bm_free_port() > 0);
}

/* Wait up to 5 s for pid (our child or, as subreaper, an orphan): 0 with
 * its status, -1 if it is not ours, -2 (then SIGKILLed) if it lives on. */
static int reap(pid_t pid, int *st)
{
	uint64_t dl = bm_now_ns() + 5000000000ull;
	pid_t r;

	while ((r = waitpid(pid, st, WNOHANG)) == 0 && bm_now_ns() < dl)
		usleep(10000);
	if (r == pid)
		return 0;
	if (r < 0)
		return -1;
	kill(pid, SIGKILL);
	waitpid(pid, st, 0);
	return -2;
}

/* The spawner's parent stopped from outside: SIGTERM is passed on to the
 * ranks (the parent ends, exit 1, once they have); SIGKILL takes them
 * with it (PR_SET_PDEATHSIG). Ranks never outlive their parent. */
static void test_spawn_signals(void)
{
	int fds[2], mode, k, st;
	pid_t kids[2], par;
	uint64_t t0;

	EXPECT_EQ(pipe(fds), 0);
	EXPECT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	for (mode = 0; mode < 2; mode++) {
		par = fork();
		if (par == 0) {
			struct bm_spawn_cfg cfg = { .n = 2, .grace_ms = 60000 };
			int rank, code = 99;

			close(fds[0]);
			if (bm_spawn_local(&cfg, &rank, &code) == 0) {
				pid_t me = getpid();

				if (write(fds[1], &me, sizeof(me)) < 0)
					_exit(3);
				for (;;)
					pause();
			}
			_exit(code);
		}
		for (k = 0; k < 2; k++)
			EXPECT_EQ(read(fds[0], &kids[k], sizeof(kids[k])),
				  (long)sizeof(kids[k]));
		t0 = bm_now_ns();
		kill(par, mode ? SIGKILL : SIGTERM);
		EXPECT_EQ(reap(par, &st), 0);
		if (mode == 0) {
			EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 1);
			/* reaped by the parent before it ended */
			for (k = 0; k < 2; k++)
				EXPECT_EQ(reap(kids[k], &st), -1);
		} else {
			EXPECT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
			for (k = 0; k < 2; k++) {
				EXPECT_EQ(reap(kids[k], &st), 0);
				EXPECT(WIFSIGNALED(st) &&
				       WTERMSIG(st) == SIGTERM);
			}
		}
		EXPECT((bm_now_ns() - t0) / 1000000 < 3000);
	}
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	close(fds[0]);
	close(fds[1]);
}

/* nrt_launch: children are ranks 0..N-1 of N on 127.0.0.1:port. */
static void test_launch(void)
{
	struct nrt_opts o = NRT_OPTS_INIT;
	int code = -1, ret;

	o.local = 2;
	o.timeout_ms = 1000;
	ret = nrt_launch(&o, &code);
	if (ret == 0) {
		int ok = o.rank >= 0 && o.rank < 2 && o.nranks == 2 &&
			 o.local == 0 && o.peer &&
			 !strncmp(o.peer, "127.0.0.1:", 10) &&
			 atoi(getenv("LOCAL_RANK")) == o.rank;

		_exit(ok ? 0 : 1);
	}
	EXPECT_EQ(ret, 1);
	EXPECT_EQ(code, 0);
	/* --local with --rank: a usage error, nothing forked */
	o = NRT_OPTS_INIT;
	o.local = 2;
	o.rank = 0;
	EXPECT_EQ(nrt_launch(&o, &code), 1);
	EXPECT_EQ(code, BM_EXIT_USAGE);
	o = NRT_OPTS_INIT;
	EXPECT_EQ(nrt_launch(&o, &code), 0);	/* --local off */
}

/* The MPS probe on real directories, FIFOs and files; the verdict, the
 * refusal's how-to and the caveat's words. */
static void test_mps(void)
{
	char dir[] = "/tmp/test_mps.XXXXXX", path[300], *text = NULL;
	struct nrt_mps m;
	size_t len = 0;
	json_t *j;
	FILE *f;

	if (!mkdtemp(dir)) {
		EXPECT(0);
		return;
	}
	snprintf(path, sizeof(path), "%s/none", dir);
	setenv("CUDA_MPS_PIPE_DIRECTORY", path, 1);
	nrt_mps_probe(&m);
	EXPECT_STREQ(m.pipe_dir, path);
	EXPECT(m.pipe_env && !m.dir_exists && !m.control);
	EXPECT_EQ(m.cuda_attr, -1);
	EXPECT(!nrt_mps_serves(&m));
	EXPECT_STREQ(nrt_mps_state(&m), "not checked");
	/* the directory, no control pipe */
	setenv("CUDA_MPS_PIPE_DIRECTORY", dir, 1);
	nrt_mps_probe(&m);
	EXPECT(m.dir_exists && !m.control && !nrt_mps_serves(&m));
	/* a regular file named control is not a daemon's pipe */
	snprintf(path, sizeof(path), "%s/control", dir);
	f = fopen(path, "w");
	EXPECT(f != NULL);
	if (f)
		fclose(f);
	nrt_mps_probe(&m);
	EXPECT(!m.control);
	unlink(path);
	EXPECT_EQ(mkfifo(path, 0600), 0);
	nrt_mps_probe(&m);
	EXPECT(m.control);
	/* CUDA's answer decides; the pipe only when CUDA cannot say */
	m.checked = true;
	EXPECT(nrt_mps_serves(&m));
	EXPECT(strstr(nrt_mps_state(&m), "control pipe only") != NULL);
	m.cuda_attr = 0;
	EXPECT(!nrt_mps_serves(&m));
	EXPECT_STREQ(nrt_mps_state(&m), "off");
	f = open_memstream(&text, &len);
	nrt_mps_howto(f, "nccl_coll", 2, &m);
	fclose(f);
	EXPECT(strstr(text, "cudaDevAttrMpsEnabled 0") != NULL);
	EXPECT(strstr(text, "nvidia-cuda-mps-control -d") != NULL);
	EXPECT(strstr(text, "echo quit | nvidia-cuda-mps-control") != NULL);
	EXPECT(strstr(text, "CUDA_MPS_PIPE_DIRECTORY=/tmp/mps "
			    "CUDA_MPS_LOG_DIRECTORY=/tmp/mps-log") != NULL);
	EXPECT(strstr(text, "--allow-time-sliced") != NULL);
	free(text);
	m.cuda_attr = 1;
	EXPECT(nrt_mps_serves(&m));
	j = nrt_mps_json(&m);
	EXPECT_STREQ(json_string_value(json_object_get(j, "state")), "on");
	EXPECT(json_is_true(json_object_get(j, "cuda_mps_enabled")));
	EXPECT_STREQ(json_string_value(json_object_get(j, "control_pipe")),
		     "present");
	json_decref(j);
	unlink(path);
	rmdir(dir);
	unsetenv("CUDA_MPS_PIPE_DIRECTORY");
	nrt_mps_probe(&m);
	EXPECT_STREQ(m.pipe_dir, "/tmp/nvidia-mps");
	EXPECT(!m.pipe_env);
	nrt_local_hosts_caveat(2, "socket", path, sizeof(path));
	EXPECT_STREQ(path, "2 ranks on one GPU of one host over loopback TCP "
		     "(NCCL's socket transport): not a link between boxes");
	nrt_local_hosts_caveat(4, "ib", path, sizeof(path));
	EXPECT(strstr(path, "NCCL's ib transport") != NULL);
}

/* --local-hosts in a fresh process (it sets the environment): each rank
 * is its own host to NCCL, all on one GPU, over sockets. Returns the
 * parent's exit status; a rank exits 0 only if its setup is right. */
static int local_hosts_run(struct nrt_opts *o)
{
	int code = -1, ret;

	ret = nrt_launch(o, &code);
	if (ret == 0) {
		char want[64];
		const char *id = getenv("NCCL_HOSTID");
		const char *ifn = getenv("NCCL_SOCKET_IFNAME");
		const char *want_if = getenv("TEST_WANT_IFNAME");

		snprintf(want, sizeof(want), "netroof-host%d", o->rank);
		_exit(!(o->forked && o->nranks == 2 && o->local_hosts == 2 &&
			o->device == (o->rank >= 0 ? 0 : -1) &&
			(o->net == NRT_NET_SOCKET ||
			 getenv("TEST_WANT_IB")) &&
			id && !strcmp(id, want) &&
			!strcmp(getenv("NCCL_NVLS_ENABLE"), "0") &&
			(want_if ? ifn && !strcmp(ifn, want_if) : !ifn) &&
			nrt_launch(o, &code) == 0));
	}
	/* the parent forked nobody else */
	return ret == 1 ? code : 100;
}

static int local_hosts_case(const char *pipe_dir, bool allow,
			    const char *ifname_env, const char *opt_ifname,
			    const char *want_ifname, bool ib)
{
	pid_t p = fork();
	int st;

	if (p == 0) {
		struct nrt_opts o = NRT_OPTS_INIT;

		setenv("CUDA_MPS_PIPE_DIRECTORY", pipe_dir, 1);
		setenv("NCCL_HOSTID", "the-same-for-all", 1);
		setenv("NCCL_NVLS_ENABLE", "1", 1);
		if (ifname_env)
			setenv("NCCL_SOCKET_IFNAME", ifname_env, 1);
		else
			unsetenv("NCCL_SOCKET_IFNAME");
		if (want_ifname)
			setenv("TEST_WANT_IFNAME", want_ifname, 1);
		if (ib)
			setenv("TEST_WANT_IB", "1", 1);
		o.local_hosts = 2;
		o.allow_time_sliced = allow;
		o.socket_ifname = opt_ifname;
		o.net = ib ? NRT_NET_IB : NRT_NET_AUTO;
		o.timeout_ms = 1000;
		_exit(local_hosts_run(&o));
	}
	if (waitpid(p, &st, 0) != p || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void test_local_hosts(void)
{
	char dir[] = "/tmp/test_lh.XXXXXX", none[64];
	struct nrt_opts o = NRT_OPTS_INIT;
	int code = -1;

	if (!mkdtemp(dir)) {
		EXPECT(0);
		return;
	}
	snprintf(none, sizeof(none), "%s/none", dir);
	/* no MPS pipe directory: refused before any rank starts */
	EXPECT_EQ(local_hosts_case(none, false, NULL, NULL, NULL, false), 77);
	/* allowed time-sliced, or a daemon's directory: ranks start, each
	 * its own NCCL_HOSTID, NVLS off, loopback unless told otherwise */
	EXPECT_EQ(local_hosts_case(none, true, NULL, NULL, "lo", false), 0);
	EXPECT_EQ(local_hosts_case(dir, false, NULL, NULL, "lo", false), 0);
	EXPECT_EQ(local_hosts_case(dir, false, "eth9", NULL, "eth9", false), 0);
	/* --socket-ifname: left to nrt_env_setup, which applies it */
	EXPECT_EQ(local_hosts_case(dir, false, NULL, "eth7", NULL, false), 0);
	/* --net ib stays ib */
	EXPECT_EQ(local_hosts_case(dir, false, NULL, NULL, "lo", true), 0);
	rmdir(dir);
	/* usage errors, nothing forked */
	o.local_hosts = 2;
	o.local = 2;
	EXPECT_EQ(nrt_launch(&o, &code), 1);
	EXPECT_EQ(code, BM_EXIT_USAGE);
	o = NRT_OPTS_INIT;
	o.local_hosts = 2;
	o.peer = "127.0.0.1:1";
	EXPECT_EQ(nrt_launch(&o, &code), 1);
	EXPECT_EQ(code, BM_EXIT_USAGE);
	o = NRT_OPTS_INIT;
	EXPECT_EQ(nrt_opt(&o, NRT_KEY_LOCAL_HOSTS, "1"), -EINVAL);
	EXPECT_EQ(nrt_opt(&o, NRT_KEY_LOCAL_HOSTS, "8"), 1);
	EXPECT_EQ(o.local_hosts, 8);
	EXPECT_EQ(nrt_opt(&o, NRT_KEY_ALLOW_TIME_SLICED, NULL), 1);
	EXPECT(o.allow_time_sliced);
}

/* nrt_env_setup in a child (it changes the environment): 0 if it did
 * what nrt_log.h says. */
static int env_child(void)
{
	struct nrt_opts o = NRT_OPTS_INIT;
	struct nrt_log l;
	const char *f;
	char want[64];

	unsetenv("NCCL_DEBUG_FILE");
	unsetenv("NCCL_DEBUG_SUBSYS");
	setenv("NCCL_DEBUG", "WARN", 1);
	setenv("NCCL_IB_DISABLE", "0", 1);	/* the user's: kept */
	o.net = NRT_NET_SOCKET;
	o.socket_ifname = "lo";
	nrt_env_setup(&o, 2, &l);
	f = getenv("NCCL_DEBUG_FILE");
	snprintf(want, sizeof(want), "netroof-nccl.%d.log", (int)getpid());
	if (strcmp(getenv("NCCL_NET"), "Socket") ||
	    strcmp(getenv("NCCL_IB_DISABLE"), "0") ||
	    strcmp(getenv("NCCL_SOCKET_IFNAME"), "lo") ||
	    strcmp(getenv("NCCL_DEBUG"), "INFO") ||
	    strcmp(getenv("NCCL_RUNTIME_CONNECT"), "0") ||
	    strcmp(getenv("NCCL_DEBUG_SUBSYS"), "INIT,NET,GRAPH,ENV,TUNING") ||
	    !l.tuning ||
	    !f || strcmp(f, l.path) || !strstr(f, want) || !l.ours)
		return 1;
	/* the user's file, %p expanded, is read and never removed */
	setenv("NCCL_DEBUG_FILE", "/tmp/x.%p.log", 1);
	nrt_env_setup(&o, 1, &l);
	snprintf(want, sizeof(want), "/tmp/x.%d.log", (int)getpid());
	if (strcmp(l.path, want) || l.ours)
		return 2;
	return 0;
}

static void test_env(void)
{
	pid_t p = fork();
	int st;

	if (p == 0)
		_exit(env_child());
	EXPECT(waitpid(p, &st, 0) == p && WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0);
}

static void parse(const char *text, int nranks, struct nrt_path *p)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	nrt_parse_log(f, nranks, NRT_NET_IB, p);
	fclose(f);
}

static void test_gdr_log(void)
{
	static const char on[] =
		"h:1:2 [0] NCCL INFO NET/IB : GPU Direct RDMA (DMABUF) enabled "
		"for HCA 0 'rocep1s0f0'\n"
		"h:1:2 [0] NCCL INFO DMA-BUF is available on GPU device 0\n"
		"h:1:2 [0] NCCL INFO NCCL_NET_GDR_LEVEL set by environment to "
		"SYS\n"
		"h:1:2 [0] NCCL INFO GPU Direct RDMA Enabled for GPU 1000 / "
		"HCA 0 (distance 4 <= 5), read 1\n"
		"h:1:2 [0] NCCL INFO Channel 00/0 : 0[0] -> 1[0] [send] via "
		"NET/IB/0/GDRDMA\n";
	static const char off[] =
		"h:1:2 [0] NCCL INFO NET/IB : GPU Direct RDMA Disabled for HCA "
		"0 'mlx5_0' (no module)\n"
		"h:1:2 [0] NCCL INFO Channel 00/0 : 0[0] -> 1[0] [send] via "
		"NET/IB/0\n";
	struct nrt_path p;
	json_t *j;

	parse(on, 2, &p);
	EXPECT_EQ(p.gdr_log.gpu, 1);
	EXPECT_EQ(p.gdr_log.hca, 1);
	EXPECT(p.gdr_log.dmabuf);
	EXPECT_STREQ(p.gdr_log.level, "SYS");
	EXPECT(!strncmp(p.gdr_log.line, "GPU Direct RDMA Enabled for GPU", 31));
	EXPECT(p.gdr && p.net_seen);
	j = nrt_gdr_json(&p, 1, 1);
	EXPECT(json_is_true(json_object_get(j, "nccl_connection_gdrdma")));
	EXPECT_STREQ(json_string_value(json_object_get(j, "nccl_gpu_nic")),
		     "enabled");
	EXPECT_STREQ(json_string_value(json_object_get(j, "nvidia_peermem")),
		     "loaded");
	json_decref(j);

	parse(off, 2, &p);
	EXPECT_EQ(p.gdr_log.gpu, -1);
	EXPECT_EQ(p.gdr_log.hca, 0);
	EXPECT(!p.gdr_log.dmabuf);
	EXPECT(!strncmp(p.gdr_log.line, "NET/IB : GPU Direct RDMA Disabled",
			33));
	EXPECT(!p.gdr && p.net_seen);

	/* one rank: NCCL logs none of it, so nothing is claimed */
	parse("h:1:2 [0] NCCL INFO comm 0x1 rank 0 nranks 1\n", 1, &p);
	j = nrt_gdr_json(&p, 0, -1);
	EXPECT(json_is_null(json_object_get(j, "nccl_connection_gdrdma")));
	EXPECT(json_is_null(json_object_get(j, "nccl_gpu_nic")));
	EXPECT(json_is_null(json_object_get(j, "nccl_net_plugin")));
	EXPECT(json_is_null(json_object_get(j, "nccl_dmabuf")));
	EXPECT(json_is_null(json_object_get(j,
					    "cuda_gpudirect_rdma_supported")));
	EXPECT_STREQ(json_string_value(json_object_get(j, "nvidia_peermem")),
		     "not loaded");
	json_decref(j);
}

static void touch(const char *root, const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (slash = path + strlen(root) + 1; (slash = strchr(slash, '/'));
	     slash++) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_peermem(void)
{
	char root[] = "/tmp/test_nrt.XXXXXX", cmd[600];
	char path[512];
	FILE *f;
	int real, here;

	if (!mkdtemp(root)) {
		EXPECT(0);
		return;
	}
	EXPECT_EQ(nrt_peermem_loaded(root), -ENOENT);	/* nothing to read */
	touch(root, "/proc/modules", "nvidia_uvm 1 0 - Live 0x0\n");
	EXPECT_EQ(nrt_peermem_loaded(root), 0);
	touch(root, "/proc/modules", "nvidia_peermem 16384 0 - Live 0x0\n");
	EXPECT_EQ(nrt_peermem_loaded(root), 1);
	touch(root, "/proc/modules", "\n");
	touch(root, "/sys/module/nvidia_peermem/version", "1\n");
	EXPECT_EQ(nrt_peermem_loaded(root), 1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	EXPECT_EQ(system(cmd), 0);
	/* this machine: the probe agrees with what is here */
	real = nrt_peermem_loaded("");
	here = !access("/sys/module/nvidia_peermem", F_OK) ||
	       !access("/sys/module/nv_peer_mem", F_OK);
	snprintf(path, sizeof(path), "/proc/modules");
	f = fopen(path, "r");
	if (f) {
		char line[256];

		while (fgets(line, sizeof(line), f))
			here |= !strncmp(line, "nvidia_peermem ", 15);
		fclose(f);
	}
	EXPECT(real == here || (real == 1 && !here));
}

static void test_verdict(void)
{
	struct nrt_check c = { 0 };
	char why[256];

	/* stopped before planning (a bad model file): not run, and why */
	EXPECT_STREQ(nrt_check_verdict(&c, "model not found", why,
				       sizeof(why)), "not run");
	EXPECT(strstr(why, "model not found") != NULL);
	/* planned, nothing checked: the run stopped first */
	c.planned = 4;
	EXPECT_STREQ(nrt_check_verdict(&c, "model not found", why,
				       sizeof(why)), "not run");
	EXPECT(strstr(why, "model not found") != NULL);
	/* part of the checks made, none wrong: not a pass */
	nrt_check_add(&c, 0);
	nrt_check_add(&c, 0);
	EXPECT_STREQ(nrt_check_verdict(&c, "timed out", why, sizeof(why)),
		     "FAILED");
	EXPECT(strstr(why, "2 of 4") != NULL);
	nrt_check_add(&c, 0);
	nrt_check_add(&c, 0);
	EXPECT_STREQ(nrt_check_verdict(&c, NULL, why, sizeof(why)), "passed");
	EXPECT_STREQ(why, "");
	/* every check made, but with wrong elements */
	c.done = 0;
	nrt_check_add(&c, 3);
	nrt_check_add(&c, 0);
	nrt_check_add(&c, 0);
	nrt_check_add(&c, 0);
	EXPECT_STREQ(nrt_check_verdict(&c, NULL, why, sizeof(why)), "FAILED");
	EXPECT(strstr(why, "3 wrong") != NULL);
	/* a run that checks nothing says so */
	c = (struct nrt_check){ 0 };
	EXPECT_STREQ(nrt_check_verdict(&c, NULL, why, sizeof(why)), "not run");
	EXPECT_STREQ(why, "this run makes no data check");
}

int main(void)
{
	bm_log_init("test_nrt", -1);
	bm_log_set_level(BM_LOG_ERR);
	test_timeout_default();
	test_spawn();
	test_spawn_signals();
	test_launch();
	test_mps();
	test_local_hosts();
	test_env();
	test_gdr_log();
	test_peermem();
	test_verdict();
	return TEST_DONE();
}

// SPDX-License-Identifier: MIT
/* CUDA MPS as seen without changing anything, and --local-hosts' words
 * (see nrt_mps.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nrt_mps.h"

void nrt_mps_probe(struct nrt_mps *m)
{
	const char *env = getenv("CUDA_MPS_PIPE_DIRECTORY");
	char path[300];
	struct stat st;

	memset(m, 0, sizeof(*m));
	m->cuda_attr = -1;
	m->pipe_env = env && *env;
	snprintf(m->pipe_dir, sizeof(m->pipe_dir), "%s",
		 m->pipe_env ? env : NRT_MPS_PIPE_DEFAULT);
	m->dir_exists = !stat(m->pipe_dir, &st) && S_ISDIR(st.st_mode);
	snprintf(path, sizeof(path), "%s/control", m->pipe_dir);
	m->control = m->dir_exists && !stat(path, &st) &&
		     (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

bool nrt_mps_serves(const struct nrt_mps *m)
{
	return m->cuda_attr == 1 || (m->cuda_attr < 0 && m->control);
}

const char *nrt_mps_state(const struct nrt_mps *m)
{
	if (m->cuda_attr == 1)
		return "on";
	if (m->cuda_attr == 0)
		return "off";
	if (!m->checked)
		return "not checked";
	return m->control ? "on (control pipe only: CUDA attribute unknown)" :
			    "off";
}

void nrt_mps_howto(FILE *f, const char *tool, int nranks,
		   const struct nrt_mps *m)
{
	if (!m->dir_exists)
		fprintf(f, "%s: --local-hosts %d: no CUDA MPS daemon serves "
			"this GPU (no MPS pipe directory %s%s).\n", tool,
			nranks, m->pipe_dir,
			m->pipe_env ? ", from CUDA_MPS_PIPE_DIRECTORY" : "");
	else if (m->cuda_attr == 0)
		fprintf(f, "%s: --local-hosts %d: CUDA says this process's "
			"contexts are not shared via MPS "
			"(cudaDevAttrMpsEnabled 0), though %s exists%s: a "
			"daemon that died leaves its pipes behind, or it was "
			"started with another CUDA_MPS_PIPE_DIRECTORY (export "
			"the same one here).\n", tool, nranks, m->pipe_dir,
			m->control ? " with a control pipe" : "");
	else
		fprintf(f, "%s: --local-hosts %d: no CUDA MPS daemon serves "
			"this GPU (%s has no control pipe).\n", tool, nranks,
			m->pipe_dir);
	fprintf(f,
		"Without MPS the ranks' kernels time-slice the GPU (about "
		"4.5 ms per collective):\ntheir figures are not latencies, so "
		"%s refuses to time them (exit 77).\n"
		"Start a daemon (it changes no GPU setting), run again, then "
		"stop it:\n"
		"  export CUDA_MPS_PIPE_DIRECTORY=/tmp/mps "
		"CUDA_MPS_LOG_DIRECTORY=/tmp/mps-log\n"
		"  mkdir -p /tmp/mps /tmp/mps-log; nvidia-cuda-mps-control -d\n"
		"  ... the run ...\n"
		"  echo quit | nvidia-cuda-mps-control\n"
		"Or pass --allow-time-sliced for a functional run: it runs "
		"time-sliced and marks\nevery figure as not a latency.\n",
		tool);
}

json_t *nrt_mps_json(const struct nrt_mps *m)
{
	return json_pack("{s:s, s:o, s:s, s:b, s:s, s:b, s:s}",
			 "state", nrt_mps_state(m),
			 "cuda_mps_enabled", m->cuda_attr < 0 ? json_null() :
					     json_boolean(m->cuda_attr),
			 "pipe_dir", m->pipe_dir,
			 "pipe_dir_exists", m->dir_exists,
			 "control_pipe", m->control ? "present" : "absent",
			 "required", m->checked,
			 "how", "cudaDevAttrMpsEnabled on every rank after "
			 "CUDA init (the driver's own answer); the pipe "
			 "directory stat()ed before forking; nothing started, "
			 "stopped or set");
}

void nrt_local_hosts_caveat(int nranks, const char *transport, char *buf,
			    size_t len)
{
	if (!strcmp(transport, "socket"))
		snprintf(buf, len, "%d ranks on one GPU of one host over "
			 "loopback TCP (NCCL's socket transport): not a link "
			 "between boxes", nranks);
	else
		snprintf(buf, len, "%d ranks on one GPU of one host over "
			 "NCCL's %s transport on this host: not a link between "
			 "boxes", nranks, transport);
}

void nrt_local_host_id(int rank, char *buf, size_t len)
{
	snprintf(buf, len, "netroof-host%d", rank);
}

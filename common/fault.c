// SPDX-License-Identifier: MIT
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"

void bm_fault(const char *phase)
{
	const char *f = getenv("NETROOF_FAULT"), *colon;
	size_t n = strlen(phase);

	if (!f || strncmp(f, phase, n) || f[n] != ':')
		return;
	colon = f + n;
	fprintf(stderr, "NETROOF_FAULT: %s at %s (pid %d)\n", colon + 1, phase,
		(int)getpid());
	if (!strcmp(colon + 1, "kill"))
		raise(SIGKILL);
	else if (!strcmp(colon + 1, "stop"))
		raise(SIGSTOP);
}

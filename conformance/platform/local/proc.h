/* proc.h - the local platform's child processes (internal to platform/local). */
#ifndef SC_PLATFORM_LOCAL_PROC_H
#define SC_PLATFORM_LOCAL_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "base/err.h"

/* Start argv[0] with argv, stdout a pipe whose read end is *out_fd (the caller closes it);
 * the child dies with the harness. Returns the pid, or -1 with err set. */
pid_t sc_local_spawn(const char *const argv[], int *out_fd, struct sc_err *err);

/* Read the child's first line (its ready line) from fd into line, within timeout_ms; fails
 * naming `what` when the child exits or says nothing in time. */
SC_MUST_CHECK int sc_local_read_ready(int fd, pid_t pid, char *line, size_t len,
                                      unsigned timeout_ms, const char *what, struct sc_err *err);

/* SIGTERM, a short wait, then SIGKILL; the child is reaped and forgotten. */
void sc_local_stop_child(pid_t pid);

/* The program `name`: `given`, $env, next to the harness, in the build tree (`subdir`) or on
 * PATH; its path in out (PATH_MAX bytes). SC_ENOTFOUND says where it was looked for. */
SC_MUST_CHECK int sc_local_find_bin(const char *given, const char *env, const char *name,
                                    const char *subdir, char *out, struct sc_err *err);

#endif

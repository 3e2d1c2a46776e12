/* Run a helper program in a child process under hard limits, for work on
 * untrusted input (a candidate's resume PDF) that may crash, hang or eat
 * memory: the crash, hang or allocation is the child's, and the caller gets
 * a precise error instead of a dead daemon.
 *
 * The child gets: its input on stdin (a sealed memory file, so the parent
 * never blocks writing), stdout on a pipe the parent reads (the result),
 * stderr inherited, no other descriptor, a minimal environment (no
 * credentials: env: secret references live in ours), RLIMIT_AS, RLIMIT_CPU,
 * RLIMIT_CORE 0, no new privileges, and SIGKILL when the parent thread dies.
 * The parent kills it with SIGKILL at the wall-clock deadline. */
#ifndef ATSB_CORE_CHILD_H
#define ATSB_CORE_CHILD_H

#include <stddef.h>
#include <sys/types.h>

#include "atsbridge/connector.h"

typedef struct child_limits {
    long memory_mb;      /* RLIMIT_AS; 0 = none */
    long timeout_s;      /* wall clock and CPU seconds; 0 = none */
    size_t max_output;   /* stdout bytes kept; more fails the run */
    const char *memory_setting;  /* named in messages, e.g. "profile.max_memory_mb" */
    const char *timeout_setting; /* e.g. "profile.timeout_s" */
    long cpu_s;          /* RLIMIT_CPU when not timeout_s; 0 = timeout_s */
    const char *cpu_setting;     /* named when the CPU limit ends it; NULL:
                                  * reported as the timeout */
    int keep_env;        /* the whole environment, not the allow-list: a
                          * task's connector resolves env: secrets */
} child_limits;

/* The running program's own executable (readlink /proc/self/exe), for a
 * child that is this program with an internal sub-command.  malloc'd. */
char *child_self_exe(void);

/* Run argv[0] (an absolute path) with argv, feeding `in` on stdin and
 * collecting stdout into *out (malloc'd, *out_len bytes).  `what` names
 * the work in messages ("profile render").  Returns ATSB_OK when the child
 * exited 0; otherwise *out is NULL and err says what happened:
 *   "<what> crashed with SIGSEGV"                      ATSB_ERR_PERMANENT
 *   "<what> exceeded 512 MiB of memory (setting)"      ATSB_ERR_PERMANENT
 *       (killed, or failed, while close to the memory limit)
 *   "<what> took longer than 30 s (setting)"           ATSB_ERR_TRANSIENT
 *   "<what> exited with status N"                      ATSB_ERR_INTERNAL
 *   could not start (fork/exec/memfd)                  ATSB_ERR_TRANSIENT
 * A child that exits 0 after reporting its own failure in its output is
 * the caller's to interpret. */
int child_run(const char *const argv[], const void *in, size_t in_len, const child_limits *lim,
              const char *what, unsigned char **out, size_t *out_len, atsb_error *err);

/* The lower layer, for children with more descriptors (the isolated
 * task runner, daemon/task_run.c).  Starts argv[0] with fds[i] as its
 * descriptor i for i < nfds (at most CHILD_MAX_FDS) and nothing else open,
 * under lim's RLIMIT_AS/RLIMIT_CPU, RLIMIT_CORE 0, the same environment
 * and prctls as child_run.  The caller enforces the wall clock. */
#define CHILD_MAX_FDS 8
int child_spawn(const char *const argv[], const int *fds, int nfds, const child_limits *lim,
                const char *what, pid_t *pid, atsb_error *err);
/* A sealed memory file holding in, positioned at its start, for a child's
 * stdin: the parent never blocks writing it. */
int child_input_memfd(const void *in, size_t in_len, const char *what, int *fd,
                      atsb_error *err);

/* How a child ended. */
typedef struct child_end {
    int status;          /* from wait4 */
    long max_rss_mb;
    int timed_out;       /* we killed it at the wall-clock deadline */
} child_end;
/* Wait for pid (SIGKILL first when kill_it). */
void child_reap(pid_t pid, int kill_it, child_end *e);
/* 1 when pid ended (e filled), 0 when it still runs, -1 on error. */
int child_poll_reap(pid_t pid, child_end *e);
/* Whether it ran out of memory, as far as its end tells. */
int child_end_oom(const child_end *e, const child_limits *lim);
/* The precise error for a child that did not exit 0 (or timed out), as
 * child_run words it, with suffix (e.g. " during push_candidate") after. */
int child_end_error(const child_end *e, const child_limits *lim, const char *what,
                    const char *suffix, atsb_error *err);

/* A child that ran out of memory and knows it exits with this status, and
 * child_run reports it as exceeding the memory limit. */
#define CHILD_EXIT_OOM 86

/* Inside the child: whether a failure it saw was a failed allocation, as
 * far as it can tell from the error text (std::bad_alloc, "out of memory",
 * ENOMEM), so it can report "exceeded the memory limit". */
int child_text_is_oom(const char *text);

#endif

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

#include "atsbridge/connector.h"

typedef struct child_limits {
    long memory_mb;      /* RLIMIT_AS; 0 = none */
    long timeout_s;      /* wall clock and CPU seconds; 0 = none */
    size_t max_output;   /* stdout bytes kept; more fails the run */
    const char *memory_setting;  /* named in messages, e.g. "profile.max_memory_mb" */
    const char *timeout_setting; /* e.g. "profile.timeout_s" */
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

/* A child that ran out of memory and knows it exits with this status, and
 * child_run reports it as exceeding the memory limit. */
#define CHILD_EXIT_OOM 86

/* Inside the child: whether a failure it saw was a failed allocation, as
 * far as it can tell from the error text (std::bad_alloc, "out of memory",
 * ENOMEM), so it can report "exceeded the memory limit". */
int child_text_is_oom(const char *text);

#endif

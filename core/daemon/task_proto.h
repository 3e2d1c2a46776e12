/* The isolated task's wire format between task_run (parent) and
 * task_child_main (child).  Both sides are the same executable
 * (/proc/self/exe), so the structs travel as they are. */
#ifndef ATSB_CORE_TASK_PROTO_H
#define ATSB_CORE_TASK_PROTO_H

#include <stdint.h>

#include "daemon/task_run.h"

#define TASK_JOB_MAGIC "ATSBTJ1"
#define TASK_REPLY_MAGIC "ATSBTR1"

/* The child's descriptors besides stdin/stdout/stderr. */
enum { TASK_FD_REPLY = 3, TASK_FD_MARK = 4, TASK_NFDS = 5 };

/* stdin: this header, then the config text and the connector's file path,
 * each cfg_len / plugin_len bytes with their NUL. */
typedef struct task_job {
    char magic[8];
    int kind;               /* task_run_kind */
    int log_level;          /* ours, -v included */
    store_org org;
    task_run_opts opts;
    uint32_t cfg_len;
    uint32_t plugin_len;
} task_job;

/* fd 3, written once at the end. */
typedef struct task_reply {
    char magic[8];
    int rc;
    atsb_error err;
    task_outcome out;
} task_reply;

#endif

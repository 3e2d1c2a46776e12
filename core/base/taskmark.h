/* What an isolated task's child is doing, written where its parent can read
 * it after the child died: a page of memory shared between the two (a memfd
 * both map).  The connector wrappers name the operation in progress before
 * they call into a connector, and the outbox drain names the push it is
 * attempting, so the parent can say "connector workday crashed with SIGSEGV
 * during push_candidate" and settle that push's attempt.  Without a page
 * attached (in-process runs, the CLI's other commands) every call is a
 * no-op. */
#ifndef ATSB_CORE_TASKMARK_H
#define ATSB_CORE_TASKMARK_H

#include <stdint.h>

typedef struct taskmark_page {
    char op[32];        /* connector operation in progress, "" outside one */
    int64_t push_id;    /* outbox row being attempted, 0 outside one */
} taskmark_page;

void taskmark_attach(volatile taskmark_page *page);
/* NULL or "": outside the connector. */
void taskmark_op(const char *op);
void taskmark_push(int64_t push_id);

#endif

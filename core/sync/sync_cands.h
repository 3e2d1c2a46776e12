/* Candidates, atsbridge -> ATS: drain an org's outbox.  Each due push is
 * attempted once per drain: the attempt is recorded before the ATS is
 * called, find_candidate runs before any create (so a push whose reply was
 * lost is found, never duplicated), and the outcome is committed with the
 * ATS's ids.  Passing failures are retried with capped backoff; permanent
 * ones are dead-lettered with the ATS's message. */
#ifndef ATSB_CORE_SYNC_CANDS_H
#define ATSB_CORE_SYNC_CANDS_H

#include "base/config.h"
#include "plugin/plugin.h"
#include "store/store.h"

typedef struct sync_cands_result {
    int pushed;       /* created in the ATS */
    int found;        /* already there from an earlier attempt */
    int retrying;     /* failed for now, will be retried */
    int dead;         /* dead-lettered */
    int held;         /* job no longer active */
    int due;          /* attempted */
    int more;         /* stopped after sync.push_batch: more may be due */
} sync_cands_result;

/* What becomes of a push after an attempt (or instead of one). */
typedef enum push_outcome {
    PUSH_DONE,    /* complete in the ATS: the row is done */
    PUSH_RETRY,   /* failed for now: due again at next_at */
    PUSH_HELD,    /* cannot be attempted until an event (the job activated, an
                     email added) makes it due again (store_push_enqueue) */
    PUSH_DEAD     /* dead-lettered: only an admin retries it */
} push_outcome;

typedef struct push_policy {
    int max_attempts;   /* push.max_attempts */
    long retry_base_s;  /* push.retry_base_s */
    long retry_cap_s;   /* push.retry_cap_s */
} push_policy;

typedef struct push_decision {
    push_outcome outcome;
    int64_t next_at;      /* PUSH_RETRY: when */
    int stop_drain;       /* the connection is at fault: push nothing more now */
    int needs_attention;  /* flag the connection for an admin */
    int gave_up;          /* PUSH_DEAD because max_attempts was reached */
} push_decision;

/* The retry policy, pure: what to do after an attempt that ended with rc
 * (an atsb_status) on its attempts-th try, with the ATS's retry_after_s. */
push_decision sync_cands_decide(int rc, int attempts, int retry_after_s, const push_policy *pol,
                                int64_t now, uint64_t *rng);

/* One turn of org's drain: at most cfg->push_batch pushes (res->more says
 * the turn ended on that bound). */
int sync_cands_org(store *st, const plugin_registry *reg, const config *cfg,
                   const store_org *org, int wait_for_lock, sync_cands_result *res,
                   atsb_error *err);

/* After the process attempting push_id died (an isolated task's child
 * crashed, exited or was killed): if the row still says its attempt is in
 * progress, that attempt failed for reason, which becomes its last error;
 * retried with backoff, or dead-lettered ("gave up after N attempts:
 * reason", *dead set) at candidates.max_attempts. */
int sync_cands_settle_lost(store *st, const config *cfg, const store_org *org, int64_t push_id,
                           const char *reason, int *dead, atsb_error *err);

/* Build the profile PDF for a stored candidate (also used by the CLI). */
int sync_cands_render(store *st, const config *cfg, const store_cand *c, const char *job_title,
                      unsigned char **pdf, size_t *len, atsb_error *err);

#endif

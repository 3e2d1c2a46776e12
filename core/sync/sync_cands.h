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
} sync_cands_result;

int sync_cands_org(store *st, const plugin_registry *reg, const config *cfg,
                   const store_org *org, int wait_for_lock, sync_cands_result *res,
                   atsb_error *err);

/* Build the profile PDF for a stored candidate (also used by the CLI). */
int sync_cands_render(store *st, const config *cfg, const store_cand *c, const char *job_title,
                      unsigned char **pdf, size_t *len, atsb_error *err);

#endif

/* Jobs, ATS -> atsbridge.  Every job rule lives here, in one place:
 * US only, disabled on arrival, frozen after activation, archived when
 * closed in the ATS (activated or not) or gone from it. */
#ifndef ATSB_CORE_SYNC_JOBS_H
#define ATSB_CORE_SYNC_JOBS_H

#include "base/config.h"
#include "plugin/plugin.h"
#include "store/store.h"

typedef struct sync_jobs_opts {
    int force_full;     /* a full pass even if one ran recently */
    int wait_for_lock;  /* wait for a concurrent sync instead of failing busy */
    int page_size;      /* hint for the connector; 0 = its default */
} sync_jobs_opts;

typedef struct sync_jobs_result {
    int64_t run_id;
    int full;
    int64_t pages;
    int64_t duration_ms;
    store_run_counts counts;
    char status[16];
} sync_jobs_result;

int sync_jobs_org(store *st, const plugin_registry *reg, const config *cfg,
                  const store_org *org, const sync_jobs_opts *opts, sync_jobs_result *res,
                  atsb_error *err);

/* Stable hash of the ATS version of a job (16 hex digits + NUL). */
void sync_jobs_hash(const atsb_job *j, const char *country, char out[24]);

#endif

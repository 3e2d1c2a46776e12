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
    int whole_pass;     /* never yield after sync.pages_per_turn (syncs by hand) */
} sync_jobs_opts;

typedef struct sync_jobs_result {
    int64_t run_id;
    int full;
    int64_t pages;
    int64_t duration_ms;
    store_run_counts counts;
    char status[16];    /* ok | paused | failed | cancelled */
    int yielded;        /* paused after sync.pages_per_turn pages: the org's
                           next sync resumes it (ATSB_CAP_RESUMABLE only) */
} sync_jobs_result;

int sync_jobs_org(store *st, const plugin_registry *reg, const config *cfg,
                  const store_org *org, const sync_jobs_opts *opts, sync_jobs_result *res,
                  atsb_error *err);

/* What the rules do with one job the ATS sent.  Every job rule in one pure
 * function, so they can be read, and tested, as a table. */
typedef enum sync_job_action {
    SYNC_JOB_SKIP_CLOSED,    /* closed and never stored: counted, not created */
    SYNC_JOB_SKIP_LOCATION,  /* not (placeably) in the US and not stored: not created */
    SYNC_JOB_CREATE,         /* new: stored disabled */
    SYNC_JOB_UPDATE,         /* an edit to a job not yet activated: applied */
    SYNC_JOB_REOPEN,         /* archived here, open again in the ATS: back disabled */
    SYNC_JOB_ARCHIVE_CLOSED, /* closed in the ATS, activated or not: archived */
    SYNC_JOB_ARCHIVE_NOT_US, /* moved out of the US, not frozen: archived */
    SYNC_JOB_FROZEN_SKIP,    /* activated (frozen) and edited in the ATS: edit not applied */
    SYNC_JOB_UNCHANGED,      /* nothing new: marked seen, counted unchanged */
    SYNC_JOB_SEEN            /* nothing to apply (archived, or frozen and not edited,
                              * while out of the US): marked seen only */
} sync_job_action;

/* The stored copy of a job, as far as the rules care. */
typedef struct sync_job_stored {
    int exists;    /* the org has this remote id */
    int archived;
    int frozen;    /* activated once: its content is ours */
    int changed;   /* the ATS's version differs from the stored one (content hash) */
} sync_job_stored;

/* The rule for one job: cur its stored copy, closed whether the ATS says it
 * is closed or archived, where the location verdict (location_verdict). */
sync_job_action sync_jobs_decide(const sync_job_stored *cur, int closed, int where);

/* Pure: whether a job sync at now is a full pass (one that can see deleted
 * jobs): forced, the first sync (no watermark), a connector without
 * incremental listing, or full_pass_interval_s since the last full pass. */
int sync_jobs_want_full(int force, int64_t watermark, int incremental, int64_t last_full_at,
                        int64_t full_pass_interval_s, int64_t now);

/* Stable hash of the ATS version of a job (16 hex digits + NUL). */
void sync_jobs_hash(const atsb_job *j, const char *country, char out[24]);

#endif

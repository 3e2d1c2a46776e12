/* When an org's next job sync is due.  Pure: the scheduler, the job sync
 * (which records the next due time as it ends) and `org set` share it. */
#ifndef ATSB_CORE_SYNC_SCHEDULE_H
#define ATSB_CORE_SYNC_SCHEDULE_H

#include <stdint.h>

#include "base/config.h"
#include "store/store.h"

/* A stable offset of the org within its interval, over the whole interval:
 * the orgs' syncs fall on their own slots phase + k * interval, so a fleet
 * connected in one go settles into a steady load instead of bursts. */
int64_t sched_phase(const char *slug, int64_t interval);

/* The org's next slot after a job sync that started at last: the first
 * phase + k * interval at least half an interval later (0: never synced,
 * due now).  A sync that ran late keeps its slot; one run early (by hand)
 * does not pull the next forward by more than half an interval. */
int64_t sched_jobs_due_at(int64_t last, int64_t interval, int64_t phase);

/* The org's interval: its own, or sync.jobs_interval. */
int64_t sched_interval(const store_org *org, const config *cfg);

/* sched_jobs_due_at for org under cfg. */
int64_t sched_org_jobs_due_at(const store_org *org, const config *cfg, int64_t last);

#endif

#include "sync/schedule.h"

int64_t sched_phase(const char *slug, int64_t interval)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = slug; p && *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return interval > 0 ? (int64_t)(h % (uint64_t)interval) : 0;
}

int64_t sched_jobs_due_at(int64_t last, int64_t interval, int64_t phase)
{
    if (last <= 0 || interval <= 0)
        return last <= 0 ? 0 : last + (interval > 0 ? interval : 0);
    int64_t x = last + interval / 2 - phase;
    /* Floor division: x is positive for any real time, but be exact. */
    int64_t k = x >= 0 ? x / interval : -((-x + interval - 1) / interval);
    return phase + (k + 1) * interval;
}

int64_t sched_interval(const store_org *org, const config *cfg)
{
    return org->jobs_interval_s > 0 ? org->jobs_interval_s : cfg->jobs_interval_s;
}

int64_t sched_org_jobs_due_at(const store_org *org, const config *cfg, int64_t last)
{
    int64_t interval = sched_interval(org, cfg);
    return sched_jobs_due_at(last, interval, sched_phase(org->slug, interval));
}

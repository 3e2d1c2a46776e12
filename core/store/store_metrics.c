/* The queries behind GET /metrics: every figure derived from the store at
 * scrape time, so it is the same whichever process (CLI, daemon, serve)
 * did the work, and survives restarts. */
#include "store/store_int.h"

/* Run-duration histogram buckets, seconds (Prometheus le labels). */
#define BUCKETS "(VALUES (1),(5),(15),(60),(300),(900),(3600))"

static const char *const SQL[] = {
    [STORE_METRIC_RUNS] =
        "SELECT o.slug, r.status, count(*), 0 FROM sync_runs r JOIN orgs o ON o.id = r.org_id "
        "GROUP BY o.slug, r.status ORDER BY o.slug, r.status",
    [STORE_METRIC_RUN_BUCKETS] =
        "SELECT o.slug, b.column1, (SELECT count(*) FROM sync_runs r WHERE r.org_id = o.id "
        "AND r.status <> 'running' AND r.duration_ms <= b.column1 * 1000), 0 "
        "FROM orgs o, " BUCKETS " b WHERE EXISTS (SELECT 1 FROM sync_runs r WHERE r.org_id = o.id) "
        "ORDER BY o.slug, b.column1",
    [STORE_METRIC_RUN_SUMS] =
        "SELECT o.slug, '', coalesce(sum(r.duration_ms), 0) / 1000.0, count(r.id) FROM orgs o "
        "JOIN sync_runs r ON r.org_id = o.id AND r.status <> 'running' GROUP BY o.slug "
        "ORDER BY o.slug",
    [STORE_METRIC_JOBS_CREATED] =
        "SELECT o.slug, '', coalesce(sum(r.created), 0), 0 FROM orgs o JOIN sync_runs r "
        "ON r.org_id = o.id GROUP BY o.slug ORDER BY o.slug",
    [STORE_METRIC_JOBS_ARCHIVED] =
        "SELECT o.slug, '', coalesce(sum(r.archived), 0), 0 FROM orgs o JOIN sync_runs r "
        "ON r.org_id = o.id GROUP BY o.slug ORDER BY o.slug",
    [STORE_METRIC_PUSHES] =
        "SELECT o.slug, p.state, count(*), 0 FROM candidate_pushes p JOIN orgs o "
        "ON o.id = p.org_id GROUP BY o.slug, p.state ORDER BY o.slug, p.state",
    [STORE_METRIC_OUTBOX_DUE] =
        "SELECT o.slug, '', (SELECT count(*) FROM candidate_pushes p WHERE p.org_id = o.id "
        "AND p.state = 'pending'), 0 FROM orgs o ORDER BY o.slug",
};

int store_metric_each(store *st, store_metric which, store_metric_cb cb, void *payload,
                      atsb_error *err)
{
    if ((unsigned)which >= ARRAY_LEN(SQL) || !SQL[which])
        return err_set(err, ATSB_ERR_INTERNAL, "unknown metric %d", (int)which);
    db_stmt *s = NULL;
    int rc = store_prepare(st, &s, SQL[which], err);
    if (rc)
        return rc;
    int step;
    while ((step = db_step(s)) == DB_ROW)
        if ((rc = cb(db_col_text(s, 0),
                     db_col_text(s, 1), db_col_double(s, 2),
                     db_col_double(s, 3), payload)))
            break;
    if (!rc && step != DB_DONE)
        rc = store_fail(st, err, "read metrics");
    db_finalize(s);
    return rc;
}

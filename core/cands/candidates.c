#include "cands/candidates.h"

#include <stdio.h>
#include <string.h>

#include "cands/cand_status.h"
#include "base/util.h"

int cand_evaluate(store *st, const store_org *org, int64_t cand_id, int *queued,
                  atsb_error *err)
{
    *queued = 0;
    store_cand c;
    int rc = store_cand_get_by_id(st, cand_id, &c, err);
    if (rc)
        return rc;
    char hold[256] = "";
    int reached = cand_status_rank(c.status) >= 0 &&
                  cand_status_rank(c.status) >= cand_status_rank(org->trigger_status);
    if (reached && str_empty(c.email)) {
        /* Rows stored before intake required an email: never queue them,
         * since the look-up that stops retries from duplicating a pushed
         * candidate is by email in every connector. */
        snprintf(hold, sizeof(hold), "%s", CAND_HOLD_NO_EMAIL);
    } else if (reached) {
        store_job j;
        int jr = store_job_get(st, org->id, c.job_remote_id, &j, err);
        if (jr == ATSB_ERR_NOT_FOUND) {
            snprintf(hold, sizeof(hold), "job %s has not been synced from the ATS",
                     c.job_remote_id);
        } else if (jr) {
            rc = jr;
        } else {
            if (str_eq(j.state, "active")) {
                rc = store_push_enqueue(st, org->id, c.id, j.id, queued, err);
                if (!rc && *queued)
                    rc = store_audit(st, org->id, "candidate.queued", c.ext_id, c.job_remote_id,
                                     err);
            } else if (str_eq(j.state, "archived")) {
                snprintf(hold, sizeof(hold), "job %s is archived (%s)", c.job_remote_id,
                         j.archived_reason ? j.archived_reason : "closed");
            } else {
                snprintf(hold, sizeof(hold),
                         "job %s is disabled; the candidate is pushed when it is activated",
                         c.job_remote_id);
            }
            store_job_free(&j);
        }
    }
    if (!rc)
        rc = store_cand_set_hold(st, c.id, hold[0] ? hold : NULL, err);
    store_cand_free(&c);
    return rc;
}

typedef struct release_ctx {
    store *st;
    const store_org *org;
    int released;
    int rc;
    atsb_error *err;
} release_ctx;

static int release_one(const store_cand *c, void *payload)
{
    release_ctx *r = payload;
    int queued = 0;
    r->rc = cand_evaluate(r->st, r->org, c->id, &queued, r->err);
    r->released += queued;
    return r->rc;
}

int cand_set_job_active(store *st, const store_org *org, const char *job_remote_id,
                        int active, int *released, atsb_error *err)
{
    *released = 0;
    int rc = store_begin(st, err);
    if (rc)
        return rc;
    if ((rc = store_job_set_active(st, org->id, job_remote_id, active, err)))
        goto fail;
    /* Held candidates of this job: queued now (activation), or their hold
     * reason updated (deactivation). */
    release_ctx r = { st, org, 0, 0, err };
    rc = store_cand_each_for_job(st, org->id, job_remote_id, release_one, &r, err);
    if (!rc)
        rc = r.rc;
    if (rc)
        goto fail;
    if ((rc = store_commit(st, err)))
        return rc;
    *released = r.released;
    return ATSB_OK;
fail:
    store_rollback(st);
    return rc;
}

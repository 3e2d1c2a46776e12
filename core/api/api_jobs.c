/* /v1/orgs/{org}/jobs and .../syncs: jobs with cursor paging, activation,
 * and a job sync started now.  The sync runs on a background thread of the
 * API's process with its own store handle, not on the daemon's scheduler:
 * the answer is 202 with the run's id as soon as the run is recorded, and
 * GET .../syncs/{run} shows it.  The per-org sync lock (synclock) keeps it
 * and a scheduled sync from overlapping: the second gets 409. */
#include "api/api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "cands/candidates.h"
#include "sync/sync_jobs.h"

json_object *api_job_json(const store_job *j)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(j->remote_id));
    json_object_object_add(o, "title", json_object_new_string(j->title));
    json_object_object_add(o, "state", json_object_new_string(j->state));
    json_object_object_add(o, "frozen", json_object_new_boolean(j->frozen));
    json_object_object_add(o, "remote_status", json_object_new_string(j->remote_status));
    json_object_object_add(o, "location", api_str_json(j->location_text));
    json_object_object_add(o, "country", api_str_json(j->country));
    json_object_object_add(o, "region", api_str_json(j->region));
    json_object_object_add(o, "city", api_str_json(j->city));
    json_object_object_add(o, "remote", json_object_new_boolean(j->remote));
    json_object_object_add(o, "department", api_str_json(j->department));
    json_object_object_add(o, "description", api_str_json(j->description));
    json_object_object_add(o, "url", api_str_json(j->url));
    json_object_object_add(o, "archived_reason", api_str_json(j->archived_reason));
    json_object_object_add(o, "created_at", api_time_json(j->created_at));
    json_object_object_add(o, "updated_at", api_time_json(j->updated_at));
    return o;
}

static int add_job(const store_job *j, void *payload)
{
    api_page_add(payload, api_job_json(j), j->id);
    return 0;
}

int api_h_jobs_list(api_req *r)
{
    static const char *const STATES[] = { "disabled", "active", "archived", NULL };
    store_org o;
    int64_t after;
    int limit;
    const char *state;
    if (api_list_args(r, &o, &limit, &after, &state, STATES) < 0)
        return 0;
    api_page p;
    api_page_init(&p);
    atsb_error err = ATSB_ERROR_INIT;
    int rc = store_job_page(r->st, o.id, state, after, limit, add_job, &p, &err);
    return api_page_reply(r, &p, limit, rc, &err);
}

int api_h_job_get(api_req *r)
{
    store_org o;
    store_job j;
    if (api_org(r, &o) < 0)
        return 0;
    atsb_error err = ATSB_ERROR_INIT;
    int rc = store_job_get(r->st, o.id, r->params[1], &j, &err);
    if (rc)
        return api_fail(r, rc, err.message);
    api_json_reply(r, 200, api_job_json(&j));
    store_job_free(&j);
    return 0;
}

static int set_active(api_req *r, int active)
{
    store_org o;
    store_job j;
    if (api_org(r, &o) < 0)
        return 0;
    if (r->body.len)
        return api_problem(r, 400, "unexpected-body", NULL, "this request takes no body");
    int released = 0;
    atsb_error err = ATSB_ERROR_INIT;
    int rc = cand_set_job_active(r->st, &o, r->params[1], active, &released, &err);
    if (!rc)
        rc = store_job_get(r->st, o.id, r->params[1], &j, &err);
    if (rc)
        return api_fail(r, rc, err.message);
    json_object *out = api_job_json(&j);
    json_object_object_add(out, "released_candidates", json_object_new_int(released));
    store_job_free(&j);
    return api_json_reply(r, 200, out);
}

int api_h_job_activate(api_req *r)
{
    return set_active(r, 1);
}

int api_h_job_deactivate(api_req *r)
{
    return set_active(r, 0);
}

typedef struct sync_job {
    api_server *srv;
    store_org org;
    int full;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done, refs, rc;
    atsb_error err;
} sync_job;

static void sync_job_release(sync_job *j)
{
    pthread_mutex_lock(&j->lock);
    int last = --j->refs == 0;
    pthread_mutex_unlock(&j->lock);
    if (last) {
        pthread_mutex_destroy(&j->lock);
        pthread_cond_destroy(&j->cond);
        free(j);
    }
}

static void *sync_thread(void *arg)
{
    sync_job *j = arg;
    atsb_error err = ATSB_ERROR_INIT;
    store *st = NULL;
    int rc = store_open(&st, j->srv->cfg->store_path, &err);
    if (!rc) {
        /* Started by a person (or the platform): the whole pass, like the CLI. */
        sync_jobs_opts o = { j->full, 0, 0, 1 };
        sync_jobs_result res;
        rc = sync_jobs_org(st, j->srv->reg, j->srv->cfg, &j->org, &o, &res, &err);
        if (rc && rc != CORE_ERR_BUSY)
            log_warn("api", "%s", err.message);
    }
    store_close(st);
    pthread_mutex_lock(&j->lock);
    j->done = 1;
    j->rc = rc;
    j->err = err;
    pthread_cond_broadcast(&j->cond);
    pthread_mutex_unlock(&j->lock);
    api_server *srv = j->srv;
    sync_job_release(j);
    pthread_mutex_lock(&srv->pool_lock);
    srv->syncs_running--;
    pthread_mutex_unlock(&srv->pool_lock);
    return NULL;
}

static int last_run(const store_run *run, void *payload)
{
    *(int64_t *)payload = run->id;
    return 1;
}

int api_h_sync_start(api_req *r)
{
    store_org o;
    if (api_org(r, &o) < 0)
        return 0;
    int full = 0, has_full = 0;
    if (r->body.len) {
        json_object *body = api_json_body(r);
        static const char *const FIELDS[] = { "full", NULL };
        if (!body)
            return 0;
        int bad = api_json_only(r, body, FIELDS) < 0 ||
                  api_json_bool(r, body, "full", &has_full, &full) < 0;
        json_object_put(body);
        if (bad)
            return 0;
    }
    store_conn c;
    atsb_error err = ATSB_ERROR_INIT;
    int rc = store_conn_get(r->st, o.id, &c, &err);
    if (rc)
        return api_fail(r, rc, "the organisation has no ATS connection");
    store_conn_free(&c);
    int64_t before = 0;
    store_run_each(r->st, o.id, 1, last_run, &before, NULL);
    sync_job *j = calloc(1, sizeof(*j));
    if (!j)
        return api_problem(r, 500, "internal", NULL, "out of memory");
    j->srv = r->srv;
    j->org = o;
    j->full = full;
    j->refs = 2;
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->cond, NULL);
    pthread_t t;
    pthread_mutex_lock(&r->srv->pool_lock);
    r->srv->syncs_running++;
    pthread_mutex_unlock(&r->srv->pool_lock);
    if (pthread_create(&t, NULL, sync_thread, j) != 0) {
        pthread_mutex_lock(&r->srv->pool_lock);
        r->srv->syncs_running--;
        pthread_mutex_unlock(&r->srv->pool_lock);
        free(j);
        return api_problem(r, 503, "busy", NULL, "cannot start a sync thread");
    }
    pthread_detach(t);
    /* Answer once the run is recorded (its id can be polled) or the sync
     * ended before starting one (busy, connector not loaded). */
    int64_t run = 0;
    for (int i = 0; i < 200 && !run; i++) {
        pthread_mutex_lock(&j->lock);
        int done = j->done;
        pthread_mutex_unlock(&j->lock);
        int64_t latest = 0;
        store_run_each(r->st, o.id, 1, last_run, &latest, NULL);
        if (latest > before)
            run = latest;
        else if (done)
            break;
        else {
            struct timespec ts = { 0, 10 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    pthread_mutex_lock(&j->lock);
    int done = j->done, jrc = j->rc;
    atsb_error jerr = j->err;
    pthread_mutex_unlock(&j->lock);
    sync_job_release(j);
    if (!run && done && jrc)
        return api_fail(r, jrc, jerr.message);
    if (!run)
        return api_problem(r, 503, "busy", NULL, "the sync did not start in time");
    json_object *out = json_object_new_object();
    json_object_object_add(out, "run_id", json_object_new_int64(run));
    char url[256];
    snprintf(url, sizeof(url), "/v1/orgs/%s/syncs/%lld", o.slug, (long long)run);
    json_object_object_add(out, "href", json_object_new_string(url));
    str_copy(r->location, sizeof(r->location), url);
    return api_json_reply(r, 202, out);
}

static int keep_run(const store_run *run, void *payload)
{
    *(json_object **)payload = api_run_json(run);
    return 1;
}

int api_h_sync_get(api_req *r)
{
    store_org o;
    long id;
    if (api_org(r, &o) < 0)
        return 0;
    if (str_to_long(r->params[1], &id) < 0 || id <= 0)
        return api_problem(r, 404, "not-found", NULL, "no sync run \"%s\"", r->params[1]);
    json_object *run = NULL;
    store_run_get(r->st, o.id, id, keep_run, &run, NULL);
    if (!run)
        return api_problem(r, 404, "not-found", NULL, "no sync run %ld", id);
    return api_json_reply(r, 200, run);
}

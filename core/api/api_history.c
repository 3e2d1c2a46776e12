/* What happened: the caller's own token (GET /v1/token, so a client such
 * as the console knows whether to offer buttons), an org's last job-sync
 * runs and its audit log, newest first. */
#include "api/api_int.h"

int api_h_token_self(api_req *r)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(r->tok.name));
    json_object_object_add(o, "org", r->tok.org_id ? json_object_new_string(r->tok.org_slug) : NULL);
    json_object_object_add(o, "read_only", json_object_new_boolean(r->tok.read_only));
    json_object_object_add(o, "created_at", api_time_json(r->tok.created_at));
    return api_json_reply(r, 200, o);
}

static int add_run(const store_run *run, void *payload)
{
    json_object_array_add(payload, api_run_json(run));
    return 0;
}

/* An org's newest `limit` entries (histories to glance at, not to page
 * through: the feed is for following changes); -1 after answering. */
static int history_args(api_req *r, store_org *o, int *limit)
{
    if (api_org(r, o) < 0 || (*limit = api_query_limit(r, 20, 200)) < 0)
        return -1;
    return 0;
}

/* {"items": items}, or the problem for rc. */
static int items_reply(api_req *r, json_object *items, int rc, const atsb_error *err)
{
    if (rc) {
        json_object_put(items);
        return api_fail(r, rc, err->message);
    }
    json_object *out = json_object_new_object();
    json_object_object_add(out, "items", items);
    return api_json_reply(r, 200, out);
}

int api_h_runs_list(api_req *r)
{
    store_org o;
    int limit;
    if (history_args(r, &o, &limit) < 0)
        return 0;
    json_object *items = json_object_new_array();
    atsb_error err = ATSB_ERROR_INIT;
    int rc = store_run_each(r->st, o.id, limit, add_run, items, &err);
    return items_reply(r, items, rc, &err);
}

static int add_audit(const store_audit_entry *e, void *payload)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(e->id));
    json_object_object_add(o, "at", api_time_json(e->at));
    json_object_object_add(o, "action", json_object_new_string(e->action));
    json_object_object_add(o, "subject", api_str_json(e->subject));
    json_object_object_add(o, "detail", api_str_json(e->detail));
    json_object_array_add(payload, o);
    return 0;
}

int api_h_audit_list(api_req *r)
{
    store_org o;
    int limit;
    if (history_args(r, &o, &limit) < 0)
        return 0;
    json_object *items = json_object_new_array();
    atsb_error err = ATSB_ERROR_INIT;
    int rc = store_audit_each(r->st, o.id, limit, add_audit, items, &err);
    return items_reply(r, items, rc, &err);
}

static int add_held(const store_cand *c, void *payload)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "candidate", json_object_new_string(c->ext_id));
    json_object_object_add(o, "job", json_object_new_string(c->job_remote_id));
    json_object_object_add(o, "status", json_object_new_string(c->status));
    json_object_object_add(o, "first_name", api_str_json(c->first_name));
    json_object_object_add(o, "last_name", api_str_json(c->last_name));
    json_object_object_add(o, "reason", api_str_json(c->hold_reason));
    json_object_object_add(o, "updated_at", api_time_json(c->updated_at));
    api_page_add(payload, o, c->id);
    return 0;
}

/* GET /v1/orgs/{org}/held: candidates at the trigger status that are not
 * queued for the ATS, and why (their job is not active, no email...). */
int api_h_held_list(api_req *r)
{
    store_org o;
    int64_t after;
    int limit;
    const char *state;
    static const char *const NONE[] = { NULL };
    if (api_list_args(r, &o, &limit, &after, &state, NONE) < 0)
        return 0;
    api_page pg;
    api_page_init(&pg);
    atsb_error err = ATSB_ERROR_INIT;
    int rc = store_cand_held_page(r->st, o.id, after, limit, add_held, &pg, &err);
    return api_page_reply(r, &pg, limit, rc, &err);
}

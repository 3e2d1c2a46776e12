/* /v1/orgs: organisations, listed with what an overview of many needs
 * (health, last and next sync, job counts by state, outbox depth, dead
 * letters) so a console can page through them server-side. */
#include "api/api_int.h"

#include <stdio.h>
#include <string.h>

#include "cands/cand_status.h"

json_object *api_outbox_json(store *st, int64_t org_id)
{
    int64_t pending = 0, dead = 0;
    store_push_count(st, org_id, "pending", &pending, NULL);
    store_push_count(st, org_id, "dead", &dead, NULL);
    json_object *ob = json_object_new_object();
    json_object_object_add(ob, "pending", json_object_new_int64(pending));
    json_object_object_add(ob, "dead", json_object_new_int64(dead));
    return ob;
}

const char *api_health(const store_conn *c)
{
    if (str_eq(c->state, "paused"))
        return "paused";
    if (!str_eq(c->state, "ok"))
        return "needs_attention";
    return c->retry_at > time_now() ? "circuit_open" : "ok";
}

int64_t api_next_sync_at(api_req *r, const store_org *o, const store_conn *c)
{
    /* The daemon's own schedule (jobs_due_at, kept by the scheduler) once
     * it has one; before that, the interval after the last sync. */
    if (!str_eq(c->state, "ok"))
        return 0;
    int64_t interval = o->jobs_interval_s > 0 ? o->jobs_interval_s : r->srv->cfg->jobs_interval_s;
    int64_t next = c->jobs_due_at ? c->jobs_due_at
                 : c->last_sync_at ? c->last_sync_at + interval : time_now();
    return next > c->retry_at ? next : c->retry_at;
}

json_object *api_org_json(api_req *r, const store_org *o)
{
    store *st = r->st;
    json_object *j = json_object_new_object();
    json_object_object_add(j, "slug", json_object_new_string(o->slug));
    json_object_object_add(j, "name", json_object_new_string(o->name));
    json_object_object_add(j, "trigger_status", json_object_new_string(o->trigger_status));
    json_object_object_add(j, "jobs_interval_s",
                           o->jobs_interval_s ? json_object_new_int64(o->jobs_interval_s) : NULL);
    json_object_object_add(j, "created_at", api_time_json(o->created_at));
    store_conn c;
    json_object *conn = NULL;
    const char *health = "not_connected";
    if (store_conn_get(st, o->id, &c, NULL) == ATSB_OK) {
        health = api_health(&c);
        conn = json_object_new_object();
        json_object_object_add(conn, "connector", json_object_new_string(c.connector));
        json_object_object_add(conn, "state", json_object_new_string(c.state));
        json_object_object_add(conn, "circuit",
                               json_object_new_string(c.retry_at > time_now() ? "open" : "closed"));
        json_object_object_add(conn, "last_sync_at", api_time_json(c.last_sync_at));
        json_object_object_add(conn, "next_sync_at",
                               api_time_json(api_next_sync_at(r, o, &c)));
        json_object_object_add(conn, "last_error", api_str_json(c.last_error));
        store_conn_free(&c);
    }
    json_object_object_add(j, "connection", conn);
    json_object_object_add(j, "health", json_object_new_string(health));
    json_object *jobs = json_object_new_object();
    static const char *const STATES[] = { "disabled", "active", "archived" };
    for (size_t i = 0; i < ARRAY_LEN(STATES); i++) {
        int64_t n = 0;
        store_job_count(st, o->id, STATES[i], &n, NULL);
        json_object_object_add(jobs, STATES[i], json_object_new_int64(n));
    }
    json_object_object_add(j, "jobs", jobs);
    json_object_object_add(j, "outbox", api_outbox_json(st, o->id));
    return j;
}

typedef struct list_ctx {
    api_req *r;
    int64_t only;   /* an org-scoped token's org; 0: every org */
    json_object *arr;
    char last[64];
    int n;
} list_ctx;

static int add_org(const store_org *o, void *payload)
{
    list_ctx *l = payload;
    if (l->only && o->id != l->only)
        return 0;
    json_object_array_add(l->arr, api_org_json(l->r, o));
    str_copy(l->last, sizeof(l->last), o->slug);
    l->n++;
    return 0;
}

static int add_totals(api_req *r, json_object *out)
{
    store_totals t;
    atsb_error err = ATSB_ERROR_INIT;
    int rc = store_org_totals(r->st, time_now(), &t, &err);
    if (rc)
        return api_fail(r, rc, err.message), -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "orgs", json_object_new_int64(t.orgs));
    json_object_object_add(o, "not_connected", json_object_new_int64(t.not_connected));
    json_object_object_add(o, "needs_attention", json_object_new_int64(t.needs_attention));
    json_object_object_add(o, "circuit_open", json_object_new_int64(t.circuit_open));
    json_object_object_add(o, "outbox_pending", json_object_new_int64(t.outbox_pending));
    json_object_object_add(o, "dead_letters", json_object_new_int64(t.dead_letters));
    json_object_object_add(out, "totals", o);
    return 0;
}

/* GET /v1/orgs[?q=TEXT][&health=H][&cursor=SLUG][&limit=N][&totals=1] */
int api_h_orgs_list(api_req *r)
{
    static const char *const HEALTH[] = { "ok", "needs_attention", "paused", "circuit_open",
                                          "not_connected", NULL };
    int limit = api_query_limit(r, 50, 500);
    if (limit < 0)
        return 0;
    store_org_filter f = { api_query(r, "cursor"), api_query(r, "q"), api_query(r, "health"),
                           r->tok.org_id, time_now(), limit };
    if (f.query && strlen(f.query) > 200)
        return api_problem(r, 400, "bad-parameter", "q", "parameter q: at most 200 bytes");
    if (f.health && *f.health) {
        size_t i = 0;
        while (HEALTH[i] && !str_eq(HEALTH[i], f.health))
            i++;
        if (!HEALTH[i])
            return api_problem(r, 400, "bad-parameter", "health",
                               "parameter health: expected ok, needs_attention, paused, "
                               "circuit_open or not_connected");
    }
    const char *totals = api_query(r, "totals");
    list_ctx l = { r, r->tok.org_id, json_object_new_array(), "", 0 };
    atsb_error err = ATSB_ERROR_INIT;
    /* An org-scoped token sees its own org (filtered like any other) and
     * nothing about the others, not even their number.  The cursor is the
     * last slug of the page: slugs are unique and ordered, so a page never
     * repeats or skips an org. */
    if (r->tok.org_id)
        totals = NULL;
    int rc = store_org_search(r->st, &f, add_org, &l, &err);
    if (rc) {
        json_object_put(l.arr);
        return api_fail(r, rc, err.message);
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", l.arr);
    json_object_object_add(o, "next_cursor",
                           l.n == limit && !r->tok.org_id ? json_object_new_string(l.last) : NULL);
    if (totals && str_eq(totals, "1") && add_totals(r, o) < 0) {
        json_object_put(o);
        return 0;
    }
    return api_json_reply(r, 200, o);
}

int api_h_org_get(api_req *r)
{
    store_org o;
    if (api_org(r, &o) < 0)
        return 0;
    return api_json_reply(r, 200, api_org_json(r, &o));
}

static const char *const ORG_FIELDS[] = { "slug", "name", "trigger_status", "jobs_interval_s",
                                          NULL };

/* Name, trigger and interval from body into the org, validated first; o
 * NULL: validate only. */
static int apply_fields(api_req *r, json_object *body, const store_org *o)
{
    const char *name, *trigger;
    int64_t interval = 0;
    int has_interval;
    if (api_json_str(r, body, "name", 0, &name) < 0 ||
        api_json_str(r, body, "trigger_status", 0, &trigger) < 0 ||
        api_json_int(r, body, "jobs_interval_s", 0, 30L * 86400, &has_interval, &interval) < 0)
        return -1;
    if (name && (!*name || strlen(name) > 200))
        return api_problem(r, 422, "invalid-field", "name", "field name: 1..200 bytes"), -1;
    if (trigger && !cand_status_valid_trigger(trigger))
        return api_problem(r, 422, "invalid-field", "trigger_status",
                           "field trigger_status: \"%.40s\" is not a funnel status (%s)", trigger,
                           cand_status_list()), -1;
    if (has_interval && interval && interval < 60)
        return api_problem(r, 422, "out-of-range", "jobs_interval_s",
                           "field jobs_interval_s: at least 60 s (0: the configured default)"), -1;
    if (!o)
        return 0;
    atsb_error err = ATSB_ERROR_INIT;
    int rc = store_begin(r->st, &err);
    if (!rc && name)
        rc = store_org_set_name(r->st, o->id, name, &err);
    if (!rc && trigger)
        rc = store_org_set_trigger(r->st, o->id, trigger, &err);
    if (!rc && has_interval)
        rc = store_org_set_jobs_interval(r->st, o->id, interval, &err);
    if (!rc)
        rc = store_audit(r->st, o->id, "org.set", "api", NULL, &err);
    if (!rc)
        rc = store_commit(r->st, &err);
    if (rc) {
        store_rollback(r->st);
        return api_fail(r, rc, err.message), -1;
    }
    return 0;
}

static int valid_slug(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 63)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return 0;
    return s[0] != '-' && s[0] != '_';
}

int api_h_orgs_create(api_req *r)
{
    json_object *body = api_json_body(r);
    const char *slug;
    if (!body)
        return 0;
    if (api_json_only(r, body, ORG_FIELDS) < 0 || api_json_str(r, body, "slug", 1, &slug) < 0 ||
        apply_fields(r, body, NULL) < 0)
        goto done;
    if (!valid_slug(slug)) {
        api_problem(r, 422, "invalid-field", "slug",
                    "field slug: 1..63 of a-z, 0-9, - and _, starting with a letter or digit");
        goto done;
    }
    atsb_error err = ATSB_ERROR_INIT;
    store_org o;
    int rc = store_org_add(r->st, slug, slug, &err);
    if (!rc)
        rc = store_org_get(r->st, slug, &o, &err);
    if (rc) {
        api_fail(r, rc, err.message);
        goto done;
    }
    store_audit(r->st, o.id, "org.add", slug, "api", NULL);
    if (apply_fields(r, body, &o) < 0)
        goto done;
    store_org_get(r->st, slug, &o, NULL);
    snprintf(r->location, sizeof(r->location), "/v1/orgs/%s", o.slug);
    api_json_reply(r, 201, api_org_json(r, &o));
done:
    json_object_put(body);
    return 0;
}

int api_h_org_patch(api_req *r)
{
    store_org o;
    if (api_org(r, &o) < 0)
        return 0;
    json_object *body = api_json_body(r);
    if (!body)
        return 0;
    static const char *const PATCH_FIELDS[] = { "name", "trigger_status", "jobs_interval_s",
                                                NULL };
    if (api_json_only(r, body, PATCH_FIELDS) == 0 && apply_fields(r, body, &o) == 0) {
        store_org_get(r->st, o.slug, &o, NULL);
        api_json_reply(r, 200, api_org_json(r, &o));
    }
    json_object_put(body);
    return 0;
}

int api_h_org_delete(api_req *r)
{
    store_org o;
    if (api_org(r, &o) < 0)
        return 0;
    atsb_error err = ATSB_ERROR_INIT;
    int rc = store_org_delete(r->st, o.id, &err);
    if (rc)
        return api_fail(r, rc, err.message);
    store_audit(r->st, 0, "org.delete", o.slug, "api", NULL);
    r->status = 204;
    return 0;
}

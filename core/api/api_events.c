/* GET /v1/events: the change feed.  The cursor is the last event's id
 * (events.id is AUTOINCREMENT, so never reused): it survives restarts and
 * a client resumes exactly where it stopped.  wait=SECONDS long-polls: the
 * answer comes as soon as an event exists past the cursor, or empty at the
 * deadline.  The store is polled (every 200 ms, the handle released in
 * between) since the writers are other processes too. */
#include "api/api_int.h"

#include <stdio.h>
#include <time.h>

typedef struct feed {
    json_object *arr;
    int64_t last;
} feed;

json_object *api_event_json(const store_event *e)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", api_cursor_json(e->id));
    json_object_object_add(o, "type", json_object_new_string(e->type));
    json_object_object_add(o, "time", api_time_json(e->at));
    json_object_object_add(o, "org", json_object_new_string(e->org_slug ? e->org_slug : ""));
    json_object *obj = json_object_new_object();
    json_object_object_add(obj, "type", json_object_new_string(e->object_type));
    json_object_object_add(obj, "id", json_object_new_string(e->object_id ? e->object_id : ""));
    /* The trigger's details (title, state, reason, remote ids...) sit
     * beside the object's type and id. */
    json_object *data = json_tokener_parse(e->data ? e->data : "{}");
    if (data && json_object_is_type(data, json_type_object)) {
        json_object_object_foreach(data, k, v)
            json_object_object_add(obj, k, json_object_get(v));
    }
    json_object_put(data);
    json_object_object_add(o, "object", obj);
    return o;
}

static int add_event(const store_event *e, void *payload)
{
    feed *f = payload;
    json_object_array_add(f->arr, api_event_json(e));
    f->last = e->id;
    return 0;
}

int api_h_events(api_req *r)
{
    int64_t after;
    long wait = 0;
    int limit = api_query_limit(r, 100, 1000);
    if (limit < 0 || api_query_cursor(r, "after", &after) < 0)
        return 0;
    const char *w = api_query(r, "wait");
    if (w && (str_to_long(w, &wait) < 0 || wait < 0 || wait > r->srv->cfg->api_max_wait_s))
        return api_problem(r, 400, "bad-parameter", "wait",
                           "parameter wait: expected 0..%ld seconds (api.max_wait)",
                           r->srv->cfg->api_max_wait_s);
    int64_t org_id = r->tok.org_id;
    const char *slug = api_query(r, "org");
    if (slug) {
        store_org o;
        r->params[0] = slug;
        if (api_org(r, &o) < 0)
            return 0;
        org_id = o.id;
    }
    /* tail=N: start at the newest N events (a console opening the feed),
     * instead of at the cursor. */
    const char *tail = api_query(r, "tail");
    if (tail) {
        long n;
        atsb_error terr = ATSB_ERROR_INIT;
        if (str_to_long(tail, &n) < 0 || n < 1 || n > limit)
            return api_problem(r, 400, "bad-parameter", "tail",
                               "parameter tail: expected 1..limit (%d)", limit);
        int trc = store_event_tail_after(r->st, org_id, (int)n, &after, &terr);
        if (trc)
            return api_fail(r, trc, terr.message);
    }
    feed f = { json_object_new_array(), after };
    atsb_error err = ATSB_ERROR_INIT;
    int64_t deadline = time_now_ms() + wait * 1000;
    for (;;) {
        int rc = store_event_each(r->st, org_id, after, limit, add_event, &f, &err);
        if (rc) {
            json_object_put(f.arr);
            return api_fail(r, rc, err.message);
        }
        if (json_object_array_length(f.arr) || time_now_ms() >= deadline || r->srv->stopping)
            break;
        api_store_put(r->srv, r->st);
        r->st = NULL;
        struct timespec ts = { 0, 200 * 1000 * 1000 };
        nanosleep(&ts, NULL);
        if (!(r->st = api_store_get(r->srv, &err))) {
            json_object_put(f.arr);
            return api_fail(r, CORE_ERR_STORE, err.message);
        }
    }
    json_object *out = json_object_new_object();
    json_object_object_add(out, "events", f.arr);
    json_object_object_add(out, "next_cursor", api_cursor_json(f.last));
    return api_json_reply(r, 200, out);
}

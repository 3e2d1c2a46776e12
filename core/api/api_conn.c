/* /v1/orgs/{org}/connection: connect (settings checked against the
 * connector's schema, its check run), health, re-check, disconnect.
 * Secret settings are write-only: never returned, not even masked values'
 * length. */
#include "api/api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/conn_setup.h"

static json_object *run_list(store *st, int64_t org_id);

static int add_run(const store_run *run, void *payload)
{
    json_object_array_add(payload, api_run_json(run));
    return 0;
}

static json_object *run_list(store *st, int64_t org_id)
{
    json_object *a = json_object_new_array();
    store_run_each(st, org_id, 5, add_run, a, NULL);
    return a;
}

json_object *api_run_json(const store_run *run)
{
    json_object *j = json_object_new_object();
    json_object_object_add(j, "id", json_object_new_int64(run->id));
    json_object_object_add(j, "kind", json_object_new_string(run->kind));
    json_object_object_add(j, "full", json_object_new_boolean(run->full_pass));
    json_object_object_add(j, "status", json_object_new_string(run->status));
    json_object_object_add(j, "started_at", api_time_json(run->started_at));
    json_object_object_add(j, "finished_at", api_time_json(run->finished_at));
    json_object_object_add(j, "duration_ms", json_object_new_int64(run->duration_ms));
    json_object *c = json_object_new_object();
    json_object_object_add(c, "created", json_object_new_int64(run->counts.created));
    json_object_object_add(c, "updated", json_object_new_int64(run->counts.updated));
    json_object_object_add(c, "unchanged", json_object_new_int64(run->counts.unchanged));
    json_object_object_add(c, "frozen_skipped", json_object_new_int64(run->counts.frozen_skipped));
    json_object_object_add(c, "archived", json_object_new_int64(run->counts.archived));
    json_object_object_add(c, "non_us", json_object_new_int64(run->counts.non_us));
    json_object_object_add(c, "unknown_location",
                           json_object_new_int64(run->counts.unknown_location));
    json_object_object_add(c, "errors", json_object_new_int64(run->counts.errors));
    json_object_object_add(j, "counts", c);
    json_object_object_add(j, "error", api_str_json(run->error_message));
    return j;
}

static int secret_setting(const plugin *p, const char *name)
{
    const atsb_setting_spec *s = p ? plugin_setting(p, name) : NULL;
    return !p || !s || s->secret; /* unknown: treated as secret */
}

static json_object *conn_json(api_req *r, const store_org *o, const store_conn *c)
{
    json_object *j = json_object_new_object();
    const plugin *p = plugin_registry_find(r->srv->reg, c->connector);
    json_object_object_add(j, "connector", json_object_new_string(c->connector));
    json_object_object_add(j, "state", json_object_new_string(c->state));
    json_object_object_add(j, "health", json_object_new_string(api_health(c)));
    json_object_object_add(j, "circuit",
                           json_object_new_string(c->retry_at > time_now() ? "open" : "closed"));
    json_object_object_add(j, "failures", json_object_new_int(c->failures));
    json_object_object_add(j, "retry_at", api_time_json(c->retry_at));
    json_object_object_add(j, "last_error", api_str_json(c->last_error));
    json_object_object_add(j, "check", api_str_json(c->check_result));
    json_object_object_add(j, "checked_at", api_time_json(c->checked_at));
    json_object_object_add(j, "last_sync_at", api_time_json(c->last_sync_at));
    json_object_object_add(j, "next_sync_at", api_time_json(api_next_sync_at(r, o, c)));
    json_object_object_add(j, "last_full_sync_at", api_time_json(c->last_full_sync_at));
    json_object *set = json_object_new_object();
    for (size_t i = 0; i < c->n_settings; i++)
        if (!secret_setting(p, c->settings[i].name))
            json_object_object_add(set, c->settings[i].name,
                                   json_object_new_string(c->settings[i].value));
    json_object_object_add(j, "settings", set);
    json_object_object_add(j, "outbox", api_outbox_json(r->st, o->id));
    json_object_object_add(j, "runs", run_list(r->st, o->id));
    return j;
}

static int reply_conn(api_req *r, const store_org *o, int status)
{
    store_conn c;
    atsb_error err = ATSB_ERROR_INIT;
    int rc = store_conn_get(r->st, o->id, &c, &err);
    if (rc)
        return api_fail(r, rc, err.message);
    api_json_reply(r, status, conn_json(r, o, &c));
    store_conn_free(&c);
    return 0;
}

int api_h_conn_get(api_req *r)
{
    store_org o;
    if (api_org(r, &o) < 0)
        return 0;
    return reply_conn(r, &o, 200);
}

int api_h_conn_put(api_req *r)
{
    store_org o;
    if (api_org(r, &o) < 0)
        return 0;
    json_object *body = api_json_body(r), *settings = NULL;
    store_setting *sets = NULL;
    size_t n = 0;
    char *warn = NULL;
    const char *connector;
    int check = 1, has_check;
    static const char *const FIELDS[] = { "connector", "settings", "check", NULL };
    if (!body)
        return 0;
    if (api_json_only(r, body, FIELDS) < 0 ||
        api_json_str(r, body, "connector", 1, &connector) < 0 ||
        api_json_bool(r, body, "check", &has_check, &check) < 0)
        goto done;
    if (!has_check)
        check = 1;
    if (!json_object_object_get_ex(body, "settings", &settings) ||
        !json_object_is_type(settings, json_type_object)) {
        api_problem(r, 422, "wrong-type", "settings",
                    "field settings: expected an object of setting names to string values");
        goto done;
    }
    sets = calloc((size_t)json_object_object_length(settings) + 1, sizeof(*sets));
    json_object_object_foreach(settings, key, val) {
        if (!json_object_is_type(val, json_type_string)) {
            char field[160];
            snprintf(field, sizeof(field), "settings.%.140s", key);
            api_problem(r, 422, "wrong-type", field, "field %s: expected a string", field);
            goto done;
        }
        sets[n].name = str_dup(key);
        sets[n].value = str_dup(json_object_get_string(val));
        n++;
    }
    atsb_error err = ATSB_ERROR_INIT;
    int rc = conn_setup_connect(r->st, r->srv->reg, r->srv->cfg, &o, connector, sets, n, check,
                                &warn, &err);
    if (rc) {
        api_fail(r, rc, err.message);
        goto done;
    }
    reply_conn(r, &o, 201);
done:
    for (size_t i = 0; i < n; i++) {
        free(sets[i].name);
        free(sets[i].value);
    }
    free(sets);
    free(warn);
    json_object_put(body);
    return 0;
}

int api_h_conn_check(api_req *r)
{
    store_org o;
    if (api_org(r, &o) < 0)
        return 0;
    char *result = NULL;
    atsb_error err = ATSB_ERROR_INIT;
    int rc = conn_setup_recheck(r->st, r->srv->reg, r->srv->cfg, &o, &result, &err);
    free(result);
    if (rc)
        return api_fail(r, rc, err.message);
    return reply_conn(r, &o, 200);
}

int api_h_conn_delete(api_req *r)
{
    store_org o;
    if (api_org(r, &o) < 0)
        return 0;
    atsb_error err = ATSB_ERROR_INIT;
    int rc = store_conn_delete(r->st, o.id, &err);
    if (rc)
        return api_fail(r, rc, err.message);
    store_audit(r->st, o.id, "disconnect", "api", NULL, NULL);
    r->status = 204;
    return 0;
}

int api_h_conn_resume(api_req *r)
{
    store_org o;
    if (api_org(r, &o) < 0)
        return 0;
    store_conn c;
    atsb_error err = ATSB_ERROR_INIT;
    int rc = store_conn_get(r->st, o.id, &c, &err);
    if (rc)
        return api_fail(r, rc, err.message);
    store_conn_free(&c);
    /* The same as `atsbridge resume`: after the cause was fixed, the
     * daemon syncs and pushes again at once. */
    if ((rc = store_begin(r->st, &err)) ||
        (rc = store_conn_set_state(r->st, o.id, "ok", NULL, &err)) ||
        (rc = store_conn_set_breaker(r->st, o.id, 0, 0, NULL, &err)) ||
        (rc = store_audit(r->st, o.id, "connection.resumed", "api", NULL, &err)) ||
        (rc = store_commit(r->st, &err))) {
        store_rollback(r->st);
        return api_fail(r, rc, err.message);
    }
    return reply_conn(r, &o, 200);
}

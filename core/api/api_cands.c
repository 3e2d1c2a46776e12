/* /v1/orgs/{org}/candidates/{candidate} and .../outbox: upsert by the
 * sourcing side's id with the import schema (docs/candidates.md; the id and
 * org come from the path, resumes inline only), status changes, the
 * candidate with its pushes, the outbox and dead-letter retries. */
#include "api/api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cands/cand_record.h"
#include "cands/cand_status.h"
#include "cands/cand_upsert.h"
#include "cands/candidates.h"

json_object *api_push_json(const store_push *p)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(p->id));
    json_object_object_add(o, "candidate", json_object_new_string(p->cand_ext_id));
    json_object_object_add(o, "job", json_object_new_string(p->job_remote_id));
    json_object_object_add(o, "state", json_object_new_string(p->state));
    json_object_object_add(o, "held", json_object_new_boolean(p->next_attempt_at == STORE_PUSH_HELD));
    json_object_object_add(o, "attempts", json_object_new_int(p->attempts));
    json_object_object_add(o, "next_attempt_at",
                           p->state[0] == 'p' && p->next_attempt_at != STORE_PUSH_HELD
                               ? api_time_json(p->next_attempt_at) : NULL);
    json_object_object_add(o, "last_error", api_str_json(p->last_error));
    json_object_object_add(o, "remote_candidate_id",
                           p->remote_candidate_id[0] ? json_object_new_string(p->remote_candidate_id) : NULL);
    json_object_object_add(o, "remote_application_id",
                           p->remote_application_id[0] ? json_object_new_string(p->remote_application_id) : NULL);
    json_object_object_add(o, "created_at", api_time_json(p->created_at));
    json_object_object_add(o, "updated_at", api_time_json(p->updated_at));
    return o;
}

static int add_push(const store_push *p, void *payload)
{
    json_object_array_add(payload, api_push_json(p));
    return 0;
}

static int reply_cand(api_req *r, const store_org *o, const char *id, int status,
                      const char *result)
{
    store_cand c;
    atsb_error err = ATSB_ERROR_INIT;
    int rc = store_cand_get(r->st, o->id, id, &c, &err);
    if (rc)
        return api_fail(r, rc, err.message);
    json_object *j = json_object_new_object();
    json_object_object_add(j, "id", json_object_new_string(c.ext_id));
    json_object_object_add(j, "job", json_object_new_string(c.job_remote_id));
    json_object_object_add(j, "status", json_object_new_string(c.status));
    json_object_object_add(j, "first_name", api_str_json(c.first_name));
    json_object_object_add(j, "last_name", api_str_json(c.last_name));
    json_object_object_add(j, "email", api_str_json(c.email));
    json_object_object_add(j, "phone", api_str_json(c.phone));
    json_object_object_add(j, "profile_url", api_str_json(c.profile_url));
    json_object *data = json_tokener_parse(c.data ? c.data : "{}");
    json_object *v;
    if (data && json_object_object_get_ex(data, "assessment", &v))
        json_object_object_add(j, "assessment", json_object_get(v));
    if (data && json_object_object_get_ex(data, "transcript", &v))
        json_object_object_add(j, "transcript_messages",
                               json_object_new_int((int)json_object_array_length(v)));
    json_object_put(data);
    char *name = NULL, *mime = NULL;
    size_t len = 0;
    json_object *resume = NULL;
    if (store_cand_resume_info(r->st, c.id, &name, &mime, &len, NULL) == ATSB_OK) {
        resume = json_object_new_object();
        json_object_object_add(resume, "filename", json_object_new_string(name));
        json_object_object_add(resume, "mime_type", json_object_new_string(mime));
        json_object_object_add(resume, "bytes", json_object_new_int64((int64_t)len));
    }
    free(name);
    free(mime);
    json_object_object_add(j, "resume", resume);
    json_object_object_add(j, "held", api_str_json(c.hold_reason));
    json_object *pushes = json_object_new_array();
    store_push_each_for_cand(r->st, c.id, add_push, pushes, NULL);
    json_object_object_add(j, "pushes", pushes);
    json_object_object_add(j, "created_at", api_time_json(c.created_at));
    json_object_object_add(j, "updated_at", api_time_json(c.updated_at));
    if (result)
        json_object_object_add(j, "result", json_object_new_string(result));
    store_cand_free(&c);
    return api_json_reply(r, status, j);
}

/* "field resume.base64: why" -> "resume.base64" for the problem's field. */
static void field_of(const char *why, char *out, size_t size)
{
    out[0] = '\0';
    if (strncmp(why, "field ", 6) == 0) {
        size_t n = strcspn(why + 6, ": ");
        snprintf(out, size, "%.*s", (int)n, why + 6);
    }
}

int api_h_cand_put(api_req *r)
{
    store_org o;
    if (api_org(r, &o) < 0)
        return 0;
    json_object *body = api_json_body(r);
    if (!body)
        return 0;
    static const char *const FIELDS[] = { "id", "org", "job", "first_name", "last_name",
                                          "email", "phone", "status", "assessment",
                                          "transcript", "resume", "profile_url", NULL };
    cand_rec rec;
    memset(&rec, 0, sizeof(rec));
    if (api_json_only(r, body, FIELDS) < 0)
        goto done;
    const char *id, *org;
    json_object *v;
    if (json_object_object_get_ex(body, "resume", &v) && json_object_is_type(v, json_type_object) &&
        json_object_object_get_ex(v, "path", NULL)) {
        api_problem(r, 422, "invalid-field", "resume.path",
                    "field resume.path: the API takes resumes inline only (text or base64)");
        goto done;
    }
    /* id and org come from the path; repeated in the body they must agree. */
    if (json_object_object_get_ex(body, "id", &v) &&
        !str_eq(json_object_get_string(v), r->params[1])) {
        api_problem(r, 422, "invalid-field", "id", "field id: differs from the id in the path");
        goto done;
    }
    if (api_json_str(r, body, "org", 0, &org) < 0)
        goto done;
    if (org && !str_eq(org, o.slug)) {
        api_problem(r, 422, "invalid-field", "org", "field org: differs from the organisation "
                    "in the path");
        goto done;
    }
    id = r->params[1];
    json_object_object_add(body, "id", json_object_new_string(id));
    json_object_object_add(body, "org", json_object_new_string(o.slug));
    cand_rec_opts opts = { -1, NULL, NULL, 0, r->srv->cfg };
    char why[512];
    if (cand_rec_parse(body, &opts, &rec, why, sizeof(why)) < 0) {
        char field[96];
        field_of(why, field, sizeof(field));
        api_problem(r, 422, "invalid-field", field[0] ? field : NULL, "%s", why);
        goto done;
    }
    cand_upsert_result u;
    atsb_error err = ATSB_ERROR_INIT;
    int rc = cand_upsert(r->st, r->srv->cfg, &o, &rec, &u, &err);
    if (rc) {
        api_fail(r, rc, err.message);
        goto done;
    }
    const char *result = u.created ? "created" : u.unchanged ? "unchanged" : "updated";
    /* RFC 7240: a bulk loader that only needs the outcome skips the
     * read-back of the whole candidate. */
    const char *prefer = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Prefer");
    if (prefer && strstr(prefer, "return=minimal")) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "id", json_object_new_string(id));
        json_object_object_add(j, "result", json_object_new_string(result));
        json_object_object_add(j, "queued", json_object_new_boolean(u.queued));
        json_object_object_add(j, "held", json_object_new_boolean(u.held));
        api_json_reply(r, u.created ? 201 : 200, j);
    } else {
        reply_cand(r, &o, id, u.created ? 201 : 200, result);
    }
done:
    cand_rec_free(&rec);
    json_object_put(body);
    return 0;
}

int api_h_cand_get(api_req *r)
{
    store_org o;
    if (api_org(r, &o) < 0)
        return 0;
    return reply_cand(r, &o, r->params[1], 200, NULL);
}

int api_h_cand_status(api_req *r)
{
    store_org o;
    if (api_org(r, &o) < 0)
        return 0;
    json_object *body = api_json_body(r);
    static const char *const FIELDS[] = { "status", NULL };
    const char *status;
    if (!body)
        return 0;
    if (api_json_only(r, body, FIELDS) < 0 || api_json_str(r, body, "status", 1, &status) < 0)
        goto done;
    if (!cand_status_valid(status)) {
        api_problem(r, 422, "invalid-field", "status",
                    "field status: unknown status \"%.40s\" (expected %s)", status,
                    cand_status_list());
        goto done;
    }
    store_cand c;
    atsb_error err = ATSB_ERROR_INIT;
    int queued = 0;
    int rc = store_cand_get(r->st, o.id, r->params[1], &c, &err);
    if (rc) {
        api_fail(r, rc, err.message);
        goto done;
    }
    int64_t cid = c.id;
    int same = str_eq(c.status, status);
    store_cand_free(&c);
    if (!same) {
        if ((rc = store_begin(r->st, &err)) || (rc = store_cand_set_status(r->st, cid, status, &err)) ||
            (rc = cand_evaluate(r->st, &o, cid, &queued, &err)) ||
            (rc = store_commit(r->st, &err))) {
            store_rollback(r->st);
            api_fail(r, rc, err.message);
            goto done;
        }
    }
    reply_cand(r, &o, r->params[1], 200, same ? "unchanged" : "updated");
done:
    json_object_put(body);
    return 0;
}

static int add_push_page(const store_push *p, void *payload)
{
    api_page_add(payload, api_push_json(p), p->id);
    return 0;
}

int api_h_outbox_list(api_req *r)
{
    static const char *const STATES[] = { "pending", "done", "dead", NULL };
    store_org o;
    int64_t after;
    int limit;
    const char *state;
    if (api_list_args(r, &o, &limit, &after, &state, STATES) < 0)
        return 0;
    api_page pg;
    api_page_init(&pg);
    atsb_error err = ATSB_ERROR_INIT;
    int rc = store_push_page(r->st, o.id, state, after, limit, add_push_page, &pg, &err);
    return api_page_reply(r, &pg, limit, rc, &err);
}

int api_h_outbox_retry(api_req *r)
{
    store_org o;
    long id;
    if (api_org(r, &o) < 0)
        return 0;
    store_push p;
    atsb_error err = ATSB_ERROR_INIT;
    int found = str_to_long(r->params[1], &id) == 0 && store_push_get(r->st, id, &p, NULL) == 0;
    int64_t owner = found ? p.org_id : 0;
    if (found)
        store_push_free(&p);
    if (!found || owner != o.id)
        return api_problem(r, 404, "not-found", NULL, "no outbox entry \"%s\"", r->params[1]);
    int rc = store_push_requeue(r->st, id, &err);
    if (rc == ATSB_ERR_NOT_FOUND)
        return api_problem(r, 409, "conflict", NULL,
                           "outbox entry %ld is not a dead letter; only dead letters are retried",
                           id);
    if (rc)
        return api_fail(r, rc, err.message);
    store_audit(r->st, o.id, "outbox.retry", r->params[1], "api", NULL);
    store_push_get(r->st, id, &p, NULL);
    json_object *out = api_push_json(&p);
    store_push_free(&p);
    return api_json_reply(r, 200, out);
}

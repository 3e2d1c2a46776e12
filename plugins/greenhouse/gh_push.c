/* Candidates: Greenhouse has no idempotency key and does not de-duplicate,
 * so every step is check-then-create: the candidate by email, their
 * application to the job, the resume on the application.  A push that died
 * half-way resumes where it stopped instead of creating a second record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gh.h"

/* The source id: the source_id setting, else the source whose name matches
 * the candidate's source name (GET /v3/sources has no name filter). */
static int resolve_source(gh *g, const char *name, long *out, atsb_error *err)
{
    if (g->source_id > 0) {
        *out = g->source_id;
        return ATSB_OK;
    }
    if (!name || !*name) {
        *out = 0;
        return ATSB_OK;
    }
    if (g->source_name_cached && !strcmp(g->source_name_cached, name)) {
        *out = g->source_id;
        return ATSB_OK;
    }
    char *url = atsb_util_printf("/v3/sources?per_page=500");
    int rc = ATSB_OK;
    long found = 0;
    gh_seen seen = { 0 };
    while (url && !found) {
        gh_reply r;
        if (seen.n >= GH_MAX_LOOKUP_PAGES)
            rc = g->api->set_error(err, ATSB_ERR_PERMANENT,
                                   "GET /v3/sources: more than %d pages; Greenhouse's paging would "
                                   "never end", GH_MAX_LOOKUP_PAGES);
        if (!rc)
            rc = gh_seen_add(g, &seen, "/v3/sources", url, err);
        if (!rc)
            rc = gh_call(g, "GET", url, NULL, 1, &r, err);
        free(url);
        url = NULL;
        if (rc) {
            gh_seen_free(&seen);
            return rc;
        }
        for (size_t i = 0; json_object_is_type(r.json, json_type_array) &&
                           i < json_object_array_length(r.json); i++) {
            json_object *s = json_object_array_get_idx(r.json, i);
            if (gh_str(s, "name") && !strcasecmp(gh_str(s, "name"), name))
                found = gh_long(s, "id");
        }
        url = !found && r.next ? strdup(r.next) : NULL;
        gh_reply_free(&r);
    }
    free(url);
    gh_seen_free(&seen);
    if (!found)
        return g->api->set_error(err, ATSB_ERR_CONFIG,
                                 "Greenhouse has no source named \"%s\": add it under Configure > "
                                 "Custom Options > Sources, or set the connection's source_id", name);
    free(g->source_name_cached);
    g->source_name_cached = strdup(name);
    g->source_id = found;
    *out = found;
    return ATSB_OK;
}

/* First candidate id with this email (any of their addresses,
 * case-insensitive), or 0. */
static int find_candidate_id(gh *g, const char *email, long *out, atsb_error *err)
{
    *out = 0;
    if (!email || !*email)
        return ATSB_OK;
    char *enc = atsb_util_url_encode(g->api, email);
    char *url = enc ? atsb_util_printf("/v3/candidates?email=%s", enc) : NULL;
    free(enc);
    if (!url)
        return g->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    gh_reply r;
    int rc = gh_call(g, "GET", url, NULL, 1, &r, err);
    free(url);
    if (rc)
        return rc;
    /* Oldest first: if duplicates exist already, always pick the same one. */
    long best = 0;
    for (size_t i = 0; json_object_is_type(r.json, json_type_array) &&
                       i < json_object_array_length(r.json); i++) {
        long id = gh_long(json_object_array_get_idx(r.json, i), "id");
        if (id > 0 && (!best || id < best))
            best = id;
    }
    gh_reply_free(&r);
    *out = best;
    return ATSB_OK;
}

static int find_application_id(gh *g, long cand, const char *job, long *out, atsb_error *err)
{
    *out = 0;
    char *enc = atsb_util_url_encode(g->api, job);
    char *url = enc ? atsb_util_printf("/v3/applications?candidate_ids=%ld&job_ids=%s", cand, enc) : NULL;
    free(enc);
    if (!url)
        return g->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    gh_reply r;
    int rc = gh_call(g, "GET", url, NULL, 1, &r, err);
    free(url);
    if (rc)
        return rc;
    if (json_object_is_type(r.json, json_type_array) && json_object_array_length(r.json))
        *out = gh_long(json_object_array_get_idx(r.json, 0), "id");
    gh_reply_free(&r);
    return ATSB_OK;
}

static int has_resume(gh *g, long app, const char *file_name, int *out, atsb_error *err)
{
    *out = 0;
    char *url = atsb_util_printf("/v3/attachments?application_ids=%ld", app);
    gh_reply r;
    int rc = url ? gh_call(g, "GET", url, NULL, 1, &r, err)
                 : g->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    free(url);
    if (rc)
        return rc;
    for (size_t i = 0; json_object_is_type(r.json, json_type_array) &&
                       i < json_object_array_length(r.json); i++) {
        const char *fn = gh_str(json_object_array_get_idx(r.json, i), "filename");
        if (fn && file_name && !strcmp(fn, file_name))
            *out = 1;
    }
    gh_reply_free(&r);
    return ATSB_OK;
}

static void add_typed(json_object *o, const char *key, const char *value, const char *type)
{
    if (!value || !*value)
        return;
    json_object *a = json_object_new_array();
    json_object *e = json_object_new_object();
    json_object_object_add(e, "value", json_object_new_string(value));
    json_object_object_add(e, "type", json_object_new_string(type));
    json_object_array_add(a, e);
    json_object_object_add(o, key, a);
}

static int post(gh *g, const char *path, json_object *body, gh_reply *r, atsb_error *err)
{
    int rc = gh_call(g, "POST", path, json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN),
                     0, r, err);
    json_object_put(body);
    return rc;
}

static int create_candidate(gh *g, const atsb_candidate *c, long job, long source,
                            long *cand, long *app, atsb_error *err)
{
    json_object *b = json_object_new_object();
    json_object_object_add(b, "first_name", json_object_new_string(c->first_name ? c->first_name : ""));
    json_object_object_add(b, "last_name", json_object_new_string(c->last_name ? c->last_name : ""));
    add_typed(b, "email_addresses", c->email, "personal");
    add_typed(b, "phone_numbers", c->phone, "mobile");
    add_typed(b, "website_addresses", c->profile_url, "other");
    if (c->source_name && *c->source_name) {
        json_object *tags = json_object_new_array();
        json_object_array_add(tags, json_object_new_string(c->source_name));
        json_object_object_add(b, "tags", tags);
    }
    json_object *a = json_object_new_object();
    json_object_object_add(a, "job_id", json_object_new_int64(job));
    if (source)
        json_object_object_add(a, "source_id", json_object_new_int64(source));
    json_object_object_add(b, "application", a);
    gh_reply r;
    int rc = post(g, "/v3/candidates", b, &r, err);
    if (rc)
        return rc;
    /* The reply is {candidate, application}; some docs show a bare
     * candidate.  Accept both. */
    json_object *cj = NULL, *aj = NULL;
    if (!json_object_object_get_ex(r.json, "candidate", &cj))
        cj = r.json;
    json_object_object_get_ex(r.json, "application", &aj);
    *cand = gh_long(cj, "id");
    *app = gh_long(aj, "id");
    gh_reply_free(&r);
    if (*cand <= 0)
        return g->api->set_error(err, ATSB_ERR_TRANSIENT,
                                 "POST /v3/candidates: reply without a candidate id");
    return ATSB_OK;
}

static int create_application(gh *g, long cand, long job, long source, long *app,
                              atsb_error *err)
{
    json_object *b = json_object_new_object();
    json_object_object_add(b, "candidate_id", json_object_new_int64(cand));
    json_object_object_add(b, "job_id", json_object_new_int64(job));
    if (source)
        json_object_object_add(b, "source_id", json_object_new_int64(source));
    gh_reply r;
    int rc = post(g, "/v3/applications", b, &r, err);
    if (rc)
        return rc;
    *app = gh_long(r.json, "id");
    gh_reply_free(&r);
    return ATSB_OK;
}

static int upload_resume(gh *g, long app, const atsb_attachment *a, atsb_error *err)
{
    char *b64 = g->api->base64_encode(a->data, a->size);
    if (!b64)
        return g->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    json_object *b = json_object_new_object();
    json_object_object_add(b, "application_id", json_object_new_int64(app));
    json_object_object_add(b, "filename", json_object_new_string(a->file_name));
    json_object_object_add(b, "type", json_object_new_string("resume"));
    /* Only the documented fields (greenhouse-v3.md §4, R-ATT): no
     * content_type (a v1 field; v3 infers the type from the filename's
     * extension), and no visibility, whose default follows `type`. */
    json_object_object_add(b, "content", json_object_new_string(b64));
    g->api->free(b64);
    gh_reply r;
    int rc = post(g, "/v3/attachments", b, &r, err);
    gh_reply_free(&r);
    return rc;
}

static long job_id(const atsb_candidate *c)
{
    char *end = NULL;
    long v = c->job_remote_id ? strtol(c->job_remote_id, &end, 10) : 0;
    return end && !*end ? v : 0;
}

/* Resume mode: find_candidate just reported what exists and what is
 * missing; do only that, from the ids it found. */
static int resume(gh *g, const atsb_candidate *c, long job, atsb_push_result *out,
                  atsb_error *err)
{
    long cand = strtol(out->candidate_id, NULL, 10), app = strtol(out->application_id, NULL, 10);
    long source = 0;
    int rc = ATSB_OK;
    if (cand <= 0)
        return g->api->set_error(err, ATSB_ERR_INTERNAL, "resume: candidate id \"%s\" is not "
                                 "a Greenhouse id", out->candidate_id);
    if ((out->missing & ATSB_PUSH_MISSING_APPLICATION) || app <= 0) {
        if ((rc = resolve_source(g, c->source_name, &source, err)) ||
            (rc = create_application(g, cand, job, source, &app, err)))
            return rc;
        if (app <= 0 && (rc = find_application_id(g, cand, c->job_remote_id, &app, err)))
            return rc;
        if (app <= 0)
            return g->api->set_error(err, ATSB_ERR_TRANSIENT, "Greenhouse created an "
                                     "application for candidate %ld but none is visible yet", cand);
        snprintf(out->application_id, sizeof(out->application_id), "%ld", app);
    }
    if (c->attachment_count && c->attachments[0] &&
        (out->missing & (ATSB_PUSH_MISSING_ATTACHMENT | ATSB_PUSH_MISSING_APPLICATION)) &&
        (rc = upload_resume(g, app, c->attachments[0], err)))
        return rc;
    atsb_util_push_done(out);
    return ATSB_OK;
}

int gh_push_candidate(void *inst, const atsb_candidate *c, atsb_push_result *out,
                      atsb_error *err)
{
    gh *g = inst;
    long job = job_id(c), source = 0, cand = 0, app = 0;
    if (job <= 0)
        return g->api->set_error(err, ATSB_ERR_PERMANENT, "job id \"%s\" is not a Greenhouse job id",
                                 c->job_remote_id ? c->job_remote_id : "");
    if (atsb_util_resuming(out))
        return resume(g, c, job, out, err);
    /* A fresh push still looks before each create: a 1.0 host calls it
     * after a partial push too (it cannot be told what is missing). */
    int rc;
    if ((rc = resolve_source(g, c->source_name, &source, err)) ||
        (rc = find_candidate_id(g, c->email, &cand, err)))
        return rc;
    if (cand && (rc = find_application_id(g, cand, c->job_remote_id, &app, err)))
        return rc;
    if (!cand)
        rc = create_candidate(g, c, job, source, &cand, &app, err);
    else if (!app)
        rc = create_application(g, cand, job, source, &app, err);
    if (rc)
        return rc;
    if (!app && (rc = find_application_id(g, cand, c->job_remote_id, &app, err)))
        return rc;
    if (!app)
        return g->api->set_error(err, ATSB_ERR_TRANSIENT,
                                 "Greenhouse created candidate %ld but no application is visible yet", cand);
    snprintf(out->candidate_id, sizeof(out->candidate_id), "%ld", cand);
    snprintf(out->application_id, sizeof(out->application_id), "%ld", app);
    if (c->attachment_count && c->attachments[0]) {
        int present = 0;
        if ((rc = has_resume(g, app, c->attachments[0]->file_name, &present, err)))
            return rc;
        if (!present && (rc = upload_resume(g, app, c->attachments[0], err)))
            return rc;
    }
    atsb_util_push_done(out);
    return ATSB_OK;
}

int gh_find_candidate(void *inst, const atsb_candidate *c, atsb_push_result *out,
                      atsb_error *err)
{
    gh *g = inst;
    long cand = 0, app = 0;
    int rc = find_candidate_id(g, c->email, &cand, err);
    if (rc)
        return rc;
    if (!cand)
        return ATSB_ERR_NOT_FOUND;
    snprintf(out->candidate_id, sizeof(out->candidate_id), "%ld", cand);
    if ((rc = find_application_id(g, cand, c->job_remote_id, &app, err)))
        return rc;
    if (!app)
        return atsb_util_found(out, ATSB_PUSH_MISSING_APPLICATION | ATSB_PUSH_MISSING_ATTACHMENT);
    snprintf(out->application_id, sizeof(out->application_id), "%ld", app);
    /* Complete only with the resume on it; otherwise push resumes the rest. */
    int present = 1;
    if (c->attachment_count && c->attachments[0] &&
        (rc = has_resume(g, app, c->attachments[0]->file_name, &present, err)))
        return rc;
    return atsb_util_found(out, present ? 0 : ATSB_PUSH_MISSING_ATTACHMENT);
}

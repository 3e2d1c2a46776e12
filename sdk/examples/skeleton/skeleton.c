/* skeleton: the smallest complete atsbridge connector.
 *
 * It speaks a simple JSON ATS API (the "skeleton" API the atsbridge sandbox
 * emulates under /skeleton):
 *   GET  /jobs?page=N&per_page=M        -> {"jobs": [...], "next_page": N+1 | null}
 *   GET  /candidates?email=E&job_id=J   -> {"candidates": [{"id", "application_id",
 *                                            "attachments": [{"filename"}]}]}
 *   POST /candidates {...}              -> 201 {"id", "application_id"}
 *   POST /candidates/ID/attachments?filename=F  (the raw file) -> 201
 * with "Authorization: Bearer <api_key>".  A push is two creates (the
 * candidate with their application, then the PDF), so it can stop half-way:
 * find_candidate says what is missing and push_candidate finishes it.  Copy
 * it, rename it, and replace the HTTP calls with your ATS's.  Read
 * sdk/README.md first.
 *
 * Build: make (uses only `pkg-config --cflags --libs atsbridge-sdk json-c`). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atsbridge/connector.h>
#include <atsbridge/connector_util.h>
#include <json-c/json.h>

/* The settings an admin gives with `atsbridge connect ORG skeleton --set ...`.
 * The host validates them, applies defaults and resolves env:/file: secrets. */
static const atsb_setting_spec SETTINGS[] = {
    { .name = "base_url", .type = ATSB_SETTING_URL, .required = 1,
      .help = "the ATS API root, e.g. https://ats.example.com/api" },
    { .name = "api_key", .type = ATSB_SETTING_STRING, .required = 1, .secret = 1,
      .help = "API key (secret: never printed or logged)" },
    { .name = NULL } /* ends the array */
};

/* One instance per connection.  No globals: instances may run in parallel. */
typedef struct sk {
    const atsb_host_api *api;
    atsb_host *host;
    char base[512];
    char auth[600];          /* "Bearer <api_key>" */
} sk;

static int sk_create(const atsb_host_api *api, atsb_host *host, void **out, atsb_error *err)
{
    sk *s = calloc(1, sizeof(*s));
    if (!s)
        return api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    s->api = api;
    s->host = host;
    /* Settings are host memory, valid until destroy; we copy anyway. */
    snprintf(s->base, sizeof(s->base), "%s", api->setting(host, "base_url"));
    snprintf(s->auth, sizeof(s->auth), "Bearer %s", api->setting(host, "api_key"));
    *out = s;
    return ATSB_OK;
}

static void sk_destroy(void *inst)
{
    sk *s = inst;
    if (s)
        memset(s->auth, 0, sizeof(s->auth)); /* do not leave the key in freed memory */
    free(s);
}

/* One request.  The host owns retries (429, 5xx, network), timeouts, TLS and
 * logging; we only turn the reply into JSON or a classified error.  body is
 * binary-safe (body_len), so a file goes as it is. */
static int call_raw(sk *s, const char *method, const char *path, const char *content_type,
                    const void *body, size_t body_len, json_object **out, atsb_error *err)
{
    char url[1024];
    snprintf(url, sizeof(url), "%s%s", s->base, path);
    atsb_http_header hdrs[] = { { "Authorization", s->auth },
                                { "Accept", "application/json" },
                                { "Content-Type", content_type } };
    /* Designated initialisers: new fields appended in later ABI minors
     * start zeroed, and the code still compiles. */
    atsb_http_request req = { .struct_size = sizeof(req), .method = method, .url = url,
                              .headers = hdrs, .header_count = content_type ? 3 : 2,
                              .body = body, .body_len = body_len,
                              /* reads may be repeated; a create must not be */
                              .idempotent = strcmp(method, "GET") == 0 };
    atsb_http_response *resp = NULL;
    int rc = s->api->http(s->host, &req, &resp, err);
    if (rc != ATSB_OK)
        return rc; /* already classified by the host, retry_after_s included */
    json_object *j = json_tokener_parse(resp->body);
    /* The error classes per operation: sdk/README.md, "Errors". */
    if (resp->status == 401 || resp->status == 403)
        rc = s->api->set_error(err, ATSB_ERR_AUTH, "%s %s: the ATS refused the API key (HTTP %d)",
                               method, path, resp->status);
    else if (resp->status == 429 || resp->status >= 500)
        rc = s->api->set_error(err, resp->status == 429 ? ATSB_ERR_RATE_LIMITED : ATSB_ERR_TRANSIENT,
                               "%s %s: HTTP %d", method, path, resp->status);
    else if (resp->status >= 400)
        rc = s->api->set_error(err, ATSB_ERR_PERMANENT, "%s %s: HTTP %d: %.200s", method, path,
                               resp->status, resp->body);
    else if (!j)
        rc = s->api->set_error(err, ATSB_ERR_TRANSIENT, "%s %s: malformed JSON", method, path);
    if (rc != ATSB_OK)
        err->http_status = resp->status;
    s->api->http_free(s->host, resp);
    if (rc == ATSB_OK)
        *out = j;
    else
        json_object_put(j);
    return rc;
}

static int call(sk *s, const char *method, const char *path, const char *body,
                json_object **out, atsb_error *err)
{
    return call_raw(s, method, path, body ? "application/json" : NULL, body,
                    body ? strlen(body) : 0, out, err);
}

static const char *str(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v) : NULL;
}

static int sk_check(void *inst, atsb_error *err)
{
    json_object *j = NULL;
    int rc = call(inst, "GET", "/jobs?page=1&per_page=1", NULL, &j, err);
    json_object_put(j);
    return rc;
}

/* Stream every job to the host, one ATS page per sink->page() call. */
static int sk_list_jobs(void *inst, const atsb_list_request *req, const atsb_job_sink *sink,
                        atsb_error *err)
{
    sk *s = inst;
    int per_page = req->page_size > 0 && req->page_size <= 100 ? req->page_size : 100;
    for (int page = 1; page > 0;) {
        if (s->api->cancelled(s->host))
            return s->api->set_error(err, ATSB_ERR_CANCELLED, "cancelled");
        char path[64];
        snprintf(path, sizeof(path), "/jobs?page=%d&per_page=%d", page, per_page);
        json_object *j = NULL, *arr, *next;
        int rc = call(s, "GET", path, NULL, &j, err);
        if (rc)
            return rc;
        if (!json_object_object_get_ex(j, "jobs", &arr) || !json_object_is_type(arr, json_type_array)) {
            json_object_put(j);
            return s->api->set_error(err, ATSB_ERR_TRANSIENT, "GET %s: no jobs list", path);
        }
        size_t n = json_object_array_length(arr), count = 0;
        atsb_job *jobs = calloc(n + 1, sizeof(*jobs));
        const atsb_job **ptrs = calloc(n + 1, sizeof(*ptrs));
        if (!jobs || !ptrs) {
            free(jobs);
            free(ptrs);
            json_object_put(j);
            return s->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
        }
        for (size_t i = 0; i < n; i++) {
            json_object *o = json_object_array_get_idx(arr, i);
            const char *id = str(o, "id"), *title = str(o, "title"), *status = str(o, "status");
            if (!id || !title || !status) {
                sink->malformed(sink->payload, id, "job without id, title or status");
                continue;
            }
            atsb_job *job = &jobs[count];
            job->struct_size = sizeof(*job);
            job->remote_id = id;                  /* pointers into j: valid during page() */
            job->title = title;
            job->status = strcmp(status, "open") == 0 ? ATSB_JOB_OPEN : ATSB_JOB_CLOSED;
            job->country_code = str(o, "country"); /* the host decides what is "US" */
            job->location_text = str(o, "location");
            job->description = str(o, "description");
            ptrs[count++] = job;
        }
        rc = sink->page(sink->payload, ptrs, count);
        page = json_object_object_get_ex(j, "next_page", &next) && json_object_get_int(next) > 0
                   ? json_object_get_int(next) : 0;
        free(jobs);
        free(ptrs);
        json_object_put(j);
        if (rc)
            return rc; /* the host asked us to stop: return its code unchanged */
    }
    return ATSB_OK;
}

/* Whether the attachment list of a candidate holds a file of this name. */
static int has_file(json_object *cand, const char *name)
{
    json_object *files;
    if (!name || !json_object_object_get_ex(cand, "attachments", &files) ||
        !json_object_is_type(files, json_type_array))
        return 0;
    for (size_t i = 0; i < json_object_array_length(files); i++) {
        const char *fn = str(json_object_array_get_idx(files, i), "filename");
        if (fn && !strcmp(fn, name))
            return 1;
    }
    return 0;
}

/* Look the candidate up by email on this job, so a retry never duplicates,
 * and say what the push that made it has not done yet. */
static int sk_find_candidate(void *inst, const atsb_candidate *c, atsb_push_result *out,
                             atsb_error *err)
{
    sk *s = inst;
    char email[256], job[256], path[700];
    if (!c->email || s->api->url_encode(email, sizeof(email), c->email) < 0 ||
        s->api->url_encode(job, sizeof(job), c->job_remote_id) < 0)
        return ATSB_ERR_NOT_FOUND;
    snprintf(path, sizeof(path), "/candidates?email=%s&job_id=%s", email, job);
    json_object *j = NULL, *arr;
    int rc = call(s, "GET", path, NULL, &j, err);
    if (rc)
        return rc; /* never "not found" when we could not look */
    rc = ATSB_ERR_NOT_FOUND;
    if (json_object_object_get_ex(j, "candidates", &arr) && json_object_is_type(arr, json_type_array) &&
        json_object_array_length(arr) > 0) {
        json_object *o = json_object_array_get_idx(arr, 0);
        snprintf(out->candidate_id, sizeof(out->candidate_id), "%s", str(o, "id") ? str(o, "id") : "");
        snprintf(out->application_id, sizeof(out->application_id), "%s",
                 str(o, "application_id") ? str(o, "application_id") : "");
        int want_file = c->attachment_count && c->attachments[0];
        /* Complete only with the PDF on it: otherwise the host calls
         * push_candidate in resume mode to upload it. */
        rc = atsb_util_found(out, want_file && !has_file(o, c->attachments[0]->file_name)
                                      ? ATSB_PUSH_MISSING_ATTACHMENT : 0);
    }
    json_object_put(j);
    return rc;
}

static int upload(sk *s, const char *cand_id, const atsb_attachment *a, atsb_error *err)
{
    char *id = atsb_util_url_encode(s->api, cand_id), *name = atsb_util_url_encode(s->api, a->file_name);
    char *path = id && name ? atsb_util_printf("/candidates/%s/attachments?filename=%s", id, name) : NULL;
    json_object *j = NULL;
    int rc = path ? call_raw(s, "POST", path, a->mime_type ? a->mime_type : "application/pdf",
                             a->data, a->size, &j, err)
                  : s->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    json_object_put(j);
    free(id);
    free(name);
    free(path);
    return rc;
}

static int sk_push_candidate(void *inst, const atsb_candidate *c, atsb_push_result *out,
                             atsb_error *err)
{
    sk *s = inst;
    int rc;
    /* Resume mode: the candidate and application exist (find said so);
     * only the PDF is missing. */
    if (!atsb_util_resuming(out) || (out->missing & ATSB_PUSH_MISSING_APPLICATION)) {
        json_object *b = json_object_new_object();
        json_object_object_add(b, "first_name", json_object_new_string(c->first_name ? c->first_name : ""));
        json_object_object_add(b, "last_name", json_object_new_string(c->last_name ? c->last_name : ""));
        if (c->email)
            json_object_object_add(b, "email", json_object_new_string(c->email));
        if (c->phone)
            json_object_object_add(b, "phone", json_object_new_string(c->phone));
        json_object_object_add(b, "job_id", json_object_new_string(c->job_remote_id));
        json_object_object_add(b, "source", json_object_new_string(c->source_name ? c->source_name : ""));
        if (c->profile_url)
            json_object_object_add(b, "profile_url", json_object_new_string(c->profile_url));
        json_object *j = NULL;
        rc = call(s, "POST", "/candidates", json_object_to_json_string(b), &j, err);
        json_object_put(b);
        if (rc)
            return rc;
        snprintf(out->candidate_id, sizeof(out->candidate_id), "%s", str(j, "id") ? str(j, "id") : "");
        snprintf(out->application_id, sizeof(out->application_id), "%s",
                 str(j, "application_id") ? str(j, "application_id") : "");
        json_object_put(j);
        if (!out->candidate_id[0])
            return s->api->set_error(err, ATSB_ERR_TRANSIENT, "POST /candidates: reply without an id");
    }
    /* A failure here leaves candidate and application without the PDF:
     * the host's next attempt finds that and resumes. */
    if (c->attachment_count && c->attachments[0] &&
        (rc = upload(s, out->candidate_id, c->attachments[0], err)))
        return rc;
    atsb_util_push_done(out);
    return ATSB_OK;
}

static const atsb_connector DESCRIPTOR = {
    ATSB_CONNECTOR_HEADER,
    .name = "skeleton",
    .version = "0.1.0",
    .description = "Example connector for the skeleton JSON API",
    .capabilities = ATSB_CAP_LIST_JOBS | ATSB_CAP_PUSH_CANDIDATE | ATSB_CAP_FIND_CANDIDATE,
    .settings = SETTINGS,
    .setting_size = sizeof(atsb_setting_spec),
    .create = sk_create,
    .destroy = sk_destroy,
    .check = sk_check,
    .list_jobs = sk_list_jobs,
    .push_candidate = sk_push_candidate,
    .find_candidate = sk_find_candidate,
};

ATSB_CONNECTOR_DEFINE(DESCRIPTOR)

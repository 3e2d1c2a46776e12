/* skeleton: the smallest complete atsbridge connector.
 *
 * It speaks a simple JSON ATS API (the "skeleton" API the atsbridge sandbox
 * emulates under /skeleton):
 *   GET  /jobs?page=N&per_page=M        -> {"jobs": [...], "next_page": N+1 | null}
 *   GET  /candidates?email=E&job_id=J   -> {"candidates": [{"id", "application_id"}]}
 *   POST /candidates {...}              -> 201 {"id", "application_id"}
 * with "Authorization: Bearer <api_key>".  Copy it, rename it, and replace
 * the HTTP calls with your ATS's.  Read sdk/README.md first.
 *
 * Build: make (uses only `pkg-config --cflags --libs atsbridge-sdk json-c`). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atsbridge/connector.h>
#include <json-c/json.h>

/* The settings an admin gives with `atsbridge connect ORG skeleton --set ...`.
 * The host validates them, applies defaults and resolves env:/file: secrets. */
static const atsb_setting_spec SETTINGS[] = {
    { "base_url", ATSB_SETTING_URL, 1, 0, NULL, "the ATS API root, e.g. https://ats.example.com/api" },
    { "api_key", ATSB_SETTING_STRING, 1, 1, NULL, "API key (secret: never printed or logged)" },
    { NULL, 0, 0, 0, NULL, NULL }
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
 * logging; we only turn the reply into JSON or a classified error. */
static int call(sk *s, const char *method, const char *path, const char *body,
                json_object **out, atsb_error *err)
{
    char url[1024];
    snprintf(url, sizeof(url), "%s%s", s->base, path);
    atsb_http_header hdrs[] = { { "Authorization", s->auth },
                                { "Accept", "application/json" },
                                { "Content-Type", "application/json" } };
    /* Designated initialisers: new fields appended in later ABI minors
     * start zeroed, and the code still compiles. */
    atsb_http_request req = { .struct_size = sizeof(req), .method = method, .url = url,
                              .headers = hdrs, .header_count = body ? 3 : 2, .body = body,
                              .body_len = body ? strlen(body) : 0,
                              /* reads may be repeated; a create must not be */
                              .idempotent = strcmp(method, "GET") == 0 };
    atsb_http_response *resp = NULL;
    int rc = s->api->http(s->host, &req, &resp, err);
    if (rc != ATSB_OK)
        return rc; /* already classified by the host */
    json_object *j = json_tokener_parse(resp->body);
    if (resp->status == 401 || resp->status == 403)
        rc = s->api->set_error(err, ATSB_ERR_AUTH, "%s %s: the ATS refused the API key (HTTP %d)",
                               method, path, resp->status);
    else if (resp->status >= 400)
        rc = s->api->set_error(err, ATSB_ERR_PERMANENT, "%s %s: HTTP %d: %s", method, path,
                               resp->status, resp->body);
    else if (!j)
        rc = s->api->set_error(err, ATSB_ERR_TRANSIENT, "%s %s: malformed JSON", method, path);
    s->api->http_free(s->host, resp);
    if (rc == ATSB_OK)
        *out = j;
    else
        json_object_put(j);
    return rc;
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

/* Look the candidate up by email on this job, so a retry never duplicates. */
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
        return rc;
    rc = ATSB_ERR_NOT_FOUND;
    if (json_object_object_get_ex(j, "candidates", &arr) && json_object_is_type(arr, json_type_array) &&
        json_object_array_length(arr) > 0) {
        json_object *o = json_object_array_get_idx(arr, 0);
        snprintf(out->candidate_id, sizeof(out->candidate_id), "%s", str(o, "id") ? str(o, "id") : "");
        snprintf(out->application_id, sizeof(out->application_id), "%s",
                 str(o, "application_id") ? str(o, "application_id") : "");
        rc = ATSB_OK;
    }
    json_object_put(j);
    return rc;
}

static int sk_push_candidate(void *inst, const atsb_candidate *c, atsb_push_result *out,
                             atsb_error *err)
{
    sk *s = inst;
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
    if (c->attachment_count && c->attachments[0]) {
        char *b64 = s->api->base64_encode(c->attachments[0]->data, c->attachments[0]->size);
        if (b64) {
            json_object_object_add(b, "resume_base64", json_object_new_string(b64));
            json_object_object_add(b, "resume_filename", json_object_new_string(c->attachments[0]->file_name));
            s->api->free(b64);
        }
    }
    json_object *j = NULL;
    int rc = call(s, "POST", "/candidates", json_object_to_json_string(b), &j, err);
    json_object_put(b);
    if (rc)
        return rc;
    snprintf(out->candidate_id, sizeof(out->candidate_id), "%s", str(j, "id") ? str(j, "id") : "");
    snprintf(out->application_id, sizeof(out->application_id), "%s",
             str(j, "application_id") ? str(j, "application_id") : "");
    json_object_put(j);
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

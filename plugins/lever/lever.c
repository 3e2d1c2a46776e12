/* The Lever connector: Data API v1.  Basic auth with the API key; writes
 * carry perform_as (the Lever user they are made as).  Postings are jobs;
 * an opportunity on a posting is the application. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lever.h"

static const atsb_setting_spec SETTINGS[] = {
    { .name = "base_url", .type = ATSB_SETTING_URL, .default_value = "https://api.lever.co/v1",
      .help = "API host: https://api.lever.co/v1, https://api.eu.lever.co/v1 (EU) or "
      "https://api.sandbox.lever.co/v1 (sandbox)" },
    { .name = "api_key", .type = ATSB_SETTING_STRING, .required = 1, .secret = 1,
      .help = "Lever API key (Settings > Integrations and API)" },
    { .name = "perform_as", .type = ATSB_SETTING_STRING, .required = 1,
      .help = "the Lever user id writes are made as (perform_as)" },
    { .name = "import_unlisted", .type = ATSB_SETTING_BOOL, .default_value = "true",
      .help = "import postings in state internal (\"unlisted\" in Lever: on no job site, but open to "
      "candidates added by the team)" },
    { .name = "require_public_channel", .type = ATSB_SETTING_BOOL, .default_value = "false",
      .help = "import a published posting only when it is on the public job site (distributionChannels "
      "holds \"public\"), not when it is on the internal job site only" },
    { .name = "import_confidential", .type = ATSB_SETTING_BOOL, .default_value = "false",
      .help = "import confidential postings too (confidentiality=all; the API key needs access to "
      "confidential data)" },
    { .name = NULL } /* ends the array */
};

const char *lv_str(json_object *o, const char *key)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return NULL;
    return json_object_get_string(v);
}

void lv_reply_free(lv_reply *r)
{
    json_object_put(r->json);
    memset(r, 0, sizeof(*r));
}

int lv_call(lever *l, const char *method, const char *path, const char *content_type,
            const void *body, size_t body_len, int idempotent, lv_reply *r, atsb_error *err)
{
    memset(r, 0, sizeof(*r));
    char *url = atsb_util_printf("%s%s", l->base, path);
    if (!url)
        return l->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    atsb_http_auth auth = { .struct_size = sizeof(auth), .kind = ATSB_AUTH_BASIC,
                            .user = l->api_key, .password = "" };
    atsb_http_header hdrs[] = { { "Accept", "application/json" },
                                { "Content-Type", content_type ? content_type : "application/json" } };
    atsb_http_request req = { .struct_size = sizeof(req), .method = method, .url = url,
                              .headers = hdrs, .header_count = body ? 2 : 1, .body = body,
                              .body_len = body_len, .auth = &auth, .idempotent = idempotent };
    char where[160];
    snprintf(where, sizeof(where), "%s %.*s", method, (int)strcspn(path, "?"), path);
    atsb_http_response *resp = NULL;
    int rc = l->api->http(l->host, &req, &resp, err);
    free(url);
    if (rc)
        return rc;
    r->status = resp->status;
    json_object *j = resp->body_len ? json_tokener_parse(resp->body) : NULL;
    const char *msg = lv_str(j, "message");
    const char *code = lv_str(j, "code");
    if (resp->status >= 200 && resp->status < 300) {
        if (!j)
            rc = l->api->set_error(err, ATSB_ERR_TRANSIENT, "%s: Lever returned malformed JSON", where);
        else {
            r->json = j;
            j = NULL;
        }
    } else if (resp->status == 401 || resp->status == 403) {
        rc = l->api->set_error(err, ATSB_ERR_AUTH,
                               "%s: Lever refused the API key (HTTP %d%s%s); check api_key and its permissions",
                               where, resp->status, msg ? ": " : "", msg ? msg : "");
    } else if (resp->status == 400 && msg && strstr(msg, "Invalid offset token")) {
        rc = l->api->set_error(err, LV_OFFSET_INVALID, "%s: %s", where, msg);
    } else {
        /* Field errors, when the reply lists them, say what to fix. */
        char detail[256] = "";
        json_object *errs;
        if (j && json_object_object_get_ex(j, "errors", &errs) &&
            json_object_is_type(errs, json_type_array)) {
            size_t o = 0;
            for (size_t i = 0; i < json_object_array_length(errs) && o < sizeof(detail); i++)
                o += (size_t)snprintf(detail + o, sizeof(detail) - o, "; %s",
                                      json_object_to_json_string(json_object_array_get_idx(errs, i)));
        }
        rc = l->api->set_error(err, resp->status == 404 && idempotent ? ATSB_ERR_CONFIG : ATSB_ERR_PERMANENT,
                               "%s: HTTP %d%s%s%s%s%s", where, resp->status, code ? " " : "",
                               code ? code : "", msg ? ": " : "", msg ? msg : "", detail);
    }
    if (rc != ATSB_OK && rc != LV_OFFSET_INVALID)
        err->http_status = resp->status;
    json_object_put(j);
    l->api->http_free(l->host, resp);
    return rc;
}

static void lv_destroy(void *inst)
{
    lever *l = inst;
    if (!l)
        return;
    free(l->base);
    free(l->api_key);
    free(l->perform_as);
    free(l);
}

static int lv_create(const atsb_host_api *api, atsb_host *host, void **out, atsb_error *err)
{
    lever *l = calloc(1, sizeof(*l));
    if (!l)
        return api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    l->api = api;
    l->host = host;
    const char *base = api->setting(host, "base_url");
    l->base = strdup(base ? base : "https://api.lever.co/v1");
    l->api_key = strdup(api->setting(host, "api_key") ? api->setting(host, "api_key") : "");
    l->perform_as = strdup(api->setting(host, "perform_as") ? api->setting(host, "perform_as") : "");
    /* The host validated these as booleans and fills in the defaults. */
    const char *v = api->setting(host, "import_unlisted");
    l->import_unlisted = !v || !strcmp(v, "true") || !strcmp(v, "1");
    v = api->setting(host, "require_public_channel");
    l->require_public_channel = v && (!strcmp(v, "true") || !strcmp(v, "1"));
    v = api->setting(host, "import_confidential");
    l->import_confidential = v && (!strcmp(v, "true") || !strcmp(v, "1"));
    if (!l->base || !l->api_key || !l->perform_as) {
        lv_destroy(l);
        return api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    }
    size_t n = strlen(l->base);
    while (n && l->base[n - 1] == '/')
        l->base[--n] = '\0';
    *out = l;
    return ATSB_OK;
}

/* Check: one record from every endpoint a sync and a push read, so an API
 * key without an endpoint (Lever keys are granted endpoint by endpoint) is
 * named at connect with every endpoint it lacks, not at the first push:
 * "the API key lacks: GET /opportunities (403: ...)".  The writes (POST
 * /opportunities, POST /opportunities/{id}/files) are not tried: they
 * would create records.  The files listing is asked for an opportunity
 * that cannot exist: 404 means the key may use the endpoint. */
static int lv_check(void *inst, atsb_error *err)
{
    lever *l = inst;
    struct { const char *label, *path; int object_reply; } probes[] = {
        { "GET /postings", l->import_confidential ? "/postings?limit=1&confidentiality=all"
                                                  : "/postings?limit=1", 1 },
        { "GET /opportunities",
          "/opportunities?limit=1&email=atsbridge-check%40example.invalid&confidentiality=all", 1 },
        { "GET /opportunities/{id}/files",
          "/opportunities/00000000-0000-0000-0000-000000000000/files", 0 },
    };
    char lacks[1024] = "";
    size_t used = 0;
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        lv_reply r;
        atsb_error e = ATSB_ERROR_INIT;
        int rc = lv_call(l, "GET", probes[i].path, NULL, NULL, 0, 1, &r, &e);
        if (rc == ATSB_OK && probes[i].object_reply && !json_object_is_type(r.json, json_type_object))
            rc = l->api->set_error(&e, ATSB_ERR_CONFIG,
                                   "%s did not return {data: [...]}; is base_url the Lever API?",
                                   probes[i].label);
        lv_reply_free(&r);
        if (rc == ATSB_OK || (!probes[i].object_reply && e.http_status == 404))
            continue;
        if (e.http_status == 403) {
            /* "GET /x: Lever refused the API key (HTTP 403: why); ..." -> why */
            const char *why = strstr(e.message, "(HTTP 403");
            size_t wl = why ? strcspn(why + 1, ")") : 0;
            if (used < sizeof(lacks))
                used += (size_t)snprintf(lacks + used, sizeof(lacks) - used, "%s%s (%.*s)",
                                         used ? ", " : "", probes[i].label,
                                         why ? (int)wl - 5 : 3, why ? why + 6 : "403");
            continue;
        }
        /* A bad key (401), an outage or a wrong base_url is not about one
         * endpoint.  Copied through the host, which knows its struct. */
        int code = l->api->set_error(err, rc, "%s", e.message);
        if (ATSB_HAS_FIELD(atsb_error, err, http_status))
            err->http_status = e.http_status;
        if (ATSB_HAS_FIELD(atsb_error, err, retry_after_s))
            err->retry_after_s = e.retry_after_s;
        return code;
    }
    if (used)
        return l->api->set_error(err, ATSB_ERR_AUTH,
                                 "the API key lacks: %s (grant these endpoints to the key under "
                                 "Settings > Integrations and API%s)", lacks,
                                 l->import_confidential ? ", with access to confidential data" : "");
    return ATSB_OK;
}

static const atsb_connector DESCRIPTOR = {
    ATSB_CONNECTOR_HEADER,
    .name = "lever",
    .version = "1.0.0",
    .description = "Lever Data API v1 (API key)",
    .capabilities = ATSB_CAP_LIST_JOBS | ATSB_CAP_PUSH_CANDIDATE | ATSB_CAP_FIND_CANDIDATE |
                    ATSB_CAP_RESUMABLE,
    .settings = SETTINGS,
    .setting_size = sizeof(atsb_setting_spec),
    .create = lv_create,
    .destroy = lv_destroy,
    .check = lv_check,
    .list_jobs = lv_list_jobs,
    .push_candidate = lv_push_candidate,
    .find_candidate = lv_find_candidate,
};

ATSB_CONNECTOR_DEFINE(DESCRIPTOR)

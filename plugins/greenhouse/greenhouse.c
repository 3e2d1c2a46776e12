/* The Greenhouse connector: Harvest v3 (v1/v2 were retired on 2026-08-31).
 * Auth is OAuth2 client credentials at auth.greenhouse.io/token with the
 * acting user in `sub`; the host fetches and refreshes the token. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gh.h"

static const atsb_setting_spec SETTINGS[] = {
    { .name = "base_url", .type = ATSB_SETTING_URL, .default_value = "https://harvest.greenhouse.io",
      .help = "Harvest API host; /v3 is appended" },
    { .name = "token_url", .type = ATSB_SETTING_URL, .default_value = "https://auth.greenhouse.io/token",
      .help = "OAuth token endpoint" },
    { .name = "client_id", .type = ATSB_SETTING_STRING, .required = 1,
      .help = "Harvest V3 (OAuth) client id (Configure > Dev Center > API Credentials)" },
    { .name = "client_secret", .type = ATSB_SETTING_STRING, .required = 1, .secret = 1,
      .help = "Harvest V3 (OAuth) client secret" },
    { .name = "user_id", .type = ATSB_SETTING_INT, .required = 1,
      .help = "Greenhouse user (a Site Admin) the API acts as: the number in app.greenhouse.io/account/users/ID" },
    { .name = "source_id", .type = ATSB_SETTING_INT,
      .help = "source for pushed candidates; default: the source named like candidates.source_name" },
    { .name = NULL } /* ends the array */
};

const char *gh_str(json_object *o, const char *key)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return NULL;
    return json_object_get_string(v);
}

long gh_long(json_object *o, const char *key)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return 0;
    return (long)json_object_get_int64(v);
}

int gh_parse_time(const char *s, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *rest = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!rest)
        return -1;
    if (*rest == '.')
        while (*++rest >= '0' && *rest <= '9')
            ;
    long off = 0;
    if (*rest == '+' || *rest == '-') {
        int h = 0, m = 0;
        if (sscanf(rest + 1, "%2d:%2d", &h, &m) < 1 && sscanf(rest + 1, "%2d%2d", &h, &m) < 1)
            return -1;
        off = (*rest == '-' ? -1 : 1) * (h * 3600L + m * 60L);
    }
    *out = (int64_t)timegm(&tm) - off;
    return 0;
}

static void gh_destroy(void *inst)
{
    gh *g = inst;
    if (!g)
        return;
    free(g->base);
    free(g->token_url);
    free(g->client_id);
    free(g->client_secret);
    free(g->token_form);
    free(g->source_name_cached);
    free(g);
}

static int gh_create(const atsb_host_api *api, atsb_host *host, void **out, atsb_error *err)
{
    gh *g = calloc(1, sizeof(*g));
    if (!g)
        return api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    g->api = api;
    g->host = host;
    const char *base = api->setting(host, "base_url");
    const char *user = api->setting(host, "user_id");
    const char *src = api->setting(host, "source_id");
    g->base = strdup(base ? base : "https://harvest.greenhouse.io");
    g->token_url = strdup(api->setting(host, "token_url") ? api->setting(host, "token_url")
                                                          : "https://auth.greenhouse.io/token");
    g->client_id = strdup(api->setting(host, "client_id") ? api->setting(host, "client_id") : "");
    g->client_secret = strdup(api->setting(host, "client_secret") ? api->setting(host, "client_secret") : "");
    g->token_form = user ? atsb_util_printf("sub=%s", user) : strdup("");
    /* The host validated source_id as an integer setting. */
    g->source_id = src ? strtol(src, NULL, 10) : 0;
    if (!g->base || !g->token_url || !g->client_id || !g->client_secret || !g->token_form) {
        gh_destroy(g);
        return api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    }
    size_t n = strlen(g->base);
    while (n && g->base[n - 1] == '/')
        g->base[--n] = '\0';
    /* Accept a base given with the version path, as people copy it. */
    if (n >= 3 && strcmp(g->base + n - 3, "/v3") == 0)
        g->base[n - 3] = '\0';
    *out = g;
    return ATSB_OK;
}

/* One endpoint the check reads, the scope that grants it, and whether a
 * sync or a push cannot do without it. */
typedef struct probe {
    const char *path;
    const char *scope;
    int required;
} probe;

/* Check: a token (bad credentials fail here), then one record from every
 * endpoint a sync and a push read, so a missing scope or a non-admin user
 * is named at connect instead of at the first sync or push.  Writes
 * (POST candidates, applications, attachments) are not tried: they would
 * create records.  Every 403 is collected: "the API credentials lack:
 * GET /v3/offices (403, scope harvest:offices:list), ...".  Departments
 * and job posts only enrich a job, so missing those is a warning. */
static int gh_check(void *inst, atsb_error *err)
{
    gh *g = inst;
    const probe probes[] = {
        { "/v3/jobs", "harvest:jobs:list", 1 },
        { "/v3/offices", "harvest:offices:list", 1 },
        { "/v3/departments", "harvest:departments:list", 0 },
        { "/v3/job_posts", "harvest:job_posts:list", 0 },
        { "/v3/job_post_searchable_locations", "harvest:job_post_searchable_locations:list", 0 },
        { "/v3/candidates", "harvest:candidates:list", 1 },
        { "/v3/applications", "harvest:applications:list", 1 },
        { "/v3/attachments", "harvest:attachments:list", 1 },
        /* Only when the source is looked up by name. */
        { "/v3/sources", "harvest:sources:list", 1 },
    };
    size_t n = sizeof(probes) / sizeof(probes[0]) - (g->source_id > 0 ? 1 : 0);
    char lacks[1024] = "", optional[512] = "";
    size_t used = 0, oused = 0;
    int missing_required = 0;
    for (size_t i = 0; i < n; i++) {
        char url[96];
        snprintf(url, sizeof(url), "%s?per_page=1", probes[i].path);
        gh_reply r;
        atsb_error e = ATSB_ERROR_INIT;
        int rc = gh_call(g, "GET", url, NULL, 1, &r, &e);
        if (rc == ATSB_OK && !json_object_is_type(r.json, json_type_array))
            rc = g->api->set_error(&e, ATSB_ERR_CONFIG,
                                   "GET %s did not return a list; is base_url the Harvest API host?",
                                   probes[i].path);
        gh_reply_free(&r);
        if (rc == ATSB_OK)
            continue;
        /* 403: this scope is missing (or user_id is not a Site Admin);
         * an optional endpoint may also be absent (404). */
        if (e.http_status == 403 || (!probes[i].required && e.http_status == 404)) {
            char *buf = probes[i].required ? lacks : optional;
            size_t *at = probes[i].required ? &used : &oused;
            size_t size = probes[i].required ? sizeof(lacks) : sizeof(optional);
            if (*at < size)
                *at += (size_t)snprintf(buf + *at, size - *at, "%sGET %s (%d, scope %s)",
                                        *at ? ", " : "", probes[i].path, e.http_status,
                                        probes[i].scope);
            missing_required += probes[i].required;
            continue;
        }
        /* Anything else (401, 5xx, a wrong base_url) is not about one
         * endpoint: report it as it is.  Copied through the host, which
         * knows its own struct's size. */
        int code = g->api->set_error(err, rc, "%s", e.message);
        if (ATSB_HAS_FIELD(atsb_error, err, http_status))
            err->http_status = e.http_status;
        if (ATSB_HAS_FIELD(atsb_error, err, retry_after_s))
            err->retry_after_s = e.retry_after_s;
        return code;
    }
    if (optional[0])
        g->api->log(g->host, ATSB_LOG_WARN,
                    "the API credentials lack: %s; jobs sync without what these add "
                    "(department names, job post locations)", optional);
    if (missing_required)
        return g->api->set_error(err, ATSB_ERR_AUTH,
                                 "the API credentials lack: %s%s%s (grant these scopes to the "
                                 "Harvest V3 credentials, and make user_id a Site Admin)",
                                 lacks, optional[0] ? "; optional: " : "", optional);
    return ATSB_OK;
}

static const atsb_connector DESCRIPTOR = {
    ATSB_CONNECTOR_HEADER,
    .name = "greenhouse",
    .version = "1.0.0",
    .description = "Greenhouse Harvest API v3 (OAuth2 client credentials)",
    .capabilities = ATSB_CAP_LIST_JOBS | ATSB_CAP_PUSH_CANDIDATE | ATSB_CAP_FIND_CANDIDATE |
                    ATSB_CAP_INCREMENTAL | ATSB_CAP_RESUMABLE,
    .settings = SETTINGS,
    .setting_size = sizeof(atsb_setting_spec),
    .create = gh_create,
    .destroy = gh_destroy,
    .check = gh_check,
    .list_jobs = gh_list_jobs,
    .push_candidate = gh_push_candidate,
    .find_candidate = gh_find_candidate,
};

ATSB_CONNECTOR_DEFINE(DESCRIPTOR)

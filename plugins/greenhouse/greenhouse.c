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
    { "base_url", ATSB_SETTING_URL, 0, 0, "https://harvest.greenhouse.io",
      "Harvest API host; /v3 is appended" },
    { "token_url", ATSB_SETTING_URL, 0, 0, "https://auth.greenhouse.io/token",
      "OAuth token endpoint" },
    { "client_id", ATSB_SETTING_STRING, 1, 0, NULL,
      "Harvest V3 (OAuth) client id (Configure > Dev Center > API Credentials)" },
    { "client_secret", ATSB_SETTING_STRING, 1, 1, NULL, "Harvest V3 (OAuth) client secret" },
    { "user_id", ATSB_SETTING_INT, 1, 0, NULL,
      "Greenhouse user (a Site Admin) the API acts as: the number in app.greenhouse.io/account/users/ID" },
    { "source_id", ATSB_SETTING_INT, 0, 0, NULL,
      "source for pushed candidates; default: the source named like candidates.source_name" },
    { NULL, 0, 0, 0, NULL, NULL }
};

char *gh_strdup_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = NULL;
    if (vasprintf(&p, fmt, ap) < 0)
        p = NULL;
    va_end(ap);
    return p;
}

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
    g->token_form = user ? gh_strdup_printf("sub=%s", user) : strdup("");
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

/* Check: a token (bad credentials fail here) and one job page (a missing
 * scope or a non-admin user fails here). */
static int gh_check(void *inst, atsb_error *err)
{
    gh *g = inst;
    gh_reply r = { 0 };
    int rc = gh_call(g, "GET", "/v3/jobs?per_page=1", NULL, 1, &r, err);
    if (rc == ATSB_OK && !json_object_is_type(r.json, json_type_array))
        rc = g->api->set_error(err, ATSB_ERR_CONFIG,
                               "GET /v3/jobs did not return a list; is base_url the Harvest API host?");
    gh_reply_free(&r);
    return rc;
}

static const atsb_connector DESCRIPTOR = {
    ATSB_CONNECTOR_HEADER,
    "greenhouse",
    "1.0.0",
    "Greenhouse Harvest API v3 (OAuth2 client credentials)",
    ATSB_CAP_LIST_JOBS | ATSB_CAP_PUSH_CANDIDATE | ATSB_CAP_FIND_CANDIDATE | ATSB_CAP_INCREMENTAL,
    SETTINGS,
    sizeof(atsb_setting_spec),
    gh_create,
    gh_destroy,
    gh_check,
    gh_list_jobs,
    gh_push_candidate,
    gh_find_candidate,
};

ATSB_CONNECTOR_DEFINE(DESCRIPTOR)

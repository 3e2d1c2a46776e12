/* The Workday connector: the SOAP Recruiting web service
 * (https://HOST/ccx/service/TENANT/Recruiting/vNN.N).  Auth is WS-Security
 * UsernameToken for an Integration System User, or OAuth2 with a refresh
 * token from "Register API Client for Integrations". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "wd.h"

static const atsb_setting_spec SETTINGS[] = {
    { "endpoint", ATSB_SETTING_URL, 1, 0, NULL,
      "Recruiting service URL, e.g. https://wd2-impl-services1.workday.com/ccx/service/acme/Recruiting/v42.0" },
    { "username", ATSB_SETTING_STRING, 0, 0, NULL, "Integration System User, as user@tenant (WS-Security)" },
    { "password", ATSB_SETTING_STRING, 0, 1, NULL, "the ISU's password" },
    { "token_url", ATSB_SETTING_URL, 0, 0, NULL, "OAuth: https://HOST/ccx/oauth2/TENANT/token" },
    { "client_id", ATSB_SETTING_STRING, 0, 0, NULL, "OAuth: API client id" },
    { "client_secret", ATSB_SETTING_STRING, 0, 1, NULL, "OAuth: API client secret" },
    { "refresh_token", ATSB_SETTING_STRING, 0, 1, NULL, "OAuth: the non-expiring refresh token" },
    { "stage_id", ATSB_SETTING_STRING, 1, 0, NULL, "Recruiting_Stage_ID candidates start in, e.g. Review" },
    { "source_id", ATSB_SETTING_STRING, 1, 0, NULL,
      "Applicant_Source_ID of the recruiting source created for FactoryFix" },
    { "locations_endpoint", ATSB_SETTING_URL, 0, 0, NULL,
      "Human_Resources service for Get_Locations; default: the endpoint with Recruiting -> Human_Resources" },
    { "open_statuses", ATSB_SETTING_STRING, 0, 0, "Open",
      "comma-separated Job_Requisition_Status_IDs that count as open" },
    { NULL, 0, 0, 0, NULL, NULL }
};

static char *dup_setting(wd *w, const char *name)
{
    const char *v = w->api->setting(w->host, name);
    return v && *v ? strdup(v) : NULL;
}

static void wd_destroy(void *inst)
{
    wd *w = inst;
    if (!w)
        return;
    char **fields[] = { &w->endpoint, &w->hr_endpoint, &w->version, &w->username, &w->password,
                        &w->token_url, &w->client_id, &w->client_secret, &w->token_form,
                        &w->stage_id, &w->source_id, &w->open_statuses };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        free(*fields[i]);
    free(w);
}

static int wd_create(const atsb_host_api *api, atsb_host *host, void **out, atsb_error *err)
{
    wd *w = calloc(1, sizeof(*w));
    if (!w)
        return api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    w->api = api;
    w->host = host;
    xmlInitParser();
    w->endpoint = dup_setting(w, "endpoint");
    w->username = dup_setting(w, "username");
    w->password = dup_setting(w, "password");
    w->token_url = dup_setting(w, "token_url");
    w->client_id = dup_setting(w, "client_id");
    w->client_secret = dup_setting(w, "client_secret");
    w->stage_id = dup_setting(w, "stage_id");
    w->source_id = dup_setting(w, "source_id");
    w->open_statuses = dup_setting(w, "open_statuses");
    w->hr_endpoint = dup_setting(w, "locations_endpoint");
    char *refresh = dup_setting(w, "refresh_token");
    int rc = ATSB_OK;
    if (!w->endpoint) {
        rc = api->set_error(err, ATSB_ERR_CONFIG, "workday: endpoint is required");
        goto out;
    }
    size_t n = strlen(w->endpoint);
    while (n && w->endpoint[n - 1] == '/')
        w->endpoint[--n] = '\0';
    /* The version attribute every request carries is the endpoint's last
     * path segment ("v42.0"). */
    const char *slash = strrchr(w->endpoint, '/');
    if (!slash || slash[1] != 'v' || !strstr(w->endpoint, "/ccx/service/")) {
        rc = api->set_error(err, ATSB_ERR_CONFIG,
                            "workday: endpoint must look like https://HOST/ccx/service/TENANT/Recruiting/v42.0");
        goto out;
    }
    w->version = strdup(slash + 1);
    if (!w->hr_endpoint) {
        const char *rec = strstr(w->endpoint, "/Recruiting/");
        if (rec) {
            size_t pre = (size_t)(rec - w->endpoint);
            w->hr_endpoint = malloc(strlen(w->endpoint) + 16);
            if (w->hr_endpoint)
                snprintf(w->hr_endpoint, strlen(w->endpoint) + 16, "%.*s/Human_Resources/%s",
                         (int)pre, w->endpoint, rec + strlen("/Recruiting/"));
        } else {
            w->hr_endpoint = strdup(w->endpoint);
        }
    }
    if (refresh) {
        if (!w->token_url || !w->client_id || !w->client_secret) {
            rc = api->set_error(err, ATSB_ERR_CONFIG,
                                "workday: OAuth needs token_url, client_id, client_secret and refresh_token");
            goto out;
        }
        /* url-encoded by the host's helper: refresh tokens carry '+', '/'. */
        size_t cap = strlen(refresh) * 3 + 64;
        w->token_form = malloc(cap);
        char *enc = malloc(strlen(refresh) * 3 + 1);
        if (!w->token_form || !enc || api->url_encode(enc, strlen(refresh) * 3 + 1, refresh) < 0) {
            free(enc);
            rc = api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
            goto out;
        }
        snprintf(w->token_form, cap, "grant_type=refresh_token&refresh_token=%s", enc);
        free(enc);
    } else if (!w->username || !w->password) {
        rc = api->set_error(err, ATSB_ERR_CONFIG,
                            "workday: give username and password (WS-Security), or token_url, "
                            "client_id, client_secret and refresh_token (OAuth)");
        goto out;
    }
    if (!w->open_statuses)
        w->open_statuses = strdup("Open");
    if (!w->version || !w->hr_endpoint || !w->open_statuses)
        rc = api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
out:
    free(refresh);
    if (rc) {
        wd_destroy(w);
        return rc;
    }
    *out = w;
    return ATSB_OK;
}

/* Check: authenticate and read one requisition page. */
static int wd_check(void *inst, atsb_error *err)
{
    wd *w = inst;
    wd_req r;
    xmlDocPtr resp = NULL;
    xmlXPathContextPtr xp = NULL;
    int rc = wd_req_new(w, &r, "Get_Job_Requisitions_Request");
    if (rc)
        return rc;
    xmlNodePtr f = wd_add(&r, r.op, "Response_Filter", NULL);
    wd_add(&r, f, "Page", "1");
    wd_add(&r, f, "Count", "1");
    rc = wd_call(w, w->endpoint, &r, 1, &resp, &xp, err);
    if (!rc && wd_long(xp, NULL, "//wd:Response_Results/wd:Total_Pages") < 0)
        rc = w->api->set_error(err, ATSB_ERR_CONFIG,
                               "Get_Job_Requisitions answered without Response_Results; is endpoint the Recruiting service?");
    xmlXPathFreeContext(xp);
    xmlFreeDoc(resp);
    wd_req_free(&r);
    return rc;
}

static const atsb_connector DESCRIPTOR = {
    ATSB_CONNECTOR_HEADER,
    "workday",
    "1.0.0",
    "Workday Recruiting web service (SOAP; WS-Security or OAuth)",
    ATSB_CAP_LIST_JOBS | ATSB_CAP_PUSH_CANDIDATE | ATSB_CAP_FIND_CANDIDATE | ATSB_CAP_INCREMENTAL,
    SETTINGS,
    sizeof(atsb_setting_spec),
    wd_create,
    wd_destroy,
    wd_check,
    wd_list_jobs,
    wd_push_candidate,
    wd_find_candidate,
};

ATSB_CONNECTOR_DEFINE(DESCRIPTOR)

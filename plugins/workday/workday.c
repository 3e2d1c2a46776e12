/* The Workday connector: the SOAP Recruiting web service
 * (https://HOST/ccx/service/TENANT/Recruiting/vNN.N).  Auth is WS-Security
 * UsernameToken for an Integration System User, or OAuth2 with a refresh
 * token from "Register API Client for Integrations". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>

#include "wd.h"

static const atsb_setting_spec SETTINGS[] = {
    { .name = "endpoint", .type = ATSB_SETTING_URL, .required = 1,
      .help = "Recruiting service URL, e.g. https://wd2-impl-services1.workday.com/ccx/service/acme/Recruiting/v42.0" },
    { .name = "username", .type = ATSB_SETTING_STRING,
      .help = "Integration System User, as user@tenant (WS-Security)" },
    { .name = "password", .type = ATSB_SETTING_STRING, .secret = 1,
      .help = "the ISU's password" },
    { .name = "token_url", .type = ATSB_SETTING_URL,
      .help = "OAuth: https://HOST/ccx/oauth2/TENANT/token" },
    { .name = "client_id", .type = ATSB_SETTING_STRING,
      .help = "OAuth: API client id" },
    { .name = "client_secret", .type = ATSB_SETTING_STRING, .secret = 1,
      .help = "OAuth: API client secret" },
    { .name = "refresh_token", .type = ATSB_SETTING_STRING, .secret = 1,
      .help = "OAuth: the non-expiring refresh token" },
    { .name = "stage_id", .type = ATSB_SETTING_STRING, .required = 1,
      .help = "Recruiting_Stage_ID candidates start in, e.g. Review" },
    { .name = "source_id", .type = ATSB_SETTING_STRING, .required = 1,
      .help = "Applicant_Source_ID of the recruiting source created for FactoryFix" },
    { .name = "locations_endpoint", .type = ATSB_SETTING_URL,
      .help = "Human_Resources service for Get_Locations; default: the endpoint with Recruiting -> Human_Resources" },
    { .name = "open_statuses", .type = ATSB_SETTING_STRING, .default_value = "Open",
      .help = "comma-separated Job_Requisition_Status_IDs that count as open" },
    { .name = "require_posting", .type = ATSB_SETTING_BOOL, .default_value = "false",
      .help = "true: an open requisition counts as open only while it has an active job posting "
      "(Get_Job_Postings); false: every open requisition is open for sourcing" },
    { .name = NULL } /* ends the array */
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
    const char *posting = api->setting(host, "require_posting");
    w->require_posting = posting && (!strcmp(posting, "true") || !strcmp(posting, "1"));
    char *refresh = dup_setting(w, "refresh_token");
    int rc = ATSB_OK;
    if (!w->endpoint) {
        rc = api->set_error(err, ATSB_ERR_CONFIG, "workday: endpoint is required");
        goto done;
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
        goto done;
    }
    w->version = strdup(slash + 1);
    /* The candidate name shape follows the service version: flat in
     * Name_Data in v31.2 (GW CandidateNameDataType), Legal_Name/
     * Name_Detail_Data in v34.0 (CB) and later (NM).  Nothing we have shows
     * v32/v33; they are taken as flat (a guess, docs/workday.md). */
    char *end = NULL;
    long major = strtol(slash + 2, &end, 10);
    if (end == slash + 2 || (*end && *end != '.') || major <= 0) {
        rc = api->set_error(err, ATSB_ERR_CONFIG,
                            "workday: endpoint must end in the service version, e.g. .../Recruiting/v42.0");
        goto done;
    }
    w->legal_name = major >= 34;
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
            goto done;
        }
        /* url-encoded by the host's helper: refresh tokens carry '+', '/'. */
        size_t cap = strlen(refresh) * 3 + 64;
        w->token_form = malloc(cap);
        char *enc = malloc(strlen(refresh) * 3 + 1);
        if (!w->token_form || !enc || api->url_encode(enc, strlen(refresh) * 3 + 1, refresh) < 0) {
            free(enc);
            rc = api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
            goto done;
        }
        snprintf(w->token_form, cap, "grant_type=refresh_token&refresh_token=%s", enc);
        free(enc);
    } else if (!w->username || !w->password) {
        rc = api->set_error(err, ATSB_ERR_CONFIG,
                            "workday: give username and password (WS-Security), or token_url, "
                            "client_id, client_secret and refresh_token (OAuth)");
        goto done;
    }
    if (!w->open_statuses)
        w->open_statuses = strdup("Open");
    if (!w->version || !w->hr_endpoint || !w->open_statuses)
        rc = api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
done:
    free(refresh);
    if (rc) {
        wd_destroy(w);
        return rc;
    }
    *out = w;
    return ATSB_OK;
}

/* A fault that says the credentials are wrong, as opposed to one that says
 * this user may not run this operation.  Workday answers bad credentials
 * with "invalid username or password" (FLT); a missing permission as
 * "The task submitted is not authorized" (one anecdotal source), possibly
 * under an authentication fault code (PYC; unsure). */
static int bad_credentials(const char *msg)
{
    return strcasestr(msg, "invalid username or password") != NULL ||
           strcasestr(msg, "refused access (HTTP 401)") != NULL;
}

typedef struct probe {
    const char *op;      /* operation, for the message */
    const char *request; /* request element */
    int required;        /* without it atsbridge cannot work */
    int hr;              /* asked at the Human_Resources endpoint */
} probe;

/* One read-only call that returns at most one record. */
static int run_probe(wd *w, const probe *p, xmlDocPtr *doc, xmlXPathContextPtr *xp,
                     atsb_error *err)
{
    wd_req r;
    int rc;
    if (!strcmp(p->request, "Get_Job_Requisitions_Request")) {
        rc = wd_requisitions_request(w, &r, 1, 1, 0);
    } else {
        if ((rc = wd_req_new(w, &r, p->request)))
            return rc;
        if (!strcmp(p->request, "Get_Candidates_Request"))
            /* A reserved domain (RFC 2606): matches nobody. */
            wd_add(&r, wd_add(&r, r.op, "Request_Criteria", NULL), "Candidate_Email_Address",
                   "connection-check@atsbridge.invalid");
        else if (!strcmp(p->request, "Get_Job_Postings_Request"))
            wd_add(&r, wd_add(&r, r.op, "Request_Criteria", NULL),
                   "Show_Only_Active_Job_Postings", "true");
        xmlNodePtr f = wd_add(&r, r.op, "Response_Filter", NULL);
        wd_add(&r, f, "Page", "1");
        wd_add(&r, f, "Count", "1");
    }
    if (rc)
        return rc;
    rc = wd_call(w, p->hr ? w->hr_endpoint : w->endpoint, &r, 1, doc, xp, err);
    wd_req_free(&r);
    return rc;
}

/* Check: every read operation atsbridge uses is run once (at most one
 * record each), so an ISU missing a permission is told which operations it
 * lacks at connect, and one real requisition is parsed end to end, so a
 * tenant whose replies we cannot read fails here and not at the first sync.
 * Put_Candidate and Put_Candidate_Attachment cannot be tried without
 * writing to the tenant, so they are not checked. */
static int wd_check(void *inst, atsb_error *err)
{
    wd *w = inst;
    const probe probes[] = {
        { "Get_Job_Requisitions", "Get_Job_Requisitions_Request", 1, 0 },
        { "Get_Candidates", "Get_Candidates_Request", 1, 0 },
        { "Get_Locations", "Get_Locations_Request", 0, 1 },
        { "Get_Job_Postings", "Get_Job_Postings_Request", 1, 0 },
    };
    size_t n = w->require_posting ? 4 : 3;
    char lacks[1024] = "";
    size_t used = 0;
    int missing_required = 0, missing = 0;
    for (size_t i = 0; i < n; i++) {
        xmlDocPtr doc = NULL;
        xmlXPathContextPtr xp = NULL;
        atsb_error e = ATSB_ERROR_INIT;
        int rc = run_probe(w, &probes[i], &doc, &xp, &e);
        if (rc == ATSB_ERR_AUTH && !bad_credentials(e.message)) {
            /* "Op: Workday refused the credentials: <faultstring>" -> the
             * faultstring, so the list stays readable. */
            const char *why = strstr(e.message, ": Workday refused the credentials: ");
            why = why ? why + strlen(": Workday refused the credentials: ") : e.message;
            if (used + strlen(probes[i].op) + strlen(why) + 8 < sizeof(lacks))
                used += (size_t)snprintf(lacks + used, sizeof(lacks) - used, "%s%s (%s)",
                                         used ? ", " : "", probes[i].op, why);
            missing++;
            missing_required += probes[i].required;
            continue;
        }
        if (rc) {
            /* Copied through the host, which knows its own struct's size. */
            int code = w->api->set_error(err, rc, "%s", e.message);
            if (ATSB_HAS_FIELD(atsb_error, err, http_status))
                err->http_status = e.http_status;
            if (ATSB_HAS_FIELD(atsb_error, err, retry_after_s))
                err->retry_after_s = e.retry_after_s;
            return code;
        }
        if (i == 0) {
            /* The same reply checks the endpoint and the requisition shape. */
            if (wd_long(xp, NULL, "//wd:Response_Results/wd:Total_Pages") < 0)
                rc = w->api->set_error(err, ATSB_ERR_CONFIG,
                                       "Get_Job_Requisitions answered without Response_Results; "
                                       "is endpoint the Recruiting service?");
            else
                rc = wd_check_requisition(w, xp, err);
        }
        xmlXPathFreeContext(xp);
        xmlFreeDoc(doc);
        if (rc)
            return rc;
    }
    if (missing_required)
        return w->api->set_error(err, ATSB_ERR_AUTH, "the ISU lacks: %s", lacks);
    if (missing)
        /* Get_Locations only: sync goes on with location names. */
        w->api->log(w->host, ATSB_LOG_WARN,
                    "the ISU lacks: %s; jobs are placed by location names only", lacks);
    return ATSB_OK;
}

static const atsb_connector DESCRIPTOR = {
    ATSB_CONNECTOR_HEADER,
    .name = "workday",
    .version = "1.0.0",
    .description = "Workday Recruiting web service (SOAP; WS-Security or OAuth)",
    .capabilities = ATSB_CAP_LIST_JOBS | ATSB_CAP_PUSH_CANDIDATE | ATSB_CAP_FIND_CANDIDATE | ATSB_CAP_INCREMENTAL,
    .settings = SETTINGS,
    .setting_size = sizeof(atsb_setting_spec),
    .create = wd_create,
    .destroy = wd_destroy,
    .check = wd_check,
    .list_jobs = wd_list_jobs,
    .push_candidate = wd_push_candidate,
    .find_candidate = wd_find_candidate,
};

ATSB_CONNECTOR_DEFINE(DESCRIPTOR)

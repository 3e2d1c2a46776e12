/* The route table: every resource the server answers.  tests/integration/
 * test_api_openapi.sh checks it against docs/openapi.yaml both ways. */
#include "api/api_int.h"

#include <stdio.h>
#include <string.h>

enum { NONE = 0, READ = 1, WRITE = 2, ADMIN = 3 };

const api_route API_ROUTES[] = {
    { "GET", "/v1/openapi.json", api_h_openapi, NONE },
    { "GET", "/metrics", api_h_metrics, READ },
    { "GET", "/v1/orgs", api_h_orgs_list, READ },
    { "POST", "/v1/orgs", api_h_orgs_create, ADMIN },
    { "GET", "/v1/orgs/{org}", api_h_org_get, READ },
    { "PATCH", "/v1/orgs/{org}", api_h_org_patch, WRITE },
    { "DELETE", "/v1/orgs/{org}", api_h_org_delete, ADMIN },
    { "GET", "/v1/orgs/{org}/connection", api_h_conn_get, READ },
    { "PUT", "/v1/orgs/{org}/connection", api_h_conn_put, WRITE },
    { "DELETE", "/v1/orgs/{org}/connection", api_h_conn_delete, WRITE },
    { "POST", "/v1/orgs/{org}/connection/check", api_h_conn_check, WRITE },
    { "POST", "/v1/orgs/{org}/connection/resume", api_h_conn_resume, WRITE },
    { "GET", "/v1/orgs/{org}/jobs", api_h_jobs_list, READ },
    { "GET", "/v1/orgs/{org}/jobs/{job}", api_h_job_get, READ },
    { "POST", "/v1/orgs/{org}/jobs/{job}/activate", api_h_job_activate, WRITE },
    { "POST", "/v1/orgs/{org}/jobs/{job}/deactivate", api_h_job_deactivate, WRITE },
    { "POST", "/v1/orgs/{org}/syncs", api_h_sync_start, WRITE },
    { "GET", "/v1/orgs/{org}/syncs/{run}", api_h_sync_get, READ },
    { "PUT", "/v1/orgs/{org}/candidates/{candidate}", api_h_cand_put, WRITE },
    { "GET", "/v1/orgs/{org}/candidates/{candidate}", api_h_cand_get, READ },
    { "POST", "/v1/orgs/{org}/candidates/{candidate}/status", api_h_cand_status, WRITE },
    { "GET", "/v1/orgs/{org}/outbox", api_h_outbox_list, READ },
    { "POST", "/v1/orgs/{org}/outbox/{entry}/retry", api_h_outbox_retry, WRITE },
    { "GET", "/v1/events", api_h_events, READ },
    { "GET", "/v1/token", api_h_token_self, READ },
    { "GET", "/v1/orgs/{org}/runs", api_h_runs_list, READ },
    { "GET", "/v1/orgs/{org}/audit", api_h_audit_list, READ },
    { "GET", "/v1/orgs/{org}/held", api_h_held_list, READ },
};
const size_t API_N_ROUTES = ARRAY_LEN(API_ROUTES);

#define MAX_SEGS 8

static int split(char *path, char **segs)
{
    int n = 0;
    if (path[0] != '/')
        return -1;
    char *p = path + 1;
    for (;;) {
        if (n == MAX_SEGS)
            return -1;
        segs[n++] = p;
        char *slash = strchr(p, '/');
        if (!slash)
            break;
        *slash = '\0';
        p = slash + 1;
    }
    for (int i = 0; i < n; i++)
        if (!segs[i][0])
            return -1; /* "//" or a trailing slash */
    return n;
}

/* 1 when pattern's segments match segs (params captured into r). */
static int match(const char *pattern, char **segs, int n, api_req *r)
{
    const char *p = pattern + 1;
    int i = 0, np = 0;
    while (*p) {
        size_t len = strcspn(p, "/");
        if (i >= n)
            return 0;
        if (p[0] == '{') {
            if (r && np < (int)ARRAY_LEN(r->params))
                r->params[np++] = segs[i];
        } else if (strlen(segs[i]) != len || strncmp(segs[i], p, len) != 0) {
            return 0;
        }
        i++;
        p += len;
        if (*p == '/')
            p++;
    }
    if (i != n)
        return 0;
    if (r)
        r->n_params = np;
    return 1;
}

const api_route *api_route_match(const char *method, const char *path, api_req *r,
                                 int *path_known, char *allow, size_t allow_size)
{
    char buf[1024], *segs[MAX_SEGS];
    str_copy(buf, sizeof(buf), path);
    *path_known = 0;
    allow[0] = '\0';
    int n = split(buf, segs);
    if (n < 0)
        return NULL;
    /* Params point into r's own copy, which lives as long as r. */
    static _Thread_local char keep[1024];
    char *ksegs[MAX_SEGS];
    str_copy(keep, sizeof(keep), path);
    split(keep, ksegs);
    for (size_t i = 0; i < API_N_ROUTES; i++) {
        if (!match(API_ROUTES[i].pattern, segs, n, NULL))
            continue;
        if (str_eq(API_ROUTES[i].method, method)) {
            match(API_ROUTES[i].pattern, ksegs, n, r);
            return &API_ROUTES[i];
        }
        *path_known = 1;
        size_t used = strlen(allow);
        snprintf(allow + used, allow_size - used, "%s%s", used ? ", " : "",
                 API_ROUTES[i].method);
    }
    return NULL;
}

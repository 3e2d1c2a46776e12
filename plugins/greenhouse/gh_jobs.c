/* Jobs: /v3/jobs references offices and departments by id, so both small
 * lists are read first and joined locally.  Every status is requested (a
 * job closed since the last run must be seen); drafts are not jobs yet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "gh.h"

#define DEFAULT_PAGE 500   /* the v3 maximum */

typedef struct lookup {
    long *ids;
    char **names;      /* office: location text; department: name */
    int *remote;
    size_t n;
} lookup;

static void lookup_free(lookup *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->ids);
    free(l->names);
    free(l->remote);
    memset(l, 0, sizeof(*l));
}

static size_t lookup_find(const lookup *l, long id)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->ids[i] == id)
            return i;
    return (size_t)-1;
}

/* Read every page of a small collection into id -> text. */
static int load_lookup(gh *g, const char *path, int offices, lookup *l, atsb_error *err)
{
    char *url = gh_strdup_printf("%s?per_page=%d", path, DEFAULT_PAGE);
    int rc = ATSB_OK;
    gh_seen seen = { 0 };
    while (url && rc == ATSB_OK) {
        gh_reply r;
        if (seen.n >= GH_MAX_LOOKUP_PAGES) {
            rc = g->api->set_error(err, ATSB_ERR_PERMANENT,
                                   "GET %s: more than %d pages; Greenhouse's paging would never end",
                                   path, GH_MAX_LOOKUP_PAGES);
            break;
        }
        if ((rc = gh_seen_add(g, &seen, path, url, err)))
            break;
        rc = gh_call(g, "GET", url, NULL, 1, &r, err);
        free(url);
        url = NULL;
        if (rc)
            break;
        size_t n = json_object_is_type(r.json, json_type_array) ? json_object_array_length(r.json) : 0;
        long *ids = realloc(l->ids, (l->n + n) * sizeof(long) + 1);
        char **names = realloc(l->names, (l->n + n) * sizeof(char *) + 1);
        int *remote = realloc(l->remote, (l->n + n) * sizeof(int) + 1);
        if (ids) l->ids = ids;
        if (names) l->names = names;
        if (remote) l->remote = remote;
        if (!ids || !names || !remote) {
            gh_reply_free(&r);
            return g->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
        }
        for (size_t i = 0; i < n; i++) {
            json_object *o = json_object_array_get_idx(r.json, i);
            const char *name = gh_str(o, "name");
            /* An office's location is free text and often null for remote
             * offices, whose name ("Remote (US)") is then the location. */
            const char *text = offices && gh_str(o, "location") ? gh_str(o, "location") : name;
            l->ids[l->n] = gh_long(o, "id");
            l->names[l->n] = strdup(text ? text : "");
            l->remote[l->n] = offices && name && strcasestr(name, "remote") != NULL;
            l->n++;
        }
        url = r.next ? strdup(r.next) : NULL;
        gh_reply_free(&r);
    }
    free(url);
    gh_seen_free(&seen);
    return rc;
}

typedef struct page_buf {
    atsb_job *jobs;
    const atsb_job **ptrs;
    char **owned;      /* strings built for this page */
    size_t n_owned;
} page_buf;

static char *own(page_buf *pb, char *s)
{
    if (s)
        pb->owned[pb->n_owned++] = s;
    return s;
}

static void page_free(page_buf *pb, size_t count)
{
    (void)count;
    for (size_t i = 0; i < pb->n_owned; i++)
        free(pb->owned[i]);
    free(pb->owned);
    free(pb->jobs);
    free(pb->ptrs);
    memset(pb, 0, sizeof(*pb));
}

static int map_page(gh *g, json_object *arr, const lookup *offices, const lookup *depts,
                    const atsb_job_sink *sink, atsb_error *err)
{
    size_t n = json_object_array_length(arr), count = 0;
    page_buf pb;
    memset(&pb, 0, sizeof(pb));
    pb.jobs = calloc(n + 1, sizeof(atsb_job));
    pb.ptrs = calloc(n + 1, sizeof(atsb_job *));
    pb.owned = calloc(n * 3 + 1, sizeof(char *));
    if (!pb.jobs || !pb.ptrs || !pb.owned) {
        page_free(&pb, 0);
        return g->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        const char *status = gh_str(o, "status");
        long id = gh_long(o, "id");
        char idbuf[32];
        snprintf(idbuf, sizeof(idbuf), "%ld", id);
        if (!json_object_is_type(o, json_type_object) || id <= 0 || !gh_str(o, "name") ||
            !status) {
            sink->malformed(sink->payload, id > 0 ? idbuf : NULL,
                            "job without id, name or status");
            continue;
        }
        if (!strcmp(status, "draft"))
            continue; /* not a requisition yet */
        if (strcmp(status, "open") != 0 && strcmp(status, "closed") != 0) {
            sink->malformed(sink->payload, idbuf, "unknown job status");
            continue;
        }
        atsb_job *j = &pb.jobs[count];
        j->struct_size = sizeof(*j);
        j->remote_id = own(&pb, strdup(idbuf));
        j->title = gh_str(o, "name");
        j->status = !strcmp(status, "open") ? ATSB_JOB_OPEN : ATSB_JOB_CLOSED;
        /* Offices by id -> "Austin, TX; Remote (US)": the host decides. */
        json_object *oids;
        size_t need = 1;
        if (json_object_object_get_ex(o, "office_ids", &oids) &&
            json_object_is_type(oids, json_type_array)) {
            for (size_t k = 0; k < json_object_array_length(oids); k++) {
                size_t at = lookup_find(offices, (long)json_object_get_int64(json_object_array_get_idx(oids, k)));
                need += at != (size_t)-1 ? strlen(offices->names[at]) + 2 : 24;
            }
            char *text = calloc(1, need);
            for (size_t k = 0; text && k < json_object_array_length(oids); k++) {
                long oid = (long)json_object_get_int64(json_object_array_get_idx(oids, k));
                size_t at = lookup_find(offices, oid);
                size_t len = strlen(text);
                if (at != (size_t)-1) {
                    snprintf(text + len, need - len, "%s%s", len ? "; " : "", offices->names[at]);
                    j->remote |= offices->remote[at];
                } else {
                    snprintf(text + len, need - len, "%soffice %ld", len ? "; " : "", oid);
                }
            }
            j->location_text = text && *text ? own(&pb, text) : (free(text), NULL);
        }
        size_t d = lookup_find(depts, gh_long(o, "department_id"));
        j->department = d != (size_t)-1 ? depts->names[d] : NULL;
        j->description = gh_str(o, "notes");
        int64_t t = 0;
        gh_parse_time(gh_str(o, "updated_at"), &t);
        j->updated_at = t;
        pb.ptrs[count] = j;
        count++;
    }
    int rc = sink->page(sink->payload, pb.ptrs, count);
    page_free(&pb, count);
    return rc;
}

int gh_list_jobs(void *inst, const atsb_list_request *req, const atsb_job_sink *sink,
                 atsb_error *err)
{
    gh *g = inst;
    lookup offices, depts;
    memset(&offices, 0, sizeof(offices));
    memset(&depts, 0, sizeof(depts));
    char *url = NULL;
    gh_seen seen = { 0 };
    int rc;
    if ((rc = load_lookup(g, "/v3/offices", 1, &offices, err)))
        goto done;
    if ((rc = load_lookup(g, "/v3/departments", 0, &depts, err)) &&
        (err->http_status == 403 || err->http_status == 404)) {
        /* Departments only enrich a job; a key without that permission
         * (403) or a tenant without the endpoint (404) still syncs jobs.
         * A 401 stays an auth error: the token itself is bad. */
        g->api->log(g->host, ATSB_LOG_WARN,
                    "GET /v3/departments answered HTTP %d: syncing jobs without department "
                    "names (grant the API credentials access to departments to get them)",
                    err->http_status);
        lookup_free(&depts);
        err->code = ATSB_OK;
        err->http_status = 0;
        err->message[0] = '\0';
        rc = ATSB_OK;
    }
    if (rc)
        goto done;
    int per_page = req->page_size > 0 && req->page_size <= DEFAULT_PAGE ? req->page_size : DEFAULT_PAGE;
    if (req->updated_since > 0) {
        /* v3 date filters use the pipe form; no status filter, so closes
         * since the last run come back too. */
        char iso[40], filt[64];
        time_t t = (time_t)req->updated_since;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
        snprintf(filt, sizeof(filt), "gte|%s", iso);
        char *enc = gh_encode(g, filt);
        url = enc ? gh_strdup_printf("/v3/jobs?per_page=%d&updated_at=%s", per_page, enc) : NULL;
        free(enc);
    } else {
        url = gh_strdup_printf("/v3/jobs?per_page=%d", per_page);
    }
    while (url) {
        if (g->api->cancelled(g->host)) {
            rc = g->api->set_error(err, ATSB_ERR_CANCELLED, "cancelled");
            break;
        }
        if ((rc = gh_seen_add(g, &seen, "/v3/jobs", url, err)))
            break;
        gh_reply r;
        /* Follow-up calls use the Link URL exactly: v3 refuses a cursor
         * with any other parameter. */
        if ((rc = gh_call(g, "GET", url, NULL, 1, &r, err)))
            break;
        free(url);
        url = NULL;
        if (!json_object_is_type(r.json, json_type_array)) {
            gh_reply_free(&r);
            rc = g->api->set_error(err, ATSB_ERR_TRANSIENT,
                                   "GET /v3/jobs: expected a JSON array of jobs");
            break;
        }
        rc = map_page(g, r.json, &offices, &depts, sink, err);
        url = rc == ATSB_OK && r.next ? strdup(r.next) : NULL;
        gh_reply_free(&r);
        if (rc)
            break;
    }
done:
    free(url);
    gh_seen_free(&seen);
    lookup_free(&offices);
    lookup_free(&depts);
    return rc;
}

/* Requisitions: Get_Job_Requisitions paged with Response_Filter Page/Count
 * until Total_Pages, filtered by Transaction_Log_Criteria_Data for an
 * incremental run.  A requisition only references its location, so the
 * countries come from Get_Locations (Human_Resources service), read once per
 * run.  XPath walks node sets, so a list holding a single element is still
 * a list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "wd.h"

#define DEFAULT_COUNT 100
#define MAX_COUNT 999

typedef struct loc {
    char *id, *name, *country, *city, *region;
} loc;

typedef struct locs {
    loc *v;
    size_t n;
} locs;

static void locs_free(locs *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].id);
        free(l->v[i].name);
        free(l->v[i].country);
        free(l->v[i].city);
        free(l->v[i].region);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static const loc *locs_find(const locs *l, const char *id)
{
    for (size_t i = 0; id && i < l->n; i++)
        if (l->v[i].id && !strcmp(l->v[i].id, id))
            return &l->v[i];
    return NULL;
}

/* Total_Pages of a reply, checked.  A page holds at least one result, so
 * more pages than Total_Results (beyond the single page of an empty
 * result) cannot end: stop rather than ask for page after empty page.
 * (Inferred from Response_Results' meaning, not a documented rule.)  A
 * Total_Pages that stays plausible but huge is stopped by the host
 * (sync.max_pages) for requisitions. */
static int read_pages(wd *w, xmlXPathContextPtr xp, const char *op, int required, long *pages,
                      atsb_error *err)
{
    long total_pages = wd_long(xp, NULL, "//wd:Response_Results/wd:Total_Pages");
    long total = wd_long(xp, NULL, "//wd:Response_Results/wd:Total_Results");
    if (total_pages < 0 && required)
        return w->api->set_error(err, ATSB_ERR_TRANSIENT,
                                 "%s: reply without Response_Results/Total_Pages", op);
    if (total >= 0 && total_pages > 1 && total_pages > total)
        return w->api->set_error(err, ATSB_ERR_PERMANENT,
                                 "%s: Workday reports Total_Pages %ld for Total_Results %ld; its "
                                 "paging would never end", op, total_pages, total);
    *pages = total_pages;
    return ATSB_OK;
}

static int load_locations(wd *w, locs *out, atsb_error *err)
{
    for (long page = 1, pages = 1; page <= pages; page++) {
        wd_req r;
        xmlDocPtr doc = NULL;
        xmlXPathContextPtr xp = NULL;
        int rc = wd_req_new(w, &r, "Get_Locations_Request");
        if (rc)
            return rc;
        char pg[24];
        snprintf(pg, sizeof(pg), "%ld", page);
        xmlNodePtr f = wd_add(&r, r.op, "Response_Filter", NULL);
        wd_add(&r, f, "Page", pg);
        wd_add(&r, f, "Count", "999");
        rc = wd_call(w, w->hr_endpoint, &r, 1, &doc, &xp, err);
        wd_req_free(&r);
        if (rc)
            return rc;
        /* Without Total_Pages this page is taken as the last, as before. */
        if ((rc = read_pages(w, xp, "Get_Locations", 0, &pages, err))) {
            xmlXPathFreeContext(xp);
            xmlFreeDoc(doc);
            return rc;
        }
        xmlXPathObjectPtr set = wd_nodes(xp, NULL, "//wd:Response_Data/wd:Location");
        int n = set && set->nodesetval ? set->nodesetval->nodeNr : 0;
        loc *grown = realloc(out->v, (out->n + (size_t)n + 1) * sizeof(loc));
        if (!grown) {
            xmlXPathFreeObject(set);
            xmlXPathFreeContext(xp);
            xmlFreeDoc(doc);
            return w->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
        }
        out->v = grown;
        for (int i = 0; i < n; i++) {
            xmlNodePtr node = set->nodesetval->nodeTab[i];
            loc *l = &out->v[out->n++];
            l->id = wd_text(xp, node, "wd:Location_Reference/wd:ID[@wd:type='Location_ID']");
            if (!l->id)
                l->id = wd_text(xp, node, "wd:Location_Data/wd:Location_ID");
            l->name = wd_text(xp, node, "wd:Location_Data/wd:Location_Name");
            l->country = wd_text(xp, node, ".//wd:Address_Data/wd:Country_Reference/wd:ID[@wd:type='ISO_3166-1_Alpha-2_Code']");
            l->city = wd_text(xp, node, ".//wd:Address_Data/wd:Municipality");
            l->region = wd_text(xp, node, ".//wd:Address_Data/wd:Country_Region_Reference/@wd:Descriptor");
        }
        xmlXPathFreeObject(set);
        xmlXPathFreeContext(xp);
        xmlFreeDoc(doc);
    }
    return ATSB_OK;
}

static int is_open(const wd *w, const char *status)
{
    if (!status)
        return 0;
    char *copy = strdup(w->open_statuses), *save = NULL;
    int open = 0;
    for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        open |= !strcasecmp(t, status);
    }
    free(copy);
    return open;
}

typedef struct arena {
    char **v;
    size_t n, cap;
} arena;

static char *keep(arena *a, char *s)
{
    if (!s)
        return NULL;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        char **g = realloc(a->v, cap * sizeof(char *));
        if (!g) {
            free(s);
            return NULL;
        }
        a->v = g;
        a->cap = cap;
    }
    return a->v[a->n++] = s;
}

static void arena_free(arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    memset(a, 0, sizeof(*a));
}

static int map_page(wd *w, xmlXPathContextPtr xp, const locs *places, const atsb_job_sink *sink,
                    int *records, atsb_error *err)
{
    xmlXPathObjectPtr set = wd_nodes(xp, NULL, "//wd:Response_Data/wd:Job_Requisition");
    int n = set && set->nodesetval ? set->nodesetval->nodeNr : 0;
    *records = n;
    atsb_job *jobs = calloc((size_t)n + 1, sizeof(*jobs));
    const atsb_job **ptrs = calloc((size_t)n + 1, sizeof(*ptrs));
    arena a = { 0 };
    size_t count = 0;
    if (!jobs || !ptrs) {
        free(jobs);
        free(ptrs);
        xmlXPathFreeObject(set);
        return w->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        xmlNodePtr node = set->nodesetval->nodeTab[i];
        char *id = keep(&a, wd_text(xp, node, "wd:Job_Requisition_Data/wd:Job_Requisition_ID"));
        if (!id)
            id = keep(&a, wd_text(xp, node, "wd:Job_Requisition_Reference/wd:ID[@wd:type='Job_Requisition_ID']"));
        char *title = keep(&a, wd_text(xp, node, "wd:Job_Requisition_Data/wd:Job_Posting_Title"));
        char *status = keep(&a, wd_text(xp, node, "wd:Job_Requisition_Data/wd:Job_Requisition_Status_Reference/wd:ID[@wd:type='Job_Requisition_Status_ID']"));
        if (!id || !title || !status) {
            sink->malformed(sink->payload, id, "requisition without id, posting title or status");
            continue;
        }
        atsb_job *j = &jobs[count];
        j->struct_size = sizeof(*j);
        j->remote_id = id;
        j->title = title;
        j->status = is_open(w, status) ? ATSB_JOB_OPEN : ATSB_JOB_CLOSED;
        char *loc_id = keep(&a, wd_text(xp, node, "wd:Job_Requisition_Data/wd:Primary_Location_Reference/wd:ID[@wd:type='Location_ID']"));
        const loc *l = locs_find(places, loc_id);
        if (l) {
            j->country_code = l->country;
            j->city = l->city;
            j->region = l->region;
            j->location_text = l->name;
        } else {
            j->location_text = keep(&a, wd_text(xp, node, "wd:Job_Requisition_Data/wd:Primary_Location_Reference/@wd:Descriptor"));
        }
        j->remote = j->location_text && strcasestr(j->location_text, "remote") != NULL;
        j->description = keep(&a, wd_text(xp, node, "wd:Job_Requisition_Data/wd:Job_Description_Summary"));
        j->department = keep(&a, wd_text(xp, node, "wd:Job_Requisition_Data/wd:Supervisory_Organization_Reference/@wd:Descriptor"));
        ptrs[count++] = j;
    }
    xmlXPathFreeObject(set);
    int rc = sink->page(sink->payload, ptrs, count);
    arena_free(&a);
    free(jobs);
    free(ptrs);
    return rc;
}

static void iso(int64_t t, char *buf, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int wd_list_jobs(void *inst, const atsb_list_request *req, const atsb_job_sink *sink,
                 atsb_error *err)
{
    wd *w = inst;
    locs places = { 0 };
    int rc = load_locations(w, &places, err);
    if (rc == ATSB_ERR_CONFIG || rc == ATSB_ERR_PERMANENT) {
        /* Without Get_Locations (a permission the ISU may lack) the
         * location descriptors still go to the host's text rule. */
        w->api->log(w->host, ATSB_LOG_WARN, "Get_Locations failed, using location names only: %s",
                    err->message);
        rc = ATSB_OK;
    }
    /* Pages are numbers posted to the configured endpoint: a reply names no
     * URL to follow, so the credentials cannot be sent elsewhere. */
    int count = req->page_size > 0 && req->page_size <= MAX_COUNT ? req->page_size : DEFAULT_COUNT;
    for (long page = 1, pages = 1; !rc && page <= pages; page++) {
        if (w->api->cancelled(w->host)) {
            rc = w->api->set_error(err, ATSB_ERR_CANCELLED, "cancelled");
            break;
        }
        wd_req r;
        xmlDocPtr doc = NULL;
        xmlXPathContextPtr xp = NULL;
        if ((rc = wd_req_new(w, &r, "Get_Job_Requisitions_Request")))
            break;
        if (req->updated_since > 0) {
            char from[32], through[32];
            iso(req->updated_since, from, sizeof(from));
            iso((int64_t)time(NULL) + 60, through, sizeof(through));
            xmlNodePtr crit = wd_add(&r, r.op, "Request_Criteria", NULL);
            xmlNodePtr tl = wd_add(&r, crit, "Transaction_Log_Criteria_Data", NULL);
            xmlNodePtr range = wd_add(&r, tl, "Transaction_Date_Range_Data", NULL);
            wd_add(&r, range, "Updated_From", from);
            wd_add(&r, range, "Updated_Through", through);
        }
        char pg[24], cnt[24];
        snprintf(pg, sizeof(pg), "%ld", page);
        snprintf(cnt, sizeof(cnt), "%d", count);
        xmlNodePtr f = wd_add(&r, r.op, "Response_Filter", NULL);
        wd_add(&r, f, "Page", pg);
        wd_add(&r, f, "Count", cnt);
        rc = wd_call(w, w->endpoint, &r, 1, &doc, &xp, err);
        wd_req_free(&r);
        if (rc)
            break;
        int records = 0;
        if (!(rc = read_pages(w, xp, "Get_Job_Requisitions", 1, &pages, err)))
            rc = map_page(w, xp, &places, sink, &records, err);
        /* An empty page before the last one means the count is wrong. */
        if (!rc && !records && page < pages)
            rc = w->api->set_error(err, ATSB_ERR_PERMANENT,
                                   "Get_Job_Requisitions: page %ld of Total_Pages %ld holds no "
                                   "requisitions; Workday's paging would never end", page, pages);
        xmlXPathFreeContext(xp);
        xmlFreeDoc(doc);
    }
    locs_free(&places);
    return rc;
}

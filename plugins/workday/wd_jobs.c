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

/* Requisition ids with an active job posting (Get_Job_Postings), when the
 * connection counts only posted requisitions as open. */
typedef struct posted {
    char **ids;
    size_t n;
} posted;

static void posted_free(posted *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->ids[i]);
    free(p->ids);
    memset(p, 0, sizeof(*p));
}

static int posted_has(const posted *p, const char *id)
{
    for (size_t i = 0; id && i < p->n; i++)
        if (!strcmp(p->ids[i], id))
            return 1;
    return 0;
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
            /* Country_Region_Descriptor is an element of Address_Data (LOC's real
             * reply), there whether or not descriptors were asked for; the
             * reference's Descriptor attribute only when they were. */
            l->region = wd_text(xp, node, ".//wd:Address_Data/wd:Country_Region_Descriptor");
            if (!l->region)
                l->region = wd_text(xp, node, ".//wd:Address_Data/wd:Country_Region_Reference/@wd:Descriptor");
        }
        xmlXPathFreeObject(set);
        xmlXPathFreeContext(xp);
        xmlFreeDoc(doc);
    }
    return ATSB_OK;
}

/* Get_Job_Postings (Recruiting) with Show_Only_Active_Job_Postings: the
 * requisitions that are posted now.  Request_Criteria and Job_Posting_Data
 * per GW JobPostingRequestCriteriaType / JobPostingDataWWSType (v31.2; one
 * source): the requisition is Job_Posting_Data/Job_Requisition_Reference,
 * with Job_Requisition_ID beside it. */
static int load_postings(wd *w, posted *out, atsb_error *err)
{
    for (long page = 1, pages = 1; page <= pages; page++) {
        wd_req r;
        xmlDocPtr doc = NULL;
        xmlXPathContextPtr xp = NULL;
        int rc = wd_req_new(w, &r, "Get_Job_Postings_Request");
        if (rc)
            return rc;
        char pg[24];
        snprintf(pg, sizeof(pg), "%ld", page);
        wd_add(&r, wd_add(&r, r.op, "Request_Criteria", NULL), "Show_Only_Active_Job_Postings", "true");
        xmlNodePtr f = wd_add(&r, r.op, "Response_Filter", NULL);
        wd_add(&r, f, "Page", pg);
        wd_add(&r, f, "Count", "999");
        rc = wd_call(w, w->endpoint, &r, 1, &doc, &xp, err);
        wd_req_free(&r);
        if (rc)
            return rc;
        if ((rc = read_pages(w, xp, "Get_Job_Postings", 1, &pages, err))) {
            xmlXPathFreeContext(xp);
            xmlFreeDoc(doc);
            return rc;
        }
        xmlXPathObjectPtr set = wd_nodes(xp, NULL, "//wd:Response_Data/wd:Job_Posting/wd:Job_Posting_Data");
        int n = set && set->nodesetval ? set->nodesetval->nodeNr : 0;
        char **grown = realloc(out->ids, (out->n + (size_t)n + 1) * sizeof(char *));
        if (!grown) {
            xmlXPathFreeObject(set);
            xmlXPathFreeContext(xp);
            xmlFreeDoc(doc);
            return w->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
        }
        out->ids = grown;
        for (int i = 0; i < n; i++) {
            xmlNodePtr node = set->nodesetval->nodeTab[i];
            char *id = wd_text(xp, node, "wd:Job_Requisition_Reference/wd:ID[@wd:type='Job_Requisition_ID']");
            if (!id)
                id = wd_text(xp, node, "wd:Job_Requisition_ID");
            if (id)
                out->ids[out->n++] = id;
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

/* The location references of a requisition, in the order they count
 * (shared doc, Get_Job_Requisitions reply tree, GW JobRequisitionRestrictionsDataType):
 * the primary location, then the primary job posting location, then every
 * additional location.  All sit under Hiring_Requirement_Data, never
 * directly under Job_Requisition_Data (that flat shape is the create/edit
 * request's). */
static const char *const LOCATION_REFS[] = {
    "wd:Job_Requisition_Data/wd:Hiring_Requirement_Data/wd:Primary_Location_Reference",
    "wd:Job_Requisition_Data/wd:Hiring_Requirement_Data/wd:Primary_Job_Posting_Location_Reference",
    "wd:Job_Requisition_Data/wd:Hiring_Requirement_Data/wd:Additional_Locations_Reference",
};

/* Place a requisition: the first referenced location Get_Locations knows in
 * the US, else the first it knows at all.  A job with several locations
 * counts when any of them is in the US (the host's rule), so a US
 * additional location wins over a foreign primary one.  Locations
 * Get_Locations did not give (it may not be permitted) go to the host's text
 * rule by their descriptors, joined with "; ". */
static void place(xmlXPathContextPtr xp, xmlNodePtr node, const locs *places, arena *a,
                  atsb_job *j)
{
    const loc *first = NULL, *us = NULL;
    char text[1024] = "";
    size_t used = 0;
    for (size_t r = 0; r < sizeof(LOCATION_REFS) / sizeof(LOCATION_REFS[0]) && !us; r++) {
        xmlXPathObjectPtr refs = wd_nodes(xp, node, LOCATION_REFS[r]);
        int n = refs && refs->nodesetval ? refs->nodesetval->nodeNr : 0;
        for (int i = 0; i < n && !us; i++) {
            xmlNodePtr ref = refs->nodesetval->nodeTab[i];
            char *id = wd_text(xp, ref, "wd:ID[@wd:type='Location_ID']");
            const loc *l = locs_find(places, id);
            if (l && !first)
                first = l;
            if (l && l->country && !strcasecmp(l->country, "US"))
                us = l;
            char *name = l ? NULL : wd_text(xp, ref, "@wd:Descriptor");
            if (name && used + strlen(name) + 3 < sizeof(text))
                used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s",
                                         used ? "; " : "", name);
            free(name);
            free(id);
        }
        xmlXPathFreeObject(refs);
    }
    const loc *l = us ? us : first;
    if (l) {
        j->country_code = l->country;
        j->city = l->city;
        j->region = l->region;
        j->location_text = l->name;
    } else if (used) {
        j->location_text = keep(a, strdup(text));
    }
    j->remote = j->location_text && strcasestr(j->location_text, "remote") != NULL;
}

/* One Job_Requisition of a Get_Job_Requisitions reply as a job, or NULL
 * with *why set.  Paths follow the reply tree (shared doc; GW
 * JobRequisitionType / JobRequisitionData2Type; CB's v34.0 reply): the id
 * only in Job_Requisition_Reference, the title and description in
 * Job_Requisition_Detail_Data, the location in Hiring_Requirement_Data. */
static const char *parse_requisition(wd *w, xmlXPathContextPtr xp, xmlNodePtr node,
                                     const locs *places, const posted *postings, arena *a,
                                     atsb_job *j, char **id_out)
{
    memset(j, 0, sizeof(*j));
    char *id = keep(a, wd_text(xp, node, "wd:Job_Requisition_Reference/wd:ID[@wd:type='Job_Requisition_ID']"));
    *id_out = id;
    char *title = keep(a, wd_text(xp, node, "wd:Job_Requisition_Data/wd:Job_Requisition_Detail_Data/wd:Job_Posting_Title"));
    char *status = keep(a, wd_text(xp, node, "wd:Job_Requisition_Data/wd:Job_Requisition_Status_Reference/wd:ID[@wd:type='Job_Requisition_Status_ID']"));
    if (!id)
        return "no Job_Requisition_Reference/ID of type Job_Requisition_ID";
    if (!status)
        return "no Job_Requisition_Data/Job_Requisition_Status_Reference";
    if (!title)
        return "no Job_Requisition_Data/Job_Requisition_Detail_Data/Job_Posting_Title";
    j->struct_size = sizeof(*j);
    j->remote_id = id;
    j->title = title;
    j->status = is_open(w, status) && (!postings || posted_has(postings, id)) ? ATSB_JOB_OPEN
                                                                              : ATSB_JOB_CLOSED;
    place(xp, node, places, a, j);
    j->description = keep(a, wd_text(xp, node, "wd:Job_Requisition_Data/wd:Job_Requisition_Detail_Data/wd:Job_Description_Summary"));
    if (!j->description)
        j->description = keep(a, wd_text(xp, node, "wd:Job_Requisition_Data/wd:Job_Requisition_Detail_Data/wd:Job_Description"));
    /* Present only when the request's Workday_Common_Header asked for
     * descriptors (wd_req_new always asks). */
    j->department = keep(a, wd_text(xp, node, "wd:Job_Requisition_Data/wd:Supervisory_Organization_Reference/@wd:Descriptor"));
    return NULL;
}

static int map_page(wd *w, xmlXPathContextPtr xp, const locs *places, const posted *postings,
                    const atsb_job_sink *sink, int *records, atsb_error *err)
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
        char *id = NULL;
        const char *why = parse_requisition(w, xp, set->nodesetval->nodeTab[i], places, postings,
                                            &a, &jobs[count], &id);
        if (why)
            sink->malformed(sink->payload, id, why);
        else
            ptrs[count] = &jobs[count], count++;
    }
    xmlXPathFreeObject(set);
    int rc = sink->page(sink->payload, ptrs, count);
    arena_free(&a);
    free(jobs);
    free(ptrs);
    return rc;
}

int wd_check_requisition(wd *w, xmlXPathContextPtr xp, atsb_error *err)
{
    xmlXPathObjectPtr set = wd_nodes(xp, NULL, "//wd:Response_Data/wd:Job_Requisition");
    int n = set && set->nodesetval ? set->nodesetval->nodeNr : 0;
    locs none = { 0 };
    arena a = { 0 };
    atsb_job j;
    char *id = NULL;
    const char *why = n ? parse_requisition(w, xp, set->nodesetval->nodeTab[0], &none, NULL, &a,
                                            &j, &id)
                        : NULL;
    int rc = why ? w->api->set_error(err, ATSB_ERR_CONFIG,
                                     "Get_Job_Requisitions: cannot read requisition %s: %s; "
                                     "this tenant's replies do not have the shape atsbridge "
                                     "reads", id ? id : "(no id)", why)
                 : ATSB_OK;
    arena_free(&a);
    xmlXPathFreeObject(set);
    return rc;
}

static void iso(int64_t t, char *buf, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int wd_requisitions_request(wd *w, wd_req *r, long page, int count, int64_t since)
{
    int rc = wd_req_new(w, r, "Get_Job_Requisitions_Request");
    if (rc)
        return rc;
    /* Request sequence (GW GetJobRequisitionsRequestType): Request_Criteria,
     * Response_Filter, Response_Group. */
    if (since > 0) {
        /* Updated_Through is now, never later: a tenant's transaction log
         * has nothing in the future, and asking for it is at best
         * meaningless (see docs/workday.md). */
        int64_t now = (int64_t)time(NULL);
        char from[32], through[32];
        iso(since < now ? since : now, from, sizeof(from));
        iso(now, through, sizeof(through));
        xmlNodePtr crit = wd_add(r, r->op, "Request_Criteria", NULL);
        xmlNodePtr tl = wd_add(r, crit, "Transaction_Log_Criteria_Data", NULL);
        xmlNodePtr range = wd_add(r, tl, "Transaction_Date_Range_Data", NULL);
        wd_add(r, range, "Updated_From", from);
        wd_add(r, range, "Updated_Through", through);
    }
    char pg[24], cnt[24];
    snprintf(pg, sizeof(pg), "%ld", page);
    snprintf(cnt, sizeof(cnt), "%d", count);
    xmlNodePtr f = wd_add(r, r->op, "Response_Filter", NULL);
    wd_add(r, f, "Page", pg);
    wd_add(r, f, "Count", cnt);
    /* Ask for the detail (definition) and hiring requirement (restrictions)
     * data by name instead of relying on the default group: CB's v34.0
     * sample reply has no Job_Requisition_Detail_Data at all.  Sequence per
     * GW JobRequisitionResponseGroupType. */
    xmlNodePtr g = wd_add(r, r->op, "Response_Group", NULL);
    wd_add(r, g, "Include_Reference", "true");
    wd_add(r, g, "Include_Job_Requisition_Definition_Data", "true");
    wd_add(r, g, "Include_Job_Requisition_Restrictions_Data", "true");
    return ATSB_OK;
}

int wd_list_jobs(void *inst, const atsb_list_request *req, const atsb_job_sink *sink,
                 atsb_error *err)
{
    wd *w = inst;
    locs places = { 0 };
    posted postings = { 0 };
    int rc = load_locations(w, &places, err);
    if (rc == ATSB_ERR_CONFIG || rc == ATSB_ERR_PERMANENT || rc == ATSB_ERR_AUTH) {
        /* Without Get_Locations (a permission the ISU may lack; Workday may
         * report it as an authentication fault) the location descriptors
         * still go to the host's text rule. */
        w->api->log(w->host, ATSB_LOG_WARN, "Get_Locations failed, using location names only: %s",
                    err->message);
        rc = ATSB_OK;
    }
    /* An open requisition without an active posting counts as closed only
     * when the connection says so (require_posting). */
    if (!rc && w->require_posting)
        rc = load_postings(w, &postings, err);
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
        if ((rc = wd_requisitions_request(w, &r, page, count, req->updated_since)))
            break;
        rc = wd_call(w, w->endpoint, &r, 1, &doc, &xp, err);
        wd_req_free(&r);
        if (rc)
            break;
        int records = 0;
        if (!(rc = read_pages(w, xp, "Get_Job_Requisitions", 1, &pages, err)))
            rc = map_page(w, xp, &places, w->require_posting ? &postings : NULL, sink, &records,
                          err);
        /* An empty page before the last one means the count is wrong. */
        if (!rc && !records && page < pages)
            rc = w->api->set_error(err, ATSB_ERR_PERMANENT,
                                   "Get_Job_Requisitions: page %ld of Total_Pages %ld holds no "
                                   "requisitions; Workday's paging would never end", page, pages);
        xmlXPathFreeContext(xp);
        xmlFreeDoc(doc);
    }
    posted_free(&postings);
    locs_free(&places);
    return rc;
}

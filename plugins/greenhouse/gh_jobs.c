/* Jobs: /v3/jobs references offices and departments by id, so both small
 * lists are read first and joined locally.  Every status is requested (a
 * job closed since the last run must be seen); drafts are not jobs yet and
 * templates (is_template) never take applicants.  An office without
 * location text ("Remote (US)") is placed by the structured locations of
 * the job's posts (/v3/job_posts -> /v3/job_post_searchable_locations),
 * read only for the jobs of a page that need them, before falling back to
 * the office's name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "gh.h"

#define DEFAULT_PAGE 500   /* the v3 maximum */

typedef struct lookup {
    long *ids;
    char **names;      /* office: location text ("" when it has none); department: name */
    char **alt;        /* office: its name, the last resort for placing it */
    int *remote;
    size_t n;
} lookup;

static void lookup_free(lookup *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->names[i]);
        free(l->alt[i]);
    }
    free(l->ids);
    free(l->names);
    free(l->alt);
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

typedef int (*each_fn)(void *ctx, json_object *item);

static int each_item(gh *g, const char *what, char *url, each_fn fn, void *ctx, atsb_error *err)
{
    int rc = ATSB_OK;
    gh_seen seen = { 0 };
    while (url && rc == ATSB_OK) {
        gh_reply r;
        if (seen.n >= GH_MAX_LOOKUP_PAGES) {
            rc = g->api->set_error(err, ATSB_ERR_PERMANENT,
                                   "GET %s: more than %d pages; Greenhouse's paging would never end",
                                   what, GH_MAX_LOOKUP_PAGES);
            break;
        }
        if ((rc = gh_seen_add(g, &seen, what, url, err)))
            break;
        rc = gh_call(g, "GET", url, NULL, 1, &r, err);
        free(url);
        url = NULL;
        if (rc)
            break;
        for (size_t i = 0; json_object_is_type(r.json, json_type_array) &&
                           i < json_object_array_length(r.json) && !rc; i++)
            rc = fn(ctx, json_object_array_get_idx(r.json, i));
        if (!rc && !json_object_is_type(r.json, json_type_array))
            rc = g->api->set_error(err, ATSB_ERR_TRANSIENT, "GET %s: expected a JSON array", what);
        url = !rc && r.next ? strdup(r.next) : NULL;
        gh_reply_free(&r);
    }
    free(url);
    gh_seen_free(&seen);
    return rc;
}

typedef struct lookup_ctx {
    gh *g;
    lookup *l;
    size_t cap;
    int offices;
    atsb_error *err;
} lookup_ctx;

static int on_lookup_item(void *ctx, json_object *o)
{
    lookup_ctx *x = ctx;
    lookup *l = x->l;
    if (l->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        long *ids = realloc(l->ids, cap * sizeof(long));
        char **names = realloc(l->names, cap * sizeof(char *));
        char **alt = realloc(l->alt, cap * sizeof(char *));
        int *remote = realloc(l->remote, cap * sizeof(int));
        if (ids) l->ids = ids;
        if (names) l->names = names;
        if (alt) l->alt = alt;
        if (remote) l->remote = remote;
        if (!ids || !names || !alt || !remote)
            return x->g->api->set_error(x->err, ATSB_ERR_INTERNAL, "out of memory");
        x->cap = cap;
    }
    const char *name = gh_str(o, "name");
    /* An office's location is free text and often null for remote offices;
     * the job's structured locations, else the office's name ("Remote
     * (US)"), place those. */
    const char *text = x->offices ? gh_str(o, "location") : name;
    l->names[l->n] = strdup(text ? text : "");
    l->alt[l->n] = strdup(name ? name : "");
    if (!l->names[l->n] || !l->alt[l->n]) {
        free(l->names[l->n]);
        free(l->alt[l->n]);
        return x->g->api->set_error(x->err, ATSB_ERR_INTERNAL, "out of memory");
    }
    l->ids[l->n] = gh_long(o, "id");
    l->remote[l->n] = x->offices && name && strcasestr(name, "remote") != NULL;
    l->n++;
    return ATSB_OK;
}

/* Read every page of a small collection into id -> text. */
static int load_lookup(gh *g, const char *path, int offices, lookup *l, atsb_error *err)
{
    char *url = atsb_util_printf("%s?per_page=%d", path, DEFAULT_PAGE);
    if (!url)
        return g->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    lookup_ctx x = { .g = g, .l = l, .offices = offices, .err = err };
    return each_item(g, path, url, on_lookup_item, &x, err);
}

/* Structured places of the jobs of one page, from their posts:
 * /v3/job_posts?job_ids= gives each post's job, and
 * /v3/job_post_searchable_locations?job_post_ids= one row per place. */
typedef struct place {
    long job_id;
    char *text;        /* "Austin, TX, United States" */
    char *country;     /* country_short_name ("US"), or NULL */
    char *region;
    char *city;
} place;

typedef struct places {
    place *p;
    size_t n, cap;
} places;

static void places_free(places *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        free(ps->p[i].text);
        free(ps->p[i].country);
        free(ps->p[i].region);
        free(ps->p[i].city);
    }
    free(ps->p);
    memset(ps, 0, sizeof(*ps));
}

/* What a run carries from page to page. */
typedef struct run_ctx {
    const lookup *offices, *depts;
    int places_off;    /* the credentials cannot read job posts: office names only */
    long templates;    /* template jobs seen (counted as closed-skipped) */
} run_ctx;

static char *dup_or_null(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

/* "City, Region, Country" from a searchable location row; its display
 * `location` when the parts are missing. */
static char *place_text(json_object *o)
{
    const char *parts[3] = { gh_str(o, "city"),
                             gh_str(o, "region_short_name") ? gh_str(o, "region_short_name")
                                                            : gh_str(o, "region_long_name"),
                             gh_str(o, "country_long_name") ? gh_str(o, "country_long_name")
                                                            : gh_str(o, "country_short_name") };
    size_t need = 1;
    for (int k = 0; k < 3; k++)
        need += parts[k] ? strlen(parts[k]) + 2 : 0;
    char *t = calloc(1, need);
    for (int k = 0; t && k < 3; k++)
        if (parts[k] && *parts[k]) {
            size_t len = strlen(t);
            snprintf(t + len, need - len, "%s%s", len ? ", " : "", parts[k]);
        }
    if (t && !*t) {
        free(t);
        t = dup_or_null(gh_str(o, "location"));
    }
    return t;
}

/* GET every page of url (the seen list and page cap of a lookup listing),
 * handing each element to fn. */

typedef struct post_map {
    long *post, *job;
    size_t n, cap;
    places *out;
} post_map;

static int on_post(void *ctx, json_object *o)
{
    post_map *m = ctx;
    if (gh_long(o, "id") <= 0 || gh_long(o, "job_id") <= 0)
        return ATSB_OK;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        long *post = realloc(m->post, cap * sizeof(long));
        if (post)
            m->post = post;
        long *job = post ? realloc(m->job, cap * sizeof(long)) : NULL;
        if (!post || !job)
            return ATSB_ERR_INTERNAL;
        m->job = job;
        m->cap = cap;
    }
    m->post[m->n] = gh_long(o, "id");
    m->job[m->n++] = gh_long(o, "job_id");
    return ATSB_OK;
}

static int on_searchable(void *ctx, json_object *o)
{
    post_map *m = ctx;
    long post = gh_long(o, "job_post_id"), job = 0;
    for (size_t i = 0; i < m->n && !job; i++)
        if (m->post[i] == post)
            job = m->job[i];
    char *text = job ? place_text(o) : NULL;
    if (!text)
        return ATSB_OK;
    places *ps = m->out;
    for (size_t i = 0; i < ps->n; i++)
        if (ps->p[i].job_id == job && !strcmp(ps->p[i].text, text)) {
            free(text); /* the same place on the job's internal and external posts */
            return ATSB_OK;
        }
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 32;
        place *grown = realloc(ps->p, cap * sizeof(place));
        if (!grown) {
            free(text);
            return ATSB_ERR_INTERNAL;
        }
        ps->p = grown;
        ps->cap = cap;
    }
    place *pl = &ps->p[ps->n++];
    pl->job_id = job;
    pl->text = text;
    pl->country = dup_or_null(gh_str(o, "country_short_name"));
    pl->region = dup_or_null(gh_str(o, "region_short_name"));
    pl->city = dup_or_null(gh_str(o, "city"));
    return ATSB_OK;
}

/* Comma list of at most 50 ids (the v3 limit for id filters) from ids[from]. */
static char *id_list(const long *ids, size_t n, size_t from)
{
    char *s = calloc(1, 50 * 21 + 1);
    for (size_t i = from, k = 0; s && i < n && k < 50; i++, k++) {
        size_t len = strlen(s);
        snprintf(s + len, 50 * 21 + 1 - len, "%s%ld", k ? "," : "", ids[i]);
    }
    return s;
}

/* The structured places of these jobs.  A 403 (credentials without
 * harvest:job_posts:list or harvest:job_post_searchable_locations:list) or
 * 404 turns the lookup off for the run with one warning: these only refine
 * the office name that places the job otherwise. */
static int load_places(gh *g, run_ctx *rc_, const long *jobs, size_t n, places *out,
                       atsb_error *err)
{
    post_map m;
    memset(&m, 0, sizeof(m));
    m.out = out;
    int rc = ATSB_OK;
    const char *what = "/v3/job_posts";
    for (size_t from = 0; from < n && !rc; from += 50) {
        char *ids = id_list(jobs, n, from);
        char *url = ids ? atsb_util_printf("/v3/job_posts?job_ids=%s&per_page=500", ids) : NULL;
        free(ids);
        rc = url ? each_item(g, what, url, on_post, &m, err)
                 : g->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    }
    if (!rc)
        what = "/v3/job_post_searchable_locations";
    for (size_t from = 0; from < m.n && !rc; from += 50) {
        char *ids = id_list(m.post, m.n, from);
        char *url = ids ? atsb_util_printf("/v3/job_post_searchable_locations?job_post_ids=%s"
                                           "&per_page=500", ids) : NULL;
        free(ids);
        rc = url ? each_item(g, what, url, on_searchable, &m, err)
                 : g->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    }
    if (rc == ATSB_ERR_INTERNAL && !err->message[0])
        rc = g->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    if (rc && (err->http_status == 403 || err->http_status == 404)) {
        g->api->log(g->host, ATSB_LOG_WARN,
                    "GET %s answered HTTP %d: offices without location text are placed by "
                    "their names (grant the API credentials harvest:job_posts:list and "
                    "harvest:job_post_searchable_locations:list to place them by the job "
                    "posts' locations)", what, err->http_status);
        rc_->places_off = 1;
        places_free(out);
        err->code = ATSB_OK;
        err->http_status = 0;
        err->message[0] = '\0';
        rc = ATSB_OK;
    }
    free(m.post);
    free(m.job);
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

static void page_free(page_buf *pb)
{
    for (size_t i = 0; i < pb->n_owned; i++)
        free(pb->owned[i]);
    free(pb->owned);
    free(pb->jobs);
    free(pb->ptrs);
    memset(pb, 0, sizeof(*pb));
}

/* Non-zero when one of the job's offices has no location text. */
static int needs_place(json_object *o, const lookup *offices)
{
    json_object *oids;
    if (!json_object_object_get_ex(o, "office_ids", &oids) ||
        !json_object_is_type(oids, json_type_array))
        return 0;
    for (size_t k = 0; k < json_object_array_length(oids); k++) {
        size_t at = lookup_find(offices, (long)json_object_get_int64(json_object_array_get_idx(oids, k)));
        if (at != (size_t)-1 && !offices->names[at][0])
            return 1;
    }
    return 0;
}

/* The job's location: each office's text; for an office without one, the
 * job's structured places (once), else the office's name.  A job placed by
 * a single structured place also gets its country, region and city. */
static void place_job(atsb_job *j, json_object *o, const lookup *offices, const places *ps,
                      page_buf *pb)
{
    json_object *oids;
    if (!json_object_object_get_ex(o, "office_ids", &oids) ||
        !json_object_is_type(oids, json_type_array))
        return;
    size_t n = json_object_array_length(oids), need = 1, n_parts = 0;
    const place *only = NULL;
    long jid = strtol(j->remote_id, NULL, 10);
    for (size_t k = 0; k < n; k++) {
        size_t at = lookup_find(offices, (long)json_object_get_int64(json_object_array_get_idx(oids, k)));
        need += at != (size_t)-1 ? strlen(offices->names[at]) + strlen(offices->alt[at]) + 2 : 24;
    }
    for (size_t k = 0; k < ps->n; k++)
        if (ps->p[k].job_id == jid)
            need += strlen(ps->p[k].text) + 2;
    char *text = calloc(1, need);
    int placed = 0;
    for (size_t k = 0; text && k < n; k++) {
        long oid = (long)json_object_get_int64(json_object_array_get_idx(oids, k));
        size_t at = lookup_find(offices, oid);
        size_t len = strlen(text);
        if (at == (size_t)-1) {
            snprintf(text + len, need - len, "%soffice %ld", len ? "; " : "", oid);
            n_parts++;
            continue;
        }
        j->remote |= offices->remote[at];
        if (offices->names[at][0]) {
            snprintf(text + len, need - len, "%s%s", len ? "; " : "", offices->names[at]);
            n_parts++;
            continue;
        }
        int found = 0;
        for (size_t p = 0; p < ps->n; p++)
            if (ps->p[p].job_id == jid) {
                found = 1;
                if (placed)
                    continue; /* the job's places, once for all its text-less offices */
                len = strlen(text);
                snprintf(text + len, need - len, "%s%s", len ? "; " : "", ps->p[p].text);
                n_parts++;
                only = &ps->p[p];
            }
        if (found) {
            placed = 1;
        } else if (offices->alt[at][0]) {
            snprintf(text + len, need - len, "%s%s", len ? "; " : "", offices->alt[at]);
            n_parts++;
        }
    }
    j->location_text = text && *text ? own(pb, text) : (free(text), NULL);
    if (only && n_parts == 1) {
        j->country_code = only->country;
        j->region = only->region;
        j->city = only->city;
    }
}

static int map_page(gh *g, json_object *arr, run_ctx *ctx, const atsb_job_sink *sink,
                    atsb_error *err)
{
    size_t n = json_object_array_length(arr), count = 0, n_need = 0;
    page_buf pb;
    places ps;
    memset(&pb, 0, sizeof(pb));
    memset(&ps, 0, sizeof(ps));
    long *need = calloc(n + 1, sizeof(long));
    pb.jobs = calloc(n + 1, sizeof(atsb_job));
    pb.ptrs = calloc(n + 1, sizeof(atsb_job *));
    pb.owned = calloc(n * 2 + 1, sizeof(char *));
    int rc = ATSB_OK;
    if (!pb.jobs || !pb.ptrs || !pb.owned || !need) {
        rc = g->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n && !ctx->places_off; i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        if (gh_long(o, "id") > 0 && needs_place(o, ctx->offices))
            need[n_need++] = gh_long(o, "id");
    }
    if (n_need && (rc = load_places(g, ctx, need, n_need, &ps, err)))
        goto done;
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, i), *tmpl = NULL;
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
        /* A template is a pattern for new jobs, never a requisition: it
         * goes to the host as not open, so it is counted (closed-skipped)
         * and a template imported before is archived.  Reporting it as
         * malformed would be untrue and, in a tenant with many templates,
         * would fail the run (more than half unreadable). */
        int is_template = json_object_object_get_ex(o, "is_template", &tmpl) &&
                          json_object_get_boolean(tmpl);
        ctx->templates += is_template;
        atsb_job *j = &pb.jobs[count];
        j->struct_size = sizeof(*j);
        j->remote_id = own(&pb, strdup(idbuf));
        if (!j->remote_id) {
            rc = g->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
            goto done;
        }
        j->title = gh_str(o, "name");
        j->status = !strcmp(status, "open") && !is_template ? ATSB_JOB_OPEN : ATSB_JOB_CLOSED;
        /* Offices by id -> "Austin, TX; Remote (US)": the host decides. */
        place_job(j, o, ctx->offices, &ps, &pb);
        size_t d = lookup_find(ctx->depts, gh_long(o, "department_id"));
        j->department = d != (size_t)-1 ? ctx->depts->names[d] : NULL;
        j->description = gh_str(o, "notes");
        int64_t t = 0;
        gh_parse_time(gh_str(o, "updated_at"), &t);
        j->updated_at = t;
        pb.ptrs[count] = j;
        count++;
    }
    rc = sink->page(sink->payload, pb.ptrs, count);
done:
    free(need);
    places_free(&ps);
    page_free(&pb);
    return rc;
}

int gh_list_jobs(void *inst, const atsb_list_request *req, const atsb_job_sink *sink,
                 atsb_error *err)
{
    gh *g = inst;
    lookup offices, depts;
    memset(&offices, 0, sizeof(offices));
    memset(&depts, 0, sizeof(depts));
    run_ctx ctx = { &offices, &depts, 0, 0 };
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
        char *enc = atsb_util_url_encode(g->api, filt);
        url = enc ? atsb_util_printf("/v3/jobs?per_page=%d&updated_at=%s", per_page, enc) : NULL;
        free(enc);
    } else {
        url = atsb_util_printf("/v3/jobs?per_page=%d", per_page);
    }
    /* Resuming (ABI 1.2): the cursor is the Link URL of the page to read
     * next, as reported below; v3 takes it back exactly as it gave it. */
    if (ATSB_HAS_FIELD(atsb_list_request, req, resume_at) && req->resume_at) {
        free(url);
        url = strdup(req->resume_at);
    }
    int report = ATSB_HAS_FIELD(atsb_job_sink, sink, cursor) && sink->cursor;
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
        if (report)
            sink->cursor(sink->payload, r.next);
        rc = map_page(g, r.json, &ctx, sink, err);
        url = rc == ATSB_OK && r.next ? strdup(r.next) : NULL;
        gh_reply_free(&r);
        if (rc)
            break;
    }
    if (ctx.templates)
        g->api->log(g->host, ATSB_LOG_INFO,
                    "%ld template job%s (is_template) not imported: counted as closed-skipped",
                    ctx.templates, ctx.templates == 1 ? "" : "s");
done:
    free(url);
    gh_seen_free(&seen);
    lookup_free(&offices);
    lookup_free(&depts);
    return rc;
}

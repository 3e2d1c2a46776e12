/* Greenhouse Harvest v3, as documented in /work/shared/docs/greenhouse-v3.md
 * (cited below as GH3 §n, with that doc's source keys):
 * OAuth client-credentials token endpoint (GH3 §1); bare-array list
 * responses ordered by id descending (GH3 §0, §2); cursor pagination through
 * a Link rel="next" header, where a call carrying a cursor and anything else
 * is refused with 422 (GH3 §2 [PAG]); jobs that reference offices by id and
 * carry confidential / is_template (GH3 §3 [AB][SV]); job posts and their
 * structured searchable locations (GH3 §3 [SV]); candidates with a nested
 * first application (GH3 §4); applications; attachments with only the
 * documented body fields (GH3 §4 [R-ATT]); sources (GH3 §5); a 403 for an
 * endpoint whose scope the client lacks (GH3 §1 [AB][W6]), configured per
 * client in the fixture: "denied": ["harvest:offices:list", ...].
 * Rules marked GUESS have no source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sandbox.h"

static json_object *arr(sandbox *sb, const char *name)
{
    json_object *a;
    if (!json_object_object_get_ex(sb->gh, name, &a)) {
        a = json_object_new_array();
        json_object_object_add(sb->gh, name, a);
    }
    return a;
}

static const char *sget(json_object *o, const char *k)
{
    json_object *v;
    return o && json_object_object_get_ex(o, k, &v) && !json_object_is_type(v, json_type_null)
               ? json_object_get_string(v) : NULL;
}

static long iget(json_object *o, const char *k)
{
    json_object *v;
    return o && json_object_object_get_ex(o, k, &v) ? (long)json_object_get_int64(v) : 0;
}

static time_t parse_iso(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
        return (time_t)-1;
    return timegm(&tm);
}

static void unprocessable(sb_response *rs, const char *field, const char *msg)
{
    json_object *o = json_object_new_object();
    json_object *errs = json_object_new_array();
    json_object *e = json_object_new_object();
    json_object_object_add(e, field, json_object_new_string(msg));
    json_object_array_add(errs, e);
    json_object_object_add(o, "message", json_object_new_string("Unprocessable Content"));
    json_object_object_add(o, "errors", errs);
    sb_json(rs, 422, o);
}

static json_object *find_by_id(json_object *a, long id)
{
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        json_object *x = json_object_array_get_idx(a, i);
        if (iget(x, "id") == id)
            return x;
    }
    return NULL;
}

/* ---- auth ---- */

static int token_endpoint(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    if (strcmp(rq->method, "POST") != 0) {
        sb_text(rs, 405, "{\"message\":\"Method Not Allowed\"}");
        return 1;
    }
    if (!rq->authorization || strncasecmp(rq->authorization, "Basic ", 6) != 0) {
        sb_text(rs, 401, "{\"message\":\"Unauthorized\",\"errorId\":\"err-sandbox\"}");
        return 1;
    }
    char *creds = sb_b64url_decode(rq->authorization + 6);
    char *grant = sb_query(rq->body, "grant_type");
    int ok = 0;
    char client[128] = "";
    if (creds) {
        char *colon = strchr(creds, ':');
        if (colon) {
            *colon = '\0';
            json_object *clients = arr(sb, "clients");
            for (size_t i = 0; i < json_object_array_length(clients); i++) {
                json_object *c = json_object_array_get_idx(clients, i);
                if (sget(c, "client_id") && !strcmp(sget(c, "client_id"), creds) &&
                    sget(c, "client_secret") && !strcmp(sget(c, "client_secret"), colon + 1)) {
                    ok = 1;
                    snprintf(client, sizeof(client), "%s", creds);
                }
            }
        }
    }
    if (!grant) {
        sb_text(rs, 400, "{\"message\":\"Must include `grant_type` parameter in /token request\"}");
    } else if (strcmp(grant, "client_credentials") != 0) {
        sb_text(rs, 400, "{\"message\":\"grant_type is invalid\"}");
    } else if (!ok) {
        sb_text(rs, 401, "{\"error\":\"invalid_client\"}");
    } else {
        char tok[64], exp[40];
        snprintf(tok, sizeof(tok), "gh-%ld-%ld", (long)time(NULL), sb_new_id(sb));
        long ttl = iget(sb->gh, "token_ttl");
        if (ttl <= 0)
            ttl = 3600;
        time_t e = time(NULL) + ttl;
        struct tm tm;
        gmtime_r(&e, &tm);
        strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
        json_object *tokens;
        if (!json_object_object_get_ex(sb->gh, "tokens", &tokens)) {
            tokens = json_object_new_object();
            json_object_object_add(sb->gh, "tokens", tokens);
        }
        json_object_object_add(tokens, tok, json_object_new_int64((int64_t)e));
        json_object *owners;
        if (!json_object_object_get_ex(sb->gh, "token_clients", &owners)) {
            owners = json_object_new_object();
            json_object_object_add(sb->gh, "token_clients", owners);
        }
        json_object_object_add(owners, tok, json_object_new_string(client));
        json_object *o = json_object_new_object();
        json_object_object_add(o, "access_token", json_object_new_string(tok));
        json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
        json_object_object_add(o, "expires_at", json_object_new_string(exp));
        sb_json(rs, 200, o);
    }
    free(creds);
    free(grant);
    return 1;
}

static int authorised(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    json_object *tokens, *exp;
    if (rq->authorization && strncmp(rq->authorization, "Bearer ", 7) == 0 &&
        json_object_object_get_ex(sb->gh, "tokens", &tokens) &&
        json_object_object_get_ex(tokens, rq->authorization + 7, &exp) &&
        json_object_get_int64(exp) > (int64_t)time(NULL))
        return 1;
    sb_text(rs, 401, "{\"message\":\"Unauthorized\",\"errors\":[\"Token could not be decoded\"]}");
    return 0;
}

/* The scope a route needs: harvest:<resource>:<action> (GH3 §1 [PARTNER]). */
static void route_scope(const sb_request *rq, const char *resource, char *out, size_t n)
{
    snprintf(out, n, "harvest:%s:%s", resource, !strcmp(rq->method, "GET") ? "list" : "create");
}

/* 403 when the token's client was not granted the route's scope (GH3 §1:
 * "A missing scope or a non-admin sub gives 403" [AB][W6]).  The body's
 * wording is a GUESS: no source shows a 403 body. */
static int scope_denied(sandbox *sb, const sb_request *rq, const char *resource, sb_response *rs)
{
    json_object *owners, *cid, *clients = arr(sb, "clients"), *denied;
    if (!json_object_object_get_ex(sb->gh, "token_clients", &owners) ||
        !json_object_object_get_ex(owners, rq->authorization + 7, &cid))
        return 0;
    char scope[96];
    route_scope(rq, resource, scope, sizeof(scope));
    for (size_t i = 0; i < json_object_array_length(clients); i++) {
        json_object *c = json_object_array_get_idx(clients, i);
        if (!sget(c, "client_id") || strcmp(sget(c, "client_id"), json_object_get_string(cid)) ||
            !json_object_object_get_ex(c, "denied", &denied))
            continue;
        for (size_t k = 0; k < json_object_array_length(denied); k++)
            if (!strcmp(json_object_get_string(json_object_array_get_idx(denied, k)), scope)) {
                json_object *o = json_object_new_object(), *errs = json_object_new_array();
                char msg[160];
                snprintf(msg, sizeof(msg), "Missing required scope: %s", scope);
                json_object_array_add(errs, json_object_new_string(msg));
                json_object_object_add(o, "message", json_object_new_string("Forbidden"));
                json_object_object_add(o, "errors", errs);
                sb_json(rs, 403, o);
                return 1;
            }
    }
    return 0;
}

/* ---- lists ---- */

/* Query filters, parsed once per request (not once per record). */
typedef struct sb_filter {
    char *status, *ids, *email, *candidate_ids, *job_ids, *application_ids, *job_post_ids;
    time_t updated_min, updated_max, created_min;  /* -1: no bound */
    int updated_min_strict;
} sb_filter;

typedef int (*filter_fn)(const sb_filter *f, json_object *item);

static int in_id_list(const char *list, long id)
{
    if (!list)
        return 1;
    for (const char *p = list; *p;) {
        if (sb_num(p) == id)
            return 1;
        p += strcspn(p, ",");
        if (*p == ',')
            p++;
    }
    return 0;
}

/* updated_at=gte|2024-01-01T00:00:00Z[|lte|...] (the pipe form), or the
 * bracket form updated_at[gte]=... */
static void parse_dates(const char *q, const char *field, time_t *min, time_t *max,
                        int *strict)
{
    *min = *max = (time_t)-1;
    char *pipe = sb_query(q, field);
    if (pipe) {
        char *save = NULL;
        char *op = strtok_r(pipe, "|", &save);
        while (op) {
            char *val = strtok_r(NULL, "|", &save);
            time_t t = parse_iso(val);
            if (!val || t == (time_t)-1)
                break;
            if (!strcmp(op, "gte") || !strcmp(op, "gt")) {
                *min = t;
                if (strict)
                    *strict = !strcmp(op, "gt");
            } else if (!strcmp(op, "lte") || !strcmp(op, "lt")) {
                *max = t;
            }
            op = strtok_r(NULL, "|", &save);
        }
        free(pipe);
    }
    char key[64];
    snprintf(key, sizeof(key), "%s[gte]", field);
    char *gte = sb_query(q, key);
    if (gte)
        *min = parse_iso(gte);
    free(gte);
}

static void filter_parse(sb_filter *f, const char *q)
{
    memset(f, 0, sizeof(*f));
    f->status = sb_query(q, "status");
    f->ids = sb_query(q, "ids");
    f->email = sb_query(q, "email");
    f->candidate_ids = sb_query(q, "candidate_ids");
    f->job_ids = sb_query(q, "job_ids");
    f->application_ids = sb_query(q, "application_ids");
    f->job_post_ids = sb_query(q, "job_post_ids");
    parse_dates(q, "updated_at", &f->updated_min, &f->updated_max, &f->updated_min_strict);
    time_t unused;
    parse_dates(q, "created_at", &f->created_min, &unused, NULL);
}

static void filter_free(sb_filter *f)
{
    free(f->status);
    free(f->ids);
    free(f->email);
    free(f->candidate_ids);
    free(f->job_ids);
    free(f->application_ids);
    free(f->job_post_ids);
}

static int f_jobs(const sb_filter *f, json_object *j)
{
    if (f->status && (!sget(j, "status") || strcmp(f->status, sget(j, "status"))))
        return 0;
    if (!in_id_list(f->ids, iget(j, "id")))
        return 0;
    if (f->updated_min != (time_t)-1 || f->updated_max != (time_t)-1) {
        time_t t = parse_iso(sget(j, "updated_at"));
        if (f->updated_min != (time_t)-1 && (f->updated_min_strict ? t <= f->updated_min : t < f->updated_min))
            return 0;
        if (f->updated_max != (time_t)-1 && t > f->updated_max)
            return 0;
    }
    if (f->created_min != (time_t)-1 && parse_iso(sget(j, "created_at")) < f->created_min)
        return 0;
    return 1;
}

static int f_ids(const sb_filter *f, json_object *x)
{
    return in_id_list(f->ids, iget(x, "id"));
}

static int f_candidates(const sb_filter *f, json_object *c)
{
    if (!f_ids(f, c))
        return 0;
    if (!f->email)
        return 1;
    json_object *emails;
    if (json_object_object_get_ex(c, "email_addresses", &emails))
        for (size_t i = 0; i < json_object_array_length(emails); i++)
            if (sget(json_object_array_get_idx(emails, i), "value") &&
                !strcasecmp(sget(json_object_array_get_idx(emails, i), "value"), f->email))
                return 1;
    return 0;
}

static int f_applications(const sb_filter *f, json_object *a)
{
    return f_ids(f, a) && in_id_list(f->candidate_ids, iget(a, "candidate_id")) &&
           in_id_list(f->job_ids, iget(a, "job_id"));
}

/* job_posts?job_ids= and job_post_searchable_locations?job_post_ids=
 * (GH3 §3 [SV]: filters by parent id). */
static int f_job_posts(const sb_filter *f, json_object *p)
{
    return f_ids(f, p) && in_id_list(f->job_ids, iget(p, "job_id"));
}

static int f_searchable(const sb_filter *f, json_object *l)
{
    return f_ids(f, l) && in_id_list(f->job_post_ids, iget(l, "job_post_id"));
}

static int f_attachments(const sb_filter *f, json_object *a)
{
    return f_ids(f, a) && in_id_list(f->application_ids, iget(a, "application_id"));
}

static int cmp_id_desc_sort(const void *a, const void *b)
{
    long x = iget(*(json_object *const *)a, "id"), y = iget(*(json_object *const *)b, "id");
    return x < y ? 1 : x > y ? -1 : 0;
}

static int list(sandbox *sb, const sb_request *rq, sb_response *rs, const char *coll,
                filter_fn filter, const char *const *singular_refused)
{
    char *cursor = sb_query(rq->query, "cursor");
    char *decoded = NULL;
    const char *q = rq->query;
    long offset = 0;
    if (cursor) {
        if (sb_query_count(rq->query) > 1) {
            free(cursor);
            sb_text(rs, 422, "{\"errors\":[\"When passing a cursor, do not include other query params.\"]}");
            return 1;
        }
        decoded = sb_b64url_decode(cursor);
        char *bar = decoded ? strchr(decoded, '|') : NULL;
        free(cursor);
        if (!bar) {
            free(decoded);
            sb_text(rs, 422, "{\"errors\":[\"Invalid cursor\"]}");
            return 1;
        }
        *bar = '\0';
        offset = sb_num(decoded);
        q = bar + 1;
    }
    for (const char *const *s = singular_refused; s && *s; s++) {
        char *v = sb_query(q, *s);
        if (v) {
            free(v);
            free(decoded);
            unprocessable(rs, *s, "is not a permitted parameter; use the plural form");
            return 1;
        }
    }
    char *pp = sb_query(q, "per_page");
    long per_page = pp ? sb_num(pp) : 100;
    free(pp);
    if (per_page > 500 || per_page < 1) {
        char msg[64];
        snprintf(msg, sizeof(msg), "`%ld` number is %s", per_page,
                 per_page > 500 ? "greater than: 500" : "less than: 1");
        free(decoded);
        unprocessable(rs, "per_page", msg);
        return 1;
    }
    json_object *all = arr(sb, coll);
    size_t n = json_object_array_length(all);
    /* Sorted once after writes, not per page: a 100k-job list must page
     * quickly or the benchmark measures the sandbox. */
    json_object *sorted_at;
    char key[64];
    snprintf(key, sizeof(key), "_sorted_%s", coll);
    if (!json_object_object_get_ex(sb->gh, key, &sorted_at) ||
        json_object_get_int64(sorted_at) != sb->next_id + (long)n) {
        json_object_array_sort(all, cmp_id_desc_sort);
        json_object_object_add(sb->gh, key, json_object_new_int64(sb->next_id + (long)n));
    }
    sb_filter flt;
    filter_parse(&flt, q);
    json_object *page = json_object_new_array();
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *x = json_object_array_get_idx(all, i);
        if (filter && !filter(&flt, x))
            continue;
        if (m >= (size_t)offset && m < (size_t)(offset + per_page))
            json_object_array_add(page, json_object_get(x));
        m++;
        if (m > (size_t)(offset + per_page))
            break; /* one more match is enough to know there is a next page */
    }
    filter_free(&flt);
    if ((size_t)(offset + per_page) < m) {
        char *state = NULL;
        if (asprintf(&state, "%ld|%s", offset + per_page, q) >= 0) {
            char *c = sb_b64url_encode(state);
            sb_header(rs, "Link: <%s%s?cursor=%s>; rel=\"next\"", sb->base_url, rq->path, c);
            free(c);
            free(state);
        }
    }
    free(decoded);
    sb_json(rs, 200, page);
    return 1;
}

/* ---- writes ---- */

static const char *valid_type(json_object *entries, const char *const *types)
{
    for (size_t i = 0; entries && i < json_object_array_length(entries); i++) {
        json_object *e = json_object_array_get_idx(entries, i);
        const char *t = sget(e, "type");
        int ok = 0;
        for (const char *const *p = types; *p; p++)
            ok |= t && !strcmp(t, *p);
        if (!ok || !sget(e, "value"))
            return "needs a value and a valid type";
    }
    return NULL;
}

static void record(sandbox *sb, const char *kind, json_object *o)
{
    json_object *a;
    json_object_object_get_ex(sb->recorded, kind, &a);
    json_object_array_add(a, json_object_get(o));
}

static json_object *new_application(sandbox *sb, long cand_id, long job_id, long source_id)
{
    char now[40];
    sb_now_iso(now, sizeof(now));
    json_object *a = json_object_new_object();
    json_object_object_add(a, "id", json_object_new_int64(sb_new_id(sb)));
    json_object_object_add(a, "candidate_id", json_object_new_int64(cand_id));
    json_object_object_add(a, "job_id", json_object_new_int64(job_id));
    json_object_object_add(a, "source_id", source_id ? json_object_new_int64(source_id) : NULL);
    json_object_object_add(a, "status", json_object_new_string("in_process"));
    json_object_object_add(a, "created_at", json_object_new_string(now));
    json_object_array_add(arr(sb, "applications"), a);
    record(sb, "applications", a);
    return a;
}

static const char *check_application(sandbox *sb, json_object *app, long *job, long *src)
{
    *job = iget(app, "job_id");
    *src = iget(app, "source_id");
    json_object *j = find_by_id(arr(sb, "jobs"), *job);
    if (!j)
        return "job_id does not exist";
    if (!sget(j, "status") || strcmp(sget(j, "status"), "open") != 0)
        return "job is not open";
    if (*src && !find_by_id(arr(sb, "sources"), *src))
        return "source_id does not exist";
    return NULL;
}

static int create_candidate(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    static const char *const email_types[] = { "personal", "work", "other", NULL };
    static const char *const phone_types[] = { "home", "work", "mobile", "skype", "other", NULL };
    static const char *const web_types[] = { "personal", "company", "portfolio", "blog", "other", NULL };
    json_object *b = json_tokener_parse(rq->body);
    json_object *v, *app = NULL;
    const char *why;
    long job = 0, src = 0;
    if (!b || !json_object_is_type(b, json_type_object)) {
        json_object_put(b);
        sb_text(rs, 400, "{\"message\":\"Malformed JSON\"}");
        return 1;
    }
    if (!sget(b, "first_name") || !*sget(b, "first_name")) {
        unprocessable(rs, "first_name", "is required");
    } else if (!sget(b, "last_name") || !*sget(b, "last_name")) {
        unprocessable(rs, "last_name", "is required");
    } else if ((why = valid_type(json_object_object_get_ex(b, "email_addresses", &v) ? v : NULL, email_types))) {
        unprocessable(rs, "email_addresses", why);
    } else if ((why = valid_type(json_object_object_get_ex(b, "phone_numbers", &v) ? v : NULL, phone_types))) {
        unprocessable(rs, "phone_numbers", why);
    } else if ((why = valid_type(json_object_object_get_ex(b, "website_addresses", &v) ? v : NULL, web_types))) {
        unprocessable(rs, "website_addresses", why);
    } else if (json_object_object_get_ex(b, "application", &app) &&
               (why = check_application(sb, app, &job, &src))) {
        unprocessable(rs, "application", why);
    } else {
        char now[40];
        sb_now_iso(now, sizeof(now));
        json_object *c = json_object_new_object();
        json_object_object_foreach(b, key, val) {
            if (strcmp(key, "application") != 0)
                json_object_object_add(c, key, json_object_get(val));
        }
        json_object_object_add(c, "id", json_object_new_int64(sb_new_id(sb)));
        json_object_object_add(c, "created_at", json_object_new_string(now));
        json_object_object_add(c, "updated_at", json_object_new_string(now));
        json_object_array_add(arr(sb, "candidates"), c);
        record(sb, "candidates", c);
        json_object *a = app ? new_application(sb, iget(c, "id"), job, src) : NULL;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "candidate", json_object_get(c));
        json_object_object_add(o, "application", a ? json_object_get(a) : NULL);
        sb_json(rs, 201, o);
    }
    json_object_put(b);
    return 1;
}

static int create_application(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    json_object *b = json_tokener_parse(rq->body);
    long job, src;
    const char *why;
    if (!b) {
        sb_text(rs, 400, "{\"message\":\"Malformed JSON\"}");
        return 1;
    }
    if (!find_by_id(arr(sb, "candidates"), iget(b, "candidate_id")))
        unprocessable(rs, "candidate_id", "does not exist");
    else if ((why = check_application(sb, b, &job, &src)))
        unprocessable(rs, "job_id", why);
    else
        sb_json(rs, 201, json_object_get(new_application(sb, iget(b, "candidate_id"), job, src)));
    json_object_put(b);
    return 1;
}

static int create_attachment(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    static const char *const types[] = { "resume", "cover_letter", "take_home_test",
        "offer_packet", "offer_letter", "signed_offer_letter", "midfunnel_agreement",
        "automated_agreement", "form_attachment", "other", NULL };
    json_object *b = json_tokener_parse(rq->body);
    if (!b) {
        sb_text(rs, 400, "{\"message\":\"Malformed JSON\"}");
        return 1;
    }
    /* The documented body (GH3 §4 [R-ATT]): application_id, filename,
     * type, content | url, visibility.  Refusing anything else (v1's
     * content_type above all) with 422 is a GUESS: the reference lists
     * 422 among the answers but does not say unknown fields cause it. */
    static const char *const fields[] = { "application_id", "filename", "type", "content",
                                          "url", "visibility", NULL };
    static const char *const visibilities[] = { "public", "admin_only", "private", NULL };
    const char *unknown = NULL;
    if (json_object_is_type(b, json_type_object)) {
        json_object_object_foreach(b, key, val) {
            (void)val;
            int known = 0;
            for (const char *const *f = fields; *f; f++)
                known |= !strcmp(key, *f);
            if (!known && !unknown)
                unknown = key;
        }
    }
    json_object *app = find_by_id(arr(sb, "applications"), iget(b, "application_id"));
    const char *type = sget(b, "type"), *content = sget(b, "content"), *url = sget(b, "url");
    const char *fname = sget(b, "filename"), *vis = sget(b, "visibility");
    int type_ok = 0, vis_ok = !vis;
    for (const char *const *t = types; *t; t++)
        type_ok |= type && !strcmp(type, *t);
    for (const char *const *t = visibilities; *t; t++)
        vis_ok |= vis && !strcmp(vis, *t);
    size_t len = 0;
    unsigned char *data = NULL;
    if (unknown) {
        unprocessable(rs, unknown, "is not a permitted parameter");
    } else if (!vis_ok) {
        unprocessable(rs, "visibility", "is not one of the allowed values");
    } else if (!app) {
        unprocessable(rs, "application_id", "does not exist");
    } else if (!fname || !strchr(fname, '.')) {
        unprocessable(rs, "filename", "is required, with an extension");
    } else if (!type_ok) {
        unprocessable(rs, "type", "is not one of the allowed values");
    } else if (!!content == !!url) {
        unprocessable(rs, "content", "exactly one of content or url is required");
    } else if (content && !(data = sb_b64_decode(content, &len))) {
        unprocessable(rs, "content", "is not valid base64");
    } else {
        json_object *a = json_object_new_object();
        long id = sb_new_id(sb);
        json_object_object_add(a, "id", json_object_new_int64(id));
        json_object_object_add(a, "application_id", json_object_new_int64(iget(app, "id")));
        json_object_object_add(a, "candidate_id", json_object_new_int64(iget(app, "candidate_id")));
        json_object_object_add(a, "filename", json_object_new_string(fname));
        json_object_object_add(a, "type", json_object_new_string(type));
        /* The reply's content type is Greenhouse's, from the file name
         * (GH3 §4 [WK] lists a content type among the output fields). */
        const char *ext = strrchr(fname, '.');
        json_object_object_add(a, "content_type", json_object_new_string(
                                   ext && !strcasecmp(ext, ".pdf") ? "application/pdf"
                                                                   : "application/octet-stream"));
        json_object_object_add(a, "visibility", vis ? json_object_new_string(vis) : NULL);
        json_object_object_add(a, "size", json_object_new_int64((int64_t)len));
        if (sb->record_dir && data) {
            char *path = NULL;
            if (asprintf(&path, "%s/%ld-%s", sb->record_dir, id, fname) >= 0) {
                FILE *f = fopen(path, "wb");
                if (f) {
                    fwrite(data, 1, len, f);
                    fclose(f);
                    json_object_object_add(a, "saved_path", json_object_new_string(path));
                }
                free(path);
            }
        }
        json_object_array_add(arr(sb, "attachments"), a);
        record(sb, "attachments", a);
        sb_json(rs, 201, json_object_get(a));
    }
    free(data);
    json_object_put(b);
    return 1;
}

int sb_greenhouse(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    static const char *const cand_singular[] = { "candidate_id", "job_id", NULL };
    if (!strcmp(rq->path, "/token"))
        return token_endpoint(sb, rq, rs);
    if (strncmp(rq->path, "/v3/", 4) != 0)
        return 0;
    if (!authorised(sb, rq, rs))
        return 1;
    const char *r = rq->path + 4;
    int get = !strcmp(rq->method, "GET"), post = !strcmp(rq->method, "POST");
    if (scope_denied(sb, rq, r, rs))
        return 1;
    if (get && !strcmp(r, "job_posts"))
        return list(sb, rq, rs, "job_posts", f_job_posts, NULL);
    if (get && !strcmp(r, "job_post_searchable_locations"))
        return list(sb, rq, rs, "job_post_searchable_locations", f_searchable, NULL);
    if (get && !strcmp(r, "jobs"))
        return list(sb, rq, rs, "jobs", f_jobs, NULL);
    if (get && !strcmp(r, "offices"))
        return list(sb, rq, rs, "offices", f_ids, NULL);
    if (get && !strcmp(r, "departments"))
        return list(sb, rq, rs, "departments", f_ids, NULL);
    if (get && !strcmp(r, "sources"))
        return list(sb, rq, rs, "sources", f_ids, NULL);
    if (get && !strcmp(r, "candidates"))
        return list(sb, rq, rs, "candidates", f_candidates, cand_singular);
    if (get && !strcmp(r, "applications"))
        return list(sb, rq, rs, "applications", f_applications, cand_singular);
    if (get && !strcmp(r, "attachments"))
        return list(sb, rq, rs, "attachments", f_attachments, NULL);
    if (post && !strcmp(r, "candidates"))
        return create_candidate(sb, rq, rs);
    if (post && !strcmp(r, "applications"))
        return create_application(sb, rq, rs);
    if (post && !strcmp(r, "attachments"))
        return create_attachment(sb, rq, rs);
    sb_text(rs, 404, "{\"message\":\"Resource not found\"}");
    return 1;
}

/* ---- control ---- */

static void upsert_job(sandbox *sb, json_object *src)
{
    sb_new_id(sb); /* any write invalidates the sorted order */
    json_object *jobs = arr(sb, "jobs");
    json_object *j = find_by_id(jobs, iget(src, "id"));
    char now[40];
    sb_now_iso(now, sizeof(now));
    if (!j) {
        j = json_object_new_object();
        json_object_object_add(j, "created_at", json_object_new_string(now));
        json_object_array_add(jobs, j);
    }
    json_object_object_foreach(src, key, val) json_object_object_add(j, key, json_object_get(val));
    if (!sget(src, "updated_at"))
        json_object_object_add(j, "updated_at", json_object_new_string(now));
}

static void generate(sandbox *sb, json_object *spec)
{
    long count = iget(spec, "count"), non_us = iget(spec, "non_us_every");
    sb_new_id(sb);
    json_object *offices = arr(sb, "offices");
    if (!find_by_id(offices, 9001)) {
        json_object *o = json_tokener_parse("{\"id\":9001,\"name\":\"Generated US\",\"location\":\"Austin, TX, United States\"}");
        json_object_array_add(offices, o);
        o = json_tokener_parse("{\"id\":9002,\"name\":\"Generated Intl\",\"location\":\"London, United Kingdom\"}");
        json_object_array_add(offices, o);
    }
    json_object *jobs = arr(sb, "jobs");
    char now[40];
    sb_now_iso(now, sizeof(now));
    for (long i = 0; i < count; i++) {
        json_object *j = json_object_new_object();
        char name[64];
        snprintf(name, sizeof(name), "Generated job %ld", i + 1);
        json_object_object_add(j, "id", json_object_new_int64(5000000 + i));
        json_object_object_add(j, "name", json_object_new_string(name));
        json_object_object_add(j, "status", json_object_new_string("open"));
        json_object *oids = json_object_new_array();
        json_object_array_add(oids, json_object_new_int64(non_us && i % non_us == 0 ? 9002 : 9001));
        json_object_object_add(j, "office_ids", oids);
        json_object_object_add(j, "notes", json_object_new_string("<p>Operate CNC machines on second shift.</p>"));
        json_object_object_add(j, "created_at", json_object_new_string(now));
        json_object_object_add(j, "updated_at", json_object_new_string(now));
        json_object_array_add(jobs, j);
    }
}

int sb_greenhouse_control(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    const char *p = rq->path + strlen("/_control/");
    if (!strcmp(p, "expire-tokens")) {
        json_object_object_add(sb->gh, "tokens", json_object_new_object());
        sb_text(rs, 200, "{}");
        return 1;
    }
    if (strncmp(p, "greenhouse/", 11) != 0)
        return 0;
    p += 11;
    if (!strcmp(p, "jobs") && !strcmp(rq->method, "POST")) {
        json_object *b = json_tokener_parse(rq->body);
        if (!b) {
            sb_text(rs, 400, "{\"error\":\"bad json\"}");
            return 1;
        }
        if (json_object_is_type(b, json_type_array))
            for (size_t i = 0; i < json_object_array_length(b); i++)
                upsert_job(sb, json_object_array_get_idx(b, i));
        else
            upsert_job(sb, b);
        json_object_put(b);
        sb_text(rs, 200, "{}");
        return 1;
    }
    if (!strncmp(p, "jobs/", 5) && !strcmp(rq->method, "DELETE")) {
        json_object *jobs = arr(sb, "jobs");
        long id = sb_num(p + 5);
        for (size_t i = 0; i < json_object_array_length(jobs); i++)
            if (iget(json_object_array_get_idx(jobs, i), "id") == id) {
                json_object_array_del_idx(jobs, i, 1);
                sb_new_id(sb);
                sb_text(rs, 200, "{}");
                return 1;
            }
        sb_text(rs, 404, "{\"error\":\"no such job\"}");
        return 1;
    }
    if (!strcmp(p, "generate")) {
        json_object *b = json_tokener_parse(rq->body);
        generate(sb, b);
        json_object_put(b);
        sb_text(rs, 200, "{}");
        return 1;
    }
    if (!strcmp(p, "state")) {
        sb_json(rs, 200, json_object_get(sb->gh));
        return 1;
    }
    return 0;
}

void sb_greenhouse_init(sandbox *sb, json_object *fixture)
{
    json_object *gh;
    sb->gh = json_object_object_get_ex(fixture, "greenhouse", &gh)
                 ? json_tokener_parse(json_object_to_json_string(gh))
                 : json_object_new_object();
    char now[40];
    sb_now_iso(now, sizeof(now));
    json_object *jobs = arr(sb, "jobs");
    for (size_t i = 0; i < json_object_array_length(jobs); i++) {
        json_object *j = json_object_array_get_idx(jobs, i);
        if (!sget(j, "updated_at"))
            json_object_object_add(j, "updated_at", json_object_new_string(now));
        if (!sget(j, "created_at"))
            json_object_object_add(j, "created_at", json_object_new_string(now));
        /* Every job carries both booleans (GH3 §3 job object [AB][SV]). */
        json_object *v;
        if (!json_object_object_get_ex(j, "is_template", &v))
            json_object_object_add(j, "is_template", json_object_new_boolean(0));
        if (!json_object_object_get_ex(j, "confidential", &v))
            json_object_object_add(j, "confidential", json_object_new_boolean(0));
    }
    json_object_object_add(sb->gh, "tokens", json_object_new_object());
}

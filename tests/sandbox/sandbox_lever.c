/* Lever Data API v1, as documented in /work/shared/docs/ats-apis.md §2
 * (cited as LV §2) and the doc text copied into corbaltcode/lever-data-api-go
 * (cited as LDG: model/posting.go, opportunities.go), under /lever/v1:
 * Basic auth with the API key as user name; postings paged with limit
 * (<= 100) and the opaque `next` offset token ({data, hasNext, next}); an
 * offset token from an earlier sort is refused ("Invalid offset token");
 * postings in six states with distributionChannels and confidentiality
 * (LDG posting.go); lists hold non-confidential records unless asked for
 * confidentiality=all (LV §2, LDG ListOpportunitiesRequest); opportunities
 * created with perform_as, de-duplicated by email onto the existing contact,
 * the reply {data, deduped} (LDG createOpportunityResponseJSON); files
 * uploaded as multipart/form-data.  Per-endpoint denial for the API key
 * (Lever keys are granted endpoint by endpoint, hire.lever.co/developer
 * /support) is configured in the fixture: "denied": ["GET /opportunities",
 * "GET /opportunities/files", ...], "confidential_access": false.  The
 * 403 bodies are a GUESS (no source shows one). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sandbox.h"

#define sget sb_sget
#define iget sb_iget

static void lever_error(sb_response *rs, int status, const char *code, const char *msg)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "code", json_object_new_string(code));
    json_object_object_add(o, "message", json_object_new_string(msg));
    sb_json(rs, status, o);
}

static int authorised(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    if (rq->authorization && !strncasecmp(rq->authorization, "Basic ", 6)) {
        char *creds = sb_b64url_decode(rq->authorization + 6);
        char *colon = creds ? strchr(creds, ':') : NULL;
        if (colon) {
            *colon = '\0';
            json_object *keys = sb_arr(sb->lever, "api_keys");
            for (size_t i = 0; i < json_object_array_length(keys); i++)
                if (!strcmp(json_object_get_string(json_object_array_get_idx(keys, i)), creds)) {
                    free(creds);
                    return 1;
                }
        }
        free(creds);
    }
    lever_error(rs, 401, "UnauthorizedError", "Invalid API key");
    return 0;
}

/* A 403 for an endpoint the key was not granted ("METHOD /route"). */
static int denied(sandbox *sb, const char *route, sb_response *rs)
{
    json_object *d;
    if (!json_object_object_get_ex(sb->lever, "denied", &d))
        return 0;
    for (size_t i = 0; i < json_object_array_length(d); i++)
        if (!strcmp(json_object_get_string(json_object_array_get_idx(d, i)), route)) {
            lever_error(rs, 403, "ForbiddenError",
                        "This API key does not have access to this endpoint");
            return 1;
        }
    return 0;
}

/* confidentiality=all|confidential widens a list to confidential records
 * (LV §2).  A key without access to confidential data gets the
 * non-confidential ones only: GUESS (no source says whether Lever refuses
 * the parameter or leaves those records out; leaving out is the milder). */
static int wants_confidential(sandbox *sb, const sb_request *rq)
{
    char *c = sb_query(rq->query, "confidentiality");
    int want = c && (!strcmp(c, "all") || !strcmp(c, "confidential"));
    free(c);
    json_object *v;
    if (want && json_object_object_get_ex(sb->lever, "confidential_access", &v) &&
        !json_object_get_boolean(v))
        return 0;
    return want;
}

static int is_confidential(json_object *o)
{
    const char *c = sget(o, "confidentiality");
    return c && !strcmp(c, "confidential");
}

static int valid_user(sandbox *sb, const char *uid)
{
    json_object *users = sb_arr(sb->lever, "users");
    for (size_t i = 0; uid && i < json_object_array_length(users); i++)
        if (!strcmp(json_object_get_string(json_object_array_get_idx(users, i)), uid))
            return 1;
    return 0;
}

static int list_postings(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    char *limit_s = sb_query(rq->query, "limit"), *offset = sb_query(rq->query, "offset");
    long limit = limit_s ? sb_num(limit_s) : 100;
    long start = 0;
    free(limit_s);
    if (limit < 1 || limit > 100) {
        free(offset);
        lever_error(rs, 400, "BadRequestError", "limit must be between 1 and 100");
        return 1;
    }
    int conf = wants_confidential(sb, rq);
    if (offset) {
        /* Tokens carry the sort they were made for; a re-sort voids them. */
        char *dec = sb_b64url_decode(offset);
        long epoch = -1;
        if (!dec || sscanf(dec, "%ld:%ld", &epoch, &start) != 2 ||
            epoch != iget(sb->lever, "offset_epoch")) {
            free(dec);
            free(offset);
            lever_error(rs, 400, "BadRequestError", "Invalid offset token: Offset token is invalid for sort");
            return 1;
        }
        free(dec);
        free(offset);
    }
    json_object *all = sb_arr(sb->lever, "postings");
    /* The offset counts the postings this listing shows, so a token made
     * for one confidentiality is only meaningful for the same one. */
    json_object *postings = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(all); i++)
        if (conf || !is_confidential(json_object_array_get_idx(all, i)))
            json_object_array_add(postings, json_object_get(json_object_array_get_idx(all, i)));
    size_t n = json_object_array_length(postings);
    json_object *data = json_object_new_array();
    for (size_t i = (size_t)start; i < n && i < (size_t)(start + limit); i++)
        json_object_array_add(data, json_object_get(json_object_array_get_idx(postings, i)));
    json_object_put(postings);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "data", data);
    int more = (size_t)(start + limit) < n;
    json_object_object_add(o, "hasNext", json_object_new_boolean(more));
    if (more) {
        char tok[64];
        snprintf(tok, sizeof(tok), "%ld:%ld", iget(sb->lever, "offset_epoch"), start + limit);
        char *enc = sb_b64url_encode(tok);
        json_object_object_add(o, "next", json_object_new_string(enc));
        free(enc);
    }
    sb_json(rs, 200, o);
    return 1;
}

static int has_email(json_object *opp, const char *email)
{
    json_object *emails;
    if (!email || !json_object_object_get_ex(opp, "emails", &emails))
        return 0;
    for (size_t i = 0; i < json_object_array_length(emails); i++)
        if (!strcasecmp(json_object_get_string(json_object_array_get_idx(emails, i)), email))
            return 1;
    return 0;
}

static int on_posting(json_object *opp, const char *posting)
{
    json_object *apps;
    if (!posting)
        return 1;
    if (!json_object_object_get_ex(opp, "applications", &apps))
        return 0;
    for (size_t i = 0; i < json_object_array_length(apps); i++)
        if (sget(json_object_array_get_idx(apps, i), "posting") &&
            !strcmp(sget(json_object_array_get_idx(apps, i), "posting"), posting))
            return 1;
    return 0;
}

static json_object *find_opp(sandbox *sb, const char *id)
{
    json_object *opps = sb_arr(sb->lever, "opportunities");
    for (size_t i = 0; i < json_object_array_length(opps); i++)
        if (sget(json_object_array_get_idx(opps, i), "id") &&
            !strcmp(sget(json_object_array_get_idx(opps, i), "id"), id))
            return json_object_array_get_idx(opps, i);
    return NULL;
}

static json_object *find_posting(sandbox *sb, const char *id)
{
    json_object *ps = sb_arr(sb->lever, "postings");
    for (size_t i = 0; id && i < json_object_array_length(ps); i++)
        if (sget(json_object_array_get_idx(ps, i), "id") &&
            !strcmp(sget(json_object_array_get_idx(ps, i), "id"), id))
            return json_object_array_get_idx(ps, i);
    return NULL;
}

static int list_opportunities(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    int conf = wants_confidential(sb, rq);
    char *email = sb_query(rq->query, "email"), *posting = sb_query(rq->query, "posting_id");
    json_object *opps = sb_arr(sb->lever, "opportunities"), *data = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(opps); i++) {
        json_object *o = json_object_array_get_idx(opps, i);
        if ((!email || has_email(o, email)) && on_posting(o, posting) &&
            (conf || !is_confidential(o)))
            json_object_array_add(data, json_object_get(o));
    }
    free(email);
    free(posting);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "data", data);
    json_object_object_add(o, "hasNext", json_object_new_boolean(0));
    sb_json(rs, 200, o);
    return 1;
}

static int create_opportunity(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    char *perform_as = sb_query(rq->query, "perform_as");
    int ok_user = valid_user(sb, perform_as);
    free(perform_as);
    if (!ok_user) {
        lever_error(rs, 400, "BadRequestError", "perform_as must be a valid user id");
        return 1;
    }
    json_object *b = json_tokener_parse(rq->body);
    json_object *postings, *emails;
    if (!b || !json_object_is_type(b, json_type_object)) {
        json_object_put(b);
        lever_error(rs, 400, "BadRequestError", "Malformed JSON body");
        return 1;
    }
    const char *posting = json_object_object_get_ex(b, "postings", &postings) &&
                                  json_object_array_length(postings) == 1
                              ? json_object_get_string(json_object_array_get_idx(postings, 0)) : NULL;
    json_object *p = find_posting(sb, posting);
    if (!sget(b, "name") || !*sget(b, "name")) {
        lever_error(rs, 400, "BadRequestError", "name is required");
    } else if (!p) {
        lever_error(rs, 400, "BadRequestError", "postings must hold exactly one existing posting id");
    } else if (strcmp(sget(p, "state"), "published") && strcmp(sget(p, "state"), "internal")) {
        lever_error(rs, 400, "BadRequestError", "posting is not accepting candidates");
    } else {
        /* Email de-duplication: the new opportunity joins the existing
         * contact (whose data wins). */
        const char *first_email = json_object_object_get_ex(b, "emails", &emails) &&
                                          json_object_array_length(emails)
                                      ? json_object_get_string(json_object_array_get_idx(emails, 0)) : NULL;
        json_object *opps = sb_arr(sb->lever, "opportunities");
        const char *contact = NULL;
        for (size_t i = 0; first_email && i < json_object_array_length(opps); i++)
            if (has_email(json_object_array_get_idx(opps, i), first_email))
                contact = sget(json_object_array_get_idx(opps, i), "contact");
        char id[48], cid[48];
        snprintf(id, sizeof(id), "opp-%ld", sb_new_id(sb));
        if (contact)
            snprintf(cid, sizeof(cid), "%s", contact);
        else
            snprintf(cid, sizeof(cid), "contact-%ld", sb_new_id(sb));
        json_object *o = json_object_new_object();
        json_object_object_foreach(b, k, v) json_object_object_add(o, k, json_object_get(v));
        json_object_object_add(o, "id", json_object_new_string(id));
        json_object_object_add(o, "contact", json_object_new_string(cid));
        json_object *apps = json_object_new_array();
        json_object *app = json_object_new_object();
        json_object_object_add(app, "posting", json_object_new_string(posting));
        json_object_array_add(apps, app);
        json_object_object_add(o, "applications", apps);
        json_object_object_add(o, "createdAt", json_object_new_int64((int64_t)time(NULL) * 1000));
        /* An opportunity on a confidential posting is confidential (LDG
         * CreateOpportunity: a confidential opportunity needs a
         * confidential posting). */
        json_object_object_add(o, "confidentiality", json_object_new_string(
                                   is_confidential(p) ? "confidential" : "non-confidential"));
        json_object_array_add(opps, o);
        if (!contact) {
            json_object *c = json_object_new_object();
            json_object_object_add(c, "id", json_object_new_string(cid));
            json_object_object_add(c, "name", json_object_new_string(sget(b, "name")));
            sb_record(sb, "candidates", c);
            json_object_put(c);
        }
        sb_record(sb, "applications", o);
        /* {data: opportunity, deduped: bool}: deduped beside data (LDG
         * createOpportunityResponseJSON). */
        json_object *out = json_object_new_object();
        json_object_object_add(out, "data", json_object_get(o));
        json_object_object_add(out, "deduped", json_object_new_boolean(contact != NULL));
        sb_json(rs, 201, out);
    }
    json_object_put(b);
    return 1;
}

/* multipart/form-data: the part named "file", with its filename. */
static int multipart_file(const sb_request *rq, const char **data, size_t *len, char *fname,
                          size_t fsize)
{
    const char *ct = rq->content_type ? strstr(rq->content_type, "boundary=") : NULL;
    if (!ct)
        return -1;
    char delim[128];
    snprintf(delim, sizeof(delim), "--%s", ct + 9);
    const char *end = rq->body + rq->body_len;
    const char *p = memmem(rq->body, rq->body_len, delim, strlen(delim));
    while (p) {
        const char *hdr = p + strlen(delim);
        if (hdr + 2 <= end && !strncmp(hdr, "--", 2))
            return -1;
        const char *body = memmem(hdr, (size_t)(end - hdr), "\r\n\r\n", 4);
        if (!body)
            return -1;
        body += 4;
        char nd[140];
        snprintf(nd, sizeof(nd), "\r\n%s", delim);
        const char *next = memmem(body, (size_t)(end - body), nd, strlen(nd));
        if (!next)
            return -1;
        const char *name = memmem(hdr, (size_t)(body - hdr), "name=\"file\"", 11);
        const char *fn = memmem(hdr, (size_t)(body - hdr), "filename=\"", 10);
        if (name && fn) {
            fn += 10;
            size_t n = strcspn(fn, "\"");
            snprintf(fname, fsize, "%.*s", (int)n, fn);
            *data = body;
            *len = (size_t)(next - body);
            return 0;
        }
        p = next + 2;
    }
    return -1;
}

static int files(sandbox *sb, const sb_request *rq, sb_response *rs, const char *opp_id)
{
    json_object *opp = find_opp(sb, opp_id);
    if (!opp) {
        lever_error(rs, 404, "ResourceNotFoundError", "Opportunity not found");
        return 1;
    }
    json_object *all = sb_arr(sb->lever, "files");
    if (!strcmp(rq->method, "GET")) {
        json_object *data = json_object_new_array();
        for (size_t i = 0; i < json_object_array_length(all); i++)
            if (!strcmp(sget(json_object_array_get_idx(all, i), "opportunity"), opp_id))
                json_object_array_add(data, json_object_get(json_object_array_get_idx(all, i)));
        json_object *o = json_object_new_object();
        json_object_object_add(o, "data", data);
        sb_json(rs, 200, o);
        return 1;
    }
    char *perform_as = sb_query(rq->query, "perform_as");
    int ok_user = valid_user(sb, perform_as);
    free(perform_as);
    const char *data;
    size_t len;
    char fname[256];
    if (!ok_user) {
        lever_error(rs, 400, "BadRequestError", "perform_as must be a valid user id");
    } else if (!rq->content_type || strncmp(rq->content_type, "multipart/form-data", 19)) {
        lever_error(rs, 415, "UnsupportedMediaTypeError", "files must be sent as multipart/form-data");
    } else if (multipart_file(rq, &data, &len, fname, sizeof(fname)) < 0) {
        lever_error(rs, 400, "BadRequestError", "no file part named \"file\"");
    } else if (len > 30u * 1024 * 1024) {
        lever_error(rs, 413, "RequestEntityTooLarge", "files are limited to 30 MB");
    } else {
        long id = sb_new_id(sb);
        json_object *f = json_object_new_object();
        char sid[48];
        snprintf(sid, sizeof(sid), "file-%ld", id);
        json_object_object_add(f, "id", json_object_new_string(sid));
        json_object_object_add(f, "opportunity", json_object_new_string(opp_id));
        json_object_object_add(f, "name", json_object_new_string(fname));
        json_object_object_add(f, "size", json_object_new_int64((int64_t)len));
        char *path = sb_save_file(sb, id, fname, data, len);
        if (path)
            json_object_object_add(f, "saved_path", json_object_new_string(path));
        free(path);
        json_object_array_add(all, f);
        sb_record(sb, "attachments", f);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "data", json_object_get(f));
        sb_json(rs, 201, o);
    }
    return 1;
}

int sb_lever(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    if (strncmp(rq->path, "/lever/v1/", 10) != 0)
        return 0;
    if (!authorised(sb, rq, rs))
        return 1;
    const char *r = rq->path + 10;
    int get = !strcmp(rq->method, "GET"), post = !strcmp(rq->method, "POST");
    char route[64];
    snprintf(route, sizeof(route), "%s /%s", rq->method,
             !strncmp(r, "opportunities/", 14) && strstr(r + 14, "/files") ? "opportunities/files" : r);
    if (denied(sb, route, rs))
        return 1;
    if (get && !strcmp(r, "postings"))
        return list_postings(sb, rq, rs);
    if (get && !strcmp(r, "opportunities"))
        return list_opportunities(sb, rq, rs);
    if (post && !strcmp(r, "opportunities"))
        return create_opportunity(sb, rq, rs);
    if (!strncmp(r, "opportunities/", 14)) {
        char id[64];
        snprintf(id, sizeof(id), "%.*s", (int)strcspn(r + 14, "/"), r + 14);
        if (!strcmp(r + 14 + strlen(id), "/files") && (get || post))
            return files(sb, rq, rs, id);
    }
    lever_error(rs, 404, "ResourceNotFoundError", "Not found");
    return 1;
}

static void upsert_posting(sandbox *sb, json_object *src)
{
    json_object *p = find_posting(sb, sget(src, "id"));
    if (!p) {
        p = json_object_new_object();
        json_object_array_add(sb_arr(sb->lever, "postings"), p);
    }
    json_object_object_foreach(src, k, v) json_object_object_add(p, k, json_object_get(v));
    json_object_object_add(p, "updatedAt", json_object_new_int64((int64_t)time(NULL) * 1000));
}

int sb_lever_control(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    const char *p = rq->path + strlen("/_control/");
    if (strncmp(p, "lever/", 6) != 0)
        return 0;
    p += 6;
    if (!strcmp(p, "postings") && !strcmp(rq->method, "POST")) {
        json_object *b = json_tokener_parse(rq->body);
        if (b && json_object_is_type(b, json_type_array))
            for (size_t i = 0; i < json_object_array_length(b); i++)
                upsert_posting(sb, json_object_array_get_idx(b, i));
        else if (b)
            upsert_posting(sb, b);
        json_object_put(b);
        sb_text(rs, b ? 200 : 400, b ? "{}" : "{\"error\":\"bad json\"}");
        return 1;
    }
    if (!strncmp(p, "postings/", 9) && !strcmp(rq->method, "DELETE")) {
        json_object *ps = sb_arr(sb->lever, "postings");
        for (size_t i = 0; i < json_object_array_length(ps); i++)
            if (!strcmp(sget(json_object_array_get_idx(ps, i), "id"), p + 9)) {
                json_object_array_del_idx(ps, i, 1);
                sb_text(rs, 200, "{}");
                return 1;
            }
        sb_text(rs, 404, "{\"error\":\"no such posting\"}");
        return 1;
    }
    if (!strcmp(p, "invalidate-offsets")) {
        json_object_object_add(sb->lever, "offset_epoch",
                               json_object_new_int64(iget(sb->lever, "offset_epoch") + 1));
        sb_text(rs, 200, "{}");
        return 1;
    }
    return 0;
}

void sb_lever_init(sandbox *sb, json_object *fixture)
{
    json_object *lv;
    sb->lever = json_object_object_get_ex(fixture, "lever", &lv)
                    ? json_tokener_parse(json_object_to_json_string(lv))
                    : json_object_new_object();
    json_object_object_add(sb->lever, "offset_epoch", json_object_new_int64(1));
    json_object *ps = sb_arr(sb->lever, "postings");
    for (size_t i = 0; i < json_object_array_length(ps); i++) {
        json_object *p = json_object_array_get_idx(ps, i);
        if (!iget(p, "updatedAt"))
            json_object_object_add(p, "updatedAt", json_object_new_int64((int64_t)time(NULL) * 1000));
        /* Every posting has a confidentiality and, when published, the job
         * sites it is on (LDG posting.go); fixtures may say otherwise. */
        json_object *v;
        if (!json_object_object_get_ex(p, "confidentiality", &v))
            json_object_object_add(p, "confidentiality", json_object_new_string("non-confidential"));
        if (!json_object_object_get_ex(p, "distributionChannels", &v)) {
            json_object *ch = json_object_new_array();
            if (sget(p, "state") && !strcmp(sget(p, "state"), "published")) {
                json_object_array_add(ch, json_object_new_string("public"));
                json_object_array_add(ch, json_object_new_string("internal"));
            }
            json_object_object_add(p, "distributionChannels", ch);
        }
    }
}

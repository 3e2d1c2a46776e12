/* Postings: GET /postings pages with limit (<= 100) and the opaque `next`
 * offset token, with confidentiality=all when confidential postings are
 * imported (Lever lists non-confidential records only by default).  Lever has no documented updated-since filter on postings,
 * so every run is a full pass.  A voided offset token ("Invalid offset
 * token") restarts the listing from the first page; pages already handed
 * to the host are simply seen again. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lever.h"

#define MAX_PAGE 100
#define MAX_RESTARTS 3

/* FNV-1a of an offset token: a listing remembers the tokens it used, so a
 * `next` that repeats one (paging in a circle) is caught at once; a listing
 * whose tokens never repeat is stopped by the host (sync.max_pages). */
static uint64_t token_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Non-zero when `channel` is in the posting's distributionChannels. */
static int on_channel(json_object *p, const char *channel)
{
    json_object *ch;
    if (!json_object_object_get_ex(p, "distributionChannels", &ch) ||
        !json_object_is_type(ch, json_type_array))
        return 0;
    for (size_t i = 0; i < json_object_array_length(ch); i++)
        if (!strcmp(json_object_get_string(json_object_array_get_idx(ch, i)), channel))
            return 1;
    return 0;
}

/* Whether a posting is open for sourcing.  Lever: published postings are
 * on the public and/or internal job site (distributionChannels); internal
 * ("unlisted") ones are on neither but take candidates the team adds;
 * closed, draft, pending and rejected take none.  A posting we do not
 * import goes to the host as not open: counted as closed-skipped, and
 * archived if it was imported before (a setting changed). */
static int posting_open(const lever *l, json_object *p, const char *state)
{
    const char *conf = lv_str(p, "confidentiality");
    if (!l->import_confidential && conf && !strcmp(conf, "confidential"))
        return 0; /* listed anyway (a Lever that ignores the default filter) */
    if (!strcmp(state, "internal"))
        return l->import_unlisted;
    if (strcmp(state, "published") != 0)
        return 0;
    return !l->require_public_channel || on_channel(p, "public");
}

static int map_page(lever *l, json_object *data, const atsb_job_sink *sink, atsb_error *err)
{
    size_t n = json_object_array_length(data), count = 0;
    atsb_job *jobs = calloc(n + 1, sizeof(*jobs));
    const atsb_job **ptrs = calloc(n + 1, sizeof(*ptrs));
    char **owned = calloc(n + 1, sizeof(char *));
    if (!jobs || !ptrs || !owned) {
        free(jobs);
        free(ptrs);
        free(owned);
        return l->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        json_object *p = json_object_array_get_idx(data, i), *cat = NULL, *content = NULL,
                    *urls = NULL, *v;
        const char *id = lv_str(p, "id"), *state = lv_str(p, "state");
        if (!id || !lv_str(p, "text") || !state) {
            sink->malformed(sink->payload, id, "posting without id, text or state");
            continue;
        }
        json_object_object_get_ex(p, "categories", &cat);
        json_object_object_get_ex(p, "content", &content);
        json_object_object_get_ex(p, "urls", &urls);
        atsb_job *j = &jobs[count];
        j->struct_size = sizeof(*j);
        j->remote_id = id;
        j->title = lv_str(p, "text");
        j->status = posting_open(l, p, state) ? ATSB_JOB_OPEN : ATSB_JOB_CLOSED;
        j->country_code = lv_str(p, "country");
        j->location_text = lv_str(cat, "location");
        json_object *all;
        if (!j->location_text && cat && json_object_object_get_ex(cat, "allLocations", &all) &&
            json_object_is_type(all, json_type_array) && json_object_array_length(all)) {
            size_t need = 1;
            for (size_t k = 0; k < json_object_array_length(all); k++)
                need += strlen(json_object_get_string(json_object_array_get_idx(all, k))) + 2;
            char *text = calloc(1, need);
            for (size_t k = 0; text && k < json_object_array_length(all); k++) {
                size_t len = strlen(text);
                snprintf(text + len, need - len, "%s%s", len ? "; " : "",
                         json_object_get_string(json_object_array_get_idx(all, k)));
            }
            owned[count] = text;
            j->location_text = text;
        }
        const char *wp = lv_str(p, "workplaceType");
        j->remote = wp && !strcmp(wp, "remote");
        j->department = lv_str(cat, "department") ? lv_str(cat, "department") : lv_str(cat, "team");
        j->description = lv_str(content, "description");
        j->url = lv_str(urls, "show");
        j->updated_at = json_object_object_get_ex(p, "updatedAt", &v)
                            ? json_object_get_int64(v) / 1000 : 0;
        ptrs[count] = j;
        count++;
    }
    int rc = sink->page(sink->payload, ptrs, count);
    for (size_t i = 0; i < n; i++)
        free(owned[i]);
    free(owned);
    free(jobs);
    free(ptrs);
    return rc;
}

int lv_list_jobs(void *inst, const atsb_list_request *req, const atsb_job_sink *sink,
                 atsb_error *err)
{
    lever *l = inst;
    int limit = req->page_size > 0 && req->page_size <= MAX_PAGE ? req->page_size : MAX_PAGE;
    char *offset = NULL;
    int restarts = 0, rc = ATSB_OK;
    uint64_t *seen = NULL;
    size_t n_seen = 0, cap_seen = 0;
    /* Resuming (ABI 1.2): the cursor is the offset token of the page to
     * read next, as reported below.  One Lever voided is handled as any
     * other: the listing starts over. */
    if (ATSB_HAS_FIELD(atsb_list_request, req, resume_at) && req->resume_at)
        offset = strdup(req->resume_at);
    int report = ATSB_HAS_FIELD(atsb_job_sink, sink, cursor) && sink->cursor;
    for (;;) {
        if (l->api->cancelled(l->host)) {
            rc = l->api->set_error(err, ATSB_ERR_CANCELLED, "cancelled");
            break;
        }
        /* The offset token is percent-encoded into a query value under
         * base_url, so whatever a reply puts in `next` cannot move the
         * listing (and our API key) to another origin. */
        char *enc = offset ? atsb_util_url_encode(l->api, offset) : NULL;
        const char *conf = l->import_confidential ? "&confidentiality=all" : "";
        char *path = enc ? atsb_util_printf("/postings?limit=%d%s&offset=%s", limit, conf, enc)
                         : atsb_util_printf("/postings?limit=%d%s", limit, conf);
        free(enc);
        lv_reply r;
        rc = path ? lv_call(l, "GET", path, NULL, NULL, 0, 1, &r, err)
                  : l->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
        free(path);
        if (rc == LV_OFFSET_INVALID) {
            if (++restarts > MAX_RESTARTS) {
                rc = l->api->set_error(err, ATSB_ERR_TRANSIENT,
                                       "Lever kept voiding the offset token; giving up after %d restarts",
                                       MAX_RESTARTS);
                break;
            }
            l->api->log(l->host, ATSB_LOG_WARN, "Lever voided the offset token; listing again from the start");
            free(offset);
            offset = NULL;
            n_seen = 0; /* a new listing */
            continue;
        }
        if (rc)
            break;
        json_object *data, *more;
        if (!json_object_object_get_ex(r.json, "data", &data) ||
            !json_object_is_type(data, json_type_array)) {
            lv_reply_free(&r);
            rc = l->api->set_error(err, ATSB_ERR_TRANSIENT, "GET /postings: reply without a data list");
            break;
        }
        int has_next = json_object_object_get_ex(r.json, "hasNext", &more) &&
                       json_object_get_boolean(more) && lv_str(r.json, "next");
        if (report)
            sink->cursor(sink->payload, has_next ? lv_str(r.json, "next") : NULL);
        rc = map_page(l, data, sink, err);
        free(offset);
        offset = has_next ? strdup(lv_str(r.json, "next")) : NULL;
        lv_reply_free(&r);
        if (rc || !offset)
            break;
        uint64_t h = token_hash(offset);
        for (size_t i = 0; i < n_seen && !rc; i++)
            if (seen[i] == h)
                rc = l->api->set_error(err, ATSB_ERR_PERMANENT,
                                       "GET /postings: Lever's next offset token repeats one already "
                                       "used in this listing (after %zu pages); its paging would "
                                       "never end", n_seen + 1);
        if (rc)
            break;
        if (n_seen == cap_seen) {
            size_t cap = cap_seen ? cap_seen * 2 : 16;
            uint64_t *grown = realloc(seen, cap * sizeof(*grown));
            if (!grown) {
                rc = l->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
                break;
            }
            seen = grown;
            cap_seen = cap;
        }
        seen[n_seen++] = h;
    }
    free(offset);
    free(seen);
    return rc;
}

/* Harvest calls and error classification. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gh.h"

void gh_reply_free(gh_reply *r)
{
    if (!r)
        return;
    json_object_put(r->json);
    free(r->next);
    memset(r, 0, sizeof(*r));
}

/* Link: <https://...?cursor=abc>; rel="next"[, <...>; rel="..."] */
static char *next_link(const char *link)
{
    const char *p = link;
    while (p && *p) {
        const char *lt = strchr(p, '<');
        const char *gt = lt ? strchr(lt, '>') : NULL;
        if (!gt)
            return NULL;
        const char *end = strchr(gt, ',');
        size_t seg = end ? (size_t)(end - gt) : strlen(gt);
        char params[256];
        snprintf(params, sizeof(params), "%.*s", (int)(seg < 255 ? seg : 255), gt);
        if (strstr(params, "rel=\"next\"") || strstr(params, "rel=next"))
            return strndup(lt + 1, (size_t)(gt - lt - 1));
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

/* Harvest error bodies: {"message": "...", "errors": ["..." | {"field": "msg"}]}. */
static void describe(json_object *body, char *out, size_t size)
{
    out[0] = '\0';
    if (!body || !json_object_is_type(body, json_type_object))
        return;
    size_t o = 0;
    const char *msg = gh_str(body, "message");
    if (!msg)
        msg = gh_str(body, "error");
    if (msg)
        o += (size_t)snprintf(out + o, size - o, "%s", msg);
    json_object *errs;
    if (json_object_object_get_ex(body, "errors", &errs) &&
        json_object_is_type(errs, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(errs) && o < size; i++) {
            json_object *e = json_object_array_get_idx(errs, i);
            if (json_object_is_type(e, json_type_object)) {
                json_object_object_foreach(e, k, v) {
                    if (o < size)
                        o += (size_t)snprintf(out + o, size - o, "%s%s %s", o ? "; " : "", k,
                                              json_object_get_string(v));
                }
            } else if (o < size) {
                o += (size_t)snprintf(out + o, size - o, "%s%s", o ? "; " : "",
                                      json_object_get_string(e));
            }
        }
    }
}

int gh_seen_add(gh *g, gh_seen *s, const char *what, const char *url, atsb_error *err)
{
    /* FNV-1a over the absolute URL: a relative first page and its absolute
     * echo in a Link header hash alike. */
    uint64_t h = 0xcbf29ce484222325ull;
    int absolute = strncmp(url, "http", 4) == 0;
    for (int part = absolute ? 1 : 0; part < 2; part++)
        for (const unsigned char *p = (const unsigned char *)(part ? url : g->base); *p; p++) {
            h ^= *p;
            h *= 0x100000001b3ull;
        }
    for (size_t i = 0; i < s->n; i++)
        if (s->h[i] == h)
            return g->api->set_error(err, ATSB_ERR_PERMANENT,
                                     "%s: Greenhouse's next-page link repeats a page already read "
                                     "in this listing (after %zu pages); its paging would never end",
                                     what, s->n);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        uint64_t *grown = realloc(s->h, cap * sizeof(*grown));
        if (!grown)
            return g->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
        s->h = grown;
        s->cap = cap;
    }
    s->h[s->n++] = h;
    return ATSB_OK;
}

void gh_seen_free(gh_seen *s)
{
    free(s->h);
    memset(s, 0, sizeof(*s));
}

/* Length of "scheme://authority" at the start of url (0 if it has none). */
static size_t origin_len(const char *url)
{
    const char *sep = strstr(url, "://");
    if (!sep)
        return 0;
    return (size_t)(sep + 3 - url) + strcspn(sep + 3, "/?#");
}

int gh_same_origin(const char *base, const char *url)
{
    size_t n = origin_len(base);
    /* Byte-exact apart from case: "https://h" and "https://h:443" differ,
     * which only refuses a link Greenhouse would not send. */
    return n && origin_len(url) == n && strncasecmp(base, url, n) == 0;
}

int gh_call(gh *g, const char *method, const char *url, const char *json_body,
            int idempotent, gh_reply *r, atsb_error *err)
{
    memset(r, 0, sizeof(*r));
    int absolute = strncmp(url, "http", 4) == 0;
    if (absolute && !gh_same_origin(g->base, url)) {
        /* Absolute URLs come from Link headers: following one elsewhere
         * would hand our bearer token to whoever the reply names.  Name
         * only the foreign host (after any userinfo), never the query. */
        size_t n = origin_len(url);
        const char *sep = strstr(url, "://");
        const char *at = memchr(url, '@', n);
        const char *host = at ? at + 1 : sep ? sep + 3 : url;
        return g->api->set_error(err, ATSB_ERR_PERMANENT,
                                 "Greenhouse's next-page link points to %.*s%s%.*s, not to "
                                 "base_url's origin %.*s; refusing to follow it",
                                 sep ? (int)(sep - url) : 0, url, sep ? "://" : "",
                                 (int)(n - (size_t)(host - url)), host, (int)origin_len(g->base),
                                 g->base);
    }
    char *full = absolute ? strdup(url) : atsb_util_printf("%s%s", g->base, url);
    if (!full)
        return g->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    atsb_http_auth auth = { .struct_size = sizeof(auth), .kind = ATSB_AUTH_OAUTH2,
                            .user = g->client_id, .password = g->client_secret,
                            .token_url = g->token_url, .token_form = g->token_form };
    atsb_http_header hdrs[] = { { "Accept", "application/json" },
                                { "Content-Type", "application/json" } };
    atsb_http_request req = { .struct_size = sizeof(req), .method = method, .url = full,
                              .headers = hdrs, .header_count = json_body ? 2 : 1,
                              .body = json_body, .body_len = json_body ? strlen(json_body) : 0,
                              .auth = &auth, .idempotent = idempotent };
    atsb_http_response *resp = NULL;
    /* The path for messages: never the host's query values. */
    const char *path = strstr(full, "/v3/");
    char where[160];
    snprintf(where, sizeof(where), "%s %.*s", method,
             (int)(path ? strcspn(path, "?") : strcspn(full, "?")), path ? path : full);
    int rc = g->api->http(g->host, &req, &resp, err);
    free(full);
    if (rc != ATSB_OK)
        return rc;
    r->status = resp->status;
    json_object *body = resp->body_len ? json_tokener_parse(resp->body) : NULL;
    char detail[400];
    describe(body, detail, sizeof(detail));
    if (resp->status >= 200 && resp->status < 300) {
        if (!body && resp->status != 204) {
            rc = g->api->set_error(err, ATSB_ERR_TRANSIENT,
                                   "%s: Greenhouse returned malformed JSON (%zu bytes)", where,
                                   resp->body_len);
        } else {
            r->json = body;
            body = NULL;
            const char *link = g->api->http_header(resp, "Link");
            r->next = link ? next_link(link) : NULL;
        }
    } else if (resp->status == 401 || resp->status == 403) {
        rc = g->api->set_error(err, ATSB_ERR_AUTH,
                               "%s: Greenhouse refused access (HTTP %d%s%s); check the client "
                               "credentials, their Harvest v3 scopes, and that user_id is a Site Admin",
                               where, resp->status, detail[0] ? ": " : "", detail);
    } else if (resp->status == 404) {
        rc = g->api->set_error(err, idempotent ? ATSB_ERR_CONFIG : ATSB_ERR_PERMANENT,
                               "%s: not found (HTTP 404%s%s)", where, detail[0] ? ": " : "", detail);
    } else {
        rc = g->api->set_error(err, ATSB_ERR_PERMANENT, "%s: HTTP %d%s%s", where, resp->status,
                               detail[0] ? ": " : "", detail);
    }
    if (rc != ATSB_OK)
        err->http_status = resp->status;
    json_object_put(body);
    g->api->http_free(g->host, resp);
    return rc;
}

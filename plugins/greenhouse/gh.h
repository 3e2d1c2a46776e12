/* Greenhouse Harvest v3 connector: private declarations. */
#ifndef ATSB_GH_H
#define ATSB_GH_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "atsbridge/connector.h"
#include "atsbridge/connector_util.h"

typedef struct gh {
    const atsb_host_api *api;
    atsb_host *host;
    char *base;               /* https://harvest.greenhouse.io (no trailing slash) */
    char *token_url;
    char *client_id;
    char *client_secret;
    char *token_form;         /* "sub=<user_id>" */
    long source_id;           /* setting, or found by name (cached) */
    char *source_name_cached; /* the name source_id was looked up for */
} gh;

/* A parsed JSON reply and the next-page URL from its Link header. */
typedef struct gh_reply {
    json_object *json;
    char *next;               /* malloc'd, or NULL on the last page */
    int status;
} gh_reply;

void gh_reply_free(gh_reply *r);

/* The pages one listing has read, as 64-bit hashes of their URLs, so a
 * next-page link that repeats one (an ATS paging in a circle) is caught. */
typedef struct gh_seen {
    uint64_t *h;
    size_t n, cap;
} gh_seen;

/* Most pages a lookup listing (offices, departments, sources) may take;
 * jobs are capped by the host (sync.max_pages). */
#define GH_MAX_LOOKUP_PAGES 1000

/* ATSB_OK and remember url (relative to base or absolute) when this listing
 * has not read it yet; ATSB_ERR_PERMANENT naming `what` when it has. */
int gh_seen_add(gh *g, gh_seen *s, const char *what, const char *url, atsb_error *err);
void gh_seen_free(gh_seen *s);
/* GET/POST a Harvest URL (absolute, or a path under base).  2xx -> ATSB_OK
 * with r->json; other statuses become classified errors naming the call. */
int gh_call(gh *g, const char *method, const char *url, const char *json_body,
            int idempotent, gh_reply *r, atsb_error *err);
/* Non-zero when url has the scheme, host and port of base.  Every
 * absolute URL gh_call is given (next-page links) must. */
int gh_same_origin(const char *base, const char *url);
const char *gh_str(json_object *o, const char *key);
long gh_long(json_object *o, const char *key);
int gh_parse_time(const char *s, int64_t *out);

int gh_list_jobs(void *inst, const atsb_list_request *req, const atsb_job_sink *sink,
                 atsb_error *err);
int gh_push_candidate(void *inst, const atsb_candidate *c, atsb_push_result *out,
                      atsb_error *err);
int gh_find_candidate(void *inst, const atsb_candidate *c, atsb_push_result *out,
                      atsb_error *err);

#endif

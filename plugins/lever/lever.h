/* Lever connector: private declarations. */
#ifndef ATSB_LEVER_H
#define ATSB_LEVER_H

#include <json-c/json.h>

#include "atsbridge/connector.h"
#include "atsbridge/connector_util.h"

/* Connector-internal code (never returned to the host): Lever voided the
 * offset token, the listing must restart. */
#define LV_OFFSET_INVALID (-1000)

typedef struct lever {
    const atsb_host_api *api;
    atsb_host *host;
    char *base;
    char *api_key;
    char *perform_as;
    int import_unlisted;        /* state "internal" (Lever's "unlisted") counts as open */
    int require_public_channel; /* a published posting is open only on the public site */
    int import_confidential;    /* list postings with confidentiality=all */
} lever;

typedef struct lv_reply {
    json_object *json;
    int status;
} lv_reply;

const char *lv_str(json_object *o, const char *key);
void lv_reply_free(lv_reply *r);
int lv_call(lever *l, const char *method, const char *path, const char *content_type,
            const void *body, size_t body_len, int idempotent, lv_reply *r, atsb_error *err);

int lv_list_jobs(void *inst, const atsb_list_request *req, const atsb_job_sink *sink,
                 atsb_error *err);
int lv_push_candidate(void *inst, const atsb_candidate *c, atsb_push_result *out,
                      atsb_error *err);
int lv_find_candidate(void *inst, const atsb_candidate *c, atsb_push_result *out,
                      atsb_error *err);

#endif

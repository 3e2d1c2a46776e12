/* The sandbox ATS: a real HTTP server on loopback that speaks the documented
 * ATS APIs (Greenhouse Harvest v3 first), seeded from a JSON fixture, with
 * control endpoints for tests (change jobs, inject faults, read back what
 * was pushed).  Test infrastructure: never linked into atsbridge. */
#ifndef ATSB_SANDBOX_H
#define ATSB_SANDBOX_H

#include <json-c/json.h>
#include <pthread.h>
#include <stddef.h>

typedef struct sb_request {
    const char *method;
    const char *path;          /* without query */
    const char *query;         /* raw query string, "" when none */
    const char *body;
    size_t body_len;
    const char *authorization; /* header or NULL */
    const char *content_type;
} sb_request;

typedef struct sb_response {
    int status;                /* 0: drop the connection without answering */
    char *body;                /* malloc'd */
    char *content_type;        /* static or NULL (application/json) */
    char *headers[8];          /* malloc'd "Name: value" */
    int n_headers;
} sb_response;

typedef struct sb_fault {
    char path_prefix[128];
    char method[8];           /* "" = any method */
    char contains[64];        /* "" = any body; else the body must contain it */
    char kind[24];            /* 429 500 503 slow malformed drop expire_token 422 */
    int remaining;
    int after;                /* let this many matching requests through first */
    int retry_after;
    int delay_ms;
    char value[256];          /* kind-specific: link_host's origin, body_file's path ... */
    int status;               /* body_file: the HTTP status to answer with (default 200) */
} sb_fault;

typedef struct sandbox {
    pthread_mutex_t lock;
    char base_url[128];       /* http://127.0.0.1:PORT */
    json_object *gh;          /* greenhouse state: clients, offices, departments, jobs, sources,
                                 candidates, applications, attachments, tokens */
    json_object *lever;       /* lever state: api_keys, users, postings, opportunities, files */
    json_object *wd;          /* workday state: users, clients, locations, requisitions, ... */
    json_object *skel;        /* the SDK example's API: api_keys, jobs, candidates */
    json_object *log;         /* request log: [{method, path, query}] */
    json_object *recorded;    /* {candidates:[], applications:[], attachments:[]} */
    sb_fault faults[32];
    int n_faults;
    char *record_dir;         /* attachments are written here when set */
    long next_id;
} sandbox;

/* Helpers shared by the API emulations. */
void sb_json(sb_response *r, int status, json_object *obj);   /* takes obj */
void sb_text(sb_response *r, int status, const char *text);
void sb_header(sb_response *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Value of a query parameter (URL-decoded, malloc'd) or NULL. */
char *sb_query(const char *query, const char *name);
/* Number of distinct parameters in a query string. */
int sb_query_count(const char *query);
char *sb_b64url_encode(const char *s);
char *sb_b64url_decode(const char *s);
unsigned char *sb_b64_decode(const char *s, size_t *out_len);
void sb_now_iso(char *buf, size_t n);
long sb_new_id(sandbox *sb);

/* Greenhouse Harvest v3 (+ its token endpoint).  Returns 1 when handled. */
int sb_greenhouse(sandbox *sb, const sb_request *rq, sb_response *rs);
/* Control endpoints specific to Greenhouse data (/_control/greenhouse/...). */
int sb_greenhouse_control(sandbox *sb, const sb_request *rq, sb_response *rs);
void sb_greenhouse_init(sandbox *sb, json_object *fixture);

/* Lever Data API v1 under /lever/v1.  Returns 1 when handled. */
int sb_lever(sandbox *sb, const sb_request *rq, sb_response *rs);
int sb_lever_control(sandbox *sb, const sb_request *rq, sb_response *rs);
void sb_lever_init(sandbox *sb, json_object *fixture);

/* Workday Recruiting SOAP under /ccx/.  Returns 1 when handled. */
int sb_workday(sandbox *sb, const sb_request *rq, sb_response *rs);
int sb_workday_control(sandbox *sb, const sb_request *rq, sb_response *rs);
void sb_workday_init(sandbox *sb, json_object *fixture);

/* The SDK skeleton's simple JSON API under /skeleton. */
int sb_skeleton(sandbox *sb, const sb_request *rq, sb_response *rs);
void sb_skeleton_init(sandbox *sb, json_object *fixture);

/* Shared: append to recorded.<kind>; write bytes under record_dir. */
void sb_record(sandbox *sb, const char *kind, json_object *o);
char *sb_save_file(sandbox *sb, long id, const char *name, const void *data, size_t len);
json_object *sb_arr(json_object *state, const char *name);
const char *sb_sget(json_object *o, const char *k);
long sb_iget(json_object *o, const char *k);
/* Decimal number at s (strtol); 0 when s holds none. */
long sb_num(const char *s);

#endif

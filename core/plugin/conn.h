/* A live connector instance for one connection: validated settings, the
 * host function table, and thin wrappers that make every connector call
 * return a well-formed, classified error. */
#ifndef ATSB_CORE_CONN_H
#define ATSB_CORE_CONN_H

#include "atsbridge/connector.h"
#include "base/config.h"
#include "plugin/plugin.h"
#include "store/store.h"

typedef struct conn conn;

/* Check key=value settings against the connector's schema: unknown names,
 * missing required ones, type errors.  The error names the setting and never
 * quotes a secret's value. */
int conn_validate_settings(const plugin *p, const store_setting *s, size_t n,
                           atsb_error *err);

/* Resolve secrets, apply defaults, create the connector instance.  label
 * tags log lines (the org slug). */
int conn_open(conn **out, const plugin *p, const store_setting *s, size_t n,
              const config *cfg, const char *label, atsb_error *err);
void conn_close(conn *c);

const plugin *conn_plugin(const conn *c);
int conn_check(conn *c, atsb_error *err);
/* The warnings the connector logged during the last conn_check (e.g. an
 * optional permission it lacks), "; "-joined; NULL when none. */
const char *conn_check_warnings(const conn *c);
int conn_list_jobs(conn *c, const atsb_list_request *req, const atsb_job_sink *sink,
                   atsb_error *err);
/* A fresh push when resume is NULL or complete; otherwise resume mode: the
 * connector starts from what find_candidate reported in resume (ids and
 * missing parts).  ATSB_OK means the push is complete. */
int conn_push_candidate(conn *c, const atsb_candidate *cand, const atsb_push_result *resume,
                        atsb_push_result *out, atsb_error *err);
/* "the attachment", "the application and the attachment"... for messages. */
const char *conn_missing_name(uint32_t missing);
int conn_find_candidate(conn *c, const atsb_candidate *cand, atsb_push_result *out,
                        atsb_error *err);

/* Replace the host's HTTP service for every instance of this process (the
 * conformance kit injects faults this way, in its child processes); NULL
 * restores the real one.  The override may pass a request on to
 * conn_http_real (the instance's own client, with all its rules). */
typedef int (*conn_http_fn)(atsb_host *h, const atsb_http_request *req,
                            atsb_http_response **out, atsb_error *err);
void conn_set_http_override(conn_http_fn fn);
int conn_http_real(atsb_host *h, const atsb_http_request *req, atsb_http_response **out,
                   atsb_error *err);

/* The table handed to connectors (exposed for tests). */
const atsb_host_api *conn_host_api(void);

#endif

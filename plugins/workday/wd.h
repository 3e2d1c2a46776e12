/* Workday connector: private declarations.  SOAP over the Recruiting web
 * service; every XML document is built and read with libxml2, never pasted
 * together as text. */
#ifndef ATSB_WD_H
#define ATSB_WD_H

#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "atsbridge/connector.h"

#define WD_NS "urn:com.workday/bsvc"
#define SOAP_NS "http://schemas.xmlsoap.org/soap/envelope/"

typedef struct wd {
    const atsb_host_api *api;
    atsb_host *host;
    char *endpoint;          /* .../ccx/service/TENANT/Recruiting/vNN.N */
    char *hr_endpoint;       /* Human_Resources service, for Get_Locations */
    char *version;           /* "v42.0", from the endpoint */
    char *username, *password;                    /* WS-Security */
    char *token_url, *client_id, *client_secret, *token_form; /* OAuth refresh */
    char *stage_id, *source_id;
    char *open_statuses;     /* comma list, default "Open" */
    int legal_name;          /* candidate names as Name_Data/Legal_Name/Name_Detail_Data
                                (v34.0 and later) instead of flat in Name_Data (v31.2) */
    int require_posting;     /* an open requisition counts as open only with an active
                                job posting (Get_Job_Postings) */
} wd;

/* A request under construction: envelope + the operation element. */
typedef struct wd_req {
    xmlDocPtr doc;
    xmlNodePtr op;
    xmlNsPtr ns;
} wd_req;

int wd_req_new(wd *w, wd_req *r, const char *operation);
void wd_req_free(wd_req *r);
/* Child element in the bsvc namespace with escaped text (text may be NULL). */
xmlNodePtr wd_add(wd_req *r, xmlNodePtr parent, const char *name, const char *text);
/* <name><ID bsvc:type="type">id</ID></name> */
xmlNodePtr wd_add_ref(wd_req *r, xmlNodePtr parent, const char *name, const char *type,
                      const char *id);

/* Send; on success *resp is the parsed reply (caller frees) and *xp an XPath
 * context with prefixes wd (bsvc) and env (SOAP) registered.  SOAP faults
 * become classified errors. */
int wd_call(wd *w, const char *endpoint, wd_req *r, int idempotent, xmlDocPtr *resp,
            xmlXPathContextPtr *xp, atsb_error *err);
/* Text of the first node matching expr (relative to node, or the document),
 * malloc'd, or NULL. */
char *wd_text(xmlXPathContextPtr xp, xmlNodePtr node, const char *expr);
xmlXPathObjectPtr wd_nodes(xmlXPathContextPtr xp, xmlNodePtr node, const char *expr);
long wd_long(xmlXPathContextPtr xp, xmlNodePtr node, const char *expr);

/* A Get_Job_Requisitions request for one page (since > 0: changed since). */
int wd_requisitions_request(wd *w, wd_req *r, long page, int count, int64_t since);
/* The first requisition of a Get_Job_Requisitions reply parsed as a sync
 * would: a shape we cannot read is a config error naming what is missing. */
int wd_check_requisition(wd *w, xmlXPathContextPtr xp, atsb_error *err);

int wd_list_jobs(void *inst, const atsb_list_request *req, const atsb_job_sink *sink,
                 atsb_error *err);
int wd_push_candidate(void *inst, const atsb_candidate *c, atsb_push_result *out,
                      atsb_error *err);
int wd_find_candidate(void *inst, const atsb_candidate *c, atsb_push_result *out,
                      atsb_error *err);

#endif

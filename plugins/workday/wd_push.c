/* Candidates: Put_Candidate creates a candidate with their job application
 * (requisition, stage and source references) and the PDF as
 * Resume_Attachment_Data; without a Candidate_Reference Workday always
 * creates a new candidate, so Get_Candidates by email runs first and an
 * existing candidate gets the application added instead.  A resume for an
 * application that already exists goes through Put_Candidate_Attachment
 * (Job_Application_Attachment_Data), never a second Put_Candidate for the
 * same requisition.  Element order follows the schema's sequences (GW
 * v31.2 types; shared doc "Put_Candidate"), which Workday validates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wd.h"
#include "atsbridge/connector_util.h"

typedef struct found {
    char cand[ATSB_REMOTE_ID_MAX];
    char app[ATSB_REMOTE_ID_MAX];
    int has_application;
    int has_resume;
    int has_app_id;  /* app holds a Job_Application_ID, not the candidate's */
} found;

/* Attachment_Data / Resume_Attachment_Data (GW AttachmentWWSDataType):
 * Filename, File_Content, Mime_Type_Reference, Comment, in that order. */
static int add_attachment(wd *w, wd_req *r, xmlNodePtr parent, const char *name,
                          const atsb_candidate *c, atsb_error *err)
{
    const atsb_attachment *a = c->attachments[0];
    char *b64 = w->api->base64_encode(a->data, a->size);
    if (!b64)
        return w->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    xmlNodePtr res = wd_add(r, parent, name, NULL);
    wd_add(r, res, "Filename", a->file_name);
    wd_add(r, res, "File_Content", b64);
    wd_add_ref(r, res, "Mime_Type_Reference", "Content_Type_ID",
               a->mime_type ? a->mime_type : "application/pdf");
    wd_add(r, res, "Comment", c->source_name ? c->source_name : "atsbridge");
    w->api->free(b64);
    return ATSB_OK;
}

static int lookup(wd *w, const atsb_candidate *c, found *f, atsb_error *err)
{
    memset(f, 0, sizeof(*f));
    if (!c->email || !*c->email)
        return ATSB_OK;
    wd_req r;
    xmlDocPtr doc = NULL;
    xmlXPathContextPtr xp = NULL;
    int rc = wd_req_new(w, &r, "Get_Candidates_Request");
    if (rc)
        return rc;
    xmlNodePtr crit = wd_add(&r, r.op, "Request_Criteria", NULL);
    wd_add(&r, crit, "Candidate_Email_Address", c->email);
    xmlNodePtr flt = wd_add(&r, r.op, "Response_Filter", NULL);
    wd_add(&r, flt, "Page", "1");
    wd_add(&r, flt, "Count", "100");
    rc = wd_call(w, w->endpoint, &r, 1, &doc, &xp, err);
    wd_req_free(&r);
    if (rc)
        return rc;
    xmlXPathObjectPtr set = wd_nodes(xp, NULL, "//wd:Response_Data/wd:Candidate");
    int n = set && set->nodesetval ? set->nodesetval->nodeNr : 0;
    for (int i = 0; i < n && !f->has_application; i++) {
        xmlNodePtr cand = set->nodesetval->nodeTab[i];
        char *id = wd_text(xp, cand, "wd:Candidate_Reference/wd:ID[@wd:type='Candidate_ID']");
        if (!id)
            continue;
        if (!f->cand[0])
            snprintf(f->cand, sizeof(f->cand), "%s", id);
        xmlXPathObjectPtr apps = wd_nodes(xp, cand, ".//wd:Job_Application_Data");
        int na = apps && apps->nodesetval ? apps->nodesetval->nodeNr : 0;
        for (int k = 0; k < na; k++) {
            xmlNodePtr app = apps->nodesetval->nodeTab[k];
            char *req = wd_text(xp, app, "wd:Job_Applied_To_Data/wd:Job_Requisition_Reference/wd:ID[@wd:type='Job_Requisition_ID']");
            if (req && c->job_remote_id && !strcmp(req, c->job_remote_id)) {
                snprintf(f->cand, sizeof(f->cand), "%s", id);
                f->has_application = 1;
                /* Where the application's id sits depends on the version
                 * (shared doc, Get_Candidates): Job_Applied_To_Data/
                 * Job_Application_Reference (v31.2), Job_Application_Data/
                 * Job_Application_Reference or Job_Applied_To_Data/
                 * Job_Application_ID (newer). */
                char *aid = wd_text(xp, app, "wd:Job_Application_Reference/wd:ID[@wd:type='Job_Application_ID']");
                if (!aid)
                    aid = wd_text(xp, app, "wd:Job_Applied_To_Data/wd:Job_Application_Reference/wd:ID[@wd:type='Job_Application_ID']");
                if (!aid)
                    aid = wd_text(xp, app, "wd:Job_Applied_To_Data/wd:Job_Application_ID");
                snprintf(f->app, sizeof(f->app), "%s", aid ? aid : id);
                f->has_app_id = aid != NULL;
                free(aid);
                const char *want = c->attachment_count && c->attachments[0] ? c->attachments[0]->file_name : NULL;
                xmlXPathObjectPtr files = wd_nodes(xp, app, "wd:Resume_Attachment_Data/wd:Filename");
                for (int q = 0; want && files && files->nodesetval && q < files->nodesetval->nodeNr; q++) {
                    xmlChar *fn = xmlNodeGetContent(files->nodesetval->nodeTab[q]);
                    f->has_resume |= fn && !strcmp((const char *)fn, want);
                    xmlFree(fn);
                }
                xmlXPathFreeObject(files);
            }
            free(req);
        }
        xmlXPathFreeObject(apps);
        free(id);
    }
    xmlXPathFreeObject(set);
    xmlXPathFreeContext(xp);
    xmlFreeDoc(doc);
    return ATSB_OK;
}

static int put_candidate(wd *w, const atsb_candidate *c, const char *existing, found *f,
                         atsb_error *err)
{
    wd_req r;
    xmlDocPtr doc = NULL;
    xmlXPathContextPtr xp = NULL;
    int rc = wd_req_new(w, &r, "Put_Candidate_Request");
    if (rc)
        return rc;
    /* Add_Only: a create must never overwrite a candidate we did not find. */
    xmlNewNsProp(r.op, r.ns, (const xmlChar *)"Add_Only", (const xmlChar *)(existing ? "false" : "true"));
    if (existing)
        wd_add_ref(&r, r.op, "Candidate_Reference", "Candidate_ID", existing);
    xmlNodePtr data = wd_add(&r, r.op, "Candidate_Data", NULL);
    if (!existing) {
        /* Candidate_Data: Name_Data, Contact_Data, ..., Job_Application_Data.
         * No Country_Reference: the candidate name types have none (it is
         * the worker's PersonNameDetailDataType). */
        xmlNodePtr name = wd_add(&r, data, "Name_Data", NULL);
        if (w->legal_name)
            name = wd_add(&r, wd_add(&r, name, "Legal_Name", NULL), "Name_Detail_Data", NULL);
        wd_add(&r, name, "First_Name", c->first_name);
        wd_add(&r, name, "Last_Name", c->last_name);
        /* Contact_Data: Phone_Number before Email_Address before
         * Website_Data (GW CandidateContactDataType; NM; CB). */
        xmlNodePtr contact = wd_add(&r, data, "Contact_Data", NULL);
        if (c->phone && *c->phone)
            wd_add(&r, contact, "Phone_Number", c->phone);
        if (c->email && *c->email)
            wd_add(&r, contact, "Email_Address", c->email);
        if (c->profile_url && *c->profile_url)
            wd_add(&r, wd_add(&r, contact, "Website_Data", NULL), "URL_Address", c->profile_url);
    }
    /* Job_Application_Data: Job_Applied_To_Data (Job_Requisition_Reference,
     * Stage_Reference, Source_Reference in that order), then
     * Resume_Attachment_Data. */
    xmlNodePtr app = wd_add(&r, data, "Job_Application_Data", NULL);
    xmlNodePtr to = wd_add(&r, app, "Job_Applied_To_Data", NULL);
    wd_add_ref(&r, to, "Job_Requisition_Reference", "Job_Requisition_ID", c->job_remote_id);
    wd_add_ref(&r, to, "Stage_Reference", "Recruiting_Stage_ID", w->stage_id);
    wd_add_ref(&r, to, "Source_Reference", "Applicant_Source_ID", w->source_id);
    if (c->attachment_count && c->attachments[0] &&
        (rc = add_attachment(w, &r, app, "Resume_Attachment_Data", c, err))) {
        wd_req_free(&r);
        return rc;
    }
    rc = wd_call(w, w->endpoint, &r, 0, &doc, &xp, err);
    wd_req_free(&r);
    if (rc)
        return rc;
    char *id = wd_text(xp, NULL, "//wd:Put_Candidate_Response/wd:Candidate_Reference/wd:ID[@wd:type='Candidate_ID']");
    char *aid = wd_text(xp, NULL, "//wd:Put_Candidate_Response//wd:Job_Application_Reference/wd:ID[@wd:type='Job_Application_ID']");
    if (id)
        snprintf(f->cand, sizeof(f->cand), "%s", id);
    snprintf(f->app, sizeof(f->app), "%s", aid ? aid : f->cand);
    free(id);
    free(aid);
    xmlXPathFreeContext(xp);
    xmlFreeDoc(doc);
    if (!f->cand[0])
        return w->api->set_error(err, ATSB_ERR_TRANSIENT, "Put_Candidate: reply without a Candidate_Reference");
    return ATSB_OK;
}

/* Put_Candidate_Attachment (GW PutCandidateAttachmentRequestType):
 * Candidate_Reference, then Job_Application_Attachment_Data =
 * (Job_Requisition_Reference?, Job_Application_Reference?, Attachment_Data).
 * Both references when we know the application's id, since which one the
 * tenant matches on is not documented. */
static int put_attachment(wd *w, const atsb_candidate *c, const found *f, atsb_error *err)
{
    wd_req r;
    xmlDocPtr doc = NULL;
    xmlXPathContextPtr xp = NULL;
    int rc = wd_req_new(w, &r, "Put_Candidate_Attachment_Request");
    if (rc)
        return rc;
    xmlNewNsProp(r.op, r.ns, (const xmlChar *)"Add_Only", (const xmlChar *)"true");
    wd_add_ref(&r, r.op, "Candidate_Reference", "Candidate_ID", f->cand);
    xmlNodePtr ja = wd_add(&r, r.op, "Job_Application_Attachment_Data", NULL);
    wd_add_ref(&r, ja, "Job_Requisition_Reference", "Job_Requisition_ID", c->job_remote_id);
    if (f->has_app_id)
        wd_add_ref(&r, ja, "Job_Application_Reference", "Job_Application_ID", f->app);
    if ((rc = add_attachment(w, &r, ja, "Attachment_Data", c, err))) {
        wd_req_free(&r);
        return rc;
    }
    rc = wd_call(w, w->endpoint, &r, 0, &doc, &xp, err);
    wd_req_free(&r);
    if (rc)
        return rc;
    xmlXPathFreeContext(xp);
    xmlFreeDoc(doc);
    return ATSB_OK;
}

int wd_push_candidate(void *inst, const atsb_candidate *c, atsb_push_result *out,
                      atsb_error *err)
{
    wd *w = inst;
    found f;
    int rc = lookup(w, c, &f, err);
    if (rc)
        return rc;
    /* The same path fresh or resumed (find_candidate's ids are what lookup
     * finds again): Workday's application reference is not always in the
     * ids, and one Get_Candidates call is cheap next to a SOAP create. */
    int need_resume = c->attachment_count && c->attachments[0] && !f.has_resume;
    if (!f.has_application) {
        /* New candidate, or an application (with its resume) added to the
         * candidate Workday already has. */
        char existing[ATSB_REMOTE_ID_MAX];
        snprintf(existing, sizeof(existing), "%s", f.cand);
        if ((rc = put_candidate(w, c, existing[0] ? existing : NULL, &f, err)))
            return rc;
    } else if (need_resume && (rc = put_attachment(w, c, &f, err))) {
        /* The application exists (a lost reply, or a resume that did not
         * make it): only the resume is missing. */
        return rc;
    }
    snprintf(out->candidate_id, sizeof(out->candidate_id), "%s", f.cand);
    snprintf(out->application_id, sizeof(out->application_id), "%s", f.app);
    atsb_util_push_done(out);
    return ATSB_OK;
}

int wd_find_candidate(void *inst, const atsb_candidate *c, atsb_push_result *out,
                      atsb_error *err)
{
    wd *w = inst;
    found f;
    int rc = lookup(w, c, &f, err);
    if (rc)
        return rc;
    if (!f.cand[0])
        return ATSB_ERR_NOT_FOUND;
    snprintf(out->candidate_id, sizeof(out->candidate_id), "%s", f.cand);
    if (!f.has_application)
        return atsb_util_found(out, ATSB_PUSH_MISSING_APPLICATION | ATSB_PUSH_MISSING_ATTACHMENT);
    snprintf(out->application_id, sizeof(out->application_id), "%s", f.app);
    int complete = f.has_resume || !(c->attachment_count && c->attachments[0]);
    return atsb_util_found(out, complete ? 0 : ATSB_PUSH_MISSING_ATTACHMENT);
}

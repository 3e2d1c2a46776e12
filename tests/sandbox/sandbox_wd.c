/* Workday Recruiting (SOAP), as documented (../shared/docs/ats-apis.md §3):
 * POST /ccx/service/TENANT/{Recruiting,Human_Resources}/vNN.N with a SOAP
 * envelope; WS-Security UsernameToken or an OAuth Bearer token from
 * /ccx/oauth2/TENANT/token (refresh-token grant); Get_Job_Requisitions and
 * Get_Locations paged by Response_Filter Page/Count with Response_Results
 * Total_Pages; Get_Candidates by email; Put_Candidate with the job
 * application and Resume_Attachment_Data; faults as HTTP 500 SOAP Faults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdint.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "sandbox.h"

#define WD_NS "urn:com.workday/bsvc"
#define SOAP_NS "http://schemas.xmlsoap.org/soap/envelope/"
#define WSSE_NS "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
#define X(s) ((const xmlChar *)(s))
#define sget sb_sget
#define iget sb_iget

/* Workday Recruiting (SOAP) as a real tenant answers it.  Every rule below
 * names its source in /work/shared/docs/workday-recruiting.md (keys GW, CB,
 * NM, LOC, WDDOC, FLT, PYC, as that document defines them); a rule no
 * source backs says GUESS.
 *
 * POST /ccx/service/TENANT/{Recruiting,Human_Resources}/vNN.N with a SOAP
 * 1.1 envelope (GW client.go); WS-Security UsernameToken or an OAuth Bearer
 * token from /ccx/oauth2/TENANT/token (refresh-token grant; PYC, unsure);
 * faults as HTTP 500 SOAP Faults (FLT).  Requests are validated against the
 * schema's sequences (GW v31.2 types, NM for newer versions): an element
 * out of order or unknown to its parent is a validation fault, as schema
 * validation in a real tenant would be (the fault's wording for this case
 * is a GUESS: FLT has none). */
typedef struct reply {
    xmlDocPtr doc;
    xmlNodePtr op;
    xmlNsPtr ns;
    int descriptors; /* the request's Workday_Common_Header asked for them */
} reply;

/* The request being answered: its version decides shapes that differ
 * between versions (candidate names), its header whether references carry
 * descriptors. */
typedef struct wd_call_ctx {
    int major;       /* 31 for v31.2 */
    int descriptors;
} wd_call_ctx;

/* Candidate names: flat in Name_Data in v31.2 (GW CandidateNameDataType),
 * Legal_Name/Name_Detail_Data from v34.0 (CB sends it at v34.0; NM).
 * v32/v33 are taken as flat: a GUESS, no source shows them. */
static int legal_name(const wd_call_ctx *cx) { return cx->major >= 34; }

static void reply_new(reply *r, const char *name, const wd_call_ctx *cx, const char *version)
{
    r->doc = xmlNewDoc(X("1.0"));
    xmlNodePtr env = xmlNewNode(NULL, X("Envelope"));
    xmlNsPtr soap = xmlNewNs(env, X(SOAP_NS), X("env"));
    xmlSetNs(env, soap);
    r->ns = xmlNewNs(env, X(WD_NS), X("wd"));
    xmlDocSetRootElement(r->doc, env);
    xmlNodePtr body = xmlNewChild(env, soap, X("Body"), NULL);
    r->op = xmlNewChild(body, r->ns, X(name), NULL);
    /* wd:version on the response element (CB; FLT). */
    if (version)
        xmlNewNsProp(r->op, r->ns, X("version"), X(version));
    r->descriptors = cx ? cx->descriptors : 0;
}

static xmlNodePtr add(reply *r, xmlNodePtr parent, const char *name, const char *text)
{
    return xmlNewTextChild(parent, r->ns, X(name), text ? X(text) : NULL);
}

/* A made-up but stable WID for an object (32 hex digits, as real WIDs). */
static void wid_of(const char *kind, const char *id, char out[33])
{
    uint64_t h1 = 0xcbf29ce484222325ull, h2 = 0x84222325cbf29ce4ull;
    for (const char *p = kind; *p; p++)
        h1 = (h1 ^ (unsigned char)*p) * 0x100000001b3ull;
    for (const char *p = id ? id : ""; *p; p++) {
        h1 = (h1 ^ (unsigned char)*p) * 0x100000001b3ull;
        h2 = (h2 ^ (unsigned char)*p) * 0x100000001b3ull;
    }
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
}

/* A reference: X_Reference[@wd:Descriptor]/ID[@wd:type='WID'], ID[@wd:type=type]
 * (GW *ObjectType; every CB reply carries the WID plus the business id).
 * The Descriptor only when the request asked (shared doc: real replies
 * without Workday_Common_Header have none). */
static xmlNodePtr add_ref(reply *r, xmlNodePtr parent, const char *name, const char *type,
                          const char *id, const char *descriptor)
{
    xmlNodePtr ref = add(r, parent, name, NULL);
    if (descriptor && r->descriptors)
        xmlNewNsProp(ref, r->ns, X("Descriptor"), X(descriptor));
    char wid[33];
    wid_of(type, id, wid);
    xmlNodePtr w = add(r, ref, "ID", wid);
    xmlNewNsProp(w, r->ns, X("type"), X("WID"));
    xmlNodePtr i = add(r, ref, "ID", id);
    xmlNewNsProp(i, r->ns, X("type"), X(type));
    return ref;
}

static void send_doc(sb_response *rs, int status, xmlDocPtr doc)
{
    xmlChar *buf = NULL;
    int len = 0;
    xmlDocDumpMemoryEnc(doc, &buf, &len, "UTF-8");
    rs->status = status;
    free(rs->body);
    rs->body = strndup((const char *)buf, (size_t)len);
    rs->content_type = "text/xml; charset=utf-8";
    xmlFree(buf);
    xmlFreeDoc(doc);
}

/* Any fault: HTTP 500, SOAP 1.1 Fault with unqualified faultcode and
 * faultstring (FLT NetIQ, ServiceNow).  A validation fault also carries
 * detail wd:Validation_Fault/wd:Validation_Error/{wd:Message,
 * wd:Detail_Message, wd:Xpath} (FLT fixtures). */
static void fault_detail(sb_response *rs, const char *code, const char *text, const char *message,
                         const char *xpath)
{
    xmlDocPtr doc = xmlNewDoc(X("1.0"));
    xmlNodePtr env = xmlNewNode(NULL, X("Envelope"));
    xmlNsPtr soap = xmlNewNs(env, X(SOAP_NS), X("SOAP-ENV"));
    xmlSetNs(env, soap);
    xmlDocSetRootElement(doc, env);
    xmlNodePtr body = xmlNewChild(env, soap, X("Body"), NULL);
    xmlNodePtr f = xmlNewChild(body, soap, X("Fault"), NULL);
    xmlNodePtr fc = xmlNewNode(NULL, X("faultcode")), fs = xmlNewNode(NULL, X("faultstring"));
    xmlAddChild(f, fc);
    xmlAddChild(f, fs);
    xmlNodeAddContent(fc, X(code));
    xmlNodeAddContent(fs, X(text));
    if (message) {
        xmlNodePtr detail = xmlNewNode(NULL, X("detail"));
        xmlAddChild(f, detail);
        xmlNsPtr wd = xmlNewNs(detail, X(WD_NS), X("wd"));
        xmlNodePtr ve = xmlNewChild(xmlNewChild(detail, wd, X("Validation_Fault"), NULL), wd,
                                    X("Validation_Error"), NULL);
        xmlNewTextChild(ve, wd, X("Message"), X(message));
        xmlNewTextChild(ve, wd, X("Detail_Message"), X(message));
        if (xpath)
            xmlNewTextChild(ve, wd, X("Xpath"), X(xpath));
    }
    send_doc(rs, 500, doc);
}

static void fault(sb_response *rs, const char *code, const char *text)
{
    fault_detail(rs, code, text, NULL, NULL);
}

/* "Validation error occurred. <message>" under Client.validationError
 * (FLT ids 27582298160, 8193239019, 35230416244). */
static void validation(sb_response *rs, const char *message, const char *xpath)
{
    char text[512];
    snprintf(text, sizeof(text), "Validation error occurred. %s", message);
    fault_detail(rs, "SOAP-ENV:Client.validationError", text, message, xpath);
}

/* Unknown ids read "Invalid ID value.  '45873' is not a valid ID value for
 * type = 'Location_ID'" (two spaces after the period; FLT). */
static void invalid_id(sb_response *rs, const char *id, const char *type)
{
    char msg[300];
    snprintf(msg, sizeof(msg), "Invalid ID value.  '%s' is not a valid ID value for type = '%s'",
             id ? id : "", type);
    validation(rs, msg, NULL);
}

/* Response_Results = Total_Results, Total_Pages, Page_Results, Page (GW
 * ResponseResultsType; CB).  An empty result has Total_Pages 0 and no Page
 * (CB getcandidatesFlowtest/mock_payload.dwl). */
static void results(reply *r, long total, long pages, long page_results, long page)
{
    xmlNodePtr rr = add(r, r->op, "Response_Results", NULL);
    char b[32];
    snprintf(b, sizeof(b), "%ld", total);
    add(r, rr, "Total_Results", b);
    snprintf(b, sizeof(b), "%ld", pages);
    add(r, rr, "Total_Pages", b);
    snprintf(b, sizeof(b), "%ld", page_results);
    add(r, rr, "Page_Results", b);
    if (total > 0) {
        snprintf(b, sizeof(b), "%ld", page);
        add(r, rr, "Page", b);
    }
}

/* Response_Data only when there is something in it (CB: an empty result
 * has no Response_Data). */
static xmlNodePtr data_of(reply *r, xmlNodePtr *data)
{
    if (!*data)
        *data = add(r, r->op, "Response_Data", NULL);
    return *data;
}

static char *text(xmlXPathContextPtr xp, xmlNodePtr node, const char *expr)
{
    xp->node = node;
    xmlXPathObjectPtr o = xmlXPathEvalExpression(X(expr), xp);
    char *out = NULL;
    if (o && o->nodesetval && o->nodesetval->nodeNr) {
        xmlChar *c = xmlNodeGetContent(o->nodesetval->nodeTab[0]);
        out = c ? strdup((const char *)c) : NULL;
        xmlFree(c);
    }
    xmlXPathFreeObject(o);
    return out;
}

static long num(xmlXPathContextPtr xp, xmlNodePtr node, const char *expr, long dflt)
{
    char *t = text(xp, node, expr);
    long v = t ? sb_num(t) : dflt;
    free(t);
    return v;
}

static time_t parse_iso(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
        return (time_t)-1;
    return timegm(&tm);
}

static int str_in(json_object *arr, const char *s)
{
    for (size_t i = 0; s && i < json_object_array_length(arr); i++)
        if (!strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), s))
            return 1;
    return 0;
}

static json_object *find(json_object *arr, const char *key, const char *val)
{
    for (size_t i = 0; val && i < json_object_array_length(arr); i++)
        if (sget(json_object_array_get_idx(arr, i), key) &&
            !strcmp(sget(json_object_array_get_idx(arr, i), key), val))
            return json_object_array_get_idx(arr, i);
    return NULL;
}

/* ---- schema: the sequences requests are checked against ---- */

/* Children of an element, in schema order.  Keyed by "Operation:Element"
 * where the same element name has different content per operation, else
 * by the element name.  Sources: GW v31.2 generated types; NM where newer
 * versions add elements (marked). */
typedef struct seq {
    const char *parent;
    const char *children[16];
} seq;

static const seq SEQS[] = {
    /* GW Get*RequestType: Request_References, Request_Criteria,
     * Response_Filter, Response_Group. */
    { "Get_Job_Requisitions_Request", { "Request_References", "Request_Criteria", "Response_Filter", "Response_Group" } },
    { "Get_Candidates_Request", { "Request_References", "Request_Criteria", "Response_Filter", "Response_Group" } },
    { "Get_Locations_Request", { "Request_References", "Request_Criteria", "Response_Filter", "Response_Group" } },
    { "Get_Job_Postings_Request", { "Request_References", "Request_Criteria", "Response_Filter", "Response_Group" } },
    /* GW ResponseFilterType. */
    { "Response_Filter", { "As_Of_Effective_Date", "As_Of_Entry_DateTime", "Page", "Count" } },
    /* GW JobRequisitionRequestCriteriaType (shared doc). */
    { "Get_Job_Requisitions_Request:Request_Criteria",
      { "Transaction_Log_Criteria_Data", "Job_Requisition_Status_Reference", "Supervisory_Organization_Reference",
        "Field_And_Parameter_Criteria_Data", "Primary_Location_Reference", "Additional_Locations_Reference" } },
    { "Transaction_Log_Criteria_Data", { "Transaction_Date_Range_Data", "Transaction_Type_References", "Subscriber_Reference" } },
    { "Transaction_Date_Range_Data", { "Updated_From", "Updated_Through", "Effective_From", "Effective_Through" } },
    /* GW JobRequisitionResponseGroupType. */
    { "Get_Job_Requisitions_Request:Response_Group",
      { "Include_Reference", "Include_Job_Requisition_Definition_Data", "Include_Job_Requisition_Restrictions_Data",
        "Include_Qualifications", "Include_Job_Requisition_Attachments", "Include_Organizations", "Include_Roles" } },
    /* GW CandidateRequestCriteriaType (shared doc, Get_Candidates). */
    { "Get_Candidates_Request:Request_Criteria",
      { "First_Name", "Last_Name", "Candidate_Email_Address", "Pre-Hire_Reference", "Worker_Reference",
        "Job_Requisition_Reference", "Recruiting_Stage_Reference", "Applicant_Source_Reference", "Applied_From",
        "Applied_Through", "Internal_Workers_Only", "Created_From", "Created_Through" } },
    { "Get_Candidates_Request:Response_Group", { "Include_Reference", "Exclude_All_Attachments" } },
    /* GW JobPostingRequestCriteriaType. */
    { "Get_Job_Postings_Request:Request_Criteria",
      { "Job_Posting_Start_Date", "Job_Posting_End_Date", "Job_Posting_Site_Name", "Job_Posting_Site_Reference",
        "Supervisory_Organization_Reference", "Job_Requisition_Reference", "Show_Only_Active_Job_Postings",
        "Field_And_Parameter_Criteria_Data" } },
    /* GW PutCandidateRequestType / NM. */
    { "Put_Candidate_Request", { "Candidate_Reference", "Candidate_Data" } },
    /* GW CandidateDataType; Referral_Data and Candidate_Attachment_Data NM. */
    { "Candidate_Data",
      { "Candidate_ID", "Pre-Hire_Reference", "Worker_Reference", "Name_Data", "Contact_Data",
        "Social_Media_Account_Data", "Status_Data", "Job_Application_Data", "Prospect_Data", "Referral_Data",
        "Candidate_Identification_Data", "Language_Reference", "Candidate_Tag_Reference", "Candidate_Pool_Data",
        "Candidate_Attachment_Data" } },
    /* Name_Data is version dependent: see name_seq(). */
    { "Legal_Name", { "Name_Detail_Data" } },
    /* NM Name_Detail_Data: no Country_Reference (that is the worker's
     * PersonNameDetailDataType, GW). */
    { "Name_Detail_Data",
      { "Title_Reference", "Salutation_Suffix_Reference", "Full_Name", "First_Name", "Middle_Name",
        "Hereditary_Suffix_Reference", "Last_Name", "Secondary_Last_Name", "Tertiary_Last_Name",
        "Social_Suffix_Reference", "Local_Person_Name" } },
    /* GW CandidateContactDataType; Phone_Device_Type_Reference NM. */
    { "Contact_Data",
      { "Phone_Device_Type_Reference", "Country_Phone_Code_Reference", "Phone_Number", "Phone_Extension",
        "Email_Address", "Website_Data", "Location_Data" } },
    { "Website_Data", { "URL_Address" } },
    /* GW JobApplicationDataType; Job_Application_Reference NM. */
    { "Job_Application_Data", { "Job_Application_Reference", "Job_Applied_To_Data", "Resume_Attachment_Data", "Resume_Data" } },
    /* GW CandidateJobAppliedToDataType; Job_Application_ID,
     * Criteria_Match_Score_Reference, Job_Application_Availability_Data NM. */
    { "Job_Applied_To_Data",
      { "Job_Application_ID", "Job_Application_Reference", "Job_Requisition_Reference", "Job_Application_Date",
        "Stage_Reference", "Workflow_Step_Reference", "Disposition_Reference", "Status_Timestamp", "Source_Reference",
        "Referred_By_Worker_Reference", "Added_By_Worker_Reference", "Criteria_Match_Score_Reference",
        "Job_Application_Availability_Data", "Personal_Information_Data", "Global_Personal_Information_Data" } },
    /* GW AttachmentWWSDataType. */
    { "Resume_Attachment_Data", { "ID", "Filename", "File_Content", "Mime_Type_Reference", "Comment" } },
    { "Attachment_Data", { "ID", "Filename", "File_Content", "Mime_Type_Reference", "Comment" } },
    /* GW PutCandidateAttachmentRequestType / JobApplicationAttachmentDataType. */
    { "Put_Candidate_Attachment_Request",
      { "Candidate_Reference", "Prospect_Resume_Attachments_Data", "Candidate_Attachment_Data",
        "Job_Application_Attachment_Data" } },
    { "Job_Application_Attachment_Data", { "Job_Requisition_Reference", "Job_Application_Reference", "Attachment_Data" } },
};

static const char *const NAME_FLAT[] = { "First_Name", "Middle_Name", "Last_Name", "Secondary_Last_Name",
                                         "Local_Person_Name", NULL };
static const char *const NAME_LEGAL[] = { "Legal_Name", "Preferred_Name", NULL };

static const char *const *children_of(const char *op, xmlNodePtr el, const wd_call_ctx *cx)
{
    const char *name = (const char *)el->name;
    if (!strcmp(name, "Name_Data"))
        return legal_name(cx) ? NAME_LEGAL : NAME_FLAT;
    char key[160];
    snprintf(key, sizeof(key), "%s:%s", op, name);
    for (size_t i = 0; i < sizeof(SEQS) / sizeof(SEQS[0]); i++)
        if (!strcmp(SEQS[i].parent, key))
            return SEQS[i].children;
    for (size_t i = 0; i < sizeof(SEQS) / sizeof(SEQS[0]); i++)
        if (!strcmp(SEQS[i].parent, name))
            return SEQS[i].children;
    return NULL;
}

static int index_in(const char *const *list, const char *name)
{
    for (int i = 0; list[i]; i++)
        if (!strcmp(list[i], name))
            return i;
    return -1;
}

/* Check el's children against its sequence, then recurse.  A reference's
 * only children are IDs (GW *ObjectType).  An element with element children
 * the sandbox has no sequence for is refused too: the connector should send
 * nothing we have not checked against a source.  On a violation the fault
 * is written to rs and 0 returned. */
static int valid(const char *op, xmlNodePtr el, const wd_call_ctx *cx, sb_response *rs)
{
    const char *name = (const char *)el->name;
    size_t nl = strlen(name);
    int is_ref = nl > 10 && !strcmp(name + nl - 10, "_Reference");
    const char *const *list = is_ref ? NULL : children_of(op, el, cx);
    static const char *const REF[] = { "ID", NULL };
    if (is_ref)
        list = REF;
    int last = -1;
    for (xmlNodePtr c = el->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        char msg[400], xpath[200];
        snprintf(xpath, sizeof(xpath), "%s/%s", name, (const char *)c->name);
        if (!c->ns || strcmp((const char *)c->ns->href, WD_NS)) {
            snprintf(msg, sizeof(msg), "Element '%s' in %s is not in the urn:com.workday/bsvc namespace",
                     (const char *)c->name, name);
            validation(rs, msg, xpath);
            return 0;
        }
        int at = list ? index_in(list, (const char *)c->name) : -1;
        /* Wording of these two: GUESS (no source has Workday's text for a
         * schema violation); the fault class and shape are FLT's. */
        if (at < 0) {
            snprintf(msg, sizeof(msg), "Element '%s' is not expected in %s", (const char *)c->name, name);
            validation(rs, msg, xpath);
            return 0;
        }
        if (at < last) {
            snprintf(msg, sizeof(msg), "Element '%s' is out of sequence in %s: '%s' must come after it",
                     (const char *)c->name, name, list[last]);
            validation(rs, msg, xpath);
            return 0;
        }
        last = at;
        if (!valid(op, c, cx, rs))
            return 0;
    }
    return 1;
}

/* Descriptors and version of the request (GW WorkdayCommonHeaderType; the
 * version attribute, GW). */
static void call_ctx(xmlXPathContextPtr xp, xmlNodePtr op, wd_call_ctx *cx)
{
    xmlChar *v = xmlGetNsProp(op, X("version"), X(WD_NS));
    cx->major = v && v[0] == 'v' ? (int)sb_num((const char *)v + 1) : 0;
    xmlFree(v);
    char *d = text(xp, NULL, "/env:Envelope/env:Header/wd:Workday_Common_Header/wd:Include_Reference_Descriptors_In_Response");
    cx->descriptors = d && (!strcmp(d, "true") || !strcmp(d, "1"));
    free(d);
}

/* ---- auth ---- */

static int token_endpoint(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    char *grant = sb_query(rq->body, "grant_type"), *refresh = sb_query(rq->body, "refresh_token");
    char *creds = rq->authorization && !strncasecmp(rq->authorization, "Basic ", 6)
                      ? sb_b64url_decode(rq->authorization + 6) : NULL;
    char *colon = creds ? strchr(creds, ':') : NULL;
    json_object *client = NULL;
    if (colon) {
        *colon = '\0';
        client = find(sb_arr(sb->wd, "clients"), "client_id", creds);
        if (client && strcmp(sget(client, "client_secret"), colon + 1))
            client = NULL;
    }
    if (!client)
        sb_text(rs, 401, "{\"error\":\"invalid_client\"}");
    else if (!grant || strcmp(grant, "refresh_token") || !refresh ||
             strcmp(refresh, sget(client, "refresh_token")))
        sb_text(rs, 400, "{\"error\":\"invalid_grant\"}");
    else {
        char tok[64];
        snprintf(tok, sizeof(tok), "wd-%ld", sb_new_id(sb));
        json_object *tokens;
        if (!json_object_object_get_ex(sb->wd, "tokens", &tokens)) {
            tokens = json_object_new_object();
            json_object_object_add(sb->wd, "tokens", tokens);
        }
        json_object_object_add(tokens, tok, json_object_new_int64((int64_t)time(NULL) + 3600));
        json_object *o = json_object_new_object();
        json_object_object_add(o, "access_token", json_object_new_string(tok));
        json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
        json_object_object_add(o, "expires_in", json_object_new_int(3600));
        sb_json(rs, 200, o);
    }
    free(grant);
    free(refresh);
    free(creds);
    return 1;
}

static int authorised(sandbox *sb, const sb_request *rq, xmlXPathContextPtr xp)
{
    json_object *tokens, *exp;
    if (rq->authorization && !strncmp(rq->authorization, "Bearer ", 7))
        return json_object_object_get_ex(sb->wd, "tokens", &tokens) &&
               json_object_object_get_ex(tokens, rq->authorization + 7, &exp) &&
               json_object_get_int64(exp) > (int64_t)time(NULL);
    char *user = text(xp, NULL, "//wsse:UsernameToken/wsse:Username");
    char *pw = text(xp, NULL, "//wsse:UsernameToken/wsse:Password");
    json_object *u = find(sb_arr(sb->wd, "users"), "username", user);
    int ok = u && pw && !strcmp(sget(u, "password"), pw);
    free(user);
    free(pw);
    return ok;
}

/* ---- operations ---- */

static void page_of(xmlXPathContextPtr xp, xmlNodePtr op, long *page, long *count)
{
    *page = num(xp, op, "wd:Response_Filter/wd:Page", 1);
    *count = num(xp, op, "wd:Response_Filter/wd:Count", 100);
}

/* Page 0 is a validation error ("Page number cannot be zero", WDDOC).  The
 * 1..999 range of Count is commonly cited, not confirmed: GUESS. */
static int paging_ok(long page, long count, sb_response *rs)
{
    if (page < 1) {
        validation(rs, "Page number cannot be zero", "Response_Filter/Page");
        return 0;
    }
    if (count < 1 || count > 999) {
        validation(rs, "Count must be between 1 and 999", "Response_Filter/Count");
        return 0;
    }
    return 1;
}

static int flag(xmlXPathContextPtr xp, xmlNodePtr op, const char *expr, int dflt)
{
    char *t = text(xp, op, expr);
    int v = t ? (!strcmp(t, "true") || !strcmp(t, "1")) : dflt;
    free(t);
    return v;
}

static const char *loc_name(sandbox *sb, const char *id)
{
    json_object *l = find(sb_arr(sb->wd, "locations"), "id", id);
    return l ? sget(l, "name") : id;
}

/* Get_Job_Requisitions reply tree (GW JobRequisitionType /
 * JobRequisitionData2Type; CB v34.0): the id only in
 * Job_Requisition_Reference; Job_Requisition_Data = status reference,
 * Job_Requisition_Detail_Data (title, description), Hiring_Requirement_Data
 * (locations), ..., Supervisory_Organization_Reference.  Without a
 * Response_Group the detail and hiring requirement data come back (GW
 * comment, one source); with one, as its flags say. */
static void get_requisitions(sandbox *sb, xmlXPathContextPtr xp, xmlNodePtr op,
                             const wd_call_ctx *cx, sb_response *rs)
{
    long page, count;
    page_of(xp, op, &page, &count);
    if (!paging_ok(page, count, rs))
        return;
    char *from = text(xp, op, "wd:Request_Criteria/wd:Transaction_Log_Criteria_Data/wd:Transaction_Date_Range_Data/wd:Updated_From");
    char *through = text(xp, op, "wd:Request_Criteria/wd:Transaction_Log_Criteria_Data/wd:Transaction_Date_Range_Data/wd:Updated_Through");
    time_t since = parse_iso(from), until = parse_iso(through);
    free(from);
    free(through);
    /* GUESS: a range ending in the future is refused.  No source says what
     * a tenant does with it; the sandbox is strict so the connector keeps
     * Updated_Through at now. */
    if (until != (time_t)-1 && until > time(NULL)) {
        validation(rs, "Updated_Through cannot be in the future",
                   "Request_Criteria/Transaction_Log_Criteria_Data/Transaction_Date_Range_Data/Updated_Through");
        return;
    }
    char *g = text(xp, op, "wd:Response_Group");
    int group = g != NULL;
    free(g);
    int detail = flag(xp, op, "wd:Response_Group/wd:Include_Job_Requisition_Definition_Data", !group);
    int hiring = flag(xp, op, "wd:Response_Group/wd:Include_Job_Requisition_Restrictions_Data", !group);
    json_object *all = sb_arr(sb->wd, "requisitions");
    json_object **match = malloc((json_object_array_length(all) + 1) * sizeof(*match));
    size_t m = 0;
    for (size_t i = 0; i < json_object_array_length(all); i++) {
        json_object *q = json_object_array_get_idx(all, i);
        time_t at = parse_iso(sget(q, "updated_at"));
        if ((since == (time_t)-1 || at >= since) && (until == (time_t)-1 || at <= until))
            match[m++] = q;
    }
    long pages = m ? (long)((m + (size_t)count - 1) / (size_t)count) : 0;
    reply r;
    reply_new(&r, "Get_Job_Requisitions_Response", cx, "v42.0");
    size_t lo = (size_t)((page - 1) * count), hi = lo + (size_t)count;
    long in_page = 0;
    for (size_t i = lo; i < m && i < hi; i++)
        in_page++;
    results(&r, (long)m, pages, in_page, page);
    xmlNodePtr data = NULL;
    for (size_t i = lo; i < m && i < hi; i++) {
        json_object *q = match[i];
        xmlNodePtr jr = add(&r, data_of(&r, &data), "Job_Requisition", NULL);
        add_ref(&r, jr, "Job_Requisition_Reference", "Job_Requisition_ID", sget(q, "id"), sget(q, "title"));
        xmlNodePtr d = add(&r, jr, "Job_Requisition_Data", NULL);
        if (sget(q, "status"))
            add_ref(&r, d, "Job_Requisition_Status_Reference", "Job_Requisition_Status_ID", sget(q, "status"),
                    sget(q, "status"));
        if (detail) {
            xmlNodePtr dd = add(&r, d, "Job_Requisition_Detail_Data", NULL);
            if (sget(q, "title"))
                add(&r, dd, "Job_Posting_Title", sget(q, "title"));
            add(&r, dd, "Positions_Allocated", "1");
            add(&r, dd, "Positions_Available", "1");
            if (sget(q, "description"))
                add(&r, dd, "Job_Description_Summary", sget(q, "description"));
        }
        if (hiring) {
            /* GW JobRequisitionRestrictionsDataType order: Primary_Location,
             * Primary_Job_Posting_Location, Additional_Locations. */
            xmlNodePtr h = add(&r, d, "Hiring_Requirement_Data", NULL);
            if (sget(q, "location_id"))
                add_ref(&r, h, "Primary_Location_Reference", "Location_ID", sget(q, "location_id"),
                        loc_name(sb, sget(q, "location_id")));
            if (sget(q, "posting_location_id"))
                add_ref(&r, h, "Primary_Job_Posting_Location_Reference", "Location_ID",
                        sget(q, "posting_location_id"), loc_name(sb, sget(q, "posting_location_id")));
            json_object *more;
            if (json_object_object_get_ex(q, "additional_location_ids", &more))
                for (size_t k = 0; k < json_object_array_length(more); k++) {
                    const char *id = json_object_get_string(json_object_array_get_idx(more, k));
                    add_ref(&r, h, "Additional_Locations_Reference", "Location_ID", id, loc_name(sb, id));
                }
        }
        if (sget(q, "organization"))
            add_ref(&r, d, "Supervisory_Organization_Reference", "Organization_Reference_ID",
                    sget(q, "organization"), sget(q, "organization"));
    }
    free(match);
    send_doc(rs, 200, r.doc);
}

/* Get_Job_Postings (GW JobPostingType / JobPostingDataWWSType; one source):
 * a requisition is posted unless the fixture says "posted": false; with
 * Show_Only_Active_Job_Postings only those. */
static void get_job_postings(sandbox *sb, xmlXPathContextPtr xp, xmlNodePtr op,
                             const wd_call_ctx *cx, sb_response *rs)
{
    long page, count;
    page_of(xp, op, &page, &count);
    if (!paging_ok(page, count, rs))
        return;
    int active = flag(xp, op, "wd:Request_Criteria/wd:Show_Only_Active_Job_Postings", 0);
    json_object *all = sb_arr(sb->wd, "requisitions");
    json_object **match = malloc((json_object_array_length(all) + 1) * sizeof(*match));
    size_t m = 0;
    for (size_t i = 0; i < json_object_array_length(all); i++) {
        json_object *q = json_object_array_get_idx(all, i), *posted;
        int is_posted = !json_object_object_get_ex(q, "posted", &posted) || json_object_get_boolean(posted);
        int open = sget(q, "status") && !strcmp(sget(q, "status"), "Open");
        if (is_posted && (!active || open))
            match[m++] = q;
    }
    long pages = m ? (long)((m + (size_t)count - 1) / (size_t)count) : 0;
    size_t lo = (size_t)((page - 1) * count), hi = lo + (size_t)count;
    reply r;
    reply_new(&r, "Get_Job_Postings_Response", cx, "v42.0");
    results(&r, (long)m, pages, (long)(m > lo ? (m < hi ? m - lo : (size_t)count) : 0), page);
    xmlNodePtr data = NULL;
    for (size_t i = lo; i < m && i < hi; i++) {
        json_object *q = match[i];
        char pid[160];
        snprintf(pid, sizeof(pid), "JOB_POSTING-%s", sget(q, "id"));
        xmlNodePtr jp = add(&r, data_of(&r, &data), "Job_Posting", NULL);
        add_ref(&r, jp, "Job_Posting_Reference", "Job_Posting_ID", pid, sget(q, "title"));
        xmlNodePtr d = add(&r, jp, "Job_Posting_Data", NULL);
        add(&r, d, "Job_Posting_ID", pid);
        add(&r, d, "Job_Posting_Title", sget(q, "title"));
        add_ref(&r, d, "Job_Requisition_Reference", "Job_Requisition_ID", sget(q, "id"), sget(q, "title"));
        add(&r, d, "Job_Requisition_ID", sget(q, "id"));
    }
    free(match);
    send_doc(rs, 200, r.doc);
}

/* ISO 3166-1 ids for the fixture's countries: a real Country_Reference
 * carries alpha-2, alpha-3 and numeric ids (LOC; FLT). */
static void add_country(reply *r, xmlNodePtr parent, const char *a2)
{
    static const char *const C[][3] = { { "US", "USA", "840" }, { "CA", "CAN", "124" },
                                        { "MX", "MEX", "484" }, { "GB", "GBR", "826" },
                                        { "DE", "DEU", "276" } };
    xmlNodePtr ref = add(r, parent, "Country_Reference", NULL);
    char wid[33];
    wid_of("Country", a2, wid);
    xmlNodePtr w = add(r, ref, "ID", wid);
    xmlNewNsProp(w, r->ns, X("type"), X("WID"));
    xmlNodePtr i = add(r, ref, "ID", a2);
    xmlNewNsProp(i, r->ns, X("type"), X("ISO_3166-1_Alpha-2_Code"));
    for (size_t k = 0; k < sizeof(C) / sizeof(C[0]); k++)
        if (!strcmp(C[k][0], a2)) {
            i = add(r, ref, "ID", C[k][1]);
            xmlNewNsProp(i, r->ns, X("type"), X("ISO_3166-1_Alpha-3_Code"));
            i = add(r, ref, "ID", C[k][2]);
            xmlNewNsProp(i, r->ns, X("type"), X("ISO_3166-1_Numeric-3_Code"));
        }
}

/* Get_Locations (Human_Resources) reply tree (GW LocationResponseType;
 * LOC): Location_Reference, Location_Data = Location_ID, Location_Name,
 * Location_Usage_Reference+, ..., Contact_Data/Address_Data = Country_Reference,
 * Municipality, Country_Region_Reference, Country_Region_Descriptor, ... */
static void get_locations(sandbox *sb, xmlXPathContextPtr xp, xmlNodePtr op,
                          const wd_call_ctx *cx, sb_response *rs)
{
    long page, count;
    page_of(xp, op, &page, &count);
    if (!paging_ok(page, count, rs))
        return;
    json_object *all = sb_arr(sb->wd, "locations");
    size_t m = json_object_array_length(all);
    long pages = m ? (long)((m + (size_t)count - 1) / (size_t)count) : 0;
    reply r;
    reply_new(&r, "Get_Locations_Response", cx, "v42.0");
    size_t lo = (size_t)((page - 1) * count), hi = lo + (size_t)count;
    results(&r, (long)m, pages, (long)(m > lo ? (m < hi ? m - lo : (size_t)count) : 0), page);
    xmlNodePtr data = NULL;
    for (size_t i = lo; i < m && i < hi; i++) {
        json_object *l = json_object_array_get_idx(all, i);
        xmlNodePtr ln = add(&r, data_of(&r, &data), "Location", NULL);
        add_ref(&r, ln, "Location_Reference", "Location_ID", sget(l, "id"), sget(l, "name"));
        xmlNodePtr d = add(&r, ln, "Location_Data", NULL);
        add(&r, d, "Location_ID", sget(l, "id"));
        add(&r, d, "Location_Name", sget(l, "name"));
        add_ref(&r, d, "Location_Usage_Reference", "Location_Usage_ID", "BUSINESS SITE", "Business Site");
        add(&r, d, "Inactive", "0");
        if (sget(l, "country")) {
            xmlNodePtr a = add(&r, add(&r, d, "Contact_Data", NULL), "Address_Data", NULL);
            add_country(&r, a, sget(l, "country"));
            if (sget(l, "city"))
                add(&r, a, "Municipality", sget(l, "city"));
            if (sget(l, "region")) {
                char rid[160];
                snprintf(rid, sizeof(rid), "%s-%s", sget(l, "country"), sget(l, "region"));
                add_ref(&r, a, "Country_Region_Reference", "Country_Region_ID", rid, sget(l, "region"));
                add(&r, a, "Country_Region_Descriptor", sget(l, "region"));
            }
        }
    }
    send_doc(rs, 200, r.doc);
}

/* Name_Data as the version has it (see legal_name()). */
static void add_name(reply *r, xmlNodePtr data, const wd_call_ctx *cx, json_object *c)
{
    xmlNodePtr n = add(r, data, "Name_Data", NULL);
    if (legal_name(cx))
        n = add(r, add(r, n, "Legal_Name", NULL), "Name_Detail_Data", NULL);
    add(r, n, "First_Name", sget(c, "first_name"));
    add(r, n, "Last_Name", sget(c, "last_name"));
}

/* A Get_Candidates Candidate: Candidate_Reference + Candidate_Data (the
 * Put_Candidate type).  Where the application's id sits follows the
 * version (shared doc, Get_Candidates): v31.2 first in Job_Applied_To_Data,
 * newer (NM) first in Job_Application_Data.  Attachments come back as
 * Resume_Attachment_Data with Filename only: whether a tenant returns
 * File_Content is unsure, and where attachments added with
 * Put_Candidate_Attachment show up is a GUESS (here: beside the resume). */
static void candidate_xml(reply *r, xmlNodePtr parent, const wd_call_ctx *cx, json_object *c)
{
    xmlNodePtr cn = add(r, parent, "Candidate", NULL);
    add_ref(r, cn, "Candidate_Reference", "Candidate_ID", sget(c, "id"), NULL);
    xmlNodePtr d = add(r, cn, "Candidate_Data", NULL);
    add(r, d, "Candidate_ID", sget(c, "id"));
    add_name(r, d, cx, c);
    xmlNodePtr cd = add(r, d, "Contact_Data", NULL);
    if (sget(c, "phone"))
        add(r, cd, "Phone_Number", sget(c, "phone"));
    if (sget(c, "email"))
        add(r, cd, "Email_Address", sget(c, "email"));
    if (sget(c, "website"))
        add(r, add(r, cd, "Website_Data", NULL), "URL_Address", sget(c, "website"));
    json_object *apps;
    json_object_object_get_ex(c, "applications", &apps);
    for (size_t i = 0; apps && i < json_object_array_length(apps); i++) {
        json_object *a = json_object_array_get_idx(apps, i), *files;
        xmlNodePtr an = add(r, d, "Job_Application_Data", NULL);
        if (legal_name(cx))
            add_ref(r, an, "Job_Application_Reference", "Job_Application_ID", sget(a, "id"), NULL);
        xmlNodePtr to = add(r, an, "Job_Applied_To_Data", NULL);
        if (!legal_name(cx))
            add_ref(r, to, "Job_Application_Reference", "Job_Application_ID", sget(a, "id"), NULL);
        add_ref(r, to, "Job_Requisition_Reference", "Job_Requisition_ID", sget(a, "requisition"), NULL);
        add_ref(r, to, "Stage_Reference", "Recruiting_Stage_ID", sget(a, "stage"), NULL);
        add_ref(r, to, "Source_Reference", "Applicant_Source_ID", sget(a, "source"), NULL);
        json_object_object_get_ex(a, "resumes", &files);
        for (size_t k = 0; files && k < json_object_array_length(files); k++)
            add(r, add(r, an, "Resume_Attachment_Data", NULL), "Filename",
                json_object_get_string(json_object_array_get_idx(files, k)));
    }
}

static void get_candidates(sandbox *sb, xmlXPathContextPtr xp, xmlNodePtr op,
                           const wd_call_ctx *cx, sb_response *rs)
{
    long page, count;
    page_of(xp, op, &page, &count);
    if (!paging_ok(page, count, rs))
        return;
    char *email = text(xp, op, "wd:Request_Criteria/wd:Candidate_Email_Address");
    json_object *all = sb_arr(sb->wd, "candidates");
    reply r;
    reply_new(&r, "Get_Candidates_Response", cx, "v42.0");
    json_object **match = malloc((json_object_array_length(all) + 1) * sizeof(*match));
    size_t m = 0;
    for (size_t i = 0; i < json_object_array_length(all); i++) {
        json_object *c = json_object_array_get_idx(all, i);
        if (!email || (sget(c, "email") && !strcasecmp(sget(c, "email"), email)))
            match[m++] = c;
    }
    /* CB echoes Request_Criteria before Response_Results. */
    if (email)
        add(&r, add(&r, r.op, "Request_Criteria", NULL), "Candidate_Email_Address", email);
    results(&r, (long)m, m ? 1 : 0, (long)m, 1);
    xmlNodePtr data = NULL;
    for (size_t i = 0; i < m; i++)
        candidate_xml(&r, data_of(&r, &data), cx, match[i]);
    free(match);
    free(email);
    send_doc(rs, 200, r.doc);
}

static int b64_ok(const char *s)
{
    size_t n = 0;
    unsigned char *b = sb_b64_decode(s, &n);
    free(b);
    return b != NULL;
}

/* Store an attachment as received; NULL when File_Content is not base64. */
static int keep_attachment(sandbox *sb, json_object *app, const char *fname, const char *content,
                           const char *mime, sb_response *rs)
{
    size_t nbytes = 0;
    unsigned char *bytes = sb_b64_decode(content, &nbytes);
    if (!bytes) {
        validation(rs, "File_Content is not base64", "Attachment_Data/File_Content");
        return 0;
    }
    json_object *resumes;
    json_object_object_get_ex(app, "resumes", &resumes);
    json_object_array_add(resumes, json_object_new_string(fname));
    long id = sb_new_id(sb);
    json_object *att = json_object_new_object();
    json_object_object_add(att, "filename", json_object_new_string(fname));
    json_object_object_add(att, "application_id", json_object_new_string(sget(app, "id")));
    json_object_object_add(att, "mime_type", mime ? json_object_new_string(mime) : NULL);
    json_object_object_add(att, "size", json_object_new_int64((int64_t)nbytes));
    char *path = sb_save_file(sb, id, fname, bytes, nbytes);
    if (path)
        json_object_object_add(att, "saved_path", json_object_new_string(path));
    free(path);
    sb_record(sb, "attachments", att);
    json_object_put(att);
    free(bytes);
    return 1;
}

static void put_candidate(sandbox *sb, xmlXPathContextPtr xp, xmlNodePtr op,
                          const wd_call_ctx *cx, sb_response *rs)
{
    const char *nm = legal_name(cx) ? "wd:Candidate_Data/wd:Name_Data/wd:Legal_Name/wd:Name_Detail_Data/"
                                    : "wd:Candidate_Data/wd:Name_Data/";
    char fx[160], lx[160];
    snprintf(fx, sizeof(fx), "%swd:First_Name", nm);
    snprintf(lx, sizeof(lx), "%swd:Last_Name", nm);
    char *cand_ref = text(xp, op, "wd:Candidate_Reference/wd:ID[@wd:type='Candidate_ID']");
    char *first = text(xp, op, fx);
    char *last = text(xp, op, lx);
    char *email = text(xp, op, "wd:Candidate_Data/wd:Contact_Data/wd:Email_Address");
    char *phone = text(xp, op, "wd:Candidate_Data/wd:Contact_Data/wd:Phone_Number");
    char *site = text(xp, op, "wd:Candidate_Data/wd:Contact_Data/wd:Website_Data/wd:URL_Address");
    char *req = text(xp, op, "wd:Candidate_Data/wd:Job_Application_Data/wd:Job_Applied_To_Data/wd:Job_Requisition_Reference/wd:ID[@wd:type='Job_Requisition_ID']");
    char *stage = text(xp, op, "wd:Candidate_Data/wd:Job_Application_Data/wd:Job_Applied_To_Data/wd:Stage_Reference/wd:ID[@wd:type='Recruiting_Stage_ID']");
    char *source = text(xp, op, "wd:Candidate_Data/wd:Job_Application_Data/wd:Job_Applied_To_Data/wd:Source_Reference/wd:ID[@wd:type='Applicant_Source_ID']");
    char *fname = text(xp, op, "wd:Candidate_Data/wd:Job_Application_Data/wd:Resume_Attachment_Data/wd:Filename");
    char *content = text(xp, op, "wd:Candidate_Data/wd:Job_Application_Data/wd:Resume_Attachment_Data/wd:File_Content");
    char *mime = text(xp, op, "wd:Candidate_Data/wd:Job_Application_Data/wd:Resume_Attachment_Data/wd:Mime_Type_Reference/wd:ID");
    json_object *cands = sb_arr(sb->wd, "candidates");
    json_object *existing = find(cands, "id", cand_ref);
    json_object *q = find(sb_arr(sb->wd, "requisitions"), "id", req);
    json_object *apps = NULL;
    if (existing)
        json_object_object_get_ex(existing, "applications", &apps);
    if (cand_ref && !existing) {
        invalid_id(rs, cand_ref, "Candidate_ID");
    } else if (!existing && (!first || !last)) {
        /* GUESS on the wording; that a new candidate needs a name is ours. */
        validation(rs, "First_Name and Last_Name are required", "Candidate_Data/Name_Data");
    } else if (email && (!strchr(email, '@') || strchr(email, ' '))) {
        validation(rs, "Email_Address is not a valid email address", "Candidate_Data/Contact_Data/Email_Address");
    } else if (!q) {
        invalid_id(rs, req, "Job_Requisition_ID");
    } else if (strcmp(sget(q, "status") ? sget(q, "status") : "", "Open")) {
        /* GUESS: a closed requisition takes no applications. */
        validation(rs, "The job requisition is not open", "Candidate_Data/Job_Application_Data");
    } else if (apps && find(apps, "requisition", req)) {
        /* GUESS: a second application to the same requisition is refused
         * (Workday's behaviour is not in the sources); a resume for an
         * existing application goes through Put_Candidate_Attachment. */
        validation(rs, "The candidate has already applied to this job requisition",
                   "Candidate_Data/Job_Application_Data/Job_Applied_To_Data/Job_Requisition_Reference");
    } else if (!str_in(sb_arr(sb->wd, "stages"), stage)) {
        invalid_id(rs, stage, "Recruiting_Stage_ID");
    } else if (!str_in(sb_arr(sb->wd, "sources"), source)) {
        invalid_id(rs, source, "Applicant_Source_ID");
    } else if (content && !b64_ok(content)) {
        validation(rs, "File_Content is not base64", "Resume_Attachment_Data/File_Content");
    } else {
        json_object *c = existing;
        if (!c) {
            char id[32];
            snprintf(id, sizeof(id), "C-%ld", sb_new_id(sb));
            c = json_object_new_object();
            json_object_object_add(c, "id", json_object_new_string(id));
            json_object_object_add(c, "first_name", json_object_new_string(first));
            json_object_object_add(c, "last_name", json_object_new_string(last));
            json_object_object_add(c, "email", email ? json_object_new_string(email) : NULL);
            json_object_object_add(c, "phone", phone ? json_object_new_string(phone) : NULL);
            json_object_object_add(c, "website", site ? json_object_new_string(site) : NULL);
            json_object_object_add(c, "applications", json_object_new_array());
            json_object_array_add(cands, c);
            sb_record(sb, "candidates", c);
        }
        json_object_object_get_ex(c, "applications", &apps);
        char aid[32];
        snprintf(aid, sizeof(aid), "JA-%ld", sb_new_id(sb));
        json_object *app = json_object_new_object();
        json_object_object_add(app, "id", json_object_new_string(aid));
        json_object_object_add(app, "candidate_id", json_object_new_string(sget(c, "id")));
        json_object_object_add(app, "requisition", json_object_new_string(req));
        json_object_object_add(app, "stage", json_object_new_string(stage));
        json_object_object_add(app, "source", json_object_new_string(source));
        json_object_object_add(app, "resumes", json_object_new_array());
        json_object_array_add(apps, app);
        sb_record(sb, "applications", app);
        if (fname && content)
            keep_attachment(sb, app, fname, content, mime, rs);
        /* Reply (CB mock_payload3.dwl; GW PutCandidateResponseType):
         * Candidate_Reference, Candidate_Job_Application_Data =
         * Job_Application_Reference, Job_Requisition_Reference. */
        reply r;
        reply_new(&r, "Put_Candidate_Response", cx, "v42.0");
        add_ref(&r, r.op, "Candidate_Reference", "Candidate_ID", sget(c, "id"), NULL);
        xmlNodePtr cj = add(&r, r.op, "Candidate_Job_Application_Data", NULL);
        add_ref(&r, cj, "Job_Application_Reference", "Job_Application_ID", sget(app, "id"), NULL);
        add_ref(&r, cj, "Job_Requisition_Reference", "Job_Requisition_ID", req, NULL);
        send_doc(rs, 200, r.doc);
    }
    char *all[] = { cand_ref, first, last, email, phone, site, req, stage, source, fname, content, mime };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        free(all[i]);
}

/* Put_Candidate_Attachment (GW PutCandidateAttachmentRequestType; one
 * source): Candidate_Reference, Job_Application_Attachment_Data =
 * (Job_Requisition_Reference?, Job_Application_Reference?, Attachment_Data).
 * Reply: Candidate_Reference, Job_Application_Attachment_Data =
 * (Job_Application_Reference, Job_Application_Attachment_Reference*). */
static void put_candidate_attachment(sandbox *sb, xmlXPathContextPtr xp, xmlNodePtr op,
                                     const wd_call_ctx *cx, sb_response *rs)
{
    char *cand_ref = text(xp, op, "wd:Candidate_Reference/wd:ID[@wd:type='Candidate_ID']");
    char *req = text(xp, op, "wd:Job_Application_Attachment_Data/wd:Job_Requisition_Reference/wd:ID[@wd:type='Job_Requisition_ID']");
    char *app_id = text(xp, op, "wd:Job_Application_Attachment_Data/wd:Job_Application_Reference/wd:ID[@wd:type='Job_Application_ID']");
    char *fname = text(xp, op, "wd:Job_Application_Attachment_Data/wd:Attachment_Data/wd:Filename");
    char *content = text(xp, op, "wd:Job_Application_Attachment_Data/wd:Attachment_Data/wd:File_Content");
    char *mime = text(xp, op, "wd:Job_Application_Attachment_Data/wd:Attachment_Data/wd:Mime_Type_Reference/wd:ID[@wd:type='Content_Type_ID']");
    json_object *c = find(sb_arr(sb->wd, "candidates"), "id", cand_ref), *apps = NULL, *app = NULL;
    if (c && json_object_object_get_ex(c, "applications", &apps))
        app = app_id ? find(apps, "id", app_id) : find(apps, "requisition", req);
    if (!c) {
        invalid_id(rs, cand_ref, "Candidate_ID");
    } else if (app_id && !app) {
        invalid_id(rs, app_id, "Job_Application_ID");
    } else if (!app) {
        /* GUESS on the wording. */
        validation(rs, "The candidate has no job application for this job requisition",
                   "Job_Application_Attachment_Data/Job_Requisition_Reference");
    } else if (!fname || !content) {
        /* Filename and File_Content are required (GW AttachmentWWSDataType). */
        validation(rs, "Filename and File_Content are required", "Job_Application_Attachment_Data/Attachment_Data");
    } else if (keep_attachment(sb, app, fname, content, mime, rs)) {
        reply r;
        reply_new(&r, "Put_Candidate_Attachment_Response", cx, "v42.0");
        add_ref(&r, r.op, "Candidate_Reference", "Candidate_ID", sget(c, "id"), NULL);
        xmlNodePtr ja = add(&r, r.op, "Job_Application_Attachment_Data", NULL);
        add_ref(&r, ja, "Job_Application_Reference", "Job_Application_ID", sget(app, "id"), NULL);
        char att[32];
        snprintf(att, sizeof(att), "ATTACHMENT-%ld", sb_new_id(sb));
        add_ref(&r, ja, "Job_Application_Attachment_Reference", "WID", att, NULL);
        send_doc(rs, 200, r.doc);
    }
    char *all[] = { cand_ref, req, app_id, fname, content, mime };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        free(all[i]);
}

/* The operations the fixture's user may not run ("denied": [...]). A
 * missing permission is answered "Processing error occurred. The task
 * submitted is not authorized." (HTTP 500; one anecdotal source,
 * learningworkday.blogspot.com, 2025-04-03); the faultcode is a GUESS (PYC
 * reports permission faults as authentication errors: unsure). */
static int denied(sandbox *sb, const char *user, const char *operation)
{
    json_object *u = find(sb_arr(sb->wd, "users"), "username", user), *d;
    if (!u || !json_object_object_get_ex(u, "denied", &d))
        return 0;
    char op[128];
    snprintf(op, sizeof(op), "%s", operation);
    char *suffix = strstr(op, "_Request");
    if (suffix)
        *suffix = '\0';
    return str_in(d, op);
}

int sb_workday(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    if (strncmp(rq->path, "/ccx/", 5) != 0)
        return 0;
    if (!strncmp(rq->path, "/ccx/oauth2/", 12))
        return token_endpoint(sb, rq, rs);
    if (strncmp(rq->path, "/ccx/service/", 13) != 0 || strcmp(rq->method, "POST") != 0) {
        sb_text(rs, 404, "{\"error\":\"not found\"}");
        return 1;
    }
    xmlDocPtr doc = xmlReadMemory(rq->body, (int)rq->body_len, "request.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        fault(rs, "SOAP-ENV:Client", "The request is not well-formed XML");
        return 1;
    }
    xmlXPathContextPtr xp = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(xp, X("wd"), X(WD_NS));
    xmlXPathRegisterNs(xp, X("env"), X(SOAP_NS));
    xmlXPathRegisterNs(xp, X("wsse"), X(WSSE_NS));
    xp->node = xmlDocGetRootElement(doc);
    xmlXPathObjectPtr ops = xmlXPathEvalExpression(X("/env:Envelope/env:Body/*"), xp);
    xmlNodePtr op = ops && ops->nodesetval && ops->nodesetval->nodeNr ? ops->nodesetval->nodeTab[0] : NULL;
    char *user = text(xp, NULL, "//wsse:UsernameToken/wsse:Username");
    wd_call_ctx cx = { 0, 0 };
    if (!authorised(sb, rq, xp)) {
        /* FLT NetIQ, ServiceNow: no detail. */
        fault(rs, "SOAP-ENV:Client.authenticationError", "invalid username or password");
    } else if (!op || !op->ns || strcmp((const char *)op->ns->href, WD_NS)) {
        fault(rs, "SOAP-ENV:Client", "No Workday operation in the SOAP body");
    } else if (!xmlHasNsProp(op, X("version"), X(WD_NS))) {
        validation(rs, "The version attribute is required", (const char *)op->name);
    } else if (denied(sb, user, (const char *)op->name)) {
        fault(rs, "SOAP-ENV:Client.processingFault",
              "Processing error occurred. The task submitted is not authorized.");
    } else {
        const char *name = (const char *)op->name;
        call_ctx(xp, op, &cx);
        int hr = strstr(rq->path, "/Human_Resources/") != NULL;
        if (!valid(name, op, &cx, rs))
            ; /* the fault is written */
        else if (!hr && !strcmp(name, "Get_Job_Requisitions_Request"))
            get_requisitions(sb, xp, op, &cx, rs);
        else if (hr && !strcmp(name, "Get_Locations_Request"))
            /* Get_Locations lives in Human_Resources (WDDOC). */
            get_locations(sb, xp, op, &cx, rs);
        else if (!hr && !strcmp(name, "Get_Candidates_Request"))
            get_candidates(sb, xp, op, &cx, rs);
        else if (!hr && !strcmp(name, "Get_Job_Postings_Request"))
            get_job_postings(sb, xp, op, &cx, rs);
        else if (!hr && !strcmp(name, "Put_Candidate_Request"))
            put_candidate(sb, xp, op, &cx, rs);
        else if (!hr && !strcmp(name, "Put_Candidate_Attachment_Request"))
            put_candidate_attachment(sb, xp, op, &cx, rs);
        else
            fault(rs, "SOAP-ENV:Client", "Unsupported operation for this service");
    }
    free(user);
    xmlXPathFreeObject(ops);
    xmlXPathFreeContext(xp);
    xmlFreeDoc(doc);
    return 1;
}

static void upsert_requisition(sandbox *sb, json_object *src)
{
    json_object *q = find(sb_arr(sb->wd, "requisitions"), "id", sget(src, "id"));
    if (!q) {
        q = json_object_new_object();
        json_object_array_add(sb_arr(sb->wd, "requisitions"), q);
    }
    json_object_object_foreach(src, k, v) json_object_object_add(q, k, json_object_get(v));
    char now[40];
    sb_now_iso(now, sizeof(now));
    if (!sget(src, "updated_at"))
        json_object_object_add(q, "updated_at", json_object_new_string(now));
}

int sb_workday_control(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    const char *p = rq->path + strlen("/_control/");
    if (strncmp(p, "workday/", 8) != 0)
        return 0;
    p += 8;
    if (!strcmp(p, "requisitions") && !strcmp(rq->method, "POST")) {
        json_object *b = json_tokener_parse(rq->body);
        if (b && json_object_is_type(b, json_type_array))
            for (size_t i = 0; i < json_object_array_length(b); i++)
                upsert_requisition(sb, json_object_array_get_idx(b, i));
        else if (b)
            upsert_requisition(sb, b);
        sb_text(rs, b ? 200 : 400, b ? "{}" : "{\"error\":\"bad json\"}");
        json_object_put(b);
        return 1;
    }
    if (!strncmp(p, "requisitions/", 13) && !strcmp(rq->method, "DELETE")) {
        json_object *all = sb_arr(sb->wd, "requisitions");
        for (size_t i = 0; i < json_object_array_length(all); i++)
            if (!strcmp(sget(json_object_array_get_idx(all, i), "id"), p + 13)) {
                json_object_array_del_idx(all, i, 1);
                sb_text(rs, 200, "{}");
                return 1;
            }
        sb_text(rs, 404, "{\"error\":\"no such requisition\"}");
        return 1;
    }
    return 0;
}

void sb_workday_init(sandbox *sb, json_object *fixture)
{
    json_object *w;
    sb->wd = json_object_object_get_ex(fixture, "workday", &w)
                 ? json_tokener_parse(json_object_to_json_string(w))
                 : json_object_new_object();
    char now[40];
    sb_now_iso(now, sizeof(now));
    json_object *all = sb_arr(sb->wd, "requisitions");
    for (size_t i = 0; i < json_object_array_length(all); i++)
        if (!sget(json_object_array_get_idx(all, i), "updated_at"))
            json_object_object_add(json_object_array_get_idx(all, i), "updated_at", json_object_new_string(now));
    json_object_object_add(sb->wd, "tokens", json_object_new_object());
}

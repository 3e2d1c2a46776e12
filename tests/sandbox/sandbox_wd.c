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

typedef struct reply {
    xmlDocPtr doc;
    xmlNodePtr op;
    xmlNsPtr ns;
} reply;

static void reply_new(reply *r, const char *name)
{
    r->doc = xmlNewDoc(X("1.0"));
    xmlNodePtr env = xmlNewNode(NULL, X("Envelope"));
    xmlNsPtr soap = xmlNewNs(env, X(SOAP_NS), X("env"));
    xmlSetNs(env, soap);
    r->ns = xmlNewNs(env, X(WD_NS), X("wd"));
    xmlDocSetRootElement(r->doc, env);
    xmlNodePtr body = xmlNewChild(env, soap, X("Body"), NULL);
    r->op = xmlNewChild(body, r->ns, X(name), NULL);
}

static xmlNodePtr add(reply *r, xmlNodePtr parent, const char *name, const char *text)
{
    return xmlNewTextChild(parent, r->ns, X(name), text ? X(text) : NULL);
}

static xmlNodePtr add_ref(reply *r, xmlNodePtr parent, const char *name, const char *type,
                          const char *id, const char *descriptor)
{
    xmlNodePtr ref = add(r, parent, name, NULL);
    if (descriptor)
        xmlNewNsProp(ref, r->ns, X("Descriptor"), X(descriptor));
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

static void fault(sb_response *rs, const char *code, const char *text)
{
    xmlDocPtr doc = xmlNewDoc(X("1.0"));
    xmlNodePtr env = xmlNewNode(NULL, X("Envelope"));
    xmlNsPtr soap = xmlNewNs(env, X(SOAP_NS), X("SOAP-ENV"));
    xmlSetNs(env, soap);
    xmlDocSetRootElement(doc, env);
    xmlNodePtr body = xmlNewChild(env, soap, X("Body"), NULL);
    xmlNodePtr f = xmlNewChild(body, soap, X("Fault"), NULL);
    /* SOAP 1.1: faultcode and faultstring are unqualified elements. */
    xmlNodePtr fc = xmlNewNode(NULL, X("faultcode")), fs = xmlNewNode(NULL, X("faultstring"));
    xmlAddChild(f, fc);
    xmlAddChild(f, fs);
    xmlNodeAddContent(fc, X(code));
    xmlNodeAddContent(fs, X(text));
    send_doc(rs, 500, doc);
}

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
    snprintf(b, sizeof(b), "%ld", page);
    add(r, rr, "Page", b);
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
    if (*page < 1)
        *page = 1;
}

static void get_requisitions(sandbox *sb, xmlXPathContextPtr xp, xmlNodePtr op, sb_response *rs)
{
    long page, count;
    page_of(xp, op, &page, &count);
    if (count < 1 || count > 999) {
        fault(rs, "SOAP-ENV:Client.validationError", "Count must be between 1 and 999");
        return;
    }
    char *from = text(xp, op, "wd:Request_Criteria/wd:Transaction_Log_Criteria_Data/wd:Transaction_Date_Range_Data/wd:Updated_From");
    time_t since = parse_iso(from);
    free(from);
    json_object *all = sb_arr(sb->wd, "requisitions");
    json_object **match = malloc((json_object_array_length(all) + 1) * sizeof(*match));
    size_t m = 0;
    for (size_t i = 0; i < json_object_array_length(all); i++) {
        json_object *q = json_object_array_get_idx(all, i);
        if (since == (time_t)-1 || parse_iso(sget(q, "updated_at")) >= since)
            match[m++] = q;
    }
    long pages = m ? (long)((m + (size_t)count - 1) / (size_t)count) : 0;
    reply r;
    reply_new(&r, "Get_Job_Requisitions_Response");
    size_t lo = (size_t)((page - 1) * count), hi = lo + (size_t)count;
    long in_page = 0;
    for (size_t i = lo; i < m && i < hi; i++)
        in_page++;
    results(&r, (long)m, pages, in_page, page);
    xmlNodePtr data = add(&r, r.op, "Response_Data", NULL);
    for (size_t i = lo; i < m && i < hi; i++) {
        json_object *q = match[i];
        xmlNodePtr jr = add(&r, data, "Job_Requisition", NULL);
        xmlNodePtr ref = add_ref(&r, jr, "Job_Requisition_Reference", "Job_Requisition_ID", sget(q, "id"), sget(q, "title"));
        (void)ref;
        xmlNodePtr d = add(&r, jr, "Job_Requisition_Data", NULL);
        if (sget(q, "id"))
            add(&r, d, "Job_Requisition_ID", sget(q, "id"));
        if (sget(q, "status"))
            add_ref(&r, d, "Job_Requisition_Status_Reference", "Job_Requisition_Status_ID", sget(q, "status"), NULL);
        if (sget(q, "title"))
            add(&r, d, "Job_Posting_Title", sget(q, "title"));
        if (sget(q, "description"))
            add(&r, d, "Job_Description_Summary", sget(q, "description"));
        if (sget(q, "location_id")) {
            json_object *l = find(sb_arr(sb->wd, "locations"), "id", sget(q, "location_id"));
            add_ref(&r, d, "Primary_Location_Reference", "Location_ID", sget(q, "location_id"),
                    l ? sget(l, "name") : sget(q, "location_id"));
        }
        if (sget(q, "organization"))
            add_ref(&r, d, "Supervisory_Organization_Reference", "Organization_Reference_ID",
                    sget(q, "organization"), sget(q, "organization"));
    }
    free(match);
    send_doc(rs, 200, r.doc);
}

static void get_locations(sandbox *sb, xmlXPathContextPtr xp, xmlNodePtr op, sb_response *rs)
{
    long page, count;
    page_of(xp, op, &page, &count);
    json_object *all = sb_arr(sb->wd, "locations");
    size_t m = json_object_array_length(all);
    long pages = m ? (long)((m + (size_t)count - 1) / (size_t)count) : 0;
    reply r;
    reply_new(&r, "Get_Locations_Response");
    size_t lo = (size_t)((page - 1) * count), hi = lo + (size_t)count;
    results(&r, (long)m, pages, (long)(m > lo ? (m < hi ? m - lo : (size_t)count) : 0), page);
    xmlNodePtr data = add(&r, r.op, "Response_Data", NULL);
    for (size_t i = lo; i < m && i < hi; i++) {
        json_object *l = json_object_array_get_idx(all, i);
        xmlNodePtr ln = add(&r, data, "Location", NULL);
        add_ref(&r, ln, "Location_Reference", "Location_ID", sget(l, "id"), sget(l, "name"));
        xmlNodePtr d = add(&r, ln, "Location_Data", NULL);
        add(&r, d, "Location_ID", sget(l, "id"));
        add(&r, d, "Location_Name", sget(l, "name"));
        if (sget(l, "country")) {
            xmlNodePtr a = add(&r, add(&r, d, "Contact_Data", NULL), "Address_Data", NULL);
            add_ref(&r, a, "Country_Reference", "ISO_3166-1_Alpha-2_Code", sget(l, "country"), NULL);
            if (sget(l, "city"))
                add(&r, a, "Municipality", sget(l, "city"));
            if (sget(l, "region"))
                add_ref(&r, a, "Country_Region_Reference", "Country_Region_ID", sget(l, "region"), sget(l, "region"));
        }
    }
    send_doc(rs, 200, r.doc);
}

static void candidate_xml(reply *r, xmlNodePtr parent, json_object *c)
{
    xmlNodePtr cn = add(r, parent, "Candidate", NULL);
    add_ref(r, cn, "Candidate_Reference", "Candidate_ID", sget(c, "id"), NULL);
    xmlNodePtr d = add(r, cn, "Candidate_Data", NULL);
    add(r, d, "Candidate_ID", sget(c, "id"));
    xmlNodePtr nd = add(r, add(r, add(r, d, "Name_Data", NULL), "Legal_Name", NULL), "Name_Detail_Data", NULL);
    add(r, nd, "First_Name", sget(c, "first_name"));
    add(r, nd, "Last_Name", sget(c, "last_name"));
    xmlNodePtr cd = add(r, d, "Contact_Data", NULL);
    if (sget(c, "email"))
        add(r, cd, "Email_Address", sget(c, "email"));
    json_object *apps;
    json_object_object_get_ex(c, "applications", &apps);
    for (size_t i = 0; apps && i < json_object_array_length(apps); i++) {
        json_object *a = json_object_array_get_idx(apps, i), *files;
        xmlNodePtr an = add(r, d, "Job_Application_Data", NULL);
        add_ref(r, an, "Job_Application_Reference", "Job_Application_ID", sget(a, "id"), NULL);
        xmlNodePtr to = add(r, an, "Job_Applied_To_Data", NULL);
        add_ref(r, to, "Job_Requisition_Reference", "Job_Requisition_ID", sget(a, "requisition"), NULL);
        json_object_object_get_ex(a, "resumes", &files);
        for (size_t k = 0; files && k < json_object_array_length(files); k++)
            add(r, add(r, an, "Resume_Attachment_Data", NULL), "Filename",
                json_object_get_string(json_object_array_get_idx(files, k)));
    }
}

static void get_candidates(sandbox *sb, xmlXPathContextPtr xp, xmlNodePtr op, sb_response *rs)
{
    char *email = text(xp, op, "wd:Request_Criteria/wd:Candidate_Email_Address");
    json_object *all = sb_arr(sb->wd, "candidates");
    reply r;
    reply_new(&r, "Get_Candidates_Response");
    json_object **match = malloc((json_object_array_length(all) + 1) * sizeof(*match));
    size_t m = 0;
    for (size_t i = 0; i < json_object_array_length(all); i++) {
        json_object *c = json_object_array_get_idx(all, i);
        if (!email || (sget(c, "email") && !strcasecmp(sget(c, "email"), email)))
            match[m++] = c;
    }
    results(&r, (long)m, m ? 1 : 0, (long)m, 1);
    xmlNodePtr data = add(&r, r.op, "Response_Data", NULL);
    for (size_t i = 0; i < m; i++)
        candidate_xml(&r, data, match[i]);
    free(match);
    free(email);
    send_doc(rs, 200, r.doc);
}

static void put_candidate(sandbox *sb, xmlXPathContextPtr xp, xmlNodePtr op, sb_response *rs)
{
    char *cand_ref = text(xp, op, "wd:Candidate_Reference/wd:ID[@wd:type='Candidate_ID']");
    char *first = text(xp, op, "wd:Candidate_Data/wd:Name_Data/wd:Legal_Name/wd:Name_Detail_Data/wd:First_Name");
    char *last = text(xp, op, "wd:Candidate_Data/wd:Name_Data/wd:Legal_Name/wd:Name_Detail_Data/wd:Last_Name");
    char *email = text(xp, op, "wd:Candidate_Data/wd:Contact_Data/wd:Email_Address");
    char *phone = text(xp, op, "wd:Candidate_Data/wd:Contact_Data/wd:Phone_Number");
    char *site = text(xp, op, "wd:Candidate_Data/wd:Contact_Data/wd:Website_Data/wd:URL_Address");
    char *req = text(xp, op, ".//wd:Job_Applied_To_Data/wd:Job_Requisition_Reference/wd:ID[@wd:type='Job_Requisition_ID']");
    char *stage = text(xp, op, ".//wd:Job_Applied_To_Data/wd:Stage_Reference/wd:ID[@wd:type='Recruiting_Stage_ID']");
    char *source = text(xp, op, ".//wd:Job_Applied_To_Data/wd:Source_Reference/wd:ID[@wd:type='Applicant_Source_ID']");
    char *fname = text(xp, op, ".//wd:Resume_Attachment_Data/wd:Filename");
    char *content = text(xp, op, ".//wd:Resume_Attachment_Data/wd:File_Content");
    char *mime = text(xp, op, ".//wd:Resume_Attachment_Data/wd:Mime_Type_Reference/wd:ID");
    json_object *cands = sb_arr(sb->wd, "candidates");
    json_object *existing = find(cands, "id", cand_ref);
    json_object *q = find(sb_arr(sb->wd, "requisitions"), "id", req);
    char msg[256];
    unsigned char *bytes = NULL;
    size_t nbytes = 0;
    if (cand_ref && !existing) {
        snprintf(msg, sizeof(msg), "Invalid ID value. '%s' is not a valid ID value for type = 'Candidate_ID'", cand_ref);
        fault(rs, "SOAP-ENV:Client.validationError", msg);
    } else if (!existing && (!first || !last)) {
        fault(rs, "SOAP-ENV:Client.validationError", "Validation error occurred. First_Name and Last_Name are required");
    } else if (email && (!strchr(email, '@') || strchr(email, ' '))) {
        fault(rs, "SOAP-ENV:Client.validationError", "Validation error occurred. Email_Address is not a valid email address");
    } else if (!q) {
        snprintf(msg, sizeof(msg), "Invalid ID value. '%s' is not a valid ID value for type = 'Job_Requisition_ID'", req ? req : "");
        fault(rs, "SOAP-ENV:Client.validationError", msg);
    } else if (strcmp(sget(q, "status") ? sget(q, "status") : "", "Open")) {
        fault(rs, "SOAP-ENV:Client.validationError", "Validation error occurred. The job requisition is not open");
    } else if (!str_in(sb_arr(sb->wd, "stages"), stage)) {
        snprintf(msg, sizeof(msg), "Invalid ID value. '%s' is not a valid ID value for type = 'Recruiting_Stage_ID'", stage ? stage : "");
        fault(rs, "SOAP-ENV:Client.validationError", msg);
    } else if (!str_in(sb_arr(sb->wd, "sources"), source)) {
        snprintf(msg, sizeof(msg), "Invalid ID value. '%s' is not a valid ID value for type = 'Applicant_Source_ID'", source ? source : "");
        fault(rs, "SOAP-ENV:Client.validationError", msg);
    } else if (content && !(bytes = sb_b64_decode(content, &nbytes))) {
        fault(rs, "SOAP-ENV:Client.validationError", "Validation error occurred. File_Content is not base64");
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
        json_object *apps;
        json_object_object_get_ex(c, "applications", &apps);
        json_object *app = find(apps, "requisition", req);
        if (!app) {
            char aid[32];
            snprintf(aid, sizeof(aid), "JA-%ld", sb_new_id(sb));
            app = json_object_new_object();
            json_object_object_add(app, "id", json_object_new_string(aid));
            json_object_object_add(app, "candidate_id", json_object_new_string(sget(c, "id")));
            json_object_object_add(app, "requisition", json_object_new_string(req));
            json_object_object_add(app, "stage", json_object_new_string(stage));
            json_object_object_add(app, "source", json_object_new_string(source));
            json_object_object_add(app, "resumes", json_object_new_array());
            json_object_array_add(apps, app);
            sb_record(sb, "applications", app);
        }
        if (fname && bytes) {
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
        }
        reply r;
        reply_new(&r, "Put_Candidate_Response");
        add_ref(&r, r.op, "Candidate_Reference", "Candidate_ID", sget(c, "id"), NULL);
        add_ref(&r, add(&r, r.op, "Candidate_Job_Application_Data", NULL), "Job_Application_Reference",
                "Job_Application_ID", sget(app, "id"), NULL);
        send_doc(rs, 200, r.doc);
    }
    free(bytes);
    char *all[] = { cand_ref, first, last, email, phone, site, req, stage, source, fname, content, mime };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        free(all[i]);
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
    if (!authorised(sb, rq, xp)) {
        fault(rs, "SOAP-ENV:Client.authenticationError", "invalid username or password");
    } else if (!op || !op->ns || strcmp((const char *)op->ns->href, WD_NS)) {
        fault(rs, "SOAP-ENV:Client", "No Workday operation in the SOAP body");
    } else if (!xmlHasNsProp(op, X("version"), X(WD_NS))) {
        fault(rs, "SOAP-ENV:Client.validationError", "The version attribute is required");
    } else {
        const char *name = (const char *)op->name;
        int hr = strstr(rq->path, "/Human_Resources/") != NULL;
        if (!hr && !strcmp(name, "Get_Job_Requisitions_Request"))
            get_requisitions(sb, xp, op, rs);
        else if (!strcmp(name, "Get_Locations_Request"))
            get_locations(sb, xp, op, rs);
        else if (!hr && !strcmp(name, "Get_Candidates_Request"))
            get_candidates(sb, xp, op, rs);
        else if (!hr && !strcmp(name, "Put_Candidate_Request"))
            put_candidate(sb, xp, op, rs);
        else
            fault(rs, "SOAP-ENV:Client", "Unsupported operation for this service");
    }
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

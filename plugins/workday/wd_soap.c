/* SOAP plumbing: envelopes, WS-Security, the call, and fault
 * classification.  Workday reports faults as HTTP 500 with a SOAP Fault
 * body, so requests ask the host to hand 500s back (pass_500). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include "wd.h"

#define WSSE_NS "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
#define PW_TEXT "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
#define X(s) ((const xmlChar *)(s))

int wd_req_new(wd *w, wd_req *r, const char *operation)
{
    memset(r, 0, sizeof(*r));
    r->doc = xmlNewDoc(X("1.0"));
    xmlNodePtr env = xmlNewNode(NULL, X("Envelope"));
    xmlNsPtr soap = xmlNewNs(env, X(SOAP_NS), X("env"));
    xmlSetNs(env, soap);
    r->ns = xmlNewNs(env, X(WD_NS), X("bsvc"));
    xmlDocSetRootElement(r->doc, env);
    if (!w->token_form && w->username) {
        xmlNodePtr hdr = xmlNewChild(env, soap, X("Header"), NULL);
        xmlNodePtr sec = xmlNewChild(hdr, NULL, X("Security"), NULL);
        xmlNsPtr wsse = xmlNewNs(sec, X(WSSE_NS), X("wsse"));
        xmlSetNs(sec, wsse);
        xmlNodePtr tok = xmlNewChild(sec, wsse, X("UsernameToken"), NULL);
        xmlNewTextChild(tok, wsse, X("Username"), X(w->username));
        xmlNodePtr pw = xmlNewTextChild(tok, wsse, X("Password"), X(w->password));
        xmlNewProp(pw, X("Type"), X(PW_TEXT));
    }
    /* References carry their names (wd:Descriptor) only when the request
     * asks in Workday_Common_Header: real replies without it have none
     * (shared doc, "Transport, auth, envelope"; GW WorkdayCommonHeaderType). */
    xmlNodePtr hdr = xmlFirstElementChild(env);
    if (!hdr)
        hdr = xmlNewChild(env, soap, X("Header"), NULL);
    xmlNodePtr common = xmlNewChild(hdr, r->ns, X("Workday_Common_Header"), NULL);
    xmlNewChild(common, r->ns, X("Include_Reference_Descriptors_In_Response"), X("true"));
    xmlNodePtr body = xmlNewChild(env, soap, X("Body"), NULL);
    r->op = xmlNewChild(body, r->ns, X(operation), NULL);
    xmlNewNsProp(r->op, r->ns, X("version"), X(w->version));
    return r->op ? ATSB_OK : w->api->set_error(NULL, ATSB_ERR_INTERNAL, "out of memory");
}

void wd_req_free(wd_req *r)
{
    if (r->doc)
        xmlFreeDoc(r->doc);
    memset(r, 0, sizeof(*r));
}

xmlNodePtr wd_add(wd_req *r, xmlNodePtr parent, const char *name, const char *text)
{
    /* xmlNewTextChild escapes &, <, > in text. */
    return xmlNewTextChild(parent, r->ns, X(name), text ? X(text) : NULL);
}

xmlNodePtr wd_add_ref(wd_req *r, xmlNodePtr parent, const char *name, const char *type,
                      const char *id)
{
    xmlNodePtr ref = wd_add(r, parent, name, NULL);
    xmlNodePtr idn = wd_add(r, ref, "ID", id);
    xmlNewNsProp(idn, r->ns, X("type"), X(type));
    return ref;
}

xmlXPathObjectPtr wd_nodes(xmlXPathContextPtr xp, xmlNodePtr node, const char *expr)
{
    xp->node = node ? node : xmlDocGetRootElement(xp->doc);
    return xmlXPathEvalExpression(X(expr), xp);
}

char *wd_text(xmlXPathContextPtr xp, xmlNodePtr node, const char *expr)
{
    xmlXPathObjectPtr o = wd_nodes(xp, node, expr);
    char *out = NULL;
    if (o && o->nodesetval && o->nodesetval->nodeNr > 0) {
        xmlChar *c = xmlNodeGetContent(o->nodesetval->nodeTab[0]);
        if (c) {
            out = strdup((const char *)c);
            xmlFree(c);
        }
    }
    xmlXPathFreeObject(o);
    return out;
}

long wd_long(xmlXPathContextPtr xp, xmlNodePtr node, const char *expr)
{
    char *t = wd_text(xp, node, expr);
    char *end = NULL;
    long v = t ? strtol(t, &end, 10) : -1;
    if (t && (end == t || *end))
        v = -1;
    free(t);
    return v;
}

static int classify_fault(wd *w, xmlXPathContextPtr xp, int status, int idempotent,
                          const char *op, atsb_error *err)
{
    /* Unqualified in SOAP 1.1, but some stacks qualify them: match both. */
    char *code = wd_text(xp, NULL, "//env:Fault/*[local-name()='faultcode']");
    char *text = wd_text(xp, NULL, "//env:Fault/*[local-name()='faultstring']");
    int rc;
    const char *c = code ? code : "", *t = text ? text : "(no message)";
    if (strcasestr(c, "authentication") || strcasestr(t, "invalid username or password") ||
        strcasestr(t, "not authorized") || strcasestr(c, "authorization"))
        rc = w->api->set_error(err, ATSB_ERR_AUTH, "%s: Workday refused the credentials: %s", op, t);
    else if (strcasestr(c, "Server"))
        rc = w->api->set_error(err, ATSB_ERR_TRANSIENT, "%s: Workday server fault: %s", op, t);
    else if (strcasestr(t, "Applicant_Source_ID") || strcasestr(t, "Recruiting_Stage_ID") ||
             (idempotent && strcasestr(c, "validationError")))
        /* The settings name something the tenant does not have. */
        rc = w->api->set_error(err, ATSB_ERR_CONFIG, "%s: %s", op, t);
    else
        rc = w->api->set_error(err, ATSB_ERR_PERMANENT, "%s: Workday rejected the request (%s): %s",
                               op, c[0] ? c : "fault", t);
    err->http_status = status;
    free(code);
    free(text);
    return rc;
}

/* SAX internalSubset is called for every <!DOCTYPE>, before its internal
 * subset is read: stop right there. */
static void refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *external_id,
                       const xmlChar *system_id)
{
    xmlParserCtxtPtr c = ctx;
    (void)name;
    (void)external_id;
    (void)system_id;
    *(int *)c->_private = 1;
    xmlStopParser(c);
}

/* Parse a reply.  SOAP forbids a DTD in a message (SOAP 1.1 section 3, SOAP
 * 1.2 part 1 section 5), and a DTD is how a reply blows up: entities
 * expanded quadratically (130 KB cost 6 s and 2.7 GB) or fetched from the
 * network.  So the parser stops at a DOCTYPE before reading its internal
 * subset (*dtd set, NULL returned), substitutes no entities (no
 * XML_PARSE_NOENT), loads no DTD (no XML_PARSE_DTDLOAD / DTDATTR) and never
 * touches the network (XML_PARSE_NONET). */
static xmlDocPtr parse_reply(const char *body, size_t len, int *dtd)
{
    *dtd = 0;
    if (!len || len > INT_MAX)
        return NULL;
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return NULL;
    ctxt->sax->internalSubset = refuse_dtd;
    ctxt->_private = dtd;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, body, (int)len, "response.xml", NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING);
    xmlFreeParserCtxt(ctxt);
    /* Belt and braces: whatever path built a subset, it is refused too. */
    if (doc && (doc->intSubset || doc->extSubset))
        *dtd = 1;
    if (*dtd && doc) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    return doc;
}

int wd_call(wd *w, const char *endpoint, wd_req *r, int idempotent, xmlDocPtr *resp,
            xmlXPathContextPtr *xpo, atsb_error *err)
{
    *resp = NULL;
    *xpo = NULL;
    xmlChar *buf = NULL;
    int len = 0;
    xmlDocDumpMemoryEnc(r->doc, &buf, &len, "UTF-8");
    if (!buf)
        return w->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    const char *op = (const char *)r->op->name;
    atsb_http_auth auth = { .struct_size = sizeof(auth), .kind = ATSB_AUTH_OAUTH2,
                            .user = w->client_id, .password = w->client_secret,
                            .token_url = w->token_url, .token_form = w->token_form };
    atsb_http_header hdrs[] = { { "Content-Type", "text/xml; charset=utf-8" },
                                { "Accept", "text/xml" },
                                { "SOAPAction", "\"\"" } };
    atsb_http_request req = { .struct_size = sizeof(req), .method = "POST", .url = endpoint,
                              .headers = hdrs, .header_count = 3, .body = buf,
                              .body_len = (size_t)len, .auth = w->token_form ? &auth : NULL,
                              .idempotent = idempotent, .pass_500 = 1 };
    atsb_http_response *hr = NULL;
    int rc = w->api->http(w->host, &req, &hr, err);
    /* The request held the password in its WS-Security header. */
    memset(buf, 0, (size_t)len);
    xmlFree(buf);
    if (rc)
        return rc;
    int dtd = 0;
    xmlDocPtr doc = parse_reply(hr->body, hr->body_len, &dtd);
    if (dtd) {
        rc = w->api->set_error(err, ATSB_ERR_PERMANENT,
                               "%s: Workday's reply carries a DTD, which SOAP forbids; refused "
                               "unparsed (HTTP %d, %zu bytes)", op, hr->status, hr->body_len);
        err->http_status = hr->status;
        w->api->http_free(w->host, hr);
        return rc;
    }
    xmlXPathContextPtr xp = doc ? xmlXPathNewContext(doc) : NULL;
    if (xp) {
        xmlXPathRegisterNs(xp, X("wd"), X(WD_NS));
        xmlXPathRegisterNs(xp, X("env"), X(SOAP_NS));
    }
    int status = hr->status;
    w->api->http_free(w->host, hr);
    int fault = 0;
    if (xp) {
        xmlXPathObjectPtr f = wd_nodes(xp, NULL, "//env:Fault");
        fault = f && f->nodesetval && f->nodesetval->nodeNr > 0;
        xmlXPathFreeObject(f);
    }
    if (fault) {
        rc = classify_fault(w, xp, status, idempotent, op, err);
    } else if (status == 401 || status == 403) {
        rc = w->api->set_error(err, ATSB_ERR_AUTH, "%s: Workday refused access (HTTP %d)", op, status);
    } else if (status < 200 || status >= 300) {
        rc = w->api->set_error(err, status >= 500 ? ATSB_ERR_TRANSIENT : ATSB_ERR_PERMANENT,
                               "%s: HTTP %d from Workday", op, status);
    } else if (!xp) {
        rc = w->api->set_error(err, ATSB_ERR_TRANSIENT, "%s: Workday returned malformed XML", op);
    }
    if (rc) {
        if (!err->http_status)
            err->http_status = status;
        xmlXPathFreeContext(xp);
        if (doc)
            xmlFreeDoc(doc);
        return rc;
    }
    *resp = doc;
    *xpo = xp;
    return ATSB_OK;
}

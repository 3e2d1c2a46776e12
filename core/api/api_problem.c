/* RFC 9457 problem details: every refusal is application/problem+json with
 * a stable type, the status, a detail naming what was wrong and, for a
 * body member, the field. */
#include "api/api_int.h"

#include <stdarg.h>
#include <stdio.h>

static const char *title_of(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
    }
}

int api_problem(api_req *r, int status, const char *kind, const char *field,
                const char *fmt, ...)
{
    char detail[ATSB_ERROR_MESSAGE_MAX + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    json_object *o = json_object_new_object();
    char type[96];
    snprintf(type, sizeof(type), "urn:atsbridge:problem:%s", kind);
    json_object_object_add(o, "type", json_object_new_string(type));
    json_object_object_add(o, "title", json_object_new_string(title_of(status)));
    json_object_object_add(o, "status", json_object_new_int(status));
    json_object_object_add(o, "detail", json_object_new_string(detail));
    if (field)
        json_object_object_add(o, "field", json_object_new_string(field));
    api_json_reply(r, status, o);
    r->content_type = "application/problem+json";
    return 0;
}

int api_fail(api_req *r, int code, const char *message)
{
    switch (code) {
    case ATSB_ERR_NOT_FOUND:
        return api_problem(r, 404, "not-found", NULL, "%s", message);
    case CORE_ERR_CONFLICT:
        return api_problem(r, 409, "conflict", NULL, "%s", message);
    case CORE_ERR_BUSY:
        return api_problem(r, 409, "busy", NULL, "%s", message);
    case ATSB_ERR_CONFIG:
        return api_problem(r, 422, "invalid-settings", NULL, "%s", message);
    case ATSB_ERR_AUTH:
        return api_problem(r, 422, "ats-auth-failed", NULL, "%s", message);
    case ATSB_ERR_TRANSIENT:
    case ATSB_ERR_RATE_LIMITED:
        r->status = 503;
        snprintf(r->retry_after, sizeof(r->retry_after), "30");
        return api_problem(r, 503, "ats-unavailable", NULL, "%s", message);
    case ATSB_ERR_PERMANENT:
        return api_problem(r, 502, "ats-refused", NULL, "%s", message);
    default:
        return api_problem(r, 500, "internal", NULL, "%s", message);
    }
}

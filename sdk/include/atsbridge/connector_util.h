/*
 * atsbridge connector SDK — optional header-only helpers.
 *
 * Small functions every connector ends up writing (formatting into a fresh
 * buffer, percent-encoding into one, reporting a partial push the way the
 * host it runs in understands).  Header-only and `static`, so they add no
 * exported symbol and no link dependency; memory they return is the
 * connector's own (malloc), released with free().  They use only ABI 1.0
 * host functions, so a connector using them still serves a 1.0 host.
 */
#ifndef ATSBRIDGE_CONNECTOR_UTIL_H
#define ATSBRIDGE_CONNECTOR_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atsbridge/connector.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ATSB_UTIL_UNUSED __attribute__((unused))
#else
#define ATSB_UTIL_UNUSED
#endif

/* vsnprintf into a malloc'd buffer of the right size; NULL on failure. */
static char *atsb_util_vprintf(const char *fmt, va_list ap) ATSB_PRINTF(1, 0);
static ATSB_UTIL_UNUSED char *atsb_util_vprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *s = (char *)malloc((size_t)n + 1);
    if (s && vsnprintf(s, (size_t)n + 1, fmt, ap) != n) {
        free(s);
        s = NULL;
    }
    return s;
}

static char *atsb_util_printf(const char *fmt, ...) ATSB_PRINTF(1, 2);
static ATSB_UTIL_UNUSED char *atsb_util_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = atsb_util_vprintf(fmt, ap);
    va_end(ap);
    return s;
}

/* src percent-encoded for a URL query value or path segment (RFC 3986
 * unreserved characters kept), in a malloc'd buffer; NULL on failure.  NULL
 * src encodes as "". */
static ATSB_UTIL_UNUSED char *atsb_util_url_encode(const atsb_host_api *api, const char *src)
{
    size_t need = 3 * strlen(src ? src : "") + 1; /* every byte may become %XX */
    char *s = (char *)malloc(need);
    if (s && api->url_encode(s, need, src ? src : "") < 0) {
        free(s);
        s = NULL;
    }
    return s;
}

/* find_candidate's answer for a push found incomplete: ATSB_OK with
 * out->missing set where the host reads it (ABI 1.1), ATSB_ERR_NOT_FOUND
 * for a 1.0 host, which has no `missing` field and calls push_candidate
 * only when nothing was found.  missing == 0 is a complete push: ATSB_OK. */
static ATSB_UTIL_UNUSED int atsb_util_found(atsb_push_result *out, uint32_t missing)
{
    if (!missing)
        return ATSB_OK;
    if (!ATSB_HAS_FIELD(atsb_push_result, out, missing))
        return ATSB_ERR_NOT_FOUND;
    out->missing = missing;
    return ATSB_OK;
}

/* Non-zero when the host called push_candidate in resume mode (after
 * find_candidate reported a partial push): out then holds the ids found and
 * the parts still missing. */
static ATSB_UTIL_UNUSED int atsb_util_resuming(const atsb_push_result *out)
{
    return ATSB_HAS_FIELD(atsb_push_result, out, missing) && out->missing != 0 &&
           out->candidate_id[0] != '\0';
}

/* Mark the push complete before returning ATSB_OK from push_candidate. */
static ATSB_UTIL_UNUSED void atsb_util_push_done(atsb_push_result *out)
{
    if (ATSB_HAS_FIELD(atsb_push_result, out, missing))
        out->missing = 0;
}

#ifdef __cplusplus
}
#endif

#endif /* ATSBRIDGE_CONNECTOR_UTIL_H */

/* The ABI 1.1 helpers of the host function table (atsb_host_api): URL
 * building, multipart/form-data, and the host's location rule.  Pure
 * functions, so they are unit-tested directly (tests/unit/test_host_helpers.c)
 * and used by the host itself as well as by connectors. */
#ifndef ATSB_CORE_HOST_HELPERS_H
#define ATSB_CORE_HOST_HELPERS_H

#include <stddef.h>

#include "atsbridge/connector.h"

/* RFC 3986 percent-encoding into dst; bytes written excluding NUL, or -1
 * when dst is too small (ABI 1.0's api->url_encode). */
int host_url_encode(char *dst, size_t size, const char *src);
char *host_url_with_query(const char *base, const char *const *pairs, size_t n_pairs);
int host_form_build(const atsb_form_part *const *parts, size_t count, atsb_form **out,
                    atsb_error *err);
void host_form_free(atsb_form *form);
atsb_location_verdict host_location_classify(const atsb_job *job, char *country, size_t size);

#endif

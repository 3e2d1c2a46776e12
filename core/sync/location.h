/* "Is this job in the United States?" decided from what the ATS gave: a
 * country code when there is one, otherwise free text such as "Austin, TX",
 * "Remote - US" or "Toronto, ON, Canada".  The one place this rule lives. */
#ifndef ATSB_CORE_LOCATION_H
#define ATSB_CORE_LOCATION_H

#include <stddef.h>

typedef enum location_verdict {
    LOCATION_UNKNOWN = 0,  /* cannot tell ("Remote", "Multiple locations") */
    LOCATION_US = 1,
    LOCATION_NON_US = 2
} location_verdict;

typedef struct location_input {
    const char *country_code;  /* may be NULL: "US", "usa", "United States", "CA" */
    const char *region;        /* may be NULL: "TX", "Texas", "Ontario" */
    const char *city;          /* may be NULL */
    const char *text;          /* may be NULL: the raw location text */
} location_input;

/* Decide, and write the ISO 3166-1 alpha-2 code found ("US", "CA", ...) to
 * country (empty when unknown). */
location_verdict location_classify(const location_input *in, char *country, size_t size);
const char *location_verdict_name(location_verdict v);

#endif

/* "Is this job in the United States?" decided from what the ATS gave: a
 * country code when there is one, otherwise free text such as "Austin, TX",
 * "Remote - US" or "Toronto, ON, Canada", read against the GeoNames
 * gazetteer (core/sync/gazetteer.h).  The one place this rule lives.
 *
 * Thread-safe: the gazetteer loads once (pthread_once) and is read-only;
 * everything else is on the caller's stack.  Bounded: at most
 * LOCATION_MAX_TEXT bytes of each text and LOCATION_MAX_PARTS locations are
 * read, whatever the input. */
#ifndef ATSB_CORE_LOCATION_H
#define ATSB_CORE_LOCATION_H

#include <stddef.h>

#define LOCATION_MAX_TEXT 1024   /* bytes of text read; the rest is ignored */
#define LOCATION_MAX_PARTS 32    /* locations in one text judged; the rest ignored */
#define LOCATION_MAX_REPORT 8    /* locations described by an explanation */

typedef enum location_verdict {
    LOCATION_UNKNOWN = 0,  /* cannot tell ("Remote", "Multiple locations") */
    LOCATION_US = 1,
    LOCATION_NON_US = 2
} location_verdict;

/* What decided. */
typedef enum location_basis {
    LOCATION_BY_NOTHING = 0,       /* no field placed it */
    LOCATION_BY_COUNTRY_FIELD = 1, /* the ATS's structured country */
    LOCATION_BY_REGION_FIELD = 2,  /* the ATS's structured region (a USPS code) */
    LOCATION_BY_TEXT = 3           /* the text rule */
} location_basis;

typedef struct location_input {
    const char *country_code;  /* may be NULL: "US", "usa", "United States", "CA" */
    const char *region;        /* may be NULL: "TX", "Texas", "Ontario" */
    const char *city;          /* may be NULL */
    const char *text;          /* may be NULL: the raw location text */
} location_input;

typedef struct location_opts {
    int territories_us;  /* Puerto Rico, Guam, USVI, American Samoa, N. Mariana Is. count as US */
    int explain;         /* fill location_result.parts (costs a little; off in syncs) */
} location_opts;

typedef struct location_part {
    char text[128];            /* the location as read (accents folded) */
    location_verdict verdict;
    char country[4];
    char why[256];
} location_part;

typedef struct location_result {
    location_verdict verdict;
    char country[8];           /* ISO 3166-1 alpha-2 found, "" when unknown; "US" for US */
    location_basis basis;
    char part[128];            /* the location that decided, "" when none */
    char why[256];             /* which rule and gazetteer entry decided */
    size_t nparts;             /* with opts->explain: the locations read... */
    size_t parts_total;        /* ...of this many */
    int truncated;             /* the text was longer than LOCATION_MAX_TEXT or had more parts */
    location_part parts[LOCATION_MAX_REPORT];
} location_result;

/* The defaults: territories count as US, no explanation. */
extern const location_opts location_default_opts;

/* Decide; opts NULL means location_default_opts. */
void location_decide(const location_input *in, const location_opts *opts, location_result *out);
/* The same with the defaults, writing only the verdict and the ISO code
 * found ("US", "CA", ..., empty when unknown) to country. */
location_verdict location_classify(const location_input *in, char *country, size_t size);
const char *location_verdict_name(location_verdict v);
const char *location_basis_name(location_basis b);

#endif

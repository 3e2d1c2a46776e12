/* The place names the US-location rule matches against: the GeoNames cities
 * Debian's libgeonames ships (about 24,000 cities of 15,000 people or more,
 * every capital, with country and first-level division; data CC-BY 4.0),
 * embedded at build time by core/sync/gen/gen_cities.c (the library, GPL-3,
 * is not linked),
 * plus the explicit tables no city list holds: US states and territories
 * with their USPS codes, Canadian and Australian divisions with their
 * postal abbreviations, country names, aliases and ISO 3166 codes.
 *
 * Loaded once per process on first use (pthread_once) and read-only after,
 * so the daemon's workers share it without locks. */
#ifndef ATSB_CORE_GAZETTEER_H
#define ATSB_CORE_GAZETTEER_H

#include <stddef.h>
#include <stdint.h>

/* One city.  Strings live as long as the process. */
typedef struct gaz_city {
    const char *name;     /* as GeoNames writes it: "Montréal" */
    const char *admin1;   /* first-level division: "Quebec", "Texas" */
    char cc[3];           /* ISO 3166-1 alpha-2 of its country: "CA" */
    char state[3];        /* USPS code when cc is US or a US territory */
    uint32_t pop;
} gaz_city;

/* What a normalised name (see gaz_next_word) may mean; several can hold:
 * "georgia" is a US state and a country, "new york" a state and a city. */
enum {
    GAZ_COUNTRY = 1 << 0,     /* country: ISO code in country */
    GAZ_US_STATE = 1 << 1,    /* US state/DC/territory by name: USPS code in state */
    GAZ_ADMIN1 = 1 << 2,      /* a foreign first-level division: its country in admin1_cc */
    GAZ_CITY = 1 << 3,        /* cities: city_first/city_count */
    GAZ_US = 1 << 4,          /* names the US itself ("united states", "usa") */
    GAZ_REGION_NON_US = 1 << 5, /* a region wholly outside the US ("emea", "europe") */
    GAZ_REGION_ANY = 1 << 6,  /* a region that may or may not include the US */
    GAZ_NOISE = 1 << 7        /* a decoration: "remote", "hybrid", "on site", "hq" */
};

typedef struct gaz_name {
    const char *key;         /* normalised: "san francisco" */
    unsigned flags;
    char country[3];
    char state[3];
    char admin1_cc[3];
    const char *label;       /* what it stands for, for explanations */
    uint32_t city_first;     /* index of its first city (cities sorted by key) */
    uint32_t city_count;
} gaz_name;

/* A 2- or 3-letter code's readings (case-insensitive). */
typedef struct gaz_code {
    char state[3];        /* USPS state/territory code */
    char country[3];      /* ISO 3166-1 country (alpha-2 or alpha-3 mapped) */
    char admin1_cc[3];    /* a foreign division's abbreviation (ON, NSW): its country */
    const char *admin1;   /* and its name */
} gaz_code;

/* Load on first call; never fails (without city data the explicit tables
 * still work, and gaz_city_total() says 0). */
void gaz_init(void);
size_t gaz_city_total(void);
const gaz_city *gaz_city_at(uint32_t i);
/* key: normalised words joined by single spaces. */
const gaz_name *gaz_lookup(const char *key, size_t len);
/* 1 when code (2 or 3 letters) has any reading, filled in *out. */
int gaz_code_lookup(const char *code, size_t len, gaz_code *out);
/* US territories' ISO codes (PR GU VI AS MP). */
int gaz_is_us_territory(const char *cc);
/* The English name of a country code, "" when unknown. */
const char *gaz_country_name(const char *cc);

/* Words as both the gazetteer and the classifier see them, so both sides
 * normalise alike.  s is ASCII text from gaz_fold.  Skips to the next word
 * at or after *pos; writes it lower-cased to word (apostrophes dropped,
 * "U.S.A." joined to "usa", "saint" shortened to "st"), its bounds in s to
 * start/end, and 1 to *upper when every letter was upper case.  Returns 0
 * at the end. */
int gaz_next_word(const char *s, size_t *pos, char *word, size_t wsize, size_t *start,
                  size_t *end, int *upper);
/* Transliterate UTF-8 to ASCII keeping case and punctuation: Latin letters
 * lose their accents ("Zürich" -> "Zurich", "ß" -> "ss"), typographic
 * dashes, quotes and spaces become their ASCII forms, bullets become '|',
 * other letters become '~' (a word character that matches nothing).  Writes
 * at most size-1 bytes; returns the length. */
size_t gaz_fold(const char *in, size_t n, char *out, size_t size);
/* gaz_fold then words joined by single spaces: the key form. */
size_t gaz_key(const char *in, char *out, size_t size);

#endif

#include "sync/location.h"

#include <ctype.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>

#include "base/util.h"

typedef struct named { const char *name; const char *code; } named;

/* USPS codes: the 50 states, DC and the inhabited territories (all US). */
static const char *const US_CODES[] = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL",
    "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE",
    "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD",
    "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR", "GU", "VI", "AS", "MP",
};

static const char *const US_STATES[] = {
    "alabama", "alaska", "arizona", "arkansas", "california", "colorado", "connecticut",
    "delaware", "district of columbia", "florida", "georgia", "hawaii", "idaho", "illinois",
    "indiana", "iowa", "kansas", "kentucky", "louisiana", "maine", "maryland",
    "massachusetts", "michigan", "minnesota", "mississippi", "missouri", "montana",
    "nebraska", "nevada", "new hampshire", "new jersey", "new mexico", "new york",
    "north carolina", "north dakota", "ohio", "oklahoma", "oregon", "pennsylvania",
    "rhode island", "south carolina", "south dakota", "tennessee", "texas", "utah",
    "vermont", "virginia", "washington", "west virginia", "wisconsin", "wyoming",
    "puerto rico",
};

/* Phrases that name the US itself (after lower-casing and dropping dots). */
static const char *const US_PHRASES[] = {
    "united states", "united states of america", "usa", "us", "u s", "u s a", "america",
    "us remote", "remote us", "us only", "us based", "nationwide us",
};

/* Unambiguous large US cities, for text that names only a city. */
static const char *const US_CITIES[] = {
    "new york city", "nyc", "los angeles", "chicago", "houston", "phoenix", "philadelphia",
    "san antonio", "san diego", "dallas", "san jose", "austin", "jacksonville",
    "fort worth", "columbus", "charlotte", "indianapolis", "san francisco", "seattle",
    "denver", "nashville", "oklahoma city", "el paso", "boston", "detroit", "memphis",
    "louisville", "baltimore", "milwaukee", "albuquerque", "tucson", "fresno",
    "sacramento", "atlanta", "omaha", "raleigh", "miami", "minneapolis", "tulsa",
    "cleveland", "pittsburgh", "cincinnati", "st louis", "saint louis", "salt lake city",
    "silicon valley", "bay area", "sf bay area", "greenville", "chattanooga", "knoxville",
    "grand rapids", "toledo", "akron", "dayton", "wichita", "des moines", "boise",
};

/* Countries other than the US, by name and code. */
static const named COUNTRIES[] = {
    { "canada", "CA" }, { "mexico", "MX" }, { "united kingdom", "GB" }, { "uk", "GB" },
    { "great britain", "GB" }, { "england", "GB" }, { "scotland", "GB" }, { "wales", "GB" },
    { "northern ireland", "GB" }, { "ireland", "IE" }, { "germany", "DE" },
    { "deutschland", "DE" }, { "france", "FR" }, { "spain", "ES" }, { "portugal", "PT" },
    { "italy", "IT" }, { "netherlands", "NL" }, { "the netherlands", "NL" },
    { "belgium", "BE" }, { "switzerland", "CH" }, { "austria", "AT" }, { "poland", "PL" },
    { "czech republic", "CZ" }, { "czechia", "CZ" }, { "sweden", "SE" }, { "norway", "NO" },
    { "denmark", "DK" }, { "finland", "FI" }, { "romania", "RO" }, { "hungary", "HU" },
    { "greece", "GR" }, { "turkey", "TR" }, { "ukraine", "UA" }, { "israel", "IL" },
    { "india", "IN" }, { "china", "CN" }, { "japan", "JP" }, { "south korea", "KR" },
    { "korea", "KR" }, { "singapore", "SG" }, { "philippines", "PH" }, { "vietnam", "VN" },
    { "thailand", "TH" }, { "malaysia", "MY" }, { "indonesia", "ID" }, { "australia", "AU" },
    { "new zealand", "NZ" }, { "brazil", "BR" }, { "argentina", "AR" }, { "chile", "CL" },
    { "colombia", "CO" }, { "peru", "PE" }, { "costa rica", "CR" }, { "south africa", "ZA" },
    { "nigeria", "NG" }, { "kenya", "KE" }, { "egypt", "EG" }, { "uae", "AE" },
    { "united arab emirates", "AE" }, { "saudi arabia", "SA" }, { "pakistan", "PK" },
    { "bangladesh", "BD" }, { "taiwan", "TW" }, { "hong kong", "HK" }, { "luxembourg", "LU" },
    { "estonia", "EE" }, { "latvia", "LV" }, { "lithuania", "LT" }, { "bulgaria", "BG" },
    { "serbia", "RS" }, { "croatia", "HR" }, { "slovakia", "SK" }, { "slovenia", "SI" },
    { "iceland", "IS" }, { "emea", "" }, { "apac", "" }, { "latam", "" }, { "europe", "" },
    { "asia", "" },
};

static const named CA_PROVINCES[] = {
    { "ontario", "ON" }, { "quebec", "QC" }, { "british columbia", "BC" },
    { "alberta", "AB" }, { "manitoba", "MB" }, { "saskatchewan", "SK" },
    { "nova scotia", "NS" }, { "new brunswick", "NB" }, { "newfoundland", "NL" },
    { "prince edward island", "PE" }, { "yukon", "YT" }, { "nunavut", "NU" },
    { "northwest territories", "NT" },
};

static const named FOREIGN_CITIES[] = {
    { "toronto", "CA" }, { "montreal", "CA" }, { "vancouver", "CA" }, { "calgary", "CA" },
    { "ottawa", "CA" }, { "edmonton", "CA" }, { "winnipeg", "CA" }, { "mississauga", "CA" },
    { "london", "GB" }, { "manchester", "GB" }, { "edinburgh", "GB" }, { "glasgow", "GB" },
    { "dublin", "IE" }, { "berlin", "DE" }, { "munich", "DE" }, { "hamburg", "DE" },
    { "frankfurt", "DE" }, { "paris", "FR" }, { "lyon", "FR" }, { "madrid", "ES" },
    { "barcelona", "ES" }, { "lisbon", "PT" }, { "amsterdam", "NL" }, { "rotterdam", "NL" },
    { "brussels", "BE" }, { "zurich", "CH" }, { "geneva", "CH" }, { "vienna", "AT" },
    { "warsaw", "PL" }, { "krakow", "PL" }, { "prague", "CZ" }, { "stockholm", "SE" },
    { "oslo", "NO" }, { "copenhagen", "DK" }, { "helsinki", "FI" }, { "milan", "IT" },
    { "rome", "IT" }, { "tel aviv", "IL" }, { "bangalore", "IN" }, { "bengaluru", "IN" },
    { "mumbai", "IN" }, { "hyderabad", "IN" }, { "pune", "IN" }, { "chennai", "IN" },
    { "new delhi", "IN" }, { "delhi", "IN" }, { "gurgaon", "IN" }, { "shanghai", "CN" },
    { "beijing", "CN" }, { "shenzhen", "CN" }, { "tokyo", "JP" }, { "osaka", "JP" },
    { "seoul", "KR" }, { "manila", "PH" }, { "sydney", "AU" }, { "melbourne", "AU" },
    { "brisbane", "AU" }, { "auckland", "NZ" }, { "sao paulo", "BR" }, { "buenos aires", "AR" },
    { "mexico city", "MX" }, { "monterrey", "MX" }, { "guadalajara", "MX" }, { "tijuana", "MX" },
    { "bogota", "CO" }, { "santiago", "CL" }, { "lima", "PE" }, { "dubai", "AE" },
    { "cape town", "ZA" }, { "johannesburg", "ZA" }, { "lagos", "NG" }, { "nairobi", "KE" },
    { "cairo", "EG" }, { "istanbul", "TR" }, { "kyiv", "UA" }, { "bucharest", "RO" },
    { "budapest", "HU" }, { "athens", "GR" },
};

/* Lower-case, turn everything but letters/digits into single spaces, drop
 * dots inside abbreviations ("U.S.A." -> "usa"), pad with spaces so a phrase
 * match is " phrase " (whole words only). */
static void normalise(const char *in, char *out, size_t size)
{
    size_t o = 0;
    if (size < 3) {
        if (size)
            out[0] = '\0';
        return;
    }
    out[o++] = ' ';
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 2 < size; p++) {
        if (*p == '.')
            continue;
        if (isalnum(*p)) {
            out[o++] = (char)tolower(*p);
        } else if (*p >= 0x80) {
            out[o++] = (char)*p; /* keep UTF-8 bytes; names we match are ASCII */
        } else if (out[o - 1] != ' ') {
            out[o++] = ' ';
        }
    }
    if (out[o - 1] != ' ')
        out[o++] = ' ';
    out[o] = '\0';
}

static int has_phrase(const char *norm, const char *phrase)
{
    char pat[96];
    size_t n = strlen(phrase);
    if (n + 3 > sizeof(pat))
        return 0;
    pat[0] = ' ';
    memcpy(pat + 1, phrase, n);
    pat[n + 1] = ' ';
    pat[n + 2] = '\0';
    return strstr(norm, pat) != NULL;
}

/* Blank out a phrase so "New Mexico" is not later read as Mexico. */
static void mask_phrase(char *norm, const char *phrase)
{
    char pat[96];
    size_t n = strlen(phrase);
    if (n + 3 > sizeof(pat))
        return;
    pat[0] = ' ';
    memcpy(pat + 1, phrase, n);
    pat[n + 1] = ' ';
    pat[n + 2] = '\0';
    char *p;
    while ((p = strstr(norm, pat)))
        memset(p + 1, '#', n);
}

static int is_us_code(const char *s, size_t n)
{
    if (n != 2)
        return 0;
    for (size_t i = 0; i < ARRAY_LEN(US_CODES); i++)
        if (s[0] == US_CODES[i][0] && s[1] == US_CODES[i][1])
            return 1;
    return 0;
}

static int is_ca_code(const char *s, size_t n)
{
    if (n != 2)
        return 0;
    for (size_t i = 0; i < ARRAY_LEN(CA_PROVINCES); i++)
        if (s[0] == CA_PROVINCES[i].code[0] && s[1] == CA_PROVINCES[i].code[1])
            return 1;
    return 0;
}

/* Look at the comma/dash/paren-separated parts of the original text for a
 * bare upper-case state or province code: "Austin, TX", "Austin TX 78701",
 * "Toronto, ON".  Only upper case counts, so "in", "or", "me" never do.
 * Returns 1 for a US code, 2 for a Canadian one, 0 for none. */
static int code_part(const char *text)
{
    int found = 0;
    const char *p = text;
    while (*p) {
        while (*p && !isalnum((unsigned char)*p))
            p++;
        const char *start = p;
        while (*p && isalnum((unsigned char)*p))
            p++;
        size_t n = (size_t)(p - start);
        if (n != 2 || !isupper((unsigned char)start[0]) || !isupper((unsigned char)start[1]))
            continue;
        /* A code must end its part: followed by end, a separator, or a ZIP. */
        const char *q = p;
        while (*q == ' ')
            q++;
        int ends = !*q || *q == ',' || *q == ')' || *q == ';' || *q == '/' || *q == '|' ||
                   *q == '-' || (isdigit((unsigned char)*q));
        /* ...and start one: preceded by a separator or a city word + space. */
        int starts = start == text || start[-1] == ' ' || start[-1] == ',' ||
                     start[-1] == '(' || start[-1] == '-';
        if (!ends || !starts)
            continue;
        if (is_us_code(start, n) && !found)
            found = 1;
        else if (is_ca_code(start, n))
            return 2;
    }
    return found;
}

static location_verdict from_code(const char *code, char *country, size_t size)
{
    char up[4] = { 0 };
    size_t n = strlen(code);
    if (n == 3 && strncasecmp(code, "USA", 3) == 0) {
        str_copy(country, size, "US");
        return LOCATION_US;
    }
    if (n != 2)
        return LOCATION_UNKNOWN;
    up[0] = (char)toupper((unsigned char)code[0]);
    up[1] = (char)toupper((unsigned char)code[1]);
    if (!isalpha((unsigned char)up[0]) || !isalpha((unsigned char)up[1]))
        return LOCATION_UNKNOWN;
    str_copy(country, size, up);
    return strcmp(up, "US") == 0 ? LOCATION_US : LOCATION_NON_US;
}

static location_verdict from_text(const char *raw, char *country, size_t size)
{
    char norm[1024];
    normalise(raw, norm, sizeof(norm));

    /* US state names first, masked, so "New Mexico" or "Georgia" never
     * reads as a foreign country later. */
    int us_state = 0;
    for (size_t i = 0; i < ARRAY_LEN(US_STATES); i++) {
        if (has_phrase(norm, US_STATES[i])) {
            us_state = 1;
            mask_phrase(norm, US_STATES[i]);
        }
    }
    int us_named = 0;
    for (size_t i = 0; i < ARRAY_LEN(US_PHRASES); i++)
        us_named |= has_phrase(norm, US_PHRASES[i]);
    /* "America" alone is US only when not "North/Latin/South America". */
    if (us_named && !has_phrase(norm, "united states") && !has_phrase(norm, "usa") &&
        !has_phrase(norm, "us") && !has_phrase(norm, "u s") && !has_phrase(norm, "u s a") &&
        (has_phrase(norm, "north america") || has_phrase(norm, "latin america") ||
         has_phrase(norm, "south america") || has_phrase(norm, "central america")))
        us_named = 0;
    if (us_named) {
        str_copy(country, size, "US");
        return LOCATION_US;
    }
    for (size_t i = 0; i < ARRAY_LEN(COUNTRIES); i++) {
        if (has_phrase(norm, COUNTRIES[i].name)) {
            str_copy(country, size, COUNTRIES[i].code);
            return LOCATION_NON_US;
        }
    }
    for (size_t i = 0; i < ARRAY_LEN(CA_PROVINCES); i++) {
        if (has_phrase(norm, CA_PROVINCES[i].name)) {
            str_copy(country, size, "CA");
            return LOCATION_NON_US;
        }
    }
    int code = code_part(raw);
    if (code == 2) {
        str_copy(country, size, "CA");
        return LOCATION_NON_US;
    }
    /* Foreign cities before US states: "London, Ontario" was caught above;
     * "Paris" alone is France, while "Paris, TX" has a code and wins here. */
    if (code == 1 || us_state) {
        str_copy(country, size, "US");
        return LOCATION_US;
    }
    for (size_t i = 0; i < ARRAY_LEN(FOREIGN_CITIES); i++) {
        if (has_phrase(norm, FOREIGN_CITIES[i].name)) {
            str_copy(country, size, FOREIGN_CITIES[i].code);
            return LOCATION_NON_US;
        }
    }
    for (size_t i = 0; i < ARRAY_LEN(US_CITIES); i++) {
        if (has_phrase(norm, US_CITIES[i])) {
            str_copy(country, size, "US");
            return LOCATION_US;
        }
    }
    return LOCATION_UNKNOWN;
}

location_verdict location_classify(const location_input *in, char *country, size_t size)
{
    str_copy(country, size, "");
    if (!str_empty(in->country_code)) {
        location_verdict v = from_code(in->country_code, country, size);
        if (v != LOCATION_UNKNOWN)
            return v;
        /* A country *name* in the code field ("United States", "Canada"). */
        v = from_text(in->country_code, country, size);
        if (v != LOCATION_UNKNOWN)
            return v;
    }
    if (!str_empty(in->region)) {
        size_t n = strlen(in->region);
        if (n == 2 && is_us_code(in->region, 2) && !is_ca_code(in->region, 2)) {
            str_copy(country, size, "US");
            return LOCATION_US;
        }
    }
    /* Several locations ("Toronto, ON; Dayton, OH"): the job is in the US
     * when any of them is, since it can be filled there. */
    if (in->text && strchr(in->text, ';')) {
        location_verdict best = LOCATION_UNKNOWN;
        char part_country[8] = "";
        char buf[1024];
        str_copy(buf, sizeof(buf), in->text);
        char *save = NULL;
        for (char *part = strtok_r(buf, ";", &save); part; part = strtok_r(NULL, ";", &save)) {
            location_input one = { NULL, NULL, NULL, part };
            char c[8];
            location_verdict v = location_classify(&one, c, sizeof(c));
            if (v == LOCATION_US) {
                str_copy(country, size, "US");
                return LOCATION_US;
            }
            if (v == LOCATION_NON_US && best == LOCATION_UNKNOWN) {
                best = v;
                str_copy(part_country, sizeof(part_country), c);
            }
        }
        if (best != LOCATION_UNKNOWN) {
            str_copy(country, size, part_country);
            return best;
        }
    }
    /* Join every text we have so "Austin" + "TX" reads as "Austin, TX". */
    char joined[1024];
    snprintf(joined, sizeof(joined), "%s, %s, %s", in->text ? in->text : "",
             in->city ? in->city : "", in->region ? in->region : "");
    return from_text(joined, country, size);
}

const char *location_verdict_name(location_verdict v)
{
    switch (v) {
    case LOCATION_US: return "us";
    case LOCATION_NON_US: return "non-us";
    default: return "unknown";
    }
}

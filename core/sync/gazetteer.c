#include "sync/gazetteer.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"

/* ---- explicit tables: what a city list cannot say ---- */

typedef struct coded { const char *code; const char *name; } coded;

/* USPS codes of the states and DC, then the inhabited territories (whose
 * ISO country codes are the same letters). */
static const coded US_STATES[] = {
    { "AL", "Alabama" }, { "AK", "Alaska" }, { "AZ", "Arizona" }, { "AR", "Arkansas" },
    { "CA", "California" }, { "CO", "Colorado" }, { "CT", "Connecticut" },
    { "DE", "Delaware" }, { "DC", "District of Columbia" }, { "FL", "Florida" },
    { "GA", "Georgia" }, { "HI", "Hawaii" }, { "ID", "Idaho" }, { "IL", "Illinois" },
    { "IN", "Indiana" }, { "IA", "Iowa" }, { "KS", "Kansas" }, { "KY", "Kentucky" },
    { "LA", "Louisiana" }, { "ME", "Maine" }, { "MD", "Maryland" },
    { "MA", "Massachusetts" }, { "MI", "Michigan" }, { "MN", "Minnesota" },
    { "MS", "Mississippi" }, { "MO", "Missouri" }, { "MT", "Montana" },
    { "NE", "Nebraska" }, { "NV", "Nevada" }, { "NH", "New Hampshire" },
    { "NJ", "New Jersey" }, { "NM", "New Mexico" }, { "NY", "New York" },
    { "NC", "North Carolina" }, { "ND", "North Dakota" }, { "OH", "Ohio" },
    { "OK", "Oklahoma" }, { "OR", "Oregon" }, { "PA", "Pennsylvania" },
    { "RI", "Rhode Island" }, { "SC", "South Carolina" }, { "SD", "South Dakota" },
    { "TN", "Tennessee" }, { "TX", "Texas" }, { "UT", "Utah" }, { "VT", "Vermont" },
    { "VA", "Virginia" }, { "WA", "Washington" }, { "WV", "West Virginia" },
    { "WI", "Wisconsin" }, { "WY", "Wyoming" },
    { "PR", "Puerto Rico" }, { "GU", "Guam" }, { "VI", "U.S. Virgin Islands" },
    { "AS", "American Samoa" }, { "MP", "Northern Mariana Islands" },
};

/* Other spellings of US states and territories. */
static const coded US_STATE_ALIASES[] = {
    { "DC", "Washington DC" }, { "DC", "Washington D.C." }, { "DC", "D.C." },
    { "WA", "Washington State" }, { "VI", "US Virgin Islands" }, { "VI", "Virgin Islands" },
    { "VI", "USVI" }, { "MP", "Northern Marianas" }, { "MP", "CNMI" },
    { "ME", "State of Maine" }, { "WY", "State of Wyoming" },
};

/* First-level divisions abroad whose abbreviations appear after a city the
 * way USPS codes do: Canada, Australia, India, Mexico (a few). */
typedef struct division { const char *code; const char *cc; const char *name; } division;
static const division DIVISIONS[] = {
    { "ON", "CA", "Ontario" }, { "QC", "CA", "Quebec" }, { "BC", "CA", "British Columbia" },
    { "AB", "CA", "Alberta" }, { "MB", "CA", "Manitoba" }, { "SK", "CA", "Saskatchewan" },
    { "NS", "CA", "Nova Scotia" }, { "NB", "CA", "New Brunswick" },
    { "NL", "CA", "Newfoundland and Labrador" }, { "PE", "CA", "Prince Edward Island" },
    { "YT", "CA", "Yukon" }, { "NU", "CA", "Nunavut" }, { "NT", "CA", "Northwest Territories" },
    { "PQ", "CA", "Quebec" },
    { "NSW", "AU", "New South Wales" }, { "VIC", "AU", "Victoria" }, { "QLD", "AU", "Queensland" },
    { "WA", "AU", "Western Australia" }, { "SA", "AU", "South Australia" },
    { "TAS", "AU", "Tasmania" }, { "ACT", "AU", "Australian Capital Territory" },
    { "KA", "IN", "Karnataka" }, { "MH", "IN", "Maharashtra" }, { "TN", "IN", "Tamil Nadu" },
    { "TS", "IN", "Telangana" }, { "HR", "IN", "Haryana" }, { "UP", "IN", "Uttar Pradesh" },
    { "DL", "IN", "Delhi" }, { "KL", "IN", "Kerala" }, { "GJ", "IN", "Gujarat" },
    { "CDMX", "MX", "Mexico City" }, { "NL", "MX", "Nuevo Leon" }, { "JAL", "MX", "Jalisco" },
};
/* Division names not in GeoNames' spelling. */
static const division DIVISION_NAMES[] = {
    { "", "CA", "Newfoundland" }, { "", "CA", "Yukon" }, { "", "CA", "Quebec" },
    { "", "CA", "Nunavut" }, { "", "IN", "Delhi" }, { "", "IN", "Uttar Pradesh" },
    { "", "IN", "West Bengal" }, { "", "GB", "England" }, { "", "GB", "Scotland" },
    { "", "GB", "Wales" }, { "", "GB", "Northern Ireland" }, { "", "DE", "Bavaria" },
    { "", "DE", "Bayern" }, { "", "DE", "Baden-Wurttemberg" }, { "", "DE", "Niedersachsen" },
    { "", "DE", "Nordrhein-Westfalen" }, { "", "CN", "Guangdong" }, { "", "IE", "Leinster" },
};

/* Country names beside GeoNames' own ("Republic of Korea" -> "Korea"). */
typedef struct alias { const char *name; const char *cc; } alias;
static const alias COUNTRY_ALIASES[] = {
    { "UK", "GB" }, { "U.K.", "GB" }, { "Great Britain", "GB" }, { "Britain", "GB" },
    { "South Korea", "KR" }, { "Korea", "KR" }, { "Hong Kong", "HK" },
    { "Lithuania", "LT" }, { "Jordan", "JO" }, { "Monaco", "MC" }, { "Moldova", "MD" },
    { "Czechia", "CZ" }, { "Holland", "NL" }, { "The Netherlands", "NL" },
    { "UAE", "AE" }, { "Turkiye", "TR" }, { "Deutschland", "DE" }, { "Macedonia", "MK" },
    { "Cote d'Ivoire", "CI" }, { "Viet Nam", "VN" }, { "Russian Federation", "RU" },
    { "Brasil", "BR" }, { "Espana", "ES" }, { "Italia", "IT" }, { "Polska", "PL" },
    { "Schweiz", "CH" }, { "Suisse", "CH" }, { "Osterreich", "AT" }, { "Nederland", "NL" },
    { "Belgique", "BE" }, { "Sverige", "SE" }, { "Norge", "NO" }, { "Danmark", "DK" },
    { "Republic of Ireland", "IE" }, { "Mainland China", "CN" }, { "PRC", "CN" },
    { "Congo", "CG" }, { "Gambia", "GM" }, { "Bahamas", "BS" }, { "Swaziland", "SZ" },
    { "Burma", "MM" }, { "Cape Verde", "CV" }, { "Emirates", "AE" }, { "KSA", "SA" },
    { "Singapore", "SG" }, { "Luxemburg", "LU" }, { "Macau", "MO" }, { "Macao", "MO" },
    { "Kosovo", "XK" }, { "Bosnia", "BA" }, { "Trinidad", "TT" },
};

/* ISO 3166-1 alpha-3 codes ATS feeds write (Workday: "IND Pune"). */
static const alias ISO3[] = {
    { "USA", "US" }, { "CAN", "CA" }, { "MEX", "MX" }, { "GBR", "GB" }, { "IRL", "IE" },
    { "DEU", "DE" }, { "FRA", "FR" }, { "ESP", "ES" }, { "PRT", "PT" }, { "ITA", "IT" },
    { "NLD", "NL" }, { "BEL", "BE" }, { "CHE", "CH" }, { "AUT", "AT" }, { "POL", "PL" },
    { "CZE", "CZ" }, { "SWE", "SE" }, { "NOR", "NO" }, { "DNK", "DK" }, { "FIN", "FI" },
    { "ROU", "RO" }, { "HUN", "HU" }, { "GRC", "GR" }, { "TUR", "TR" }, { "UKR", "UA" },
    { "ISR", "IL" }, { "IND", "IN" }, { "CHN", "CN" }, { "JPN", "JP" }, { "KOR", "KR" },
    { "SGP", "SG" }, { "PHL", "PH" }, { "VNM", "VN" }, { "THA", "TH" }, { "MYS", "MY" },
    { "IDN", "ID" }, { "AUS", "AU" }, { "NZL", "NZ" }, { "BRA", "BR" }, { "ARG", "AR" },
    { "CHL", "CL" }, { "COL", "CO" }, { "PER", "PE" }, { "CRI", "CR" }, { "ZAF", "ZA" },
    { "NGA", "NG" }, { "KEN", "KE" }, { "EGY", "EG" }, { "ARE", "AE" }, { "SAU", "SA" },
    { "PAK", "PK" }, { "BGD", "BD" }, { "TWN", "TW" }, { "HKG", "HK" }, { "LUX", "LU" },
    { "EST", "EE" }, { "LVA", "LV" }, { "LTU", "LT" }, { "BGR", "BG" }, { "SRB", "RS" },
    { "HRV", "HR" }, { "SVK", "SK" }, { "SVN", "SI" }, { "ISL", "IS" }, { "URY", "UY" },
    { "GTM", "GT" }, { "DOM", "DO" }, { "LKA", "LK" }, { "MAR", "MA" }, { "QAT", "QA" },
    { "PRI", "PR" }, { "GUM", "GU" }, { "VIR", "VI" }, { "ASM", "AS" }, { "MNP", "MP" },
};

/* Place names people write that are no GeoNames city name: each stands
 * for the city named second (its country's city of that name), or, when
 * GeoNames has no such key, for the country given. */
typedef struct city_alias { const char *name; const char *target; const char *cc; } city_alias;
static const city_alias CITY_ALIASES[] = {
    { "NYC", "New York", "US" }, { "New York City", "New York", "US" },
    { "SF", "San Francisco", "US" }, { "SF Bay Area", "San Francisco", "US" },
    { "Bay Area", "San Francisco", "US" }, { "San Francisco Bay Area", "San Francisco", "US" },
    { "Silicon Valley", "San Jose", "US" }, { "Greater Boston", "Boston", "US" },
    { "DFW", "Dallas", "US" }, { "Twin Cities", "Minneapolis", "US" },
    { "Research Triangle", "Raleigh", "US" }, { "RTP", "Raleigh", "US" },
    { "Saint Louis", "St Louis", "US" }, { "Bangalore", "Bengaluru", "IN" },
    { "Gurugram", "Gurgaon", "IN" }, { "Bombay", "Mumbai", "IN" }, { "Kiev", "Kyiv", "UA" },
    { "Munchen", "Munich", "DE" }, { "Koln", "Cologne", "DE" }, { "Den Haag", "The Hague", "NL" },
    { "Abu Dhabi", "Abu Dhabi Island and Internal Islands City", "AE" },
    { "Saigon", "Ho Chi Minh City", "VN" }, { "Ho Chi Minh", "Ho Chi Minh City", "VN" },
    { "Tel Aviv-Yafo", "Tel Aviv", "IL" }, { "Frankfurt am Main", "Frankfurt", "DE" },
    { "Hagatna", "Hagatna", "GU" }, { "Saipan", "Saipan", "MP" },
};

static const char *const US_NAMES[] = {
    "United States", "United States of America", "USA", "US", "U.S.A.", "America",
    "Nationwide", "Continental US", "Contiguous US", "Lower 48", "CONUS", "East Coast",
    "West Coast", "Midwest", "Pacific Northwest", "New England", "Stateside",
};
static const char *const REGIONS_NON_US[] = {
    "EMEA", "Europe", "EU", "European Union", "APAC", "Asia", "Asia Pacific", "APJ", "LATAM",
    "Latin America", "South America", "Central America", "Africa", "Middle East", "MENA",
    "Oceania", "Nordics", "DACH", "Benelux", "Western Europe", "Eastern Europe",
    "Southeast Asia", "ANZ", "Caribbean", "Scandinavia", "Balkans", "CEE", "GCC",
};
static const char *const REGIONS_ANY[] = {
    "North America", "Americas", "Worldwide", "Global", "Anywhere", "International",
    "World", "Earth", "Multiple Locations", "Various Locations", "NA", "NAMER", "AMER",
    "TBD", "Distributed",
};
/* Words that say how or where in a building, never which country; also
 * words too common to be read as a city when alone ("Mobile", "Normal"). */
static const char *const NOISE[] = {
    "remote", "remotely", "hybrid", "onsite", "on site", "in office", "office", "offices",
    "available", "flexible", "optional", "only", "based", "home", "work from home", "wfh",
    "telecommute", "telework", "virtual", "hq", "headquarters", "campus", "the", "in", "of",
    "from", "within", "location", "locations", "multiple", "various", "preferred",
    "friendly", "first", "full", "time", "part", "any", "and", "or", "area", "greater",
    "metro", "metropolitan", "region", "remote first", "distributed", "field", "mobile",
    "normal", "independence", "enterprise", "paradise", "spring", "mission", "university",
    "commerce", "liberty", "union", "central", "opportunity", "plant", "site", "hub",
    "downtown", "center", "centre", "team", "travel", "required", "possible", "open",
    "to", "at", "a", "on", "for", "with", "near", "by", "other", "all", "hq2", "lab",
    "labs", "building", "floor", "street", "st", "road", "rd", "ave", "avenue", "suite",
    "north", "south", "east", "west", "northern", "southern", "eastern", "western",
    "city", "state", "county", "province", "country", "new", "grad", "intern", "summer",
    "2024", "2025", "2026",
    /* ISO 3166 long forms ("Korea, Republic of"): not the town of Republic. */
    "republic", "islamic", "united republic", "democratic", "federal", "people s",
};

/* ---- folding and words ---- */

/* Latin-1 Supplement and Latin Extended-A to ASCII (index cp - 0xC0). */
static const char *const LATIN[] = {
    "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",
    "D", "N", "O", "O", "O", "O", "O", "x", "O", "U", "U", "U", "U", "Y", "TH", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", "/", "o", "u", "u", "u", "u", "y", "th", "y",
    "A", "a", "A", "a", "A", "a", "C", "c", "C", "c", "C", "c", "C", "c", "D", "d",
    "D", "d", "E", "e", "E", "e", "E", "e", "E", "e", "E", "e", "G", "g", "G", "g",
    "G", "g", "G", "g", "H", "h", "H", "h", "I", "i", "I", "i", "I", "i", "I", "i",
    "I", "i", "IJ", "ij", "J", "j", "K", "k", "k", "L", "l", "L", "l", "L", "l", "L",
    "l", "L", "l", "N", "n", "N", "n", "N", "n", "n", "N", "n", "O", "o", "O", "o",
    "O", "o", "OE", "oe", "R", "r", "R", "r", "R", "r", "S", "s", "S", "s", "S", "s",
    "S", "s", "T", "t", "T", "t", "T", "t", "U", "u", "U", "u", "U", "u", "U", "u",
    "U", "u", "U", "u", "W", "w", "Y", "y", "Y", "Z", "z", "Z", "z", "Z", "z", "s",
};

static const char *fold_cp(long cp)
{
    if (cp >= 0xC0 && cp <= 0x17F)
        return LATIN[cp - 0xC0];
    switch (cp) {
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2015:
    case 0x2212:
        return "-";
    case 0x2018: case 0x2019: case 0x02BB: case 0x02BC: case 0x00B4: case 0x2032:
        return "'";
    case 0x201C: case 0x201D: case 0x00AB: case 0x00BB:
        return "\"";
    case 0x00A0: case 0x2002: case 0x2003: case 0x2009: case 0x200A: case 0x202F:
    case 0x3000:
        return " ";
    case 0x200B: case 0x200C: case 0x200D: case 0xFEFF: case 0x00AD:
        return "";
    case 0x2022: case 0x00B7: case 0x2027: case 0x30FB:
        return "|";
    case 0x0218: return "S";
    case 0x0219: return "s";
    case 0x021A: return "T";
    case 0x021B: return "t";
    default:
        break;
    }
    if (cp >= 0x300 && cp <= 0x36F)
        return ""; /* combining accents (NFD text): the base letter stays */
    if (cp < 0xA0)
        return " "; /* C1 controls */
    if (cp < 0xC0)
        return " "; /* Latin-1 punctuation and symbols */
    return "~";
}

size_t gaz_fold(const char *in, size_t n, char *out, size_t size)
{
    size_t o = 0;
    if (!size)
        return 0;
    const unsigned char *p = (const unsigned char *)in;
    size_t i = 0;
    while (i < n && p[i]) {
        const char *rep;
        char one[2];
        size_t adv = 1;
        if (p[i] < 0x80) {
            one[0] = (char)(p[i] < 0x20 || p[i] == 0x7f ? ' ' : p[i]);
            one[1] = '\0';
            rep = one;
        } else {
            long cp = utf8_decode(p + i, n - i, &adv);
            rep = cp < 0 ? "~" : fold_cp(cp);
        }
        size_t rl = strlen(rep);
        if (o + rl + 1 > size)
            break;
        memcpy(out + o, rep, rl);
        o += rl;
        i += adv;
    }
    out[o] = '\0';
    return o;
}

static int word_char(char c)
{
    return isalnum((unsigned char)c) || c == '~';
}

int gaz_next_word(const char *s, size_t *pos, char *word, size_t wsize, size_t *start,
                  size_t *end, int *upper)
{
    size_t i = *pos;
    while (s[i] && !word_char(s[i]))
        i++;
    if (!s[i]) {
        *pos = i;
        return 0;
    }
    *start = i;
    size_t w = 0, piece = 0;
    int up = 1, letters = 0;
    for (;;) {
        char c = s[i];
        if (word_char(c)) {
            if (isalpha((unsigned char)c)) {
                letters++;
                if (islower((unsigned char)c))
                    up = 0;
            }
            if (w + 1 < wsize)
                word[w++] = (char)tolower((unsigned char)c);
            piece++;
            i++;
        } else if (c == '\'' && i > *start && word_char(s[i + 1])) {
            i++; /* "O'Fallon", "T'bilisi": one word */
        } else if (c == '.' && piece == 1 && isalpha((unsigned char)s[i + 1]) &&
                   (s[i + 2] == '.' || !word_char(s[i + 2]))) {
            i++; /* "U.S.A.", "D.C.": the letters join */
            piece = 0;
        } else {
            break;
        }
    }
    /* The closing dot of an abbreviation belongs to it. */
    if (s[i] == '.' && piece == 1 && w > 1)
        i++;
    word[w] = '\0';
    *end = i;
    *pos = i;
    *upper = up && letters > 0;
    if (strcmp(word, "saint") == 0)
        str_copy(word, wsize, "st");
    return 1;
}

size_t gaz_key(const char *in, char *out, size_t size)
{
    char folded[512];
    gaz_fold(in, strlen(in), folded, sizeof(folded));
    size_t pos = 0, o = 0, st, en;
    int up;
    char w[64];
    if (size)
        out[0] = '\0';
    while (gaz_next_word(folded, &pos, w, sizeof(w), &st, &en, &up)) {
        size_t wl = strlen(w);
        if (o + wl + 2 > size)
            break;
        if (o)
            out[o++] = ' ';
        memcpy(out + o, w, wl);
        o += wl;
        out[o] = '\0';
    }
    return o;
}

/* ---- the index ---- */

static gaz_city *g_cities;
static char **g_city_keys;     /* parallel to g_cities */
static uint32_t g_ncities;
static gaz_name *g_names;
static uint32_t g_nnames, g_names_cap;
static uint32_t *g_slots;      /* open addressing: index + 1 into g_names, 0 = empty */
static uint32_t g_slots_mask;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

typedef struct country_row { char cc[3]; const char *name; } country_row;
static country_row *g_countries;
static size_t g_ncountries;

static uint32_t hash_key(const char *k, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 16777619u;
    }
    return h;
}

const gaz_name *gaz_lookup(const char *key, size_t len)
{
    gaz_init();
    if (!g_slots || !len)
        return NULL;
    for (uint32_t i = hash_key(key, len) & g_slots_mask;; i = (i + 1) & g_slots_mask) {
        uint32_t s = g_slots[i];
        if (!s)
            return NULL;
        const gaz_name *nm = &g_names[s - 1];
        if (strncmp(nm->key, key, len) == 0 && nm->key[len] == '\0')
            return nm;
    }
}

/* The entry for key, created when absent.  Build time only. */
static gaz_name *name_get(const char *key)
{
    size_t len = strlen(key);
    if (!len)
        return NULL;
    uint32_t i = hash_key(key, len) & g_slots_mask;
    for (;; i = (i + 1) & g_slots_mask) {
        uint32_t s = g_slots[i];
        if (!s)
            break;
        if (strcmp(g_names[s - 1].key, key) == 0)
            return &g_names[s - 1];
    }
    /* The slot table is sized for twice the most names we ever add. */
    if (g_nnames >= g_names_cap || g_nnames * 2 >= g_slots_mask)
        return NULL;
    char *copy = str_dup(key);
    if (!copy)
        return NULL;
    gaz_name *nm = &g_names[g_nnames++];
    memset(nm, 0, sizeof(*nm));
    nm->key = copy;
    g_slots[i] = g_nnames;
    return nm;
}

static gaz_name *name_get_text(const char *text)
{
    char key[256];
    gaz_key(text, key, sizeof(key));
    return name_get(key);
}

/* The states' names in key form, computed once at build (a city's state
 * is looked up for each of 24,000 cities). */
static char g_state_keys[ARRAY_LEN(US_STATES) + ARRAY_LEN(US_STATE_ALIASES)][40];

static void state_keys_init(void)
{
    for (size_t i = 0; i < ARRAY_LEN(US_STATES); i++)
        gaz_key(US_STATES[i].name, g_state_keys[i], sizeof(g_state_keys[i]));
    for (size_t i = 0; i < ARRAY_LEN(US_STATE_ALIASES); i++)
        gaz_key(US_STATE_ALIASES[i].name, g_state_keys[ARRAY_LEN(US_STATES) + i],
                sizeof(g_state_keys[0]));
}

/* USPS code of a state named by key, NULL when none. */
static const char *us_state_code_key(const char *want)
{
    for (size_t i = 0; i < ARRAY_LEN(g_state_keys); i++)
        if (strcmp(want, g_state_keys[i]) == 0)
            return i < ARRAY_LEN(US_STATES) ? US_STATES[i].code
                                            : US_STATE_ALIASES[i - ARRAY_LEN(US_STATES)].code;
    return NULL;
}

static const char *us_state_code(const char *name)
{
    char want[64];
    gaz_key(name, want, sizeof(want));
    return us_state_code_key(want);
}

int gaz_is_us_territory(const char *cc)
{
    return cc && (str_eq(cc, "PR") || str_eq(cc, "GU") || str_eq(cc, "VI") ||
                  str_eq(cc, "AS") || str_eq(cc, "MP"));
}

static int city_cmp(const void *a, const void *b)
{
    uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
    int c = strcmp(g_city_keys[ia], g_city_keys[ib]);
    if (c)
        return c;
    /* Namesakes most populous first, so explanations list them in order. */
    return g_cities[ia].pop < g_cities[ib].pop ? 1 : g_cities[ia].pop > g_cities[ib].pop ? -1 : 0;
}

static void add_country(const char *cc, const char *name)
{
    /* One bit per code: this runs for each of 24,000 cities. */
    static unsigned char seen[26 * 26 / 8 + 1];
    if (!isupper((unsigned char)cc[0]) || !isupper((unsigned char)cc[1]))
        return;
    unsigned bit = (unsigned)(cc[0] - 'A') * 26 + (unsigned)(cc[1] - 'A');
    if (seen[bit / 8] & (1u << (bit % 8)))
        return;
    seen[bit / 8] |= (unsigned char)(1u << (bit % 8));
    country_row *grown = realloc(g_countries, (g_ncountries + 1) * sizeof(*grown));
    if (!grown)
        return;
    g_countries = grown;
    str_copy(g_countries[g_ncountries].cc, 3, cc);
    g_countries[g_ncountries].name = str_dup(name);
    g_ncountries++;
}

const char *gaz_country_name(const char *cc)
{
    gaz_init();
    for (size_t i = 0; i < g_ncountries; i++)
        if (str_eq(g_countries[i].cc, cc) && g_countries[i].name)
            return g_countries[i].name;
    return "";
}

/* The GeoNames cities, embedded at build time (core/sync/gen/gen_cities.c
 * writes them from libgeonames, whose code is GPL-3 and so is not linked):
 * a row per city, "name\tdivision\tcc\tcountry\tpopulation\n". */
extern const char gaz_cities_data[];
extern const size_t gaz_cities_data_len;

/* Split one row into its five fields (in place); 0 when it has them. */
static int split_row(char *row, char *f[5])
{
    for (int i = 0; i < 5; i++) {
        f[i] = row;
        char *tab = strchr(row, '\t');
        if (i < 4) {
            if (!tab)
                return -1;
            *tab = '\0';
            row = tab + 1;
        }
    }
    return 0;
}

/* Read the embedded cities into g_cities.  0 cities when the build had no
 * data: the explicit tables still work. */
static void load_cities(void)
{
    size_t n = 0;
    for (size_t i = 0; i < gaz_cities_data_len; i++)
        n += gaz_cities_data[i] == '\n';
    if (n == 0)
        return;
    size_t extra = ARRAY_LEN(CITY_ALIASES);
    char *copy = str_ndup(gaz_cities_data, gaz_cities_data_len);
    g_cities = calloc(n + extra, sizeof(*g_cities));
    g_city_keys = calloc(n + extra, sizeof(*g_city_keys));
    if (!copy || !g_cities || !g_city_keys) {
        free(copy);
        return;
    }
    char *save = NULL;
    for (char *row = strtok_r(copy, "\n", &save); row; row = strtok_r(NULL, "\n", &save)) {
        char *f[5];
        if (split_row(row, f) < 0)
            continue;
        const char *name = f[0], *state = f[1], *cc = f[2], *country = f[3];
        char key[128], *end = NULL;
        unsigned long pop = strtoul(f[4], &end, 10);
        if (!*name || strlen(cc) != 2 || !gaz_key(name, key, sizeof(key)))
            continue;
        gaz_city *gc = &g_cities[g_ncities];
        gc->name = str_dup(name);
        gc->admin1 = str_dup(state);
        str_copy(gc->cc, sizeof(gc->cc), cc);
        gc->pop = end && *end == '\0' && pop <= UINT32_MAX ? (uint32_t)pop : 0;
        if (str_eq(cc, "US")) {
            const char *code = us_state_code(state);
            str_copy(gc->state, sizeof(gc->state), code ? code : "");
        } else if (gaz_is_us_territory(cc)) {
            str_copy(gc->state, sizeof(gc->state), cc);
        }
        g_city_keys[g_ncities] = str_dup(key);
        if (gc->name && gc->admin1 && g_city_keys[g_ncities])
            g_ncities++;
        add_country(cc, country);
    }
    free(copy);
}

static void add_code_names(void)
{
    for (size_t i = 0; i < ARRAY_LEN(US_STATES); i++) {
        gaz_name *nm = name_get_text(US_STATES[i].name);
        if (!nm)
            continue;
        nm->flags |= GAZ_US_STATE;
        str_copy(nm->state, sizeof(nm->state), US_STATES[i].code);
        nm->label = US_STATES[i].name;
        if (gaz_is_us_territory(US_STATES[i].code)) {
            nm->flags |= GAZ_COUNTRY;
            str_copy(nm->country, sizeof(nm->country), US_STATES[i].code);
        }
    }
    for (size_t i = 0; i < ARRAY_LEN(US_STATE_ALIASES); i++) {
        gaz_name *nm = name_get_text(US_STATE_ALIASES[i].name);
        if (!nm)
            continue;
        nm->flags |= GAZ_US_STATE;
        str_copy(nm->state, sizeof(nm->state), US_STATE_ALIASES[i].code);
        nm->label = US_STATE_ALIASES[i].name;
    }
    for (size_t i = 0; i < ARRAY_LEN(US_NAMES); i++) {
        gaz_name *nm = name_get_text(US_NAMES[i]);
        if (nm) {
            nm->flags |= GAZ_US;
            nm->label = US_NAMES[i];
        }
    }
    for (size_t i = 0; i < ARRAY_LEN(REGIONS_NON_US); i++) {
        gaz_name *nm = name_get_text(REGIONS_NON_US[i]);
        if (nm) {
            nm->flags |= GAZ_REGION_NON_US;
            nm->label = REGIONS_NON_US[i];
        }
    }
    for (size_t i = 0; i < ARRAY_LEN(REGIONS_ANY); i++) {
        gaz_name *nm = name_get_text(REGIONS_ANY[i]);
        if (nm) {
            nm->flags |= GAZ_REGION_ANY;
            nm->label = REGIONS_ANY[i];
        }
    }
    for (size_t i = 0; i < ARRAY_LEN(NOISE); i++) {
        gaz_name *nm = name_get_text(NOISE[i]);
        if (nm)
            nm->flags |= GAZ_NOISE;
    }
}

static void add_country_names(void)
{
    for (size_t i = 0; i < g_ncountries; i++) {
        if (str_eq(g_countries[i].cc, "US")) {
            gaz_name *nm = name_get_text(g_countries[i].name);
            if (nm)
                nm->flags |= GAZ_US;
            continue;
        }
        gaz_name *nm = name_get_text(g_countries[i].name);
        if (!nm)
            continue;
        nm->flags |= GAZ_COUNTRY;
        str_copy(nm->country, sizeof(nm->country), g_countries[i].cc);
        nm->label = g_countries[i].name;
    }
    for (size_t i = 0; i < ARRAY_LEN(COUNTRY_ALIASES); i++) {
        gaz_name *nm = name_get_text(COUNTRY_ALIASES[i].name);
        if (!nm)
            continue;
        nm->flags |= GAZ_COUNTRY;
        str_copy(nm->country, sizeof(nm->country), COUNTRY_ALIASES[i].cc);
        nm->label = COUNTRY_ALIASES[i].name;
    }
}

/* GeoNames' first-level divisions abroad, by name, when the name belongs to
 * one country only and is no US state ("Ontario", "Karnataka", "England";
 * not "Central", which a dozen countries have). */
static void add_divisions(void)
{
    for (uint32_t i = 0; i < g_ncities; i++) {
        const gaz_city *c = &g_cities[i];
        if (str_eq(c->cc, "US") || gaz_is_us_territory(c->cc) || !c->admin1[0])
            continue;
        char key[128];
        gaz_key(c->admin1, key, sizeof(key));
        /* "State of Uttar Pradesh", "Canton of Vaud", "Tuscany Region". */
        const char *prefixes[] = { "state of ", "canton of ", "province of ", "region of " };
        const char *suffixes[] = { " region", " province", " prefecture", " voivodeship",
                                   " governorate", " oblast", " territory" };
        char *k = key;
        for (size_t p = 0; p < ARRAY_LEN(prefixes); p++)
            if (strncmp(k, prefixes[p], strlen(prefixes[p])) == 0)
                k += strlen(prefixes[p]);
        for (size_t s = 0; s < ARRAY_LEN(suffixes); s++) {
            size_t kl = strlen(k), sl = strlen(suffixes[s]);
            if (kl > sl && strcmp(k + kl - sl, suffixes[s]) == 0)
                k[kl - sl] = '\0';
        }
        if (!*k)
            continue;
        gaz_name *nm = name_get(k);
        if (!nm || str_eq(nm->admin1_cc, c->cc) || nm->admin1_cc[0] == 'X')
            continue; /* seen already: most cities share their division */
        if (us_state_code_key(k))
            continue;
        if (nm->admin1_cc[0] && !str_eq(nm->admin1_cc, c->cc)) {
            nm->admin1_cc[0] = 'X'; /* several countries: no division reading */
            continue;
        }
        if (!nm->admin1_cc[0]) {
            str_copy(nm->admin1_cc, sizeof(nm->admin1_cc), c->cc);
            nm->flags |= GAZ_ADMIN1;
            if (!nm->label)
                nm->label = c->admin1;
        }
    }
    for (uint32_t i = 0; i < g_nnames; i++)
        if (g_names[i].admin1_cc[0] == 'X') {
            g_names[i].flags &= ~(unsigned)GAZ_ADMIN1;
            g_names[i].admin1_cc[0] = '\0';
        }
    const division *lists[] = { DIVISIONS, DIVISION_NAMES };
    size_t lens[] = { ARRAY_LEN(DIVISIONS), ARRAY_LEN(DIVISION_NAMES) };
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; i < lens[l]; i++) {
            gaz_name *nm = name_get_text(lists[l][i].name);
            if (!nm || (nm->flags & GAZ_US_STATE))
                continue;
            nm->flags |= GAZ_ADMIN1;
            str_copy(nm->admin1_cc, sizeof(nm->admin1_cc), lists[l][i].cc);
            if (!nm->label)
                nm->label = lists[l][i].name;
        }
}

static void add_cities(void)
{
    uint32_t *order = malloc((g_ncities ? g_ncities : 1) * sizeof(*order));
    gaz_city *sorted = malloc((g_ncities ? g_ncities : 1) * sizeof(*sorted));
    char **keys = malloc((g_ncities ? g_ncities : 1) * sizeof(*keys));
    if (!order || !sorted || !keys)
        goto done;
    for (uint32_t i = 0; i < g_ncities; i++)
        order[i] = i;
    qsort(order, g_ncities, sizeof(*order), city_cmp);
    for (uint32_t i = 0; i < g_ncities; i++) {
        sorted[i] = g_cities[order[i]];
        keys[i] = g_city_keys[order[i]];
    }
    memcpy(g_cities, sorted, g_ncities * sizeof(*sorted));
    memcpy(g_city_keys, keys, g_ncities * sizeof(*keys));
    for (uint32_t i = 0; i < g_ncities;) {
        uint32_t j = i;
        while (j < g_ncities && strcmp(g_city_keys[j], g_city_keys[i]) == 0)
            j++;
        gaz_name *nm = name_get(g_city_keys[i]);
        if (nm) {
            nm->flags |= GAZ_CITY;
            nm->city_first = i;
            nm->city_count = j - i;
        }
        i = j;
    }
    /* Aliases point at their target's cities of the alias's country. */
    for (size_t a = 0; a < ARRAY_LEN(CITY_ALIASES); a++) {
        char tkey[128];
        gaz_key(CITY_ALIASES[a].target, tkey, sizeof(tkey));
        const gaz_name *t = NULL;
        for (uint32_t s = hash_key(tkey, strlen(tkey)) & g_slots_mask; g_slots[s];
             s = (s + 1) & g_slots_mask)
            if (strcmp(g_names[g_slots[s] - 1].key, tkey) == 0) {
                t = &g_names[g_slots[s] - 1];
                break;
            }
        gaz_name *nm = name_get_text(CITY_ALIASES[a].name);
        if (!nm || !t || !(t->flags & GAZ_CITY))
            continue;
        for (uint32_t c = t->city_first; c < t->city_first + t->city_count; c++)
            if (str_eq(g_cities[c].cc, CITY_ALIASES[a].cc)) {
                nm->flags |= GAZ_CITY;
                nm->city_first = c;
                nm->city_count = 1;
                nm->label = CITY_ALIASES[a].target;
                break;
            }
    }
done:
    free(order);
    free(sorted);
    free(keys);
}

static void build(void)
{
    state_keys_init();
    load_cities();
    g_names_cap = g_ncities + 4096;
    uint32_t slots = 1;
    while (slots < g_names_cap * 2)
        slots <<= 1;
    g_names = calloc(g_names_cap, sizeof(*g_names));
    g_slots = calloc(slots, sizeof(*g_slots));
    if (!g_names || !g_slots) {
        free(g_names);
        free(g_slots);
        g_names = NULL;
        g_slots = NULL;
        log_error("location", "out of memory loading the gazetteer");
        return;
    }
    g_slots_mask = slots - 1;
    add_code_names();
    add_country_names();
    add_cities();
    add_divisions();
    if (!g_ncities)
        log_warn("location", "this build has no city data; placing by state and country names only");
}

void gaz_init(void)
{
    pthread_once(&g_once, build);
}

size_t gaz_city_total(void)
{
    gaz_init();
    return g_ncities;
}

const gaz_city *gaz_city_at(uint32_t i)
{
    gaz_init();
    return i < g_ncities ? &g_cities[i] : NULL;
}

int gaz_code_lookup(const char *code, size_t len, gaz_code *out)
{
    char up[5];
    int any = 0;
    memset(out, 0, sizeof(*out));
    if (len < 2 || len > 4)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (!isalpha((unsigned char)code[i]))
            return 0;
        up[i] = (char)toupper((unsigned char)code[i]);
    }
    up[len] = '\0';
    gaz_init();
    if (len == 2) {
        for (size_t i = 0; i < ARRAY_LEN(US_STATES); i++)
            if (strcmp(US_STATES[i].code, up) == 0) {
                str_copy(out->state, sizeof(out->state), up);
                any = 1;
            }
        for (size_t i = 0; i < g_ncountries; i++)
            if (strcmp(g_countries[i].cc, up) == 0) {
                str_copy(out->country, sizeof(out->country), up);
                any = 1;
            }
        if (strcmp(up, "UK") == 0) {
            str_copy(out->country, sizeof(out->country), "GB");
            any = 1;
        }
    } else if (len == 3) {
        for (size_t i = 0; i < ARRAY_LEN(ISO3); i++)
            if (strcmp(ISO3[i].name, up) == 0) {
                str_copy(out->country, sizeof(out->country), ISO3[i].cc);
                any = 1;
            }
    }
    for (size_t i = 0; i < ARRAY_LEN(DIVISIONS); i++)
        if (strcmp(DIVISIONS[i].code, up) == 0 && !out->admin1_cc[0]) {
            str_copy(out->admin1_cc, sizeof(out->admin1_cc), DIVISIONS[i].cc);
            out->admin1 = DIVISIONS[i].name;
            any = 1;
        }
    return any;
}

#include "sync/location.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "sync/gazetteer.h"

/* How the text is read, in order:
 * 1. Fold to ASCII (accents, typographic dashes), at most LOCATION_MAX_TEXT
 *    bytes.
 * 2. Cut into locations ("parts") at ; | / & + " or " " and " and into
 *    segments at , ( ) : " - ".  A 2-3 letter capitalised code joined by a
 *    hyphen at a segment's edge ("CA-Toronto", "Pune-IN", "US-Remote") is a
 *    country code and a segment of its own.
 * 3. In each segment, the longest run of words (up to 5) that the gazetteer
 *    knows is a span: a city, a US state, a foreign division, a country, the
 *    US itself, a region, or a decoration ("Remote", "Hybrid", "On-site")
 *    that is dropped.  Codes (TX, ON, IN, DEU) are spans too.
 * 4. Segments form places: a segment naming a place (a city or words we do
 *    not know) starts one; segments of qualifiers only (state, division,
 *    country) attach to it, before or after ("US, CA, Santa Clara",
 *    "Toronto, ON, Canada").  So "San Francisco, Palo Alto, Toronto" is
 *    three places and "Austin, TX" one.
 * 5. A place is judged by its qualifiers first (a country, then a state or
 *    division), each ambiguous reading ("IN": Indiana or India; "Georgia":
 *    state or country; "WA": Washington or Western Australia) settled by the
 *    place's city when the gazetteer knows it there; without qualifiers by
 *    its city, the most populous namesake winning only by a wide margin.
 * 6. A text is US when any of its places is; else non-US when any is. */

#define MAX_WORDS 160
#define MAX_NGRAM 5
#define WORD_MAX 40
#define MAX_SPANS 64
#define DOMINANCE 5 /* a namesake wins alone when 5x as populous as any abroad/at home */

const location_opts location_default_opts = { 1, 0 };

typedef struct word {
    char w[WORD_MAX];
    size_t start, end;  /* in the folded text */
    int upper;
    int brk;            /* before this word: 0 none, 1 new segment, 2 new part */
    int hyphen_code;    /* a code joined by a hyphen at a segment's edge */
    int drop;           /* "or"/"and" used as a separator */
} word;

enum { R_NONE, R_US, R_STATE, R_COUNTRY, R_ADMIN1, R_REGION_NON_US, R_REGION_ANY };

typedef struct span {
    size_t first, n;        /* words */
    size_t seg;             /* segment number within the part */
    const gaz_name *nm;     /* NULL for a bare code */
    gaz_code code;
    int has_code;
    int noise;
    int reading;            /* R_* once settled */
    char cc[3];             /* its country once settled */
    char state[3];
} span;

typedef struct reader {
    char folded[LOCATION_MAX_TEXT * 2 + 8];
    word words[MAX_WORDS];
    size_t nwords;
    int truncated;
} reader;

typedef struct verdict {
    location_verdict v;
    int weak;      /* US only by a name among words we do not know (an address) */
    int explicit_abroad; /* non-US by a country or division named */
    char cc[4];
    char why[256];
    char text[128];
} verdict;

static int is_territory_code(const char *cc)
{
    return gaz_is_us_territory(cc);
}

/* ---- words, parts and segments ---- */

static int gap_has(const char *s, size_t a, size_t b, const char *set)
{
    for (size_t i = a; i < b; i++)
        if (strchr(set, s[i]))
            return 1;
    return 0;
}

static int code_shape(const word *w)
{
    size_t n = strlen(w->w);
    return w->upper && (n == 2 || n == 3);
}

/* Is word i part of a longer gazetteer name ("Trinidad and Tobago")? */
static int inside_name(const reader *r, size_t i)
{
    for (size_t first = i >= 2 ? i - 2 : 0; first < i; first++)
        for (size_t n = i - first + 2; n <= MAX_NGRAM && first + n <= r->nwords; n++) {
            char key[256];
            size_t o = 0;
            for (size_t k = first; k < first + n; k++)
                o += (size_t)snprintf(key + o, sizeof(key) - o, "%s%s", k > first ? " " : "",
                                      r->words[k].w);
            const gaz_name *nm = gaz_lookup(key, strlen(key));
            if (nm && (nm->flags & (GAZ_COUNTRY | GAZ_ADMIN1 | GAZ_CITY | GAZ_US_STATE)))
                return 1;
        }
    return 0;
}

static void read_words(reader *r, const char *text)
{
    size_t n = strlen(text);
    r->truncated = n > LOCATION_MAX_TEXT;
    if (r->truncated)
        n = LOCATION_MAX_TEXT;
    gaz_fold(text, n, r->folded, sizeof(r->folded));
    size_t pos = 0, prev_end = 0;
    word *w;
    r->nwords = 0;
    for (;;) {
        if (r->nwords == MAX_WORDS) {
            r->truncated = 1;
            break;
        }
        w = &r->words[r->nwords];
        memset(w, 0, sizeof(*w));
        if (!gaz_next_word(r->folded, &pos, w->w, sizeof(w->w), &w->start, &w->end, &w->upper))
            break;
        const char *s = r->folded;
        if (r->nwords == 0)
            w->brk = 2;
        else if (gap_has(s, prev_end, w->start, ";|/\\&+\n"))
            w->brk = 2;
        else if (gap_has(s, prev_end, w->start, ",()[]{}:\"") ||
                 (gap_has(s, prev_end, w->start, "-") && w->start - prev_end > 1))
            w->brk = 1;
        else if (w->start - prev_end == 1 && s[prev_end] == '-') {
            /* "CA-Toronto": a code at the start of its segment. */
            word *p = w - 1;
            if (code_shape(p) && p->brk) {
                p->hyphen_code = 1;
                w->brk = 1;
            }
        }
        prev_end = w->end;
        r->nwords++;
    }
    /* "Pune-IN", "Remote-US": a code at the end of its segment. */
    for (size_t i = 1; i < r->nwords; i++) {
        word *c = &r->words[i];
        int seg_end = i + 1 == r->nwords || r->words[i + 1].brk;
        if (!c->brk && seg_end && code_shape(c) && c->start - r->words[i - 1].end == 1 &&
            r->folded[c->start - 1] == '-') {
            c->hyphen_code = 1;
            c->brk = 1;
        }
    }
    /* "Toronto or Chicago", "London and Singapore": separators, unless
     * part of a name. */
    for (size_t i = 1; i + 1 < r->nwords; i++) {
        word *c = &r->words[i];
        if ((strcmp(c->w, "or") == 0 || strcmp(c->w, "and") == 0) && !c->upper &&
            !inside_name(r, i)) {
            c->drop = 1;
            r->words[i + 1].brk = 2;
        }
    }
}

/* ---- spans ---- */

static int whole_segment(const reader *r, size_t i, size_t end)
{
    return r->words[i].brk && (i + 1 == end || r->words[i + 1].brk);
}

/* Match spans over words [first, end) of one part. */
static size_t find_spans(const reader *r, size_t first, size_t end, span *sp, size_t max)
{
    size_t ns = 0, seg = 0;
    for (size_t i = first; i < end && ns < max;) {
        if (i > first && r->words[i].brk)
            seg++;
        if (r->words[i].drop) {
            i++;
            continue;
        }
        /* Longest name first, never across a segment break. */
        size_t limit = 1;
        while (limit < MAX_NGRAM && i + limit < end && !r->words[i + limit].brk &&
               !r->words[i + limit].drop)
            limit++;
        const gaz_name *best = NULL;
        size_t bestn = 0;
        char key[256];
        for (size_t n = limit; n >= 1 && !best; n--) {
            size_t o = 0;
            for (size_t k = i; k < i + n; k++)
                o += (size_t)snprintf(key + o, sizeof(key) - o, "%s%s", k > i ? " " : "",
                                      r->words[k].w);
            const gaz_name *nm = gaz_lookup(key, strlen(key));
            if (nm && nm->flags) {
                best = nm;
                bestn = n;
            }
        }
        span *s = &sp[ns];
        memset(s, 0, sizeof(*s));
        s->first = i;
        s->seg = seg;
        const word *w = &r->words[i];
        size_t wl = strlen(w->w);
        /* A code: capitalised ("TX", "IND"), or any case when it is a whole
         * segment after the first ("bengaluru , in", "Sydney, NSW, au"). */
        int code_ok = (bestn <= 1) && (code_shape(w) || (wl >= 2 && wl <= 3 && seg > 0 &&
                                                         whole_segment(r, i, end)));
        if (code_ok && gaz_code_lookup(w->w, wl, &s->code))
            s->has_code = 1;
        if (best && (bestn > 1 || !s->has_code || !(best->flags & GAZ_NOISE))) {
            s->nm = best;
            s->n = bestn;
        } else {
            s->n = 1;
        }
        /* Lower-case "us" is the country only alone ("Remote - us"). */
        if (s->nm && s->n == 1 && (s->nm->flags & GAZ_US) && strcmp(w->w, "us") == 0 &&
            !w->upper && !whole_segment(r, i, end))
            s->nm = NULL;
        if (s->has_code && s->nm && (s->nm->flags & GAZ_NOISE))
            s->nm = NULL;
        /* A decoration or a word too common to be a town ("Remote",
         * "Mobile", "Republic"): dropped even when some town has its name. */
        s->noise = !s->has_code && s->nm && (s->nm->flags & GAZ_NOISE);
        i += s->n;
        ns++;
    }
    return ns;
}

static unsigned qual_flags(const span *s)
{
    unsigned f = s->nm ? s->nm->flags : 0;
    return f & (GAZ_COUNTRY | GAZ_US_STATE | GAZ_ADMIN1 | GAZ_US | GAZ_REGION_NON_US |
                GAZ_REGION_ANY);
}

static int is_qualifier(const span *s)
{
    return s->has_code || qual_flags(s);
}

static int is_city(const span *s)
{
    return s->nm && (s->nm->flags & GAZ_CITY) && !s->has_code;
}

/* ---- judging one place ---- */

typedef struct place {
    const reader *r;
    span *spans[MAX_SPANS];
    size_t n;
    span *head;        /* the city, NULL when none is known */
    int unknown_words; /* words naming something we do not know */
} place;

static const gaz_city *city_in(const span *head, const char *cc, const char *state)
{
    if (!head || !head->nm || !(head->nm->flags & GAZ_CITY))
        return NULL;
    for (uint32_t i = 0; i < head->nm->city_count; i++) {
        const gaz_city *c = gaz_city_at(head->nm->city_first + i);
        if (c && (!cc || str_eq(c->cc, cc)) && (!state || str_eq(c->state, state)))
            return c;
    }
    return NULL;
}

static void span_text(const reader *r, const span *s, char *out, size_t size)
{
    size_t a = r->words[s->first].start, b = r->words[s->first + s->n - 1].end;
    snprintf(out, size, "%.*s", (int)(b - a), r->folded + a);
}

static void city_desc(const gaz_city *c, char *out, size_t size)
{
    snprintf(out, size, "GeoNames %s, %s, %s (pop %u)", c->name, c->admin1, c->cc, c->pop);
}

/* A code joined by a hyphen ("CA-Toronto", "Pune-IN") names a country,
 * except after the US's own code ("US-CA-Santa Clara": California). */
static int r_hyphen(const place *p, const span *s)
{
    const word *w = &p->r->words[s->first];
    if (!w->hyphen_code)
        return 0;
    if (s->first > 0) {
        const word *prev = &p->r->words[s->first - 1];
        if (prev->hyphen_code && (strcmp(prev->w, "us") == 0 || strcmp(prev->w, "usa") == 0))
            return 0;
    }
    return 1;
}

/* Settle what a qualifier span means for this place. */
static void settle(place *p, span *s)
{
    const span *h = p->head;
    if (s->has_code) {
        const gaz_code *c = &s->code;
        int us_country = str_eq(c->country, "US");
        if (us_country) {
            s->reading = R_US;
        } else if (c->state[0] && city_in(h, NULL, c->state)) {
            s->reading = R_STATE;
        } else if (c->country[0] && city_in(h, c->country, NULL)) {
            s->reading = R_COUNTRY;
        } else if (c->admin1_cc[0] && city_in(h, c->admin1_cc, NULL)) {
            s->reading = R_ADMIN1;
        } else if (c->country[0] && r_hyphen(p, s)) {
            s->reading = R_COUNTRY;
        } else if (c->state[0] && (p->r->words[s->first].upper || !c->country[0])) {
            s->reading = R_STATE;
        } else if (c->country[0]) {
            s->reading = R_COUNTRY;
        } else if (c->admin1_cc[0]) {
            s->reading = R_ADMIN1;
        } else if (c->state[0]) {
            s->reading = R_STATE;
        }
        str_copy(s->state, sizeof(s->state), c->state);
        str_copy(s->cc, sizeof(s->cc), s->reading == R_STATE ? "US"
                                        : s->reading == R_COUNTRY ? c->country
                                        : s->reading == R_ADMIN1 ? c->admin1_cc : "");
        if (s->reading == R_STATE && is_territory_code(c->state))
            str_copy(s->cc, sizeof(s->cc), c->state);
        if (s->reading == R_US)
            str_copy(s->cc, sizeof(s->cc), "US");
        return;
    }
    unsigned f = qual_flags(s);
    const gaz_name *nm = s->nm;
    if (f & GAZ_US) {
        s->reading = R_US;
        str_copy(s->cc, sizeof(s->cc), "US");
    } else if ((f & GAZ_US_STATE) && (f & GAZ_COUNTRY) && !is_territory_code(nm->country)) {
        /* "Georgia": the country when the place's city is there and not in
         * the state. */
        if (city_in(h, nm->country, NULL) && !city_in(h, NULL, nm->state)) {
            s->reading = R_COUNTRY;
            str_copy(s->cc, sizeof(s->cc), nm->country);
        } else {
            s->reading = R_STATE;
            str_copy(s->cc, sizeof(s->cc), "US");
        }
    } else if (f & GAZ_US_STATE) {
        s->reading = R_STATE;
        str_copy(s->cc, sizeof(s->cc), is_territory_code(nm->state) ? nm->state : "US");
    } else if (f & GAZ_COUNTRY) {
        s->reading = R_COUNTRY;
        str_copy(s->cc, sizeof(s->cc), nm->country);
    } else if (f & GAZ_ADMIN1) {
        s->reading = R_ADMIN1;
        str_copy(s->cc, sizeof(s->cc), nm->admin1_cc);
    } else if (f & GAZ_REGION_NON_US) {
        s->reading = R_REGION_NON_US;
    } else if (f & GAZ_REGION_ANY) {
        s->reading = R_REGION_ANY;
    }
    if (nm)
        str_copy(s->state, sizeof(s->state), nm->state);
}

static const char *reading_name(const span *s)
{
    switch (s->reading) {
    case R_US: return "names the US";
    case R_STATE: return "is a US state";
    case R_COUNTRY: return "is a country";
    case R_ADMIN1: return "is a division of";
    case R_REGION_NON_US: return "is a region outside the US";
    case R_REGION_ANY: return "is a region that may include the US";
    default: return "?";
    }
}

static void territory(const location_opts *o, const char *cc, verdict *v)
{
    if (is_territory_code(cc) && !o->territories_us) {
        v->v = LOCATION_NON_US;
        str_copy(v->cc, sizeof(v->cc), cc);
    } else {
        v->v = LOCATION_US;
        str_copy(v->cc, sizeof(v->cc), "US");
    }
}

/* Of two countries named for one place ("Monterrey, NL, Mexico"), the one
 * its city is in, else the one written out over a bare code. */
static int better_country(const place *p, const span *s, const span *cur)
{
    int s_city = city_in(p->head, s->cc, NULL) != NULL;
    int c_city = city_in(p->head, cur->cc, NULL) != NULL;
    if (s_city != c_city)
        return s_city;
    return cur->has_code && !s->has_code;
}

static void judge(place *p, const location_opts *o, verdict *v)
{
    const reader *r = p->r;
    char t[96], cd[160] = "";
    span *us = NULL, *state = NULL, *country = NULL, *admin1 = NULL, *region = NULL,
         *any = NULL;
    v->v = LOCATION_UNKNOWN;
    v->cc[0] = '\0';
    /* "Puerto Rico", "Mexico", "Washington" alone: a country's or state's
     * name wins over the towns named after it. */
    int others = 0;
    for (size_t i = 0; i < p->n; i++)
        others |= p->spans[i] != p->head && !p->spans[i]->noise && is_qualifier(p->spans[i]);
    if (p->head && !others && (qual_flags(p->head) & (GAZ_US | GAZ_US_STATE | GAZ_COUNTRY)))
        p->head = NULL;
    for (size_t i = 0; i < p->n; i++) {
        span *s = p->spans[i];
        if (s == p->head || s->noise || !is_qualifier(s))
            continue;
        settle(p, s);
        if (s->reading == R_US && !us)
            us = s;
        else if (s->reading == R_STATE && !state)
            state = s;
        else if (s->reading == R_COUNTRY && (!country || better_country(p, s, country)))
            country = s;
        else if (s->reading == R_ADMIN1 && !admin1)
            admin1 = s;
        else if (s->reading == R_REGION_NON_US && !region)
            region = s;
        else if (s->reading == R_REGION_ANY && !any)
            any = s;
    }
    /* A foreign country with a US state: the country wins only when the
     * place's city is there and not in the state ("Denmark, WI" is US). */
    if (state && country && !is_territory_code(country->cc)) {
        if (city_in(p->head, country->cc, NULL) && !city_in(p->head, NULL, state->state))
            state = NULL;
        else
            country = NULL;
    }
    span *decider = us ? us : country && is_territory_code(country->cc) ? country
                  : state ? state : country ? country : admin1 ? admin1 : region ? region : NULL;
    if (decider) {
        span_text(r, decider, t, sizeof(t));
        const gaz_city *c = p->head ? city_in(p->head, decider->cc[0] ? decider->cc : NULL,
                                                decider->reading == R_STATE ? decider->state : NULL)
                                    : NULL;
        if (c) {
            char d[140];
            city_desc(c, d, sizeof(d));
            snprintf(cd, sizeof(cd), "; its city agrees: %s", d);
        }
        v->explicit_abroad = decider->reading == R_COUNTRY || decider->reading == R_ADMIN1;
        if (decider->reading == R_US) {
            v->v = LOCATION_US;
            str_copy(v->cc, sizeof(v->cc), "US");
        } else if (decider->reading == R_STATE ||
                   (decider->reading == R_COUNTRY && is_territory_code(decider->cc))) {
            territory(o, decider->cc, v);
        } else {
            v->v = LOCATION_NON_US;
            str_copy(v->cc, sizeof(v->cc), decider->cc);
        }
        if ((decider->reading == R_STATE && is_territory_code(decider->state)) ||
            (decider->reading == R_COUNTRY && is_territory_code(decider->cc)))
            snprintf(v->why, sizeof(v->why), "\"%s\" is a US territory (%s)%s%s", t,
                     decider->reading == R_STATE ? decider->state : decider->cc,
                     o->territories_us ? "" : ", not counted as US (location.us_territories)", cd);
        else if (decider->reading == R_STATE && decider->state[0])
            snprintf(v->why, sizeof(v->why), "\"%s\" %s (%s)%s", t, reading_name(decider),
                     decider->state, cd);
        else if (decider->reading == R_ADMIN1)
            snprintf(v->why, sizeof(v->why), "\"%s\" %s %s (%s)%s", t, reading_name(decider),
                     gaz_country_name(decider->cc), decider->cc, cd);
        else if (decider->reading == R_COUNTRY)
            snprintf(v->why, sizeof(v->why), "\"%s\" %s (%s)%s", t, reading_name(decider),
                     decider->cc, cd);
        else
            snprintf(v->why, sizeof(v->why), "\"%s\" %s%s", t, reading_name(decider), cd);
        return;
    }
    if (!p->head) {
        if (any) {
            span_text(r, any, t, sizeof(t));
            snprintf(v->why, sizeof(v->why), "\"%s\" %s: cannot tell", t, reading_name(any));
        } else {
            snprintf(v->why, sizeof(v->why), p->unknown_words ? "no place the gazetteer knows"
                                                              : "no place named");
        }
        return;
    }
    /* Only a city: its namesakes decide, the most populous only by a wide
     * margin over those on the other side of the border. */
    const gaz_name *nm = p->head->nm;
    const gaz_city *best_us = NULL, *best_abroad = NULL;
    for (uint32_t i = 0; i < nm->city_count; i++) {
        const gaz_city *c = gaz_city_at(nm->city_first + i);
        int home = str_eq(c->cc, "US") || (is_territory_code(c->cc) && o->territories_us);
        const gaz_city **slot = home ? &best_us : &best_abroad;
        if (!*slot || c->pop > (*slot)->pop)
            *slot = c;
    }
    span_text(r, p->head, t, sizeof(t));
    char d1[140] = "", d2[140] = "";
    if (best_us)
        city_desc(best_us, d1, sizeof(d1));
    if (best_abroad)
        city_desc(best_abroad, d2, sizeof(d2));
    if (best_us && (!best_abroad || (uint64_t)best_us->pop >= (uint64_t)best_abroad->pop * DOMINANCE)) {
        v->v = LOCATION_US;
        str_copy(v->cc, sizeof(v->cc), "US");
        snprintf(v->why, sizeof(v->why), "city \"%s\": %s%s%s", t, d1,
                 best_abroad ? ", far larger than its namesake " : "", best_abroad ? d2 : "");
    } else if (best_abroad && (!best_us || (uint64_t)best_abroad->pop >= (uint64_t)best_us->pop * DOMINANCE)) {
        v->v = LOCATION_NON_US;
        str_copy(v->cc, sizeof(v->cc), best_abroad->cc);
        snprintf(v->why, sizeof(v->why), "city \"%s\": %s%s%s", t, d2,
                 best_us ? ", far larger than its US namesake " : "", best_us ? d1 : "");
    } else {
        snprintf(v->why, sizeof(v->why), "city \"%s\": namesakes too close to call: %s; %s", t,
                 d1, d2);
    }
}

/* ---- parts ---- */

static void place_text(const reader *r, const place *p, char *out, size_t size)
{
    if (!p->n) {
        out[0] = '\0';
        return;
    }
    size_t a = r->words[p->spans[0]->first].start;
    const span *last = p->spans[p->n - 1];
    size_t b = r->words[last->first + last->n - 1].end;
    snprintf(out, size, "%.*s", (int)(b - a), r->folded + a);
}

/* Better of two verdicts: US over non-US over unknown; the first wins ties. */
static void keep_best(verdict *best, const verdict *v)
{
    int rank_b = best->v == LOCATION_US ? 2 : best->v == LOCATION_NON_US ? 1 : 0;
    int rank_v = v->v == LOCATION_US ? 2 : v->v == LOCATION_NON_US ? 1 : 0;
    if (rank_v > rank_b || (!best->text[0] && !best->why[0]))
        *best = *v;
}

/* Places of one location: a US reading found among words the gazetteer
 * does not know (a street address: "SEZ Orion B FL", "Lake Shore Blvd W")
 * is weaker than a country or division named outright in the same location
 * ("..., Hyderabad, India"; "..., Toronto, ON"). */
typedef struct part_state {
    verdict best;        /* US over non-US over unknown, strong US first */
    verdict abroad;      /* the first explicit non-US place */
    int have_abroad;
} part_state;

static void judge_place(reader *r, place *p, const location_opts *o, part_state *ps)
{
    verdict v;
    memset(&v, 0, sizeof(v));
    judge(p, o, &v);
    place_text(r, p, v.text, sizeof(v.text));
    if (v.v == LOCATION_US && p->unknown_words) {
        int named_us = 0;
        for (size_t i = 0; i < p->n; i++)
            named_us |= p->spans[i]->reading == R_US;
        v.weak = !named_us;
    }
    if (v.v == LOCATION_NON_US && v.explicit_abroad && !ps->have_abroad) {
        ps->abroad = v;
        ps->have_abroad = 1;
    }
    if (ps->best.v == LOCATION_US && !ps->best.weak && v.v == LOCATION_US)
        return; /* a strong US place stays the decider */
    if (ps->best.v == LOCATION_US && ps->best.weak && v.v == LOCATION_US && !v.weak) {
        ps->best = v;
        return;
    }
    keep_best(&ps->best, &v);
}

/* Judge the words [first, end): one location, maybe several places. */
static void judge_part(reader *r, size_t first, size_t end, const location_opts *o,
                       verdict *out)
{
    span spans[MAX_SPANS];
    size_t ns = find_spans(r, first, end, spans, MAX_SPANS);
    part_state ps;
    memset(&ps, 0, sizeof(ps));
    place p;
    memset(&p, 0, sizeof(p));
    p.r = r;
    int has_place = 0;
    for (size_t i = 0; i < ns;) {
        /* One segment at a time. */
        size_t j = i;
        while (j < ns && spans[j].seg == spans[i].seg)
            j++;
        int names_place = 0, anything = 0;
        span *city = NULL;
        for (size_t k = i; k < j; k++) {
            span *s = &spans[k];
            if (s->noise)
                continue;
            anything = 1;
            if (is_city(s) && !city && !(qual_flags(s) && j - i == 1 && has_place)) {
                /* A city, unless it stands alone after a place as its
                 * qualifier ("Brooklyn, New York"). */
                if (!(qual_flags(s) & (GAZ_US_STATE | GAZ_COUNTRY | GAZ_US)) || !has_place)
                    city = s;
            }
            if (!s->nm && !s->has_code)
                names_place = 1; /* a word the gazetteer does not know */
        }
        if (city)
            names_place = 1;
        if (anything) {
            if (names_place && has_place) {
                judge_place(r, &p, o, &ps);
                memset(&p, 0, sizeof(p));
                p.r = r;
                has_place = 0;
            }
            for (size_t k = i; k < j && p.n < MAX_SPANS; k++) {
                if (spans[k].noise)
                    continue;
                p.spans[p.n++] = &spans[k];
                if (!spans[k].nm && !spans[k].has_code)
                    p.unknown_words = 1;
            }
            if (names_place) {
                has_place = 1;
                if (city && !p.head)
                    p.head = city;
            }
        }
        i = j;
    }
    if (p.n)
        judge_place(r, &p, o, &ps);
    *out = ps.best;
    if (out->v == LOCATION_US && out->weak && ps.have_abroad) {
        char why[256];
        snprintf(why, sizeof(why), "%.150s; the US reading \"%.60s\" is inside an address", ps.abroad.why,
                 out->text);
        *out = ps.abroad;
        str_copy(out->why, sizeof(out->why), why);
    }
    if (!out->why[0])
        snprintf(out->why, sizeof(out->why), "no place named");
}

static void from_text(const char *text, const location_opts *o, location_result *res)
{
    reader r; /* ~10 KiB on the stack: bounded by LOCATION_MAX_TEXT */
    read_words(&r, text);
    verdict best;
    memset(&best, 0, sizeof(best));
    size_t parts = 0;
    for (size_t i = 0; i < r.nwords;) {
        size_t j = i + 1;
        while (j < r.nwords && r.words[j].brk != 2)
            j++;
        if (parts == LOCATION_MAX_PARTS) {
            r.truncated = 1;
            break;
        }
        verdict v;
        judge_part(&r, i, j, o, &v);
        if (!v.text[0] && r.words[i].end > r.words[i].start) {
            size_t a = r.words[i].start, b = r.words[j - 1].end;
            snprintf(v.text, sizeof(v.text), "%.*s", (int)(b - a), r.folded + a);
        }
        if (o->explain && res->nparts < LOCATION_MAX_REPORT) {
            location_part *lp = &res->parts[res->nparts++];
            str_copy(lp->text, sizeof(lp->text), v.text);
            lp->verdict = v.v;
            str_copy(lp->country, sizeof(lp->country), v.cc);
            str_copy(lp->why, sizeof(lp->why), v.why);
        }
        keep_best(&best, &v);
        parts++;
        i = j;
    }
    res->parts_total = parts;
    res->truncated = r.truncated;
    res->verdict = best.v;
    str_copy(res->country, sizeof(res->country), best.cc);
    str_copy(res->part, sizeof(res->part), best.text);
    str_copy(res->why, sizeof(res->why), best.why[0] ? best.why : "no place named");
    res->basis = best.v == LOCATION_UNKNOWN ? LOCATION_BY_NOTHING : LOCATION_BY_TEXT;
}

/* ---- structured fields ---- */

/* The ATS's country field: an ISO code, "USA", or a country's name. */
static int from_country_field(const char *field, const location_opts *o, location_result *res)
{
    char f[64];
    gaz_fold(field, strlen(field), f, sizeof(f));
    char *s = f;
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        s[--n] = '\0';
    char cc[4] = "";
    gaz_code code;
    if ((n == 2 || n == 3) && gaz_code_lookup(s, n, &code) && code.country[0]) {
        str_copy(cc, sizeof(cc), code.country);
    } else {
        char key[64];
        gaz_key(s, key, sizeof(key));
        const gaz_name *nm = gaz_lookup(key, strlen(key));
        if (nm && (nm->flags & GAZ_US))
            str_copy(cc, sizeof(cc), "US");
        else if (nm && (nm->flags & GAZ_COUNTRY))
            str_copy(cc, sizeof(cc), nm->country);
    }
    if (!cc[0])
        return 0;
    verdict v;
    memset(&v, 0, sizeof(v));
    if (str_eq(cc, "US") || is_territory_code(cc)) {
        territory(o, cc, &v);
    } else {
        v.v = LOCATION_NON_US;
        str_copy(v.cc, sizeof(v.cc), cc);
    }
    res->verdict = v.v;
    res->basis = LOCATION_BY_COUNTRY_FIELD;
    str_copy(res->country, sizeof(res->country), v.cc);
    snprintf(res->why, sizeof(res->why), "the ATS's country field \"%.40s\" is %s%s", field, cc,
             is_territory_code(cc) ? ", a US territory" : "");
    return 1;
}

void location_decide(const location_input *in, const location_opts *opts, location_result *out)
{
    const location_opts *o = opts ? opts : &location_default_opts;
    memset(out, 0, sizeof(*out));
    if (!str_empty(in->country_code) && from_country_field(in->country_code, o, out))
        return;
    /* A USPS code in the region field (not also a Canadian province's). */
    if (!str_empty(in->region) && strlen(in->region) == 2) {
        gaz_code c;
        if (gaz_code_lookup(in->region, 2, &c) && c.state[0] && !str_eq(c.admin1_cc, "CA")) {
            verdict v;
            memset(&v, 0, sizeof(v));
            territory(o, c.state, &v);
            out->verdict = v.v;
            str_copy(out->country, sizeof(out->country), v.cc);
            out->basis = LOCATION_BY_REGION_FIELD;
            snprintf(out->why, sizeof(out->why), "the ATS's region field \"%s\" is a US state code",
                     c.state);
            return;
        }
    }
    /* Join every text we have so "Austin" + "TX" reads as "Austin, TX". */
    char joined[LOCATION_MAX_TEXT + 256];
    snprintf(joined, sizeof(joined), "%.*s, %.100s, %.100s", LOCATION_MAX_TEXT,
             in->text ? in->text : "", in->city ? in->city : "", in->region ? in->region : "");
    from_text(joined, o, out);
    if (in->text && strlen(in->text) > LOCATION_MAX_TEXT)
        out->truncated = 1;
}

location_verdict location_classify(const location_input *in, char *country, size_t size)
{
    location_result r;
    location_decide(in, &location_default_opts, &r);
    str_copy(country, size, r.country);
    return r.verdict;
}

const char *location_verdict_name(location_verdict v)
{
    switch (v) {
    case LOCATION_US: return "us";
    case LOCATION_NON_US: return "non-us";
    default: return "unknown";
    }
}

const char *location_basis_name(location_basis b)
{
    switch (b) {
    case LOCATION_BY_COUNTRY_FIELD: return "country field";
    case LOCATION_BY_REGION_FIELD: return "region field";
    case LOCATION_BY_TEXT: return "text rule";
    default: return "nothing";
    }
}

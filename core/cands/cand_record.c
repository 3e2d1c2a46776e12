#include "cands/cand_record.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cands/cand_status.h"
#include "cands/profile.h"
#include "base/util.h"


void cand_rec_free(cand_rec *r)
{
    json_object_put(r->data);
    free(r->resume);
}

/* Control characters allowed in multi-line text (transcript messages,
 * the assessment summary) and in a text resume (CRLF files, page breaks). */
#define ALLOW_NONE ""
#define ALLOW_TEXT "\n\t"
#define ALLOW_RESUME "\n\t\r\f"

/* 0 when s (len bytes, as JSON decoded it) is UTF-8 text with no control
 * character outside allow; else -1 with "field F: why".  An embedded NUL
 * ("\u0000") would silently cut the value short in C and in the store;
 * ESC and friends would reach terminals (candidates show) and the ATS. */
static int check_text(const char *field, const char *s, size_t len, size_t max,
                      const char *allow, char *why, size_t wn)
{
    const unsigned char *p = (const unsigned char *)s;
    if (len > max)
        return snprintf(why, wn, "field %s: %zu bytes, more than the limit of %zu", field, len,
                        max), -1;
    for (size_t i = 0; i < len;) {
        size_t adv;
        long cp = utf8_decode(p + i, len - i, &adv);
        if (cp < 0)
            return snprintf(why, wn, "field %s: not valid UTF-8 (byte %zu)", field, i + 1), -1;
        if (cp == 0)
            return snprintf(why, wn, "field %s: contains a NUL character (\\u0000) at byte %zu",
                            field, i + 1), -1;
        if (utf8_is_control(cp) && !(cp < 0x80 && *allow && strchr(allow, (int)cp)))
            return snprintf(why, wn, "field %s: control character U+%04lX at byte %zu is not "
                            "allowed%s", field, cp, i + 1,
                            str_eq(allow, ALLOW_NONE) ? "" : " (only newline and tab are)"), -1;
        i += adv;
    }
    return 0;
}

/* A text resume is typeset line by line: each line is one paragraph. */
static int check_resume_lines(const char *field, const char *s, size_t len, char *why, size_t wn)
{
    size_t line = 1;
    for (const char *p = s, *end = s + len; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        if (n > CAND_MAX_RESUME_LINE)
            return snprintf(why, wn, "field %s: line %zu is %zu bytes, more than the limit of %d "
                            "for one line", field, line, n, CAND_MAX_RESUME_LINE), -1;
        p += n + 1;
    }
    return 0;
}

static int check_json_text(const char *field, json_object *v, size_t max, const char *allow,
                           char *why, size_t wn)
{
    return check_text(field, json_object_get_string(v), (size_t)json_object_get_string_len(v),
                      max, allow, why, wn);
}

/* Ids are opaque strings.  A JSON number is kept as its exact decimal text,
 * so it is accepted only when that text is certain: a whole number in
 * 0..INT64_MAX.  json-c clamps anything larger to one value (2^63-1, or
 * 2^64-1 past uint64), so two different big ids would silently become the
 * same candidate; fractions and exponents are not ids either. */
static const char *number_id(json_object *v, const char *key, char *buf, size_t bn, char *why,
                             size_t wn)
{
    if (json_object_is_type(v, json_type_double)) {
        snprintf(why, wn, "field %s: the number %.40s is not a whole number; give the id as a string",
                 key, json_object_get_string(v));
        return NULL;
    }
    int64_t i = json_object_get_int64(v);
    if (i < 0) {
        snprintf(why, wn, "field %s: a negative number is not an id; give the id as a string", key);
        return NULL;
    }
    /* Above INT64_MAX json-c keeps a uint64 (or its clamp), so the two
     * readings differ exactly when the number was out of range. */
    if (i == INT64_MAX && json_object_get_uint64(v) != (uint64_t)INT64_MAX) {
        snprintf(why, wn, "field %s: the number is larger than %lld and cannot be kept exactly; "
                 "give the id as a string", key, (long long)INT64_MAX);
        return NULL;
    }
    snprintf(buf, bn, "%lld", (long long)i);
    return buf;
}

/* Field helpers: each fills why with the reason when the value is bad. */
static const char *get_str(json_object *o, const char *key, int required, size_t max, char *why,
                           size_t wn, char *numbuf, size_t nn)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
        if (required)
            snprintf(why, wn, "field %s: required", key);
        return NULL;
    }
    if (numbuf && (json_object_is_type(v, json_type_int) ||
                   json_object_is_type(v, json_type_double)))
        return number_id(v, key, numbuf, nn, why, wn);
    if (!json_object_is_type(v, json_type_string)) {
        snprintf(why, wn, "field %s: expected a string", key);
        return NULL;
    }
    if (check_json_text(key, v, max, ALLOW_NONE, why, wn) < 0)
        return NULL;
    const char *s = json_object_get_string(v);
    /* Only whitespace counts as missing. */
    const char *p = s;
    while (*p && isspace((unsigned char)*p))
        p++;
    if (!*p) {
        if (required)
            snprintf(why, wn, "field %s: must not be empty", key);
        return NULL;
    }
    return s;
}

static int parse_time(json_object *v, int64_t *out)
{
    if (json_object_is_type(v, json_type_int)) {
        *out = json_object_get_int64(v);
        return 0;
    }
    return json_object_is_type(v, json_type_string) ? time_parse_iso(json_object_get_string(v), out)
                                                    : -1;
}

static int read_resume(cand_rec *r, json_object *res, char *why, size_t wn)
{
    json_object *p = NULL, *t = NULL;
    if (!json_object_is_type(res, json_type_object))
        return snprintf(why, wn, "field resume: expected {\"path\": ...} or {\"text\": ...}"), -1;
    int has_p = json_object_object_get_ex(res, "path", &p);
    int has_t = json_object_object_get_ex(res, "text", &t);
    if (has_p == has_t)
        return snprintf(why, wn, "field resume: give exactly one of path or text"), -1;
    r->has_resume = 1;
    if (has_t) {
        if (!json_object_is_type(t, json_type_string))
            return snprintf(why, wn, "field resume.text: expected text"), -1;
        if (check_json_text("resume.text", t, CAND_MAX_RESUME_TEXT, ALLOW_RESUME, why, wn) < 0 ||
            check_resume_lines("resume.text", json_object_get_string(t),
                               (size_t)json_object_get_string_len(t), why, wn) < 0)
            return -1;
        r->resume = str_dup(json_object_get_string(t));
        r->resume_len = strlen(r->resume);
        r->resume_mime = "text/plain";
        str_copy(r->resume_name, sizeof(r->resume_name), "resume.txt");
        return 0;
    }
    const char *path = json_object_get_string(p);
    if (!json_object_is_type(p, json_type_string) || !*path)
        return snprintf(why, wn, "field resume.path: expected a file path"), -1;
    if (check_json_text("resume.path", p, CAND_MAX_PATH, ALLOW_NONE, why, wn) < 0)
        return -1;
    if (file_read_all(path, &r->resume, &r->resume_len, CAND_MAX_RESUME) < 0)
        return snprintf(why, wn, "field resume.path: cannot read %s: %s", path,
                        errno == EFBIG ? "larger than 20 MiB" : strerror(errno)), -1;
    const char *base = strrchr(path, '/');
    str_copy(r->resume_name, sizeof(r->resume_name), base ? base + 1 : path);
    if (r->resume_len >= 5 && memcmp(r->resume, "%PDF-", 5) == 0) {
        atsb_error perr = ATSB_ERROR_INIT;
        if (profile_check_pdf((const unsigned char *)r->resume, r->resume_len, NULL, &perr))
            return snprintf(why, wn, "field resume.path: %.200s is %.280s", path, perr.message), -1;
        r->resume_mime = "application/pdf";
        return 0;
    }
    if (r->resume_len > CAND_MAX_RESUME_TEXT)
        return snprintf(why, wn, "field resume.path: %s is a text file of %zu bytes, more than "
                        "the limit of %d for a text resume", path, r->resume_len,
                        CAND_MAX_RESUME_TEXT), -1;
    if (check_text("resume.path", r->resume, r->resume_len, CAND_MAX_RESUME_TEXT, ALLOW_RESUME, why, wn) < 0)
        return snprintf(why, wn, "field resume.path: %s is neither a PDF nor UTF-8 text without "
                        "control characters", path), -1;
    if (check_resume_lines("resume.path", r->resume, r->resume_len, why, wn) < 0)
        return -1;
    r->resume_mime = "text/plain";
    return 0;
}

/* Everything is checked before anything is written. */
int cand_rec_parse(json_object *o, cand_rec *r, char *why, size_t wn)
{
    memset(r, 0, sizeof(*r));
    why[0] = '\0';
    if (!json_object_is_type(o, json_type_object))
        return snprintf(why, wn, "expected a JSON object"), -1;
    r->id = get_str(o, "id", 1, ATSB_REMOTE_ID_MAX - 1, why, wn, r->id_buf, sizeof(r->id_buf));
    if (!r->id) return -1;
    if (!(r->org = get_str(o, "org", 1, CAND_MAX_NAME, why, wn, NULL, 0))) return -1;
    if (!(r->job = get_str(o, "job", 1, ATSB_REMOTE_ID_MAX - 1, why, wn, r->job_buf, sizeof(r->job_buf)))) return -1;
    if (!(r->first = get_str(o, "first_name", 1, CAND_MAX_NAME, why, wn, NULL, 0))) return -1;
    if (!(r->last = get_str(o, "last_name", 1, CAND_MAX_NAME, why, wn, NULL, 0))) return -1;
    r->email = get_str(o, "email", 0, CAND_MAX_EMAIL, why, wn, NULL, 0);
    if (why[0]) return -1;
    if (r->email && (!strchr(r->email, '@') || strpbrk(r->email, " \t<>,") ||
                     strchr(r->email, '@') == r->email || !strchr(strchr(r->email, '@'), '.')))
        return snprintf(why, wn, "field email: \"%.100s\" is not an email address", r->email), -1;
    r->phone = get_str(o, "phone", 0, CAND_MAX_PHONE, why, wn, NULL, 0);
    if (why[0]) return -1;
    if (!(r->status = get_str(o, "status", 1, CAND_MAX_NAME, why, wn, NULL, 0))) return -1;
    if (!cand_status_valid(r->status))
        return snprintf(why, wn, "field status: unknown status \"%.40s\" (expected %s)", r->status,
                        cand_status_list()), -1;
    r->profile_url = get_str(o, "profile_url", 0, CAND_MAX_URL, why, wn, NULL, 0);
    if (why[0]) return -1;
    if (r->profile_url && strncmp(r->profile_url, "https://", 8) && strncmp(r->profile_url, "http://", 7))
        return snprintf(why, wn, "field profile_url: expected an http(s) URL"), -1;

    r->data = json_object_new_object();
    json_object *v;
    if (json_object_object_get_ex(o, "assessment", &v) && !json_object_is_type(v, json_type_null)) {
        json_object *stars, *summary;
        if (!json_object_is_type(v, json_type_object) ||
            !json_object_object_get_ex(v, "stars", &stars) ||
            !json_object_is_type(stars, json_type_int))
            return snprintf(why, wn, "field assessment.stars: expected a whole number 1..5"), -1;
        int n = json_object_get_int(stars);
        if (n < 1 || n > 5)
            return snprintf(why, wn, "field assessment.stars: %d is outside 1..5", n), -1;
        json_object *a = json_object_new_object();
        json_object_object_add(a, "stars", json_object_new_int(n));
        if (json_object_object_get_ex(v, "summary", &summary) &&
            !json_object_is_type(summary, json_type_null)) {
            if (!json_object_is_type(summary, json_type_string) ||
                check_json_text("assessment.summary", summary, CAND_MAX_SUMMARY, ALLOW_TEXT, why, wn) < 0) {
                json_object_put(a);
                if (!why[0])
                    snprintf(why, wn, "field assessment.summary: expected text");
                return -1;
            }
            json_object_object_add(a, "summary", json_object_get(summary));
        }
        json_object_object_add(r->data, "assessment", a);
    }
    if (json_object_object_get_ex(o, "transcript", &v) && !json_object_is_type(v, json_type_null)) {
        if (!json_object_is_type(v, json_type_array))
            return snprintf(why, wn, "field transcript: expected an array of messages"), -1;
        size_t n = json_object_array_length(v), total = 0;
        if (n > CAND_MAX_MESSAGES)
            return snprintf(why, wn, "field transcript: %zu messages, more than the limit of %d",
                            n, CAND_MAX_MESSAGES), -1;
        json_object *out = json_object_new_array();
        json_object_object_add(r->data, "transcript", out);
        for (size_t i = 0; i < n; i++) {
            json_object *m = json_object_array_get_idx(v, i), *from, *at, *text;
            int64_t t = 0;
            if (!json_object_is_type(m, json_type_object) ||
                !json_object_object_get_ex(m, "from", &from) || !json_object_is_type(from, json_type_string) ||
                !json_object_object_get_ex(m, "text", &text) || !json_object_is_type(text, json_type_string))
                return snprintf(why, wn, "field transcript[%zu]: needs from and text strings", i), -1;
            char fname[48];
            snprintf(fname, sizeof(fname), "transcript[%zu].from", i);
            if (check_json_text(fname, from, CAND_MAX_FROM, ALLOW_NONE, why, wn) < 0)
                return -1;
            snprintf(fname, sizeof(fname), "transcript[%zu].text", i);
            if (check_json_text(fname, text, CAND_MAX_MESSAGE, ALLOW_TEXT, why, wn) < 0)
                return -1;
            /* The whole transcript is typeset into the profile PDF on every
             * push: its total size bounds the render's time and memory. */
            total += (size_t)json_object_get_string_len(from) + (size_t)json_object_get_string_len(text);
            if (total > CAND_MAX_TRANSCRIPT)
                return snprintf(why, wn, "field transcript: more than the limit of %d bytes of "
                                "text in all (reached at message %zu)", CAND_MAX_TRANSCRIPT, i), -1;
            if (json_object_object_get_ex(m, "at", &at) && parse_time(at, &t) < 0)
                return snprintf(why, wn, "field transcript[%zu].at: expected an ISO-8601 time", i), -1;
            json_object *e = json_object_new_object();
            json_object_object_add(e, "from", json_object_get(from));
            json_object_object_add(e, "at", json_object_new_int64(t));
            json_object_object_add(e, "text", json_object_get(text));
            json_object_array_add(out, e);
        }
    }
    if (json_object_object_get_ex(o, "resume", &v) && !json_object_is_type(v, json_type_null))
        if (read_resume(r, v, why, wn) < 0)
            return -1;
    return 0;
}


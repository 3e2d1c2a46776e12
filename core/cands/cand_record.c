#include "cands/cand_record.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
                            str_eq(allow, ALLOW_NONE) ? ""
                            : str_eq(allow, ALLOW_TEXT) ? " (only newline and tab are)"
                            : " (only newline, tab, carriage return and form feed are)"), -1;
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

/* Bytes of a resume (from a file or base64) are a PDF the checker can read,
 * or UTF-8 text within the text limits.  what names the source. */
static int classify_resume(cand_rec *r, const cand_rec_opts *o, const char *field,
                           const char *what, char *why, size_t wn)
{
    if (r->resume_len >= 5 && memcmp(r->resume, "%PDF-", 5) == 0) {
        atsb_error perr = ATSB_ERROR_INIT;
        /* With a config, the check runs in the bounded child (a hostile PDF
         * must not take the importer down); without one (validation only,
         * the fuzz target) in-process with the default limits. */
        int bad = o->cfg ? profile_check_resume(o->cfg, (const unsigned char *)r->resume,
                                                r->resume_len, NULL, &perr)
                         : profile_check_pdf((const unsigned char *)r->resume, r->resume_len,
                                             NULL, NULL, &perr);
        if (bad)
            return snprintf(why, wn, "field %s: %.200s is %.280s", field, what, perr.message), -1;
        r->resume_mime = "application/pdf";
        return 0;
    }
    if (r->resume_len > CAND_MAX_RESUME_TEXT)
        return snprintf(why, wn, "field %s: %.200s is text of %zu bytes, more than the limit of "
                        "%d for a text resume", field, what, r->resume_len,
                        CAND_MAX_RESUME_TEXT), -1;
    if (check_text(field, r->resume, r->resume_len, CAND_MAX_RESUME_TEXT, ALLOW_RESUME, why, wn) < 0)
        return snprintf(why, wn, "field %s: %.200s is neither a PDF nor UTF-8 text without "
                        "control characters", field, what), -1;
    if (check_resume_lines(field, r->resume, r->resume_len, why, wn) < 0)
        return -1;
    r->resume_mime = "text/plain";
    return 0;
}

static int b64_value(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
         : c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Standard base64 (RFC 4648), padding optional, line breaks and spaces
 * ignored (MIME-wrapped input).  0 ok; -1 on a bad character. */
static int b64_decode(const char *in, size_t len, char **out, size_t *out_len)
{
    char *buf = malloc(len / 4 * 3 + 4);
    if (!buf)
        return -1;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0, pad = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64_value(c);
        if (v < 0 || pad) { /* nothing may follow the padding */
            free(buf);
            return -1;
        }
        acc = (acc << 6 | (unsigned)v) & 0xFFFFFF;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[o++] = (char)(acc >> bits & 0xFF);
        }
    }
    if (pad > 2 || bits >= 6) { /* a lone trailing character is not data */
        free(buf);
        return -1;
    }
    buf[o] = '\0';
    *out = buf;
    *out_len = o;
    return 0;
}

/* The part of path below the resume directory: a relative path is taken
 * relative to it; an absolute one must start with the directory (as
 * configured, or as resolved by realpath).  NULL when outside. */
static const char *below_dir(const char *path, const cand_rec_opts *o)
{
    if (path[0] != '/')
        return path;
    if (o->no_files) /* no directory to compare with: check the form only */
        return path + 1;
    const char *dirs[2] = { o->resume_dir, o->resume_dir_real };
    for (size_t i = 0; i < 2; i++) {
        const char *d = dirs[i];
        if (!d)
            continue;
        size_t n = strlen(d);
        while (n > 0 && d[n - 1] == '/')
            n--;
        if (!strncmp(path, d, n) && path[n] == '/')
            return path + n + 1;
    }
    return NULL;
}

/* Each component of rel: not empty, "." or "..", so a path cannot climb out
 * of the directory whatever the links below it say. */
static int check_components(const char *rel, char *why, size_t wn)
{
    const char *p = rel;
    if (!*p)
        return snprintf(why, wn, "field resume.path: names the resume directory itself"), -1;
    while (*p) {
        size_t n = strcspn(p, "/");
        if (n >= 256)
            return snprintf(why, wn, "field resume.path: a path component is longer than 255 bytes"), -1;
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return snprintf(why, wn, "field resume.path: \".\" and \"..\" components are not "
                            "allowed"), -1;
        if (n == 0)
            return snprintf(why, wn, "field resume.path: empty path component (\"//\" or a "
                            "trailing \"/\")"), -1;
        p += n;
        if (*p == '/')
            p++;
        else
            break;
    }
    if (p > rel && p[-1] == '/')
        return snprintf(why, wn, "field resume.path: empty path component (\"//\" or a trailing "
                        "\"/\")"), -1;
    return 0;
}

/* Open rel below dirfd one component at a time with O_NOFOLLOW: a symbolic
 * link anywhere (directory or file) is refused rather than followed, so
 * the open cannot leave the directory.  O_NONBLOCK: opening a FIFO must not
 * wait for a writer (it is refused by the fstat that follows). */
static int open_below(int dirfd, const char *rel, int *out, char *why, size_t wn)
{
    int fd = dirfd;
    const char *p = rel;
    char comp[256];
    for (;;) {
        size_t n = strcspn(p, "/");
        memcpy(comp, p, n);
        comp[n] = '\0';
        int last = p[n] == '\0';
        int flags = last ? O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC
                         : O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
        int nfd = openat(fd, comp, flags);
        int e = errno;
        if (fd != dirfd)
            close(fd);
        if (nfd < 0) {
            if (e == ELOOP || (!last && e == ENOTDIR))
                snprintf(why, wn, "field resume.path: \"%s\" is a symbolic link%s; refused", comp,
                         last ? "" : " or not a directory");
            else
                snprintf(why, wn, "field resume.path: cannot open \"%s\": %s", comp, strerror(e));
            return -1;
        }
        fd = nfd;
        if (last)
            break;
        p += n + 1;
    }
    *out = fd;
    return 0;
}

static int read_resume_file(cand_rec *r, const char *path, const cand_rec_opts *o, char *why,
                            size_t wn)
{
    if (o->resume_dirfd < 0 && !o->no_files)
        return snprintf(why, wn, "field resume.path: resume files are not read: no resume "
                        "directory is configured (intake.resume_dir, or candidates import "
                        "--resume-dir DIR); give the resume inline as {\"text\": ...} or "
                        "{\"base64\": ..., \"filename\": ...}"), -1;
    const char *rel = below_dir(path, o);
    if (!rel)
        return snprintf(why, wn, "field resume.path: %s is outside the resume directory %s", path,
                        o->resume_dir ? o->resume_dir : "(none)"), -1;
    if (check_components(rel, why, wn) < 0)
        return -1;
    const char *base = strrchr(path, '/');
    str_copy(r->resume_name, sizeof(r->resume_name), base ? base + 1 : path);
    if (o->no_files)
        return 0; /* validation only: the form is checked, nothing is read */
    int fd = -1, rc = -1;
    if (open_below(o->resume_dirfd, rel, &fd, why, wn) < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(why, wn, "field resume.path: cannot read %s: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, wn, "field resume.path: %s is not a regular file", path);
        goto done;
    }
    if (st.st_size > CAND_MAX_RESUME) {
        snprintf(why, wn, "field resume.path: %s is larger than 20 MiB", path);
        goto done;
    }
    /* Read to end of file, never past the cap (the file may be growing). */
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *buf = malloc(cap + 1);
    for (ssize_t n = 1; buf && n > 0;) {
        if (len == cap) {
            if (cap > CAND_MAX_RESUME)
                break;
            cap = cap * 2 > (size_t)CAND_MAX_RESUME + 1 ? (size_t)CAND_MAX_RESUME + 1 : cap * 2;
            char *g = realloc(buf, cap + 1);
            if (!g) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = g;
        }
        n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            n = 1;
        else if (n < 0) {
            snprintf(why, wn, "field resume.path: cannot read %s: %s", path, strerror(errno));
            free(buf);
            goto done;
        } else
            len += (size_t)n;
    }
    if (!buf) {
        snprintf(why, wn, "field resume.path: out of memory reading %s", path);
        goto done;
    }
    if (len > CAND_MAX_RESUME) {
        free(buf);
        snprintf(why, wn, "field resume.path: %s is larger than 20 MiB", path);
        goto done;
    }
    buf[len] = '\0';
    r->resume = buf;
    r->resume_len = len;
    rc = classify_resume(r, o, "resume.path", path, why, wn);
done:
    close(fd);
    return rc;
}

static int read_resume(cand_rec *r, json_object *res, const cand_rec_opts *o, char *why,
                       size_t wn)
{
    json_object *p = NULL, *t = NULL, *b = NULL, *fn = NULL;
    if (!json_object_is_type(res, json_type_object))
        return snprintf(why, wn, "field resume: expected {\"text\": ...}, {\"base64\": ..., "
                        "\"filename\": ...} or {\"path\": ...}"), -1;
    int has_p = json_object_object_get_ex(res, "path", &p);
    int has_t = json_object_object_get_ex(res, "text", &t);
    int has_b = json_object_object_get_ex(res, "base64", &b);
    if (has_p + has_t + has_b != 1)
        return snprintf(why, wn, "field resume: give exactly one of text, base64 or path"), -1;
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
    if (has_b) {
        if (!json_object_is_type(b, json_type_string))
            return snprintf(why, wn, "field resume.base64: expected a base64 string"), -1;
        size_t blen = (size_t)json_object_get_string_len(b);
        /* 4 characters per 3 bytes, plus generous room for line breaks. */
        if (blen > (size_t)CAND_MAX_RESUME / 3 * 4 * 11 / 10 + 16)
            return snprintf(why, wn, "field resume.base64: larger than 20 MiB decoded"), -1;
        if (json_object_object_get_ex(res, "filename", &fn) &&
            !json_object_is_type(fn, json_type_null)) {
            if (!json_object_is_type(fn, json_type_string) ||
                !json_object_get_string_len(fn))
                return snprintf(why, wn, "field resume.filename: expected a file name"), -1;
            if (check_json_text("resume.filename", fn, 255, ALLOW_NONE, why, wn) < 0)
                return -1;
            if (strchr(json_object_get_string(fn), '/'))
                return snprintf(why, wn, "field resume.filename: a file name, without \"/\""), -1;
        }
        if (b64_decode(json_object_get_string(b), blen, &r->resume, &r->resume_len) < 0)
            return snprintf(why, wn, "field resume.base64: not valid base64"), -1;
        if (r->resume_len > CAND_MAX_RESUME)
            return snprintf(why, wn, "field resume.base64: larger than 20 MiB decoded"), -1;
        if (classify_resume(r, o, "resume.base64", "the decoded content", why, wn) < 0)
            return -1;
        str_copy(r->resume_name, sizeof(r->resume_name),
                 fn && json_object_is_type(fn, json_type_string) ? json_object_get_string(fn)
                 : str_eq(r->resume_mime, "application/pdf") ? "resume.pdf" : "resume.txt");
        return 0;
    }
    if (!json_object_is_type(p, json_type_string) || !json_object_get_string_len(p))
        return snprintf(why, wn, "field resume.path: expected a file path"), -1;
    if (check_json_text("resume.path", p, CAND_MAX_PATH, ALLOW_NONE, why, wn) < 0)
        return -1;
    return read_resume_file(r, json_object_get_string(p), o, why, wn);
}

/* Everything is checked before anything is written. */
int cand_rec_parse(json_object *o, const cand_rec_opts *opts, cand_rec *r, char *why, size_t wn)
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
    /* Required (lead's decision): every connector's find_candidate looks
     * the candidate up by email, the only guard against a duplicate when
     * the reply to a push is lost; without one each retry creates anew. */
    r->email = get_str(o, "email", 0, CAND_MAX_EMAIL, why, wn, NULL, 0);
    if (why[0]) return -1;
    if (!r->email)
        return snprintf(why, wn, "field email: %s", CAND_EMAIL_REQUIRED), -1;
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
        if (read_resume(r, v, opts, why, wn) < 0)
            return -1;
    return 0;
}


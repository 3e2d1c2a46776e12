#include "cands/cand_import.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cands/cand_status.h"
#include "cands/candidates.h"
#include "cands/profile.h"
#include "base/util.h"

#define MAX_RESUME (20 * 1024 * 1024)

typedef struct rec {
    const char *id, *org, *job, *first, *last, *email, *phone, *status, *profile_url;
    char id_buf[64], job_buf[64];
    json_object *data;          /* {"assessment":..., "transcript":[...]} */
    int has_resume;
    char *resume;               /* bytes */
    size_t resume_len;
    char resume_name[256];
    const char *resume_mime;
    const config *cfg;          /* the resume check's limits */
} rec;

static void rec_free(rec *r)
{
    json_object_put(r->data);
    free(r->resume);
}

/* Field helpers: each fills why with the reason when the value is bad. */
static const char *get_str(json_object *o, const char *key, int required, char *why,
                           size_t wn, char *numbuf, size_t nn)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
        if (required)
            snprintf(why, wn, "field %s: required", key);
        return NULL;
    }
    if (numbuf && json_object_is_type(v, json_type_int)) {
        snprintf(numbuf, nn, "%lld", (long long)json_object_get_int64(v));
        return numbuf;
    }
    if (!json_object_is_type(v, json_type_string)) {
        snprintf(why, wn, "field %s: expected a string", key);
        return NULL;
    }
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

static int valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2
              : (*p & 0xF8) == 0xF0 ? 3 : -1;
        if (n < 0)
            return 0;
        p++;
        for (int i = 0; i < n; i++, p++)
            if ((*p & 0xC0) != 0x80)
                return 0;
    }
    return 1;
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

static int read_resume(rec *r, json_object *res, char *why, size_t wn)
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
        if (!json_object_is_type(t, json_type_string) || !valid_utf8(json_object_get_string(t)))
            return snprintf(why, wn, "field resume.text: expected UTF-8 text"), -1;
        r->resume = str_dup(json_object_get_string(t));
        r->resume_len = strlen(r->resume);
        r->resume_mime = "text/plain";
        str_copy(r->resume_name, sizeof(r->resume_name), "resume.txt");
        return 0;
    }
    const char *path = json_object_get_string(p);
    if (!json_object_is_type(p, json_type_string) || !*path)
        return snprintf(why, wn, "field resume.path: expected a file path"), -1;
    if (file_read_all(path, &r->resume, &r->resume_len, MAX_RESUME) < 0)
        return snprintf(why, wn, "field resume.path: cannot read %s: %s", path,
                        errno == EFBIG ? "larger than 20 MiB" : strerror(errno)), -1;
    const char *base = strrchr(path, '/');
    str_copy(r->resume_name, sizeof(r->resume_name), base ? base + 1 : path);
    if (r->resume_len >= 5 && memcmp(r->resume, "%PDF-", 5) == 0) {
        atsb_error perr = ATSB_ERROR_INIT;
        if (profile_check_resume(r->cfg, (const unsigned char *)r->resume, r->resume_len, NULL, &perr))
            return snprintf(why, wn, "field resume.path: %.200s is %.280s", path, perr.message), -1;
        r->resume_mime = "application/pdf";
        return 0;
    }
    if (memchr(r->resume, '\0', r->resume_len) || !valid_utf8(r->resume))
        return snprintf(why, wn, "field resume.path: %s is neither a PDF nor UTF-8 text", path), -1;
    r->resume_mime = "text/plain";
    return 0;
}

/* Everything is checked before anything is written. */
static int validate(json_object *o, rec *r, char *why, size_t wn)
{
    why[0] = '\0';
    if (!json_object_is_type(o, json_type_object))
        return snprintf(why, wn, "expected a JSON object"), -1;
    r->id = get_str(o, "id", 1, why, wn, r->id_buf, sizeof(r->id_buf));
    if (!r->id) return -1;
    if (strlen(r->id) >= ATSB_REMOTE_ID_MAX)
        return snprintf(why, wn, "field id: longer than %d bytes", ATSB_REMOTE_ID_MAX - 1), -1;
    if (!(r->org = get_str(o, "org", 1, why, wn, NULL, 0))) return -1;
    if (!(r->job = get_str(o, "job", 1, why, wn, r->job_buf, sizeof(r->job_buf)))) return -1;
    if (strlen(r->job) >= ATSB_REMOTE_ID_MAX)
        return snprintf(why, wn, "field job: longer than %d bytes", ATSB_REMOTE_ID_MAX - 1), -1;
    if (!(r->first = get_str(o, "first_name", 1, why, wn, NULL, 0))) return -1;
    if (!(r->last = get_str(o, "last_name", 1, why, wn, NULL, 0))) return -1;
    r->email = get_str(o, "email", 0, why, wn, NULL, 0);
    if (why[0]) return -1;
    if (r->email && (!strchr(r->email, '@') || strpbrk(r->email, " \t<>,") ||
                     strchr(r->email, '@') == r->email || !strchr(strchr(r->email, '@'), '.')))
        return snprintf(why, wn, "field email: \"%.100s\" is not an email address", r->email), -1;
    r->phone = get_str(o, "phone", 0, why, wn, NULL, 0);
    if (why[0]) return -1;
    if (!(r->status = get_str(o, "status", 1, why, wn, NULL, 0))) return -1;
    if (!cand_status_valid(r->status))
        return snprintf(why, wn, "field status: unknown status \"%.40s\" (expected %s)", r->status,
                        cand_status_list()), -1;
    r->profile_url = get_str(o, "profile_url", 0, why, wn, NULL, 0);
    if (why[0]) return -1;
    if (r->profile_url && strncmp(r->profile_url, "https://", 8) && strncmp(r->profile_url, "http://", 7))
        return snprintf(why, wn, "field profile_url: expected an http(s) URL"), -1;
    const char *texts[] = { r->first, r->last, r->email, r->phone };
    for (size_t i = 0; i < ARRAY_LEN(texts); i++)
        if (texts[i] && !valid_utf8(texts[i]))
            return snprintf(why, wn, "a name or contact field is not valid UTF-8"), -1;

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
                !valid_utf8(json_object_get_string(summary))) {
                json_object_put(a);
                return snprintf(why, wn, "field assessment.summary: expected text"), -1;
            }
            json_object_object_add(a, "summary", json_object_get(summary));
        }
        json_object_object_add(r->data, "assessment", a);
    }
    if (json_object_object_get_ex(o, "transcript", &v) && !json_object_is_type(v, json_type_null)) {
        if (!json_object_is_type(v, json_type_array))
            return snprintf(why, wn, "field transcript: expected an array of messages"), -1;
        json_object *out = json_object_new_array();
        json_object_object_add(r->data, "transcript", out);
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            json_object *m = json_object_array_get_idx(v, i), *from, *at, *text;
            int64_t t = 0;
            if (!json_object_is_type(m, json_type_object) ||
                !json_object_object_get_ex(m, "from", &from) || !json_object_is_type(from, json_type_string) ||
                !json_object_object_get_ex(m, "text", &text) || !json_object_is_type(text, json_type_string))
                return snprintf(why, wn, "field transcript[%zu]: needs from and text strings", i), -1;
            if (!valid_utf8(json_object_get_string(text)) || !valid_utf8(json_object_get_string(from)))
                return snprintf(why, wn, "field transcript[%zu]: not valid UTF-8", i), -1;
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

/* {id} and {org} in the template; the id is percent-encoded. */
static char *profile_url(const config *cfg, const char *org, const char *id)
{
    strbuf sb;
    sb_init(&sb);
    for (const char *p = cfg->profile_url_template; *p; p++) {
        if (!strncmp(p, "{id}", 4) || !strncmp(p, "{org}", 5)) {
            const char *v = p[1] == 'i' ? id : org;
            for (const unsigned char *c = (const unsigned char *)v; *c; c++)
                if (isalnum(*c) || strchr("-_.~", *c))
                    sb_append(&sb, c, 1);
                else
                    sb_printf(&sb, "%%%02X", *c);
            p += p[1] == 'i' ? 3 : 4;
        } else {
            sb_append(&sb, p, 1);
        }
    }
    return sb_steal(&sb);
}

static int import_one(store *st, const config *cfg, json_object *o, int recno, int line,
                      FILE *errors, cand_import_result *res)
{
    rec r;
    memset(&r, 0, sizeof(r));
    r.cfg = cfg;
    char why[512];
    atsb_error err = ATSB_ERROR_INIT;
    char *url = NULL;
    int rc = 0;
    res->records++;
    if (validate(o, &r, why, sizeof(why)) < 0)
        goto bad;
    store_org org;
    if (store_org_get(st, r.org, &org, &err)) {
        snprintf(why, sizeof(why), "field org: %.480s", err.message);
        goto bad;
    }
    url = r.profile_url ? str_dup(r.profile_url) : profile_url(cfg, r.org, r.id);
    store_cand_fields f = { r.id, r.job, r.status, r.first, r.last, r.email, r.phone, url,
                            json_object_to_json_string_ext(r.data, JSON_C_TO_STRING_PLAIN) };
    int64_t id = 0;
    int created = 0, queued = 0;
    if ((rc = store_begin(st, &err)))
        goto store_fail;
    if ((rc = store_cand_upsert(st, org.id, &f, &id, &created, &err)) ||
        (r.has_resume && (rc = store_cand_set_resume(st, id, r.resume_name, r.resume_mime,
                                                     r.resume, r.resume_len, &err))) ||
        (rc = cand_evaluate(st, &org, id, &queued, &err)) ||
        (rc = store_commit(st, &err))) {
        store_rollback(st);
        goto store_fail;
    }
    if (created)
        res->created++;
    else
        res->updated++;
    res->queued += queued;
    store_cand c;
    if (store_cand_get_by_id(st, id, &c, NULL) == ATSB_OK) {
        res->held += c.hold_reason != NULL;
        store_cand_free(&c);
    }
    goto done;
store_fail:
    snprintf(why, sizeof(why), "not stored: %.480s", err.message);
bad:
    res->failed++;
    fprintf(errors, "atsbridge: record %d (line %d%s%s): %s\n", recno, line,
            r.id ? ", id " : "", r.id ? r.id : "", why);
done:
    free(url);
    rec_free(&r);
    return rc;
}

int cand_import(store *st, const config *cfg, const char *data, size_t len, FILE *errors,
                cand_import_result *res, atsb_error *err)
{
    memset(res, 0, sizeof(*res));
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    size_t off = 0;
    int recno = 0, rc = ATSB_OK;
    while (off < len) {
        while (off < len && isspace((unsigned char)data[off]))
            off++;
        if (off >= len)
            break;
        int line = 1;
        for (size_t i = 0; i < off; i++)
            line += data[i] == '\n';
        json_tokener_reset(tok);
        json_object *o = json_tokener_parse_ex(tok, data + off, (int)(len - off));
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        if (jerr != json_tokener_success) {
            recno++;
            res->records++;
            res->failed++;
            fprintf(errors, "atsbridge: record %d (line %d): invalid JSON: %s\n", recno, line,
                    jerr == json_tokener_continue ? "unexpected end of input"
                                                  : json_tokener_error_desc(jerr));
            /* JSON Lines: skip to the next line and go on. */
            const char *nl = memchr(data + off, '\n', len - off);
            if (!nl)
                break;
            off = (size_t)(nl - data) + 1;
            continue;
        }
        off += json_tokener_get_parse_end(tok);
        if (json_object_is_type(o, json_type_array)) {
            for (size_t i = 0; i < json_object_array_length(o) && !rc; i++)
                rc = import_one(st, cfg, json_object_array_get_idx(o, i), ++recno, line, errors, res);
        } else {
            rc = import_one(st, cfg, o, ++recno, line, errors, res);
        }
        json_object_put(o);
        if (rc) /* a store failure is not the record's fault: stop */
            break;
    }
    json_tokener_free(tok);
    if (rc)
        err_set(err, rc, "import stopped: the store failed");
    return rc;
}

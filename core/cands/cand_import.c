#include "cands/cand_import.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cands/cand_record.h"
#include "cands/cand_upsert.h"
#include "base/util.h"

static int import_one(store *st, const config *cfg, const cand_rec_opts *opts, json_object *o,
                      int recno, int line, FILE *errors, cand_import_result *res)
{
    cand_rec r;
    char why[512];
    atsb_error err = ATSB_ERROR_INIT;
    int rc = 0;
    res->records++;
    if (cand_rec_parse(o, opts, &r, why, sizeof(why)) < 0)
        goto bad;
    store_org org;
    if (store_org_get(st, r.org, &org, &err)) {
        snprintf(why, sizeof(why), "field org: %.480s", err.message);
        goto bad;
    }
    cand_upsert_result u;
    if ((rc = cand_upsert(st, cfg, &org, &r, &u, &err)))
        goto store_fail;
    if (u.created)
        res->created++;
    else
        res->updated++;
    res->queued += u.queued;
    res->held += u.held;
    goto done;
store_fail:
    snprintf(why, sizeof(why), "not stored: %.480s", err.message);
bad:
    res->failed++;
    fprintf(errors, "atsbridge: record %d (line %d%s%s): %s\n", recno, line,
            r.id ? ", id " : "", r.id ? r.id : "", why);
done:
    cand_rec_free(&r);
    return rc;
}

static int count_newlines(const char *p, size_t n)
{
    int lines = 0;
    const char *end = p + n;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        lines++;
        p++;
    }
    return lines;
}

int cand_import(store *st, const config *cfg, const char *resume_dir, const char *data, size_t len,
                FILE *errors, cand_import_result *res, atsb_error *err)
{
    memset(res, 0, sizeof(*res));
    cand_rec_opts opts = { -1, resume_dir ? resume_dir : cfg->resume_dir, NULL, 0, cfg };
    char real[PATH_MAX];
    if (opts.resume_dir) {
        /* Opened once: every resume path is resolved below this descriptor. */
        opts.resume_dirfd = open(opts.resume_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (opts.resume_dirfd < 0 || !realpath(opts.resume_dir, real)) {
            int e = errno;
            if (opts.resume_dirfd >= 0)
                close(opts.resume_dirfd);
            return err_set(err, ATSB_ERR_CONFIG, "resume directory %s: %s", opts.resume_dir,
                           strerror(e));
        }
        opts.resume_dir_real = real;
    }
    json_tokener *tok = json_tokener_new();
    if (!tok) {
        if (opts.resume_dirfd >= 0)
            close(opts.resume_dirfd);
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    }
    size_t off = 0, counted = 0; /* newlines are counted in data[0, counted) */
    int recno = 0, rc = ATSB_OK, line = 1;
    while (off < len) {
        while (off < len && isspace((unsigned char)data[off]))
            off++;
        if (off >= len)
            break;
        /* Count only the bytes since the previous record: recounting from
         * the start made JSON Lines quadratic in the number of lines. */
        line += count_newlines(data + counted, off - counted);
        counted = off;
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
                rc = import_one(st, cfg, &opts, json_object_array_get_idx(o, i), ++recno, line,
                                errors, res);
        } else {
            rc = import_one(st, cfg, &opts, o, ++recno, line, errors, res);
        }
        json_object_put(o);
        if (rc) /* a store failure is not the record's fault: stop */
            break;
    }
    json_tokener_free(tok);
    if (opts.resume_dirfd >= 0)
        close(opts.resume_dirfd);
    if (rc)
        err_set(err, rc, "import stopped: the store failed");
    return rc;
}

int cand_record_validate(const char *json, size_t len, char *why, size_t wn)
{
    char scratch[512];
    if (!why || !wn) { /* the caller only wants the verdict */
        why = scratch;
        wn = sizeof(scratch);
    }
    why[0] = '\0';
    if (len > (size_t)INT_MAX)
        return snprintf(why, wn, "record too large"), -1;
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return snprintf(why, wn, "out of memory"), -1;
    int rc = -1;
    cand_rec r;
    memset(&r, 0, sizeof(r));
    json_object *o = json_tokener_parse_ex(tok, json, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    if (jerr != json_tokener_success) {
        snprintf(why, wn, "invalid JSON: %s", jerr == json_tokener_continue
                                                  ? "unexpected end of input"
                                                  : json_tokener_error_desc(jerr));
        goto done;
    }
    for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
        if (!isspace((unsigned char)json[i])) {
            snprintf(why, wn, "one record expected: data after it at byte %zu", i + 1);
            goto done;
        }
    cand_rec_opts opts = { -1, NULL, NULL, 1, NULL };
    rc = cand_rec_parse(o, &opts, &r, why, wn);
done:
    cand_rec_free(&r);
    json_object_put(o);
    json_tokener_free(tok);
    return rc;
}

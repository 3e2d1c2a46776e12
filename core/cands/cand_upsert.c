#include "cands/cand_upsert.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cands/candidates.h"
#include "base/util.h"

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

static int same_resume(store *st, const store_cand *c, const cand_rec *r)
{
    if (!r->has_resume)
        return 1; /* a record without one keeps the stored resume */
    char *name = NULL, *mime = NULL;
    unsigned char *bytes = NULL;
    size_t len = 0;
    int same = store_cand_get_resume(st, c->id, &name, &mime, &bytes, &len, NULL) == ATSB_OK &&
               str_eq(name, r->resume_name) && str_eq(mime, r->resume_mime) &&
               len == r->resume_len && (!len || memcmp(bytes, r->resume, len) == 0);
    free(name);
    free(mime);
    free(bytes);
    return same;
}

static int same_as_stored(store *st, const store_org *org, const store_cand_fields *f,
                          const cand_rec *r, cand_upsert_result *res)
{
    store_cand c;
    if (store_cand_get(st, org->id, f->ext_id, &c, NULL) != ATSB_OK)
        return 0;
    int same = str_eq(c.job_remote_id, f->job_remote_id) && str_eq(c.status, f->status) &&
               str_eq(c.first_name, f->first_name) && str_eq(c.last_name, f->last_name) &&
               str_eq(c.email, f->email) && str_eq(c.phone, f->phone) &&
               str_eq(c.profile_url, f->profile_url) && str_eq(c.data, f->data) &&
               same_resume(st, &c, r);
    if (same) {
        res->id = c.id;
        res->held = c.hold_reason != NULL;
    }
    store_cand_free(&c);
    return same;
}

int cand_upsert(store *st, const config *cfg, const store_org *org, const cand_rec *r,
                cand_upsert_result *res, atsb_error *err)
{
    memset(res, 0, sizeof(*res));
    char *url = r->profile_url ? str_dup(r->profile_url) : profile_url(cfg, org->slug, r->id);
    if (!url)
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    store_cand_fields f = { r->id, r->job, r->status, r->first, r->last, r->email, r->phone, url,
                            json_object_to_json_string_ext(r->data, JSON_C_TO_STRING_PLAIN) };
    int rc = store_begin(st, err);
    if (rc)
        goto done;
    /* Read inside the write transaction, so two identical upserts racing
     * cannot both decide "changed" from a stale read. */
    /* The trigger is still evaluated: the job may have been synced or
     * activated since, and evaluating again is idempotent. */
    res->unchanged = same_as_stored(st, org, &f, r, res);
    if ((!res->unchanged &&
         (rc = store_cand_upsert(st, org->id, &f, &res->id, &res->created, err))) ||
        (!res->unchanged && r->has_resume && (rc = store_cand_set_resume(st, res->id, r->resume_name,
                                                      r->resume_mime, r->resume,
                                                      r->resume_len, err))) ||
        (rc = cand_evaluate(st, org, res->id, &res->queued, err)) ||
        (rc = store_commit(st, err))) {
        store_rollback(st);
        goto done;
    }
    store_cand c;
    if (store_cand_get_by_id(st, res->id, &c, NULL) == ATSB_OK) {
        res->held = c.hold_reason != NULL;
        store_cand_free(&c);
    }
done:
    free(url);
    return rc;
}

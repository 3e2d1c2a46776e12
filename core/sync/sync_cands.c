#include "sync/sync_cands.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/conn.h"
#include "net/http.h"
#include "base/log.h"
#include "cands/candidates.h"
#include "cands/profile.h"
#include "sync/runstate.h"
#include "sync/synclock.h"
#include "base/util.h"

#define BATCH 50

typedef struct cand_view {
    json_object *data;
    profile_message *msgs;
    atsb_message *amsgs;
    const atsb_message **aptrs;
    size_t n;
    int stars;
    const char *summary;
    char *resume_name, *resume_mime;
    unsigned char *resume;
    size_t resume_len;
} cand_view;

static void view_free(cand_view *v)
{
    json_object_put(v->data);
    free(v->msgs);
    free(v->amsgs);
    free(v->aptrs);
    free(v->resume_name);
    free(v->resume_mime);
    free(v->resume);
    memset(v, 0, sizeof(*v));
}

static int view_load(store *st, const store_cand *c, cand_view *v, atsb_error *err)
{
    memset(v, 0, sizeof(*v));
    v->data = json_tokener_parse(c->data ? c->data : "{}");
    json_object *a, *t, *x;
    if (json_object_object_get_ex(v->data, "assessment", &a)) {
        if (json_object_object_get_ex(a, "stars", &x))
            v->stars = json_object_get_int(x);
        if (json_object_object_get_ex(a, "summary", &x))
            v->summary = json_object_get_string(x);
    }
    if (json_object_object_get_ex(v->data, "transcript", &t) &&
        json_object_is_type(t, json_type_array)) {
        v->n = json_object_array_length(t);
        v->msgs = calloc(v->n + 1, sizeof(*v->msgs));
        v->amsgs = calloc(v->n + 1, sizeof(*v->amsgs));
        v->aptrs = calloc(v->n + 1, sizeof(*v->aptrs));
        if (!v->msgs || !v->amsgs || !v->aptrs)
            return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
        for (size_t i = 0; i < v->n; i++) {
            json_object *m = json_object_array_get_idx(t, i);
            v->msgs[i].from = json_object_object_get_ex(m, "from", &x) ? json_object_get_string(x) : NULL;
            v->msgs[i].at = json_object_object_get_ex(m, "at", &x) ? json_object_get_int64(x) : 0;
            v->msgs[i].text = json_object_object_get_ex(m, "text", &x) ? json_object_get_string(x) : NULL;
            v->amsgs[i].struct_size = sizeof(atsb_message);
            v->amsgs[i].from = v->msgs[i].from;
            v->amsgs[i].at = v->msgs[i].at;
            v->amsgs[i].text = v->msgs[i].text;
            v->aptrs[i] = &v->amsgs[i];
        }
    }
    int rc = store_cand_get_resume(st, c->id, &v->resume_name, &v->resume_mime, &v->resume,
                                   &v->resume_len, err);
    return rc == ATSB_ERR_NOT_FOUND ? ATSB_OK : rc;
}

static int render(const config *cfg, const store_cand *c, const cand_view *v,
                  const char *job_title, unsigned char **pdf, size_t *len, atsb_error *err)
{
    int is_pdf = v->resume && str_eq(v->resume_mime, "application/pdf");
    profile_input in = { c->first_name, c->last_name, c->email, c->phone, c->profile_url,
                         job_title, cfg->source_name, v->stars, v->summary, v->msgs, v->n,
                         v->resume && !is_pdf ? (const char *)v->resume : NULL,
                         is_pdf ? v->resume : NULL, is_pdf ? v->resume_len : 0 };
    /* In a bounded child: the resume is the candidate's file. */
    return profile_render(cfg, &in, pdf, len, err);
}

int sync_cands_render(store *st, const config *cfg, const store_cand *c, const char *job_title,
                      unsigned char **pdf, size_t *len, atsb_error *err)
{
    cand_view v;
    int rc = view_load(st, c, &v, err);
    if (!rc)
        rc = render(cfg, c, &v, job_title, pdf, len, err);
    view_free(&v);
    return rc;
}

/* Latin-1 letters as their ASCII base ("Zoë" -> "Zoe"); other non-ASCII
 * becomes '_'.  Only for the attachment's file name. */
static char ascii_of(const unsigned char *p, int *len)
{
    static const char map[] = "AAAAAAACEEEEIIIIDNOOOOO_OUUUUYTsaaaaaaaceeeeiiiidnooooo_ouuuuyty";
    *len = 1;
    if (p[0] == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
        *len = 2;
        char c = map[p[1] - 0x80];
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ? c : '_';
    }
    if (*p >= 0x80) {
        int n = (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : (*p & 0xF8) == 0xF0 ? 4 : 1;
        for (int i = 1; i < n; i++)
            if (!p[i])
                n = i;
        *len = n;
        return '_';
    }
    return isalnum(*p) ? (char)*p : '_';
}

/* "Jane_Doe_profile.pdf": ATSs check extensions and some reject odd bytes. */
static void file_name_for(const store_cand *c, char *out, size_t size)
{
    char base[96];
    size_t o = 0;
    const char *parts[] = { c->first_name, c->last_name };
    for (size_t k = 0; k < 2; k++) {
        const unsigned char *p = (const unsigned char *)(parts[k] ? parts[k] : "");
        while (*p && o + 2 < sizeof(base)) {
            int len;
            char ch = ascii_of(p, &len);
            p += len;
            if (ch != '_')
                base[o++] = ch;
            else if (o && base[o - 1] != '_')
                base[o++] = '_';
        }
        if (o && base[o - 1] != '_' && o + 2 < sizeof(base))
            base[o++] = '_';
    }
    base[o] = '\0';
    snprintf(out, size, "%sprofile.pdf", o ? base : "candidate_");
}

static long backoff_s(const config *cfg, int attempts, uint64_t *rng)
{
    long ms = http_backoff_ms(attempts - 1, (int)(cfg->push_retry_base_s * 1000 / 2),
                              (int)(cfg->push_retry_cap_s * 1000), rng);
    /* Never sooner than half the base: full jitter around a floor, so a
     * failing ATS is not asked again within the same second. */
    return cfg->push_retry_base_s / 2 + ms / 1000 + (cfg->push_retry_base_s <= 1);
}

typedef struct drain {
    store *st;
    const config *cfg;
    const store_org *org;
    conn *c;
    sync_cands_result *res;
    int stop;            /* the ATS asked us to stop for now (auth, rate limit) */
    uint64_t rng;
    int64_t *ids;
    size_t n_ids;
} drain;

static int collect(const store_push *p, void *payload)
{
    drain *d = payload;
    int64_t *g = realloc(d->ids, (d->n_ids + 1) * sizeof(*g));
    if (!g)
        return -1;
    d->ids = g;
    d->ids[d->n_ids++] = p->id;
    return 0;
}

/* One state change of the outbox row (and its audit line), one transaction. */
static int settle(drain *d, const store_push *p, const store_cand *c, int outcome,
                  const atsb_push_result *pr, const char *msg, int64_t next_at, atsb_error *err)
{
    int rc = store_begin(d->st, err);
    if (rc)
        return rc;
    if (outcome == 0) {
        rc = store_push_done(d->st, p->id, pr->candidate_id, pr->application_id, err);
        if (!rc) {
            char detail[512];
            snprintf(detail, sizeof(detail), "job %s: ATS candidate %s, application %s",
                     p->job_remote_id, pr->candidate_id, pr->application_id);
            rc = store_audit(d->st, d->org->id, "candidate.pushed", c->ext_id, detail, err);
        }
        if (!rc)
            rc = store_cand_set_hold(d->st, c->id, NULL, err);
    } else if (outcome == 1) {
        rc = store_push_later(d->st, p->id, next_at, msg, err);
    } else {
        rc = store_push_dead(d->st, p->id, msg, err);
        if (!rc)
            rc = store_audit(d->st, d->org->id, "candidate.dead_lettered", c->ext_id, msg, err);
    }
    if (!rc)
        return store_commit(d->st, err);
    store_rollback(d->st);
    return rc;
}

/* While an attempt runs, its row says so; the outcome replaces the text.
 * If the text is still there when the row comes up again, the process
 * died during the attempt (a crash in the render or a connector, kill -9,
 * power loss) and nothing else recorded how it ended. */
#define IN_PROGRESS_FMT "attempt %d in progress since %s (if this stays, the process died during it)"

static int attempt_never_finished(const char *last_error)
{
    return last_error && !strncmp(last_error, "attempt ", 8) &&
           strstr(last_error, " in progress since ") != NULL;
}

/* Count the attempt and mark it in progress, committed before the render
 * or the ATS can act (or crash).  The row stays due: after a kill -9 or a
 * restart the push resumes at once (and find_candidate covers an ATS that
 * acted); a push that kills the process every time is stopped by
 * max_attempts. */
static int begin_attempt(drain *d, const store_push *p, int attempts, atsb_error *err)
{
    char ts[32], mark[160];
    time_format_iso(time_now(), ts, sizeof(ts));
    snprintf(mark, sizeof(mark), IN_PROGRESS_FMT, attempts, ts);
    int rc = store_begin(d->st, err);
    if (rc)
        return rc;
    if (!(rc = store_push_begin_attempt(d->st, p->id, err)) &&
        !(rc = store_push_later(d->st, p->id, p->next_attempt_at, mark, err)))
        return store_commit(d->st, err);
    store_rollback(d->st);
    return rc;
}

static int push_one(drain *d, int64_t push_id, atsb_error *err)
{
    store_push p;
    store_cand c;
    store_job j;
    cand_view v;
    unsigned char *pdf = NULL;
    size_t pdf_len = 0;
    int have_c = 0, have_j = 0, have_v = 0;
    int rc = store_push_get(d->st, push_id, &p, err);
    if (rc)
        return rc == ATSB_ERR_NOT_FOUND ? ATSB_OK : rc;
    if (!str_eq(p.state, "pending"))
        goto out;
    if ((rc = store_cand_get_by_id(d->st, p.candidate_id, &c, err)))
        goto out;
    have_c = 1;
    if ((rc = store_job_get(d->st, d->org->id, p.job_remote_id, &j, err)))
        goto out;
    have_j = 1;
    if (!str_eq(j.state, "active")) {
        d->res->held++;
        char why[256];
        if (str_eq(j.state, "archived")) {
            snprintf(why, sizeof(why), "job %s was archived (%s) before the push", j.remote_id,
                     j.archived_reason ? j.archived_reason : "closed");
            rc = settle(d, &p, &c, 2, NULL, why, 0, err);
        } else {
            /* Activation makes the row due again (store_push_enqueue). */
            snprintf(why, sizeof(why), "job %s is disabled; waiting for it to be activated",
                     j.remote_id);
            rc = settle(d, &p, &c, 1, NULL, why, time_now() + 365L * 86400, err);
            if (!rc)
                rc = store_cand_set_hold(d->st, c.id, why, err);
        }
        goto out;
    }
    if (str_empty(c.email)) {
        /* A row queued before intake required an email (or by an older
         * version): held, not pushed.  find_candidate looks up by email
         * in every connector, so without one a retry after a lost reply
         * would create the candidate again.  Re-importing the candidate
         * with an email makes this row due again (store_push_enqueue). */
        d->res->held++;
        rc = settle(d, &p, &c, 1, NULL, CAND_HOLD_NO_EMAIL, time_now() + 365L * 86400, err);
        if (!rc)
            rc = store_cand_set_hold(d->st, c.id, CAND_HOLD_NO_EMAIL, err);
        goto out;
    }
    d->res->due++;
    /* Attempts that never finished count toward the limit: a push that
     * kills the process at every attempt must not do so forever.  (Those
     * that finished were judged by their outcome: a transient failure is
     * dead-lettered at the limit below, while bad credentials and rate
     * limits keep the candidate queued by design, since the connection is
     * at fault, not the candidate.) */
    if (p.attempts >= d->cfg->push_max_attempts && attempt_never_finished(p.last_error)) {
        char msg[160];
        snprintf(msg, sizeof(msg),
                 "gave up after %d attempts; the last one never finished "
                 "(the process died during it)", p.attempts);
        log_warn("push", "%s: candidate %s: %s", d->org->slug, c.ext_id, msg);
        d->res->dead++;
        rc = settle(d, &p, &c, 2, NULL, msg, 0, err);
        goto out;
    }
    int attempts = p.attempts + 1;
    /* Record the attempt before the render or the ATS can act on it. */
    if ((rc = begin_attempt(d, &p, attempts, err)))
        goto out;
    if ((rc = view_load(d->st, &c, &v, err)))
        goto out;
    have_v = 1;
    atsb_error cerr = ATSB_ERROR_INIT;
    int crc = render(d->cfg, &c, &v, j.title, &pdf, &pdf_len, &cerr);
    if (crc)
        goto failed; /* crashed, too big, too slow: classified below */
    char fname[128];
    file_name_for(&c, fname, sizeof(fname));
    atsb_attachment att = { sizeof(att), fname, "application/pdf", pdf, pdf_len };
    const atsb_attachment *atts[1] = { &att };
    int text_resume = v.resume && !str_eq(v.resume_mime, "application/pdf");
    atsb_candidate ac = { sizeof(ac), c.ext_id, j.remote_id, c.first_name, c.last_name,
                          c.email, c.phone, c.profile_url, d->cfg->source_name, v.stars,
                          v.summary, v.aptrs, v.n, text_resume ? (const char *)v.resume : NULL,
                          atts, 1 };
    atsb_push_result pr;
    /* Look first, every time: the reply to an earlier attempt may have
     * been lost after the ATS acted on it (crash, timeout). */
    crc = ATSB_ERR_NOT_FOUND;
    if (conn_plugin(d->c)->desc.capabilities & ATSB_CAP_FIND_CANDIDATE)
        crc = conn_find_candidate(d->c, &ac, &pr, &cerr);
    if (crc == ATSB_OK && !pr.missing) {
        d->res->found++;
        log_info("push", "%s: candidate %s already in the ATS (application %s)", d->org->slug,
                 c.ext_id, pr.application_id);
    } else if (crc == ATSB_OK || crc == ATSB_ERR_NOT_FOUND) {
        /* Nothing there: a fresh push.  Part of it there (an earlier
         * attempt died half-way): the connector finishes what is missing,
         * starting from the ids found. */
        atsb_push_result found = pr;
        if (crc == ATSB_OK)
            log_info("push", "%s: candidate %s: finishing an earlier push (%s missing)",
                     d->org->slug, c.ext_id, conn_missing_name(found.missing));
        crc = conn_push_candidate(d->c, &ac, crc == ATSB_OK ? &found : NULL, &pr, &cerr);
        if (crc == ATSB_OK) {
            d->res->pushed++;
            log_info("push", "%s: pushed candidate %s to job %s (application %s)", d->org->slug,
                     c.ext_id, j.remote_id, pr.application_id);
        }
    }
    if (crc == ATSB_OK) {
        rc = settle(d, &p, &c, 0, &pr, NULL, 0, err);
        goto out;
    }
failed:
    log_warn("push", "%s: candidate %s: %s", d->org->slug, c.ext_id, cerr.message);
    switch (crc) {
    case ATSB_ERR_PERMANENT:
    case ATSB_ERR_UNSUPPORTED:
    case ATSB_ERR_INTERNAL:
        d->res->dead++;
        rc = settle(d, &p, &c, 2, NULL, cerr.message, 0, err);
        break;
    case ATSB_ERR_AUTH:
    case ATSB_ERR_CONFIG:
        /* The connection is wrong, not this candidate: keep it queued. */
        d->res->retrying++;
        d->stop = 1;
        rc = settle(d, &p, &c, 1, NULL, cerr.message, time_now() + backoff_s(d->cfg, attempts, &d->rng), err);
        if (!rc)
            rc = store_conn_set_state(d->st, d->org->id, "needs_attention", cerr.message, err);
        break;
    case ATSB_ERR_RATE_LIMITED:
        d->res->retrying++;
        d->stop = 1;
        rc = settle(d, &p, &c, 1, NULL, cerr.message,
                    time_now() + (cerr.retry_after_s > 0 ? cerr.retry_after_s
                                                         : backoff_s(d->cfg, attempts, &d->rng)),
                    err);
        break;
    case ATSB_ERR_CANCELLED:
        d->stop = 1;
        rc = settle(d, &p, &c, 1, NULL, "interrupted", time_now(), err);
        break;
    default: /* transient */
        if (attempts >= d->cfg->push_max_attempts) {
            char msg[ATSB_ERROR_MESSAGE_MAX + 64];
            snprintf(msg, sizeof(msg), "gave up after %d attempts: %s", attempts, cerr.message);
            d->res->dead++;
            rc = settle(d, &p, &c, 2, NULL, msg, 0, err);
        } else {
            d->res->retrying++;
            rc = settle(d, &p, &c, 1, NULL, cerr.message,
                        time_now() + backoff_s(d->cfg, attempts, &d->rng), err);
        }
    }
out:
    free(pdf);
    if (have_v)
        view_free(&v);
    if (have_j)
        store_job_free(&j);
    if (have_c)
        store_cand_free(&c);
    store_push_free(&p);
    return rc;
}

int sync_cands_org(store *st, const plugin_registry *reg, const config *cfg,
                   const store_org *org, int wait_for_lock, sync_cands_result *res,
                   atsb_error *err)
{
    memset(res, 0, sizeof(*res));
    store_conn sc;
    synclock lk = { -1 };
    drain d;
    memset(&d, 0, sizeof(d));
    int rc = store_conn_get(st, org->id, &sc, err);
    if (rc) {
        if (rc == ATSB_ERR_NOT_FOUND)
            err_set(err, ATSB_ERR_NOT_FOUND, "organisation %s has no ATS connection", org->slug);
        return rc;
    }
    const plugin *p = plugin_registry_find(reg, sc.connector);
    if (!p) {
        rc = err_set(err, ATSB_ERR_CONFIG, "organisation %s uses connector %s, which is not loaded",
                     org->slug, sc.connector);
        goto out;
    }
    if ((rc = synclock_acquire(&lk, cfg->store_path, org->slug, "candidates", wait_for_lock, err)))
        goto out;
    d.st = st;
    d.cfg = cfg;
    d.org = org;
    d.res = res;
    d.rng = (uint64_t)time_now() ^ (uint64_t)org->id << 17;
    int64_t pending = 0;
    if ((rc = store_push_count(st, org->id, "pending", &pending, err)) || !pending)
        goto out;
    if ((rc = conn_open(&d.c, p, sc.settings, sc.n_settings, cfg, org->slug, err)))
        goto out;
    int64_t started = time_now();
    while (!d.stop && !runstate_stop_requested()) {
        d.n_ids = 0;
        /* Only rows due when the drain started: a row rescheduled during
         * this drain waits for the next one. */
        if ((rc = store_push_each_due(st, org->id, started, BATCH, collect, &d, err)))
            break;
        if (!d.n_ids)
            break;
        size_t before = (size_t)(res->due + res->held);
        for (size_t i = 0; i < d.n_ids && !d.stop && !rc; i++) {
            if (runstate_stop_requested())
                break;
            rc = push_one(&d, d.ids[i], err);
        }
        if (rc || (size_t)(res->due + res->held) == before)
            break;
    }
    if (!rc && (res->pushed || res->found))
        store_conn_set_state(st, org->id, "ok", NULL, NULL);
out:
    free(d.ids);
    conn_close(d.c);
    synclock_release(&lk);
    store_conn_free(&sc);
    return rc;
}

#include "sync/sync_cands.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/conn.h"
#include "net/http.h"
#include "base/log.h"
#include "base/taskmark.h"
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

/* Seconds until the next try of a push that failed on its attempts-th
 * attempt: full jitter around a floor of half the base, so a failing ATS
 * is not asked again within the same second. */
static long backoff_s(const push_policy *pol, int attempts, uint64_t *rng)
{
    long ms = http_backoff_ms(attempts - 1, (int)(pol->retry_base_s * 1000 / 2),
                              (int)(pol->retry_cap_s * 1000), rng);
    return pol->retry_base_s / 2 + ms / 1000 + (pol->retry_base_s <= 1);
}

push_decision sync_cands_decide(int rc, int attempts, int retry_after_s, const push_policy *pol,
                                int64_t now, uint64_t *rng)
{
    push_decision dec = { .outcome = PUSH_RETRY };
    switch (rc) {
    case ATSB_OK:
        dec.outcome = PUSH_DONE;
        break;
    case ATSB_ERR_PERMANENT:
    case ATSB_ERR_UNSUPPORTED:
    case ATSB_ERR_INTERNAL:
        /* This record can never succeed as sent: retrying only repeats it. */
        dec.outcome = PUSH_DEAD;
        break;
    case ATSB_ERR_AUTH:
    case ATSB_ERR_CONFIG:
        /* The connection is wrong, not this candidate: keep it queued, stop
         * the drain and ask an admin.  Never dead-lettered for it. */
        dec.next_at = now + backoff_s(pol, attempts, rng);
        dec.stop_drain = 1;
        dec.needs_attention = 1;
        break;
    case ATSB_ERR_RATE_LIMITED:
        /* The ATS said when; the rest of the drain would be refused too. */
        dec.next_at = now + (retry_after_s > 0 ? retry_after_s : backoff_s(pol, attempts, rng));
        dec.stop_drain = 1;
        break;
    case ATSB_ERR_CANCELLED:
        /* Shutting down mid-push: due again at once on the next start. */
        dec.next_at = now;
        dec.stop_drain = 1;
        break;
    default: /* transient, or anything unexpected */
        if (attempts >= pol->max_attempts) {
            dec.outcome = PUSH_DEAD;
            dec.gave_up = 1;
        } else {
            dec.next_at = now + backoff_s(pol, attempts, rng);
        }
    }
    return dec;
}

typedef struct drain {
    store *st;
    const config *cfg;
    push_policy pol;
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

/* One state change of the outbox row (and its audit line), one
 * transaction.  PUSH_HELD also records the hold on the candidate: the row
 * waits (STORE_PUSH_HELD) until the event named in msg makes it due again
 * (store_push_enqueue: the job activated, the candidate re-imported). */
static int settle(drain *d, const store_push *p, const store_cand *c, push_outcome outcome,
                  const atsb_push_result *pr, const char *msg, int64_t next_at, atsb_error *err)
{
    int rc = store_begin(d->st, err);
    if (rc)
        return rc;
    switch (outcome) {
    case PUSH_DONE: {
        rc = store_push_done(d->st, p->id, pr->candidate_id, pr->application_id, err);
        char detail[512];
        snprintf(detail, sizeof(detail), "job %s: ATS candidate %s, application %s",
                 p->job_remote_id, pr->candidate_id, pr->application_id);
        if (!rc)
            rc = store_audit(d->st, d->org->id, "candidate.pushed", c->ext_id, detail, err);
        if (!rc)
            rc = store_cand_set_hold(d->st, c->id, NULL, err);
        break;
    }
    case PUSH_RETRY:
        rc = store_push_later(d->st, p->id, next_at, msg, err);
        break;
    case PUSH_HELD:
        rc = store_push_later(d->st, p->id, STORE_PUSH_HELD, msg, err);
        if (!rc)
            rc = store_cand_set_hold(d->st, c->id, msg, err);
        break;
    case PUSH_DEAD:
        rc = store_push_dead(d->st, p->id, msg, err);
        if (!rc)
            rc = store_audit(d->st, d->org->id, "candidate.dead_lettered", c->ext_id, msg, err);
        break;
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

/* Why a due row cannot be attempted now (a hold), or NULL.  A job that is
 * not active, or a candidate without an email: find_candidate looks up by
 * email in every connector, so without one a retry after a lost reply
 * would create the candidate again. */
static const char *hold_reason(const store_cand *c, const store_job *j, push_outcome *outcome,
                               char *why, size_t size)
{
    if (str_eq(j->state, "archived")) {
        snprintf(why, size, "job %s was archived (%s) before the push", j->remote_id,
                 j->archived_reason ? j->archived_reason : "closed");
        *outcome = PUSH_DEAD;
        return why;
    }
    if (!str_eq(j->state, "active")) {
        snprintf(why, size, "job %s is disabled; waiting for it to be activated", j->remote_id);
        *outcome = PUSH_HELD;
        return why;
    }
    if (str_empty(c->email)) {
        /* Queued before intake required an email (or by an older version). */
        str_copy(why, size, CAND_HOLD_NO_EMAIL);
        *outcome = PUSH_HELD;
        return why;
    }
    return NULL;
}

/* Look first, every time (the reply to an earlier attempt may have been
 * lost after the ATS acted), then push fresh or finish what the earlier
 * attempt left undone. */
static int find_then_push(drain *d, const store_cand *c, const atsb_candidate *ac,
                          atsb_push_result *pr, atsb_error *cerr)
{
    int rc = ATSB_ERR_NOT_FOUND;
    if (conn_plugin(d->c)->desc.capabilities & ATSB_CAP_FIND_CANDIDATE)
        rc = conn_find_candidate(d->c, ac, pr, cerr);
    if (rc == ATSB_OK && !pr->missing) {
        d->res->found++;
        log_info("push", "%s: candidate %s already in the ATS (application %s)", d->org->slug,
                 c->ext_id, pr->application_id);
        return ATSB_OK;
    }
    if (rc != ATSB_OK && rc != ATSB_ERR_NOT_FOUND)
        return rc;
    atsb_push_result found = *pr;
    if (rc == ATSB_OK)
        log_info("push", "%s: candidate %s: finishing an earlier push (%s missing)",
                 d->org->slug, c->ext_id, conn_missing_name(found.missing));
    rc = conn_push_candidate(d->c, ac, rc == ATSB_OK ? &found : NULL, pr, cerr);
    if (rc == ATSB_OK) {
        d->res->pushed++;
        log_info("push", "%s: pushed candidate %s to job %s (application %s)", d->org->slug,
                 c->ext_id, ac->job_remote_id, pr->application_id);
    }
    return rc;
}

/* Render the profile and hand the candidate to the connector; the
 * connector's (or the render's) status, its error in cerr. */
static int attempt(drain *d, const store_cand *c, const store_job *j, const cand_view *v,
                   atsb_push_result *pr, atsb_error *cerr)
{
    unsigned char *pdf = NULL;
    size_t pdf_len = 0;
    /* In a bounded child: crashed, too big, too slow are classified errors. */
    int rc = render(d->cfg, c, v, j->title, &pdf, &pdf_len, cerr);
    if (rc)
        return rc;
    char fname[128];
    file_name_for(c, fname, sizeof(fname));
    atsb_attachment att = { .struct_size = sizeof(att), .file_name = fname,
                            .mime_type = "application/pdf", .data = pdf, .size = pdf_len };
    const atsb_attachment *atts[1] = { &att };
    int text_resume = v->resume && !str_eq(v->resume_mime, "application/pdf");
    atsb_candidate ac = {
        .struct_size = sizeof(ac), .local_id = c->ext_id, .job_remote_id = j->remote_id,
        .first_name = c->first_name, .last_name = c->last_name, .email = c->email,
        .phone = c->phone, .profile_url = c->profile_url, .source_name = d->cfg->source_name,
        .assessment_stars = v->stars, .assessment_summary = v->summary,
        .transcript = v->aptrs, .transcript_count = v->n,
        .resume_text = text_resume ? (const char *)v->resume : NULL,
        .attachments = atts, .attachment_count = 1,
    };
    rc = find_then_push(d, c, &ac, pr, cerr);
    free(pdf);
    return rc;
}

static int push_one(drain *d, int64_t push_id, atsb_error *err)
{
    /* Zeroed, so one cleanup frees whatever was loaded. */
    store_push p = { 0 };
    store_cand c = { 0 };
    store_job j = { 0 };
    cand_view v = { 0 };
    char why[256];
    push_outcome held;
    int rc = store_push_get(d->st, push_id, &p, err);
    if (rc) {
        if (rc == ATSB_ERR_NOT_FOUND)
            rc = ATSB_OK; /* settled by someone else meanwhile */
        goto done;
    }
    if (!str_eq(p.state, "pending") || (rc = store_cand_get_by_id(d->st, p.candidate_id, &c, err)) ||
        (rc = store_job_get(d->st, d->org->id, p.job_remote_id, &j, err)))
        goto done;
    if (hold_reason(&c, &j, &held, why, sizeof(why))) {
        d->res->held++;
        rc = settle(d, &p, &c, held, NULL, why, 0, err);
        goto done;
    }
    d->res->due++;
    /* Attempts that never finished count toward the limit: a push that
     * kills the process at every attempt must not do so forever.  (Those
     * that finished were judged by their outcome in sync_cands_decide.) */
    if (p.attempts >= d->pol.max_attempts && attempt_never_finished(p.last_error)) {
        snprintf(why, sizeof(why), "gave up after %d attempts; the last one never finished "
                 "(the process died during it)", p.attempts);
        log_warn("push", "%s: candidate %s: %s", d->org->slug, c.ext_id, why);
        d->res->dead++;
        rc = settle(d, &p, &c, PUSH_DEAD, NULL, why, 0, err);
        goto done;
    }
    int attempts = p.attempts + 1;
    /* Record the attempt before the render or the ATS can act on it. */
    if ((rc = begin_attempt(d, &p, attempts, err)))
        goto done;
    /* An isolated parent settles this row if we die before settle does. */
    taskmark_push(p.id);
    if ((rc = view_load(d->st, &c, &v, err)))
        goto done;
    atsb_error cerr = ATSB_ERROR_INIT;
    atsb_push_result pr = { .struct_size = sizeof(pr) };
    int crc = attempt(d, &c, &j, &v, &pr, &cerr);
    if (crc)
        log_warn("push", "%s: candidate %s: %s", d->org->slug, c.ext_id, cerr.message);
    push_decision dec = sync_cands_decide(crc, attempts, cerr.retry_after_s, &d->pol,
                                          time_now(), &d->rng);
    char msg[ATSB_ERROR_MESSAGE_MAX + 64];
    if (dec.gave_up)
        snprintf(msg, sizeof(msg), "gave up after %d attempts: %s", attempts, cerr.message);
    else
        str_copy(msg, sizeof(msg), crc == ATSB_ERR_CANCELLED ? "interrupted" : cerr.message);
    d->stop |= dec.stop_drain;
    if (dec.outcome == PUSH_DEAD)
        d->res->dead++;
    else if (dec.outcome == PUSH_RETRY && crc != ATSB_ERR_CANCELLED)
        d->res->retrying++;
    rc = settle(d, &p, &c, dec.outcome, &pr, msg, dec.next_at, err);
    if (!rc)
        taskmark_push(0);
    if (!rc && dec.needs_attention)
        rc = store_conn_set_state(d->st, d->org->id, "needs_attention", cerr.message, err);
done:
    view_free(&v);
    store_job_free(&j);
    store_cand_free(&c);
    store_push_free(&p);
    return rc;
}

int sync_cands_settle_lost(store *st, const config *cfg, const store_org *org, int64_t push_id,
                           const char *reason, int *dead, atsb_error *err)
{
    store_push p = { 0 };
    store_cand c = { 0 };
    *dead = 0;
    int rc = store_push_get(st, push_id, &p, err);
    if (rc == ATSB_ERR_NOT_FOUND)
        return ATSB_OK;
    /* Settled after all, or by someone else: nothing was lost. */
    if (rc || !str_eq(p.state, "pending") || !attempt_never_finished(p.last_error))
        goto done;
    if ((rc = store_cand_get_by_id(st, p.candidate_id, &c, err)))
        goto done;
    drain d;
    memset(&d, 0, sizeof(d));
    d.st = st;
    d.cfg = cfg;
    d.org = org;
    d.pol = (push_policy){ .max_attempts = cfg->push_max_attempts,
                           .retry_base_s = cfg->push_retry_base_s,
                           .retry_cap_s = cfg->push_retry_cap_s };
    d.rng = (uint64_t)time_now() ^ (uint64_t)push_id << 17;
    /* A crash, an exit or a timeout counts as a failed attempt of this push
     * only: retried with backoff, dead-lettered at max_attempts. */
    push_decision dec = sync_cands_decide(ATSB_ERR_TRANSIENT, p.attempts, 0, &d.pol, time_now(),
                                          &d.rng);
    char msg[ATSB_ERROR_MESSAGE_MAX + 64];
    if (dec.gave_up)
        snprintf(msg, sizeof(msg), "gave up after %d attempts: %s", p.attempts, reason);
    else
        str_copy(msg, sizeof(msg), reason);
    *dead = dec.outcome == PUSH_DEAD;
    rc = settle(&d, &p, &c, dec.outcome, NULL, msg, dec.next_at, err);
done:
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
    synclock lk = SYNCLOCK_INIT;
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
        goto done;
    }
    if ((rc = synclock_acquire(&lk, st, cfg->store_path, org->slug, "candidates", wait_for_lock, err)))
        goto done;
    d.st = st;
    d.cfg = cfg;
    d.pol = (push_policy){ .max_attempts = cfg->push_max_attempts,
                           .retry_base_s = cfg->push_retry_base_s,
                           .retry_cap_s = cfg->push_retry_cap_s };
    d.org = org;
    d.res = res;
    d.rng = (uint64_t)time_now() ^ (uint64_t)org->id << 17;
    int64_t pending = 0;
    if ((rc = store_push_count(st, org->id, "pending", &pending, err)) || !pending)
        goto done;
    if ((rc = conn_open(&d.c, p, sc.settings, sc.n_settings, cfg, org->slug, err)))
        goto done;
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
        for (size_t i = 0; i < d.n_ids && !d.stop && !rc && !res->more; i++) {
            if (runstate_stop_requested())
                break;
            rc = push_one(&d, d.ids[i], err);
            /* One turn: an org with a huge backlog gives its worker back
             * after sync.push_batch and queues behind the others. */
            res->more = res->due + res->held >= cfg->push_batch;
        }
        if (rc || res->more || (size_t)(res->due + res->held) == before)
            break;
    }
    if (!rc && (res->pushed || res->found))
        store_conn_set_state(st, org->id, "ok", NULL, NULL);
done:
    free(d.ids);
    conn_close(d.c);
    synclock_release(&lk);
    store_conn_free(&sc);
    return rc;
}

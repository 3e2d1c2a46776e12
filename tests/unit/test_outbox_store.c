/* The candidate-push outbox's state machine against a temp SQLite store:
 * pending -> attempt counted (in progress) -> done / retry later / held /
 * dead, and a dead letter retried by hand.  Each move is allowed only from
 * its state, so a push is never sent twice by a stale worker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "base/util.h"

typedef struct fixture {
    char dir[64];
    store *st;
    int64_t org_id;
    int64_t cand_id[3];
    int64_t job_id;
} fixture;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

/* A store with org acme, one job and three candidates for it. */
static int setup(void **state)
{
    static fixture f;
    memset(&f, 0, sizeof(f));
    atsb_error err = ATSB_ERROR_INIT;
    char path[128];
    snprintf(f.dir, sizeof(f.dir), "/tmp/atsb-outbox-XXXXXX");
    if (!mkdtemp(f.dir))
        return -1;
    snprintf(path, sizeof(path), "%s/t.db", f.dir);
    store_org o;
    int64_t run = 0;
    store_job_writer *w = NULL;
    store_job j;
    store_job_fields jf = { .remote_id = "1001", .title = "Engineer", .remote_status = "open",
                            .country = "US", .hash = "h" };
    if (store_open(&f.st, path, &err) || store_org_add(f.st, "acme", "Acme", &err) ||
        store_org_get(f.st, "acme", &o, &err) ||
        store_run_start(f.st, o.id, "jobs", 1, &run, &err) ||
        store_job_writer_open(f.st, o.id, "test", run, &w, &err) ||
        store_job_writer_insert(w, &jf, &err))
        goto fail;
    store_job_writer_close(w);
    w = NULL;
    if (store_job_get(f.st, o.id, "1001", &j, &err))
        goto fail;
    f.job_id = j.id;
    store_job_free(&j);
    f.org_id = o.id;
    static const char *const ext[] = { "c1", "c2", "c3" };
    for (size_t i = 0; i < ARRAY_LEN(ext); i++) {
        store_cand_fields cf = { .ext_id = ext[i], .job_remote_id = "1001", .status = "hired",
                                 .first_name = "Ada", .last_name = "L",
                                 .email = "ada@example.com", .data = "{}" };
        int created = 0;
        if (store_cand_upsert(f.st, o.id, &cf, &f.cand_id[i], &created, &err))
            goto fail;
    }
    *state = &f;
    return 0;
fail:
    print_error("setup: %s\n", err.message);
    store_job_writer_close(w);
    return -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->st);
    return nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

typedef struct find_push {
    int64_t cand_id;
    int64_t id;
} find_push;

static int find_cb(const store_push *p, void *payload)
{
    find_push *fp = payload;
    if (p->candidate_id == fp->cand_id)
        fp->id = p->id;
    return 0;
}

/* Queue candidate i for the job; the new row's id. */
static int64_t enqueue(fixture *f, int i)
{
    atsb_error err = ATSB_ERROR_INIT;
    int queued = 0;
    assert_int_equal(store_push_enqueue(f->st, f->org_id, f->cand_id[i], f->job_id, &queued,
                                        &err), 0);
    assert_int_equal(queued, 1);
    find_push fp = { f->cand_id[i], 0 };
    assert_int_equal(store_push_each(f->st, f->org_id, NULL, find_cb, &fp, &err), 0);
    assert_true(fp.id > 0);
    return fp.id;
}

static void expect(fixture *f, int64_t id, const char *state, int attempts)
{
    atsb_error err = ATSB_ERROR_INIT;
    store_push p;
    assert_int_equal(store_push_get(f->st, id, &p, &err), 0);
    if (strcmp(p.state, state) || p.attempts != attempts)
        print_error("push %lld: expected %s after %d attempts, got %s after %d\n",
                    (long long)id, state, attempts, p.state, p.attempts);
    assert_string_equal(p.state, state);
    assert_int_equal(p.attempts, attempts);
    store_push_free(&p);
}

static int64_t due(fixture *f, int64_t now)
{
    atsb_error err = ATSB_ERROR_INIT;
    int64_t n = -1;
    assert_int_equal(store_push_count_due(f->st, f->org_id, now, &n, &err), 0);
    return n;
}

static void test_outbox__pending_attempt_done(void **state)
{
    fixture *f = *state;
    atsb_error err = ATSB_ERROR_INIT;
    int64_t id = enqueue(f, 0);
    expect(f, id, "pending", 0);
    assert_int_equal(due(f, time_now()), 1);
    /* Queued again: no second row, never pushed twice to one job. */
    int queued = 1;
    assert_int_equal(store_push_enqueue(f->st, f->org_id, f->cand_id[0], f->job_id, &queued,
                                        &err), 0);
    assert_int_equal(queued, 0);
    assert_int_equal(store_push_begin_attempt(f->st, id, &err), 0); /* in progress */
    expect(f, id, "pending", 1);
    assert_int_equal(store_push_done(f->st, id, "cand-9", "app-9", &err), 0);
    expect(f, id, "done", 1);
    store_push p;
    assert_int_equal(store_push_get(f->st, id, &p, &err), 0);
    assert_string_equal(p.remote_candidate_id, "cand-9");
    assert_string_equal(p.remote_application_id, "app-9");
    assert_null(p.last_error);
    store_push_free(&p);
    assert_int_equal(due(f, time_now()), 0);
    /* Done is final: no attempt, no dead letter, no requeue. */
    assert_int_equal(store_push_begin_attempt(f->st, id, &err), ATSB_ERR_NOT_FOUND);
    assert_int_equal(store_push_dead(f->st, id, "x", &err), ATSB_ERR_NOT_FOUND);
    assert_int_equal(store_push_requeue(f->st, id, &err), ATSB_ERR_NOT_FOUND);
    expect(f, id, "done", 1);
}

static void test_outbox__retry_later_then_held_then_due_again(void **state)
{
    fixture *f = *state;
    atsb_error err = ATSB_ERROR_INIT;
    int64_t id = enqueue(f, 1);
    int64_t now = time_now();
    assert_int_equal(store_push_begin_attempt(f->st, id, &err), 0);
    /* Retry: still pending, due only once its time comes. */
    assert_int_equal(store_push_later(f->st, id, now + 60, "HTTP 503", &err), 0);
    expect(f, id, "pending", 1);
    assert_int_equal(due(f, now), 0);
    assert_int_equal(due(f, now + 60), 1);
    store_push p;
    assert_int_equal(store_push_get(f->st, id, &p, &err), 0);
    assert_string_equal(p.last_error, "HTTP 503");
    store_push_free(&p);
    /* Held: never due by the clock, only when an event queues it again. */
    assert_int_equal(store_push_later(f->st, id, STORE_PUSH_HELD, "job not active", &err), 0);
    assert_int_equal(due(f, now + 10 * 365 * 86400LL), 0);
    int queued = 1;
    assert_int_equal(store_push_enqueue(f->st, f->org_id, f->cand_id[1], f->job_id, &queued,
                                        &err), 0);
    assert_int_equal(queued, 0);
    assert_int_equal(due(f, time_now()), 1);
    expect(f, id, "pending", 1);
}

static void test_outbox__dead_letter_and_retry_by_hand(void **state)
{
    fixture *f = *state;
    atsb_error err = ATSB_ERROR_INIT;
    int64_t id = enqueue(f, 2);
    assert_int_equal(store_push_requeue(f->st, id, &err), ATSB_ERR_NOT_FOUND); /* not dead */
    assert_int_equal(store_push_begin_attempt(f->st, id, &err), 0);
    assert_int_equal(store_push_begin_attempt(f->st, id, &err), 0);
    assert_int_equal(store_push_dead(f->st, id, "HTTP 422: email invalid", &err), 0);
    expect(f, id, "dead", 2);
    assert_int_equal(due(f, time_now() + 86400), 0);
    /* A dead letter is never attempted or re-queued by the machine itself. */
    assert_int_equal(store_push_begin_attempt(f->st, id, &err), ATSB_ERR_NOT_FOUND);
    assert_int_equal(store_push_later(f->st, id, 0, "x", &err), ATSB_ERR_NOT_FOUND);
    /* outbox retry: pending again, attempts reset, due now. */
    assert_int_equal(store_push_requeue(f->st, id, &err), 0);
    expect(f, id, "pending", 0);
    assert_int_equal(due(f, time_now()), 1);
    store_push p;
    assert_int_equal(store_push_get(f->st, id, &p, &err), 0);
    assert_string_equal(p.last_error, "HTTP 422: email invalid"); /* kept for the operator */
    store_push_free(&p);
}

static int64_t push_due_at(fixture *f)
{
    atsb_error err = ATSB_ERROR_INIT;
    store_conn c;
    assert_int_equal(store_conn_get(f->st, f->org_id, &c, &err), 0);
    int64_t at = c.push_due_at;
    store_conn_free(&c);
    return at;
}

/* The connection's push_due_at (what the scheduler's index reads) is the
 * earliest pending row, kept by the store in the transaction that changes
 * the outbox: due now, later, held, and nothing pending. */
static void test_outbox__connection_due_time_follows_the_outbox(void **state)
{
    fixture *f = *state;
    atsb_error err = ATSB_ERROR_INIT;
    int queued = 0;
    /* A row queued before the org was (re)connected counts too. */
    assert_int_equal(store_push_enqueue(f->st, f->org_id, f->cand_id[2], f->job_id, &queued,
                                        &err), 0);
    assert_int_equal(store_conn_add(f->st, f->org_id, "test", NULL, 0, &err), 0);
    int64_t third = 0;
    {
        find_push fp = { f->cand_id[2], 0 };
        assert_int_equal(store_push_each(f->st, f->org_id, NULL, find_cb, &fp, &err), 0);
        third = fp.id;
    }
    assert_true(push_due_at(f) <= time_now());
    assert_int_equal(store_push_dead(f->st, third, "gone", &err), 0);
    assert_int_equal(push_due_at(f), STORE_PUSH_HELD);
    int64_t a = enqueue(f, 0);
    int64_t b = enqueue(f, 1);
    assert_true(push_due_at(f) <= time_now());
    int64_t later = time_now() + 600;
    assert_int_equal(store_push_later(f->st, a, later, "503", &err), 0);
    assert_true(push_due_at(f) <= time_now());
    assert_int_equal(store_push_later(f->st, b, later + 60, "503", &err), 0);
    assert_int_equal(push_due_at(f), later);
    assert_int_equal(store_push_later(f->st, a, STORE_PUSH_HELD, "job inactive", &err), 0);
    assert_int_equal(push_due_at(f), later + 60);
    assert_int_equal(store_push_done(f->st, b, "r1", "a1", &err), 0);
    assert_int_equal(push_due_at(f), STORE_PUSH_HELD);
    assert_int_equal(store_push_requeue(f->st, third, &err), 0);
    assert_true(push_due_at(f) <= time_now());
}

/* Two daemons on one store: a claim leases the row, the other daemon
 * cannot claim it until it is released or its lease ran out; the next job
 * sync's due time written at a sync's end takes the org out of the due set. */
static void test_sched__claims_are_exclusive_until_released_or_expired(void **state)
{
    fixture *f = *state;
    atsb_error err = ATSB_ERROR_INIT;
    assert_int_equal(store_conn_add(f->st, f->org_id, "test", NULL, 0, &err), 0);
    char path[128];
    snprintf(path, sizeof(path), "%s/t.db", f->dir);
    store *other = NULL;
    assert_int_equal(store_open(&other, path, &err), 0);
    int64_t now = time_now();
    store_sched_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(store_sched_claim(f->st, "a:1:x", now, now + 60, 8, &rows, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].org.id, f->org_id);
    assert_string_equal(rows[0].org.slug, "acme");
    free(rows);
    assert_int_equal(store_sched_claim(other, "b:2:y", now, now + 60, 8, &rows, &n, &err), 0);
    assert_int_equal(n, 0);
    free(rows);
    /* b cannot end or renew a's lease. */
    assert_int_equal(store_sched_release(other, f->org_id, "b:2:y", now, &err), ATSB_ERR_NOT_FOUND);
    assert_int_equal(store_sched_renew(other, f->org_id, "b:2:y", now + 90, &err),
                     ATSB_ERR_NOT_FOUND);
    /* a died: once its lease ran out, b takes the org over. */
    assert_int_equal(store_sched_claim(other, "b:2:y", now + 61, now + 121, 8, &rows, &n, &err), 0);
    assert_int_equal(n, 1);
    free(rows);
    assert_int_equal(store_sched_renew(f->st, f->org_id, "a:1:x", now + 200, &err),
                     ATSB_ERR_NOT_FOUND);
    /* b synced it: due again only at the next slot. */
    assert_int_equal(store_conn_mark_synced(other, f->org_id, now, 1, now + 3600, &err), 0);
    assert_int_equal(store_sched_release(other, f->org_id, "b:2:y", now, &err), 0);
    int64_t due = -1, next = -1;
    assert_int_equal(store_sched_peek(f->st, now + 61, 10, &due, &next, &err), 0);
    assert_int_equal(due, 0);
    assert_int_equal(next, now + 3600);
    assert_int_equal(store_sched_claim(f->st, "a:1:x", now + 61, now + 121, 8, &rows, &n, &err), 0);
    assert_int_equal(n, 0);
    free(rows);
    /* A push queued by another process makes it due at once. */
    enqueue(f, 0);
    assert_int_equal(store_sched_peek(other, time_now(), 10, &due, &next, &err), 0);
    assert_int_equal(due, 1);
    store_close(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_outbox__pending_attempt_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox__retry_later_then_held_then_due_again,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox__connection_due_time_follows_the_outbox, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sched__claims_are_exclusive_until_released_or_expired,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox__dead_letter_and_retry_by_hand, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

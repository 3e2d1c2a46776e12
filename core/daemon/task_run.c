#include "daemon/task_run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/child.h"
#include "base/log.h"
#include "base/taskmark.h"
#include "base/util.h"
#include "daemon/task_proto.h"
#include "sync/runstate.h"
#include "sync/synclock.h"

/* After SIGTERM is passed on, how long the child may take to roll back
 * its page or settle its push (systemd's TimeoutStopSec is 30 s). */
#define STOP_GRACE_MS 20000
/* Longest line of the child's output we log as one event. */
#define LINE_MAX_BYTES 1024

static int run_here(store *st, const plugin_registry *reg, const config *cfg,
                    const store_org *org, task_run_kind kind, const task_run_opts *o,
                    task_outcome *out, atsb_error *err)
{
    if (kind == TASK_RUN_JOBS)
        return sync_jobs_org(st, reg, cfg, org, &o->jobs, &out->jobs, err);
    return sync_cands_org(st, reg, cfg, org, o->wait_for_lock, &out->cands, err);
}

/* One child's output stream, cut into lines for the log. */
typedef struct stream {
    int fd;
    int is_stdout;
    char buf[LINE_MAX_BYTES + 1];
    size_t len;
} stream;

typedef struct child_run_ctx {
    const store_org *org;
    const char *connector;
} child_run_ctx;

/* A line the child wrote.  Its own log lines ("LEVEL component: text") keep
 * their level and component, tagged [org/connector]; anything else (a
 * connector printing) is a warning naming the stream. */
static void relay_line(const child_run_ctx *c, const stream *s, char *line)
{
    for (char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t')
            *p = '?';
    if (!*line)
        return;
    static const char *levels[] = { "ERROR ", "WARN ", "INFO ", "DEBUG " };
    if (!s->is_stdout) {
        for (int lv = 0; lv < 4; lv++) {
            size_t n = strlen(levels[lv]);
            char *sep;
            if (strncmp(line, levels[lv], n) == 0 && (sep = strstr(line + n, ": ")) &&
                !memchr(line + n, ' ', (size_t)(sep - (line + n)))) {
                *sep = '\0';
                log_msg((atsb_log_level)lv, line + n, "%s [%s/%s]", sep + 2, c->org->slug,
                        c->connector);
                return;
            }
        }
    }
    log_warn("task", "[%s/%s] wrote to %s: %s", c->org->slug, c->connector,
             s->is_stdout ? "stdout" : "stderr", line);
}

/* Read what is there; 0 at EOF. */
static int pump(const child_run_ctx *c, stream *s)
{
    ssize_t n = read(s->fd, s->buf + s->len, LINE_MAX_BYTES - s->len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (n > 0)
        s->len += (size_t)n;
    char *start = s->buf, *nl;
    s->buf[s->len] = '\0';
    while ((nl = memchr(start, '\n', s->len - (size_t)(start - s->buf)))) {
        *nl = '\0';
        relay_line(c, s, start);
        start = nl + 1;
    }
    s->len -= (size_t)(start - s->buf);
    memmove(s->buf, start, s->len);
    /* A full buffer without a newline, or the last words before EOF. */
    if (s->len == LINE_MAX_BYTES || (n <= 0 && s->len)) {
        s->buf[s->len] = '\0';
        relay_line(c, s, s->buf);
        s->len = 0;
    }
    return n > 0;
}

/* The job for the child: its header, our configuration, the connector file. */
static int build_job(const config *cfg, const store_org *org, task_run_kind kind,
                     const task_run_opts *o, const char *plugin_path, strbuf *job, atsb_error *err)
{
    char *text = config_to_text(cfg);
    if (!text)
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    task_job h;
    memset(&h, 0, sizeof(h));
    memcpy(h.magic, TASK_JOB_MAGIC, 8);
    h.kind = (int)kind;
    h.log_level = (int)log_get_level();
    h.org = *org;
    h.opts = *o;
    h.cfg_len = (uint32_t)strlen(text) + 1;
    h.plugin_len = (uint32_t)strlen(plugin_path) + 1;
    sb_append(job, &h, sizeof(h));
    sb_append(job, text, h.cfg_len);
    sb_append(job, plugin_path, h.plugin_len);
    free(text);
    return job->oom ? err_set(err, ATSB_ERR_INTERNAL, "out of memory") : ATSB_OK;
}

typedef struct task_child {
    pid_t pid;
    int in_fd, mark_fd;
    int out[2], errp[2], rep[2];
    volatile taskmark_page *mark;
    child_end end;
    int stop_sent;
    task_reply reply;
    size_t reply_len;
    int reply_overflow;
} task_child;

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int start_child(task_child *tc, const strbuf *job, const child_limits *lim,
                       atsb_error *err)
{
    int rc = child_input_memfd(job->data, job->len, "task", &tc->in_fd, err);
    if (rc)
        return rc;
    tc->mark_fd = memfd_create("atsbridge-taskmark", MFD_CLOEXEC);
    if (tc->mark_fd < 0 || ftruncate(tc->mark_fd, sizeof(taskmark_page)) != 0 ||
        pipe2(tc->out, O_CLOEXEC) != 0 || pipe2(tc->errp, O_CLOEXEC) != 0 ||
        pipe2(tc->rep, O_CLOEXEC) != 0)
        return err_set(err, ATSB_ERR_TRANSIENT, "task: cannot set up a child: %s",
                       strerror(errno));
    void *m = mmap(NULL, sizeof(taskmark_page), PROT_READ | PROT_WRITE, MAP_SHARED,
                   tc->mark_fd, 0);
    if (m == MAP_FAILED)
        return err_set(err, ATSB_ERR_TRANSIENT, "task: cannot map the shared page: %s",
                       strerror(errno));
    tc->mark = m;
    char *exe = child_self_exe();
    if (!exe)
        return err_set(err, ATSB_ERR_INTERNAL, "task: cannot find our own executable");
    const char *argv[] = { exe, "__task-child", NULL };
    const int fds[TASK_NFDS] = { tc->in_fd, tc->out[1], tc->errp[1], tc->rep[1], tc->mark_fd };
    rc = child_spawn(argv, fds, TASK_NFDS, lim, "task", &tc->pid, err);
    free(exe);
    close_fd(&tc->out[1]);
    close_fd(&tc->errp[1]);
    close_fd(&tc->rep[1]);
    close_fd(&tc->in_fd);
    return rc;
}

static void read_reply(task_child *tc)
{
    char *dst = (char *)&tc->reply + tc->reply_len;
    char sink[512];
    size_t room = sizeof(tc->reply) - tc->reply_len;
    ssize_t n = read(tc->rep[0], room ? dst : sink, room ? room : sizeof(sink));
    if (n > 0 && room)
        tc->reply_len += (size_t)n;
    else if (n > 0)
        tc->reply_overflow = 1;
    else if (n == 0 || (errno != EINTR && errno != EAGAIN))
        close_fd(&tc->rep[0]);
}

/* Relay the child's output and collect its reply until it ends, its
 * deadline passes (SIGKILL), or we are asked to stop (SIGTERM passed on). */
static void supervise(task_child *tc, const child_run_ctx *c, const child_limits *lim)
{
    stream so = { tc->out[0], 1, { 0 }, 0 }, se = { tc->errp[0], 0, { 0 }, 0 };
    int64_t deadline = time_now_ms() + (int64_t)lim->timeout_s * 1000;
    for (;;) {
        int64_t now = time_now_ms();
        if (!tc->stop_sent && runstate_stop_requested()) {
            kill(tc->pid, SIGTERM);
            tc->stop_sent = 1;
            if (deadline > now + STOP_GRACE_MS)
                deadline = now + STOP_GRACE_MS;
        }
        if (now >= deadline) {
            tc->end.timed_out = !tc->stop_sent;
            child_reap(tc->pid, 1, &tc->end);
            break;
        }
        int open_fds = so.fd >= 0 || se.fd >= 0 || tc->rep[0] >= 0;
        if (!open_fds) {
            /* Every stream closed: it is exiting, or it closed them and
             * carries on, still under the deadline. */
            int r = child_poll_reap(tc->pid, &tc->end);
            if (r != 0)
                break;
            struct timespec ts = { 0, 5 * 1000000 };
            nanosleep(&ts, NULL);
            continue;
        }
        struct pollfd pf[3] = { { so.fd, POLLIN, 0 }, { se.fd, POLLIN, 0 },
                                { tc->rep[0], POLLIN, 0 } };
        int64_t left = deadline - now;
        int pr = poll(pf, 3, left < 200 ? (int)left : 200);
        if (pr <= 0)
            continue;
        if (pf[0].revents && !pump(c, &so))
            so.fd = -1;
        if (pf[1].revents && !pump(c, &se))
            se.fd = -1;
        if (pf[2].revents)
            read_reply(tc);
    }
    /* What the child wrote before it was killed. */
    if (so.fd >= 0)
        while (pump(c, &so) > 0) {}
    if (se.fd >= 0)
        while (pump(c, &se) > 0) {}
}

/* How the child ended when it sent no reply, as one phrase:
 * "connector workday crashed with SIGSEGV during push_candidate". */
static void describe_death(const task_child *tc, const child_limits *lim, const char *connector,
                           task_run_kind kind, char *out, size_t size)
{
    char op[sizeof(tc->mark->op) + 1];
    size_t i = 0;
    for (; i < sizeof(tc->mark->op) && tc->mark->op[i]; i++)
        op[i] = tc->mark->op[i];
    op[i] = '\0';
    char what[128], suffix[64] = "";
    if (op[0]) {
        snprintf(what, sizeof(what), "connector %s", connector);
        snprintf(suffix, sizeof(suffix), " during %s", op);
    } else {
        snprintf(what, sizeof(what), "the %s task", kind == TASK_RUN_JOBS ? "job sync" : "push");
    }
    atsb_error e = ATSB_ERROR_INIT;
    int st = tc->end.status;
    if (!tc->end.timed_out && WIFEXITED(st) && WEXITSTATUS(st) != 127 &&
        WEXITSTATUS(st) != CHILD_EXIT_OOM)
        snprintf(out, size, "%s called exit(%d)%s", what, WEXITSTATUS(st), suffix);
    else {
        child_end_error(&tc->end, lim, what, suffix, &e);
        str_copy(out, size, e.message);
    }
}

/* Write the death where it belongs: the run left 'running', or the push
 * whose attempt was in progress.  Under the org's sync lock, so a run or
 * an attempt of another process is never mistaken for the dead one. */
static void record_death(store *st, const config *cfg, const store_org *org, task_run_kind kind,
                         int64_t push_id, const char *reason, task_outcome *out)
{
    synclock lk = { -1 };
    atsb_error err = ATSB_ERROR_INIT;
    if (kind == TASK_RUN_JOBS) {
        str_copy(out->jobs.status, sizeof(out->jobs.status), "failed");
        if (!synclock_acquire(&lk, cfg->store_path, org->slug, "jobs", 0, &err))
            store_run_fail_running(st, org->id, "jobs", reason, &err);
    } else if (push_id) {
        int dead = 0;
        out->push_only = 1;
        if (!synclock_acquire(&lk, cfg->store_path, org->slug, "candidates", 0, &err) &&
            !sync_cands_settle_lost(st, cfg, org, push_id, reason, &dead, &err)) {
            out->cands.due++;
            if (dead)
                out->cands.dead++;
            else
                out->cands.retrying++;
        }
    }
    if (err.code)
        log_error("task", "%s: could not record how the task ended: %s", org->slug, err.message);
    synclock_release(&lk);
}

static int run_isolated(store *st, const plugin *p, const config *cfg, const store_org *org,
                        task_run_kind kind, const task_run_opts *o, task_outcome *out,
                        atsb_error *err)
{
    child_limits lim = { cfg->task_max_memory_mb, cfg->task_timeout_s, 0,
                         "isolation.max_memory_mb", "isolation.timeout_s",
                         cfg->task_max_cpu_s, "isolation.max_cpu_s", 1 };
    task_child tc;
    memset(&tc, 0, sizeof(tc));
    tc.pid = -1;
    tc.in_fd = tc.mark_fd = -1;
    tc.out[0] = tc.out[1] = tc.errp[0] = tc.errp[1] = tc.rep[0] = tc.rep[1] = -1;
    strbuf job;
    sb_init(&job);
    int rc = build_job(cfg, org, kind, o, p->path, &job, err);
    if (!rc)
        rc = start_child(&tc, &job, &lim, err);
    sb_free(&job);
    if (rc)
        goto done;
    child_run_ctx c = { org, p->desc.name };
    supervise(&tc, &c, &lim);
    tc.pid = -1;
    int exited_0 = !tc.end.timed_out && WIFEXITED(tc.end.status) &&
                   WEXITSTATUS(tc.end.status) == 0;
    if (tc.reply_len == sizeof(tc.reply) && !tc.reply_overflow &&
        memcmp(tc.reply.magic, TASK_REPLY_MAGIC, 8) == 0) {
        *out = tc.reply.out;
        *err = tc.reply.err;
        rc = tc.reply.rc;
        /* Done, then a crash or a leak report on the way out: the work
         * stands, but a sanitizer's verdict must not be lost. */
        if (!exited_0) {
            char how[256];
            describe_death(&tc, &lim, p->desc.name, kind, how, sizeof(how));
            log_error("task", "%s: the task finished, then %s", org->slug, how);
            if (!rc)
                rc = err_set(err, ATSB_ERR_INTERNAL, "%s: the task finished, then %s",
                             org->slug, how);
        }
        goto done;
    }
    out->died = 1;
    if (tc.stop_sent) {
        /* Stopping: the run is marked interrupted and the push resumes at
         * the next start, as after an in-process stop. */
        rc = err_set(err, ATSB_ERR_CANCELLED, "%s: stopped by a signal", org->slug);
        goto done;
    }
    char reason[256];
    describe_death(&tc, &lim, p->desc.name, kind, reason, sizeof(reason));
    record_death(st, cfg, org, kind, tc.mark->push_id, reason, out);
    rc = err_set(err, ATSB_ERR_TRANSIENT, "%s: %s failed: %s", org->slug,
                 kind == TASK_RUN_JOBS ? "job sync" : "candidate push", reason);
done:
    if (tc.pid > 0)
        child_reap(tc.pid, 1, &tc.end);
    if (tc.mark)
        munmap((void *)tc.mark, sizeof(taskmark_page));
    close_fd(&tc.in_fd);
    close_fd(&tc.mark_fd);
    for (int i = 0; i < 2; i++) {
        close_fd(&tc.out[i]);
        close_fd(&tc.errp[i]);
        close_fd(&tc.rep[i]);
    }
    return rc;
}

int task_run(store *st, const plugin_registry *reg, const config *cfg, const store_org *org,
             task_run_kind kind, const task_run_opts *opts, task_outcome *out, atsb_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!opts->isolate)
        return run_here(st, reg, cfg, org, kind, opts, out, err);
    /* No connection or no connector: no connector code would run, and the
     * in-process path words the error. */
    store_conn sc;
    if (store_conn_get(st, org->id, &sc, NULL) != ATSB_OK)
        return run_here(st, reg, cfg, org, kind, opts, out, err);
    const plugin *p = plugin_registry_find(reg, sc.connector);
    store_conn_free(&sc);
    if (!p || !p->path)
        return run_here(st, reg, cfg, org, kind, opts, out, err);
    return run_isolated(st, p, cfg, org, kind, opts, out, err);
}

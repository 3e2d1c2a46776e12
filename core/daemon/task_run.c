#include "daemon/task_run.h"
#include "daemon/task_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
    int *fd;                /* the worker's; closed here at EOF */
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

static void flush_partial(const child_run_ctx *c, stream *s)
{
    if (s->len) {
        s->buf[s->len] = '\0';
        relay_line(c, s, s->buf);
        s->len = 0;
    }
}

/* Read what is there: 1 when something was read, 0 at EOF (the descriptor
 * is then closed), -1 when nothing is there now. */
static int pump(const child_run_ctx *c, stream *s)
{
    if (*s->fd < 0)
        return 0;
    ssize_t n = read(*s->fd, s->buf + s->len, LINE_MAX_BYTES - s->len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return -1;
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
    if (s->len == LINE_MAX_BYTES || n <= 0)
        flush_partial(c, s);
    if (n <= 0) {
        close(*s->fd);
        *s->fd = -1;
        return 0;
    }
    return 1;
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

/* The worker process and the plugin files it was told to load, so a file
 * replaced in place (then SIGHUP) gets a fresh worker. */
typedef struct loaded_file {
    char *path;
    struct stat id;
} loaded_file;

struct task_worker {
    pid_t pid;
    int job_fd, out_fd, err_fd, rep_fd;
    volatile taskmark_page *mark;
    loaded_file *files;
    size_t n_files;
    child_end end;
};

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

task_worker *task_worker_new(void)
{
    task_worker *w = calloc(1, sizeof(*w));
    if (w) {
        w->pid = -1;
        w->job_fd = w->out_fd = w->err_fd = w->rep_fd = -1;
    }
    return w;
}

/* Forget the process (already reaped, or to be killed). */
static void worker_reset(task_worker *w)
{
    if (w->pid > 0)
        child_reap(w->pid, 1, &w->end);
    w->pid = -1;
    close_fd(&w->job_fd);
    close_fd(&w->out_fd);
    close_fd(&w->err_fd);
    close_fd(&w->rep_fd);
    if (w->mark)
        munmap((void *)w->mark, sizeof(taskmark_page));
    w->mark = NULL;
    for (size_t i = 0; i < w->n_files; i++)
        free(w->files[i].path);
    free(w->files);
    w->files = NULL;
    w->n_files = 0;
}

void task_worker_free(task_worker *w)
{
    if (!w)
        return;
    if (w->pid > 0) {
        /* Its job socket closed: it exits between tasks; give it a moment. */
        close_fd(&w->job_fd);
        for (int i = 0; i < 200; i++) {
            int r = child_poll_reap(w->pid, &w->end);
            if (r != 0) {
                w->pid = -1;
                break;
            }
            struct timespec ts = { 0, 5 * 1000000 };
            nanosleep(&ts, NULL);
        }
    }
    worker_reset(w);
    free(w);
}

static int worker_start(task_worker *w, const child_limits *lim, atsb_error *err)
{
    int job[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 }, rep[2] = { -1, -1 };
    int mark_fd = memfd_create("atsbridge-taskmark", MFD_CLOEXEC);
    int rc = ATSB_OK;
    /* Jobs go over a socket: a worker that died between tasks is an EPIPE
     * for send(MSG_NOSIGNAL), not a SIGPIPE that would kill the CLI. */
    if (mark_fd < 0 || ftruncate(mark_fd, sizeof(taskmark_page)) != 0 ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, job) != 0 ||
        pipe2(out, O_CLOEXEC) != 0 ||
        pipe2(errp, O_CLOEXEC) != 0 || pipe2(rep, O_CLOEXEC) != 0) {
        rc = err_set(err, ATSB_ERR_TRANSIENT, "task: cannot set up a worker: %s",
                     strerror(errno));
        goto done;
    }
    void *m = mmap(NULL, sizeof(taskmark_page), PROT_READ | PROT_WRITE, MAP_SHARED, mark_fd, 0);
    if (m == MAP_FAILED) {
        rc = err_set(err, ATSB_ERR_TRANSIENT, "task: cannot map the shared page: %s",
                     strerror(errno));
        goto done;
    }
    w->mark = m;
    char *exe = child_self_exe();
    if (!exe) {
        rc = err_set(err, ATSB_ERR_INTERNAL, "task: cannot find our own executable");
        goto done;
    }
    const char *argv[] = { exe, "__task-child", NULL };
    const int fds[TASK_NFDS] = { job[0], out[1], errp[1], rep[1], mark_fd };
    /* The CPU and wall-clock limits are per task (cpu_budget in the child,
     * supervise here), not for the worker's life. */
    child_limits spawn = *lim;
    spawn.timeout_s = spawn.cpu_s = 0;
    rc = child_spawn(argv, fds, TASK_NFDS, &spawn, "task", &w->pid, err);
    free(exe);
    if (!rc) {
        w->job_fd = job[1];
        w->out_fd = out[0];
        w->err_fd = errp[0];
        w->rep_fd = rep[0];
        job[1] = out[0] = errp[0] = rep[0] = -1;
        /* Leftover output after a reply is drained without blocking. */
        fcntl(w->out_fd, F_SETFL, O_NONBLOCK);
        fcntl(w->err_fd, F_SETFL, O_NONBLOCK);
    }
done:
    for (int i = 0; i < 2; i++) {
        close_fd(&job[i]);
        close_fd(&out[i]);
        close_fd(&errp[i]);
        close_fd(&rep[i]);
    }
    close_fd(&mark_fd);
    if (rc)
        worker_reset(w);
    return rc;
}

/* Whether the worker may run a task of this connector file: never loaded,
 * or loaded as it is now. */
static int worker_knows(task_worker *w, const char *path)
{
    struct stat now;
    if (stat(path, &now) != 0)
        return 1; /* the child reports it */
    for (size_t i = 0; i < w->n_files; i++)
        if (str_eq(w->files[i].path, path))
            return w->files[i].id.st_dev == now.st_dev && w->files[i].id.st_ino == now.st_ino &&
                   w->files[i].id.st_size == now.st_size &&
                   w->files[i].id.st_mtim.tv_sec == now.st_mtim.tv_sec &&
                   w->files[i].id.st_mtim.tv_nsec == now.st_mtim.tv_nsec;
    loaded_file *g = realloc(w->files, (w->n_files + 1) * sizeof(*g));
    if (!g || !(g[w->n_files].path = str_dup(path))) {
        w->files = g ? g : w->files;
        return 0;
    }
    g[w->n_files].id = now;
    w->files = g;
    w->n_files++;
    return 1;
}

typedef struct task_wait {
    int stop_sent;
    int dead;               /* the worker ended (end filled) */
    task_reply reply;
    size_t reply_len;
} task_wait;

static void read_reply(task_worker *w, task_wait *tw)
{
    char *dst = (char *)&tw->reply + tw->reply_len;
    ssize_t n = read(w->rep_fd, dst, sizeof(tw->reply) - tw->reply_len);
    if (n > 0)
        tw->reply_len += (size_t)n;
    else if (n == 0 || (errno != EINTR && errno != EAGAIN))
        close_fd(&w->rep_fd);
}

/* Relay the worker's output and collect its reply until the reply is
 * complete, the worker ends, its deadline passes (SIGKILL), or we are asked
 * to stop (SIGTERM passed on, with a grace period). */
static void supervise(task_worker *w, task_wait *tw, const child_run_ctx *c,
                      const child_limits *lim)
{
    stream so = { &w->out_fd, 1, { 0 }, 0 }, se = { &w->err_fd, 0, { 0 }, 0 };
    int64_t deadline = time_now_ms() + (int64_t)lim->timeout_s * 1000;
    while (tw->reply_len < sizeof(tw->reply)) {
        int64_t now = time_now_ms();
        if (!tw->stop_sent && runstate_stop_requested()) {
            kill(w->pid, SIGTERM);
            tw->stop_sent = 1;
            if (deadline > now + STOP_GRACE_MS)
                deadline = now + STOP_GRACE_MS;
        }
        if (now >= deadline) {
            w->end.timed_out = !tw->stop_sent;
            child_reap(w->pid, 1, &w->end);
            tw->dead = 1;
            break;
        }
        if (w->rep_fd < 0) {
            /* No reply coming: it is dying, or it closed the descriptor and
             * carries on, still under the deadline. */
            if (child_poll_reap(w->pid, &w->end) != 0) {
                tw->dead = 1;
                break;
            }
            struct timespec ts = { 0, 5 * 1000000 };
            nanosleep(&ts, NULL);
            continue;
        }
        struct pollfd pf[3] = { { w->out_fd, POLLIN, 0 }, { w->err_fd, POLLIN, 0 },
                                { w->rep_fd, POLLIN, 0 } };
        int64_t left = deadline - now;
        int pr = poll(pf, 3, left < 200 ? (int)left : 200);
        if (pr <= 0)
            continue;
        if (pf[0].revents)
            pump(c, &so);
        if (pf[1].revents)
            pump(c, &se);
        if (pf[2].revents)
            read_reply(w, tw);
    }
    /* What it wrote before its reply, or before it died. */
    while (pump(c, &so) == 1) {}
    while (pump(c, &se) == 1) {}
    flush_partial(c, &so);
    flush_partial(c, &se);
}

/* How the worker ended when it sent no reply, as one phrase:
 * "connector workday crashed with SIGSEGV during push_candidate". */
static void describe_death(const task_worker *w, const child_limits *lim, const char *connector,
                           task_run_kind kind, char *out, size_t size)
{
    char op[sizeof(w->mark->op) + 1];
    size_t i = 0;
    for (; i < sizeof(w->mark->op) && w->mark->op[i]; i++)
        op[i] = w->mark->op[i];
    op[i] = '\0';
    char what[128], suffix[64] = "";
    if (op[0]) {
        snprintf(what, sizeof(what), "connector %s", connector);
        snprintf(suffix, sizeof(suffix), " during %s", op);
    } else {
        snprintf(what, sizeof(what), "the %s task", kind == TASK_RUN_JOBS ? "job sync" : "push");
    }
    atsb_error e = ATSB_ERROR_INIT;
    int st = w->end.status;
    int oom = child_end_oom(&w->end, lim);
    task_stats_note_death(connector, w->end.timed_out ? "timeout" : oom ? "memory"
                                     : WIFSIGNALED(st) ? "signal" : "exit");
    if (!w->end.timed_out && WIFEXITED(st) && WEXITSTATUS(st) != 127 && !oom)
        snprintf(out, size, "%s called exit(%d)%s", what, WEXITSTATUS(st), suffix);
    else {
        child_end_error(&w->end, lim, what, suffix, &e);
        str_copy(out, size, e.message);
    }
}

/* Write the death where it belongs: the run left 'running', or the push
 * whose attempt was in progress.  Under the org's sync lock, so a run or
 * an attempt of another process is never mistaken for the dead one. */
/* The dead worker's lock: a file lock is gone with its process, but a
 * PostgreSQL session lock only once the server has noticed the session
 * end, a moment later.  Wait that moment, not longer. */
static int take_dead_workers_lock(synclock *lk, store *st, const config *cfg,
                                  const store_org *org, const char *kind, atsb_error *err)
{
    int rc;
    for (int i = 0; i < 50; i++) {
        if ((rc = synclock_acquire(lk, st, cfg->store_path, org->slug, kind, 0, err)) !=
                CORE_ERR_BUSY ||
            !store_is_shared(st))
            return rc;
        err_clear(err);
        struct timespec ts = { 0, 100 * 1000000L };
        nanosleep(&ts, NULL);
    }
    return synclock_acquire(lk, st, cfg->store_path, org->slug, kind, 0, err);
}

static void record_death(store *st, const config *cfg, const store_org *org, task_run_kind kind,
                         int64_t push_id, const char *reason, task_outcome *out)
{
    synclock lk = SYNCLOCK_INIT;
    atsb_error err = ATSB_ERROR_INIT;
    if (kind == TASK_RUN_JOBS) {
        str_copy(out->jobs.status, sizeof(out->jobs.status), "failed");
        if (!take_dead_workers_lock(&lk, st, cfg, org, "jobs", &err))
            store_run_fail_running(st, org->id, "jobs", reason, &err);
    } else if (push_id) {
        int dead = 0;
        out->push_only = 1;
        if (!take_dead_workers_lock(&lk, st, cfg, org, "candidates", &err) &&
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

static int send_job(task_worker *w, const strbuf *job)
{
    for (size_t off = 0; off < job->len;) {
        ssize_t n = send(w->job_fd, job->data + off, job->len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        off += (size_t)n;
    }
    return 0;
}

static int run_isolated(task_worker *w, store *st, const plugin *p, const config *cfg,
                        const store_org *org, task_run_kind kind, const task_run_opts *o,
                        task_outcome *out, atsb_error *err)
{
    child_limits lim = { cfg->task_max_memory_mb, cfg->task_timeout_s, 0,
                         "isolation.max_memory_mb", "isolation.timeout_s",
                         cfg->task_max_cpu_s, "isolation.max_cpu_s", 1 };
    /* A connector file replaced since the worker loaded it: a fresh one. */
    if (w->pid > 0 && !worker_knows(w, p->path))
        worker_reset(w);
    strbuf job;
    sb_init(&job);
    int rc = build_job(cfg, org, kind, o, p->path, &job, err);
    if (!rc && w->pid <= 0 && !(rc = worker_start(w, &lim, err)))
        worker_knows(w, p->path);
    if (!rc) {
        memset((void *)w->mark, 0, sizeof(*w->mark));
        memset(&w->end, 0, sizeof(w->end));
        if (send_job(w, &job) < 0) {
            /* It died between tasks (killed from outside): start afresh. */
            worker_reset(w);
            if (!(rc = worker_start(w, &lim, err))) {
                worker_knows(w, p->path);
                if (send_job(w, &job) < 0)
                    rc = err_set(err, ATSB_ERR_TRANSIENT, "task: cannot reach its worker");
            }
        }
    }
    sb_free(&job);
    if (rc)
        return rc;
    task_wait tw;
    memset(&tw, 0, sizeof(tw));
    child_run_ctx c = { org, p->desc.name };
    supervise(w, &tw, &c, &lim);
    if (!tw.dead && tw.reply_len == sizeof(tw.reply) &&
        memcmp(tw.reply.magic, TASK_REPLY_MAGIC, 8) == 0) {
        *out = tw.reply.out;
        *err = tw.reply.err;
        return tw.reply.rc;
    }
    out->died = 1;
    if (!tw.dead) /* a garbled reply: the worker is not to be trusted */
        child_reap(w->pid, 1, &w->end);
    w->pid = -1;
    if (tw.stop_sent) {
        /* Stopping: the run is marked interrupted and the push resumes at
         * the next start, as after an in-process stop. */
        worker_reset(w);
        return err_set(err, ATSB_ERR_CANCELLED, "%s: stopped by a signal", org->slug);
    }
    char reason[256];
    describe_death(w, &lim, p->desc.name, kind, reason, sizeof(reason));
    int64_t push_id = w->mark->push_id;
    worker_reset(w);
    record_death(st, cfg, org, kind, push_id, reason, out);
    return err_set(err, ATSB_ERR_TRANSIENT, "%s: %s failed: %s", org->slug,
                   kind == TASK_RUN_JOBS ? "job sync" : "candidate push", reason);
}

int task_run(task_worker *w, store *st, const plugin_registry *reg, const config *cfg,
             const store_org *org, task_run_kind kind, const task_run_opts *opts,
             task_outcome *out, atsb_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!opts->isolate || !w)
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
    return run_isolated(w, st, p, cfg, org, kind, opts, out, err);
}

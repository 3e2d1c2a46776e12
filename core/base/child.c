#include "base/child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

extern char **environ;

char *child_self_exe(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    return str_dup(buf);
}

int child_text_is_oom(const char *text)
{
    return text && (strstr(text, "bad_alloc") || strstr(text, "out of memory") ||
                    strstr(text, "Out of memory") || strstr(text, "Cannot allocate memory"));
}

/* The child's environment: what fonts, locale and sanitizers need, nothing
 * else.  Connection secrets may be env: references, and the child handles
 * hostile input. */
static const char *const KEEP_ENV[] = {
    "PATH=", "HOME=", "TMPDIR=", "LANG=", "LC_ALL=", "XDG_CACHE_HOME=", "XDG_CONFIG_HOME=",
    "XDG_DATA_HOME=", "XDG_DATA_DIRS=", "FONTCONFIG_FILE=", "FONTCONFIG_PATH=",
    "LSAN_OPTIONS=", "UBSAN_OPTIONS=",
};

/* What a child that keeps our environment still must not get: ASan's
 * options are rewritten below, and systemd's notification socket and
 * watchdog are the daemon's alone. */
static int env_is_ours(const char *e)
{
    static const char *const OURS[] = { "ASAN_OPTIONS=", "NOTIFY_SOCKET=", "WATCHDOG_PID=",
                                        "WATCHDOG_USEC=" };
    for (size_t k = 0; k < ARRAY_LEN(OURS); k++)
        if (!strncmp(e, OURS[k], strlen(OURS[k])))
            return 1;
    return 0;
}

static char **child_env(const child_limits *lim, char **asan_opt)
{
    size_t n = 0, total = 0;
    for (char **e = environ; e && *e; e++)
        total++;
    size_t cap = (lim->keep_env ? total : ARRAY_LEN(KEEP_ENV)) + 2;
    char **env = calloc(cap, sizeof(*env));
    if (!env)
        return NULL;
    for (char **e = environ; e && *e && n + 2 < cap; e++) {
        if (lim->keep_env && !env_is_ours(*e))
            env[n++] = *e;
        else if (!lim->keep_env)
            for (size_t k = 0; k < ARRAY_LEN(KEEP_ENV); k++)
                if (!strncmp(*e, KEEP_ENV[k], strlen(KEEP_ENV[k])))
                    env[n++] = *e;
    }
    *asan_opt = NULL;
#ifdef UNDER_ASAN
    /* ASan reserves terabytes of address space for its shadow, so
     * RLIMIT_AS cannot be used; its own RSS limit makes allocations fail
     * instead, as RLIMIT_AS does for a normal build.  Its signal handlers
     * would turn a crash into "exit 1": leave crashes to the kernel, as in
     * a normal build, so they are reported the same way. */
    const char *prev = getenv("ASAN_OPTIONS");
    *asan_opt = str_printf("ASAN_OPTIONS=%s%shandle_segv=0:handle_sigbus=0:handle_abort=0:"
                           "allocator_may_return_null=1:soft_rss_limit_mb=%ld",
                           prev ? prev : "", prev && *prev ? ":" : "",
                           lim->memory_mb > 0 ? lim->memory_mb : 0L);
    if (*asan_opt)
        env[n++] = *asan_opt;
#else
    ATSB_UNUSED(lim);
#endif
    env[n] = NULL;
    return env;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int child_input_memfd(const void *in, size_t in_len, const char *what, int *fd,
                      atsb_error *err)
{
    *fd = memfd_create("atsbridge-child-input", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (*fd < 0)
        return err_set(err, ATSB_ERR_TRANSIENT, "%s: cannot create its input: %s", what,
                       strerror(errno));
    for (size_t off = 0; off < in_len;) {
        ssize_t w = write(*fd, (const char *)in + off, in_len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(*fd);
            *fd = -1;
            return err_set(err, ATSB_ERR_TRANSIENT, "%s: cannot write its input: %s", what,
                           strerror(e));
        }
        off += (size_t)w;
    }
    /* Sealed: the child reads exactly what we wrote. */
    fcntl(*fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
    lseek(*fd, 0, SEEK_SET);
    return ATSB_OK;
}

/* After fork, before exec: only async-signal-safe calls (the parent may be
 * multi-threaded; another thread may hold malloc's or stdio's locks).
 * fds[i] becomes descriptor i; the sources are first moved above nfds so
 * that installing one never closes another. */
static void in_child(const char *const argv[], char **env, const int *fds, int nfds,
                     const child_limits *lim)
{
    int high[CHILD_MAX_FDS];
    for (int i = 0; i < nfds; i++)
        if ((high[i] = fcntl(fds[i], F_DUPFD, nfds)) < 0)
            _exit(127);
    for (int i = 0; i < nfds; i++)
        if (dup2(high[i], i) < 0)
            _exit(127);
    /* Nothing else of ours: the store, sockets to the ATS, lock files. */
    close_range((unsigned)nfds, ~0U, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    struct rlimit rl = { 0, 0 };
    setrlimit(RLIMIT_CORE, &rl);
#ifndef UNDER_ASAN
    if (lim->memory_mb > 0) {
        rl.rlim_cur = rl.rlim_max = (rlim_t)lim->memory_mb << 20;
        setrlimit(RLIMIT_AS, &rl);
    }
#endif
    long cpu = lim->cpu_s > 0 ? lim->cpu_s : lim->timeout_s;
    if (cpu > 0) {
        /* SIGXCPU at the limit, SIGKILL a second later. */
        rl.rlim_cur = (rlim_t)cpu;
        rl.rlim_max = (rlim_t)cpu + 1;
        setrlimit(RLIMIT_CPU, &rl);
    }
    /* Default dispositions: the parent may ignore SIGPIPE; exec keeps
     * ignored signals ignored. */
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(argv[0], (char *const *)argv, env);
    _exit(127);
}

int child_spawn(const char *const argv[], const int *fds, int nfds, const child_limits *lim,
                const char *what, pid_t *pid, atsb_error *err)
{
    char *asan_opt = NULL;
    char **env = NULL;
    *pid = -1;
    if (nfds > CHILD_MAX_FDS)
        return err_set(err, ATSB_ERR_INTERNAL, "%s: too many descriptors", what);
    if (!(env = child_env(lim, &asan_opt)))
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    int rc = ATSB_OK;
    *pid = fork();
    if (*pid < 0)
        rc = err_set(err, ATSB_ERR_TRANSIENT, "%s: cannot start a child process: %s", what,
                     strerror(errno));
    else if (*pid == 0)
        in_child(argv, env, fds, nfds, lim);
    free(env);
    free(asan_opt);
    return rc;
}

static int reap(pid_t pid, int *status, struct rusage *ru)
{
    for (;;) {
        pid_t r = wait4(pid, status, 0, ru);
        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

void child_reap(pid_t pid, int kill_it, child_end *e)
{
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    if (kill_it)
        kill(pid, SIGKILL);
    e->status = 0;
    if (reap(pid, &e->status, &ru) == 0)
        e->max_rss_mb = ru.ru_maxrss / 1024;
}

int child_poll_reap(pid_t pid, child_end *e)
{
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    pid_t r;
    do
        r = wait4(pid, &e->status, WNOHANG, &ru);
    while (r < 0 && errno == EINTR);
    if (r == pid)
        e->max_rss_mb = ru.ru_maxrss / 1024;
    return r == pid ? 1 : r == 0 ? 0 : -1;
}

/* A failed allocation the child could not report itself: std::bad_alloc
 * escaping, g_error's abort, or a NULL dereference, with half the limit
 * resident (a stack overflow or a plain bug is not near it).  Under ASan
 * a failed operator new is a report and exit 1 instead (it cannot return
 * NULL), with its RSS limit reached. */
static int ran_out_of_memory(int status, long max_rss_mb, const child_limits *lim)
{
    if (lim->memory_mb <= 0)
        return 0;
#ifdef UNDER_ASAN
    /* ASan's own memory makes half the limit common: only a child that
     * reached it (allocations then fail) counts. */
    return (WIFEXITED(status) && WEXITSTATUS(status) == 1 && max_rss_mb >= lim->memory_mb) ||
           (WIFSIGNALED(status) && max_rss_mb >= lim->memory_mb);
#else
    return WIFSIGNALED(status) && max_rss_mb * 2 >= lim->memory_mb;
#endif
}

int child_end_oom(const child_end *e, const child_limits *lim)
{
    return (WIFEXITED(e->status) && WEXITSTATUS(e->status) == CHILD_EXIT_OOM) ||
           ran_out_of_memory(e->status, e->max_rss_mb, lim);
}

int child_end_error(const child_end *e, const child_limits *lim, const char *what,
                    const char *suffix, atsb_error *err)
{
    int status = e->status;
    const char *sfx = suffix ? suffix : "";
    int xcpu = WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU;
    if (e->timed_out || (xcpu && !lim->cpu_setting))
        return err_set(err, ATSB_ERR_TRANSIENT, "%s took longer than %ld s (%s)%s", what,
                       lim->timeout_s, lim->timeout_setting ? lim->timeout_setting : "timeout",
                       sfx);
    if (xcpu)
        return err_set(err, ATSB_ERR_TRANSIENT, "%s used more than %ld s of CPU time (%s)%s",
                       what, lim->cpu_s, lim->cpu_setting, sfx);
    if (child_end_oom(e, lim))
        return err_set(err, ATSB_ERR_PERMANENT, "%s exceeded %ld MiB of memory (%s)%s", what,
                       lim->memory_mb, lim->memory_setting ? lim->memory_setting : "memory limit",
                       sfx);
    if (WIFSIGNALED(status)) {
        const char *abbrev = sigabbrev_np(WTERMSIG(status));
        if (abbrev)
            return err_set(err, ATSB_ERR_PERMANENT, "%s crashed with SIG%s%s", what, abbrev, sfx);
        return err_set(err, ATSB_ERR_PERMANENT, "%s crashed with signal %d%s", what,
                       WTERMSIG(status), sfx);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return err_set(err, ATSB_ERR_INTERNAL, "%s: cannot run the child program", what);
    return err_set(err, ATSB_ERR_INTERNAL, "%s exited with status %d%s", what,
                   WIFEXITED(status) ? WEXITSTATUS(status) : -1, sfx);
}

int child_run(const char *const argv[], const void *in, size_t in_len, const child_limits *lim,
              const char *what, unsigned char **out, size_t *out_len, atsb_error *err)
{
    *out = NULL;
    *out_len = 0;
    int rc = ATSB_OK, in_fd = -1, pipefd[2] = { -1, -1 }, too_big = 0;
    pid_t pid = -1;
    child_end end = { 0, 0, 0 };
    strbuf res;
    sb_init(&res);

    if ((rc = child_input_memfd(in, in_len, what, &in_fd, err)))
        goto done;
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        rc = err_set(err, ATSB_ERR_TRANSIENT, "%s: cannot create a pipe: %s", what, strerror(errno));
        goto done;
    }
    int64_t deadline = lim->timeout_s > 0 ? now_ms() + lim->timeout_s * 1000 : 0;
    const int fds[3] = { in_fd, pipefd[1], 2 };
    if ((rc = child_spawn(argv, fds, 3, lim, what, &pid, err)))
        goto done;
    close(pipefd[1]);
    pipefd[1] = -1;

    /* Read the result until EOF, the deadline, or too much output. */
    for (;;) {
        int wait_ms = -1;
        if (deadline) {
            int64_t left = deadline - now_ms();
            if (left <= 0) {
                end.timed_out = 1;
                break;
            }
            wait_ms = left > INT_MAX ? INT_MAX : (int)left;
        }
        struct pollfd pf = { pipefd[0], POLLIN, 0 };
        int pr = poll(&pf, 1, wait_ms);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0)
            continue; /* the deadline check above ends it */
        char buf[65536];
        ssize_t n = read(pipefd[0], buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (res.len + (size_t)n > lim->max_output) {
            too_big = 1;
            break;
        }
        sb_append(&res, buf, (size_t)n);
    }
    /* EOF only means stdout closed; a child that closed it and then hung
     * is still bounded by the deadline. */
    for (;;) {
        int r = child_poll_reap(pid, &end);
        if (r < 0) {
            rc = err_set(err, ATSB_ERR_INTERNAL, "%s: waiting for the child: %s", what,
                         strerror(errno));
            goto done;
        }
        if (r)
            break;
        if (end.timed_out || too_big || (deadline && now_ms() >= deadline)) {
            end.timed_out = !too_big;
            child_reap(pid, 1, &end);
            break;
        }
        struct timespec ts = { 0, 5 * 1000000 };
        nanosleep(&ts, NULL);
    }
    pid = -1;
    if (too_big && !end.timed_out)
        rc = err_set(err, ATSB_ERR_PERMANENT, "%s wrote more than %zu bytes", what, lim->max_output);
    else if (end.timed_out || !WIFEXITED(end.status) || WEXITSTATUS(end.status) != 0)
        rc = child_end_error(&end, lim, what, NULL, err);
    else if (res.oom)
        rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    else {
        *out_len = res.len;
        *out = (unsigned char *)sb_steal(&res);
    }
done:
    if (pid > 0)
        child_reap(pid, 1, &end);
    if (in_fd >= 0)
        close(in_fd);
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (pipefd[1] >= 0)
        close(pipefd[1]);
    sb_free(&res);
    return rc;
}

/* make bench, part 2: profile PDFs per second for a candidate with a
 * 40-message transcript and a 3-page PDF resume, with peak RSS; the
 * baseline, measured in the same run, renders a profile holding only the
 * resume's pages (the part no layout work can avoid).  Last, the same
 * profile rendered as a push renders it, in a fresh `__profile-child`
 * process each time (this executable answers that command too). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "base/config.h"
#include "cands/profile.h"
#include "base/util.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double run(const profile_input *in, int n, size_t *bytes)
{
    atsb_error err = ATSB_ERROR_INIT;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        unsigned char *pdf = NULL;
        size_t len = 0;
        if (profile_render_pdf(in, &pdf, &len, &err)) {
            fprintf(stderr, "render failed: %s\n", err.message);
            exit(1);
        }
        *bytes = len;
        free(pdf);
    }
    return now_s() - t0;
}

/* As a push renders: each profile in a fresh `__profile-child` process
 * (this executable, see main), which checks the resume again first. */
static double run_child(const profile_input *in, int n)
{
    config cfg;
    memset(&cfg, 0, sizeof(cfg));
    atsb_error err = ATSB_ERROR_INIT;
    if (config_load_string(&cfg, "bench", "", &err)) {
        fprintf(stderr, "config: %s\n", err.message);
        exit(1);
    }
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        unsigned char *pdf = NULL;
        size_t len = 0;
        if (profile_render(&cfg, in, &pdf, &len, &err)) {
            fprintf(stderr, "render failed: %s\n", err.message);
            exit(1);
        }
        free(pdf);
    }
    double t = now_s() - t0;
    config_free(&cfg);
    return t;
}

typedef struct job {
    const profile_input *in;
    int n;
    size_t bytes;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    run(j->in, j->n, &j->bytes);
    return NULL;
}

/* Two renderers at once, as the daemon's workers render for two orgs. */
static double run_parallel(const profile_input *in, int n, int threads)
{
    pthread_t t[8];
    job jobs[8];
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        jobs[i].in = in;
        jobs[i].n = n / threads;
        pthread_create(&t[i], NULL, worker, &jobs[i]);
    }
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    return now_s() - t0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "__profile-child"))
        return profile_child_main();
    profile_malloc_policy(); /* the render child's, see profile.h */
    /* A third argument renders only that case COUNT times after the
     * warm-up, for instruction counts: valgrind --tool=callgrind
     * profile_bench R.pdf 1 full, then 21 full; the difference / 20 is
     * the cost of one profile, free of start-up and wall-clock noise. */
    if (argc != 3 && !(argc == 4 && (!strcmp(argv[3], "full") || !strcmp(argv[3], "base") ||
                                     !strcmp(argv[3], "child")))) {
        fprintf(stderr, "usage: profile_bench RESUME.pdf COUNT [full|base|child]\n");
        return 2;
    }
    char *resume = NULL;
    size_t rlen = 0;
    if (file_read_all(argv[1], &resume, &rlen, 64u << 20) < 0) {
        perror(argv[1]);
        return 1;
    }
    char *end = NULL;
    int n = (int)strtol(argv[2], &end, 10);
    if (*end || n < (argc == 4 ? 1 : 2)) {
        fprintf(stderr, "profile_bench: COUNT must be a number >= 2 (>= 1 with a case)\n");
        return 2;
    }
    profile_message msgs[40];
    char texts[40][256];
    for (int i = 0; i < 40; i++) {
        snprintf(texts[i], sizeof(texts[i]),
                 "Message %d: I have run Haas and Mazak mills for six years, mostly aluminium "
                 "aerospace parts, and I can start on the second shift in two weeks — Zoë.", i + 1);
        msgs[i].from = i % 2 ? "candidate" : "AI recruiter";
        msgs[i].at = 1795000000 + i * 45;
        msgs[i].text = texts[i];
    }
    profile_input full = { "Zoë", "Ørsted", "zoe@example.com", "+1 555 0100",
                           "https://app.factoryfix.com/candidates/c-1", "CNC Machinist",
                           "FactoryFix", 4, "Strong CNC background; available nights.", msgs, 40,
                           NULL, (const unsigned char *)resume, rlen };
    profile_input base = { "Zoë", "Ørsted", NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, 0,
                           NULL, (const unsigned char *)resume, rlen };
    size_t bytes = 0, base_bytes = 0;
    run(&full, 3, &bytes); /* warm up: fontconfig and font caches */
    if (argc == 4 && !strcmp(argv[3], "child")) {
        run_child(&full, n);
        free(resume);
        return 0;
    }
    if (argc == 4) {
        run(!strcmp(argv[3], "full") ? &full : &base, n, &bytes);
        free(resume);
        return 0;
    }
    double cb = cpu_s();
    double tb = run(&base, n, &base_bytes);
    double cf = cpu_s();
    double tf = run(&full, n, &bytes);
    double ce = cpu_s();
    cb = cf - cb;
    cf = ce - cf;
    double tp = run_parallel(&full, n, 2);
    int n_child = n / 10 > 0 ? n / 10 : 1;
    double tc = run_child(&full, n_child);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    /* CPU time beside wall time: on a machine shared with other work
     * the wall clock also counts the time the renderer waited for a core. */
    printf("  profile PDF (40 messages + 3-page PDF resume): %d in %.2fs = %.0f profiles/s "
           "(%.0f per CPU second; target >= 200)\n", n, tf, n / tf, n / cf);
    printf("  baseline (the resume's 3 pages alone):         %.0f profiles/s (%.0f per CPU second); "
           "full profile costs %.2fx (%.2fx in CPU time)\n", n / tb, n / cb, tf / tb, cf / cb);
    printf("  two renderers at once (2 cores):                %.0f profiles/s (%.2fx one)\n",
           n / tp, tf / tp);
    printf("  as a push renders (a fresh child process each): %.0f profiles/s, %.1f ms each\n",
           n_child / tc, tc * 1000 / n_child);
    printf("  profile size %zu KiB; peak RSS %ld MiB after %d profiles\n", bytes / 1024,
           ru.ru_maxrss / 1024, 3 * n + 3);
    free(resume);
    return 0;
}

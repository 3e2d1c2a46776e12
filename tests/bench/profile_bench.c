/* make bench, part 2: profile PDFs per second for a candidate with a
 * 40-message transcript and a 3-page PDF resume, with peak RSS; the
 * baseline, measured in the same run, renders a profile holding only the
 * resume's pages (the part no layout work can avoid). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cands/profile.h"
#include "base/util.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
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
    /* A third argument renders only that case COUNT times after the
     * warm-up, for instruction counts: valgrind --tool=callgrind
     * profile_bench R.pdf 1 full, then 21 full; the difference / 20 is
     * the cost of one profile, free of start-up and wall-clock noise. */
    if (argc != 3 && !(argc == 4 && (!strcmp(argv[3], "full") || !strcmp(argv[3], "base")))) {
        fprintf(stderr, "usage: profile_bench RESUME.pdf COUNT [full|base]\n");
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
    if (argc == 4) {
        run(!strcmp(argv[3], "full") ? &full : &base, n, &bytes);
        free(resume);
        return 0;
    }
    double tb = run(&base, n, &base_bytes);
    double tf = run(&full, n, &bytes);
    double tp = run_parallel(&full, n, 2);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  profile PDF (40 messages + 3-page PDF resume): %d in %.2fs = %.0f profiles/s (target >= 200)\n",
           n, tf, n / tf);
    printf("  baseline (the resume's 3 pages alone):         %.0f profiles/s; full profile costs %.2fx\n",
           n / tb, tf / tb);
    printf("  two renderers at once (2 cores):                %.0f profiles/s (%.2fx one)\n",
           n / tp, tf / tp);
    printf("  profile size %zu KiB; peak RSS %ld MiB after %d profiles\n", bytes / 1024,
           ru.ru_maxrss / 1024, 3 * n + 3);
    free(resume);
    return 0;
}

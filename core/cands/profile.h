/* The candidate profile PDF pushed to the ATS as the resume: name and
 * contact details, the link back, the 1-5 star assessment with its summary,
 * the whole screening transcript, then the full resume (a text resume
 * typeset, a PDF resume appended page for page).  cairo + pango lay out our
 * pages; qpdf appends the resume's own pages, copied as they are. */
#ifndef ATSB_CORE_PROFILE_H
#define ATSB_CORE_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "atsbridge/connector.h"
#include "base/config.h"

typedef struct profile_message {
    const char *from;
    int64_t at;              /* epoch seconds, 0 unknown */
    const char *text;
} profile_message;

typedef struct profile_input {
    const char *first_name, *last_name, *email, *phone, *profile_url;
    const char *job_title;   /* may be NULL */
    const char *source_name; /* "FactoryFix" */
    int stars;               /* 1..5, 0 none */
    const char *summary;
    const profile_message *transcript;
    size_t transcript_count;
    const char *resume_text;                 /* or: */
    const unsigned char *resume_pdf;
    size_t resume_pdf_len;
} profile_input;

/* What a resume PDF may be before qpdf is asked to handle it, and what the
 * child process doing the work may use (docs/candidates.md, "Limits"). */
typedef struct profile_limits {
    size_t max_resume_bytes;  /* profile.max_resume_mb */
    long max_pages;           /* profile.max_resume_pages */
    long max_tree_depth;      /* profile.max_page_tree_depth */
    long max_objects;         /* profile.max_pdf_objects */
    uint64_t max_inflated;    /* profile.max_inflate_mb: all Flate streams, decoded */
    long memory_mb;           /* profile.max_memory_mb: the child's address space */
    long timeout_s;           /* profile.timeout_s: the child's wall clock and CPU */
} profile_limits;

/* The built-in defaults (those of conf/atsbridge.conf). */
void profile_limits_default(profile_limits *lim);
void profile_limits_from_config(const config *cfg, profile_limits *lim);

/* Check that bytes are a PDF we will put into a profile: within the size,
 * decompressed-size, object-count, page-count and page-tree-depth limits
 * (lim NULL: the defaults), readable by qpdf, with pages; count in *pages
 * (may be NULL).  Walks the page tree itself, iteratively, before asking
 * qpdf for the page list, whose walk is recursive.  In-process and
 * fork-free, so a fuzzer can call it directly; the refusal in err->message
 * reads after "the resume is", e.g. "a PDF of more than 500 pages (limit:
 * profile.max_resume_pages)". */
int profile_check_pdf(const unsigned char *data, size_t len, const profile_limits *lim,
                      int *pages, atsb_error *err);

/* Render in this process; *out is malloc'd PDF bytes.  The resume PDF is
 * not checked here: callers holding untrusted bytes use profile_render.
 * Text no installed font can draw is drawn as boxes and logged (a warning
 * naming the candidate by email, the part of the profile and the script); the PDF
 * has bookmarks for the assessment, the transcript and the resume, and
 * title, subject, keywords (the job) and creation date. */
int profile_render_pdf(const profile_input *in, unsigned char **out, size_t *len,
                       atsb_error *err);

/* The bounded forms, for untrusted resumes (intake, the push, `candidates
 * show --pdf`): the same work in a child process (this executable's
 * internal `__profile-child` command) under profile.max_memory_mb and
 * profile.timeout_s, so a hostile PDF that crashes qpdf, loops or
 * allocates without end costs one refused resume or one dead letter,
 * never the daemon.  Errors: the check's refusal (ATSB_ERR_PERMANENT), or
 * "profile render crashed with SIGSEGV" / "... exceeded 512 MiB of memory
 * (profile.max_memory_mb)" (permanent) / "... took longer than 30 s
 * (profile.timeout_s)" (transient). */
int profile_check_resume(const config *cfg, const unsigned char *data, size_t len, int *pages,
                         atsb_error *err);
int profile_render(const config *cfg, const profile_input *in, unsigned char **out,
                   size_t *len, atsb_error *err);

/* `atsbridge __profile-child`: reads one job on stdin, writes the result
 * on stdout; returns the exit status. */
int profile_child_main(void);

/* The allocator policy of the render child (profile_child_main sets it;
 * so does the bench, which renders as the child does): freed memory is
 * kept up to 16 MiB instead of 128 KiB before it goes back to the system.
 * cairo opens a zlib stream per PDF stream (about 250 KiB, freed at its
 * end), and with glibc's default each one was returned and faulted in
 * again: about 180 page faults, a tenth of the wall time, per profile. */
void profile_malloc_policy(void);

#endif

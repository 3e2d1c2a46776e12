/* One intake record: parsed from JSON and validated in full, without the
 * store (see docs/candidates.md for the schema and the limits).  Used by
 * cand_import and cand_record_validate. */
#ifndef ATSB_CORE_CAND_RECORD_H
#define ATSB_CORE_CAND_RECORD_H

#include <json-c/json.h>
#include <stddef.h>

#include "base/config.h"

/* Limits, in bytes of UTF-8 unless said (docs/candidates.md).  The
 * transcript, summary and a text resume are typeset into the profile PDF on
 * every push, so their sizes bound the render's time and memory.  Pango's
 * cost grows faster than linearly with the length of a run it cannot break
 * (one 16 MB message: 11 s and 2 GB; one 128 KiB unbroken resume line:
 * 10 s), so single messages and resume lines are capped, not only totals.
 * Ids follow the SDK's ATSB_REMOTE_ID_MAX. */
#define CAND_MAX_NAME        200      /* first_name, last_name, org */
#define CAND_MAX_EMAIL       254      /* RFC 5321's longest address */
#define CAND_MAX_PHONE       50
#define CAND_MAX_URL         2048     /* profile_url */
#define CAND_MAX_SUMMARY     4096     /* assessment.summary */
#define CAND_MAX_MESSAGES    500      /* transcript entries */
#define CAND_MAX_MESSAGE     4096     /* one message's text */
#define CAND_MAX_FROM        100      /* one message's speaker */
#define CAND_MAX_TRANSCRIPT  131072   /* all speakers and texts together */
#define CAND_MAX_RESUME_TEXT 65536    /* a text resume (inline or file) */
#define CAND_MAX_RESUME_LINE 4096     /* one line (paragraph) of it */
#define CAND_MAX_RESUME      (20 * 1024 * 1024) /* a PDF resume, appended as is */
#define CAND_MAX_PATH        1024     /* resume.path */

/* Why intake refuses a record without email (and the push holds an older
 * row without one). */
#define CAND_EMAIL_REQUIRED                                                          \
    "required: it is the key every connector uses to find a candidate already "     \
    "pushed, so a retry never creates a duplicate"

typedef struct cand_rec {
    /* Strings point into the parsed JSON (or the id buffers): valid while
     * the json_object given to cand_rec_parse lives. */
    const char *id, *org, *job, *first, *last, *email, *phone, *status, *profile_url;
    char id_buf[64], job_buf[64];
    json_object *data;          /* {"assessment":..., "transcript":[...]} (owned) */
    int has_resume;
    char *resume;               /* bytes (owned) */
    size_t resume_len;
    char resume_name[256];
    const char *resume_mime;
} cand_rec;

/* Where resume.path may point. */
typedef struct cand_rec_opts {
    int resume_dirfd;            /* the resume directory, open; -1: paths refused */
    const char *resume_dir;      /* as configured (messages, absolute paths) */
    const char *resume_dir_real; /* its realpath (absolute paths) */
    int no_files;                /* validation only: check resume.path's form, read nothing */
    const config *cfg;           /* the resume limits; NULL: defaults, checked in-process */
} cand_rec_opts;

/* Parse o into r (zeroed first); 0 ok, -1 with "field F: why" in why.
 * Call cand_rec_free either way. */
int cand_rec_parse(json_object *o, const cand_rec_opts *opts, cand_rec *r, char *why, size_t wn);
void cand_rec_free(cand_rec *r);

#endif

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

/* Render; *out is malloc'd PDF bytes. */
int profile_render_pdf(const profile_input *in, unsigned char **out, size_t *len,
                       atsb_error *err);
/* Check that bytes are a readable PDF with pages; count in *pages. */
int profile_check_pdf(const unsigned char *data, size_t len, int *pages, atsb_error *err);

#endif

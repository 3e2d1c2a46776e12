/* The resume validator: what a candidate's PDF may be before it reaches
 * qpdf's recursive code.  Kept apart from the layout code so a fuzz target
 * can link it alone (profile_check_pdf never forks, never exits). */
#include "cands/profile.h"

#include <qpdf/qpdf-c.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/child.h"
#include "base/util.h"

void profile_limits_default(profile_limits *lim)
{
    lim->max_resume_bytes = (size_t)20 << 20;
    lim->max_pages = 500;
    lim->max_tree_depth = 64;
    lim->max_objects = 250000;
    lim->max_inflated = (uint64_t)512 << 20;
    lim->memory_mb = 512;
    lim->timeout_s = 30;
}

void profile_limits_from_config(const config *cfg, profile_limits *lim)
{
    lim->max_resume_bytes = (size_t)cfg->profile_max_resume_mb << 20;
    lim->max_pages = cfg->profile_max_pages;
    lim->max_tree_depth = cfg->profile_max_tree_depth;
    lim->max_objects = cfg->profile_max_objects;
    lim->max_inflated = (uint64_t)cfg->profile_max_inflate_mb << 20;
    lim->memory_mb = cfg->profile_max_memory_mb;
    lim->timeout_s = cfg->profile_timeout_s;
}

/* Decode every Flate stream of the file, keeping nothing, and refuse when
 * together they expand past the limit.  A raw scan, because qpdf decodes
 * cross-reference streams while it reads the file and object streams as
 * soon as one of their objects is looked at, each into one buffer: a
 * 2 MB object stream of zeros is 2 GB of memory before we could ask
 * anything.  Counting every stream (which streams are object streams
 * cannot be told reliably without parsing) keeps the scan simple; the
 * limit leaves room for images.  Best effort: other filters are not
 * decoded here; the child process's memory limit bounds them. */
static int scan_streams(const unsigned char *data, size_t len, uint64_t cap, atsb_error *err)
{
    static const char KW[] = "stream";
    unsigned char sink[65536];
    uint64_t total = 0;
    const unsigned char *p = data, *end = data + len;
    while (p < end) {
        const unsigned char *hit = memmem(p, (size_t)(end - p), KW, sizeof(KW) - 1);
        if (!hit)
            break;
        const unsigned char *q = hit + sizeof(KW) - 1;
        p = q;
        if (hit - data >= 3 && !memcmp(hit - 3, "end", 3))
            continue;
        if (q < end && *q == '\r')
            q++;
        if (q >= end || *q != '\n') {
            if (q == p) /* "stream" must end its line */
                continue;
        } else {
            q++;
        }
        z_stream zs;
        memset(&zs, 0, sizeof(zs));
        if (inflateInit(&zs) != Z_OK)
            return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
        size_t avail = (size_t)(end - q);
        zs.next_in = (Bytef *)(uintptr_t)q;
        zs.avail_in = avail > UINT32_MAX ? UINT32_MAX : (uInt)avail;
        int zr;
        do {
            zs.next_out = sink;
            zs.avail_out = sizeof(sink);
            zr = inflate(&zs, Z_NO_FLUSH);
            total += sizeof(sink) - zs.avail_out;
            if (total > cap) {
                inflateEnd(&zs);
                return err_set(err, ATSB_ERR_PERMANENT,
                               "a PDF whose compressed streams expand to more than %llu MiB "
                               "(limit: profile.max_inflate_mb)",
                               (unsigned long long)(cap >> 20));
            }
        } while (zr == Z_OK);
        /* Not zlib data (most "stream" hits in other streams' bytes) fails
         * at the header; real data is skipped once decoded. */
        p = q + zs.total_in;
        inflateEnd(&zs);
    }
    return ATSB_OK;
}

/* Object ids seen in the page tree: an open-addressing set. */
typedef struct idset {
    int *slots;
    size_t cap, n;
} idset;

static int idset_add(idset *s, int id) /* 1 added, 0 present, -1 OOM */
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        int *slots = calloc(cap, sizeof(*slots));
        if (!slots)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->slots[i])
                continue;
            size_t h = ((size_t)s->slots[i] * 2654435761u) & (cap - 1);
            while (slots[h])
                h = (h + 1) & (cap - 1);
            slots[h] = s->slots[i];
        }
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    size_t h = ((size_t)id * 2654435761u) & (s->cap - 1);
    while (s->slots[h]) {
        if (s->slots[h] == id)
            return 0;
        h = (h + 1) & (s->cap - 1);
    }
    s->slots[h] = id;
    s->n++;
    return 1;
}

typedef struct node {
    qpdf_oh oh;
    long depth;
} node;

/* Walk /Root /Pages depth first with an explicit stack: depth, page and
 * node counts are bounded before qpdf's own (recursive) walk runs.  A node
 * reached twice is refused: a loop, or a node shared by two parents, which
 * qpdf would "repair" by copying. */
static int walk_pages(qpdf_data q, const profile_limits *lim, long *pages, atsb_error *err)
{
    int rc = ATSB_OK;
    idset seen = { NULL, 0, 0 };
    node *stack = NULL;
    size_t n = 0, cap = 0;
    long visited = 0;
    *pages = 0;
    qpdf_oh root = qpdf_get_root(q);
    qpdf_oh top = qpdf_oh_get_key(q, root, "/Pages");
    qpdf_oh_release(q, root);
    if (!qpdf_oh_is_dictionary(q, top)) {
        qpdf_oh_release(q, top);
        return err_set(err, ATSB_ERR_PERMANENT, "a PDF without a page tree");
    }
    cap = 64;
    if (!(stack = malloc(cap * sizeof(*stack)))) {
        qpdf_oh_release(q, top);
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    }
    stack[n++] = (node){ top, 1 };
    while (n) {
        node cur = stack[--n];
        if (cur.depth > lim->max_tree_depth) {
            rc = err_set(err, ATSB_ERR_PERMANENT,
                         "a PDF whose page tree is more than %ld levels deep "
                         "(limit: profile.max_page_tree_depth)", lim->max_tree_depth);
        } else if (++visited > lim->max_objects) {
            rc = err_set(err, ATSB_ERR_PERMANENT,
                         "a PDF of more than %ld objects (limit: profile.max_pdf_objects)",
                         lim->max_objects);
        } else if (qpdf_oh_is_indirect(q, cur.oh)) {
            int added = idset_add(&seen, qpdf_oh_get_object_id(q, cur.oh));
            if (added < 0)
                rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
            else if (!added)
                rc = err_set(err, ATSB_ERR_PERMANENT,
                             "a PDF whose page tree reaches object %d twice (a loop?)",
                             qpdf_oh_get_object_id(q, cur.oh));
        }
        if (rc) {
            qpdf_oh_release(q, cur.oh);
            break;
        }
        qpdf_oh kids = qpdf_oh_get_key(q, cur.oh, "/Kids");
        if (qpdf_oh_is_array(q, kids)) {
            int k = qpdf_oh_get_array_n_items(q, kids);
            if (k > lim->max_objects - visited) {
                rc = err_set(err, ATSB_ERR_PERMANENT,
                             "a PDF of more than %ld objects (limit: profile.max_pdf_objects)",
                             lim->max_objects);
            } else if (n + (size_t)k > cap) {
                size_t ncap = (n + (size_t)k) * 2;
                node *g = realloc(stack, ncap * sizeof(*g));
                if (!g)
                    rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
                else {
                    stack = g;
                    cap = ncap;
                }
            }
            /* Pushed last to first, so pages are counted in order. */
            for (int i = k - 1; !rc && i >= 0; i--) {
                qpdf_oh kid = qpdf_oh_get_array_item(q, kids, i);
                if (qpdf_oh_is_dictionary(q, kid))
                    stack[n++] = (node){ kid, cur.depth + 1 };
                else
                    qpdf_oh_release(q, kid);
            }
        } else if (++*pages > lim->max_pages) {
            rc = err_set(err, ATSB_ERR_PERMANENT,
                         "a PDF of more than %ld pages (limit: profile.max_resume_pages)",
                         lim->max_pages);
        }
        qpdf_oh_release(q, kids);
        qpdf_oh_release(q, cur.oh);
        if (rc)
            break;
    }
    while (n)
        qpdf_oh_release(q, stack[--n].oh);
    free(stack);
    free(seen.slots);
    return rc;
}

/* qpdf turns a failed allocation while decoding a stream into a warning
 * and the objects in it into nulls, so the refusal would blame the file
 * ("without a page tree") for what was our memory limit. */
static int qpdf_ran_out_of_memory(qpdf_data q)
{
    int oom = 0;
    while (qpdf_more_warnings(q)) {
        qpdf_error w = qpdf_next_warning(q);
        if (w && child_text_is_oom(qpdf_get_error_full_text(q, w)))
            oom = 1;
    }
    return oom;
}

static int qpdf_refusal(qpdf_data q, const char *what, atsb_error *err)
{
    qpdf_error e = qpdf_get_error(q);
    const char *detail = e ? qpdf_get_error_full_text(q, e) : "unknown error";
    return err_set(err, ATSB_ERR_PERMANENT, "%s: %s", what, detail);
}

int profile_check_pdf(const unsigned char *data, size_t len, const profile_limits *lim,
                      int *pages, atsb_error *err)
{
    profile_limits def;
    if (!lim) {
        profile_limits_default(&def);
        lim = &def;
    }
    if (len > lim->max_resume_bytes)
        return err_set(err, ATSB_ERR_PERMANENT, "a PDF larger than %zu MiB (limit: profile.max_resume_mb)",
                       lim->max_resume_bytes >> 20);
    int rc = scan_streams(data, len, lim->max_inflated, err);
    if (rc)
        return rc;
    qpdf_data q = qpdf_init();
    qpdf_silence_errors(q);
    qpdf_set_suppress_warnings(q, QPDF_TRUE);
    if (qpdf_read_memory(q, "resume", (const char *)data, (unsigned long long)len, NULL) &
        QPDF_ERRORS) {
        rc = qpdf_refusal(q, "not a readable PDF", err);
        goto done;
    }
    /* The declared object count, before anything walks the objects. */
    qpdf_oh trailer = qpdf_get_trailer(q);
    qpdf_oh size = qpdf_oh_get_key(q, trailer, "/Size");
    long long declared = qpdf_oh_is_integer(q, size) ? qpdf_oh_get_int_value(q, size) : 0;
    qpdf_oh_release(q, size);
    qpdf_oh_release(q, trailer);
    if (declared > lim->max_objects) {
        rc = err_set(err, ATSB_ERR_PERMANENT,
                     "a PDF of more than %ld objects (limit: profile.max_pdf_objects)",
                     lim->max_objects);
        goto done;
    }
    long counted = 0;
    if ((rc = walk_pages(q, lim, &counted, err)))
        goto done;
    /* Now bounded: qpdf's own walk, the list every later step uses. */
    int n = qpdf_get_num_pages(q);
    if (qpdf_has_error(q) || n < 0) {
        rc = qpdf_refusal(q, "a PDF without readable pages", err);
        goto done;
    }
    if (n < 1) {
        rc = err_set(err, ATSB_ERR_PERMANENT, "a PDF without pages");
        goto done;
    }
    if (pages)
        *pages = n;
done:
    if (rc && qpdf_ran_out_of_memory(q))
        rc = err_set(err, ATSB_ERR_PERMANENT, "a PDF that could not be read: out of memory");
    qpdf_cleanup(&q);
    return rc;
}

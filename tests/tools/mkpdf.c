/* mkpdf: PDFs for the tests.
 *
 *   mkpdf OUT.pdf PAGES "TEXT"      a PAGES-page PDF, each page saying
 *                                   "TEXT - page N": stands in for a
 *                                   candidate's own resume in tests and
 *                                   `make bench`, so its text can be searched
 *                                   for in the pushed profile.
 *   mkpdf --deep-tree OUT.pdf DEPTH one page under a page tree DEPTH levels
 *                                   deep (each /Pages node has one kid):
 *                                   20000 levels is ~2 MB and overflows the
 *                                   stack of a recursive page-tree walk.
 *   mkpdf --bomb OUT.pdf MIB        a valid one-page PDF whose page objects
 *                                   sit in an object stream (FlateDecode)
 *                                   that expands to MIB MiB, nearly all
 *                                   zeros, at about 1000:1: 2048 MiB from a
 *                                   2 MB file.
 *
 * The hostile files are written by hand (no library would produce them);
 * the deflate data of the bomb is hand-encoded too, see bomb(). */
#include <cairo-pdf.h>
#include <cairo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int cairo_resume(const char *out, long pages, const char *text)
{
    cairo_surface_t *s = cairo_pdf_surface_create(out, 595, 842); /* A4: not our Letter */
    cairo_t *cr = cairo_create(s);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    for (long p = 1; p <= pages; p++) {
        cairo_set_font_size(cr, 14);
        cairo_move_to(cr, 60, 80);
        char line[512];
        snprintf(line, sizeof(line), "%s - page %ld", text, p);
        cairo_show_text(cr, line);
        cairo_set_font_size(cr, 10);
        for (int i = 0; i < 40; i++) {
            cairo_move_to(cr, 60, 110 + i * 16);
            snprintf(line, sizeof(line), "Experience line %d: operated CNC lathes, read blueprints, held tolerances.", i + 1);
            cairo_show_text(cr, line);
        }
        cairo_show_page(cr);
    }
    cairo_destroy(cr);
    cairo_surface_finish(s);
    int bad = cairo_surface_status(s) != CAIRO_STATUS_SUCCESS;
    cairo_surface_destroy(s);
    return bad;
}

/* ---- hand-written PDFs: objects numbered 1..n, classic xref ---- */

typedef struct pdfw {
    FILE *f;
    long *offs;
    long n;
} pdfw;

static void obj_begin(pdfw *w, long num)
{
    w->offs[num] = ftell(w->f);
    fprintf(w->f, "%ld 0 obj\n", num);
}

static void finish_classic(pdfw *w, long n_objs)
{
    long xref = ftell(w->f);
    fprintf(w->f, "xref\n0 %ld\n0000000000 65535 f \n", n_objs + 1);
    for (long i = 1; i <= n_objs; i++)
        fprintf(w->f, "%010ld 00000 n \n", w->offs[i]);
    fprintf(w->f, "trailer\n<< /Size %ld /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", n_objs + 1, xref);
}

static const char CONTENT[] = "BT /F1 12 Tf 72 720 Td (hostile test file) Tj ET";

/* 1 catalog, 2..depth+1 /Pages nodes, then the page and its contents. */
static int deep_tree(const char *out, long depth)
{
    long page = depth + 2, contents = depth + 3, n = depth + 3;
    pdfw w = { fopen(out, "wb"), calloc((size_t)n + 1, sizeof(long)), n };
    if (!w.f || !w.offs)
        return 1;
    fprintf(w.f, "%%PDF-1.4\n");
    obj_begin(&w, 1);
    fprintf(w.f, "<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    for (long k = 2; k <= depth + 1; k++) {
        obj_begin(&w, k);
        if (k == 2)
            fprintf(w.f, "<< /Type /Pages /Kids [%ld 0 R] /Count 1 >>\nendobj\n", k + 1);
        else
            fprintf(w.f, "<< /Type /Pages /Parent %ld 0 R /Kids [%ld 0 R] /Count 1 >>\nendobj\n",
                    k - 1, k + 1);
    }
    obj_begin(&w, page);
    fprintf(w.f, "<< /Type /Page /Parent %ld 0 R /MediaBox [0 0 612 792] /Contents %ld 0 R >>\nendobj\n",
            depth + 1, contents);
    obj_begin(&w, contents);
    fprintf(w.f, "<< /Length %zu >>\nstream\n%s\nendstream\nendobj\n", strlen(CONTENT), CONTENT);
    finish_classic(&w, n);
    int bad = ferror(w.f) != 0;
    bad |= fclose(w.f) != 0;
    free(w.offs);
    return bad;
}

/* ---- the bomb: deflate written bit by bit ---- */

typedef struct bits {
    FILE *f;
    unsigned acc;
    int n;
} bits;

static void put_bits(bits *b, unsigned v, int n) /* LSB first: headers, extra bits */
{
    for (int i = 0; i < n; i++) {
        b->acc |= ((v >> i) & 1u) << b->n;
        if (++b->n == 8) {
            fputc((int)b->acc, b->f);
            b->acc = 0;
            b->n = 0;
        }
    }
}

static void put_code(bits *b, unsigned code, int len) /* Huffman codes: MSB first */
{
    for (int i = len - 1; i >= 0; i--)
        put_bits(b, (code >> i) & 1u, 1);
}

static void fixed_literal(bits *b, unsigned char c)
{
    if (c < 144)
        put_code(b, 0x30u + c, 8);
    else
        put_code(b, 0x190u + (c - 144u), 9);
}

/* A zlib stream decoding to `head` followed by `zeros` zero bytes.
 * Block 1 (fixed Huffman) carries `head` and one literal zero.  Block 2
 * (dynamic Huffman) has a literal/length code in which "length 258" is one
 * bit long and a distance code in which "distance 1" is one bit long, so
 * each 258 zeros cost 2 bits: 1032:1. */
static void deflate_bomb(FILE *f, const char *head, size_t head_len, uint64_t runs)
{
    bits b = { f, 0, 0 };
    fputc(0x78, f); /* zlib header: deflate, 32K window, no dictionary */
    fputc(0x01, f);
    put_bits(&b, 0, 1); /* not final */
    put_bits(&b, 1, 2); /* fixed Huffman */
    for (size_t i = 0; i < head_len; i++)
        fixed_literal(&b, (unsigned char)head[i]);
    fixed_literal(&b, 0);
    put_code(&b, 0, 7); /* end of block (256) */
    put_bits(&b, 1, 1); /* final */
    put_bits(&b, 2, 2); /* dynamic Huffman */
    put_bits(&b, 29, 5); /* HLIT: 286 literal/length codes */
    put_bits(&b, 0, 5);  /* HDIST: 1 distance code */
    put_bits(&b, 14, 4); /* HCLEN: 18 code-length codes */
    /* Code-length code lengths, in the order RFC 1951 gives:
     * 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1 -> 18:1, 2:2, 1:2. */
    static const unsigned cl[18] = { 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2 };
    for (int i = 0; i < 18; i++)
        put_bits(&b, cl[i], 3);
    /* Canonical codes: 18 -> 0, 1 -> 10, 2 -> 11. Lengths: literal 0: 2,
     * 1..255: 0, 256 (end): 2, 257..284: 0, 285 (length 258): 1, distance 0: 1. */
    put_code(&b, 3, 2);                     /* 2 */
    put_code(&b, 0, 1); put_bits(&b, 127, 7); /* 138 zeros */
    put_code(&b, 0, 1); put_bits(&b, 106, 7); /* 117 zeros */
    put_code(&b, 3, 2);                     /* 2 */
    put_code(&b, 0, 1); put_bits(&b, 17, 7);  /* 28 zeros */
    put_code(&b, 2, 2);                     /* 1 */
    put_code(&b, 2, 2);                     /* 1 (distance code 0) */
    /* Literal/length codes: 285 -> 0, 0 -> 10, 256 -> 11; distance 0 -> 0.
     * Each run is "length 258, distance 1": two zero bits. */
    uint64_t bitsleft = runs * 2;
    while (bitsleft && b.n) {
        put_bits(&b, 0, 1);
        bitsleft--;
    }
    static const unsigned char zero[65536];
    while (bitsleft >= 8 * sizeof(zero)) {
        fwrite(zero, 1, sizeof(zero), f);
        bitsleft -= 8 * sizeof(zero);
    }
    while (bitsleft--)
        put_bits(&b, 0, 1);
    put_code(&b, 3, 2); /* end of block */
    if (b.n)
        put_bits(&b, 0, 8 - b.n);
    /* Adler-32 of head, the literal zero and the runs: zeros leave A
     * alone and add A to B once per byte. */
    uLong ad = adler32(1L, (const Bytef *)head, (uInt)head_len);
    uint64_t a = ad & 0xffff, s2 = (ad >> 16) & 0xffff;
    uint64_t z = 1 + runs * 258;
    s2 = (s2 + (z % 65521) * a) % 65521;
    uint32_t sum = (uint32_t)(s2 << 16 | a);
    for (int i = 3; i >= 0; i--)
        fputc((int)((sum >> (8 * i)) & 0xff), f);
}

/* 1 catalog; 2 pages and 3 page inside 4, the object stream; 5 contents;
 * 6 the cross-reference stream (object streams need one). */
static int bomb(const char *out, long mib)
{
    const char *o2 = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>\n";
    const char *o3 = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R >>\n";
    char head[512];
    char index[64];
    int il = snprintf(index, sizeof(index), "2 0 3 %zu\n", strlen(o2));
    int hl = snprintf(head, sizeof(head), "%s%s%s", index, o2, o3);
    uint64_t runs = ((uint64_t)mib << 20) / 258 + 1;
    long offs[7] = { 0 };
    FILE *f = fopen(out, "wb");
    if (!f)
        return 1;
    fprintf(f, "%%PDF-1.5\n");
    offs[1] = ftell(f);
    fprintf(f, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    /* The stream's length is only known after writing it: an indirect
     * /Length would do, but a fixed-width number patched later is simpler. */
    offs[4] = ftell(f);
    fprintf(f, "4 0 obj\n<< /Type /ObjStm /N 2 /First %d /Filter /FlateDecode /Length ", il);
    long len_at = ftell(f);
    fprintf(f, "0000000000 >>\nstream\n");
    long start = ftell(f);
    deflate_bomb(f, head, (size_t)hl, runs);
    long len = ftell(f) - start;
    fprintf(f, "\nendstream\nendobj\n");
    offs[5] = ftell(f);
    fprintf(f, "5 0 obj\n<< /Length %zu >>\nstream\n%s\nendstream\nendobj\n", strlen(CONTENT), CONTENT);
    offs[6] = ftell(f);
    /* Entries: type (1 byte), offset or object stream (4), index or gen (2). */
    unsigned char xr[7][7];
    memset(xr, 0, sizeof(xr));
    long field2[7] = { 0, offs[1], 4, 4, offs[4], offs[5], offs[6] };
    int type[7] = { 0, 1, 2, 2, 1, 1, 1 }, field3[7] = { 65535, 0, 0, 1, 0, 0, 0 };
    for (int i = 0; i < 7; i++) {
        xr[i][0] = (unsigned char)type[i];
        for (int k = 0; k < 4; k++)
            xr[i][1 + k] = (unsigned char)((unsigned long)field2[i] >> (8 * (3 - k)));
        xr[i][5] = (unsigned char)(field3[i] >> 8);
        xr[i][6] = (unsigned char)field3[i];
    }
    fprintf(f, "6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %zu >>\nstream\n",
            sizeof(xr));
    fwrite(xr, 1, sizeof(xr), f);
    fprintf(f, "\nendstream\nendobj\nstartxref\n%ld\n%%%%EOF\n", offs[6]);
    fseek(f, len_at, SEEK_SET);
    fprintf(f, "%010ld", len);
    int bad = ferror(f) != 0;
    bad |= fclose(f) != 0;
    return bad;
}

static long number(const char *s, long min, long max)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    return (end == s || *end || v < min || v > max) ? -1 : v;
}

int main(int argc, char **argv)
{
    if (argc == 4 && argv[1][0] == '-') {
        long v = number(argv[3], 1, 10000000);
        if (v < 0) {
            fprintf(stderr, "mkpdf: %s: expected a number 1..10000000\n", argv[3]);
            return 2;
        }
        if (!strcmp(argv[1], "--deep-tree"))
            return deep_tree(argv[2], v);
        if (!strcmp(argv[1], "--bomb"))
            return bomb(argv[2], v);
    }
    if (argc != 4 || argv[1][0] == '-') {
        fprintf(stderr, "usage: mkpdf OUT.pdf PAGES TEXT\n"
                        "       mkpdf --deep-tree OUT.pdf DEPTH\n"
                        "       mkpdf --bomb OUT.pdf MIB\n");
        return 2;
    }
    long pages = number(argv[2], 1, 1000);
    if (pages < 0) {
        fprintf(stderr, "mkpdf: PAGES must be 1..1000\n");
        return 2;
    }
    return cairo_resume(argv[1], pages, argv[3]);
}

/* mkpdf OUT.pdf PAGES "TEXT": a test PDF of PAGES pages, each saying
 * "TEXT - page N".  Stands in for a candidate's own PDF resume in tests and
 * `make bench`, so their text can be searched for in the pushed profile. */
#include <cairo-pdf.h>
#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: mkpdf OUT.pdf PAGES TEXT\n");
        return 2;
    }
    char *end = NULL;
    long pages = strtol(argv[2], &end, 10);
    if (*end || pages < 1 || pages > 1000) {
        fprintf(stderr, "mkpdf: PAGES must be 1..1000\n");
        return 2;
    }
    cairo_surface_t *s = cairo_pdf_surface_create(argv[1], 595, 842); /* A4: not our Letter */
    cairo_t *cr = cairo_create(s);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    for (long p = 1; p <= pages; p++) {
        cairo_set_font_size(cr, 14);
        cairo_move_to(cr, 60, 80);
        char line[512];
        snprintf(line, sizeof(line), "%s - page %ld", argv[3], p);
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

#include "base/taskmark.h"

#include <stddef.h>

/* Only the isolated child attaches one, and it runs one task on one
 * thread: no locking. */
static volatile taskmark_page *g_page;

void taskmark_attach(volatile taskmark_page *page)
{
    g_page = page;
}

void taskmark_op(const char *op)
{
    if (!g_page)
        return;
    size_t i = 0;
    for (; op && op[i] && i + 1 < sizeof(g_page->op); i++)
        g_page->op[i] = op[i];
    g_page->op[i] = '\0';
}

void taskmark_push(int64_t push_id)
{
    if (g_page)
        g_page->push_id = push_id;
}

/* grid.c - a run seen by test: each test once, with its case at each SMI version. */
#include "reporters/grid.h"

#include <stdlib.h>
#include <string.h>

#include "reporters/model.h"

size_t sc_grid_column(const struct sc_grid *g, const char *version)
{
    size_t k = 0;
    while (k < g->nversions && strcmp(g->versions[k], version) != 0)
        k++;
    return k;
}

size_t sc_grid_find(const struct sc_grid *g, const char *test)
{
    size_t i = 0;
    while (i < g->nrows && strcmp(g->rows[i].test, test) != 0)
        i++;
    return i;
}

void sc_grid_init(struct sc_grid *g, const struct sc_run *r)
{
    const char **areas;
    size_t nareas = sc_report_areas(r, &areas);

    memset(g, 0, sizeof(*g));
    g->nversions = sc_report_versions(r, NULL, &g->versions);
    g->rows = calloc(r->ncases ? r->ncases : 1, sizeof(*g->rows));
    if (g->rows == NULL)
        abort();
    for (size_t a = 0; a < nareas; a++)
        for (size_t i = 0; i < r->ncases; i++) {
            const struct sc_case *c = &r->cases[i];
            if (strcmp(c->area, areas[a]) != 0)
                continue;
            size_t row = sc_grid_find(g, c->test);
            if (row == g->nrows) {
                g->rows[row].test = c->test;
                g->rows[row].area = c->area;
                g->rows[row].cases = calloc(g->nversions ? g->nversions : 1, sizeof(void *));
                if (g->rows[row].cases == NULL)
                    abort();
                g->nrows++;
            }
            size_t col = sc_grid_column(g, c->version);
            /* a second case of the same test and version (not written by the runner): the
             * first one stands */
            if (g->rows[row].cases[col] == NULL)
                g->rows[row].cases[col] = c;
        }
    free(areas);
}

void sc_grid_release(struct sc_grid *g)
{
    for (size_t i = 0; i < g->nrows; i++)
        free(g->rows[i].cases);
    free(g->rows);
    free(g->versions);
    memset(g, 0, sizeof(*g));
}

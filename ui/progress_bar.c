/* progress_bar.c: see progress_bar.h. */
#include "progress_bar.h"

#include <stdio.h>
#include <unistd.h>

void progress_bar_init(ProgressBar *p, const char *label, const char *unit)
{
    p->label = label;
    p->unit = unit;
    p->tty = isatty(fileno(stderr));
    p->shown = -1;
}

void progress_bar_update(void *ctx, int64_t done, int64_t total)
{
    ProgressBar *p = ctx;
    int pct = total > 0 ? (int)(done * 100 / total) : 100;
    if (!p->tty || pct == p->shown)
        return;
    p->shown = pct;
    char bar[41];
    int fill = pct * 40 / 100;
    for (int i = 0; i < 40; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[40] = '\0';
    fprintf(stderr, "\r%s [%s] %3d%% %lld/%lld %s", p->label, bar, pct, (long long)done,
            (long long)total, p->unit);
    if (done >= total)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

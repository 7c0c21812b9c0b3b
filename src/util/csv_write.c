/*
 * csv_write.c: CSV fields and rows over stdio; see csv_write.h.
 * Not here: parsing.
 */
#include "util/csv_write.h"

#include <csv.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

void csvw_init(CsvWriter *w, FILE *fp)
{
    w->fp = fp;
    w->fields = 0;
    w->errnum = 0;
}

/* Keeps the errno of the first failure (callers zero errno before the write). */
static void csvw_check(CsvWriter *w, int failed)
{
    if (failed && !w->errnum)
        w->errnum = errno ? errno : EIO;
}

/* The separator before every field but a row's first. */
static void csvw_sep(CsvWriter *w)
{
    if (w->fields++ > 0) {
        errno = 0;
        csvw_check(w, fputc(',', w->fp) == EOF);
    }
}

static int csvw_needs_quotes(const char *s)
{
    size_t n = strlen(s);
    if (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        return 1;
    return strpbrk(s, ",\"\r\n") != NULL;
}

void csvw_str(CsvWriter *w, const char *s)
{
    csvw_sep(w);
    if (!s || !*s)
        return;
    errno = 0;
    if (csvw_needs_quotes(s))
        csvw_check(w, csv_fwrite(w->fp, s, strlen(s)) != 0);
    else
        csvw_check(w, fputs(s, w->fp) == EOF);
}

void csvw_int(CsvWriter *w, int64_t v)
{
    csvw_sep(w);
    errno = 0;
    csvw_check(w, fprintf(w->fp, "%" PRId64, v) < 0);
}

void csvw_real(CsvWriter *w, double v)
{
    csvw_sep(w);
    if (isnan(v))
        return;
    errno = 0;
    csvw_check(w, fprintf(w->fp, "%.9g", v) < 0);
}

void csvw_empty(CsvWriter *w)
{
    csvw_sep(w);
}

void csvw_end_row(CsvWriter *w)
{
    errno = 0;
    csvw_check(w, fputc('\n', w->fp) == EOF);
    w->fields = 0;
}

int csvw_error(const CsvWriter *w)
{
    if (w->errnum)
        return w->errnum;
    return ferror(w->fp) ? EIO : 0;
}

/*
 * csv_write.h: writing CSV rows (SPEC 8's export files) over a FILE*.
 *
 * Fields are separated by ',' and rows end in "\n". A text field is quoted
 * (through libcsv's csv_fwrite, which doubles inner quotes) only when it
 * holds a comma, a quote, CR or LF, or starts or ends with a space or tab
 * (which readers may trim); other text is written as is, so headers read as
 * the literal column names. Integers are decimal. Reals are "%.9g": at
 * least 6 significant digits as SPEC 8 asks, and a float round-trips
 * exactly. A missing value (NaN real, NULL text) is an empty field: rates
 * are fractions in [0, 1], so no sentinel number could be mistaken for one;
 * infinities are written as "inf" / "-inf" (strtod reads them back).
 *
 * Errors: the first failed write's errno is kept (csvw_error); later calls
 * still try to write. Buffered stdio may only fail at the flush, so the
 * atomic commit (ferror) is the final check; copy csvw_error into
 * AtomicFile.errnum for its message.
 *
 * Not here: reading CSV (data/csv_import), which columns a file has.
 */
#ifndef MOESPEC_UTIL_CSV_WRITE_H
#define MOESPEC_UTIL_CSV_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct CsvWriter {
    FILE *fp;
    int fields; /* fields written in the current row */
    int errnum; /* errno of the first failed write, 0 while all went well */
} CsvWriter;

void csvw_init(CsvWriter *w, FILE *fp);
void csvw_str(CsvWriter *w, const char *s); /* NULL: empty field */
void csvw_int(CsvWriter *w, int64_t v);
void csvw_real(CsvWriter *w, double v);     /* NaN: empty field */
void csvw_empty(CsvWriter *w);
void csvw_end_row(CsvWriter *w);
/* errno of the first failed write (also when the stream shows ferror), 0 if none. */
int csvw_error(const CsvWriter *w);

#endif

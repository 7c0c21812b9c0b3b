/* gemm_log.c: the armed log of logical GEMMs; see gemm_log.h. */
#include "nn/gemm_log.h"

GemmShape *gemm_log_buf_;
static size_t log_cap;  /* entries buf holds */
static size_t log_seen; /* entries logged since begin, stored or not */

void gemm_log_begin(GemmShape *buf, size_t cap)
{
    log_cap = cap;
    log_seen = 0;
    gemm_log_buf_ = buf;
}

size_t gemm_log_end(void)
{
    size_t n = log_seen; /* 0 when no log was armed */
    gemm_log_buf_ = NULL;
    log_seen = log_cap = 0;
    return n;
}

void gemm_log_record_(int ta, int tb, size_t M, size_t N, size_t K, size_t count)
{
    if (count == 0)
        return;
    if (log_seen < log_cap)
        gemm_log_buf_[log_seen] = (GemmShape){ta != 0, tb != 0, M, N, K, count};
    log_seen++;
}

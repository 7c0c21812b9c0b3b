/* pool.c: see pool.h. */
#include "nn/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* Everything below is guarded by lock, but `in_job` (each thread's own)
 * and n_workers (changed only under job_owner, read anywhere). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;    /* a job or the stop */
static pthread_cond_t finished = PTHREAD_COND_INITIALIZER; /* the last slice ended */
static pthread_mutex_t job_owner = PTHREAD_MUTEX_INITIALIZER; /* one job at a time */
static pthread_t workers[POOL_MAX_THREADS];
static atomic_int n_workers;
static int stopping;
static uint64_t generation;       /* jobs started */
static uint64_t start_generation; /* generation when the workers were made */
static struct {
    PoolFn fn;
    void *ctx;
    size_t n, align;
    int slices;
} job;
static int pending;               /* worker slices of the job not yet done */
static _Thread_local int in_job;  /* a worker, or a caller inside its job */

/* Start of slice i of s over [0, n): fixed by n, s and align alone. */
static size_t slice_begin(size_t n, int s, size_t align, int i)
{
    if (i >= s)
        return n;
    size_t us = (size_t)s, ui = (size_t)i; /* floor(n·i/s) without overflow */
    size_t b = n / us * ui + n % us * ui / us;
    return b / align * align;
}

static void *worker_main(void *arg)
{
    int me = (int)(intptr_t)arg; /* slice number 1 .. n_workers */
    in_job = 1;
    pthread_mutex_lock(&lock);
    /* not `generation`: the first job may have started before this thread
     * got the lock, and it must not be missed (its caller waits for us) */
    uint64_t seen = start_generation;
    for (;;) {
        while (generation == seen && !stopping)
            pthread_cond_wait(&wake, &lock);
        if (stopping)
            break;
        seen = generation;
        if (me >= job.slices)
            continue; /* not needed for this one: sleep again */
        PoolFn fn = job.fn;
        void *ctx = job.ctx;
        size_t b = slice_begin(job.n, job.slices, job.align, me);
        size_t e = slice_begin(job.n, job.slices, job.align, me + 1);
        pthread_mutex_unlock(&lock);
        if (b < e)
            fn(ctx, me, b, e);
        pthread_mutex_lock(&lock);
        if (--pending == 0)
            pthread_cond_signal(&finished);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void stop_workers(void)
{
    pthread_mutex_lock(&lock);
    stopping = 1;
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < n_workers; i++)
        pthread_join(workers[i], NULL);
    n_workers = 0;
    stopping = 0;
}

void pool_set_threads(int n)
{
    n = n < 1 ? 1 : n > POOL_MAX_THREADS ? POOL_MAX_THREADS : n;
    pthread_mutex_lock(&job_owner);
    if (n - 1 != n_workers) {
        stop_workers();
        pthread_mutex_lock(&lock);
        start_generation = generation; /* no job runs: job_owner is held */
        pthread_mutex_unlock(&lock);
        for (int i = 0; i < n - 1; i++) {
            if (pthread_create(&workers[i], NULL, worker_main, (void *)(intptr_t)(i + 1)))
                break; /* fewer threads than asked: pool_threads says so */
            n_workers = i + 1;
        }
    }
    pthread_mutex_unlock(&job_owner);
}

int pool_threads(void) { return atomic_load(&n_workers) + 1; }

void pool_for(size_t n, size_t grain, size_t align, PoolFn fn, void *ctx)
{
    grain = grain ? grain : 1;
    align = align ? align : 1;
    if (n == 0)
        return;
    /* inside a job, or another thread's job running: this one runs here */
    if (in_job || pthread_mutex_trylock(&job_owner) != 0) {
        fn(ctx, 0, 0, n);
        return;
    }
    size_t most = n / grain;
    int s = n_workers + 1;
    if ((size_t)s > most)
        s = most < 1 ? 1 : (int)most;
    if (s < 2) {
        pthread_mutex_unlock(&job_owner);
        fn(ctx, 0, 0, n);
        return;
    }
    pthread_mutex_lock(&lock);
    job.fn = fn, job.ctx = ctx, job.n = n, job.align = align, job.slices = s;
    pending = s - 1;
    generation++;
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);
    in_job = 1;
    size_t e0 = slice_begin(n, s, align, 1);
    if (e0 > 0)
        fn(ctx, 0, 0, e0);
    in_job = 0;
    pthread_mutex_lock(&lock);
    while (pending > 0)
        pthread_cond_wait(&finished, &lock);
    pthread_mutex_unlock(&lock);
    pthread_mutex_unlock(&job_owner);
}

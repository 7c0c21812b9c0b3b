/* control.c: the trainer's command flags; see control.h. */
#include "train/control.h"

#include <stdio.h>
#include <string.h>

void control_init(TrainControl *c, int n_runs)
{
    memset(c, 0, sizeof *c);
    control_set_runs(c, n_runs);
    pthread_mutex_init(&c->lock, NULL); /* default attributes: cannot fail on Linux */
}

void control_set_runs(TrainControl *c, int n_runs)
{
    c->n_runs = n_runs < 0 ? 0 : n_runs > SNAPSHOT_MAX_RUNS ? SNAPSHOT_MAX_RUNS : n_runs;
}

void control_destroy(TrainControl *c) { pthread_mutex_destroy(&c->lock); }

void control_request_stop(TrainControl *c) { atomic_store(&c->stop, 1); }

void control_request_stop_with_checkpoints(TrainControl *c)
{
    atomic_store(&c->checkpoint_on_stop, 1);
    atomic_store(&c->stop, 1);
}

void control_set_paused(TrainControl *c, int i, int paused)
{
    for (int j = 0; j < c->n_runs; j++)
        if (i < 0 || i == j)
            atomic_store(&c->paused[j], paused);
}

int control_is_paused(TrainControl *c, int i)
{
    return i >= 0 && i < c->n_runs && atomic_load(&c->paused[i]);
}

void control_request_checkpoint(TrainControl *c, int i)
{
    if (i >= c->n_runs)
        return;
    int mask = i < 0 ? (1 << c->n_runs) - 1 : 1 << i;
    atomic_fetch_or(&c->checkpoint_requested, mask);
}

void control_request_export(TrainControl *c, const char *parent)
{
    pthread_mutex_lock(&c->lock);
    snprintf(c->export_parent, sizeof c->export_parent, "%s", parent);
    pthread_mutex_unlock(&c->lock);
    atomic_store(&c->export_requested, 1);
}

int control_stop_requested(TrainControl *c) { return atomic_load(&c->stop); }

int control_checkpoint_on_stop(TrainControl *c) { return atomic_load(&c->checkpoint_on_stop); }

int control_take_checkpoints(TrainControl *c) { return atomic_exchange(&c->checkpoint_requested, 0); }

int control_take_export(TrainControl *c, char *buf, size_t size)
{
    if (!atomic_exchange(&c->export_requested, 0))
        return 0;
    pthread_mutex_lock(&c->lock);
    snprintf(buf, size, "%s", c->export_parent);
    pthread_mutex_unlock(&c->lock);
    return 1;
}

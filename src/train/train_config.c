/* train_config.c: the defaults of SPEC 5 and 9; see train_config.h. */
#include "train/train_config.h"

#include <string.h>
#include <unistd.h>

void train_config_default(TrainConfig *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < arch_count(); i++) { /* SPEC 6: the table's default list */
        const ArchInfo *row = arch_row(i);
        c->lr[row->id] = row->default_lr;
        if (row->in_default && c->n_archs < TRAIN_MAX_RUNS)
            c->archs[c->n_archs++] = row->id;
    }
    c->epochs = 20;
    c->batch = 1024;
    c->window = 32;
    c->use_layer_id = 1;
    c->seed = 1;
    c->val_frac = 0.1;
    c->eval_every = 200;
    c->sim_tokens = 16384;
    c->sim_cost = SIM_COST_DEFAULT;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    c->threads = n > 0 ? (int)n : 1;
}

const char *train_config_differs(const TrainConfig *a, const TrainConfig *b)
{
    return a->max_steps != b->max_steps                          ? "--max-steps"
           : !a->max_steps && a->epochs != b->epochs             ? "--epochs"
           : a->batch != b->batch                                ? "--batch"
           : a->window != b->window                              ? "--window"
           : a->lookahead != b->lookahead                        ? "--lookahead"
           : a->use_layer_id != b->use_layer_id                  ? "--no-layer-id"
           : a->seed != b->seed                                  ? "--seed"
           : a->val_frac != b->val_frac                          ? "--val-frac"
           : a->val_samples != b->val_samples                    ? "--val-samples"
           : strcmp(a->val_data, b->val_data)                    ? "--val-data"
           : a->eval_every != b->eval_every                      ? "--eval-every"
           : a->shards_per_group != b->shards_per_group          ? "--shards-per-group"
                                                                 : NULL;
}

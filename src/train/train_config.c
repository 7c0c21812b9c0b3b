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

/* arch.c: the table of architectures; see arch.h. */
#include "models/arch.h"

#include <stdio.h>
#include <string.h>

#include "models/model.h"

extern const ModelOps linear_ops, simple_ops, hybrid_ops, complex_ops;

/* Table order is the default --arch order (SPEC 6: linear, simple, hybrid,
 * complex); ids are checkpoint values and need not follow it. */
static const ArchInfo arch_table[] = {
    {ARCH_LINEAR, "linear", "one affine map per layer, A_l h + b_l (--rank R: A_l = U_l V_l)",
     "soft-target CE", &linear_ops, 3e-3, 0.0f, 1},
    {ARCH_SIMPLE, "simple", "per-token MLP (D->W, 2 x [W->W, LN, ReLU, dropout], W->E)",
     "soft-target CE", &simple_ops, 1e-3, 0.1f, 1},
    /* SPEC 5 once said 5e-4: its BCEs average over E, so its gradients are
     * about E times smaller, and at 5e-4 it stays below the frequency
     * baseline (man page, "The predictors"). */
    {ARCH_HYBRID, "hybrid", "per-token features + 2-layer causal transformer, 4 future heads",
     "BCE + 0.3 x future BCE", &hybrid_ops, 5e-3, 0.0f, 1},
    {ARCH_COMPLEX, "complex", "6-layer causal transformer over the window",
     "BCE + 0.5 x CE + 0.1 x confidence BCE", &complex_ops, 3e-4, 0.0f, 1},
};

#define N_ROWS ((int)(sizeof arch_table / sizeof arch_table[0]))

int arch_count(void) { return N_ROWS; }

const ArchInfo *arch_row(int i) { return i >= 0 && i < N_ROWS ? &arch_table[i] : NULL; }

const ArchInfo *arch_info(Arch a)
{
    for (int i = 0; i < N_ROWS; i++)
        if (arch_table[i].id == a)
            return &arch_table[i];
    return NULL;
}

const char *arch_name(Arch a)
{
    const ArchInfo *r = arch_info(a);
    return r ? r->name : "unknown";
}

int arch_has_rank(Arch a)
{
    const ArchInfo *r = arch_info(a);
    return r && r->ops->has_rank;
}

const char *arch_list_text(char *buf, size_t size, const char *last_sep)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < N_ROWS; i++) {
        const char *sep = i == 0 ? "" : i == N_ROWS - 1 ? last_sep : ", ";
        int n = snprintf(buf + used, size - used, "%s%s", sep, arch_table[i].name);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    return buf;
}

int arch_parse(const char *name, Arch *out, Err *e)
{
    for (int i = 0; i < N_ROWS; i++)
        if (strcmp(name, arch_table[i].name) == 0) {
            *out = arch_table[i].id;
            return ERR_OK;
        }
    char list[256];
    return err_set(e, ERR_USAGE, "unknown architecture '%s' (%s)", name,
                   arch_list_text(list, sizeof list, " or "));
}

/*
 * sim.c: SPEC 11's case checks and the derived columns, in one place so
 * that every replay (fast or reference) reports the same digits.
 */
#include "deploy/sim.h"

#include <math.h>
#include <string.h>

static const char *const policy_names[SIM_N_POLICIES] = {"lru", "lfu", "belady", "static"};

const char *sim_policy_name(SimPolicy p)
{
    return (p >= 0 && p < SIM_N_POLICIES) ? policy_names[p] : "?";
}

int sim_policy_prefetches(SimPolicy p)
{
    return p == SIM_LRU || p == SIM_LFU;
}

int sim_policy_parse(const char *s, SimPolicy *out, Err *e)
{
    for (int i = 0; i < SIM_N_POLICIES; i++)
        if (s && strcmp(s, policy_names[i]) == 0) {
            *out = (SimPolicy)i;
            return 0;
        }
    return err_set(e, ERR_USAGE, "--policy %s is not one of lru, lfu, belady, static",
                   s ? s : "(null)");
}

static int check_trace(const SimTrace *t, Err *e)
{
    if (t->E < 1 || t->E > SIM_MAX_EXPERTS)
        return err_set(e, ERR_USAGE, "E = %d is outside 1..%d", t->E, SIM_MAX_EXPERTS);
    if (t->K < 1 || t->K > t->E)
        return err_set(e, ERR_USAGE, "K = %d is outside 1..E = %d", t->K, t->E);
    if (t->L < 1 || t->n_tok < 0)
        return err_set(e, ERR_USAGE, "L = %d, n_tok = %lld: nothing to replay", t->L,
                       (long long)t->n_tok);
    return 0;
}

static int check_prefetch(const SimTrace *t, const SimCase *c, Err *e)
{
    int M = c->prefetch;
    if (M < 0)
        return err_set(e, ERR_USAGE, "--prefetch %d is negative", M);
    if (M == 0)
        return 0;
    if (!sim_policy_prefetches(c->policy))
        return err_set(e, ERR_USAGE, "--prefetch %d needs policy lru or lfu, not %s", M,
                       sim_policy_name(c->policy));
    if (M > c->cache)
        return err_set(e, ERR_USAGE, "--prefetch %d is more than the cache %d", M, c->cache);
    if (!c->pred || !c->pred->top)
        return err_set(e, ERR_USAGE, "--prefetch %d without a predictor", M);
    if (c->pred->M < M)
        return err_set(e, ERR_USAGE, "--prefetch %d is more than the predictor's %d ranks",
                       M, c->pred->M);
    if (c->pred->lookahead < 0)
        return err_set(e, ERR_USAGE, "--lookahead %d is negative", c->pred->lookahead);
    (void)t;
    return 0;
}

int sim_case_check(const SimTrace *t, const SimCase *c, Err *e)
{
    int rc = check_trace(t, e);
    if (rc)
        return rc;
    if (c->policy < 0 || c->policy >= SIM_N_POLICIES)
        return err_set(e, ERR_USAGE, "policy %d is not one of lru, lfu, belady, static",
                       (int)c->policy);
    if (t->n_tok > SIM_MAX_TOKENS)
        return err_set(e, ERR_USAGE, "%lld tokens to replay; at most %lld (--sim-tokens)",
                       (long long)t->n_tok, (long long)SIM_MAX_TOKENS);
    if (c->cache < t->K)
        return err_set(e, ERR_USAGE, "--cache %d is less than K = %d", c->cache, t->K);
    if (c->cache > t->E)
        return err_set(e, ERR_USAGE, "--cache %d is more than E = %d", c->cache, t->E);
    return check_prefetch(t, c, e);
}

/* Seconds per fetch (decimal units). */
static double fetch_s(const SimCost *cost)
{
    return cost->expert_mb / (1000.0 * cost->link_gbps);
}

void sim_finish(const SimTrace *t, const SimCost *cost, SimResult *r)
{
    double tok = (double)r->tokens;
    r->hit = (double)r->hits / ((double)r->steps * t->K);
    r->prefetch_precision = r->prefetch_fetches
                                ? (double)r->prefetch_useful / (double)r->prefetch_fetches
                                : (double)NAN;
    r->bytes_per_token =
        (double)(r->demand_fetches + r->prefetch_fetches) * cost->expert_mb * 1e6 / tok;
    r->stall_s = (double)r->demand_fetches * fetch_s(cost) + r->late_s;
    r->stall_ms_per_token = r->stall_s * 1000.0 / tok;
    r->tpot_ms = t->L * cost->layer_ms + r->stall_ms_per_token;
}

double sim_speedup(const SimResult *lru_plain, const SimResult *r)
{
    return lru_plain->tpot_ms / r->tpot_ms;
}

/* max(0, p·f − lead) for one step; shared by every replay. */
double sim_late_s(int p, int lookahead, const SimCost *cost)
{
    double lead = lookahead >= 1 ? lookahead * cost->layer_ms / 1000.0 : cost->attn_ms / 1000.0;
    double late = p * fetch_s(cost) - lead;
    return late > 0 ? late : 0;
}

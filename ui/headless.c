/* headless.c: the headless progress reporter; see headless.h. */
#include "headless.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "stop_signal.h"

void headless_format_row(char *buf, size_t size, const RunSnapshot *rs, const EvalRow *row,
                         int K)
{
    snprintf(buf, size,
             "%s: step %lld/%lld epoch %.2f train_loss %.5f val_ce %.5f hit1 %.4f hit5 %.4f "
             "hit10 %.4f recall_%d %.4f cover_%d %.4f cover_%d %.4f samples_per_s %.0f",
             rs->name, (long long)row->step, (long long)rs->planned_steps, row->epoch,
             row->train_loss, row->val_ce, row->hit1, row->hit5, row->hit10, K, row->recall_K,
             K, row->cover_K, 2 * K, row->cover_2K, row->samples_per_s);
}

static void emit(FILE *log, const char *line)
{
    fprintf(stderr, "%s\n", line);
    if (log) {
        fprintf(log, "%s\n", line);
        fflush(log);
    }
}

/* Prints the rows and the message (a checkpoint written) published since
 * the last call; returns 1 once finished. */
static int report(const Snapshot *s, int64_t *printed, uint64_t *message_seq, FILE *log)
{
    char line[1024];
    if (s->message_seq != *message_seq) {
        *message_seq = s->message_seq;
        emit(log, s->message);
    }
    for (int i = 0; i < s->n_runs; i++) {
        const RunSnapshot *rs = &s->runs[i];
        for (; printed[i] < rs->n_hist; printed[i]++) {
            headless_format_row(line, sizeof line, rs, &snap_hist(rs)[printed[i]], s->K);
            emit(log, line);
        }
    }
    return s->finished;
}

int headless_run(Trainer *t, FILE *log)
{
    SnapshotBuf snap = {NULL, 0};
    Err e;
    err_clear(&e);
    stop_signal_install(1); /* SIGINT stops too */
    int64_t printed[SNAPSHOT_MAX_RUNS] = {0};
    uint64_t message_seq = 0;
    int status = 0;
    if (trainer_start(t, 0, &e)) {
        fprintf(stderr, "moespec: %s\n", e.msg);
        return 1;
    }
    int stopping = 0;
    for (;;) {
        if (stop_signal_caught() && !stopping) {
            /* SPEC 9: the runs with unsaved steps are checkpointed first */
            control_request_stop_with_checkpoints(trainer_control(t));
            stopping = 1;
        }
        int got = snapshot_read(trainer_box(t), &snap);
        if (got < 0) { /* no memory for the copy: stop rather than wait blind */
            fprintf(stderr, "moespec: out of memory copying the trainer's snapshot\n");
            control_request_stop_with_checkpoints(trainer_control(t));
            trainer_join(t, &e);
            snapshot_buf_free(&snap);
            return 1;
        }
        if (got == 1 && report(snap.s, printed, &message_seq, log))
            break;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    int join_rc = trainer_join(t, &e);
    if (join_rc) { /* 3 when the data went bad under the runs, else a runtime failure */
        fprintf(stderr, "moespec: %s\n", e.msg);
        status = join_rc == ERR_INPUT ? 3 : 1;
    }
    char line[700];
    for (int i = 0; snap.s && i < snap.s->n_runs; i++) {
        const RunSnapshot *rs = &snap.s->runs[i];
        snprintf(line, sizeof line, "%s: %s at step %lld/%lld%s%s", rs->name,
                 run_state_name(rs->state), (long long)rs->step, (long long)rs->planned_steps,
                 rs->message[0] ? ": " : "", rs->message);
        emit(log, line);
        if (rs->state == RUN_HALTED && status != 3)
            status = 1;
        if (rs->has_deploy) { /* SPEC 11: what the live simulation cost this run */
            snprintf(line, sizeof line, "%s: live simulation %.3f s of %.3f s computing (%.2f%%)",
                     rs->name, rs->sim_s, rs->busy_s, 100.0 * rs->sim_s / rs->busy_s);
            emit(log, line);
        }
    }
    if (snap.s && snap.s->deploy.state == DEPLOY_ON) {
        snprintf(line, sizeof line, "moespec: live simulation: %lld validation tokens; the "
                 "policies and baselines replayed once in %.3f s", (long long)snap.s->deploy.tokens,
                 snap.s->deploy.prepare_s);
        emit(log, line);
    }
    snapshot_buf_free(&snap);
    int sig = stop_signal_caught();
    if (sig) {
        snprintf(line, sizeof line, "moespec: stopped by a signal (%s); %s",
                 stop_signal_name(sig), join_rc && join_rc != ERR_INPUT ? "the checkpoints could not all be written"
                                                    : "every run with unsaved steps was checkpointed");
        emit(log, line);
        return join_rc ? status : stop_signal_status(sig);
    }
    return status;
}

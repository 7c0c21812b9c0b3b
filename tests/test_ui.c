/*
 * test_ui.c: the dashboard's pure pieces, without a terminal: chart scaling
 * and drawing (braille and ASCII), heatmap binning, the key table against
 * SPEC 7's keys, key dispatch (help, quit prompt, Ctrl-C, cursors, runs), and whole
 * screens rendered from a made-up snapshot at 120x40 and 80x24.
 */
#include "test_util.h"

#include <curses.h>

#include "canvas.h"
#include "chart.h"
#include "keys.h"
#include "panels.h"

/* The whole canvas as text, rows joined by newlines (caller frees). */
static char *canvas_text_all(const Canvas *c)
{
    size_t size = (size_t)c->w * (size_t)c->h * 8 + (size_t)c->h + 1;
    char *all = malloc(size), row[4096];
    assert_non_null(all);
    all[0] = '\0';
    for (int y = 0; y < c->h; y++) {
        strcat(all, canvas_row_text(c, y, row, sizeof row));
        strcat(all, "\n");
    }
    return all;
}

static int has_text(const Canvas *c, const char *needle)
{
    char *all = canvas_text_all(c);
    int found = strstr(all, needle) != NULL;
    if (!found)
        print_message("not on the canvas: '%s'\n%s", needle, all);
    free(all);
    return found;
}

/* Ensure that chart_map sends the range's ends to 0 and n-1, clamps, and
 * gives -1 for NaN and for non-positive values on a log scale. */
static void test_chart_map(void **state)
{
    (void)state;
    assert_int_equal(chart_map(0.0, 0.0, 1.0, 10, 0), 0);
    assert_int_equal(chart_map(1.0, 0.0, 1.0, 10, 0), 9);
    assert_int_equal(chart_map(0.5, 0.0, 1.0, 11, 0), 5);
    assert_int_equal(chart_map(-3.0, 0.0, 1.0, 10, 0), 0);
    assert_int_equal(chart_map(7.0, 0.0, 1.0, 10, 0), 9);
    assert_int_equal(chart_map((double)NAN, 0.0, 1.0, 10, 0), -1);
    assert_int_equal(chart_map(1.0, 0.0, 1.0, 0, 0), -1);
    assert_int_equal(chart_map(10.0, 1.0, 100.0, 3, 1), 1);
    assert_int_equal(chart_map(0.0, 1.0, 100.0, 3, 1), -1);
    assert_int_equal(chart_map(5.0, 5.0, 5.0, 9, 0), 4); /* empty range: middle */
}

/* Ensure that the bin factor is 1 when every expert fits and grows to the
 * smallest size that fits otherwise, counting two rows per cell in half mode. */
static void test_chart_bin_factor(void **state)
{
    (void)state;
    assert_int_equal(chart_bin_factor(60, 65, 31, 2), 1);
    assert_int_equal(chart_bin_factor(60, 65, 29, 2), 2);
    assert_int_equal(chart_bin_factor(60, 34, 6, 2), 5);
    assert_int_equal(chart_bin_factor(60, 34, 6, 1), 10);
    assert_int_equal(chart_bin_factor(8, 10, 4, 2), 1);
    assert_int_equal(chart_bin_factor(8, 0, 4, 2), 0);
}

/* Ensure that binning sums counts over blocks and makes each block row a
 * share of its total (a row without counts stays 0). */
static void test_confusion_bin(void **state)
{
    (void)state;
    const int64_t counts[4 * 4] = {
        1, 1, 2, 0, /* true 0 */
        0, 0, 0, 4, /* true 1 */
        0, 0, 0, 0, /* true 2 */
        0, 0, 0, 0, /* true 3 */
    };
    double out[4];
    assert_int_equal(confusion_bin(counts, 4, 2, out), 2);
    const double want[4] = {2.0 / 8, 6.0 / 8, 0, 0};
    assert_close_d(out, want, 4, 1e-12, 0);
    double one[3 * 3];
    const int64_t c3[9] = {3, 0, 1, 0, 0, 0, 2, 2, 0};
    assert_int_equal(confusion_bin(c3, 3, 1, one), 3);
    const double want3[9] = {0.75, 0, 0.25, 0, 0, 0, 0.5, 0.5, 0};
    assert_close_d(one, want3, 9, 1e-12, 0);
}

/* Ensure that a bin's recall is weighted by needed and NaN without need. */
static void test_expert_recall_bin(void **state)
{
    (void)state;
    const double recall[4] = {1.0, 0.0, 0.5, 0.25};
    const int64_t needed[4] = {3, 1, 0, 0};
    double out[2];
    expert_recall_bin(recall, needed, 4, 2, out);
    assert_true(fabs(out[0] - 0.75) < 1e-12);
    assert_true(isnan(out[1]));
}

/* Ensure that a flat line at the bottom of a braille plot sets both bottom
 * dots of every cell (U+28C0), two samples per column. */
static void test_braille_line(void **state)
{
    (void)state;
    Canvas c;
    assert_int_equal(canvas_init(&c, 3, 1), 0);
    const double x[2] = {0, 5}, y[2] = {0, 0};
    Series s = {x, y, 2, ROLE_SERIES0, LINE_SOLID, '*'};
    Axes ax = {0, 5, 0, 1, 0};
    chart_lines(&c, (Rect){0, 0, 3, 1}, &s, 1, &ax, &glyphs_unicode);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(canvas_at(&c, i, 0)->g, "\u28c0");
        assert_int_equal(canvas_at(&c, i, 0)->role, ROLE_SERIES0);
    }
    /* a point at the top-left dot only */
    canvas_clear(&c);
    const double x1[1] = {0}, y1[1] = {1};
    Series p = {x1, y1, 1, ROLE_SERIES1, LINE_SOLID, '+'};
    chart_lines(&c, (Rect){0, 0, 3, 1}, &p, 1, &ax, &glyphs_unicode);
    assert_string_equal(canvas_at(&c, 0, 0)->g, "\u2801");
    assert_string_equal(canvas_at(&c, 1, 0)->g, " ");
    canvas_free(&c);
}

/* Ensure that ASCII charts use only ASCII, each series its own mark, and
 * that sparse lines mark fewer cells than solid ones. */
static void test_ascii_chart(void **state)
{
    (void)state;
    Canvas c;
    assert_int_equal(canvas_init(&c, 20, 5), 0);
    const double x[2] = {0, 1}, lo[2] = {0, 0}, hi[2] = {1, 1};
    Series s[2] = {{x, lo, 2, ROLE_SERIES0, LINE_SOLID, '*'},
                   {x, hi, 2, ROLE_CHANCE, LINE_SPARSE, '.'}};
    Axes ax = {0, 1, 0, 1, 0};
    chart_lines(&c, (Rect){0, 0, 20, 5}, s, 2, &ax, &glyphs_ascii);
    int stars = 0, dots = 0;
    for (int i = 0; i < 20; i++) {
        stars += !strcmp(canvas_at(&c, i, 4)->g, "*");
        dots += !strcmp(canvas_at(&c, i, 0)->g, ".");
    }
    assert_int_equal(stars, 20);
    assert_true(dots > 0 && dots < 20);
    for (int y = 0; y < 5; y++)
        for (int i = 0; i < 20; i++)
            assert_true((unsigned char)canvas_at(&c, i, y)->g[0] < 0x80);
    canvas_free(&c);
}

/* Ensure that a half-block heatmap puts two rows in a cell, with the heat
 * role of both halves, the shade mode one row per cell, and that scaling
 * repeats a matrix cell over sx columns and sy half rows. */
static void test_heatmap(void **state)
{
    (void)state;
    Canvas c;
    assert_int_equal(canvas_init(&c, 2, 2), 0);
    const double m[4] = {1.0, 0.0, 0.0, 0.05};
    chart_heatmap(&c, (Rect){0, 0, 2, 2}, m, 2, 2, 1, 1, 1, &glyphs_unicode);
    assert_string_equal(canvas_at(&c, 0, 0)->g, glyphs_unicode.upper_half);
    assert_int_equal(canvas_at(&c, 0, 0)->role, canvas_heat_role(4, 0));
    assert_string_equal(canvas_at(&c, 1, 0)->g, glyphs_unicode.lower_half);
    assert_int_equal(canvas_at(&c, 1, 0)->role, canvas_heat_role(0, 1));
    assert_string_equal(canvas_at(&c, 0, 1)->g, " "); /* nothing drawn below */
    canvas_clear(&c);
    chart_heatmap(&c, (Rect){0, 0, 2, 2}, m, 2, 2, 0, 1, 1, &glyphs_ascii);
    assert_string_equal(canvas_at(&c, 0, 0)->g, "#");
    assert_string_equal(canvas_at(&c, 1, 1)->g, ".");
    canvas_free(&c);
    /* scaled two cells wide and two half rows tall: cell (1, 0) repeats (0, 0) */
    assert_int_equal(canvas_init(&c, 4, 2), 0);
    chart_heatmap(&c, (Rect){0, 0, 4, 2}, m, 2, 2, 1, 2, 2, &glyphs_unicode);
    for (int x = 0; x < 2; x++) {
        assert_string_equal(canvas_at(&c, x, 0)->g, glyphs_unicode.upper_half);
        assert_int_equal(canvas_at(&c, x, 0)->role, canvas_heat_role(4, 4));
        assert_string_equal(canvas_at(&c, x, 1)->g, " ");
        assert_int_equal(canvas_at(&c, x + 2, 1)->role, canvas_heat_role(1, 1));
    }
    assert_string_equal(canvas_at(&c, 2, 0)->g, " ");
    assert_int_equal(chart_heat_level((double)NAN), 0);
    assert_int_equal(chart_heat_level(0.3), 3);
    assert_int_equal(chart_heat_level(0.05), 1);
    canvas_free(&c);
}

/* Ensure that the bar strip shows a zero as the lowest bar and NaN blank,
 * and the progress bar fills in eighths. */
static void test_bars(void **state)
{
    (void)state;
    Canvas c;
    assert_int_equal(canvas_init(&c, 4, 1), 0);
    const double v[3] = {0.0, (double)NAN, 1.0};
    chart_spark(&c, 0, 0, v, 3, ROLE_SERIES1, &glyphs_unicode);
    assert_string_equal(canvas_at(&c, 0, 0)->g, "\u2581");
    assert_string_equal(canvas_at(&c, 1, 0)->g, " ");
    assert_string_equal(canvas_at(&c, 2, 0)->g, "\u2588");
    chart_bar(&c, 0, 0, 4, 0.5 + 1.0 / 32, ROLE_BAR, &glyphs_unicode);
    assert_string_equal(canvas_at(&c, 1, 0)->g, "\u2588");
    assert_string_equal(canvas_at(&c, 2, 0)->g, glyphs_unicode.bar_part[1]);
    assert_string_equal(canvas_at(&c, 3, 0)->g, " ");
    canvas_free(&c);
}

/* Ensure that the key table has exactly SPEC 7's keys (Ctrl-C included),
 * once each, each with a label and a description. */
static void test_key_table_complete(void **state)
{
    (void)state;
    const int spec[] = {' ', 'P', '1', '\t', 'c', 'C', 'e', 'v', 'd',
                        KEY_LEFT, KEY_RIGHT, KEY_HOME, KEY_END, KEY_PPAGE, KEY_NPAGE,
                        '[', ']', 'l', '?', 'q', KEYS_CTRL_C};
    size_t n;
    const KeyBinding *t = keys_table(&n);
    assert_int_equal(n, sizeof spec / sizeof spec[0]);
    for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++) {
        int found = 0;
        for (size_t j = 0; j < n; j++)
            found += t[j].key == spec[i];
        assert_int_equal(found, 1);
        const KeyBinding *b = keys_find(spec[i]);
        assert_non_null(b);
        assert_true(strlen(keys_label(b, &glyphs_ascii)) > 0);
        assert_true(strlen(b->help) > 0);
        assert_non_null(b->action);
    }
    assert_string_equal(keys_label(keys_find(KEY_LEFT), &glyphs_unicode), "\u2190");
    assert_string_equal(keys_label(keys_find(KEY_RIGHT), &glyphs_ascii), "Right");
    assert_null(keys_find('x'));
    for (int key = '2'; key <= '9'; key++) /* one binding for the runs' keys */
        assert_ptr_equal(keys_find(key), keys_find('1'));
    assert_null(keys_find('0'));
}

/* A snapshot of n_runs runs (the first "simple") at step 400 of 2000 with
 * two evaluations each, laid out as the trainer lays it out. */
static Snapshot *make_snapshot(SnapshotBuf *b, int E, int K, int L, int n_runs)
{
    Err e;
    const int64_t n_hist[SNAPSHOT_MAX_RUNS] = {2, 2, 2, 2, 2, 2, 2, 2};
    b->s = NULL;
    b->cap = 0;
    assert_int_equal(snapshot_layout(b, E, K, L, 32, n_runs, n_hist, &e), 0);
    Snapshot *s = b->s;
    s->seq = 1;
    for (int k = 1; k <= E; k++)
        for (int w = 0; w < 3; w++)
            snap_baseline_mut(s, SNAP_FREQUENCY, (SnapRate)w)[k - 1] = (double)k / E * 0.9;
    for (int i = 0; i < n_runs; i++) {
        RunSnapshot *rs = &s->runs[i];
        snprintf(rs->name, sizeof rs->name, "simple");
        snprintf(rs->arch, sizeof rs->arch, "simple");
        rs->state = RUN_RUNNING;
        rs->params = 123456;
        rs->step = 400;
        rs->planned_steps = 2000;
        rs->steps_since_checkpoint = 400;
        rs->epoch = 1.5;
        rs->samples_per_s = 12345;
        rs->eta_s = 90;
        for (int j = 0; j < 2; j++) {
            EvalRow *r = &snap_hist_mut(rs)[j];
            r->step = 200 * (j + 1);
            r->train_loss = 3.0 - j;
            r->val_loss = r->val_ce = 3.2 - j;
            r->hit1 = 0.2 + 0.1 * j;
            r->hit5 = 0.5 + 0.1 * j;
            r->hit10 = 0.7;
            r->hit15 = 0.8;
            r->hit20 = 0.9;
            r->recall_K = 0.4 + 0.1 * j;
            r->cover_K = 0.1;
        }
        rs->has_eval = 1;
        for (int k = 1; k <= E; k++) {
            double t = (double)k / E;
            snap_rate_mut(rs, SNAP_HIT)[k - 1] = t < 0.5 ? 2 * t : 1;
            snap_rate_mut(rs, SNAP_RECALL)[k - 1] = t;
            snap_rate_mut(rs, SNAP_COVER)[k - 1] = t * t;
        }
        int64_t *conf = snap_confusion_mut(rs), *needed = snap_needed_mut(rs);
        double *er = snap_expert_recall_mut(rs);
        for (int l = 0; l <= L; l++)
            for (int x = 0; x < E; x++) {
                conf[((size_t)l * E + x) * E + x] = 5;
                conf[((size_t)l * E + x) * E + (x + 1) % E] = 2;
                er[l * E + x] = (double)x / E;
                needed[l * E + x] = 7;
            }
    }
    return s;
}

/* Ensure that a snapshot is one block: a copy made with one memcpy reads
 * the same arrays as the original, at the copy's own addresses. */
static void test_snapshot_flat_copy(void **state)
{
    (void)state;
    SnapshotBuf a, b = {NULL, 0};
    Snapshot *s = make_snapshot(&a, 8, 2, 3, 2);
    Err e;
    assert_int_equal(snapshot_copy(&b, s, &e), 0);
    snapshot_buf_free(&a); /* the copy must not point into the original */
    const RunSnapshot *rs = &b.s->runs[1];
    assert_true((const char *)snap_hist(rs) > (const char *)b.s);
    assert_true((const char *)snap_hist(rs) < (const char *)b.s + b.s->bytes);
    assert_int_equal(snap_hist(rs)[1].step, 400);
    assert_true(snap_rate(rs, SNAP_HIT)[7] == 1.0);
    assert_int_equal(snap_confusion(rs)[(3 * 8 + 2) * 8 + 3], 2);
    assert_true(snap_baseline(b.s, SNAP_FREQUENCY, SNAP_COVER)[7] == 0.9);
    snapshot_buf_free(&b);
}

/* Ensure that help closes on any key without acting on it, that q opens
 * the quit prompt while a run is unsaved and only y quits, that c and C
 * ask the trainer for the shown run's or every run's checkpoint, that the k cursor and layers stay in range,
 * and that keys for runs that do not exist do nothing. */
static void test_keys_dispatch(void **state)
{
    (void)state;
    SnapshotBuf sb;
    Snapshot *s = make_snapshot(&sb, 8, 2, 3, 1);
    DashView v;
    dash_view_init(&v, &glyphs_ascii, 0, s->K);
    assert_int_equal(keys_dispatch(&v, s, '?'), KEYS_REDRAW);
    assert_true(v.help);
    assert_int_equal(keys_dispatch(&v, s, 'q'), KEYS_REDRAW); /* closes help only */
    assert_false(v.help);
    assert_false(v.confirm_quit);
    assert_int_equal(keys_dispatch(&v, s, 'q'), KEYS_REDRAW);
    assert_true(v.confirm_quit);
    assert_int_equal(keys_dispatch(&v, s, 'n'), KEYS_REDRAW);
    assert_false(v.confirm_quit);
    keys_dispatch(&v, s, 'q');
    assert_int_equal(keys_dispatch(&v, s, 'y'), KEYS_QUIT);
    s->runs[0].steps_since_checkpoint = 0;
    assert_int_equal(keys_dispatch(&v, s, 'q'), KEYS_QUIT); /* nothing unsaved */
    assert_int_equal(keys_dispatch(&v, s, 'c'), KEYS_CHECKPOINT_SHOWN | KEYS_REDRAW);
    assert_int_equal(keys_dispatch(&v, s, 'C'), KEYS_CHECKPOINT_ALL | KEYS_REDRAW);
    assert_int_equal(keys_dispatch(&v, s, ' '), KEYS_PAUSE_SHOWN | KEYS_REDRAW);
    assert_int_equal(keys_dispatch(&v, s, 'P'), KEYS_PAUSE_ALL | KEYS_REDRAW);
    assert_int_equal(keys_dispatch(&v, s, 'e'), KEYS_EXPORT | KEYS_REDRAW);
    assert_int_equal(keys_dispatch(&v, s, 'd'), KEYS_REDRAW); /* the deployment view */
    assert_int_equal(v.screen, SCREEN_DEPLOY);
    assert_int_equal(keys_dispatch(&v, s, 'd'), KEYS_REDRAW);
    assert_int_equal(v.screen, SCREEN_MAIN);
    assert_int_equal(keys_dispatch(&v, s, '2'), 0);
    assert_int_equal(keys_dispatch(&v, s, '3'), 0);
    assert_int_equal(keys_dispatch(&v, s, '\t'), 0);
    assert_int_equal(v.run, 0);
    for (int i = 0; i < 20; i++)
        keys_dispatch(&v, s, KEY_RIGHT);
    assert_int_equal(v.k, 8);
    for (int i = 0; i < 20; i++)
        keys_dispatch(&v, s, KEY_LEFT);
    assert_int_equal(v.k, 1);
    keys_dispatch(&v, s, KEY_END);
    assert_int_equal(v.k, 8);
    keys_dispatch(&v, s, KEY_PPAGE); /* K = 2 experts to a page */
    assert_int_equal(v.k, 6);
    keys_dispatch(&v, s, KEY_HOME);
    assert_int_equal(v.k, 1);
    const int next[] = {0, 1, 2, -1, 0};
    for (int i = 0; i < 5; i++) {
        keys_dispatch(&v, s, ']');
        assert_int_equal(v.layer, next[i]);
    }
    keys_dispatch(&v, s, '[');
    assert_int_equal(v.layer, -1);
    keys_dispatch(&v, s, '[');
    assert_int_equal(v.layer, 2);
    keys_dispatch(&v, s, 'v');
    assert_int_equal(v.screen, SCREEN_COMPARE);
    keys_dispatch(&v, s, 'l');
    assert_true(v.log_y);
    s->runs[0].state = RUN_DONE;
    assert_int_equal(keys_dispatch(&v, s, ' '), KEYS_REDRAW); /* nothing to pause */
    dash_view_free(&v);
    snapshot_buf_free(&sb);
}

/* Ensure that Ctrl-C acts as q: it asks while a run is unsaved (y then
 * quits, n returns), closes the help first, quits at once when nothing is
 * unsaved, and at the quit question quits at once without checkpoints. */
static void test_keys_interrupt(void **state)
{
    (void)state;
    SnapshotBuf sb;
    Snapshot *s = make_snapshot(&sb, 8, 2, 3, 1);
    DashView v;
    dash_view_init(&v, &glyphs_ascii, 0, s->K);
    assert_int_equal(keys_interrupt(&v, s), KEYS_REDRAW);
    assert_true(v.confirm_quit);
    assert_int_equal(keys_dispatch(&v, s, 'n'), KEYS_REDRAW);
    assert_false(v.confirm_quit);
    keys_interrupt(&v, s);
    assert_int_equal(keys_dispatch(&v, s, 'y'), KEYS_QUIT);
    keys_dispatch(&v, s, '?');
    assert_int_equal(keys_interrupt(&v, s), KEYS_REDRAW);
    assert_false(v.help);
    assert_true(v.confirm_quit);
    assert_int_equal(keys_interrupt(&v, s), KEYS_ABORT);
    v.confirm_quit = 0;
    assert_int_equal(keys_dispatch(&v, s, KEYS_CTRL_C), KEYS_REDRAW); /* a raw ^C: the same */
    assert_int_equal(keys_dispatch(&v, s, KEYS_CTRL_C), KEYS_ABORT);
    v.confirm_quit = 0;
    s->runs[0].steps_since_checkpoint = 0;
    assert_int_equal(keys_interrupt(&v, s) & KEYS_QUIT, KEYS_QUIT); /* nothing unsaved */
    dash_view_free(&v);
    snapshot_buf_free(&sb);
}

/* Renders the snapshot at w x h into c with glyphs g. */
static void render(Canvas *c, Snapshot *s, DashView *v, int w, int h)
{
    assert_int_equal(canvas_init(c, w, h), 0);
    dash_render(c, v, s);
    (void)s;
}

/* Ensure that the full layout at 120x40 shows the status line and every
 * panel, and the compact one at 80x24 every panel too. */
static void test_render_layouts(void **state)
{
    (void)state;
    SnapshotBuf sb;
    Snapshot *s = make_snapshot(&sb, 60, 4, 24, 1);
    const int sizes[2][2] = {{120, 40}, {80, 24}};
    for (int i = 0; i < 2; i++) {
        Canvas c;
        DashView v;
        dash_view_init(&v, &glyphs_unicode, 1, s->K);
        render(&c, s, &v, sizes[i][0], sizes[i][1]);
        assert_true(has_text(&c, "RUNNING"));
        assert_true(has_text(&c, "step 400/2000"));
        assert_true(has_text(&c, "loss"));
        assert_true(has_text(&c, "hit@k"));
        assert_true(has_text(&c, "coverage vs k"));
        assert_true(has_text(&c, "confusion"));
        assert_true(has_text(&c, "k=4"));
        assert_true(has_text(&c, "? help"));
        if (i == 0)
            assert_true(has_text(&c, "all 24 layers"));
        else
            assert_true(has_text(&c, "x5")); /* binned 5 experts to a cell */
        canvas_free(&c);
        dash_view_free(&v);
    }
    snapshot_buf_free(&sb);
}

/* Ensure that the gate baseline shows in the hit@k and coverage panels
 * exactly when the snapshot has it (a set with router matrices). */
static void test_render_gate(void **state)
{
    (void)state;
    SnapshotBuf sb;
    Snapshot *s = make_snapshot(&sb, 60, 4, 24, 1);
    for (int gate = 0; gate < 2; gate++) {
        s->has_gate = gate;
        for (int k = 1; k <= s->E; k++)
            for (int w = 0; w < 3; w++)
                snap_baseline_mut(s, SNAP_GATE, (SnapRate)w)[k - 1] = gate ? 0.987 : 0.0;
        Canvas c;
        DashView v;
        dash_view_init(&v, &glyphs_unicode, 1, s->K);
        render(&c, s, &v, 120, 40);
        assert_int_equal(has_text(&c, "gate g)"), gate);   /* the hit@k title's legend */
        assert_int_equal(has_text(&c, "gate      0.987   0.987"), gate); /* its legend row */
        assert_int_equal(has_text(&c, "gate .987/.987"), gate); /* the coverage read-out */
        canvas_free(&c);
        dash_view_free(&v);
    }
    snapshot_buf_free(&sb);
}

/* A live simulation of 3 cache sizes in s: lines lru, belady, frequency
 * (lru + prefetch 4); the first run's rows. */
static void fill_deploy(Snapshot *s)
{
    DeploySnapshot *ds = &s->deploy;
    ds->state = DEPLOY_ON;
    ds->n_caches = 3;
    const int caches[3] = {8, 16, 30};
    const char *names[3] = {"lru", "belady", "frequency"};
    memcpy(ds->caches, caches, sizeof caches);
    ds->prefetch = 4;
    ds->lookahead = 1;
    ds->tokens = 2432;
    ds->expert_mb = 17.3;
    ds->link_gbps = 25;
    ds->layer_ms = 0.3;
    ds->fetch_ms = 0.692;
    ds->n_lines = 3;
    for (int l = 0; l < 3; l++) {
        snprintf(ds->line[l], sizeof ds->line[l], "%s", names[l]);
        ds->line_prefetch[l] = l == 2 ? 4 : 0;
        for (int i = 0; i < 3; i++)
            ds->cell[l][i] = (DeployCell){0.1 * (i + 1) + 0.01 * l, l == 2 ? 0.25 : (double)NAN,
                                          1e9, 40.0 - i, 47.2 - i, 1.0 + 0.1 * l};
    }
    RunSnapshot *rs = &s->runs[0];
    rs->has_deploy = 1;
    rs->deploy_step = 400;
    rs->sim_s = 1.0;
    rs->busy_s = 50.0;
    for (int p = 0; p < 2; p++)
        for (int i = 0; i < 3; i++)
            rs->deploy[p][i] = (DeployCell){0.5 + 0.1 * i + 0.05 * p, 0.375, 2e9, 12.5, 19.7,
                                            2.25};
    const int ks[4] = {3, 9, 14, 25};
    memcpy(rs->cover_k, ks, sizeof ks);
}

/* Ensure that the deployment view shows the shown run's rows and the
 * reference lines at the cursor's cache size, follows the cursor, says the
 * cost, and says why when the simulation is off; at both layouts. */
static void test_render_deploy(void **state)
{
    (void)state;
    SnapshotBuf sb;
    Snapshot *s = make_snapshot(&sb, 60, 4, 24, 1);
    fill_deploy(s);
    const int sizes[2][2] = {{120, 40}, {80, 24}};
    for (int z = 0; z < 2; z++) {
        Canvas c;
        DashView v;
        dash_view_init(&v, &glyphs_unicode, 1, s->K);
        keys_dispatch(&v, s, 'd');
        render(&c, s, &v, sizes[z][0], sizes[z][1]);
        assert_true(has_text(&c, "C = 8 of E = 60 resident per layer (13%)"));
        assert_true(has_text(&c, "simple     lru     0.500  0.375    2000.0    12.50    19.70   2.250"));
        assert_true(has_text(&c, "simple     lfu     0.550"));
        assert_true(has_text(&c, "frequency  lru     0.120  0.250    1000.0    40.00    47.20   1.200"));
        assert_true(has_text(&c, "-          belady  0.110      -"));
        assert_true(has_text(&c, "simple 3 9 14 25"));
        assert_true(has_text(&c, "sim 2.0% of simple's time"));
        if (z == 0) /* charts at 120x40 */
            assert_true(has_text(&c, "hit rate vs cache C") && has_text(&c, "1 simple+lru"));
        canvas_free(&c);
        keys_dispatch(&v, s, KEY_END);
        render(&c, s, &v, sizes[z][0], sizes[z][1]);
        assert_true(has_text(&c, "C = 30 of E = 60 resident per layer (50%)"));
        assert_true(has_text(&c, "simple     lru     0.700"));
        assert_int_equal(keys_dispatch(&v, s, KEY_RIGHT), 0); /* at the last size */
        canvas_free(&c);
        dash_view_free(&v);
    }
    s->deploy.state = DEPLOY_OFF;
    snprintf(s->deploy.why_off, sizeof s->deploy.why_off, "off (--sim-tokens 0)");
    Canvas c;
    DashView v;
    dash_view_init(&v, &glyphs_ascii, 0, s->K);
    v.screen = SCREEN_DEPLOY;
    render(&c, s, &v, 80, 24);
    assert_true(has_text(&c, "deployment view: off (--sim-tokens 0)"));
    canvas_free(&c);
    dash_view_free(&v);
    snapshot_buf_free(&sb);
}

/* Ensure that under ASCII glyphs nothing but ASCII reaches the screen, in
 * the main view, the compare view and the help. */
static void test_render_ascii(void **state)
{
    (void)state;
    SnapshotBuf sb;
    Snapshot *s = make_snapshot(&sb, 60, 4, 24, 1);
    fill_deploy(s);
    for (int view = 0; view < 4; view++) {
        Canvas c;
        DashView v;
        dash_view_init(&v, &glyphs_ascii, 0, s->K);
        v.screen = view == 1 ? SCREEN_COMPARE : view == 3 ? SCREEN_DEPLOY : SCREEN_MAIN;
        v.help = view == 2;
        render(&c, s, &v, 120, 40);
        for (int y = 0; y < c.h; y++)
            for (int x = 0; x < c.w; x++)
                assert_true((unsigned char)canvas_at(&c, x, y)->g[0] < 0x80);
        canvas_free(&c);
        dash_view_free(&v);
    }
    snapshot_buf_free(&sb);
}

/* Ensure that the help overlay lists every key of the table with its
 * description, and the compare view one row per run and the baselines. */
static void test_render_help_compare(void **state)
{
    (void)state;
    SnapshotBuf sb;
    Snapshot *s = make_snapshot(&sb, 60, 4, 24, 1);
    Canvas c;
    DashView v;
    dash_view_init(&v, &glyphs_unicode, 1, s->K);
    v.help = 1;
    render(&c, s, &v, 80, 24);
    size_t n;
    const KeyBinding *t = keys_table(&n);
    for (size_t i = 0; i < n; i++) {
        char line[256];
        const char *label = keys_label(&t[i], v.g);
        snprintf(line, sizeof line, "%s%*s  %s", label, 5 - canvas_text_width(label), "",
                 t[i].help);
        assert_true(has_text(&c, line));
    }
    canvas_free(&c);
    v.help = 0;
    v.screen = SCREEN_COMPARE;
    render(&c, s, &v, 120, 40);
    assert_true(has_text(&c, "compare"));
    assert_true(has_text(&c, "val_ce"));
    assert_true(has_text(&c, "recall@4"));
    assert_true(has_text(&c, "simple    RUNNING"));
    assert_true(has_text(&c, "chance"));
    assert_true(has_text(&c, "frequency"));
    canvas_free(&c);
    dash_view_free(&v);
    snapshot_buf_free(&sb);
}

/* Ensure that a HALTED run shows its state and reason on the status line,
 * and that runs not shown carry their state in the run list. */
static void test_render_states(void **state)
{
    (void)state;
    SnapshotBuf sb;
    Snapshot *s = make_snapshot(&sb, 8, 2, 3, 3);
    s->n_runs = 3;
    const char *names[3] = {"simple", "hybrid", "complex"};
    const RunState states[3] = {RUN_HALTED, RUN_PAUSED, RUN_DONE};
    for (int i = 0; i < 3; i++) {
        RunSnapshot *rs = &s->runs[i];
        snprintf(rs->name, sizeof rs->name, "%s", names[i]);
        snprintf(rs->arch, sizeof rs->arch, "%s", names[i]);
        rs->state = states[i];
    }
    snprintf(s->runs[0].message, sizeof s->runs[0].message, "non-finite loss at step 12");
    DashView kv;
    dash_view_init(&kv, &glyphs_ascii, 0, s->K);
    assert_int_equal(keys_dispatch(&kv, s, '3'), KEYS_REDRAW); /* the third run */
    assert_int_equal(kv.run, 2);
    assert_int_equal(keys_dispatch(&kv, s, '4'), 0); /* no fourth run: nothing */
    assert_int_equal(kv.run, 2);
    dash_view_free(&kv);
    Canvas c;
    DashView v;
    dash_view_init(&v, &glyphs_unicode, 1, s->K);
    render(&c, s, &v, 120, 40);
    assert_true(has_text(&c, " HALTED "));
    assert_true(has_text(&c, "simple HALTED: non-finite loss at step 12"));
    assert_true(has_text(&c, "2 hybrid (paused) 3 complex (done)"));
    canvas_free(&c);
    v.run = 2;
    render(&c, s, &v, 120, 40);
    assert_true(has_text(&c, "1 simple (halted) 2 hybrid (paused) 3 complex "));
    assert_true(has_text(&c, " DONE "));
    canvas_free(&c);
    dash_view_free(&v);
    snapshot_buf_free(&sb);
}

/* Ensure that a terminal below the minimum gets a note, not a crash, and
 * still shows the quit prompt. */
static void test_render_too_small(void **state)
{
    (void)state;
    SnapshotBuf sb;
    Snapshot *s = make_snapshot(&sb, 60, 4, 24, 1);
    Canvas c;
    DashView v;
    dash_view_init(&v, &glyphs_unicode, 1, s->K);
    render(&c, s, &v, 30, 8);
    assert_true(has_text(&c, "too small"));
    canvas_free(&c);
    keys_dispatch(&v, s, 'q');
    render(&c, s, &v, 40, 8);
    assert_true(has_text(&c, "Quit with unsaved runs? (y/n)"));
    canvas_free(&c);
    dash_view_free(&v);
    snapshot_buf_free(&sb);
}

/* Ensure that durations, rates and shares are written as documented. */
static void test_formats(void **state)
{
    (void)state;
    char b[32];
    fmt_duration(b, sizeof b, 3725);
    assert_string_equal(b, "1h02m");
    fmt_duration(b, sizeof b, 245);
    assert_string_equal(b, "4m05s");
    fmt_duration(b, sizeof b, 9.4);
    assert_string_equal(b, "9s");
    fmt_duration(b, sizeof b, (double)NAN);
    assert_string_equal(b, "--");
    fmt_rate(b, sizeof b, 950);
    assert_string_equal(b, "950");
    fmt_rate(b, sizeof b, 12345);
    assert_string_equal(b, "12.3k");
    fmt_rate(b, sizeof b, 1.2e6);
    assert_string_equal(b, "1.20M");
    fmt_share(b, sizeof b, (double)NAN);
    assert_string_equal(b, "-");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot_flat_copy),
        cmocka_unit_test(test_chart_map),
        cmocka_unit_test(test_chart_bin_factor),
        cmocka_unit_test(test_confusion_bin),
        cmocka_unit_test(test_expert_recall_bin),
        cmocka_unit_test(test_braille_line),
        cmocka_unit_test(test_ascii_chart),
        cmocka_unit_test(test_heatmap),
        cmocka_unit_test(test_bars),
        cmocka_unit_test(test_key_table_complete),
        cmocka_unit_test(test_keys_dispatch),
        cmocka_unit_test(test_keys_interrupt),
        cmocka_unit_test(test_render_layouts), cmocka_unit_test(test_render_gate),
        cmocka_unit_test(test_render_ascii), cmocka_unit_test(test_render_deploy),
        cmocka_unit_test(test_render_help_compare),
        cmocka_unit_test(test_render_states),
        cmocka_unit_test(test_render_too_small),
        cmocka_unit_test(test_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * bad_craft.c: a helper of tests/bad_inputs.sh that crafts bad files the
 * way an attacker (or a buggy writer) would: with the checksum redone, so
 * that the reader's bounds are what stops them, not the checksum. Built
 * for make check only; it links the reference checksum (src/data/
 * checksum.c), so the files it seals are exactly what moespec computes.
 *
 *   bad_craft put FILE OFFSET WIDTH VALUE  little-endian integer of WIDTH
 *                                          (1, 2, 4, 8) bytes; VALUE signed
 *                                          or unsigned decimal or 0x hex
 *   bad_craft putf64 FILE OFFSET VALUE     an f64 (strtod: nan, inf, 1e300)
 *   bad_craft putf32 FILE OFFSET VALUE     an f32 likewise
 *   bad_craft get FILE OFFSET WIDTH        prints the unsigned little-endian
 *                                          integer there
 *   bad_craft seal-shard FILE              shard checksum (field 120 read as
 *                                          zero) written at 120; prints it
 *   bad_craft hash FILE                    checksum of the whole file (the
 *                                          manifest's router line)
 *   bad_craft seal-ckpt FILE               checkpoint checksum (every byte
 *                                          before the last 8) written there
 *   bad_craft ckpt-at FILE FIELD           byte offset of a field of the
 *                                          checkpoint's variable part:
 *                                          data-len, val-len, shape, state,
 *                                          planned, step, cursor, group,
 *                                          offset, rng, nparams, params,
 *                                          history
 *   bad_craft sigdfl CMD ARG...            runs CMD with SIGINT and SIGQUIT
 *                                          at their defaults (a shell's
 *                                          background job has them ignored,
 *                                          and an ignored signal stays so)
 * Exit status 0, or 1 with a message on stderr.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/checksum.h"

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bad_craft: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    size_t cap = 1 << 16, len = 0;
    unsigned char *p = malloc(cap);
    for (;;) {
        if (!p) {
            fprintf(stderr, "bad_craft: out of memory\n");
            exit(1);
        }
        len += fread(p + len, 1, cap - len, f);
        if (len < cap)
            break;
        cap *= 2;
        p = realloc(p, cap);
    }
    fclose(f);
    *n = len;
    return p;
}

static void spill(const char *path, const unsigned char *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "bad_craft: %s: cannot write\n", path);
        exit(1);
    }
}

static void put_le(unsigned char *p, int width, uint64_t v)
{
    for (int i = 0; i < width; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int width)
{
    uint64_t v = 0;
    for (int i = 0; i < width; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static size_t number(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || end == s) {
        fprintf(stderr, "bad_craft: '%s' is not an offset\n", s);
        exit(1);
    }
    return (size_t)v;
}

static void need(size_t n, size_t at, size_t width)
{
    if (at > n || width > n - at) {
        fprintf(stderr, "bad_craft: offset %zu + %zu past the file's %zu bytes\n", at, width, n);
        exit(1);
    }
}

/* The checkpoint's variable part, as checkpoint_read.c reads it. */
static size_t ckpt_at(const unsigned char *p, size_t n, const char *field)
{
    need(n, 8, 4);
    uint32_t version = (uint32_t)get_le(p + 8, 4);
    size_t at = version >= 2 ? 172 : 168;
    if (!strcmp(field, "data-len"))
        return at;
    need(n, at, 4);
    at += 4 + get_le(p + at, 4) + 8;
    if (!strcmp(field, "val-len"))
        return at;
    need(n, at, 4);
    at += 4 + get_le(p + at, 4) + 8;
    if (!strcmp(field, "shape"))
        return at;
    at += 16;
    static const struct {
        const char *name;
        size_t off;
    } prog[] = {{"state", 0}, {"planned", 4}, {"step", 20}, {"cursor", 36},
                {"group", 44}, {"offset", 52}, {"rng", 124}, {"nparams", 164},
                {"params", 172}};
    for (size_t i = 0; i < sizeof prog / sizeof prog[0]; i++)
        if (!strcmp(field, prog[i].name))
            return at + prog[i].off;
    if (!strcmp(field, "history")) {
        need(n, at + 164, 8);
        return at + 172 + 12 * get_le(p + at + 164, 8);
    }
    fprintf(stderr, "bad_craft: unknown checkpoint field '%s'\n", field);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bad_craft put|putf64|putf32|get|seal-shard|hash|seal-ckpt|ckpt-at "
                        "FILE ..., or bad_craft sigdfl CMD ...\n");
        return 1;
    }
    const char *cmd = argv[1], *path = argv[2];
    if (!strcmp(cmd, "sigdfl")) {
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        execvp(argv[2], argv + 2);
        fprintf(stderr, "bad_craft: %s: %s\n", argv[2], strerror(errno));
        return 127;
    }
    size_t n;
    unsigned char *p = slurp(path, &n);
    if (!strcmp(cmd, "put") && argc == 6) {
        size_t at = number(argv[3]), width = number(argv[4]);
        if (width != 1 && width != 2 && width != 4 && width != 8) {
            fprintf(stderr, "bad_craft: width %zu\n", width);
            return 1;
        }
        char *end;
        errno = 0;
        uint64_t v = argv[5][0] == '-' ? (uint64_t)strtoll(argv[5], &end, 0)
                                       : (uint64_t)strtoull(argv[5], &end, 0);
        if (errno || *end) {
            fprintf(stderr, "bad_craft: '%s' is not an integer\n", argv[5]);
            return 1;
        }
        need(n, at, width);
        put_le(p + at, (int)width, v);
        spill(path, p, n);
    } else if (!strcmp(cmd, "putf64") && argc == 5) {
        size_t at = number(argv[3]);
        double d = strtod(argv[4], NULL);
        uint64_t v;
        memcpy(&v, &d, 8);
        need(n, at, 8);
        put_le(p + at, 8, v);
        spill(path, p, n);
    } else if (!strcmp(cmd, "putf32") && argc == 5) {
        size_t at = number(argv[3]);
        float f = strtof(argv[4], NULL);
        uint32_t v;
        memcpy(&v, &f, 4);
        need(n, at, 4);
        put_le(p + at, 4, v);
        spill(path, p, n);
    } else if (!strcmp(cmd, "get") && argc == 5) {
        size_t at = number(argv[3]), width = number(argv[4]);
        if (width < 1 || width > 8) {
            fprintf(stderr, "bad_craft: width %zu\n", width);
            return 1;
        }
        need(n, at, width);
        printf("%llu\n", (unsigned long long)get_le(p + at, (int)width));
    } else if (!strcmp(cmd, "seal-shard") && argc == 3) {
        need(n, 120, 8);
        put_le(p + 120, 8, 0);
        uint64_t h = tracehash(p, n);
        put_le(p + 120, 8, h);
        spill(path, p, n);
        printf("%016llx\n", (unsigned long long)h);
    } else if (!strcmp(cmd, "hash") && argc == 3) {
        printf("%016llx\n", (unsigned long long)tracehash(p, n));
    } else if (!strcmp(cmd, "seal-ckpt") && argc == 3) {
        need(n, 0, 8);
        put_le(p + n - 8, 8, tracehash(p, n - 8));
        spill(path, p, n);
    } else if (!strcmp(cmd, "ckpt-at") && argc == 4) {
        printf("%zu\n", ckpt_at(p, n, argv[3]));
    } else {
        fprintf(stderr, "bad_craft: bad arguments for '%s'\n", cmd);
        return 1;
    }
    free(p);
    return 0;
}

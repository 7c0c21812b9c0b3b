/*
 * replay.c: feeds files to a fuzz target's LLVMFuzzerTestOneInput without
 * libFuzzer, so the committed corpora (tests/corpus/) run in `make check`
 * under gcc and any sanitizer build (after the target's
 * LLVMFuzzerInitialize, when it has one). Arguments are files or
 * directories (every regular file inside, not recursive); with none, the
 * directory $srcdir/tests/corpus/REPLAY_CORPUS (a compile-time name). Exits
 * 0 after feeding them all, 1 if an input cannot be read, 77 (skipped) if
 * no file was found. A crash or sanitizer report fails the test.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* A target's one-time setup, optional as in libFuzzer (a weak reference:
 * NULL when the target has none). */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            unsigned char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        return -1;
    /* an exact-size copy, so reading past the end is caught by sanitizers */
    unsigned char *exact = malloc(n ? n : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0, bad = 0;
    char def[4096];
    char *def_argv[2] = {argv[0], def};
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
#ifdef REPLAY_CORPUS
    if (argc < 2) {
        const char *srcdir = getenv("srcdir");
        snprintf(def, sizeof def, "%s/tests/corpus/%s", srcdir ? srcdir : ".", REPLAY_CORPUS);
        argc = 2;
        argv = def_argv;
    }
#endif
    (void)def_argv;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st)) {
            perror(argv[i]);
            bad = 1;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            bad |= replay_file(argv[i]) != 0;
            files++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], de->d_name);
            if (de->d_name[0] == '.' || stat(path, &st) || !S_ISREG(st.st_mode))
                continue;
            bad |= replay_file(path) != 0;
            files++;
        }
        if (d)
            closedir(d);
    }
    printf("replayed %d inputs\n", files);
    return bad ? 1 : files ? 0 : 77;
}

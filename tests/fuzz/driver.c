/*
 * driver.c: runs a fuzz target over its seed corpus without libFuzzer.
 *
 * usage: fuzz_<parser> FILE_OR_DIR...
 * Calls LLVMFuzzerTestOneInput() once per file, so the corpora run as ordinary
 * tests under gcc and the sanitizers (libssh's tests/fuzz does the same). Fails if
 * no input was found, so an empty or missing corpus cannot pass silently.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t len = 0, cap = 0, n;
    uint8_t chunk[65536];

    if (f == NULL) {
        fprintf(stderr, "driver: cannot open '%s'\n", path);
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (len + n > cap) {
            cap = (len + n) * 2;
            data = realloc(data, cap);
            if (data == NULL)
                abort();
        }
        memcpy(data + len, chunk, n);
        len += n;
    }
    fclose(f);
    /* Copy into an exact-size buffer so ASan catches reads past the end. */
    {
        uint8_t *exact = malloc(len ? len : 1);
        if (exact == NULL)
            abort();
        if (len)
            memcpy(exact, data, len);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    free(data);
    return 0;
}

static int run_path(const char *path, int *count)
{
    struct stat st;
    DIR *d;
    struct dirent *ent;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "driver: cannot stat '%s'\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (run_file(path) < 0)
            return -1;
        (*count)++;
        return 0;
    }
    d = opendir(path);
    if (d == NULL)
        return -1;
    while ((ent = readdir(d)) != NULL) {
        char sub[4096];
        if (ent->d_name[0] == '.')
            continue;
        snprintf(sub, sizeof(sub), "%s/%s", path, ent->d_name);
        if (run_path(sub, count) < 0) {
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    return 0;
}

int main(int argc, char **argv)
{
    int count = 0;
    int i;

    for (i = 1; i < argc; i++) {
        if (run_path(argv[i], &count) < 0)
            return 1;
    }
    if (count == 0) {
        fprintf(stderr, "driver: no inputs found\n");
        return 1;
    }
    printf("driver: ran %d inputs\n", count);
    return 0;
}

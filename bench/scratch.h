/*
 * scratch.h: the scratch directories the benchmarks write synthetic files to
 * (bench/linkage.c, bench/link_scale.c): removing one when done. Header-only, as
 * each benchmark is one executable.
 */
#ifndef TIPHUB_BENCH_SCRATCH_H
#define TIPHUB_BENCH_SCRATCH_H

#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

/* Remove dir and the files in it (one level: the benchmarks write no subdirectories). */
static inline void scratch_remove(const char *dir)
{
    DIR *dh = opendir(dir);
    struct dirent *de;
    char path[4096];

    if (dh == NULL)
        return;
    for (;;) {
        de = readdir(dh);
        if (de == NULL)
            break;
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        unlink(path);
    }
    closedir(dh);
    rmdir(dir);
}

#endif

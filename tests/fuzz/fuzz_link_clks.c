/*
 * fuzz_link_clks.c: fuzz target for the clkhash CLK file reader (link_clks_parse)
 * and the blocking option parser (link_blocking_parse).
 *
 * The input is parsed as a CLK file; when it is accepted, every record must have
 * the length found and its popcount must match its bits. The same bytes, with a
 * NUL added, are also parsed as a --blocking value; when accepted, the bands and
 * bits must be in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dice.h"
#include "err.h"
#include "link.h"

#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dice_clks s;
    struct link_opts o;
    struct err e;
    size_t bytes = 0, i, w;
    char *text = malloc(size + 1);

    if (text == NULL)
        abort();
    err_init(&e);
    if (link_clks_parse((const char *)data, size, "fuzz.json", &bytes, &s, &e) == 0) {
        if (s.n > 0 && (bytes == 0 || s.nbits < bytes * 8 || s.nbits % 64 != 0))
            abort();
        for (i = 0; i < s.n; i++) {
            uint32_t pc = 0;
            for (w = 0; w < s.words; w++)
                pc += (uint32_t)__builtin_popcountll(s.bits[i * s.words + w]);
            if (pc != s.pop[i])
                abort();
        }
        dice_clks_release(&s);
    }
    memcpy(text, data, size);
    text[size] = '\0';
    link_opts_init(&o);
    if (link_blocking_parse(text, &o, &e) == 0 && o.blocking == LINK_BLOCK_LSH &&
        (o.lsh_bands == 0 || o.lsh_bands > LINK_LSH_MAX_BANDS || o.lsh_bits == 0 ||
         o.lsh_bits > LINK_LSH_MAX_BITS))
        abort();
    free(text);
    return 0;
}

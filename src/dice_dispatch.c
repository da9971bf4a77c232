/*
 * dice_dispatch.c: which comparison kernel runs, decided once per process.
 *
 * The CPU is asked with __builtin_cpu_supports(), which also checks that the operating
 * system saves the wide registers (XCR0), so a kernel is only ever called where its
 * instructions work. TIPHUB_DICE_KERNEL=scalar|avx2|avx512 forces one (for tests and
 * benchmarks); forcing one the CPU lacks is refused, never silently replaced.
 */
#include "dice.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dice_int.h"
#include "err.h"
#include "strutil.h"

#include "banned.h"

static const char *const kernel_names[] = {"auto", "scalar", "avx2", "avx512"};

const char *dice_kernel_name(enum dice_kernel k)
{
    if ((unsigned)k < sizeof(kernel_names) / sizeof(kernel_names[0]))
        return kernel_names[k];
    return "unknown";
}

int dice_kernel_parse(const char *name, enum dice_kernel *out)
{
    unsigned i;

    for (i = 0; i < sizeof(kernel_names) / sizeof(kernel_names[0]); i++) {
        if (strcmp(name, kernel_names[i]) == 0) {
            *out = (enum dice_kernel)i;
            return 0;
        }
    }
    return ERR_INVALID;
}

bool dice_kernel_supported(enum dice_kernel k)
{
    switch (k) {
    case DICE_KERNEL_AUTO:
    case DICE_KERNEL_SCALAR:
        return true;
#if defined(__x86_64__) || defined(__i386__)
    case DICE_KERNEL_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
    case DICE_KERNEL_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq");
#else
    case DICE_KERNEL_AVX2:
    case DICE_KERNEL_AVX512:
        return false;
#endif
    }
    return false;
}

static pthread_once_t popcnt_once = PTHREAD_ONCE_INIT;
static bool has_popcnt;

static void probe_popcnt(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    has_popcnt = __builtin_cpu_supports("popcnt");
#endif
}

bool dice__cpu_popcnt(void)
{
    pthread_once(&popcnt_once, probe_popcnt);
    return has_popcnt;
}

/* The decision, made once by choose(). */
static pthread_once_t choose_once = PTHREAD_ONCE_INIT;
static enum dice_kernel chosen;
static int chosen_rc;
static char chosen_name[16]; /* the forced name, for the message */

static void choose(void)
{
    const char *env = getenv("TIPHUB_DICE_KERNEL");
    enum dice_kernel k;

    if (env != NULL && env[0] != '\0') {
        str_copy(chosen_name, env, sizeof(chosen_name));
        if (dice_kernel_parse(env, &k) < 0) {
            chosen_rc = ERR_INVALID;
            return;
        }
        if (k != DICE_KERNEL_AUTO) {
            chosen = k;
            chosen_rc = dice_kernel_supported(k) ? 0 : ERR_UNSUPPORTED;
            return;
        }
    }
    if (dice_kernel_supported(DICE_KERNEL_AVX512))
        chosen = DICE_KERNEL_AVX512;
    else if (dice_kernel_supported(DICE_KERNEL_AVX2))
        chosen = DICE_KERNEL_AVX2;
    else
        chosen = DICE_KERNEL_SCALAR;
    chosen_rc = 0;
}

int dice_kernel_default(enum dice_kernel *out, struct err *e)
{
    pthread_once(&choose_once, choose);
    if (chosen_rc == ERR_INVALID)
        return err_set(e, ERR_INVALID,
                       "TIPHUB_DICE_KERNEL='%s' is not one of scalar, avx2, avx512, auto",
                       chosen_name);
    if (chosen_rc == ERR_UNSUPPORTED)
        return err_set(e, ERR_UNSUPPORTED,
                       "TIPHUB_DICE_KERNEL='%s' asks for a kernel this CPU cannot run",
                       chosen_name);
    *out = chosen;
    return 0;
}

int dice_kernel_resolve(enum dice_kernel k, enum dice_kernel *out, struct err *e)
{
    if (k == DICE_KERNEL_AUTO)
        return dice_kernel_default(out, e);
    if ((unsigned)k > DICE_KERNEL_AVX512)
        return err_set(e, ERR_INVALID, "unknown dice kernel %d", (int)k);
    if (!dice_kernel_supported(k))
        return err_set(e, ERR_UNSUPPORTED, "this CPU cannot run the '%s' dice kernel",
                       dice_kernel_name(k));
    *out = k;
    return 0;
}

dice__kernel_fn dice__kernel_fn_of(enum dice_kernel k)
{
    switch (k) {
    case DICE_KERNEL_AVX512:
        return dice__kernel_avx512;
    case DICE_KERNEL_AVX2:
        return dice__kernel_avx2;
    case DICE_KERNEL_AUTO:
    case DICE_KERNEL_SCALAR:
        break;
    }
    return dice__kernel_scalar;
}

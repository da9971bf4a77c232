/*
 * test_stats_ledger.c: differentially private releases and the privacy budget
 * ledger (stats_dp.c, store_stats.c): a release is stored and debited in one
 * transaction; the same query returns the stored release (never fresh noise);
 * a query over budget is refused; a release that dies after its noise is drawn and
 * before its commit (a failing hook, or a process killed) spends nothing and stores
 * nothing; processes asking at once never take the budget below zero and each
 * query is debited once; a release measures the full public category lists.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "codes.h"
#include "stats.h"
#include "stats_fixture.h"

static const unsigned char SEED[32] = {1, 2, 3};

/* A hub of 60 persons, about 1.5 records each, three agencies. */
static int setup(void **state)
{
    struct hubfx *fx = calloc(1, sizeof(*fx));
    static const char *const cit[] = {"UKR", "NGA", "DEU", "THA", NULL};
    int64_t sub[3];
    int p;

    if (hubfx_open(fx, "stats-ledger") < 0)
        return -1;
    sub[0] = hubfx_submission(fx, "police-1");
    sub[1] = hubfx_submission(fx, "ngo-1");
    sub[2] = hubfx_submission(fx, "labour-1");
    if (hubfx_run(fx, 60) < 0)
        return -1;
    for (p = 1; p <= 60; p++) {
        int n = 1 + (p % 2), k;
        for (k = 0; k < n; k++) {
            int64_t id = hubfx_record(fx, sub[(p + k) % 3], p % 3 ? 'F' : 'M', p % 4 ? 'A' : 'C',
                                      cit[p % 5], "DEU", "DEU", 1u << (p % 9), 2019 + p % 5);
            if (id < 0 || hubfx_member(fx, id, p) < 0)
                return -1;
        }
    }
    if (hubfx_commit(fx) < 0)
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct hubfx *fx = *state;
    hubfx_close(fx);
    free(fx);
    stats_dp_test_hook = NULL;
    return 0;
}

static void budget(struct store *s, const char *dataset, int64_t *total, int64_t *spent)
{
    struct err e;
    bool exists;
    assert_int_equal(store_budget_get(s, dataset, 1000000000, total, spent, NULL, &exists, &e), 0);
}

static int count_one(const struct store_release *r, void *arg)
{
    (void)r;
    (*(int *)arg)++;
    return 0;
}

static int nreleases(struct store *s, const char *dataset)
{
    struct err e;
    int n = 0;
    assert_int_equal(store_release_each(s, dataset, count_one, &n, &e), 0);
    return n;
}

static struct stats_dp_query query(const char *dataset, const char *eps)
{
    struct stats_dp_query q;
    memset(&q, 0, sizeof(q));
    q.dataset = dataset;
    q.epsilon = eps;
    q.mechanism = STATS_LAPLACE;
    stats_options_init(&q.opt);
    return q;
}

static void test_epsilon_parse(void **state)
{
    int64_t n = 0;
    char out[32];
    struct err e;
    (void)state;
    assert_int_equal(stats_epsilon_parse("0.5", &n, &e), 0);
    assert_int_equal(n, 500000000);
    assert_int_equal(stats_epsilon_parse("2", &n, &e), 0);
    assert_int_equal(n, 2000000000);
    assert_int_equal(stats_epsilon_parse("0.000000001", &n, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(stats_epsilon_parse("0", &n, &e), ERR_INVALID);
    assert_int_equal(stats_epsilon_parse("-1", &n, &e), ERR_INVALID);
    assert_int_equal(stats_epsilon_parse("0.0000000001", &n, &e), ERR_INVALID);
    assert_int_equal(stats_epsilon_parse("1e-3", &n, &e), ERR_INVALID);
    assert_int_equal(stats_epsilon_parse(".", &n, &e), ERR_INVALID);
    assert_int_equal(stats_epsilon_parse("", &n, &e), ERR_INVALID);
    stats_epsilon_format(250000000, out);
    assert_string_equal(out, "0.25");
    stats_epsilon_format(3000000000, out);
    assert_string_equal(out, "3");
}

static void test_release_stored_and_reused(void **state)
{
    struct hubfx *fx = *state;
    struct stats_dp_query q = query("reuse", "0.25");
    struct stats_release *a = NULL, *b = NULL, *c = NULL;
    int64_t total, spent;
    struct err e;

    assert_int_equal(stats_dp_release(fx->s, &q, SEED, &a, &e), 0);
    assert_false(a->reused);
    budget(fx->s, "reuse", &total, &spent);
    assert_int_equal(total, 1000000000); /* the default budget: epsilon 1 */
    assert_int_equal(spent, 250000000);
    /* the same query: the stored release, byte for byte, nothing more spent (no seed:
     * fresh noise would differ) */
    assert_int_equal(stats_dp_release(fx->s, &q, NULL, &b, &e), 0);
    assert_true(b->reused);
    assert_int_equal(b->id, a->id);
    assert_string_equal(b->payload, a->payload);
    budget(fx->s, "reuse", &total, &spent);
    assert_int_equal(spent, 250000000);
    assert_int_equal(nreleases(fx->s, "reuse"), 1);
    /* served from storage by id */
    assert_int_equal(stats_release_get(fx->s, a->id, &c, &e), 0);
    assert_string_equal(c->payload, a->payload);
    assert_string_equal(c->epsilon, "0.25");
    stats_release_free(c);
    c = NULL;
    /* "0.250" is the same query (canonical key) */
    q.epsilon = "0.250";
    assert_int_equal(stats_dp_release(fx->s, &q, NULL, &c, &e), 0);
    assert_true(c->reused);
    stats_release_free(c);
    c = NULL;
    /* another year is another query: charged */
    q.opt.year = 2021;
    assert_int_equal(stats_dp_release(fx->s, &q, SEED, &c, &e), 0);
    assert_false(c->reused);
    budget(fx->s, "reuse", &total, &spent);
    assert_int_equal(spent, 500000000);
    assert_int_equal(nreleases(fx->s, "reuse"), 2);
    /* the run id is part of the key */
    assert_non_null(strstr(a->query_key, "run=1;"));
    stats_release_free(a);
    stats_release_free(b);
    stats_release_free(c);
}

static void test_over_budget_refused(void **state)
{
    struct hubfx *fx = *state;
    struct stats_dp_query q = query("tight", "0.6");
    struct stats_release *a = NULL;
    int64_t total, spent;
    struct err e;

    assert_int_equal(stats_dp_release(fx->s, &q, SEED, &a, &e), 0);
    stats_release_free(a);
    a = NULL;
    q.epsilon = "0.5";
    assert_int_equal(stats_dp_release(fx->s, &q, SEED, &a, &e), ERR_REFUSED);
    assert_null(a);
    assert_non_null(strstr(e.msg, "over budget"));
    budget(fx->s, "tight", &total, &spent);
    assert_int_equal(spent, 600000000);
    assert_int_equal(nreleases(fx->s, "tight"), 1);
    /* exactly what is left is allowed */
    q.epsilon = "0.4";
    assert_int_equal(stats_dp_release(fx->s, &q, SEED, &a, &e), 0);
    stats_release_free(a);
    budget(fx->s, "tight", &total, &spent);
    assert_int_equal(spent, total);
    /* with nothing left, a query asked before is still answered, from storage */
    q.epsilon = "0.6";
    a = NULL;
    assert_int_equal(stats_dp_release(fx->s, &q, NULL, &a, &e), 0);
    assert_true(a->reused);
    stats_release_free(a);
    /* the budget cannot be set below what is spent; raising it allows more */
    assert_int_equal(store_budget_set(fx->s, "tight", 500000000, &e), ERR_REFUSED);
    assert_int_equal(store_budget_set(fx->s, "tight", 2000000000, &e), 0);
    q.epsilon = "0.3";
    a = NULL;
    assert_int_equal(stats_dp_release(fx->s, &q, SEED, &a, &e), 0);
    stats_release_free(a);
    /* the store function refuses too, on its own */
    {
        struct store_release r;
        int64_t id;
        memset(&r, 0, sizeof(r));
        r.dataset = "tight";
        r.query_key = "k";
        r.mode = "dp-laplace";
        r.epsilon_nano = 800000000;
        r.payload = "{}";
        assert_int_equal(store_begin(fx->s, &e), 0);
        assert_int_equal(store_release_add(fx->s, &r, 1000000000, &id, &e), ERR_REFUSED);
        store_rollback(fx->s);
    }
}

static int hook_fail(void)
{
    return -1;
}

static int hook_kill(void)
{
    raise(SIGKILL);
    return 0;
}

static void test_failure_before_commit(void **state)
{
    struct hubfx *fx = *state;
    struct stats_dp_query q = query("crash", "0.5");
    struct stats_release *a = NULL;
    int64_t total, spent;
    struct err e;
    pid_t pid;
    int status = 0;

    /* a hook that fails after the noise is drawn and the release written */
    stats_dp_test_hook = hook_fail;
    assert_true(stats_dp_release(fx->s, &q, SEED, &a, &e) < 0);
    stats_dp_test_hook = NULL;
    assert_null(a);
    budget(fx->s, "crash", &total, &spent);
    assert_int_equal(spent, 0);
    assert_int_equal(nreleases(fx->s, "crash"), 0);

    /* a process killed at that moment */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct store *s = NULL;
        struct stats_release *r = NULL;
        if (store_open(fx->path, 0, &s, &e) < 0)
            _exit(2);
        stats_dp_test_hook = hook_kill;
        stats_dp_release(s, &q, SEED, &r, &e);
        _exit(3); /* not reached */
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);
    {
        struct store *s = NULL;
        assert_int_equal(store_open(fx->path, 0, &s, &e), 0);
        assert_int_equal(store_check(s, &e), 0);
        budget(s, "crash", &total, &spent);
        assert_int_equal(spent, 0);
        assert_int_equal(nreleases(s, "crash"), 0);
        store_close(s);
    }
    /* and afterwards the query goes through, once */
    assert_int_equal(stats_dp_release(fx->s, &q, SEED, &a, &e), 0);
    stats_release_free(a);
    budget(fx->s, "crash", &total, &spent);
    assert_int_equal(spent, 500000000);
}

/* Run n children at once (after a barrier); child i asks epsilons[i]. */
static void race(struct hubfx *fx, const char *dataset, const char *const *eps, int n, int64_t *ids,
                 int *codes)
{
    int go[2], back[2], i;
    pid_t pids[8];

    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(back), 0);
    for (i = 0; i < n; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            struct store *s = NULL;
            struct stats_release *r = NULL;
            struct stats_dp_query q = query(dataset, eps[i]);
            struct err e;
            char c;
            int64_t msg[2] = {i, 0};
            close(go[1]);
            if (store_open(fx->path, 0, &s, &e) < 0)
                _exit(2);
            if (read(go[0], &c, 1) != 1) /* wait for the start */
                _exit(2);
            if (stats_dp_release(s, &q, NULL, &r, &e) == 0)
                msg[1] = r->id;
            else
                msg[1] = e.code == ERR_REFUSED ? -5 : -1;
            if (write(back[1], msg, sizeof(msg)) != (ssize_t)sizeof(msg))
                _exit(2);
            stats_release_free(r);
            store_close(s);
            _exit(0);
        }
    }
    close(go[0]);
    close(back[1]);
    {
        char start[8] = {0};
        assert_int_equal(write(go[1], start, (size_t)n), n);
    }
    close(go[1]);
    for (i = 0; i < n; i++) {
        int64_t msg[2];
        assert_int_equal(read(back[0], msg, sizeof(msg)), (ssize_t)sizeof(msg));
        ids[msg[0]] = msg[1];
    }
    close(back[0]);
    for (i = 0; i < n; i++) {
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        codes[i] = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
}

static int sum_eps(const struct store_release *r, void *arg)
{
    *(int64_t *)arg += r->epsilon_nano;
    return 0;
}

static void test_concurrent_queries(void **state)
{
    struct hubfx *fx = *state;
    static const char *const different[4] = {"0.4", "0.3", "0.35", "0.45"};
    static const char *const same[4] = {"0.2", "0.2", "0.2", "0.2"};
    int64_t ids[4], total, spent, sum = 0;
    int codes[4], i, ok = 0, refused = 0;
    struct err e;

    /* different queries: the budget (1) admits some, never more than it holds */
    race(fx, "race", different, 4, ids, codes);
    for (i = 0; i < 4; i++) {
        assert_int_equal(codes[i], 0);
        ok += ids[i] > 0;
        refused += ids[i] == -5;
    }
    assert_int_equal(ok + refused, 4);
    assert_true(ok >= 2);      /* any two of them fit */
    assert_true(refused >= 1); /* all four (1.5) do not */
    budget(fx->s, "race", &total, &spent);
    assert_true(spent <= total);
    assert_int_equal(store_release_each(fx->s, "race", sum_eps, &sum, &e), 0);
    assert_int_equal(sum, spent); /* each release debited once, nothing else */
    assert_int_equal(nreleases(fx->s, "race"), ok);

    /* the same query from four processes: one release, debited once, served to all */
    race(fx, "same", same, 4, ids, codes);
    for (i = 0; i < 4; i++) {
        assert_int_equal(codes[i], 0);
        assert_true(ids[i] > 0);
        assert_int_equal(ids[i], ids[0]);
    }
    budget(fx->s, "same", &total, &spent);
    assert_int_equal(spent, 200000000);
    assert_int_equal(nreleases(fx->s, "same"), 1);
}

static void test_release_full_lists(void **state)
{
    struct hubfx *fx = *state;
    struct stats_dp_query q = query("lists", "0.5");
    struct stats_release *a = NULL;
    json_error_t jerr;
    json_t *o, *tables, *t;
    size_t i;
    bool found_cit = false, found_flows = false;
    struct err e;

    assert_int_equal(stats_dp_release(fx->s, &q, SEED, &a, &e), 0);
    o = json_loads(a->payload, 0, &jerr);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "protection")), "dp");
    assert_true(json_is_integer(json_object_get(o, "persons")));
    assert_true(json_is_integer(json_object_get(o, "records")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "dp"), "mechanism")),
                        "discrete-laplace");
    tables = json_object_get(o, "tables");
    for (i = 0; i < json_array_size(tables); i++) {
        const char *name;
        t = json_array_get(tables, i);
        name = json_string_value(json_object_get(t, "name"));
        if (strcmp(name, "citizenship") == 0) {
            /* every country of the list, and unknown, noisy zeros included */
            assert_int_equal(json_array_size(json_object_get(t, "values")),
                             codes_country_count() + 1);
            found_cit = true;
        }
        if (strcmp(name, "year") == 0)
            assert_int_equal(json_array_size(json_object_get(t, "values")), 2030 - 2000 + 2);
        found_flows = found_flows || strcmp(name, "flows") == 0;
    }
    assert_true(found_cit);
    assert_false(found_flows); /* flows by country are not measured */
    json_decref(o);
    stats_release_free(a);

    /* Gaussian: charged epsilon and delta */
    q.mechanism = STATS_GAUSSIAN;
    a = NULL;
    assert_int_equal(stats_dp_release(fx->s, &q, SEED, &a, &e), 0);
    assert_string_equal(a->mode, "dp-gaussian");
    o = json_loads(a->payload, 0, &jerr);
    assert_true(json_real_value(json_object_get(json_object_get(o, "dp"), "rho")) > 0);
    json_decref(o);
    stats_release_free(a);
    {
        int64_t total, spent;
        double delta = 0;
        bool exists;
        assert_int_equal(
            store_budget_get(fx->s, "lists", 1000000000, &total, &spent, &delta, &exists, &e), 0);
        assert_int_equal(spent, 1000000000);
        assert_true(delta > 0 && delta < 1e-9);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epsilon_parse),
        cmocka_unit_test_setup_teardown(test_release_stored_and_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_over_budget_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_before_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_full_lists, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

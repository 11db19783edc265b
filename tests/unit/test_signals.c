/* Unit tests for daemon/signals: SIGHUP, SIGTERM and SIGINT arrive through the signalfd as loop
 * callbacks with counts; SIGPIPE is ignored; destroy restores the old mask and swallows what is
 * still pending instead of dying of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <string.h>

#include "daemon/loop.h"
#include "daemon/signals.h"

struct seen {
    int hup, term, intr;
    unsigned last_count;
};

static void on_reload(int signo, unsigned count, void *ctx)
{
    struct seen *s = ctx;
    assert_int_equal(signo, SIGHUP);
    s->hup++;
    s->last_count = count;
}

static void on_drain(int signo, unsigned count, void *ctx)
{
    struct seen *s = ctx;
    if (signo == SIGTERM)
        s->term++;
    else if (signo == SIGINT)
        s->intr++;
    s->last_count = count;
}

static void spin(struct loop *l)
{
    for (int i = 0; i < 5; i++)
        loop_run_once(l, 10);
}

static void test_signals(void **state)
{
    (void)state;
    sigset_t before, after;
    pthread_sigmask(SIG_SETMASK, NULL, &before);
    struct loop *l = loop_create();
    assert_non_null(l);
    struct seen seen = {0};
    struct signals *s = signals_create(l, on_reload, on_drain, &seen);
    assert_non_null(s);

    raise(SIGHUP); /* blocked: waits in the signalfd until the loop reads it */
    assert_int_equal(seen.hup, 0);
    spin(l);
    assert_int_equal(seen.hup, 1);
    assert_true(signals_take_reload(s));
    assert_false(signals_take_reload(s)); /* taking clears */
    assert_false(signals_draining(s));

    raise(SIGTERM);
    spin(l);
    assert_int_equal(seen.term, 1);
    assert_true(signals_draining(s));
    raise(SIGINT);
    spin(l);
    assert_int_equal(seen.intr, 1);
    assert_int_equal(seen.last_count, 2); /* second drain signal: the daemon may hurry */

    raise(SIGPIPE); /* ignored, not fatal */

    raise(SIGTERM); /* pending at destroy: must not kill us when the mask is restored */
    signals_destroy(s);
    pthread_sigmask(SIG_SETMASK, NULL, &after);
    assert_int_equal(sigismember(&after, SIGTERM), sigismember(&before, SIGTERM));
    assert_int_equal(sigismember(&after, SIGHUP), sigismember(&before, SIGHUP));
    loop_destroy(l);
    signals_destroy(NULL);
}

static void test_no_callbacks(void **state)
{
    (void)state;
    struct loop *l = loop_create();
    struct signals *s = signals_create(l, NULL, NULL, NULL);
    assert_non_null(s);
    raise(SIGHUP);
    spin(l);
    assert_true(signals_take_reload(s)); /* the flag is set even without a callback */
    signals_destroy(s);
    loop_destroy(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_no_callbacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

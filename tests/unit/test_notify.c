/* Unit tests for daemon/notify against a unix datagram socket bound here as $NOTIFY_SOCKET:
 * the exact messages, newlines kept out of STATUS=, the watchdog timer at half $WATCHDOG_USEC
 * driven by the loop, $WATCHDOG_PID of another process disabling pings, and no-ops without
 * systemd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cw_util.h"
#include "daemon/loop.h"
#include "daemon/notify.h"

struct fixture {
    char dir[64];
    char path[96];
    int fd;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/cw-notify-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/n.sock", f->dir);
    f->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", f->path);
    assert_int_equal(bind(f->fd, (struct sockaddr *)&sa, sizeof sa), 0);
    setenv("NOTIFY_SOCKET", f->path, 1);
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    close(f->fd);
    unlink(f->path);
    rmdir(f->dir);
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    free(f);
    return 0;
}

/* Next datagram as a string, or "" after timeout_ms. */
static const char *next_msg(struct fixture *f, int timeout_ms)
{
    static char buf[2048];
    struct pollfd p = {.fd = f->fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) != 1)
        return "";
    ssize_t r = recv(f->fd, buf, sizeof buf - 1, 0);
    buf[r > 0 ? r : 0] = '\0';
    return buf;
}

static void test_messages(void **state)
{
    struct fixture *f = *state;
    struct loop *l = loop_create();
    struct notify *n = notify_create(l);
    assert_non_null(n);
    assert_int_equal(notify_watchdog_usec(n), 0);
    notify_ready(n, "feeds 3\nbacklog 0");
    assert_string_equal(next_msg(f, 1000), "READY=1\nSTATUS=feeds 3 backlog 0");
    notify_ready(n, NULL);
    assert_string_equal(next_msg(f, 1000), "READY=1");
    notify_reloading(n);
    const char *m = next_msg(f, 1000);
    assert_true(strncmp(m, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0);
    unsigned long long usec = strtoull(m + 27, NULL, 10);
    assert_true(usec > 0 && usec / 1000 <= (unsigned long long)cw_now_ms() + 1);
    notify_status(n, "backlog %d last_error=%s", 7, "none");
    assert_string_equal(next_msg(f, 1000), "STATUS=backlog 7 last_error=none");
    notify_stopping(n);
    assert_string_equal(next_msg(f, 1000), "STOPPING=1");
    notify_watchdog(n); /* no watchdog asked for: nothing sent */
    assert_string_equal(next_msg(f, 50), "");
    notify_destroy(n);
    loop_destroy(l);
}

static void test_watchdog(void **state)
{
    struct fixture *f = *state;
    setenv("WATCHDOG_USEC", "100000", 1); /* ping every 50 ms */
    struct loop *l = loop_create();
    struct notify *n = notify_create(l);
    assert_int_equal(notify_watchdog_usec(n), 100000);
    /* Pings come only while the loop turns. */
    assert_string_equal(next_msg(f, 200), "");
    int pings = 0;
    for (int i = 0; i < 200 && pings < 3; i++) {
        loop_run_once(l, 20);
        const char *m = next_msg(f, 0);
        if (strcmp(m, "WATCHDOG=1") == 0)
            pings++;
    }
    assert_int_equal(pings, 3);
    assert_true(notify_pings(n) >= 3);
    notify_destroy(n);
    loop_destroy(l);
}

static void test_watchdog_other_pid(void **state)
{
    (void)state;
    setenv("WATCHDOG_USEC", "100000", 1);
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid() + 1); /* meant for another process */
    setenv("WATCHDOG_PID", pid, 1);
    struct loop *l = loop_create();
    struct notify *n = notify_create(l);
    assert_int_equal(notify_watchdog_usec(n), 0);
    notify_destroy(n);
    loop_destroy(l);
}

static void test_no_systemd(void **state)
{
    struct fixture *f = *state;
    unsetenv("NOTIFY_SOCKET");
    setenv("WATCHDOG_USEC", "100000", 1);
    struct loop *l = loop_create();
    struct notify *n = notify_create(l);
    assert_non_null(n);
    assert_int_equal(notify_watchdog_usec(n), 0);
    notify_ready(n, "x");
    notify_stopping(n);
    assert_string_equal(next_msg(f, 50), "");
    notify_destroy(n);
    notify_destroy(NULL);
    notify_ready(NULL, NULL);
    loop_destroy(l);
}

/* Regression: a receiver that stops reading (its queue holds only a few datagrams) must not block
 * the sender. sd_notify(3) blocked on the full queue, which froze the daemon's loop, fetching
 * included, until the receiver read again. Pings are skipped while the queue is full; state changes
 * wait a bounded time. The sends run in a child so a blocking sender fails the test instead of
 * hanging it. */
static void test_receiver_not_reading(void **state)
{
    struct fixture *f = *state;
    setenv("WATCHDOG_USEC", "100000", 1);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct loop *l = loop_create();
        struct notify *n = notify_create(l);
        if (n == NULL || notify_watchdog_usec(n) == 0)
            _exit(2);
        for (int i = 0; i < 500; i++)
            notify_watchdog(n);
        notify_ready(n, "still here");
        notify_destroy(n);
        loop_destroy(l);
        _exit(0);
    }
    int status = -1, done = 0;
    for (int i = 0; i < 3000 && !done; i++) { /* up to 30 s: the sends need about one second */
        if (waitpid(pid, &status, WNOHANG) == pid)
            done = 1;
        else
            usleep(10000);
    }
    if (!done) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    assert_true(done);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* What fit in the queue arrived intact; the rest of the pings were skipped, not queued. */
    int pings = 0;
    const char *m;
    while ((m = next_msg(f, 0))[0] != '\0') {
        assert_string_equal(m, "WATCHDOG=1");
        pings++;
    }
    assert_true(pings > 0 && pings < 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watchdog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watchdog_other_pid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_systemd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receiver_not_reading, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

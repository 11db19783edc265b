/* The daemon: builds every stage from a config, runs the loop, reloads on SIGHUP, drains on
 * SIGTERM. `claimwatch run` and `claimwatch once` are this with once = 0 or 1. */
#ifndef CW_DAEMON_H
#define CW_DAEMON_H

struct daemon_opts {
    const char *config_path;
    const char *state_dir; /* overrides the config's state_dir when set */
    int once;              /* one pass over every feed, deliver everything, exit */
};

/* Returns the process exit status: 0 ok; 1 on a startup error (printed) or, in once mode, when
 * some events could not be delivered (they stay in the outbox for the next run). */
int daemon_main(const struct daemon_opts *opts);

#endif

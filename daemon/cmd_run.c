/* claimwatch run / once / check. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"
#include "daemon/cli.h"
#include "daemon/daemon.h"
#include "tagger/tagger.h"

static int run_or_once(int argc, char **argv, int once)
{
    const char *cmd = once ? "once" : "run";
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"state-dir", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct daemon_opts o = {.once = once};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:s:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': o.config_path = optarg; break;
        case 's': o.state_dir = optarg; break;
        case 'h':
            printf("usage: claimwatch %s -c FILE [--state-dir DIR]\n\n", cmd);
            if (once)
                printf("Polls every feed once, tags and accepts every new item, delivers every event,\n"
                       "then exits: 0 when everything was delivered, 1 otherwise (what was not\n"
                       "delivered stays in the outbox and goes out on the next run).\n");
            else
                printf("Runs the daemon in the foreground until SIGTERM/SIGINT; SIGHUP reloads the\n"
                       "config and claim set. systemd runs it this way (Type=notify).\n");
            printf("\n  -c, --config FILE     the config (docs/config.md)\n"
                   "      --state-dir DIR   use DIR instead of the config's state_dir\n");
            return CW_EXIT_OK;
        default: return cli_usage_error(cmd, "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (o.config_path == NULL)
        return cli_usage_error(cmd, "a config is needed: -c FILE");
    return daemon_main(&o);
}

int cmd_run(int argc, char **argv) { return run_or_once(argc, argv, 0); }
int cmd_once(int argc, char **argv) { return run_or_once(argc, argv, 1); }

/* Claims at least this alike are warned about: near-paraphrases, which the tagger tags together. */
#define CHECK_ALIKE 0.6

int cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"dump", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    int dump = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:dh", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': path = optarg; break;
        case 'd': dump = 1; break;
        case 'h':
            printf("usage: claimwatch check -c FILE [--dump]\n\n"
                   "Validates the config and its claim set. Exits 0, or prints every error as\n"
                   "file:line:column: message and exits 1. --dump prints the config with every\n"
                   "default filled in. Pairs of claims that read alike are warned about (exit 0).\n");
            return CW_EXIT_OK;
        default: return cli_usage_error("check", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error("check", "unexpected argument '%s'", argv[optind]);
    if (path == NULL)
        return cli_usage_error("check", "a config is needed: -c FILE");
    struct cw_strv errors = {0};
    struct cw_strv alike = {0};
    struct cfg *cfg = NULL;
    struct claimset *cs = NULL;
    struct tagger *t = NULL;
    int rc = CW_EXIT_FAIL;
    if (cfg_load(path, &cfg, &errors) == 0 &&
        claimset_load((const char *const *)cfg->claims.v, cfg->claims.n, &cs, &errors) == 0) {
        /* the daemon's own indexes: what it would load, and which claims it can hardly tell apart */
        t = tagger_create(cs);
        cs = NULL;
        if (t == NULL || tagger_alike(t, CHECK_ALIKE, &alike) < 0) {
            cw_strv_push(&errors, "claim set: cannot build the tagger's indexes: out of memory");
            goto out;
        }
        const struct claimset *tcs = tagger_claimset(t);
        if (dump) {
            json_t *d = cfg_dump(cfg);
            json_dumpf(d, stdout, JSON_INDENT(2));
            putchar('\n');
            json_decref(d);
        } else {
            printf("%s: ok (%zu feeds, %zu sinks, %zu claims, claim set %s)\n", path, cfg->nfeeds, cfg->nsinks,
                   claimset_count(tcs), claimset_version(tcs));
        }
        for (size_t i = 0; i < alike.n; i++)
            fprintf(stderr, "%s: warning: %s\n", path, alike.v[i]);
        rc = CW_EXIT_OK;
    }
out:
    for (size_t i = 0; i < errors.n; i++)
        fprintf(stderr, "%s\n", errors.v[i]);
    tagger_destroy(t);
    cw_strv_free(&alike);
    claimset_destroy(cs);
    cfg_destroy(cfg);
    cw_strv_free(&errors);
    return rc;
}

/* claimwatch extract [--url URL] [--content-type TYPE] FILE|-: the article extractor on one page,
 * printing article_to_json. The same code the daemon runs on fetched article pages. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/cw_util.h"
#include "daemon/cli.h"
#include "parsers/extract.h"

#define EXTRACT_CLI_MAX_FILE (256u << 20) /* the extractor itself only parses the first 8 MiB */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: claimwatch extract [--url URL] [--content-type TYPE] FILE|-\n"
            "Extracts the article (title, authors, date, language, image, main text) from an HTML page\n"
            "and prints it as JSON. Exits 1 when the page has no extractable main text.\n"
            "  --url URL            the page's URL (base for relative links; echoed as \"url\")\n"
            "  --content-type TYPE  the HTTP Content-Type, for its charset\n"
            "  -h, --help           this help\n");
}

int cmd_extract(int argc, char **argv)
{
    static const struct option longopts[] = {{"url", required_argument, NULL, 'u'},
                                             {"content-type", required_argument, NULL, 'c'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    struct extract_opts opts = {0};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (c) {
        case 'u':
            opts.url = optarg;
            break;
        case 'c':
            opts.content_type = optarg;
            break;
        case 'h':
            usage(stdout);
            return CW_EXIT_OK;
        default:
            return cli_usage_error("extract", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("extract", "expected one FILE (or - for stdin)");
    const char *path = argv[optind];
    char err[512];
    char *html = NULL;
    size_t len = 0;
    if (cw_read_file(path, EXTRACT_CLI_MAX_FILE, &html, &len, err, sizeof err) != 0) {
        fprintf(stderr, "claimwatch extract: %s\n", err);
        return CW_EXIT_FAIL;
    }
    struct article *a = NULL;
    if (extract_article(html, len, &opts, &a, err, sizeof err) != 0) {
        fprintf(stderr, "claimwatch extract: %s: %s\n", path, err);
        free(html);
        return CW_EXIT_FAIL;
    }
    free(html);
    json_t *j = article_to_json(a);
    article_destroy(a);
    int rc = CW_EXIT_OK;
    if (j == NULL || json_dumpf(j, stdout, JSON_INDENT(2)) != 0 || fputc('\n', stdout) == EOF ||
        fflush(stdout) != 0) {
        fprintf(stderr, "claimwatch extract: cannot write output\n");
        rc = CW_EXIT_FAIL;
    }
    json_decref(j);
    return rc;
}

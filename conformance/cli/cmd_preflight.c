/* cmd_preflight.c - `smi-conformance preflight`: can this cluster run the suites? */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "platform/platform.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: smi-conformance preflight --mesh NAME|FILE [options]\n"
               "\n"
               "Check that a cluster can run the suites: the API answers and accepts the\n"
               "credentials; every permission a run needs is granted (SelfSubjectAccessReview);\n"
               "a version the mesh profile claims of each SMI group is served; the metrics API\n"
               "answers; the mesh's control plane (the profile's controlPlane) is ready; the\n"
               "served HTTPRouteGroup CRD's header shape; and a pod of the fixture image starts\n"
               "(one short-lived pod in a namespace of its own, deleted afterwards).\n"
               "One row per check, with a fix under each failure. 'run --platform kube' runs the\n"
               "same checks first (--skip-image-check: all but the pod; --skip-preflight: none).\n"
               "\n"
               "options:\n"
               "  --mesh NAME|FILE        the mesh profile (suites/profiles/NAME.yaml, or a file)\n"
               "  --kubeconfig FILE       kubeconfig (default $KUBECONFIG, ~/.kube/config)\n"
               "  --context NAME          context (default current-context)\n"
               "  --in-cluster            use the pod's service account\n"
               "  --fixture-image IMAGE   the fixture image to start (default the harness\n"
               "                          version's, as for run)\n"
               "  --profiles DIR          where profile names are looked up (default the\n"
               "                          suites' profiles/ next to the program)\n"
               "  --help                  this text\n"
               "\n"
               "exit status: 0 the cluster can run the suites, 2 a check failed (or bad usage)\n");
}

/* What preflight waits for (the fixture image's pod), as it waits. */
static void progress(const char *line)
{
    fprintf(stderr, "smi-conformance: preflight: %s\n", line);
}

/* Ctrl-C (or SIGTERM) while preflight runs: the first stops the wait and lets the check delete
 * its namespace; a second one ends the program at once. */
static volatile sig_atomic_t stop_signals;

static void on_stop(int sig)
{
    if (stop_signals++ > 0) {
        signal(sig, SIG_DFL);
        raise(sig);
    }
}

static bool interrupted(void)
{
    return stop_signals > 0;
}

int sc_cli_preflight(const struct sc_platform_config *pc, bool all, struct sc_err *err)
{
    struct sc_platform_config c = *pc;
    void (*old_int)(int), (*old_term)(int);
    char *table = NULL;
    unsigned blockers = 0;
    int rc;

    c.progress = progress;
    c.interrupted = interrupted;
    c.preflight_in_run = !all;
    stop_signals = 0;
    old_int = signal(SIGINT, on_stop);
    old_term = signal(SIGTERM, on_stop);
    rc = sc_platform_preflight(&c, &table, &blockers, err);
    signal(SIGINT, old_int);
    signal(SIGTERM, old_term);
    if (rc == 0 && stop_signals > 0) {
        fprintf(stderr, "%s", table); /* what was checked, and a namespace left, if one was */
        free(table);
        return sc_err_set(err, SC_EINVAL, "preflight was interrupted");
    }

    if (rc != 0) {
        sc_err_prefix(err, "preflight");
        return rc;
    }
    /* Printed in full when asked, or when something did not pass (WARN rows included). */
    if (all || blockers > 0 || strstr(table, " WARN ") != NULL)
        fprintf(stderr, "%s", table);
    free(table);
    if (blockers > 0)
        return sc_err_set(err, SC_EINVAL, "preflight: %u check%s failed (see the table above): %s",
                          blockers, blockers == 1 ? "" : "s",
                          all ? "nothing is left deployed"
                              : "nothing was deployed; --skip-preflight starts anyway");
    return 0;
}

/* The suites' profiles folder as `run` finds its suites: ./suites, else next to the program
 * (build tree or installed); "" when there is none (then $SC_PROFILES or suites/profiles). */
static void default_profiles(char *out, size_t len)
{
    static const char *const rel[] = {"/../../../suites/profiles", "/../../suites/profiles",
                                      "/../share/smi-conformance/suites/profiles"};
    char exe[PATH_MAX - 64];
    ssize_t n;

    out[0] = '\0';
    if (getenv("SC_PROFILES") != NULL || access("suites/profiles", R_OK) == 0)
        return; /* sc_profile_find's own default */
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    if (strrchr(exe, '/') != NULL)
        *strrchr(exe, '/') = '\0';
    for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
        snprintf(out, len, "%s%s", exe, rel[i]);
        if (access(out, R_OK) == 0)
            return;
    }
    out[0] = '\0';
}

int sc_cmd_preflight(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"mesh", required_argument, NULL, 'm'},
        {"profile", required_argument, NULL, 'm'},
        {"kubeconfig", required_argument, NULL, 'C'},
        {"context", required_argument, NULL, 'x'},
        {"in-cluster", no_argument, NULL, 'i'},
        {"fixture-image", required_argument, NULL, 'f'},
        {"profiles", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct sc_platform_config pc;
    char profiles[PATH_MAX];
    struct sc_err err;
    int opt;

    memset(&pc, 0, sizeof(pc));
    pc.name = "kube";
    pc.check_image = true;
    default_profiles(profiles, sizeof(profiles));
    pc.profiles_dir = profiles[0] ? profiles : NULL;
    sc_err_init(&err);
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'm':
            pc.mesh = optarg;
            break;
        case 'C':
            pc.kubeconfig = optarg;
            break;
        case 'x':
            pc.context = optarg;
            break;
        case 'i':
            pc.in_cluster = true;
            break;
        case 'f':
            pc.fixture_image = optarg;
            break;
        case 'P':
            pc.profiles_dir = optarg;
            break;
        case 'h':
            usage(stdout);
            return SC_EXIT_OK;
        default:
            sc_cli_error("preflight: unknown or incomplete option '%s' (see --help)",
                         argv[optind - 1]);
            return SC_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        sc_cli_error("preflight: unexpected argument '%s'", argv[optind]);
        return SC_EXIT_USAGE;
    }
    if (pc.in_cluster && (pc.kubeconfig || pc.context)) {
        sc_cli_error("preflight: --in-cluster excludes --kubeconfig and --context");
        return SC_EXIT_USAGE;
    }
    if (sc_cli_preflight(&pc, true, &err) != 0) {
        sc_cli_error("%s", err.msg);
        return SC_EXIT_USAGE;
    }
    return SC_EXIT_OK;
}

/* cmd_run.c - `smi-conformance run` and `list`: the suites against a platform, with reports. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "base/log.h"
#include "run/results.h"
#include "run/runner.h"
#include "suite/suite.h"
#include "base/clock.h"
#include "base/util.h"
#include "platform/kube/kube.h"
#include "platform/local/local.h"
#include "reporters/confreport.h"
#include "reporters/console.h"
#include "reporters/html.h"
#include "reporters/markdown.h"
#include "reporters/json.h"
#include "reporters/junit.h"

#define MAX_LIST 64

static atomic_int cancel_flag;
static volatile sig_atomic_t signals_seen;

static void on_signal(int sig)
{
    static const char msg[] = "\nsmi-conformance: interrupted: finishing running tests and "
                              "cleaning up (again to stop at once)\n";
    (void)sig;
    if (signals_seen++ == 0) {
        atomic_store(&cancel_flag, 1);
        if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
            /* nothing to do */
        }
        return;
    }
    {
        /* Local pods are our children and die now; on a cluster the namespaces stay. */
        static const char left[] = "smi-conformance: stopped at once: test namespaces may be "
                                   "left on a cluster; delete them with: kubectl delete "
                                   "namespace -l app.kubernetes.io/part-of=smi-conformance\n";
        if (write(STDERR_FILENO, left, sizeof(left) - 1) < 0) {
            /* nothing to do */
        }
    }
    sc_local_kill_all();
    _exit(130);
}

static void usage(FILE *f, bool list)
{
    if (list)
        fprintf(f, "usage: smi-conformance list [options]\n\n"
                   "List the tests, their areas, features and the SMI versions each runs at on\n"
                   "the platform (the local reference mesh unless --platform says otherwise).\n"
                   "Takes the selection options of 'run' (--suites, --focus, --skip, --area,\n"
                   "--feature).\n");
    else
        fprintf(
            f,
            "usage: smi-conformance run [options]\n"
            "\n"
            "Run the SMI conformance suites and write reports. Without a cluster option the\n"
            "tests run against smi-refmesh, the local reference mesh, on 127.0.0.0/8.\n"
            "\n"
            "platform:\n"
            "  --platform local|kube   where to run (default local; kube also when --kubeconfig,\n"
            "                          --context or --in-cluster is given: a run never lands on\n"
            "                          whatever cluster the current kubeconfig points at)\n"
            "  --kubeconfig FILE       kube: kubeconfig (default $KUBECONFIG, ~/.kube/config)\n"
            "  --context NAME          kube: context (default current-context)\n"
            "  --in-cluster            kube: use the pod's service account\n"
            "  --mesh NAME|FILE        kube: mesh profile (suites/profiles/NAME.yaml)\n"
            "  --profile FILE          kube: a vendor's own mesh profile (same as --mesh FILE)\n"
            "  --fixture-image IMAGE   kube: the smi-fixture image (default smi-fixture:VERSION)\n"
            "  --violate NAME          local: turn on a refmesh violation (repeatable); see\n"
            "                          'smi-refmesh --list-violations'\n"
            "  --seed N                local: seed of the refmesh split choices\n"
            "selection:\n"
            "  --suites DIR            the suites folder (default: found next to the program)\n"
            "  --focus REGEX           only cases whose 'TEST [VERSION]' matches\n"
            "  --skip REGEX            leave out cases whose 'TEST [VERSION]' matches\n"
            "  --area AREA             only this area (repeatable): access, specs, split, metrics\n"
            "  --feature NAME          only tests with this feature (repeatable): core, ...\n"
            "  --list                  list the cases and exit\n"
            "execution:\n"
            "  --parallel N            cases at once (default: the number of CPUs)\n"
            "  --timeout D             consistency timeout of each wait (default 10s)\n"
            "  --keep                  keep namespaces and processes of the run for debugging\n"
            "reports:\n"
            "  --report-dir DIR        write results.json, junit.xml, report.html,\n"
            "                          conformance-report.yaml and summary.md here\n"
            "                          (default: reports)\n"
            "  --junit FILE            JUnit XML (default DIR/junit.xml)\n"
            "  --json FILE             JSON results (default DIR/results.json)\n"
            "  -q, --quiet             no progress output\n"
            "  -h, --help              this text\n"
            "\n"
            "exit status: 0 every test passed (or was skipped), 1 a test failed, 2 the run could\n"
            "not be carried out (bad suite, bad option, platform unreachable).\n");
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The suites: --suites, $SC_SUITES, ./suites, or next to the program (build or install tree). */
static int find_suites(const char *given, char *out, size_t len, struct sc_err *err)
{
    char self[PATH_MAX - 64];
    const char *env = getenv("SC_SUITES");
    ssize_t n;

    if (given != NULL || env != NULL) {
        snprintf(out, len, "%s", given ? given : env);
        if (!is_dir(out))
            return sc_err_set(err, SC_EINVAL, "suites folder '%s' does not exist", out);
        return 0;
    }
    if (is_dir("suites/access")) {
        snprintf(out, len, "suites");
        return 0;
    }
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        static const char *const rel[] = {"/../../../suites", "/../../suites",
                                          "/../share/smi-conformance/suites"};
        char *slash;
        self[n] = '\0';
        slash = strrchr(self, '/');
        if (slash)
            *slash = '\0';
        for (size_t i = 0; i < 3; i++) {
            snprintf(out, len, "%s%s", self, rel[i]);
            if (is_dir(out))
                return 0;
        }
    }
    return sc_err_set(err, SC_EINVAL, "cannot find the suites folder: give --suites DIR");
}

struct progress {
    bool tty, quiet;
};

static void on_progress(void *ud, size_t done, size_t total, const struct sc_case *c)
{
    struct progress *p = ud;
    static const char *const tag[] = {"PASS", "FAIL", "SKIP"};
    if (p->quiet)
        return;
    if (p->tty)
        fprintf(stderr, "\r\033[K");
    fprintf(stderr, "%s %s [%s] (%.1fs)%s%s\n", tag[c->verdict], c->test, c->version,
            (double)c->duration_ns / 1e9, c->verdict == SC_FAILED ? ": " : "",
            c->verdict == SC_FAILED && c->message ? c->message : "");
    if (p->tty)
        fprintf(stderr, "[%zu/%zu] running...", done, total);
}

static char *join_argv(int argc, char **argv)
{
    size_t len = 32;
    char *s, *p;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) * 2 + 3;
    s = p = sc_xcalloc(1, len);
    p += sprintf(p, "smi-conformance");
    for (int i = 0; i < argc; i++) {
        bool plain = strpbrk(argv[i], " \t'\"$`\\*?[]{}()<>|&;") == NULL && argv[i][0] != '\0';
        if (plain) {
            p += sprintf(p, " %s", argv[i]);
        } else {
            *p++ = ' ';
            *p++ = '\'';
            for (const char *c = argv[i]; *c; c++) {
                if (*c == '\'')
                    p += sprintf(p, "'\\''");
                else
                    *p++ = *c;
            }
            *p++ = '\'';
        }
    }
    return s;
}

static int mkdir_p(const char *dir, struct sc_err *err)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return sc_err_set(err, SC_EIO, "cannot create report folder '%s': %s", dir,
                          strerror(errno));
    return 0;
}

/* Write `text` (taken) to `path`. */
static int write_text(const char *path, char *text, struct sc_err *err)
{
    FILE *f;
    int rc = 0;
    if (text == NULL)
        return sc_err_set(err, SC_ENOMEM, "cannot render '%s'", path);
    f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
        rc = sc_err_set(err, SC_EIO, "cannot write '%s': %s", path, strerror(errno));
        if (f != NULL)
            fclose(f);
    }
    free(text);
    return rc;
}

static void print_list(const struct sc_run *run)
{
    printf("%-52s %-8s %-9s %-9s %s\n", "TEST", "AREA", "VERSION", "STATUS", "FEATURES");
    for (size_t i = 0; i < run->ncases; i++) {
        const struct sc_case *c = &run->cases[i];
        char feats[256] = "";
        for (size_t k = 0; k < c->nfeatures; k++)
            snprintf(feats + strlen(feats), sizeof(feats) - strlen(feats), "%s%s", k ? "," : "",
                     c->features[k]);
        printf("%-52s %-8s %-9s %-9s %s%s%s\n", c->test, c->area, c->version,
               c->message ? "skip" : "run", feats, c->message ? "  # " : "",
               c->message ? c->message : "");
    }
}

int sc_cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"platform", required_argument, NULL, 'p'},
        {"violate", required_argument, NULL, 'V'},
        {"seed", required_argument, NULL, 'S'},
        {"suites", required_argument, NULL, 's'},
        {"focus", required_argument, NULL, 'f'},
        {"skip", required_argument, NULL, 'k'},
        {"area", required_argument, NULL, 'a'},
        {"feature", required_argument, NULL, 'F'},
        {"list", no_argument, NULL, 'l'},
        {"parallel", required_argument, NULL, 'P'},
        {"timeout", required_argument, NULL, 'T'},
        {"keep", no_argument, NULL, 'K'},
        {"report-dir", required_argument, NULL, 'r'},
        {"junit", required_argument, NULL, 'j'},
        {"json", required_argument, NULL, 'J'},
        {"refmesh", required_argument, NULL, 'R'},
        {"fixture", required_argument, NULL, 'X'},
        {"quiet", no_argument, NULL, 'q'},
        {"kubeconfig", required_argument, NULL, 'C'},
        {"context", required_argument, NULL, 'x'},
        {"in-cluster", no_argument, NULL, 'i'},
        {"mesh", required_argument, NULL, 'm'},
        {"profile", required_argument, NULL, 'm'},
        {"fixture-image", required_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool list_only = strcmp(argv[0], "list") == 0, quiet = false;
    const char *violations[MAX_LIST + 1] = {NULL}, *areas[MAX_LIST + 1] = {NULL},
                                      *features[MAX_LIST + 1] = {NULL};
    size_t nviol = 0, nareas = 0, nfeat = 0;
    const char *platform = NULL, *suites_arg = NULL, *report_dir = "reports";
    struct sc_kube_opts ko;
    char profiles[PATH_MAX + 16];
    const char *junit = NULL, *json = NULL;
    char suites[PATH_MAX], path[PATH_MAX + 32], run_id[16];
    struct sc_runner_opts ro;
    struct sc_local_opts lo;
    struct sc_err err;
    struct sc_test **tests = NULL;
    size_t ntests = 0;
    struct sc_platform *plat = NULL;
    struct sc_run *run = NULL;
    struct progress prog;
    uint64_t v, t0;
    int opt, rc = SC_EXIT_USAGE;

    sc_err_init(&err);
    sc_runner_opts_init(&ro);
    memset(&lo, 0, sizeof(lo));
    memset(&ko, 0, sizeof(ko));
    {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        ro.parallel = n > 0 ? (unsigned)n : 1;
    }
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            platform = optarg;
            break;
        case 'V':
        case 'a':
        case 'F': {
            const char **l = opt == 'V' ? violations : opt == 'a' ? areas : features;
            size_t *n = opt == 'V' ? &nviol : opt == 'a' ? &nareas : &nfeat;
            if (*n == MAX_LIST) {
                sc_err_set(&err, SC_EINVAL, "too many values for '%s'", argv[optind - 2]);
                goto out_usage;
            }
            if (opt == 'a' && strcmp(optarg, "access") != 0 && strcmp(optarg, "specs") != 0 &&
                strcmp(optarg, "split") != 0 && strcmp(optarg, "metrics") != 0) {
                sc_err_set(&err, SC_EINVAL,
                           "unknown area '%s' (expected access, specs, split or metrics)", optarg);
                goto out_usage;
            }
            l[(*n)++] = optarg;
            break;
        }
        case 'S':
            if (sc_parse_count(optarg, "seed", 1, UINT32_MAX, &v, &err) != 0)
                goto out_usage;
            lo.seed = (unsigned long)v;
            break;
        case 's':
            suites_arg = optarg;
            break;
        case 'f':
            ro.focus = optarg;
            break;
        case 'k':
            ro.skip = optarg;
            break;
        case 'l':
            list_only = true;
            break;
        case 'P':
            if (sc_parse_count(optarg, "parallelism", 1, 64, &v, &err) != 0)
                goto out_usage;
            ro.parallel = (unsigned)v;
            break;
        case 'T':
            if (sc_parse_duration_ns(optarg, &v, &err) != 0)
                goto out_usage;
            if (v < 100000000ull) {
                sc_err_set(&err, SC_EINVAL, "timeout '%s' is shorter than 100ms", optarg);
                goto out_usage;
            }
            ro.timeout_ms = (unsigned)(v / 1000000);
            break;
        case 'K':
            ro.keep = true;
            break;
        case 'r':
            report_dir = optarg;
            break;
        case 'j':
            junit = optarg;
            break;
        case 'J':
            json = optarg;
            break;
        case 'R':
            lo.refmesh_bin = optarg;
            break;
        case 'X':
            lo.fixture_bin = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'C':
            ko.kubeconfig = optarg;
            break;
        case 'x':
            ko.context = optarg;
            break;
        case 'i':
            ko.in_cluster = true;
            break;
        case 'm':
            ko.mesh = optarg;
            break;
        case 'I':
            ko.fixture_image = optarg;
            break;
        case 'h':
            usage(stdout, list_only);
            rc = SC_EXIT_OK;
            goto out;
        case ':':
            sc_err_set(&err, SC_EINVAL, "option '%s' needs a value", argv[optind - 1]);
            goto out_usage;
        default:
            sc_err_set(&err, SC_EINVAL, "unknown option '%s' (see 'smi-conformance %s --help')",
                       argv[optind - 1], argv[0]);
            goto out_usage;
        }
    }
    if (optind != argc) {
        sc_err_set(&err, SC_EINVAL, "unexpected argument '%s'", argv[optind]);
        goto out_usage;
    }
    if (platform == NULL)
        platform = ko.kubeconfig || ko.context || ko.in_cluster ? "kube" : "local";
    if (strcmp(platform, "local") != 0 && strcmp(platform, "kube") != 0) {
        sc_err_set(&err, SC_EINVAL, "unknown platform '%s' (expected local or kube)", platform);
        goto out_usage;
    }
    if (strcmp(platform, "local") == 0 && (ko.kubeconfig || ko.context || ko.in_cluster)) {
        sc_err_set(&err, SC_EINVAL,
                   "--kubeconfig, --context and --in-cluster need --platform kube");
        goto out_usage;
    }
    if (strcmp(platform, "kube") == 0 && ko.mesh == NULL) {
        sc_err_set(&err, SC_EINVAL,
                   "the kube platform needs --mesh NAME (a profile in "
                   "suites/profiles, e.g. linkerd, osm, istio)");
        goto out_usage;
    }
    if (strcmp(platform, "kube") == 0 && nviol > 0) {
        sc_err_set(&err, SC_EINVAL, "--violate is for the local reference mesh only");
        goto out_usage;
    }
    ro.areas = nareas ? areas : NULL;
    ro.features = nfeat ? features : NULL;
    lo.violations = violations;
    /* Everything is checked before anything starts: the selection too. */
    for (int k = 0; k < 2; k++) {
        const char *re = k ? ro.skip : ro.focus;
        regex_t rx;
        if (re == NULL)
            continue;
        if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0) {
            sc_err_set(&err, SC_EINVAL, "invalid --%s regex '%s'", k ? "skip" : "focus", re);
            goto out_usage;
        }
        regfree(&rx);
    }
    if (find_suites(suites_arg, suites, sizeof(suites), &err) != 0 ||
        sc_suites_load(suites, &tests, &ntests, &err) != 0)
        goto out_usage;
    if (strcmp(platform, "kube") == 0) {
        snprintf(profiles, sizeof(profiles), "%s/profiles", suites);
        ko.profiles_dir = profiles;
        if (sc_kube_new(&ko, &plat, &err) != 0) {
            sc_err_prefix(&err, "cannot use the kube platform");
            goto out_usage;
        }
    } else if (sc_local_new(&lo, &plat, &err) != 0) {
        sc_err_prefix(&err, "cannot start the local platform");
        goto out_usage;
    }
    run = sc_run_new();
    if (sc_runner_plan(plat, tests, ntests, &ro, run, &err) != 0)
        goto out_usage;
    if (list_only) {
        print_list(run);
        rc = SC_EXIT_OK;
        goto out;
    }
    if (run->ncases == 0) {
        sc_err_set(&err, SC_EINVAL, "no test matches the selection");
        goto out_usage;
    }
    if (mkdir_p(report_dir, &err) != 0)
        goto out_usage;

    run->harness_version = sc_xstrdup(SC_VERSION);
    run->harness_commit = sc_xstrdup(SC_COMMIT);
    run->platform = sc_xstrdup(plat->ops->name);
    run->mesh =
        sc_xstrdup(strcmp(plat->ops->name, "kube") == 0 ? sc_kube_profile(plat)->name : "local");
    run->command_line = join_argv(argc, argv);
    if (strcmp(plat->ops->name, "kube") == 0 && sc_kube_version(plat) != NULL)
        run->kube_version = sc_xstrdup(sc_kube_version(plat));
    run->violations = sc_xcalloc(nviol + 1, sizeof(char *));
    for (size_t i = 0; i < nviol; i++)
        run->violations[run->nviolations++] = sc_xstrdup(violations[i]);
    {
        static const char *const groups[] = {"access", "specs", "split", "metrics"};
        static const char *const full[] = {"access.smi-spec.io", "specs.smi-spec.io",
                                           "split.smi-spec.io", "metrics.smi-spec.io"};
        run->served = sc_xcalloc(4, sizeof(*run->served));
        for (int g = 0; g < 4; g++) {
            int vs[8];
            size_t n = 0;
            struct sc_served *s = &run->served[run->nserved++];
            plat->ops->served(plat, groups[g], vs, &n);
            s->group = sc_xstrdup(full[g]);
            s->versions = sc_xcalloc(n + 1, sizeof(char *));
            for (size_t k = 0; k < n; k++) {
                char b[16];
                snprintf(b, sizeof(b), "v1alpha%d", vs[k]);
                s->versions[s->nversions++] = sc_xstrdup(b);
            }
        }
    }
    snprintf(run_id, sizeof(run_id), "%x", (unsigned)(getpid() ^ (unsigned)time(NULL)) & 0xfffff);
    ro.run_id = run_id;
    atomic_store(&cancel_flag, 0);
    ro.cancel = &cancel_flag;
    prog.tty = isatty(STDERR_FILENO);
    prog.quiet = quiet;
    ro.progress = on_progress;
    ro.progress_ud = &prog;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        run->start_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    }
    t0 = sc_now_ns();
    if (!quiet)
        fprintf(stderr,
                "smi-conformance: %zu cases from %zu tests on the %s platform, %u at once\n",
                run->ncases, ntests, plat->ops->name, ro.parallel);
    sc_runner_execute(plat, tests, ntests, &ro, run, &err);
    run->duration_ns = sc_now_ns() - t0;
    if (prog.tty && !quiet)
        fprintf(stderr, "\r\033[K");

    /* Reports. */
    snprintf(path, sizeof(path), "%s/results.json", report_dir);
    if (write_text(json ? json : path, sc_report_json(run), &err) != 0)
        goto out_usage;
    snprintf(path, sizeof(path), "%s/junit.xml", report_dir);
    if (write_text(junit ? junit : path, sc_junit_xml(run), &err) != 0)
        goto out_usage;
    {
        /* The other renderings, from the same results (smi-conformance report re-renders
         * them from results.json, with --organization etc. for a submission). */
        struct sc_implementation im;
        memset(&im, 0, sizeof(im));
        snprintf(path, sizeof(path), "%s/report.html", report_dir);
        if (write_text(path, sc_report_html(run), &err) != 0)
            goto out_usage;
        snprintf(path, sizeof(path), "%s/conformance-report.yaml", report_dir);
        if (write_text(path, sc_report_conformance_yaml(run, &im), &err) != 0)
            goto out_usage;
        snprintf(path, sizeof(path), "%s/summary.md", report_dir);
        if (write_text(path, sc_report_markdown(run, true), &err) != 0)
            goto out_usage;
    }
    {
        char *summary = sc_console_summary(run);
        fputs(summary, stdout);
        free(summary);
    }
    {
        struct sc_summary s = sc_run_summary(run);
        printf("reports: %s/\n", report_dir);
        rc = atomic_load(&cancel_flag) ? SC_EXIT_USAGE : s.failed ? SC_EXIT_FAIL : SC_EXIT_OK;
        if (atomic_load(&cancel_flag))
            sc_cli_error("the run was interrupted; reports hold what finished");
    }
    if (ro.keep && !atomic_load(&cancel_flag) && strcmp(plat->ops->name, "local") == 0) {
        /* The processes die with us: stay up until the user is done looking. */
        fprintf(stderr,
                "smi-conformance: --keep: namespaces and processes stay up; refmesh admin API "
                "at %s (GET /state); press Ctrl-C to stop\n",
                sc_local_admin_url(plat));
        while (!atomic_load(&cancel_flag))
            pause();
    }
    goto out;
out_usage:
    sc_cli_error("%s", err.msg);
    rc = SC_EXIT_USAGE;
out:
    if (plat != NULL)
        plat->ops->destroy(plat);
    sc_run_free(run);
    sc_tests_free(tests, ntests);
    return rc;
}

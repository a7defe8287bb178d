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

#include "base/clock.h"
#include "base/log.h"
#include "base/util.h"
#include "cli/cli.h"
#include "platform/platform.h"
#include "reporters/confreport.h"
#include "reporters/console.h"
#include "reporters/html.h"
#include "reporters/markdown.h"
#include "reporters/json.h"
#include "reporters/junit.h"
#include "run/results.h"
#include "run/runner.h"
#include "suite/suite.h"

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
    sc_platform_emergency_stop();
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
            "  --mesh NAME|FILE        the mesh profile (suites/profiles/NAME.yaml). kube: the\n"
            "                          mesh installed; local: the refmesh personality of that\n"
            "                          name emulates it (osm, linkerd, consul, istio, ...;\n"
            "                          'smi-refmesh --list-personalities'), default the\n"
            "                          reference mesh\n"
            "  --profile FILE          a vendor's own mesh profile (same as --mesh FILE)\n"
            "  --fixture-image IMAGE   kube: the smi-fixture image (default smi-fixture:VERSION)\n"
            "  --skip-preflight        kube: start without 'smi-conformance preflight' checks\n"
            "  --skip-image-check      kube: preflight without starting a pod of the fixture\n"
            "                          image (it is given 120 s to start)\n"
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
            "  --parallel N            cases at once (default: local twice the CPUs, 4 to\n"
            "                          8; kube from the schedulable nodes' allocatable CPUs\n"
            "                          and pods, 2 to 16, else 4)\n"
            "  --timeout D             consistency timeout of each wait (default: the mesh\n"
            "                          profile's, else 10s)\n"
            "  --retries N             re-run a case that errored (the platform or an agent\n"
            "                          failed, not the mesh) up to N times (default 1)\n"
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
            "exit status: 1 a test failed (the mesh misbehaved); otherwise 2 when a case\n"
            "errored, nothing passed (nothing was tested) or the run could not be carried out\n"
            "(bad suite, bad option, platform unreachable, interrupted); otherwise 0.\n");
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
    uint64_t t0; /* when the cases started (sc_now_ns) */
    size_t n[4]; /* finished cases by verdict */
};

/* "1:05" */
static void mmss(double s, char *buf, size_t len)
{
    unsigned t = s > 0 ? (unsigned)(s + 0.5) : 0;
    snprintf(buf, len, "%u:%02u", t / 60, t % 60);
}

/* On a terminal, failures and errors scroll by and one status line below them says how far
 * the run is; elsewhere (CI logs) one line per finished case. */
static void on_progress(void *ud, size_t done, size_t total, const struct sc_case *c)
{
    struct progress *p = ud;
    static const char *const tag[] = {"PASS", "FAIL", "SKIP", "ERROR"};
    bool why = (c->verdict == SC_FAILED || c->verdict == SC_ERROR) && c->message != NULL;
    double elapsed = (double)(sc_now_ns() - p->t0) / 1e9;
    char el[16], left[16];

    p->n[c->verdict]++;
    if (p->quiet)
        return;
    if (p->tty)
        fprintf(stderr, "\r\033[K");
    if (!p->tty || c->verdict == SC_FAILED || c->verdict == SC_ERROR)
        fprintf(stderr, "%s %s [%s] (%.1fs)%s%s%s\n", tag[c->verdict], c->test, c->version,
                (double)c->duration_ns / 1e9, c->runs > 1 ? " (re-run)" : "", why ? ": " : "",
                why ? c->message : "");
    if (!p->tty)
        return;
    mmss(elapsed, el, sizeof(el));
    mmss(done ? elapsed / (double)done * (double)(total - done) : 0, left, sizeof(left));
    fprintf(stderr, "[%zu/%zu] %zu passed, %zu failed, %zu skipped, %zu errors | %s elapsed%s%s",
            done, total, p->n[SC_PASSED], p->n[SC_FAILED], p->n[SC_SKIPPED], p->n[SC_ERROR], el,
            done < total ? ", about " : "", done < total ? left : "");
    if (done < total)
        fprintf(stderr, " left");
    fflush(stderr);
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

/* Everything `run` and `list` were asked, checked before anything starts. */
struct run_args {
    bool list_only, quiet, skip_preflight, skip_image_check;
    const char *violations[MAX_LIST + 1], *areas[MAX_LIST + 1], *features[MAX_LIST + 1];
    size_t nviol, nareas, nfeat;
    const char *suites_arg, *report_dir, *junit, *json;
    struct sc_platform_config pc;
    struct sc_runner_opts ro;
};

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
    {"retries", required_argument, NULL, 'Y'},
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
    {"skip-preflight", no_argument, NULL, 'W'},
    {"skip-image-check", no_argument, NULL, 'G'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* --violate, --area, --feature: repeatable, bounded, areas checked by name. */
static int add_listed(struct run_args *a, int opt, const char *flag, const char *value,
                      struct sc_err *err)
{
    const char **l = opt == 'V' ? a->violations : opt == 'a' ? a->areas : a->features;
    size_t *n = opt == 'V' ? &a->nviol : opt == 'a' ? &a->nareas : &a->nfeat;
    if (*n == MAX_LIST)
        return sc_err_set(err, SC_EINVAL, "too many values for '%s'", flag);
    if (opt == 'a' && strcmp(value, "access") != 0 && strcmp(value, "specs") != 0 &&
        strcmp(value, "split") != 0 && strcmp(value, "metrics") != 0)
        return sc_err_set(err, SC_EINVAL,
                          "unknown area '%s' (expected access, specs, split or metrics)", value);
    l[(*n)++] = value;
    return 0;
}

/* Options with a number or a duration. */
static int set_numeric(struct run_args *a, int opt, const char *value, struct sc_err *err)
{
    uint64_t v;
    if (opt == 'S') {
        if (sc_parse_count(value, "seed", 1, UINT32_MAX, &v, err) != 0)
            return SC_EINVAL;
        a->pc.seed = (unsigned long)v;
    } else if (opt == 'Y') {
        if (sc_parse_count(value, "retries", 0, 5, &v, err) != 0)
            return SC_EINVAL;
        a->ro.retries = (unsigned)v;
    } else if (opt == 'P') {
        if (sc_parse_count(value, "parallelism", 1, 64, &v, err) != 0)
            return SC_EINVAL;
        a->ro.parallel = (unsigned)v;
    } else {
        if (sc_parse_duration_ns(value, &v, err) != 0)
            return SC_EINVAL;
        if (v < 100000000ull)
            return sc_err_set(err, SC_EINVAL, "timeout '%s' is shorter than 100ms", value);
        a->ro.timeout_ms = (unsigned)(v / 1000000);
    }
    return 0;
}

/* One option; 1 when it was --help (printed), 0 when taken, negative on bad input. */
static int take_option(struct run_args *a, int opt, int argc, char **argv, struct sc_err *err)
{
    switch (opt) {
    case 'V':
    case 'a':
    case 'F':
        return add_listed(a, opt, argv[optind - 2], optarg, err);
    case 'S':
    case 'P':
    case 'T':
    case 'Y':
        return set_numeric(a, opt, optarg, err);
    case 'p':
        a->pc.name = optarg;
        break;
    case 's':
        a->suites_arg = optarg;
        break;
    case 'f':
        a->ro.focus = optarg;
        break;
    case 'k':
        a->ro.skip = optarg;
        break;
    case 'l':
        a->list_only = true;
        break;
    case 'W':
        a->skip_preflight = true;
        break;
    case 'G':
        a->skip_image_check = true;
        break;
    case 'K':
        a->ro.keep = true;
        break;
    case 'r':
        a->report_dir = optarg;
        break;
    case 'j':
        a->junit = optarg;
        break;
    case 'J':
        a->json = optarg;
        break;
    case 'R':
        a->pc.refmesh_bin = optarg;
        break;
    case 'X':
        a->pc.fixture_bin = optarg;
        break;
    case 'q':
        a->quiet = true;
        break;
    case 'C':
        a->pc.kubeconfig = optarg;
        break;
    case 'x':
        a->pc.context = optarg;
        break;
    case 'i':
        a->pc.in_cluster = true;
        break;
    case 'm':
        a->pc.mesh = optarg;
        break;
    case 'I':
        a->pc.fixture_image = optarg;
        break;
    case 'h':
        usage(stdout, a->list_only);
        return 1;
    case ':':
        return sc_err_set(err, SC_EINVAL, "option '%s' needs a value", argv[optind - 1]);
    default:
        return sc_err_set(err, SC_EINVAL, "unknown option '%s' (see 'smi-conformance %s --help')",
                          argv[optind - 1], argv[0]);
    }
    (void)argc;
    return 0;
}

/* The combinations, the platform's name and the selection regexes. */
static int check_args(struct run_args *a, struct sc_err *err)
{
    const struct sc_platform_config *pc = &a->pc;
    bool cluster = pc->kubeconfig || pc->context || pc->in_cluster;
    if (a->pc.name == NULL)
        a->pc.name = cluster ? "kube" : "local";
    if (strcmp(pc->name, "local") != 0 && strcmp(pc->name, "kube") != 0)
        return sc_err_set(err, SC_EINVAL, "unknown platform '%s' (expected local or kube)",
                          pc->name);
    if (strcmp(pc->name, "local") == 0 && cluster)
        return sc_err_set(err, SC_EINVAL,
                          "--kubeconfig, --context and --in-cluster need --platform kube");
    if (strcmp(pc->name, "kube") == 0 && pc->mesh == NULL)
        return sc_err_set(err, SC_EINVAL,
                          "the kube platform needs --mesh NAME (a profile in "
                          "suites/profiles, e.g. linkerd, osm, istio)");
    if (strcmp(pc->name, "kube") == 0 && a->nviol > 0)
        return sc_err_set(err, SC_EINVAL, "--violate is for the local reference mesh only");
    if (a->ro.parallel == 0 && strcmp(pc->name, "local") == 0) {
        /* Local cases mostly wait (probes, dropped datagrams, held traffic), not compute: twice
         * the CPUs, 4 to 8 (2 cores: 58 s at 2, 34 s at 4, 26 s at 8 for the full suite). A
         * cluster's is chosen from its capacity once it is open (run_cases). */
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        unsigned cpus = n > 0 ? (unsigned)n : 1;
        a->ro.parallel = 2 * cpus < 4 ? 4 : 2 * cpus > 8 ? 8 : 2 * cpus;
    }
    a->ro.areas = a->nareas ? a->areas : NULL;
    a->ro.features = a->nfeat ? a->features : NULL;
    a->pc.violations = a->violations;
    for (int k = 0; k < 2; k++) {
        const char *re = k ? a->ro.skip : a->ro.focus;
        regex_t rx;
        if (re == NULL)
            continue;
        if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
            return sc_err_set(err, SC_EINVAL, "invalid --%s regex '%s'", k ? "skip" : "focus", re);
        regfree(&rx);
    }
    return 0;
}

/* 0 parsed, 1 --help was printed, negative on bad input. */
static int parse_args(int argc, char **argv, struct run_args *a, struct sc_err *err)
{
    int opt, rc;
    memset(a, 0, sizeof(*a));
    a->list_only = strcmp(argv[0], "list") == 0;
    a->report_dir = "reports";
    sc_runner_opts_init(&a->ro);
    a->ro.parallel = 0; /* not given: chosen for the platform in check_args */
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1)
        if ((rc = take_option(a, opt, argc, argv, err)) != 0)
            return rc;
    if (optind != argc)
        return sc_err_set(err, SC_EINVAL, "unexpected argument '%s'", argv[optind]);
    return check_args(a, err);
}

/* Who ran what, where: the part of the results that is not a verdict. */
static void describe_run(struct sc_run *run, struct sc_platform *plat, const struct run_args *a,
                         int argc, char **argv)
{
    static const char *const groups[] = {"access", "specs", "split", "metrics"};
    static const char *const full[] = {"access.smi-spec.io", "specs.smi-spec.io",
                                       "split.smi-spec.io", "metrics.smi-spec.io"};
    struct sc_platform_info info = {0};

    plat->ops->describe(plat, &info);
    run->harness_version = sc_xstrdup(SC_VERSION);
    run->harness_commit = sc_xstrdup(SC_COMMIT);
    run->platform = sc_xstrdup(plat->ops->name);
    run->mesh = sc_xstrdup(info.mesh);
    run->command_line = join_argv(argc, argv);
    if (info.kube_version != NULL)
        run->kube_version = sc_xstrdup(info.kube_version);
    run->violations = sc_xcalloc(a->nviol + 1, sizeof(char *));
    for (size_t i = 0; i < a->nviol; i++)
        run->violations[run->nviolations++] = sc_xstrdup(a->violations[i]);
    run->served = sc_xcalloc(4, sizeof(*run->served));
    for (int g = 0; g < 4; g++) {
        int vs[8];
        size_t n = 0;
        struct sc_served *s = &run->served[run->nserved++];
        if (plat->ops->served(plat, groups[g], vs, &n) != 0)
            n = 0;
        s->group = sc_xstrdup(full[g]);
        s->versions = sc_xcalloc(n + 1, sizeof(char *));
        for (size_t k = 0; k < n; k++) {
            char b[16];
            snprintf(b, sizeof(b), "v1alpha%d", vs[k]);
            s->versions[s->nversions++] = sc_xstrdup(b);
        }
    }
}

/* Every output path writable before the first case starts, not after the run (issue 15 #8). */
static int check_outputs(const struct run_args *a, struct sc_err *err)
{
    static const char *const files[] = {"results.json", "junit.xml", "report.html",
                                        "conformance-report.yaml", "summary.md"};
    char path[PATH_MAX + 32];

    if (sc_cli_check_output(a->report_dir, true, err) != 0)
        return SC_EINVAL;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", a->report_dir, files[i]);
        if ((i == 0 && a->json != NULL) || (i == 1 && a->junit != NULL))
            continue;
        if (sc_cli_check_output(path, false, err) != 0)
            return SC_EINVAL;
    }
    if ((a->json != NULL && sc_cli_check_output(a->json, false, err) != 0) ||
        (a->junit != NULL && sc_cli_check_output(a->junit, false, err) != 0))
        return SC_EINVAL;
    return 0;
}

/* Every rendering of the results, from the same run (`report` re-renders them later). */
static int write_reports(const struct sc_run *run, const struct run_args *a, struct sc_err *err)
{
    char path[PATH_MAX + 32];
    struct sc_implementation im;

    memset(&im, 0, sizeof(im));
    snprintf(path, sizeof(path), "%s/results.json", a->report_dir);
    if (sc_cli_write(a->json ? a->json : path, sc_report_json(run), err) != 0)
        return SC_EIO;
    snprintf(path, sizeof(path), "%s/junit.xml", a->report_dir);
    if (sc_cli_write(a->junit ? a->junit : path, sc_junit_xml(run), err) != 0)
        return SC_EIO;
    snprintf(path, sizeof(path), "%s/report.html", a->report_dir);
    if (sc_cli_write(path, sc_report_html(run), err) != 0)
        return SC_EIO;
    snprintf(path, sizeof(path), "%s/conformance-report.yaml", a->report_dir);
    if (sc_cli_write(path, sc_report_conformance_yaml(run, &im), err) != 0)
        return SC_EIO;
    snprintf(path, sizeof(path), "%s/summary.md", a->report_dir);
    return sc_cli_write(path, sc_report_markdown(run, true), err);
}

/* Run the planned cases with progress and signal handling; the run's clocks are set here. */
static void execute(struct sc_platform *plat, struct sc_test **tests, size_t ntests,
                    struct run_args *a, struct sc_run *run)
{
    char run_id[16];
    struct progress prog = {.tty = isatty(STDERR_FILENO), .quiet = a->quiet, .t0 = sc_now_ns()};
    struct sc_err err;
    uint64_t t0;

    snprintf(run_id, sizeof(run_id), "%x", (unsigned)(getpid() ^ (unsigned)time(NULL)) & 0xfffff);
    a->ro.run_id = run_id;
    atomic_store(&cancel_flag, 0);
    a->ro.cancel = &cancel_flag;
    a->ro.progress = on_progress;
    a->ro.progress_ud = &prog;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    run->start_ms = sc_wall_ms();
    t0 = sc_now_ns();
    if (!a->quiet)
        fprintf(stderr,
                "smi-conformance: %zu cases from %zu tests on the %s platform, %u at once\n",
                run->ncases, ntests, plat->ops->name, a->ro.parallel);
    sc_err_init(&err);
    if (sc_runner_execute(plat, tests, ntests, &a->ro, run, &err) != 0)
        sc_log_error("run", "%s", err.msg);
    run->duration_ns = sc_now_ns() - t0;
    if (prog.tty && !a->quiet)
        fprintf(stderr, "\r\033[K");
    a->ro.run_id = NULL; /* run_id and prog were on this stack */
    a->ro.progress_ud = NULL;
}

/* The summary, the exit code; with --keep on a platform whose processes die with us, stay up
 * until the user is done looking. */
static int finish(struct sc_platform *plat, const struct run_args *a, const struct sc_run *run)
{
    struct sc_summary s = sc_run_summary(run);
    struct sc_platform_info info = {0};
    char *summary = sc_console_summary(run);
    int rc;

    fputs(summary, stdout);
    free(summary);
    printf("reports: %s/\n", a->report_dir);
    rc = sc_run_exit_status(&s);
    if (atomic_load(&cancel_flag)) {
        sc_cli_error("the run was interrupted; reports hold what finished");
        return s.failed ? SC_EXIT_FAIL : SC_EXIT_USAGE;
    }
    if (rc == SC_EXIT_USAGE && s.errors > 0)
        sc_cli_error("%zu case(s) could not be judged (the platform or an agent failed): "
                     "see the reports",
                     s.errors);
    else if (rc == SC_EXIT_USAGE)
        sc_cli_error("nothing was tested: every case was skipped (see the reasons above)");
    plat->ops->describe(plat, &info);
    if (a->ro.keep && info.keep_note != NULL) {
        fprintf(stderr,
                "smi-conformance: --keep: namespaces and processes stay up; %s; press Ctrl-C "
                "to stop\n",
                info.keep_note);
        while (!atomic_load(&cancel_flag))
            pause();
    }
    return rc;
}

int sc_cmd_run(int argc, char **argv)
{
    struct run_args a;
    char suites[PATH_MAX], profiles[PATH_MAX + 16];
    struct sc_err err;
    struct sc_test **tests = NULL;
    size_t ntests = 0;
    struct sc_platform *plat = NULL;
    struct sc_run *run = NULL;
    int rc;

    sc_err_init(&err);
    rc = parse_args(argc, argv, &a, &err);
    if (rc == 1)
        return SC_EXIT_OK;
    if (rc != 0 || find_suites(a.suites_arg, suites, sizeof(suites), &err) != 0 ||
        sc_suites_load(suites, &tests, &ntests, &err) != 0)
        goto out_usage;
    snprintf(profiles, sizeof(profiles), "%s/profiles", suites);
    a.pc.profiles_dir = profiles;
    /* Before anything is deployed: a cluster that cannot run the suite says why (exit 2). */
    a.pc.check_image = strcmp(a.pc.name, "kube") == 0 && !a.skip_image_check;
    if (strcmp(a.pc.name, "kube") == 0 && !a.skip_preflight && !a.list_only &&
        sc_cli_preflight(&a.pc, false, &err) != 0)
        goto out_usage;
    if (sc_platform_open(&a.pc, &plat, &err) != 0) {
        sc_err_prefix(&err, strcmp(a.pc.name, "kube") == 0 ? "cannot use the kube platform"
                                                           : "cannot start the local platform");
        goto out_usage;
    }
    if (a.ro.parallel == 0) {
        a.ro.parallel = plat->parallel_hint ? plat->parallel_hint : 4;
        if (plat->parallel_why != NULL)
            sc_log_info("run", "%u cases at once (%s; --parallel to change)", a.ro.parallel,
                        plat->parallel_why);
    }
    run = sc_run_new();
    if (sc_runner_plan(plat, tests, ntests, &a.ro, run, &err) != 0)
        goto out_usage;
    if (a.list_only) {
        print_list(run);
        rc = SC_EXIT_OK;
        goto out;
    }
    if (run->ncases == 0) {
        sc_err_set(&err, SC_EINVAL, "no test matches the selection");
        goto out_usage;
    }
    if (mkdir_p(a.report_dir, &err) != 0 || check_outputs(&a, &err) != 0)
        goto out_usage;
    describe_run(run, plat, &a, argc, argv);
    execute(plat, tests, ntests, &a, run);
    if (write_reports(run, &a, &err) != 0)
        goto out_usage;
    rc = finish(plat, &a, run);
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

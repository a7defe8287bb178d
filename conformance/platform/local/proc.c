/* proc.c - the local platform's processes: started with a pipe for their ready line, found
 * next to the harness, stopped gently then firmly, and all killed at once from a signal. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/util.h"
#include "platform/local/local.h"
#include "platform/local/proc.h"

#define MAX_CHILDREN 4096

/* Every child pid, for the emergency kill from a signal handler. The spawner thread adds,
 * the runner's workers remove and a signal handler reads at any time: lock-free atomics
 * (async-signal-safe, and no data race between the threads). */
static atomic_int children[MAX_CHILDREN];
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the signal handler needs lock-free atomic ints");

static void track(pid_t pid)
{
    for (int i = 0; i < MAX_CHILDREN; i++) {
        int free_slot = 0;
        if (atomic_compare_exchange_strong(&children[i], &free_slot, (int)pid))
            return;
    }
}

static void untrack(pid_t pid)
{
    for (int i = 0; i < MAX_CHILDREN; i++) {
        int mine = (int)pid;
        atomic_compare_exchange_strong(&children[i], &mine, 0);
    }
}

void sc_local_kill_all(void)
{
    for (int i = 0; i < MAX_CHILDREN; i++) {
        int pid = atomic_load(&children[i]);
        if (pid > 0)
            kill((pid_t)pid, SIGKILL);
    }
}

/* Fork and exec argv with stdout on a pipe, on the calling thread. */
static pid_t spawn_here(const char *const argv[], const sigset_t *mask, int *out_fd,
                        struct sc_err *err)
{
    int fds[2];
    pid_t parent = getpid(), pid;

    if (pipe2(fds, O_CLOEXEC) != 0) {
        sc_err_set(err, SC_ESYS, "cannot create a pipe: %s", strerror(errno));
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        sc_err_set(err, SC_ESYS, "cannot fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        sigprocmask(SIG_SETMASK, mask, NULL); /* the spawner thread blocks every signal */
        if (getppid() != parent)
            _exit(127);
        dup2(fds[1], STDOUT_FILENO);
        if (devnull >= 0)
            dup2(devnull, STDIN_FILENO);
        /* Children must not inherit a handler's view of SIGINT: the runner owns it. */
        signal(SIGINT, SIG_IGN);
        signal(SIGPIPE, SIG_DFL);
        execv(argv[0], (char *const *)argv);
        fprintf(stderr, "cannot run '%s': %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    track(pid);
    *out_fd = fds[0];
    return pid;
}

/* PR_SET_PDEATHSIG fires when the thread that forked exits, not the process: children forked
 * from a runner worker died when it ended, taking --keep's processes (issue 15 #9). So one
 * spawner thread, alive as long as the process, forks them all. */
struct spawn_req {
    const char *const *argv;
    int *out_fd;
    struct sc_err *err;
    pid_t pid;
    bool done;
    struct spawn_req *next;
};

static pthread_mutex_t sp_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sp_cv = PTHREAD_COND_INITIALIZER;
static pthread_once_t sp_once = PTHREAD_ONCE_INIT;
static struct spawn_req *sp_queue;
static sigset_t sp_mask; /* the mask children get: the process's before the spawner blocked all */
static bool sp_ready;

static void *spawner(void *arg)
{
    (void)arg;
    for (;;) {
        struct spawn_req *q;
        SC_ASSERT_OK(pthread_mutex_lock(&sp_mu));
        while (sp_queue == NULL)
            SC_ASSERT_OK(pthread_cond_wait(&sp_cv, &sp_mu));
        q = sp_queue;
        sp_queue = q->next;
        SC_ASSERT_OK(pthread_mutex_unlock(&sp_mu));
        q->pid = spawn_here(q->argv, &sp_mask, q->out_fd, q->err);
        SC_ASSERT_OK(pthread_mutex_lock(&sp_mu));
        q->done = true;
        SC_ASSERT_OK(pthread_cond_broadcast(&sp_cv));
        SC_ASSERT_OK(pthread_mutex_unlock(&sp_mu));
    }
    return NULL;
}

static void spawner_start(void)
{
    sigset_t all;
    pthread_t tid;

    sigfillset(&all);
    SC_ASSERT_OK(pthread_sigmask(SIG_SETMASK, &all, &sp_mask)); /* signals stay on others */
    sp_ready = pthread_create(&tid, NULL, spawner, NULL) == 0;
    SC_ASSERT_OK(pthread_sigmask(SIG_SETMASK, &sp_mask, NULL));
    if (sp_ready)
        SC_ASSERT_OK(pthread_detach(tid));
}

/* Start argv with stdout on a pipe (returned in *out_fd); the child dies with our process. */
pid_t sc_local_spawn(const char *const argv[], int *out_fd, struct sc_err *err)
{
    struct spawn_req q = {.argv = argv, .out_fd = out_fd, .err = err};
    sigset_t cur;

    SC_ASSERT_OK(pthread_once(&sp_once, spawner_start));
    if (!sp_ready) {
        /* no thread for it: fork here (the child then dies with this thread) */
        SC_ASSERT_OK(pthread_sigmask(SIG_SETMASK, NULL, &cur));
        return spawn_here(argv, &cur, out_fd, err);
    }
    SC_ASSERT_OK(pthread_mutex_lock(&sp_mu));
    q.next = sp_queue;
    sp_queue = &q;
    SC_ASSERT_OK(pthread_cond_broadcast(&sp_cv));
    while (!q.done)
        SC_ASSERT_OK(pthread_cond_wait(&sp_cv, &sp_mu));
    SC_ASSERT_OK(pthread_mutex_unlock(&sp_mu));
    return q.pid;
}

/* Read the child's first line ("... ready ...") within timeout_ms. */
int sc_local_read_ready(int fd, pid_t pid, char *line, size_t len, unsigned timeout_ms,
                        const char *what, struct sc_err *err)
{
    size_t have = 0;
    uint64_t deadline = sc_now_ns() + (uint64_t)timeout_ms * 1000000ull;
    while (have < len - 1) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        uint64_t now = sc_now_ns();
        ssize_t n;
        if (now >= deadline)
            return sc_err_set(err, SC_ETIMEOUT, "%s did not report ready", what);
        if (poll(&p, 1, (int)((deadline - now) / 1000000 + 1)) <= 0)
            continue;
        n = read(fd, line + have, 1);
        if (n <= 0) {
            int st;
            if (waitpid(pid, &st, WNOHANG) == pid) {
                untrack(pid);
                return sc_err_set(err, SC_EIO, "%s exited before it was ready (status %d)", what,
                                  WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
            }
            return sc_err_set(err, SC_EIO, "%s closed its output before it was ready", what);
        }
        if (line[have] == '\n')
            break;
        have++;
    }
    line[have] = '\0';
    return 0;
}

void sc_local_stop_child(pid_t pid)
{
    int st;
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 200; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid) {
            untrack(pid);
            return;
        }
        sc_sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    untrack(pid);
}

int sc_local_find_bin(const char *given, const char *env, const char *name, const char *subdir,
                      char *out, struct sc_err *err)
{
    char self[PATH_MAX - 128], cand[PATH_MAX];
    ssize_t n;
    const char *e = getenv(env);

    if (given != NULL || e != NULL) {
        snprintf(out, PATH_MAX, "%s", given ? given : e);
        if (access(out, X_OK) == 0)
            return 0;
        return sc_err_set(err, SC_EINVAL, "cannot run '%s': %s", out, strerror(errno));
    }
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        char *slash;
        self[n] = '\0';
        slash = strrchr(self, '/');
        if (slash)
            *slash = '\0';
        snprintf(cand, sizeof(cand), "%s/%s", self, name);
        if (access(cand, X_OK) == 0) {
            snprintf(out, PATH_MAX, "%s", cand);
            return 0;
        }
        snprintf(cand, sizeof(cand), "%s/../%s/%s", self, subdir, name);
        if (access(cand, X_OK) == 0) {
            snprintf(out, PATH_MAX, "%s", cand);
            return 0;
        }
    }
    {
        const char *path = getenv("PATH");
        char *copy = sc_xstrdup(path ? path : "/usr/bin"), *save = NULL;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
            snprintf(cand, sizeof(cand), "%s/%s", d, name);
            if (access(cand, X_OK) == 0) {
                snprintf(out, PATH_MAX, "%s", cand);
                free(copy);
                return 0;
            }
        }
        free(copy);
    }
    return sc_err_set(err, SC_ENOTFOUND,
                      "cannot find '%s' (next to smi-conformance, in the build tree or PATH; "
                      "set %s)",
                      name, env);
}

/*
 * test_proc.c - external programs on the event loop: exit codes, a
 * timeout that kills, cancel without a callback, a missing program.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <event2/event.h>

#include "proc.h"

struct result {
	int	calls;
	int	status;
	bool	timed_out;
};

static void
done(void *arg, int status, bool timed_out)
{
	struct result *r = arg;

	r->calls++;
	r->status = status;
	r->timed_out = timed_out;
}

/* Runs the loop until every program is reaped (at most 10 s). */
static void
run_until_idle(struct event_base *base, struct proc_runner *r)
{
	struct timeval	tv = { 0, 10000 };
	int		i;

	for (i = 0; i < 1000 && proc_running(r) > 0; i++) {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	assert_int_equal(proc_running(r), 0);
}

static struct result
run_one(char *const argv[], uint32_t timeout_ms)
{
	struct event_base	*base = event_base_new();
	struct proc_runner	*r = proc_runner_new(base);
	struct result		 res = { 0, 0, false };
	struct proc_spec	 spec = { argv, 0, 0, timeout_ms, done, &res };

	assert_non_null(proc_spawn(r, &spec));
	run_until_idle(base, r);
	proc_runner_free(r);
	event_base_free(base);
	return res;
}

static void
exit_codes(void **state)
{
	char *const t[] = { "/bin/true", NULL };
	char *const f[] = { "/bin/false", NULL };
	char *const three[] = { "/bin/sh", "-c", "exit 3", NULL };
	struct result r;

	r = run_one(t, 0);
	assert_int_equal(r.calls, 1);
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	r = run_one(f, 0);
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 1);
	r = run_one(three, 1000);
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 3);
	assert_false(r.timed_out);
}

static void
missing_program_is_127(void **state)
{
	char *const argv[] = { "/nonexistent/prog", NULL };
	struct result r = run_one(argv, 0);

	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 127);
}

static void
timeout_kills_the_group(void **state)
{
	/* The shell's own child must die too: its group is killed. */
	char *const argv[] = { "/bin/sh", "-c", "sleep 30 & sleep 30", NULL };
	struct timeval	t0, t1;
	struct result	r;

	gettimeofday(&t0, NULL);
	r = run_one(argv, 200);
	gettimeofday(&t1, NULL);
	assert_int_equal(r.calls, 1);
	assert_true(r.timed_out);
	assert_true(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL);
	assert_true((t1.tv_sec - t0.tv_sec) < 5);
}

static void
cancel_has_no_callback(void **state)
{
	char *const		 argv[] = { "/bin/sleep", "30", NULL };
	struct event_base	*base = event_base_new();
	struct proc_runner	*r = proc_runner_new(base);
	struct result		 res = { 0, 0, false };
	struct proc_spec	 spec = { argv, 0, 0, 0, done, &res };
	struct proc		*p = proc_spawn(r, &spec);

	assert_non_null(p);
	proc_cancel(p);
	run_until_idle(base, r);
	assert_int_equal(res.calls, 0);
	proc_runner_free(r);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exit_codes),
		cmocka_unit_test(missing_program_is_127),
		cmocka_unit_test(timeout_kills_the_group),
		cmocka_unit_test(cancel_has_no_callback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * vm_stallmon - how long the VM's CPUs stop running. One SCHED_FIFO
 * thread per online CPU, pinned to it, wakes every 5 ms on
 * CLOCK_MONOTONIC; a wake-up later than THRESHOLD_MS means that CPU ran
 * nothing for that long (under TCG: the host did not schedule the vCPU
 * thread; at real-time priority no guest task can delay it). Kernel
 * timers and softirqs stop with it, so a retransmission timer can fire
 * before the SACK that already arrived is processed: the failover
 * scenarios forgive a failover only when it follows such a stall.
 *
 * Usage: vm_stallmon [THRESHOLD_MS]   (default 20)
 * Prints "STALL cpu=N at_ms=T late_ms=L" (T = CLOCK_MONOTONIC ms at the
 * late wake-up, as the agent's log stamps) per stall, and on SIGTERM or
 * SIGINT "STALLMON cpus=N stalls=S max_late_ms=M".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CPUS 64
#define PERIOD_NS 5000000L

static long threshold_ms = 20;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long stalls;
static long max_late_ms;

static long long ns_of(const struct timespec *t)
{
	return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static void *watch(void *arg)
{
	int cpu = (int)(long)arg;
	struct sched_param sp = { .sched_priority = sched_get_priority_max(SCHED_FIFO) };
	cpu_set_t set;
	struct timespec next, now;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) ||
	    pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp))
		fprintf(stderr, "vm_stallmon: cpu %d: no real-time pinning, results "
			"include guest load\n", cpu);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		long long late;

		next.tv_nsec += PERIOD_NS;
		if (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		clock_gettime(CLOCK_MONOTONIC, &now);
		late = (ns_of(&now) - ns_of(&next)) / 1000000;
		if (late >= threshold_ms) {
			pthread_mutex_lock(&out_lock);
			stalls++;
			if (late > max_late_ms)
				max_late_ms = late;
			printf("STALL cpu=%d at_ms=%lld late_ms=%lld\n", cpu,
			       ns_of(&now) / 1000000, late);
			fflush(stdout);
			pthread_mutex_unlock(&out_lock);
		}
		if (late > 0)
			next = now;	/* measure from here, not a backlog */
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	sigset_t sigs;
	pthread_t t;
	int sig;

	if (argc > 1)
		threshold_ms = strtol(argv[1], NULL, 10);
	if (argc > 2 || threshold_ms < 1) {
		fprintf(stderr, "usage: vm_stallmon [THRESHOLD_MS]\n");
		return 2;
	}
	if (n < 1 || n > MAX_CPUS)
		n = 1;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);	/* threads inherit it */
	for (long i = 0; i < n; i++)
		if (pthread_create(&t, NULL, watch, (void *)i)) {
			fprintf(stderr, "vm_stallmon: %s\n", strerror(errno));
			return 1;
		}
	sigwait(&sigs, &sig);
	pthread_mutex_lock(&out_lock);
	printf("STALLMON cpus=%ld stalls=%lu max_late_ms=%ld\n", n, stalls, max_late_ms);
	fflush(stdout);
	return 0;
}

/*
 * The host's floor for a thread that wakes on a timer and does nothing: a C program sleeping in clock_nanosleep on
 * absolute deadlines every PERIOD_US µs for SECONDS s, then printing the CPU it used (user + sys, from getrusage) as a
 * fraction of one core. bench/energy/sampling-cost.ts builds and runs it; what a JS thread costs above this is V8's.
 * Usage: wake-floor PERIOD_US SECONDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  long period_ns = atol(argv[1]) * 1000L;
  double seconds = atof(argv[2]);
  struct timespec start, due, end;
  struct rusage r0, r1;
  getrusage(RUSAGE_SELF, &r0);
  clock_gettime(CLOCK_MONOTONIC, &start);
  due = start;
  long wakes = (long)(seconds * 1e9 / period_ns);
  for (long i = 0; i < wakes; i++) {
    due.tv_nsec += period_ns;
    while (due.tv_nsec >= 1000000000L) {
      due.tv_nsec -= 1000000000L;
      due.tv_sec++;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL);
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  getrusage(RUSAGE_SELF, &r1);
  double cpu = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) + (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6 +
               (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
  double wall = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
  printf("%.6f\n", cpu / wall);
  return 0;
}

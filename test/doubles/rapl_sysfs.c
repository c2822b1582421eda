/*
 * Stand-in for the RAPL energy MSRs behind a powercap sysfs tree: a program that keeps each zone's `energy_uj` file
 * (made by the caller, with `name` and `max_energy_range_uj`) showing what the kernel would show — the integral of a
 * power profile (power_profile.h) up to the counter's last tick, in whole counter units (61.03515625 µJ = 2^-14 J on
 * Intel), modulo max_energy_range_uj (the 32-bit MSR wraps).
 * Build: cc -O2 -o rapl_sysfs rapl_sysfs.c        Run: rapl_sysfs CONTROL
 *
 * CONTROL holds key=value lines:
 *   profile_origin_ns=N   profile time 0 on CLOCK_MONOTONIC (required)
 *   tick_ms=T             the MSR updates every T ms (default 1), at tick_phase_ms=X + k·T (default 0)
 *   unit_uj=U             counter unit, µJ (default 61.03515625)
 *   duration_ms=D         exits after D ms of profile time (default: until SIGTERM or its parent exits)
 *   late_log=PATH         appends "TICK_MS LATE_MS" for every tick written more than late_ms=L (default 0.25) after
 *                         its time (the writer descheduled: the ticks it slept through are never shown), so a reader
 *                         saw a stale value from TICK_MS for LATE_MS (benchmarks leave spans with an edge there out)
 *   zone=DIR|PROFILE|START_UJ|MAX_UJ   one line per zone: energy_uj starts at START_UJ at profile time 0
 * Each value is written in place at offset 0, padded to a fixed width, so a reader holding the file open (RaplSource
 * preads one fd) never sees a shorter value with stale digits behind it. The MSR never runs late, and neither should
 * its stand-in on a busy host: it asks for SCHED_FIFO (it sleeps between ticks, so it cannot hog a core) and goes on
 * without it, saying so, where that is not allowed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "power_profile.h"

#define MAX_ZONES 8

typedef struct {
  int fd;
  oj_profile profile;
  double start_uj;
  double max_uj;
} zone_t;

static zone_t zones[MAX_ZONES];
static int zone_count = 0;

static double mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: rapl_sysfs CONTROL\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "r");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  double origin_ns = -1, tick_ms = 1, phase_ms = 0, unit_uj = 61.03515625, duration_ms = -1, late_ms = 0.25;
  FILE *late_log = NULL;
  char line[8192];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    char *eq = strchr(line, '=');
    if (!eq) continue;
    *eq = 0;
    const char *k = line, *v = eq + 1;
    if (!strcmp(k, "profile_origin_ns")) origin_ns = atof(v);
    else if (!strcmp(k, "tick_ms")) tick_ms = atof(v);
    else if (!strcmp(k, "tick_phase_ms")) phase_ms = atof(v);
    else if (!strcmp(k, "unit_uj")) unit_uj = atof(v);
    else if (!strcmp(k, "duration_ms")) duration_ms = atof(v);
    else if (!strcmp(k, "late_ms")) late_ms = atof(v);
    else if (!strcmp(k, "late_log")) {
      late_log = fopen(v, "a");
      if (late_log) setvbuf(late_log, NULL, _IOLBF, 0);
    }
    else if (!strcmp(k, "zone") && zone_count < MAX_ZONES) {
      char *dir = strtok((char *)v, "|"), *profile = strtok(NULL, "|"), *start = strtok(NULL, "|"), *max = strtok(NULL, "|");
      if (!dir || !profile || !start || !max) continue;
      zone_t *z = &zones[zone_count];
      char path[4200];
      snprintf(path, sizeof path, "%s/energy_uj", dir);
      z->fd = open(path, O_WRONLY | O_CREAT, 0644);
      if (z->fd < 0 || oj_profile_load(&z->profile, profile) != 0) {
        fprintf(stderr, "rapl_sysfs: cannot use zone %s (profile %s)\n", dir, profile);
        return 2;
      }
      z->start_uj = atof(start);
      z->max_uj = atof(max);
      zone_count++;
    }
  }
  fclose(f);
  if (origin_ns < 0 || zone_count == 0 || tick_ms <= 0) {
    fprintf(stderr, "rapl_sysfs: profile_origin_ns, tick_ms > 0 and at least one zone are required\n");
    return 2;
  }
  struct sched_param sp = { .sched_priority = 10 };
  if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0) fprintf(stderr, "rapl_sysfs: no SCHED_FIFO (%s); ticks may run late on a busy host\n", strerror(errno));
  pid_t parent = getppid();
  double next_ms = oj_last_tick((mono_ns() - origin_ns) / 1e6, tick_ms, phase_ms);
  for (;;) {
    double now_ms = (mono_ns() - origin_ns) / 1e6;
    double tick = oj_last_tick(now_ms, tick_ms, phase_ms);
    for (int i = 0; i < zone_count; i++) {
      zone_t *z = &zones[i];
      double total = z->start_uj + (oj_profile_joules(&z->profile, tick) - oj_profile_joules(&z->profile, 0)) * 1e6;
      double units = floor(total / unit_uj);
      double value = fmod(units * unit_uj, z->max_uj);
      char buf[32];
      int n = snprintf(buf, sizeof buf, "%20.0f\n", floor(value));
      if (pwrite(z->fd, buf, (size_t)n, 0) != n) return 1;
    }
    if (late_log) {
      /* Late against the tick it meant to write (next_ms), not the one it wrote: after a stall it skips to the newest. */
      double written_ms = (mono_ns() - origin_ns) / 1e6;
      double due = next_ms < tick ? next_ms : tick;
      if (written_ms - due > late_ms) fprintf(late_log, "%.4f %.4f\n", due, written_ms - due);
    }
    if (duration_ms >= 0 && now_ms >= duration_ms) return 0;
    if (getppid() != parent) return 0;
    next_ms = tick + tick_ms;
    double target_ns = origin_ns + next_ms * 1e6;
    struct timespec ts = { (time_t)(target_ns / 1e9), (long)fmod(target_ns, 1e9) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
  }
}

/*
 * The power a driver double pretends its device draws, shared by nvml.c and rocm_smi.c (and written the same way by
 * rapl_sysfs.c and powermetrics.mjs): piecewise-linear watts over ms of "profile time", with its exact integral.
 *
 * A profile file holds one "t_ms watts" pair per line (# starts a comment), times non-decreasing; two points at the
 * same time make a step. Before the first point and after the last the power is held. Profile time is ms since
 * profile_origin_ns on CLOCK_MONOTONIC (the clock Node's process.hrtime.bigint() reads), so a benchmark that wrote the
 * file knows exactly what every counter shows at every instant and can integrate the truth over any window itself.
 */
#ifndef OJ_POWER_PROFILE_H
#define OJ_POWER_PROFILE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  double *t;  /* ms */
  double *w;  /* W */
  double *q;  /* J from t[0] to t[i] */
  int n;
  int cap;
} oj_profile;

static inline void oj_profile_clear(oj_profile *p) {
  free(p->t);
  free(p->w);
  free(p->q);
  memset(p, 0, sizeof *p);
}

static inline void oj_profile_push(oj_profile *p, double t, double w) {
  if (p->n > 0 && t < p->t[p->n - 1]) t = p->t[p->n - 1];
  if (p->n == p->cap) {
    p->cap = p->cap ? p->cap * 2 : 64;
    p->t = realloc(p->t, sizeof(double) * p->cap);
    p->w = realloc(p->w, sizeof(double) * p->cap);
    p->q = realloc(p->q, sizeof(double) * p->cap);
  }
  int i = p->n++;
  p->t[i] = t;
  p->w[i] = w;
  p->q[i] = i == 0 ? 0 : p->q[i - 1] + (p->w[i - 1] + w) / 2 * (t - p->t[i - 1]) / 1000.0;
}

/* A constant power (the doubles' default). */
static inline void oj_profile_constant(oj_profile *p, double watts) {
  oj_profile_clear(p);
  oj_profile_push(p, 0, watts);
}

/* Loads "t_ms watts" lines; returns 0, or -1 when the file cannot be read or holds no point (profile left empty). */
static inline int oj_profile_load(oj_profile *p, const char *path) {
  oj_profile_clear(p);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[256];
  while (fgets(line, sizeof line, f)) {
    double t, w;
    if (line[0] == '#') continue;
    if (sscanf(line, "%lf %lf", &t, &w) == 2) oj_profile_push(p, t, w);
  }
  fclose(f);
  return p->n > 0 ? 0 : -1;
}

/* Index of the last point with t[i] <= t, or -1. */
static inline int oj_profile_index(const oj_profile *p, double t) {
  if (p->n == 0 || t < p->t[0]) return -1;
  int lo = 0, hi = p->n - 1;
  while (lo < hi) {
    int mid = (lo + hi + 1) / 2;
    if (p->t[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/* Power at t, W. */
static inline double oj_profile_watts(const oj_profile *p, double t) {
  if (p->n == 0) return 0;
  int i = oj_profile_index(p, t);
  if (i < 0) return p->w[0];
  if (i >= p->n - 1 || p->t[i + 1] == p->t[i]) return p->w[i];
  return p->w[i] + (p->w[i + 1] - p->w[i]) * (t - p->t[i]) / (p->t[i + 1] - p->t[i]);
}

/* Energy from t[0] to t, J (negative before t[0], where the first power is held). */
static inline double oj_profile_joules(const oj_profile *p, double t) {
  if (p->n == 0) return 0;
  int i = oj_profile_index(p, t);
  if (i < 0) return p->w[0] * (t - p->t[0]) / 1000.0;
  double w = oj_profile_watts(p, t);
  if (i < p->n - 1 && p->t[i + 1] == p->t[i]) w = p->w[i];
  return p->q[i] + (p->w[i] + w) / 2 * (t - p->t[i]) / 1000.0;
}

/* Mean power over (t - window_ms, t], W: a driver's trailing average. */
static inline double oj_profile_mean_watts(const oj_profile *p, double t, double window_ms) {
  if (window_ms <= 0) return oj_profile_watts(p, t);
  return (oj_profile_joules(p, t) - oj_profile_joules(p, t - window_ms)) * 1000.0 / window_ms;
}

/* The last tick at or before t of a counter that ticks every period_ms from phase_ms (t itself when period_ms <= 0). */
static inline double oj_last_tick(double t, double period_ms, double phase_ms) {
  if (period_ms <= 0) return t;
  double k = (t - phase_ms) / period_ms;
  long long whole = (long long)k;
  if ((double)whole > k) whole--; /* floor for negative k */
  return phase_ms + (double)whole * period_ms;
}

/*
 * Parses steps "duration_ms:value,duration_ms:value,..." into a step profile whose values are value × scale; the last
 * step lasts forever. An empty or malformed text leaves the constant `fallback`.
 */
static inline void oj_profile_parse_steps(oj_profile *p, const char *text, double scale, double fallback) {
  oj_profile_clear(p);
  const char *s = text;
  double start = 0;
  while (*s) {
    char *end;
    double ms = strtod(s, &end);
    if (*end != ':') break;
    double value = strtod(end + 1, &end);
    oj_profile_push(p, start, value * scale);
    oj_profile_push(p, start + ms, value * scale);
    start += ms;
    if (*end != ',') break;
    s = end + 1;
  }
  if (p->n == 0) oj_profile_constant(p, fallback);
  else p->n--; /* the last step lasts forever: drop its end point */
}


#endif

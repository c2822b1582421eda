/*
 * Test double for libnvidia-ml.so.1 with NVML's real ABI: the exported names (the _v2 entry points), the argument
 * types, the struct layouts (nvmlFieldValue_t is 40 bytes, nvmlMemory_t is total/free/used), the return codes and
 * the units (mJ, mW, bytes, °C). Build: cc -shared -fPIC -Wl,-soname,libnvidia-ml.so.1 -o libnvidia-ml.so.1 nvml.c
 *
 * It is driven by a control file named by OJ_NVML_DOUBLE_CONTROL (key=value lines), read by nvmlInit_v2 whenever the
 * reference count goes from 0 to 1, so each test can reconfigure it:
 *   devices=N              number of GPUs (default 1)
 *   init_error=R           nvmlInit_v2 returns R
 *   power_mw=P             constant power of every device, mW (default 100000)
 *   profile=MS:MW,MS:MW    piecewise power (replaces power_mw); the last segment lasts forever
 *   utilization=MS:PCT,... nvmlDeviceGetUtilizationRates' gpu percent, steps on the same time axis (default 42)
 *   memory_used_mib=MS:MIB,... nvmlDeviceGetMemoryInfo's used memory in MiB, steps (default 3072 of 80 GiB)
 *   temperature=MS:C,...   nvmlDeviceGetTemperature(NVML_TEMPERATURE_GPU), °C, steps (default 55)
 *   gauges_not_supported=1 those three answer NVML_ERROR_NOT_SUPPORTED (a part or vGPU without them)
 *   profile_file=PATH      piecewise-linear power from a file (power_profile.h), replaces both of the above
 *   profile_origin_ns=N    profile time 0 is this CLOCK_MONOTONIC instant (default: nvmlInit_v2)
 *   tick_ms=N              the energy counter only advances every N ms: it holds the integral up to the last tick
 *   tick_phase_ms=X        ...ticking at X + k·N ms of profile time (default 0)
 *   power_usage=average    nvmlDeviceGetPowerUsage answers the mean of the last second (Ampere and newer, not GA100)
 *   instant_refresh_ms=R   NVML_FI_DEV_POWER_INSTANT only changes every R ms (default: every call)
 *   instant_window_ms=W    ...and is then the mean over the W ms before the refresh (W < R: a part-time sensor)
 *   module_extra_mw=X      scopeId 1 (module: Grace CPU + GPU) answers the power and energy fields with X mW more
 *                          than the GPU; without it scopeId 1 answers NOT_SUPPORTED per field (not a superchip)
 *   energy_offset_mj=E     counter value at time 0 (a driver that has been up a while)
 *   energy_not_supported=1 nvmlDeviceGetTotalEnergyConsumption answers NVML_ERROR_NOT_SUPPORTED (pre-Volta)
 *   instant_not_supported=1 the NVML_FI_DEV_POWER_INSTANT field answers NOT_SUPPORTED in its own nvmlReturn
 *   lost_device=I, lost_after=K  device I answers NVML_ERROR_GPU_IS_LOST after K energy/power calls
 *   reset_at_ms=T          the counter restarts from 0 at time T (a driver reload)
 *   clock=fake             time only moves through ojtest_set_time_ms (default: CLOCK_MONOTONIC since init)
 * The ojtest_* exports are not part of NVML; only tests call them, our bindings never do.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "power_profile.h"

typedef int nvmlReturn_t;
#define NVML_SUCCESS 0
#define NVML_ERROR_UNINITIALIZED 1
#define NVML_ERROR_INVALID_ARGUMENT 2
#define NVML_ERROR_NOT_SUPPORTED 3
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_ERROR_GPU_IS_LOST 15

#define NVML_FI_DEV_TOTAL_ENERGY_CONSUMPTION 83
#define NVML_FI_DEV_POWER_AVERAGE 185
#define NVML_FI_DEV_POWER_INSTANT 186
#define NVML_FI_DEV_ENERGY 191
#define NVML_VALUE_TYPE_UNSIGNED_INT 1
#define NVML_VALUE_TYPE_UNSIGNED_LONG_LONG 3
#define NVML_POWER_SCOPE_GPU 0
#define NVML_POWER_SCOPE_MODULE 1

typedef struct nvmlDevice_st { unsigned int index; } *nvmlDevice_t;

typedef union nvmlValue_st {
  double dVal;
  int siVal;
  unsigned int uiVal;
  unsigned long ulVal;
  unsigned long long ullVal;
  signed long long sllVal;
  unsigned short usVal;
} nvmlValue_t;

typedef struct nvmlFieldValue_st {
  unsigned int fieldId;
  unsigned int scopeId;
  long long timestamp;
  long long latencyUsec;
  int valueType;
  nvmlReturn_t nvmlReturn;
  nvmlValue_t value;
} nvmlFieldValue_t;

typedef struct nvmlUtilization_st { unsigned int gpu; unsigned int memory; } nvmlUtilization_t;
typedef struct nvmlMemory_st { unsigned long long total; unsigned long long free; unsigned long long used; } nvmlMemory_t;

_Static_assert(sizeof(nvmlFieldValue_t) == 40, "nvmlFieldValue_t is 40 bytes");

#define MAX_DEVICES 8

static struct nvmlDevice_st g_devices[MAX_DEVICES];
static int g_refcount = 0;
static unsigned int g_count = 1;
static int g_init_error = 0;
static oj_profile g_profile;
static oj_profile g_util;        /* nvmlUtilization_t.gpu, percent */
static oj_profile g_memory_mib;  /* nvmlMemory_t.used, MiB */
static oj_profile g_temperature; /* NVML_TEMPERATURE_GPU, °C */
static int g_gauges_not_supported = 0;
static double g_tick_ms = 0;
static double g_tick_phase_ms = 0;
static int g_power_usage_average = 0;
static double g_instant_refresh_ms = 0;
static double g_instant_window_ms = 0;
static double g_module_extra_mw = -1;
static long long g_origin_ns = -1;
static double g_offset_mj = 0;
static int g_energy_not_supported = 0;
static int g_instant_not_supported = 0;
static int g_lost_device = -1;
static long g_lost_after = -1;
static long g_calls[MAX_DEVICES];
static double g_reset_at_ms = -1;
static int g_fake_clock = 0;
static double g_fake_ms = 0;
static struct timespec g_start;

/* Test-only: sets the fake clock, in ms since init. */
void ojtest_set_time_ms(double ms) { g_fake_ms = ms; }

/* Profile time, ms. */
static double now_ms(void) {
  if (g_fake_clock) return g_fake_ms;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  if (g_origin_ns >= 0) return ((double)ts.tv_sec * 1e9 + (double)ts.tv_nsec - (double)g_origin_ns) / 1e6;
  return (double)(ts.tv_sec - g_start.tv_sec) * 1e3 + (double)(ts.tv_nsec - g_start.tv_nsec) / 1e6;
}

static void read_control(void) {
  g_count = 1; g_init_error = 0; oj_profile_constant(&g_profile, 100.0);
  oj_profile_constant(&g_util, 42); oj_profile_constant(&g_memory_mib, 3 * 1024); oj_profile_constant(&g_temperature, 55);
  g_gauges_not_supported = 0;
  g_tick_ms = 0; g_tick_phase_ms = 0; g_power_usage_average = 0; g_instant_refresh_ms = 0; g_instant_window_ms = 0;
  g_module_extra_mw = -1; g_origin_ns = -1; g_offset_mj = 0; g_energy_not_supported = 0; g_instant_not_supported = 0;
  g_lost_device = -1; g_lost_after = -1; g_reset_at_ms = -1; g_fake_clock = 0; g_fake_ms = 0;
  memset(g_calls, 0, sizeof g_calls);
  const char *path = getenv("OJ_NVML_DOUBLE_CONTROL");
  FILE *f = path ? fopen(path, "r") : NULL;
  if (!f) return;
  char line[4096];
  while (fgets(line, sizeof line, f)) {
    char *eq = strchr(line, '=');
    if (!eq) continue;
    *eq = 0;
    line[strcspn(eq + 1, "\r\n") + (eq + 1 - line)] = 0;
    const char *k = line, *v = eq + 1;
    if (!strcmp(k, "devices")) g_count = (unsigned)atoi(v);
    else if (!strcmp(k, "init_error")) g_init_error = atoi(v);
    else if (!strcmp(k, "power_mw")) oj_profile_constant(&g_profile, atof(v) / 1000.0);
    else if (!strcmp(k, "profile")) oj_profile_parse_steps(&g_profile, v, 1.0 / 1000.0, 0); /* "duration_ms:mW" steps */
    else if (!strcmp(k, "utilization")) oj_profile_parse_steps(&g_util, v, 1, 0);
    else if (!strcmp(k, "memory_used_mib")) oj_profile_parse_steps(&g_memory_mib, v, 1, 0);
    else if (!strcmp(k, "temperature")) oj_profile_parse_steps(&g_temperature, v, 1, 0);
    else if (!strcmp(k, "gauges_not_supported")) g_gauges_not_supported = atoi(v);
    else if (!strcmp(k, "profile_file")) { if (oj_profile_load(&g_profile, v) != 0) oj_profile_constant(&g_profile, 0); }
    else if (!strcmp(k, "profile_origin_ns")) g_origin_ns = atoll(v);
    else if (!strcmp(k, "tick_phase_ms")) g_tick_phase_ms = atof(v);
    else if (!strcmp(k, "power_usage")) g_power_usage_average = !strncmp(v, "average", 7);
    else if (!strcmp(k, "instant_refresh_ms")) g_instant_refresh_ms = atof(v);
    else if (!strcmp(k, "instant_window_ms")) g_instant_window_ms = atof(v);
    else if (!strcmp(k, "module_extra_mw")) g_module_extra_mw = atof(v);
    else if (!strcmp(k, "tick_ms")) g_tick_ms = atof(v);
    else if (!strcmp(k, "energy_offset_mj")) g_offset_mj = atof(v);
    else if (!strcmp(k, "energy_not_supported")) g_energy_not_supported = atoi(v);
    else if (!strcmp(k, "instant_not_supported")) g_instant_not_supported = atoi(v);
    else if (!strcmp(k, "lost_device")) g_lost_device = atoi(v);
    else if (!strcmp(k, "lost_after")) g_lost_after = atol(v);
    else if (!strcmp(k, "reset_at_ms")) g_reset_at_ms = atof(v);
    else if (!strcmp(k, "clock")) g_fake_clock = !strncmp(v, "fake", 4);
  }
  fclose(f);
  if (g_count > MAX_DEVICES) g_count = MAX_DEVICES;
}

static double power_at_mw(double t) { return oj_profile_watts(&g_profile, t) * 1000.0; }

/* Integral of the profile from 0 to t, in mJ. */
static double integral_mj(double t) { return (oj_profile_joules(&g_profile, t) - oj_profile_joules(&g_profile, 0)) * 1000.0; }

/* The GPU's energy counter, mJ: the integral up to the last tick; `extra_mw` more for the module scope. */
static double counter_mj_plus(double t, double extra_mw) {
  t = oj_last_tick(t, g_tick_ms, g_tick_phase_ms);
  double e;
  if (g_reset_at_ms >= 0 && t >= g_reset_at_ms) e = integral_mj(t) - integral_mj(g_reset_at_ms);
  else e = g_offset_mj + integral_mj(t);
  return e + (extra_mw > 0 ? extra_mw * t / 1000.0 : 0);
}

static double counter_mj(double t) { return counter_mj_plus(t, 0); }

/* nvmlDeviceGetPowerUsage: instantaneous, or the mean of the last second (power_usage=average). */
static double power_usage_mw(double t) {
  return g_power_usage_average ? oj_profile_mean_watts(&g_profile, t, 1000.0) * 1000.0 : power_at_mw(t);
}

/* NVML_FI_DEV_POWER_INSTANT at t, mW, and the time it was refreshed (profile ms). */
static double instant_mw(double t, double *refreshed) {
  if (g_instant_refresh_ms <= 0) { *refreshed = t; return power_at_mw(t); }
  double r = oj_last_tick(t, g_instant_refresh_ms, 0);
  *refreshed = r;
  return oj_profile_mean_watts(&g_profile, r, g_instant_window_ms) * 1000.0;
}

static nvmlReturn_t check(nvmlDevice_t device) {
  if (g_refcount == 0) return NVML_ERROR_UNINITIALIZED;
  if (!device || device->index >= g_count) return NVML_ERROR_INVALID_ARGUMENT;
  return NVML_SUCCESS;
}

static int lost(nvmlDevice_t device) {
  if ((int)device->index != g_lost_device || g_lost_after < 0) return 0;
  return g_calls[device->index]++ >= g_lost_after;
}

nvmlReturn_t nvmlInit_v2(void) {
  if (g_refcount == 0) {
    read_control();
    if (g_init_error) return g_init_error;
    clock_gettime(CLOCK_MONOTONIC, &g_start);
    for (unsigned i = 0; i < MAX_DEVICES; i++) g_devices[i].index = i;
  }
  g_refcount++;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlShutdown(void) {
  /* Like NVML: no error when called more often than nvmlInit_v2. */
  if (g_refcount > 0) g_refcount--;
  return NVML_SUCCESS;
}

/* Test-only: the current reference count, so tests can check that close() balances open(). */
int ojtest_refcount(void) { return g_refcount; }

const char *nvmlErrorString(nvmlReturn_t result) {
  switch (result) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case 9: return "Driver Not Loaded";
    case NVML_ERROR_GPU_IS_LOST: return "GPU is lost";
    default: return "Unknown Error";
  }
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount) {
  if (g_refcount == 0) return NVML_ERROR_UNINITIALIZED;
  if (!deviceCount) return NVML_ERROR_INVALID_ARGUMENT;
  *deviceCount = g_count;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
  if (g_refcount == 0) return NVML_ERROR_UNINITIALIZED;
  if (index >= g_count || !device) return NVML_ERROR_INVALID_ARGUMENT;
  *device = &g_devices[index];
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length) {
  nvmlReturn_t r = check(device);
  if (r) return r;
  char text[96];
  snprintf(text, sizeof text, "NVIDIA Test Double %u", device->index);
  if (strlen(text) + 1 > length) return NVML_ERROR_INSUFFICIENT_SIZE;
  strcpy(name, text);
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length) {
  nvmlReturn_t r = check(device);
  if (r) return r;
  char text[96];
  snprintf(text, sizeof text, "GPU-00000000-0000-0000-0000-00000000000%u", device->index);
  if (strlen(text) + 1 > length) return NVML_ERROR_INSUFFICIENT_SIZE;
  strcpy(uuid, text);
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy) {
  nvmlReturn_t r = check(device);
  if (r) return r;
  if (lost(device)) return NVML_ERROR_GPU_IS_LOST;
  if (g_energy_not_supported) return NVML_ERROR_NOT_SUPPORTED;
  if (!energy) return NVML_ERROR_INVALID_ARGUMENT;
  *energy = (unsigned long long)counter_mj(now_ms());
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power) {
  nvmlReturn_t r = check(device);
  if (r) return r;
  if (lost(device)) return NVML_ERROR_GPU_IS_LOST;
  if (!power) return NVML_ERROR_INVALID_ARGUMENT;
  *power = (unsigned int)power_usage_mw(now_ms());
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetFieldValues(nvmlDevice_t device, int valuesCount, nvmlFieldValue_t *values) {
  nvmlReturn_t r = check(device);
  if (r) return r;
  if (!values || valuesCount <= 0) return NVML_ERROR_INVALID_ARGUMENT;
  if (lost(device)) return NVML_ERROR_GPU_IS_LOST;
  double t = now_ms();
  for (int i = 0; i < valuesCount; i++) {
    nvmlFieldValue_t *v = &values[i];
    v->timestamp = 1700000000000000LL + (long long)(t * 1000);
    v->latencyUsec = 0;
    v->nvmlReturn = NVML_SUCCESS;
    double extra = 0;
    if (v->scopeId == NVML_POWER_SCOPE_MODULE) {
      if (g_module_extra_mw < 0) { v->nvmlReturn = NVML_ERROR_NOT_SUPPORTED; continue; }
      extra = g_module_extra_mw;
    } else if (v->scopeId != NVML_POWER_SCOPE_GPU) {
      v->nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
      continue;
    }
    if (v->fieldId == NVML_FI_DEV_POWER_INSTANT && !g_instant_not_supported) {
      double refreshed;
      v->valueType = NVML_VALUE_TYPE_UNSIGNED_INT;
      v->value.uiVal = (unsigned int)(instant_mw(t, &refreshed) + extra);
      /* The sample's own time: NVML stamps a value when the driver took it, not when it was asked for. */
      v->timestamp = 1700000000000000LL + (long long)(refreshed * 1000);
    } else if (v->fieldId == NVML_FI_DEV_POWER_AVERAGE) {
      v->valueType = NVML_VALUE_TYPE_UNSIGNED_INT;
      v->value.uiVal = (unsigned int)(oj_profile_mean_watts(&g_profile, t, 1000.0) * 1000.0 + extra);
    } else if ((v->fieldId == NVML_FI_DEV_ENERGY || v->fieldId == NVML_FI_DEV_TOTAL_ENERGY_CONSUMPTION) && !g_energy_not_supported) {
      v->valueType = NVML_VALUE_TYPE_UNSIGNED_LONG_LONG;
      v->value.ullVal = (unsigned long long)counter_mj_plus(t, extra);
    } else {
      v->nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
    }
  }
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization) {
  nvmlReturn_t r = check(device);
  if (r) return r;
  if (g_gauges_not_supported) return NVML_ERROR_NOT_SUPPORTED;
  if (!utilization) return NVML_ERROR_INVALID_ARGUMENT;
  utilization->gpu = (unsigned int)oj_profile_watts(&g_util, now_ms());
  utilization->memory = 7;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory) {
  nvmlReturn_t r = check(device);
  if (r) return r;
  if (g_gauges_not_supported) return NVML_ERROR_NOT_SUPPORTED;
  if (!memory) return NVML_ERROR_INVALID_ARGUMENT;
  memory->total = 80ULL << 30;
  memory->used = (unsigned long long)(oj_profile_watts(&g_memory_mib, now_ms()) * 1048576.0);
  memory->free = memory->total - memory->used;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensorType, unsigned int *temp) {
  nvmlReturn_t r = check(device);
  if (r) return r;
  if (sensorType != 0) return NVML_ERROR_NOT_SUPPORTED;
  if (g_gauges_not_supported) return NVML_ERROR_NOT_SUPPORTED;
  if (!temp) return NVML_ERROR_INVALID_ARGUMENT;
  *temp = (unsigned int)oj_profile_watts(&g_temperature, now_ms());
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, unsigned int *limit) {
  nvmlReturn_t r = check(device);
  if (r) return r;
  *limit = 700000;
  return NVML_SUCCESS;
}

/* The cheapest possible export, a baseline for the FFI benchmark. */
int ojtest_noop(void) { return 0; }

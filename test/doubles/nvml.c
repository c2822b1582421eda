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
 *   tick_ms=N              the energy counter only advances every N ms: it holds the integral up to the last tick
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

typedef int nvmlReturn_t;
#define NVML_SUCCESS 0
#define NVML_ERROR_UNINITIALIZED 1
#define NVML_ERROR_INVALID_ARGUMENT 2
#define NVML_ERROR_NOT_SUPPORTED 3
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_ERROR_GPU_IS_LOST 15

#define NVML_FI_DEV_POWER_AVERAGE 185
#define NVML_FI_DEV_POWER_INSTANT 186
#define NVML_VALUE_TYPE_UNSIGNED_INT 1

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
#define MAX_SEGMENTS 32

static struct nvmlDevice_st g_devices[MAX_DEVICES];
static int g_refcount = 0;
static unsigned int g_count = 1;
static int g_init_error = 0;
static double g_seg_ms[MAX_SEGMENTS];
static double g_seg_mw[MAX_SEGMENTS];
static int g_segments = 1;
static double g_tick_ms = 0;
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

static double now_ms(void) {
  if (g_fake_clock) return g_fake_ms;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)(ts.tv_sec - g_start.tv_sec) * 1e3 + (double)(ts.tv_nsec - g_start.tv_nsec) / 1e6;
}

static void read_control(void) {
  g_count = 1; g_init_error = 0; g_segments = 1; g_seg_ms[0] = 1e300; g_seg_mw[0] = 100000;
  g_tick_ms = 0; g_offset_mj = 0; g_energy_not_supported = 0; g_instant_not_supported = 0;
  g_lost_device = -1; g_lost_after = -1; g_reset_at_ms = -1; g_fake_clock = 0; g_fake_ms = 0;
  memset(g_calls, 0, sizeof g_calls);
  const char *path = getenv("OJ_NVML_DOUBLE_CONTROL");
  FILE *f = path ? fopen(path, "r") : NULL;
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    char *eq = strchr(line, '=');
    if (!eq) continue;
    *eq = 0;
    const char *k = line, *v = eq + 1;
    if (!strcmp(k, "devices")) g_count = (unsigned)atoi(v);
    else if (!strcmp(k, "init_error")) g_init_error = atoi(v);
    else if (!strcmp(k, "power_mw")) { g_segments = 1; g_seg_ms[0] = 1e300; g_seg_mw[0] = atof(v); }
    else if (!strcmp(k, "profile")) {
      g_segments = 0;
      const char *p = v;
      while (*p && g_segments < MAX_SEGMENTS) {
        char *end;
        g_seg_ms[g_segments] = strtod(p, &end);
        if (*end != ':') break;
        g_seg_mw[g_segments] = strtod(end + 1, &end);
        g_segments++;
        if (*end != ',') break;
        p = end + 1;
      }
      if (g_segments == 0) { g_segments = 1; g_seg_mw[0] = 0; }
      g_seg_ms[g_segments - 1] = 1e300;
    }
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

static double power_at_mw(double t) {
  double start = 0;
  for (int i = 0; i < g_segments; i++) {
    if (t < start + g_seg_ms[i]) return g_seg_mw[i];
    start += g_seg_ms[i];
  }
  return g_seg_mw[g_segments - 1];
}

/* Integral of the profile from 0 to t, in mJ (mW × ms / 1000). */
static double integral_mj(double t) {
  double start = 0, e = 0;
  for (int i = 0; i < g_segments && start < t; i++) {
    double end = start + g_seg_ms[i];
    double upto = t < end ? t : end;
    e += g_seg_mw[i] * (upto - start) / 1000.0;
    start = end;
  }
  return e;
}

static double counter_mj(double t) {
  if (g_tick_ms > 0) t = (double)(long long)(t / g_tick_ms) * g_tick_ms;
  if (g_reset_at_ms >= 0 && t >= g_reset_at_ms) return integral_mj(t) - integral_mj(g_reset_at_ms);
  return g_offset_mj + integral_mj(t);
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
  *power = (unsigned int)power_at_mw(now_ms());
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
    if ((v->fieldId == NVML_FI_DEV_POWER_INSTANT && !g_instant_not_supported) || v->fieldId == NVML_FI_DEV_POWER_AVERAGE) {
      v->valueType = NVML_VALUE_TYPE_UNSIGNED_INT;
      v->nvmlReturn = NVML_SUCCESS;
      v->value.uiVal = (unsigned int)power_at_mw(t);
    } else {
      v->nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
    }
  }
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization) {
  nvmlReturn_t r = check(device);
  if (r) return r;
  utilization->gpu = 42;
  utilization->memory = 7;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory) {
  nvmlReturn_t r = check(device);
  if (r) return r;
  memory->total = 80ULL << 30;
  memory->used = 3ULL << 30;
  memory->free = memory->total - memory->used;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensorType, unsigned int *temp) {
  nvmlReturn_t r = check(device);
  if (r) return r;
  if (sensorType != 0) return NVML_ERROR_NOT_SUPPORTED;
  *temp = 55;
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

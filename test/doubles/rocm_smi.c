/*
 * Test double for librocm_smi64.so with ROCm SMI's real ABI: rsmi_status_t codes, uint32_t device indexes, scalar
 * out-parameters, the energy accumulator in counts of counter_resolution µJ (15.3, as the library hard-codes) with a
 * ns timestamp, power in µW, temperature in millidegrees Celsius, memory in bytes.
 * Build: cc -shared -fPIC -Wl,-soname,librocm_smi64.so.7 -o librocm_smi64.so.7 rocm_smi.c
 *
 * Control file named by OJ_ROCM_DOUBLE_CONTROL, read by rsmi_init when the reference count goes from 0 to 1:
 *   devices=N              number of GPUs (default 1)
 *   init_error=R           rsmi_init returns R
 *   power_uw=P             constant power, µW (default 300000000)
 *   profile_file=PATH      piecewise-linear power from a file (power_profile.h), replaces power_uw
 *   profile_origin_ns=N    profile time 0 is this CLOCK_MONOTONIC instant (default: rsmi_init)
 *   tick_ms=N, tick_phase_ms=X  the accumulator only advances at X + k·N ms (the firmware's metrics update)
 *   counter_unit_uj=U      µJ per count the accumulator really counts in (default 15.3, what the library reports;
 *                          the kernel documents 2^-16 J = 15.2587890625 µJ, which the library rounds)
 *   power_kind=average     like MI200 and older: no current socket power, rsmi_dev_power_get answers
 *                          RSMI_AVERAGE_POWER, rsmi_dev_power_ave_get the mean of the last average_window_ms
 *                          (default 1000); default `current` (MI300: current socket power only)
 *   counter_start=C        accumulator value at time 0, in counts (e.g. 4294967000 to wrap soon)
 *   counter_bits=32        the accumulator is 32 bits wide (gpu_metrics v1_0) and wraps
 *   reset_at_ms=T          the accumulator restarts from 0 at time T
 *   backward_at_ms=T, backward_counts=N  from time T the accumulator reads N counts lower (a glitch)
 *   energy_not_supported=1 rsmi_dev_energy_count_get answers RSMI_STATUS_NOT_SUPPORTED
 *   clock=fake             time moves only through ojtest_set_time_ms
 *   busy_percent=MS:PCT,...    rsmi_dev_busy_percent_get, steps on the profile's time axis (default 64)
 *   memory_used_mib=MS:MIB,... rsmi_dev_memory_usage_get(VRAM) in MiB, steps (default 5120 of 192 GiB)
 *   temperature=MS:C,...       rsmi_dev_temp_metric_get(EDGE, CURRENT) in °C, steps (default 61)
 *   gauges_not_supported=1     those three answer RSMI_STATUS_NOT_SUPPORTED
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "power_profile.h"

typedef enum {
  RSMI_STATUS_SUCCESS = 0x0,
  RSMI_STATUS_INVALID_ARGS,
  RSMI_STATUS_NOT_SUPPORTED,
  RSMI_STATUS_FILE_ERROR,
  RSMI_STATUS_PERMISSION,
  RSMI_STATUS_OUT_OF_RESOURCES,
  RSMI_STATUS_INTERNAL_EXCEPTION,
  RSMI_STATUS_INPUT_OUT_OF_BOUNDS,
  RSMI_STATUS_INIT_ERROR,
  RSMI_STATUS_UNKNOWN_ERROR = 0xFFFFFFFF,
} rsmi_status_t;

typedef enum { RSMI_AVERAGE_POWER = 0, RSMI_CURRENT_POWER, RSMI_INVALID_POWER = 0xFFFFFFFF } RSMI_POWER_TYPE;
typedef enum { RSMI_MEM_TYPE_VRAM = 0, RSMI_MEM_TYPE_VIS_VRAM, RSMI_MEM_TYPE_GTT } rsmi_memory_type_t;
typedef enum { RSMI_TEMP_CURRENT = 0x0 } rsmi_temperature_metric_t;

static const float kEnergyCounterResolution = 15.3F;

static int g_refcount = 0;
static uint32_t g_count = 1;
static int g_init_error = 0;
static oj_profile g_profile;
static oj_profile g_busy;        /* rsmi_dev_busy_percent_get, percent */
static oj_profile g_vram_mib;    /* rsmi_dev_memory_usage_get(VRAM), MiB */
static oj_profile g_temperature; /* rsmi_dev_temp_metric_get(EDGE, CURRENT), °C (answered in millidegrees) */
static int g_gauges_not_supported = 0;
static double g_tick_ms = 0;
static double g_tick_phase_ms = 0;
static double g_unit_uj = 15.3; /* set to the float kEnergyCounterResolution in read_control */
static int g_power_average = 0;
static double g_average_window_ms = 1000;
static long long g_origin_ns = -1;
static double g_counter_start = 0;
static int g_counter_bits = 64;
static double g_reset_at_ms = -1;
static double g_backward_at_ms = -1;
static double g_backward_counts = 0;
static int g_energy_not_supported = 0;
static int g_fake_clock = 0;
static double g_fake_ms = 0;
static struct timespec g_start;

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
  g_count = 1; g_init_error = 0; oj_profile_constant(&g_profile, 300.0); g_counter_start = 0; g_counter_bits = 64;
  g_tick_ms = 0; g_tick_phase_ms = 0; g_unit_uj = kEnergyCounterResolution; g_power_average = 0; g_average_window_ms = 1000; g_origin_ns = -1;
  g_reset_at_ms = -1; g_backward_at_ms = -1; g_backward_counts = 0; g_energy_not_supported = 0;
  g_fake_clock = 0; g_fake_ms = 0;
  oj_profile_constant(&g_busy, 64); oj_profile_constant(&g_vram_mib, 5 * 1024); oj_profile_constant(&g_temperature, 61);
  g_gauges_not_supported = 0;
  const char *path = getenv("OJ_ROCM_DOUBLE_CONTROL");
  FILE *f = path ? fopen(path, "r") : NULL;
  if (!f) return;
  char line[4096];
  while (fgets(line, sizeof line, f)) {
    char *eq = strchr(line, '=');
    if (!eq) continue;
    *eq = 0;
    eq[1 + strcspn(eq + 1, "\r\n")] = 0;
    const char *k = line, *v = eq + 1;
    if (!strcmp(k, "devices")) g_count = (uint32_t)atoi(v);
    else if (!strcmp(k, "init_error")) g_init_error = atoi(v);
    else if (!strcmp(k, "power_uw")) oj_profile_constant(&g_profile, atof(v) / 1e6);
    else if (!strcmp(k, "profile_file")) { if (oj_profile_load(&g_profile, v) != 0) oj_profile_constant(&g_profile, 0); }
    else if (!strcmp(k, "profile_origin_ns")) g_origin_ns = atoll(v);
    else if (!strcmp(k, "tick_ms")) g_tick_ms = atof(v);
    else if (!strcmp(k, "tick_phase_ms")) g_tick_phase_ms = atof(v);
    else if (!strcmp(k, "counter_unit_uj")) g_unit_uj = atof(v);
    else if (!strcmp(k, "power_kind")) g_power_average = !strncmp(v, "average", 7);
    else if (!strcmp(k, "average_window_ms")) g_average_window_ms = atof(v);
    else if (!strcmp(k, "counter_start")) g_counter_start = atof(v);
    else if (!strcmp(k, "counter_bits")) g_counter_bits = atoi(v);
    else if (!strcmp(k, "reset_at_ms")) g_reset_at_ms = atof(v);
    else if (!strcmp(k, "backward_at_ms")) g_backward_at_ms = atof(v);
    else if (!strcmp(k, "backward_counts")) g_backward_counts = atof(v);
    else if (!strcmp(k, "energy_not_supported")) g_energy_not_supported = atoi(v);
    else if (!strcmp(k, "clock")) g_fake_clock = !strncmp(v, "fake", 4);
    else if (!strcmp(k, "busy_percent")) oj_profile_parse_steps(&g_busy, v, 1, 0);
    else if (!strcmp(k, "memory_used_mib")) oj_profile_parse_steps(&g_vram_mib, v, 1, 0);
    else if (!strcmp(k, "temperature")) oj_profile_parse_steps(&g_temperature, v, 1, 0);
    else if (!strcmp(k, "gauges_not_supported")) g_gauges_not_supported = atoi(v);
  }
  fclose(f);
}

rsmi_status_t rsmi_init(uint64_t init_flags) {
  (void)init_flags;
  if (g_refcount == 0) {
    read_control();
    if (g_init_error) return (rsmi_status_t)g_init_error;
    clock_gettime(CLOCK_MONOTONIC, &g_start);
  }
  g_refcount++;
  return RSMI_STATUS_SUCCESS;
}

rsmi_status_t rsmi_shut_down(void) {
  /* Like ROCm SMI: shutting down with a count of 0 is an INIT_ERROR. */
  if (g_refcount == 0) return RSMI_STATUS_INIT_ERROR;
  g_refcount--;
  return RSMI_STATUS_SUCCESS;
}

int ojtest_refcount(void) { return g_refcount; }

rsmi_status_t rsmi_status_string(rsmi_status_t status, const char **status_string) {
  if (!status_string) return RSMI_STATUS_INVALID_ARGS;
  switch (status) {
    case RSMI_STATUS_SUCCESS: *status_string = "RSMI_STATUS_SUCCESS: The function has been executed successfully."; break;
    case RSMI_STATUS_NOT_SUPPORTED: *status_string = "RSMI_STATUS_NOT_SUPPORTED: The requested information or action is not available"; break;
    case RSMI_STATUS_PERMISSION: *status_string = "RSMI_STATUS_PERMISSION: The user does not have sufficient permission"; break;
    case RSMI_STATUS_INIT_ERROR: *status_string = "RSMI_STATUS_INIT_ERROR: An error occurred during initialization"; break;
    default: *status_string = "An unknown error occurred"; break;
  }
  return RSMI_STATUS_SUCCESS;
}

/* Energy the profile holds between two profile times, J. */
static double joules_between(double a, double b) { return oj_profile_joules(&g_profile, b) - oj_profile_joules(&g_profile, a); }

#define CHECK(dv) do { if (g_refcount == 0) return RSMI_STATUS_INIT_ERROR; if ((dv) >= g_count) return RSMI_STATUS_INVALID_ARGS; } while (0)

rsmi_status_t rsmi_num_monitor_devices(uint32_t *num_devices) {
  if (g_refcount == 0) return RSMI_STATUS_INIT_ERROR;
  if (!num_devices) return RSMI_STATUS_INVALID_ARGS;
  *num_devices = g_count;
  return RSMI_STATUS_SUCCESS;
}

rsmi_status_t rsmi_dev_name_get(uint32_t dv_ind, char *name, size_t len) {
  CHECK(dv_ind);
  if (!name || len == 0) return RSMI_STATUS_INVALID_ARGS;
  snprintf(name, len, "AMD Instinct Test Double %u", dv_ind);
  return RSMI_STATUS_SUCCESS;
}

rsmi_status_t rsmi_dev_unique_id_get(uint32_t dv_ind, uint64_t *id) {
  CHECK(dv_ind);
  *id = 0x1234abcd0000ULL + dv_ind;
  return RSMI_STATUS_SUCCESS;
}

rsmi_status_t rsmi_dev_energy_count_get(uint32_t dv_ind, uint64_t *power, float *counter_resolution, uint64_t *timestamp) {
  CHECK(dv_ind);
  if (!power || !timestamp) return RSMI_STATUS_INVALID_ARGS;
  if (g_energy_not_supported) return RSMI_STATUS_NOT_SUPPORTED;
  double now = now_ms();
  double t = oj_last_tick(now, g_tick_ms, g_tick_phase_ms);
  /* counts = µJ / the unit the accumulator counts in */
  double counts;
  if (g_reset_at_ms >= 0 && t >= g_reset_at_ms) counts = joules_between(g_reset_at_ms, t) * 1e6 / g_unit_uj;
  else counts = g_counter_start + joules_between(0, t) * 1e6 / g_unit_uj;
  if (g_backward_at_ms >= 0 && t >= g_backward_at_ms) counts -= g_backward_counts;
  if (counts < 0) counts = 0;
  uint64_t c = (uint64_t)counts;
  if (g_counter_bits == 32) c &= 0xFFFFFFFFULL;
  *power = c;
  if (counter_resolution) *counter_resolution = kEnergyCounterResolution;
  /* The driver's own timestamp: when it read the metrics (now), not when the firmware last updated them. */
  *timestamp = (uint64_t)(now * 1e6);
  return RSMI_STATUS_SUCCESS;
}

static double current_uw(void) { return oj_profile_watts(&g_profile, now_ms()) * 1e6; }
static double average_uw(void) { return oj_profile_mean_watts(&g_profile, now_ms(), g_average_window_ms) * 1e6; }

rsmi_status_t rsmi_dev_power_get(uint32_t dv_ind, uint64_t *power, RSMI_POWER_TYPE *type) {
  CHECK(dv_ind);
  *power = (uint64_t)(g_power_average ? average_uw() : current_uw());
  if (type) *type = g_power_average ? RSMI_AVERAGE_POWER : RSMI_CURRENT_POWER;
  return RSMI_STATUS_SUCCESS;
}

rsmi_status_t rsmi_dev_current_socket_power_get(uint32_t dv_ind, uint64_t *socket_power) {
  CHECK(dv_ind);
  /* MI200 and older have no current socket power. */
  if (g_power_average) return RSMI_STATUS_NOT_SUPPORTED;
  *socket_power = (uint64_t)current_uw();
  return RSMI_STATUS_SUCCESS;
}

rsmi_status_t rsmi_dev_power_ave_get(uint32_t dv_ind, uint32_t sensor_ind, uint64_t *power) {
  CHECK(dv_ind);
  (void)sensor_ind;
  /* MI300 has only current socket power. */
  if (!g_power_average) return RSMI_STATUS_NOT_SUPPORTED;
  *power = (uint64_t)average_uw();
  return RSMI_STATUS_SUCCESS;
}

rsmi_status_t rsmi_dev_power_cap_get(uint32_t dv_ind, uint32_t sensor_ind, uint64_t *cap) {
  CHECK(dv_ind);
  (void)sensor_ind;
  *cap = 750000000ULL;
  return RSMI_STATUS_SUCCESS;
}

rsmi_status_t rsmi_dev_busy_percent_get(uint32_t dv_ind, uint32_t *busy_percent) {
  CHECK(dv_ind);
  if (g_gauges_not_supported) return RSMI_STATUS_NOT_SUPPORTED;
  if (!busy_percent) return RSMI_STATUS_INVALID_ARGS;
  *busy_percent = (uint32_t)oj_profile_watts(&g_busy, now_ms());
  return RSMI_STATUS_SUCCESS;
}

rsmi_status_t rsmi_dev_memory_total_get(uint32_t dv_ind, rsmi_memory_type_t mem_type, uint64_t *total) {
  CHECK(dv_ind);
  if (mem_type != RSMI_MEM_TYPE_VRAM) return RSMI_STATUS_NOT_SUPPORTED;
  *total = 192ULL << 30;
  return RSMI_STATUS_SUCCESS;
}

rsmi_status_t rsmi_dev_memory_usage_get(uint32_t dv_ind, rsmi_memory_type_t mem_type, uint64_t *used) {
  CHECK(dv_ind);
  if (mem_type != RSMI_MEM_TYPE_VRAM || g_gauges_not_supported) return RSMI_STATUS_NOT_SUPPORTED;
  if (!used) return RSMI_STATUS_INVALID_ARGS;
  *used = (uint64_t)(oj_profile_watts(&g_vram_mib, now_ms()) * 1048576.0);
  return RSMI_STATUS_SUCCESS;
}

rsmi_status_t rsmi_dev_temp_metric_get(uint32_t dv_ind, uint32_t sensor_type, rsmi_temperature_metric_t metric, int64_t *temperature) {
  CHECK(dv_ind);
  (void)sensor_type;
  if (metric != RSMI_TEMP_CURRENT || g_gauges_not_supported) return RSMI_STATUS_NOT_SUPPORTED;
  if (!temperature) return RSMI_STATUS_INVALID_ARGS;
  *temperature = (int64_t)(oj_profile_watts(&g_temperature, now_ms()) * 1000.0);
  return RSMI_STATUS_SUCCESS;
}

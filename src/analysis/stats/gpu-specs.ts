/** Peak capabilities of one GPU: dense FP16 tensor TFLOPS, memory bandwidth in GB/s, board power in W. */
export interface GpuHardwareSpec {
  readonly tflops_fp16: number;
  readonly bandwidth_gb_s: number;
  readonly tdp_watts: number;
}

interface SpecEntry {
  readonly key: string;
  readonly spec: GpuHardwareSpec;
  /** Tested against the normalized name (upper case, punctuation and vendor words turned into single spaces). */
  readonly match: RegExp;
  /** Whether the key is one of the seed's 20 (`GPU_SPECS`), values unchanged. */
  readonly seed: boolean;
}

const s = (tflops_fp16: number, bandwidth_gb_s: number, tdp_watts: number): GpuHardwareSpec => Object.freeze({ tflops_fp16, bandwidth_gb_s, tdp_watts });

/**
 * The seed's `GPU_SPECS` (OpenJarvis `gpu_monitor.py`, same keys and values) plus the parts and memory variants
 * real drivers name, ordered most specific first. Each entry matches the names NVML, amdsmi/rocm-smi and
 * powermetrics report ("NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-80GB", "AMD Instinct MI300X") as well as the key
 * itself ("H100-SXM"). The seed matched `key in name`, which misses "NVIDIA H100 80GB HBM3" and takes "NVIDIA A10G"
 * for an A10.
 */
const ENTRIES: readonly SpecEntry[] = [
  { key: 'B200-SXM', spec: s(2250, 8000, 1000), match: /\bB200\b/, seed: true },
  { key: 'H200', spec: s(989, 4800, 700), match: /\bH200\b/, seed: false },
  { key: 'H100-NVL', spec: s(835, 3938, 400), match: /\bH100 NVL\b/, seed: false },
  { key: 'H100-PCIE', spec: s(756, 2000, 350), match: /\bH100\b.*\bPCIE\b/, seed: true },
  // "NVIDIA H100 80GB HBM3" is the SXM5 part; a bare "H100" is taken as SXM too.
  { key: 'H100-SXM', spec: s(990, 3350, 700), match: /\bH100\b/, seed: true },
  { key: 'A100-SXM-40GB', spec: s(312, 1555, 400), match: /\bA100 SXM\d? 40GB\b/, seed: false },
  { key: 'A100-PCIE-40GB', spec: s(312, 1555, 250), match: /\bA100 PCIE 40GB\b/, seed: false },
  { key: 'A100-PCIE', spec: s(312, 2039, 300), match: /\bA100\b.*\bPCIE\b/, seed: true },
  { key: 'A100-SXM', spec: s(312, 2039, 400), match: /\bA100\b/, seed: true },
  { key: 'L40S', spec: s(366, 864, 350), match: /\bL40S\b/, seed: true },
  { key: 'L40', spec: s(181, 864, 300), match: /\bL40\b/, seed: false },
  { key: 'L4', spec: s(121, 300, 72), match: /\bL4\b/, seed: false },
  // \b keeps "A10G" (an AWS part with other clocks and power) from matching.
  { key: 'A10', spec: s(125, 600, 150), match: /\bA10\b/, seed: true },
  { key: 'T4', spec: s(65, 320, 70), match: /\bT4\b/, seed: false },
  { key: 'V100', spec: s(125, 900, 300), match: /\bV100\b/, seed: false },
  { key: 'RTX 4090', spec: s(165, 1008, 450), match: /\bRTX 4090\b/, seed: true },
  { key: 'RTX 3090', spec: s(71, 936, 350), match: /\bRTX 3090\b/, seed: true },
  { key: 'MI325X', spec: s(1307, 6000, 1000), match: /\bMI325X\b/, seed: false },
  { key: 'MI300X', spec: s(1307, 5300, 750), match: /\bMI300X\b/, seed: true },
  { key: 'MI250X', spec: s(383, 3277, 560), match: /\bMI250X\b/, seed: true },
  { key: 'M4 Max', spec: s(53, 546, 40), match: /\bM4 MAX\b/, seed: true },
  { key: 'M2 Ultra', spec: s(27, 800, 60), match: /\bM2 ULTRA\b/, seed: true },
  { key: 'Arc B580', spec: s(196, 456, 190), match: /\bB580\b/, seed: true },
  { key: 'Arc B570', spec: s(136, 380, 150), match: /\bB570\b/, seed: true },
  { key: 'Jetson Orin NX 16GB', spec: s(50, 102, 25), match: /\bORIN NX\b.*\b16 ?GB\b/, seed: true },
  { key: 'Jetson Orin NX 8GB', spec: s(25, 68, 15), match: /\bORIN NX\b.*\b8 ?GB\b/, seed: true },
  { key: 'Jetson AGX Orin', spec: s(108, 204, 60), match: /\bAGX ORIN\b/, seed: true },
  { key: 'Snapdragon X Elite', spec: s(4.6, 136, 80), match: /\bX ELITE\b/, seed: true },
  { key: 'Snapdragon X Plus', spec: s(3.8, 136, 80), match: /\bX PLUS\b/, seed: true },
];

/** Every known GPU, key → spec (the seed's 20 keys plus the variants added here). */
export const GPU_SPECS: Readonly<Record<string, GpuHardwareSpec>> = Object.freeze(Object.fromEntries(ENTRIES.map((e) => [e.key, e.spec])));

/** The seed's 20 keys, for checking that none was dropped. */
export const SEED_GPU_SPEC_KEYS: readonly string[] = ENTRIES.filter((e) => e.seed).map((e) => e.key);

/** A GPU name reduced for matching: upper case, vendor words dropped, every run of non-alphanumerics one space. */
export function normalizeGpuName(name: string): string {
  return ` ${name
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .replace(/\b(NVIDIA|AMD|INSTINCT|GEFORCE|TESLA|RADEON|APPLE|INTEL|QUALCOMM)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()} `;
}

/** The spec and its key for a GPU name as drivers report it (or a key), or undefined when unknown. */
export function lookupGpuSpec(name: string): { key: string; spec: GpuHardwareSpec } | undefined {
  const normalized = normalizeGpuName(name);
  const entry = ENTRIES.find((e) => e.match.test(normalized));
  return entry ? { key: entry.key, spec: entry.spec } : undefined;
}

/** One entry of the `openjoules.energy.devices` resource attribute: `"<hw.id>=<name> (<method>)"`. */
export interface EnergyDevice {
  readonly id: string;
  readonly name: string;
  readonly method?: string;
}

/** Parses `"nvml:0=NVIDIA H100 80GB HBM3 (counter)"`; undefined for a value without `=`. */
export function parseEnergyDevice(entry: string): EnergyDevice | undefined {
  const eq = entry.indexOf('=');
  if (eq <= 0) return undefined;
  const rest = entry.slice(eq + 1).trim();
  const m = /^(.*?)\s*\(([^()]*)\)$/.exec(rest);
  return m ? { id: entry.slice(0, eq), name: m[1]!, method: m[2]! } : { id: entry.slice(0, eq), name: rest };
}

/**
 * The GPU of a run from its `openjoules.energy.devices`: the first device whose name is a known GPU, and how many
 * listed devices have that same name (the GPU count used for peak FLOPS and bandwidth). Undefined when none is known.
 */
export function gpuFromDevices(devices: readonly string[]): { name: string; count: number } | undefined {
  const parsed = devices.map(parseEnergyDevice).filter((d): d is EnergyDevice => d !== undefined);
  const first = parsed.find((d) => lookupGpuSpec(d.name) !== undefined);
  if (!first) return undefined;
  return { name: first.name, count: parsed.filter((d) => d.name === first.name).length };
}

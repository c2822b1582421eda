#!/usr/bin/env node
// Stand-in for macOS powermetrics: writes `-f plist` samples the way the real one does (structure from a real M1
// sample: processor.cpu_energy/gpu_energy/ane_energy in mJ per interval, *_power in mW, elapsed_ns, a `gpu` dict
// that repeats `idle_ns`), one XML document per interval, documents separated by a NUL that starts the next one.
// Accepts the real flags (--samplers, -i, -f) and a test-only --mode:
//   normal    samples until SIGTERM
//   truncate  3 samples, then half of a 4th, then exit 0 (as when the pipe is cut)
//   killed    2 samples, then SIGKILL itself
//   denied    what `sudo -n` prints when a password would be needed, exit 1
//   silent    never writes anything
// With OJ_POWERMETRICS_DOUBLE_CONTROL naming a control file (key=value lines: profile_origin_ns, cpu_profile_file,
// gpu_profile_file, ane_profile_file; power-profile.mjs), each sample's energies are the profiles' integrals over the
// interval it covers (whole mJ, the remainder carried into the next sample, so the running total stays exact),
// elapsed_ns the interval actually covered, and samples come on a fixed schedule from start-up.
import { joulesBetween, loadProfile, profileNowMs, readControl } from './power-profile.mjs';

const args = process.argv.slice(2);
const mode = (args.find((a) => a.startsWith('--mode=')) ?? '--mode=normal').slice(7);
const iIndex = args.indexOf('-i');
const intervalMs = iIndex >= 0 ? Number(args[iIndex + 1]) : 5000;
if (!args.includes('plist')) {
  process.stderr.write('stand-in powermetrics: only -f plist is implemented\n');
  process.exit(2);
}

if (mode === 'denied') {
  process.stderr.write('sudo: a password is required\n');
  process.exit(1);
}
if (mode === 'silent') setInterval(() => {}, 1000);

const control = readControl(process.env.OJ_POWERMETRICS_DOUBLE_CONTROL);
const origin = control.get('profile_origin_ns');
const profiles = origin
  ? ['cpu', 'gpu', 'ane'].map((part) => {
      const file = control.get(`${part}_profile_file`);
      return file ? loadProfile(file) : undefined;
    })
  : undefined;
let lastMs = origin ? profileNowMs(origin) : 0;
const carriedMillijoules = [0, 0, 0];

/** Energies (mJ) of this sample and the ns it covers: the profiles' when there are some, else fixed numbers. */
function sampleValues(k) {
  if (!profiles) return { energies: [89 + k, 31, 5], elapsedNs: intervalMs * 1e6 };
  const nowMs = profileNowMs(origin);
  const energies = profiles.map((p, i) => {
    const exact = (p ? joulesBetween(p, lastMs, nowMs) * 1000 : 0) + carriedMillijoules[i];
    const whole = Math.max(0, Math.floor(exact));
    carriedMillijoules[i] = exact - whole;
    return whole;
  });
  const elapsedNs = Math.round((nowMs - lastMs) * 1e6);
  lastMs = nowMs;
  return { energies, elapsedNs };
}

let n = 0;
function doc(k) {
  const { energies, elapsedNs } = sampleValues(k);
  const [cpu, gpu, ane] = energies; // mJ during this interval
  const s = elapsedNs / 1e9;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
<key>is_delta</key><true/>
<key>elapsed_ns</key><integer>${elapsedNs}</integer>
<key>hw_model</key><string>MacBookPro17,1</string>
<key>kern_osversion</key><string>22E252</string>
<key>kern_bootargs</key><string></string>
<key>timestamp</key><date>2023-04-01T13:18:36Z</date>
<key>processor</key>
<dict>
<key>clusters</key>
<array>
<dict><key>name</key><string>E-Cluster</string><key>freq_hz</key><real>1.02287e+09</real><key>idle_ratio</key><real>0.772993</real><key>idle_ratio</key><real>0.772993</real></dict>
</array>
<key>cpu_energy</key>
<integer>${cpu}</integer>
<key>cpu_power</key>
<real>${cpu / s}</real>
<key>gpu_energy</key>
<integer>${gpu}</integer>
<key>gpu_power</key>
<real>${gpu / s}</real>
<key>ane_energy</key>
<integer>${ane}</integer>
<key>ane_power</key>
<real>${ane / s}</real>
<key>combined_power</key>
<real>${(cpu + gpu + ane) / s}</real>
</dict>
<key>thermal_pressure</key><string>Nominal</string>
<key>gpu</key>
<dict>
<key>freq_hz</key><real>714.836</real>
<key>idle_ns</key><integer>1980028458</integer>
<key>idle_ratio</key><real>0.983341</real>
<key>idle_ns</key><integer>1980028458</integer>
<key>gpu_energy</key><integer>${gpu}</integer>
</dict>
</dict>
</plist>
`;
}

process.on('SIGTERM', () => process.exit(0));
if (mode !== 'silent') {
  // On a fixed schedule from start-up (absolute deadlines), as the real one samples.
  const start = performance.now();
  const emit = () => {
    const text = (n > 0 ? '\0' : '') + doc(n);
    if (mode === 'truncate' && n === 3) {
      process.stdout.write(text.slice(0, text.length / 2), () => process.exit(0));
      return;
    }
    process.stdout.write(text);
    n++;
    if (mode === 'killed' && n === 2) {
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 20);
      return;
    }
    setTimeout(emit, Math.max(0, start + (n + 1) * intervalMs - performance.now()));
  };
  setTimeout(emit, intervalMs);
}

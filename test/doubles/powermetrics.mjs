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

let n = 0;
function doc(k) {
  const cpu = 89 + k; // mJ during this interval
  const gpu = 31;
  const ane = 5;
  const s = intervalMs / 1000;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
<key>is_delta</key><true/>
<key>elapsed_ns</key><integer>${intervalMs * 1e6}</integer>
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
  const timer = setInterval(() => {
    const text = (n > 0 ? '\0' : '') + doc(n);
    if (mode === 'truncate' && n === 3) {
      process.stdout.write(text.slice(0, text.length / 2), () => process.exit(0));
      clearInterval(timer);
      return;
    }
    process.stdout.write(text);
    n++;
    if (mode === 'killed' && n === 2) {
      clearInterval(timer);
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 20);
    }
  }, intervalMs);
}

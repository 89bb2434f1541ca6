// Preloaded into `fortitude serve` by bench/gateway/profile-serve.ts (NODE_OPTIONS=--require …;
// node 20 refuses --cpu-prof there). In the serving process (the cluster worker, or serve itself
// when it runs in one process; profile-serve signals only that one): SIGUSR2 starts the V8 CPU profiler
// (or, with PROFILE_KIND=alloc, the sampling heap profiler counting every allocation, also those
// a scavenge collects), the next SIGUSR2 stops it and writes
// <CPU_PROFILE_DIR>/worker-<pid>.cpuprofile (or .heapprofile).
'use strict';
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

if (process.env.CPU_PROFILE_DIR) {
  const session = new Session();
  session.connect();
  const alloc = process.env.PROFILE_KIND === 'alloc';
  let recording = false;
  process.on('SIGUSR2', () => {
    if (!recording) {
      recording = true;
      if (alloc) {
        session.post('HeapProfiler.enable', () =>
          session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }),
        );
        return;
      }
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: Number(process.env.CPU_PROFILE_INTERVAL_US ?? 200) }, () => session.post('Profiler.start')),
      );
      return;
    }
    recording = false;
    if (alloc) {
      session.post('HeapProfiler.stopSampling', (error, result) => {
        if (error) throw error;
        writeFileSync(join(process.env.CPU_PROFILE_DIR, `worker-${process.pid}.heapprofile`), JSON.stringify(result.profile));
      });
      return;
    }
    session.post('Profiler.stop', (error, result) => {
      if (error) throw error;
      writeFileSync(join(process.env.CPU_PROFILE_DIR, `worker-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}

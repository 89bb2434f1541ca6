// Preloaded into `fortitude serve` by bench/gateway/profile-serve.ts (NODE_OPTIONS=--require …;
// node 20 refuses --cpu-prof there). In the serving process (the cluster worker, or serve itself
// when it runs in one process; profile-serve signals only that one): SIGUSR2 starts the V8 CPU profiler
// (or, with PROFILE_KIND=alloc, the sampling heap profiler counting every allocation, also those
// a scavenge collects; with PROFILE_KIND=survivors, only allocations no scavenge collected: those
// promoted to the old generation, or still alive when it stops), the next SIGUSR2 stops it and writes
// <CPU_PROFILE_DIR>/worker-<pid>.cpuprofile (or .heapprofile).
'use strict';
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

if (process.env.CPU_PROFILE_DIR) {
  const session = new Session();
  session.connect();
  const survivors = process.env.PROFILE_KIND === 'survivors';
  const alloc = process.env.PROFILE_KIND === 'alloc' || survivors;
  let recording = false;
  process.on('SIGUSR2', () => {
    if (!recording) {
      recording = true;
      if (alloc) {
        session.post('HeapProfiler.enable', () =>
          session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !survivors }),
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

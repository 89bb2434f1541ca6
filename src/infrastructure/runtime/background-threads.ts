import { readdirSync } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { setPriority } from 'node:os';

/**
 * Lowers the scheduling priority (raises the nice value) of V8's own threads in this process: the
 * platform workers that mark and sweep concurrently and compile optimised code in the background.
 * When the serving thread has a core to itself they use idle time; when they share its core (one
 * worker pinned to one core, more workers than cores), each wakes for a whole scheduler slice and
 * the serving thread waits behind it: 3–5 ms stalls at 1000 requests/s (bench/RESULTS.md,
 * "Background threads"). At a lower priority they still run whenever the core is free, and yield
 * it sooner when a request arrives. One way: without privileges a thread's priority cannot be
 * raised again.
 *
 * Linux only (elsewhere nice is per process). The main thread, libuv's thread pool (file system,
 * DNS and zlib work that a request waits for) and worker threads keep their priority. Node names
 * none of its threads, so they are told apart by origin: the pool's threads are the ones a file
 * system call runs on (`/proc/thread-self` read from there names it), and V8's platform threads
 * are the ones node started before its pool (thread ids rise in creation order).
 *
 * Returns the thread ids lowered (none where they cannot be told apart or may not be changed).
 */
export async function lowerV8ThreadPriority(nice: number): Promise<number[]> {
  if (nice <= 0) return [];
  return (await v8PlatformThreads()).filter((thread) => lowerThread(thread, nice));
}

/** The ids of V8's platform threads in this process: started before libuv's pool (empty off Linux, or when the pool cannot be found). */
async function v8PlatformThreads(): Promise<number[]> {
  if (process.platform !== 'linux') return [];
  let threads: number[];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    return [];
  }
  const pool = await threadPoolIds();
  if (pool.size === 0) return [];
  const firstPoolThread = Math.min(...pool);
  return threads.filter((thread) => thread !== process.pid && thread < firstPoolThread);
}

function lowerThread(thread: number, nice: number): boolean {
  try {
    // On Linux a nice value belongs to a thread: PRIO_PROCESS with a thread id changes that thread only.
    setPriority(thread, nice);
    return true;
  } catch {
    return false;
  }
}

/** The ids of libuv's pool threads: enough concurrent `readlink`s that every thread takes some. */
async function threadPoolIds(): Promise<Set<number>> {
  const size = Math.max(4, Number(process.env.UV_THREADPOOL_SIZE) || 4);
  const ids = new Set<number>();
  for (let round = 0; round < 4; round++) {
    const links = await Promise.all(Array.from({ length: size * 4 }, () => readlink('/proc/thread-self').catch(() => '')));
    for (const link of links) {
      const id = Number(link.slice(link.lastIndexOf('/') + 1));
      if (Number.isInteger(id) && id > 0 && id !== process.pid) ids.add(id);
    }
    if (ids.size >= size) break;
  }
  return ids;
}

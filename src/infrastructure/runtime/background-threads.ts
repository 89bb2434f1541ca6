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
  const { ids: pool, size } = await threadPoolIds();
  return threadsBeforePool(threads, pool, size, process.pid);
}

/**
 * The threads started before libuv's pool, given the pool threads seen (`seen`) of a pool of
 * `size`: those below the lowest one seen, except that a pool thread never seen (it took none of
 * the reads, its core busy elsewhere) is among the threads just below it — so that many are left
 * out, rather than lower a pool thread. None when no pool thread was seen. Exported for its test.
 */
export function threadsBeforePool(threads: readonly number[], seen: ReadonlySet<number>, size: number, mainThread: number): number[] {
  if (seen.size === 0) return [];
  const sorted = [...threads].sort((a, b) => a - b);
  const firstSeen = sorted.indexOf(Math.min(...seen));
  if (firstSeen < 0) return [];
  const unseen = Math.max(0, size - seen.size);
  return sorted.slice(0, Math.max(0, firstSeen - unseen)).filter((thread) => thread !== mainThread);
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

/**
 * The ids of libuv's pool threads seen taking concurrent `readlink`s, and the pool's size. On a
 * busy core one thread may take none for a while: the rounds go on (a few ms apart) until every
 * thread was seen or ten rounds passed.
 */
async function threadPoolIds(): Promise<{ ids: Set<number>; size: number }> {
  const size = Math.max(4, Number(process.env.UV_THREADPOOL_SIZE) || 4);
  const ids = new Set<number>();
  for (let round = 0; round < 10; round++) {
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, 2));
    const links = await Promise.all(Array.from({ length: size * 4 }, () => readlink('/proc/thread-self').catch(() => '')));
    for (const link of links) {
      const id = Number(link.slice(link.lastIndexOf('/') + 1));
      if (Number.isInteger(id) && id > 0 && id !== process.pid) ids.add(id);
    }
    if (ids.size >= size) break;
  }
  return { ids, size };
}

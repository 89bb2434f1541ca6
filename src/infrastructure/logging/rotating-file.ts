import { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import pino from 'pino';

export interface RotationOptions {
  /** Rotate when the file reaches this size. */
  maxSizeBytes: number;
  /** Rotated files kept beside the live one (`app.log.1` … `app.log.N`); older ones are deleted. */
  maxFiles: number;
  /** gzip rotated files from the second generation on (`app.log.2.gz` …). */
  compress: boolean;
}

export interface RotatingFile {
  write(chunk: string): boolean;
  flushSync(): void;
  /** Runs a rotation check now (also run every few KiB written). */
  checkRotation(): void;
  close(): void;
}

/**
 * An append-only log file rotated by size, safe with several processes writing the same path
 * (cluster workers): every process appends with O_APPEND; whichever process sees the file past
 * `maxSizeBytes` takes a lock file, shifts `path.1…N` and renames the live file to `path.1`; the
 * others notice the path now names a new file (inode changed) and reopen it. `path.1` stays
 * uncompressed because another process may still be appending its last buffered lines to it; it is
 * gzipped when it becomes `path.2` at the next rotation (logrotate's `delaycompress`).
 * No dependency: pino's own destination (sonic-boom) does the writing and reopening.
 */
export function createRotatingFile(
  path: string,
  rotation: RotationOptions,
  options: { sync: boolean; minLength?: number; maxLength?: number; onDrop?: (data: string) => void },
): RotatingFile {
  mkdirSync(dirname(path), { recursive: true });
  // Created now so its inode is known before the (possibly asynchronous) destination opens it.
  closeSync(openSync(path, 'a'));
  const destination = pino.destination({
    dest: path,
    append: true,
    mkdir: true,
    sync: options.sync,
    ...(options.minLength ? { minLength: options.minLength } : {}),
    ...(options.maxLength ? { maxLength: options.maxLength } : {}),
  });
  if (options.onDrop) destination.on('drop', options.onDrop);
  let openedInode = inodeOf(path);
  let bytesSinceCheck = 0;
  let reopening = false;
  // Stat the file every 1/8 of the limit (at most every 64 KiB), not on every line.
  const checkEveryBytes = Math.max(1, Math.min(64 * 1024, Math.floor(rotation.maxSizeBytes / 8)));

  const rotatedName = (generation: number) => (rotation.compress && generation >= 2 ? `${path}.${generation}.gz` : `${path}.${generation}`);

  const lockPath = `${path}.lock`;
  const unlock = (lock: number) => {
    closeSync(lock);
    try {
      unlinkSync(lockPath);
    } catch {
      // Removed as stale by another process.
    }
  };

  const rotate = () => {
    let lock: number;
    try {
      lock = openSync(lockPath, 'wx');
    } catch {
      // Another process is rotating or compressing; a stale lock (its process killed) older than
      // a minute is removed and the next check rotates.
      try {
        if (Date.now() - statSync(lockPath).mtimeMs > 60_000) unlinkSync(lockPath);
      } catch {
        // Gone already.
      }
      return;
    }
    let compressing = false;
    try {
      // Re-check under the lock: another process may have just rotated.
      if (sizeOf(path) < rotation.maxSizeBytes) return;
      removeIfPresent(rotatedName(rotation.maxFiles));
      for (let generation = rotation.maxFiles - 1; generation >= 2; generation--) {
        if (existsSync(rotatedName(generation))) renameSync(rotatedName(generation), rotatedName(generation + 1));
      }
      const previous = `${path}.1`;
      if (existsSync(previous) && rotation.maxFiles >= 2) {
        if (rotation.compress) {
          const source = `${path}.1.compressing`;
          renameSync(previous, source);
          compressing = true;
          // The lock is held until the gzip is written, so no rotation shifts files meanwhile.
          void gzipFile(source, rotatedName(2)).finally(() => unlock(lock));
        } else renameSync(previous, rotatedName(2));
      } else removeIfPresent(previous);
      renameSync(path, previous);
    } finally {
      if (!compressing) unlock(lock);
    }
  };

  const checkRotation = () => {
    bytesSinceCheck = 0;
    const current = inodeOf(path);
    if (current !== undefined && current === openedInode && sizeOf(path) >= rotation.maxSizeBytes) rotate();
    if (inodeOf(path) !== openedInode && !reopening) {
      // Another process (or this one) renamed the file away: follow the path to the new file.
      // (A synchronous destination reopens at once; an asynchronous one is reopened once.)
      if (!options.sync) {
        reopening = true;
        destination.once('ready', () => (reopening = false));
      }
      destination.reopen();
      openedInode = inodeOf(path);
    }
  };

  return {
    write(chunk) {
      const written = destination.write(chunk);
      bytesSinceCheck += Buffer.byteLength(chunk);
      if (bytesSinceCheck >= checkEveryBytes) {
        // Buffered (async) writes reach the file before its size is judged.
        if (options.sync) checkRotation();
        else destination.flush(() => checkRotation());
      }
      return written;
    },
    flushSync() {
      try {
        destination.flushSync();
      } catch {
        // Not yet open: nothing to flush.
      }
    },
    checkRotation,
    close() {
      this.flushSync();
      destination.end();
    },
  };
}

function inodeOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Not there.
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function gzipFile(source: string, target: string): Promise<void> {
  try {
    await pipeline(createReadStream(source), createGzip(), createWriteStream(target));
    unlinkSync(source);
  } catch {
    // Keep the uncompressed file rather than lose it.
  }
}

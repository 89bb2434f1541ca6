/** Call from a benchmark child: close and exit when the parent closes our stdin. */
export function exitWhenParentLeaves(close: () => Promise<void>): void {
  process.stdin.resume();
  process.stdin.on('end', () => {
    void close().then(() => process.exit(0));
  });
}

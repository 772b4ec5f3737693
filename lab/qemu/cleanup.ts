// Everything a lab run creates (namespaces, taps, bridges, QEMU processes, temp dirs) registers
// how to remove it here; the run removes it all on success, failure and interruption.

export interface CleanupFailure {
  label: string;
  error: unknown;
}

interface Entry {
  label: string;
  remove: () => Promise<void>;
}

export class CleanupRegistry {
  private readonly entries: Entry[] = [];
  private running?: Promise<CleanupFailure[]>;

  /** Registers a removal; returns a function that forgets it (when the thing was removed normally). */
  add(label: string, remove: () => Promise<void>): () => void {
    const entry = { label, remove };
    this.entries.push(entry);
    return () => {
      const i = this.entries.indexOf(entry);
      if (i >= 0) this.entries.splice(i, 1);
    };
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * Removes everything, newest first (QEMU before the tap it holds, the tap before its namespace);
   * a failure does not stop the rest. Concurrent calls share one pass.
   */
  runAll(): Promise<CleanupFailure[]> {
    this.running ??= (async () => {
      const failures: CleanupFailure[] = [];
      while (this.entries.length > 0) {
        const entry = this.entries.pop() as Entry;
        try {
          await entry.remove();
        } catch (error) {
          failures.push({ label: entry.label, error });
        }
      }
      return failures;
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}

import { constants, setPriority } from 'node:os';

/**
 * Lowers the calling thread to nice 19 (a CFS weight of 15 against the event-loop thread's 1024), so model
 * work takes the cores only when the event loop does not want them (see docs/decisions.md, "Model work
 * yields the cores"). Linux keeps a nice value per thread and setpriority(PRIO_PROCESS, 0) applies to the
 * caller only; elsewhere it could lower the whole process, so it is done on Linux alone. Raising a nice
 * value needs no privilege.
 */
export function lowerPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(0, constants.priority.PRIORITY_LOW);
  } catch {
    // A sandbox that forbids it: the thread keeps the default priority.
  }
}

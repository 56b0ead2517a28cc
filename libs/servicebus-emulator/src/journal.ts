// Durable queues: an append-only log of what changed, replayed on start and compacted by write-then-rename.
// A send is settled only once its messages are in the log and fdatasync'ed, so a crash of the process (or
// of the machine) never loses a message the sender was told was accepted.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeMessage, encodeMessage } from './amqp.js';
import type { StoredMessage } from './queue.js';

const LOG = 'queues.jsonl';
/** Rewrite the log from the live messages once it holds this many records and 4× more than are live. */
const COMPACT_AFTER = 50_000;

type JournalRecord =
  | { op: 'add'; q: string; seq: number; at: number; exp?: number; dc: number; m: string }
  | { op: 'dc'; q: string; seq: number; dc: number }
  | { op: 'del'; q: string; seq: number };

/** What an entity tells the journal; every call is recorded in order. */
export interface EntityStore {
  /** A new message, or a changed one (properties modified, moved to the dead-letter queue). */
  put(entity: string, message: StoredMessage): void;
  delivered(entity: string, message: StoredMessage): void;
  removed(entity: string, sequenceNumber: number): void;
}

/** Messages per entity path, in sequence order, as the log left them. */
export type Restored = Map<string, StoredMessage[]>;

export class QueueJournal implements EntityStore {
  private pending: string[] = [];
  private waiters: { sync: boolean; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private records = 0;
  private closed = false;

  private constructor(
    private readonly dir: string,
    private file: FileHandle,
    /** The live messages of every entity, for compaction. */
    private readonly live: () => Iterable<[string, StoredMessage]>,
    private liveCount: () => number,
    private readonly compactAfter: number,
  ) {}

  /**
   * Reads the log in `dir` (created if missing), rewrites it with only the live messages, and opens it for
   * appends. `live` lists the messages the entities hold later on, for compaction.
   */
  static async open(
    dir: string,
    live: () => Iterable<[string, StoredMessage]>,
    liveCount: () => number,
    compactAfter = COMPACT_AFTER,
  ): Promise<{ journal: QueueJournal; restored: Restored }> {
    mkdirSync(dir, { recursive: true });
    const restored = replay(join(dir, LOG));
    const lines: string[] = [];
    for (const [entity, messages] of restored) for (const m of messages) lines.push(addLine(entity, m));
    rewrite(dir, lines.join(''));
    const file = await open(join(dir, LOG), 'a');
    const journal = new QueueJournal(dir, file, live, liveCount, compactAfter);
    journal.records = lines.length;
    return { journal, restored };
  }

  put(entity: string, message: StoredMessage): void {
    this.push(addLine(entity, message));
  }

  delivered(entity: string, message: StoredMessage): void {
    this.push(line({ op: 'dc', q: entity, seq: message.sequenceNumber, dc: message.deliveryCount }));
  }

  removed(entity: string, sequenceNumber: number): void {
    this.push(line({ op: 'del', q: entity, seq: sequenceNumber }));
  }

  /**
   * Resolves once everything recorded so far is written and fdatasync'ed (group commit: one sync per flush):
   * safe from a crash of the process and of the machine. For sends, which must never be lost.
   */
  durable(): Promise<void> {
    return this.wait(true);
  }

  /**
   * Resolves once everything recorded so far is written to the file (in the OS, safe from a crash of the
   * process, not of the machine). For settlements: losing one to a power cut only delivers a message again.
   */
  written(): Promise<void> {
    return this.wait(false);
  }

  private wait(sync: boolean): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the Service Bus emulator is shutting down'));
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ sync, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.flushing ??= this.flush();
    await this.flushing;
    await this.file.close();
  }

  private push(text: string): void {
    this.pending.push(text);
    this.records++;
    // Records without a waiter still go out soon: a crash loses at most what was never acknowledged.
    this.flushing ??= this.flush();
  }

  private async flush(): Promise<void> {
    // Let the rest of this turn's records join the write.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.pending.length > 0 || this.waiters.length > 0) {
      const text = this.pending.join('');
      this.pending = [];
      const waiters = this.waiters;
      this.waiters = [];
      try {
        if (this.records > this.compactAfter && this.records > 4 * this.liveCount()) {
          await this.compact();
        } else if (text) {
          await this.file.write(text);
          if (waiters.some((w) => w.sync)) await this.file.datasync();
        }
        for (const w of waiters) w.resolve();
      } catch (e) {
        for (const w of waiters) w.reject(e);
      }
    }
    this.flushing = undefined;
  }

  /** The entities already hold every change recorded so far, so a snapshot of them replaces the log. */
  private async compact(): Promise<void> {
    const lines: string[] = [];
    for (const [entity, m] of this.live()) lines.push(addLine(entity, m));
    await this.file.close();
    rewrite(this.dir, lines.join(''));
    this.file = await open(join(this.dir, LOG), 'a');
    this.records = lines.length;
  }
}

function line(record: JournalRecord): string {
  return `${JSON.stringify(record)}\n`;
}

function addLine(entity: string, m: StoredMessage): string {
  return line({
    op: 'add',
    q: entity,
    seq: m.sequenceNumber,
    at: m.enqueuedAt,
    exp: m.expiresAt,
    dc: m.deliveryCount,
    m: encodeMessage(m.message).toString('base64'),
  });
}

/** Applies the log in order; a torn last line (a crash mid-write, never acknowledged) is ignored. */
function replay(path: string): Restored {
  const state = new Map<string, Map<number, StoredMessage>>();
  if (!existsSync(path)) return new Map();
  const entity = (q: string) => {
    let m = state.get(q);
    if (!m) state.set(q, (m = new Map()));
    return m;
  };
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    if (raw === '') continue;
    let r: JournalRecord;
    try {
      r = JSON.parse(raw) as JournalRecord;
    } catch {
      continue;
    }
    if (r.op === 'add') {
      entity(r.q).set(r.seq, {
        sequenceNumber: r.seq,
        enqueuedAt: r.at,
        expiresAt: r.exp,
        deliveryCount: r.dc,
        message: decodeMessage(Buffer.from(r.m, 'base64')),
      });
    } else if (r.op === 'dc') {
      const m = state.get(r.q)?.get(r.seq);
      if (m) m.deliveryCount = r.dc;
    } else if (r.op === 'del') {
      state.get(r.q)?.delete(r.seq);
    }
  }
  return new Map(
    [...state].map(([q, ms]) => [q, [...ms.values()].sort((a, b) => a.sequenceNumber - b.sequenceNumber)]),
  );
}

/** Write-then-rename, each step synced, so the log is always either the old one or the whole new one. */
function rewrite(dir: string, text: string): void {
  const tmp = join(dir, `${LOG}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, LOG));
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

import { randomUUID } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { BlobClaims } from './blob-claims.js';
import type { BlobRest } from './blob-rest.js';
import { JournalLookup } from './journal-lookup.js';

/** The container the Functions host keeps its bookkeeping in (receipts, leases) in AzureWebJobsStorage. */
export const HOSTS_CONTAINER = 'azure-webjobs-hosts';

export type ReceiptStatus = 'completed' | 'poisoned';

/** One line of a journal: a blob version handled, and how. */
export interface ReceiptLine {
  blob: string;
  etag: string;
  status: ReceiptStatus;
  invocationId: string;
  at: string;
}

/** Append blobs take at most 50,000 blocks; a journal rolls over to a new blob well before that. */
const DEFAULT_MAX_APPENDS = 45_000;
/** The append block size limit of older service versions (Azurite enforces it too). */
const MAX_BLOCK_BYTES = 4 * 1024 * 1024;

interface Pending {
  line: ReceiptLine;
  text: string;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export interface ReceiptOptions {
  /** Appends per journal blob before a new one is started. */
  maxAppends?: number;
  /**
   * Journals merged and deleted on load are those not written for this long (default 10 minutes): a journal
   * written more recently may belong to another host running now, which would lose the receipts it appends.
   */
  compactIdleMs?: number;
  /**
   * How long the first receipt of a batch waits for others before the append starts (default 0: at once).
   * Each append costs Azurite more as the journal grows; the blob source waits (RECEIPT_BATCH_MS), since the
   * claim, not the journal, is what keeps a finished version from running again.
   */
  flushDelayMs?: number;
}

const DEFAULT_COMPACT_IDLE_MS = 10 * 60_000;

/**
 * Which blob versions (ETags) a function has handled, so a blob is processed once per version, across
 * restarts. The Functions host writes one receipt blob per trigger blob; here receipts are JSON lines in
 * append blobs (`blobreceipts/<hostId>/<function>/<container>.journal/<time>-<id>.jsonl`), and receipts
 * written while an append is in flight go out together in the next one. With Azurite that halves the
 * storage requests a blob costs beyond its read and its output (a receipt blob was a third request, and
 * Azurite's per-request cost grows with the blobs it holds). A receipt is durable before `write` resolves.
 * The set is loaded once and then kept in memory, so a poll costs one listing, not one request per blob;
 * on load, several journals (one per earlier run) are merged into one and the idle ones deleted.
 *
 * The journal is this host's memory; `claims` (blob-claims.ts) is what several hosts share, so that one
 * of them runs a version and the others learn that it is done.
 */
export class BlobReceipts {
  private readonly handled = new Map<string, string>();
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  /** Name of the journal blob appends go to, in HOSTS_CONTAINER. */
  private journal: string | undefined;
  private appends = 0;
  /** Per-blob-version claims shared by every host on this storage account. */
  readonly claims: BlobClaims;
  /** Journal lines that could not be read on load (not JSON, or missing fields); those blobs run again. */
  skippedLines = 0;

  private constructor(
    private readonly hosts: ContainerClient,
    private readonly rest: BlobRest,
    readonly prefix: string,
    private readonly maxAppends: number,
    claimsPrefix: string,
    private readonly flushDelayMs: number,
  ) {
    const journals = new JournalLookup(hosts, prefix);
    this.claims = new BlobClaims(
      rest,
      hosts.containerName,
      claimsPrefix,
      async (blob, etag) => this.has(blob, etag) || journals.has(blob, etag),
    );
  }

  /** `hosts` (the SDK) reads and merges the journals once; `rest` writes every append (see blob-rest.ts). */
  static async load(
    hosts: ContainerClient,
    rest: BlobRest,
    hostId: string,
    functionName: string,
    container: string,
    options: ReceiptOptions = {},
  ): Promise<BlobReceipts> {
    const receipts = new BlobReceipts(
      hosts,
      rest,
      `blobreceipts/${hostId}/${functionName}/${container}.journal/`,
      options.maxAppends ?? DEFAULT_MAX_APPENDS,
      `blobreceipts/${hostId}/${functionName}/${container}.claims/`,
      options.flushDelayMs ?? 0,
    );
    const journals: string[] = [];
    const idle: string[] = [];
    const idleBefore = Date.now() - (options.compactIdleMs ?? DEFAULT_COMPACT_IDLE_MS);
    for await (const item of hosts.listBlobsFlat({ prefix: receipts.prefix })) {
      journals.push(item.name);
      if (item.properties.lastModified.getTime() <= idleBefore) idle.push(item.name);
    }
    // Names start with a fixed-width time, so name order is write order and later lines win.
    journals.sort();
    const merged = new Map<string, ReceiptLine>();
    for (const name of journals) {
      const text = (await hosts.getBlobClient(name).downloadToBuffer()).toString('utf8');
      for (const raw of text.split('\n')) {
        if (raw === '') continue;
        const line = parseLine(raw);
        if (line) merged.set(line.blob, line);
        else receipts.skippedLines++;
      }
    }
    for (const [blob, line] of merged) receipts.handled.set(blob, line.etag);
    if (idle.length > 1) await receipts.compact([...merged.values()], idle);
    return receipts;
  }

  get size(): number {
    return this.handled.size;
  }

  has(blobName: string, etag: string): boolean {
    return this.handled.get(blobName) === etag;
  }

  /** Another host has handled this version (its claim says so): remember it without writing a receipt. */
  markHandled(blobName: string, etag: string): void {
    this.handled.set(blobName, etag);
  }

  /** Resolves once the receipt is in storage (rejects if the append failed: the blob then runs again). */
  write(blobName: string, etag: string, status: ReceiptStatus, invocationId: string): Promise<void> {
    const line: ReceiptLine = { blob: blobName, etag, status, invocationId, at: new Date().toISOString() };
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ line, text: `${JSON.stringify(line)}\n`, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** One append at a time; whatever queued meanwhile goes out in the next (group commit). */
  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      if (this.flushDelayMs > 0) await new Promise((r) => setTimeout(r, this.flushDelayMs));
      const batch = takeBlock(this.pending);
      try {
        await this.append(batch.map((p) => p.text).join(''));
        for (const p of batch) this.handled.set(p.line.blob, p.line.etag);
        for (const p of batch) p.resolve();
      } catch (e) {
        for (const p of batch) p.reject(e);
      }
    }
    this.flushing = undefined;
  }

  private async append(text: string): Promise<void> {
    const body = Buffer.from(text, 'utf8');
    try {
      if (!this.journal || this.appends >= this.maxAppends) {
        const journal = `${this.prefix}${journalName()}`;
        await this.rest.createAppendBlob(this.hosts.containerName, journal, 'application/x-ndjson');
        this.journal = journal;
        this.appends = 0;
      }
      await this.rest.appendBlock(this.hosts.containerName, this.journal, body);
      this.appends++;
    } catch (e) {
      // A journal deleted, full or in doubt: the next append starts a fresh one.
      this.journal = undefined;
      throw e;
    }
  }

  /** Writes the merged receipts into a new journal, then deletes the ones they came from. */
  private async compact(lines: ReceiptLine[], old: string[]): Promise<void> {
    const pending: Pending[] = lines.map((line) => ({
      line,
      text: `${JSON.stringify(line)}\n`,
      resolve: () => undefined,
      reject: () => undefined,
    }));
    while (pending.length > 0) {
      await this.append(
        takeBlock(pending)
          .map((p) => p.text)
          .join(''),
      );
    }
    // Deleted only once the merged copy is durable: a crash before here leaves duplicates, never gaps.
    for (const name of old) await this.hosts.getBlobClient(name).deleteIfExists();
  }
}

/** Takes from the front of `queue` as many entries as fit one append block (at least one). */
function takeBlock(queue: Pending[]): Pending[] {
  let bytes = 0;
  let n = 0;
  while (n < queue.length) {
    const size = Buffer.byteLength(queue[n].text);
    if (n > 0 && bytes + size > MAX_BLOCK_BYTES) break;
    bytes += size;
    n++;
  }
  return queue.splice(0, n);
}

function journalName(): string {
  return `${String(Date.now()).padStart(15, '0')}-${randomUUID()}.jsonl`;
}

function parseLine(raw: string): ReceiptLine | undefined {
  try {
    const v = JSON.parse(raw) as Partial<ReceiptLine>;
    if (typeof v.blob === 'string' && typeof v.etag === 'string') return v as ReceiptLine;
  } catch {
    // fall through: counted as skipped by the caller
  }
  return undefined;
}

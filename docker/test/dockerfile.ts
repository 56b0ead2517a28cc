/** The parts of a Dockerfile this check needs: each COPY's sources, and the stage it copies from. */
export interface CopyInstruction {
  line: number;
  from?: string;
  sources: string[];
}

export function parseCopies(text: string): CopyInstruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  const copies: CopyInstruction[] = [];
  joined.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!/^COPY\s/i.test(line)) return;
    const words = line.split(/\s+/).slice(1);
    const flags = words.filter((w) => w.startsWith('--'));
    const paths = words.filter((w) => !w.startsWith('--'));
    const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
    copies.push({ line: i + 1, from, sources: paths.slice(0, -1) });
  });
  return copies;
}

/** The working directory of the build stage (its sources live there, mirroring the repository root). */
export function buildWorkdir(text: string): string {
  const m = /^WORKDIR\s+(\S+)/m.exec(text);
  return m ? m[1] : '/';
}

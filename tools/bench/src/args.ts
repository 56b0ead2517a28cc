import type { LoadDriverName } from './load/types.js';

export interface BenchArgs {
  quick: boolean;
  /** Where the report goes; undefined: docs/benchmarks.md for a full run, nowhere for --quick. */
  out: string | undefined;
  /** Write no report file (stdout only). */
  noWrite: boolean;
  load: LoadDriverName | undefined;
  /** Skip the peer even when it could run. */
  noPeer: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [--quick] [--out FILE | --no-write] [--load wrk|autocannon] [--no-peer]

  --quick        2 s per HTTP row and small blob/Service Bus counts (CI: checks it runs, not the figures);
                 prints the table only, unless --out is given
  --out FILE     write the report there (default for a full run: docs/benchmarks.md)
  --no-write     print the table only
  --load NAME    load generator: wrk (default when installed) or autocannon
  --no-peer      skip the Python peer (shared/peers/aml-flask) even when its packages are installed`;

export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = {
    quick: false,
    out: undefined,
    noWrite: false,
    load: undefined,
    noPeer: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--out') args.out = value();
    else if (a === '--no-write') args.noWrite = true;
    else if (a === '--no-peer') args.noPeer = true;
    else if (a === '--help' || a === '-h') args.help = true;
    else if (a === '--load') {
      const v = value();
      if (v !== 'wrk' && v !== 'autocannon') throw new Error(`--load must be wrk or autocannon, not ${v}`);
      args.load = v;
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  return args;
}

/** The report file, or undefined for none. */
export function reportPath(args: BenchArgs, defaultPath: string): string | undefined {
  if (args.noWrite) return undefined;
  if (args.out !== undefined) return args.out;
  return args.quick ? undefined : defaultPath;
}

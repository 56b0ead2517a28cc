import type { LoadDriverName } from './load/types.js';
import { SUITE_STEPS, type SuiteStep } from './suite-steps.js';

export interface BenchArgs {
  quick: boolean;
  /** Where the report goes; undefined: docs/benchmarks.md for a full run, nowhere for --quick. */
  out: string | undefined;
  /** Write no report file (stdout only). */
  noWrite: boolean;
  load: LoadDriverName | undefined;
  /** Skip the peer even when it could run. */
  noPeer: boolean;
  /** Only these groups of rows; undefined: every group. */
  only: SuiteStep[] | undefined;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [--quick] [--out FILE | --no-write] [--load wrk|autocannon] [--no-peer] [--only GROUPS]

  --quick        1 s per HTTP row (no warm-up run) and small blob/Service Bus counts (CI: checks it runs, not the figures);
                 prints the table only, unless --out is given
  --out FILE     write the report there (default for a full run of every group: docs/benchmarks.md)
  --no-write     print the table only
  --load NAME    load generator: wrk (default when installed) or autocannon
  --no-peer      skip the Python peer (shared/peers/aml-flask) even when its packages are installed
  --only GROUPS  run only these groups of rows, comma-separated: ${SUITE_STEPS.join(', ')}
                 (targets whose rows were not run say "not measured")`;

export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = {
    quick: false,
    out: undefined,
    noWrite: false,
    load: undefined,
    noPeer: false,
    only: undefined,
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
    else if (a === '--only') {
      const groups = value().split(',');
      const unknown = groups.filter((g) => !(SUITE_STEPS as readonly string[]).includes(g));
      if (unknown.length)
        throw new Error(`--only takes ${SUITE_STEPS.join(', ')}; not ${unknown.join(', ')}`);
      args.only = groups as SuiteStep[];
    } else if (a === '--load') {
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
  // A partial run must not replace the whole table of docs/benchmarks.md.
  return args.quick || args.only ? undefined : defaultPath;
}

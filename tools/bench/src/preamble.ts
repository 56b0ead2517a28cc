/** The opening of a new docs/benchmarks.md; an existing report keeps its own text around the generated block. */
export const PREAMBLE = `# Benchmarks

\`npm run bench\` measures the HTTP, Blob and Service Bus paths on this machine against the Azure doc's stack
(\`shared/peers/aml-flask\`: scikit-learn + Flask + gunicorn, cache-aside on Redis) and a bare Node \`http\`
server, and rewrites the block below. \`npm run bench -- --quick\` is the CI variant (short rows, table on
stdout only).`;

// Preloaded by bench/run.js (NODE_OPTIONS=--require): records the process's peak resident memory, in KB.
process.on('exit', () => {
  if (process.env.BENCH_RSS_FILE) require('node:fs').appendFileSync(process.env.BENCH_RSS_FILE, `${process.resourceUsage().maxRSS}\n`);
});

import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { groupAlive, groupGone, isAlive } from '../../../src/supervisor/pids.js';

describe('pids', () => {
  it('a process that ran and ended is not alive, even when it was left as an orphan', async () => {
    // The shell exits at once; its background sleep is orphaned and ends 300 ms later. Where PID 1
    // does not reap, it stays a zombie that kill(pid, 0) still finds.
    const r = spawnSync('sh', ['-c', 'sleep 0.3 >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' });
    const orphan = Number(r.stdout.trim());
    expect(isAlive(orphan)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(isAlive(orphan)).toBe(false);
  });

  it('a group is alive while any member runs, and gone once all are killed', async () => {
    const leader = spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait'], { detached: true, stdio: 'ignore' });
    const pgid = leader.pid!;
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(groupAlive(pgid)).toBe(true);
      process.kill(pgid, 'SIGKILL'); // the leader only: its sleeps live on in the group
      await new Promise((resolve) => leader.once('exit', resolve));
      expect(groupAlive(pgid)).toBe(true);
      process.kill(-pgid, 'SIGKILL');
      expect(await groupGone(pgid, 2000)).toBe(true);
    } finally {
      try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
    }
  });
});

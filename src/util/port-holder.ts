/**
 * Which program listens on a TCP port, as `ss -ltnp` would say: the socket's inode from
 * /proc/net/tcp{,6}, then the process holding that socket among /proc/<pid>/fd. Linux only, and only
 * processes this user may look at; undefined otherwise, and the message falls back on `lsof`/`ss`.
 * Read only when a port is taken: it walks every process's descriptors.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';

const LISTEN = '0A';

/** The inodes of the sockets listening on `port`, any address. */
async function listeningInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== LISTEN || fields[1]!.split(':')[1] !== hexPort) continue;
      if (fields[9] !== '0') inodes.add(fields[9]!);
    }
  }
  return inodes;
}

/** "node (pid 1234: node server.js)", or undefined when it cannot be told. */
export async function portHolder(port: number): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined;
  const inodes = await listeningInodes(port);
  if (inodes.size === 0) return undefined;
  const sockets = new Set([...inodes].map((inode) => `socket:[${inode}]`));
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (!sockets.has(target)) continue;
      const name = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
      const command = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean).join(' ');
      const shown = command.length > 60 ? `${command.slice(0, 57)}...` : command;
      return `${name || 'a program'} (pid ${pid}${shown ? `: ${shown}` : ''})`;
    }
  }
  return undefined;
}

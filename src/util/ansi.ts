/**
 * Terminal control sequences (colours, a spinner's "erase line, go to column 1", titles) and carriage
 * returns, taken out of a line bound for a file or a pipe, where they are noise: `[2K[1G⠋ Applying…`.
 */
// CSI (ESC [ … final byte), OSC (ESC ] … BEL or ESC \), and the other escapes (ESC 7, ESC ( B, ESC =).
const CONTROL = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[ -/]*[0-~]/g;

export function withoutControl(line: string): string {
  if (!line.includes('\u001b') && !line.includes('\r')) return line;
  // A spinner redraws its line after a carriage return: what the terminal would show is the last frame.
  const frames = line.split('\r').map((frame) => frame.replace(CONTROL, ''));
  return [...frames].reverse().find((frame) => frame.trim() !== '') ?? '';
}

/**
 * Terminal control sequences (colours, a spinner's "erase line, go to column 1", titles) and carriage
 * returns, taken out of a line bound for a file or a pipe, where they are noise: `[2K[1G⠋ Applying…`.
 */
// CSI (ESC [ … final byte), OSC (ESC ] … BEL or ESC \), and two-byte escapes such as ESC 7.
const CONTROL = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]|\r/g;

export function withoutControl(line: string): string {
  return line.includes('\u001b') || line.includes('\r') ? line.replace(CONTROL, '') : line;
}

/** Options every command takes, and what a command returns (its exit code). */
export interface GlobalOptions {
  file?: string;
  project?: string;
  debug?: boolean;
  json?: boolean;
}

export type CommandResult = number | void;

/** A snapshot name is an identifier (it becomes part of a database name); checked before pg is loaded. */
export const SNAPSHOT_NAME = /^[a-z][a-z0-9_]{0,39}$/;

/** Every database devenv keeps in the server (snapshots, spares, the copy for reset) starts with this. */
export const DEVENV_DATABASE = 'devenv_';

/** A snapshot name is an identifier (it becomes part of a database name); checked before pg is loaded. */
export const SNAPSHOT_NAME = /^[a-z][a-z0-9_]{0,39}$/;

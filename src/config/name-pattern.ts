/** Project and service names: lowercase letters, digits, "_" and "-", starting with a letter or digit. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
